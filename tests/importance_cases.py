"""Shared cases for the neuron-importance tests: a hand-worked network, the
ancona-max preset, random networks, and plain-forward references."""

from __future__ import annotations

import itertools

import torch

from lrp_core.importance import Scores
from lrp_core.network import Network, from_layers
from lrp_core.presets import get_preset

D = torch.float64


def tiny() -> tuple[Network, torch.Tensor, torch.Tensor]:
    """2-3-1 network and 3 samples, worked by hand in the comments below.

    H = [[1, 1, 3], [0, 0, 0], [3, 0, 2]]; pred = [3, 0.5, 7.5]; residual r = [2, 0.5, 5.5];
    MSE = 34.5 / 3 = 11.5; L1 = 8 / 3.
    """
    net = from_layers(
        [[[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]], [[2.0, -1.0, 0.5]]],
        [[0.0, -1.0, 0.0], [0.5]],
        ["relu", "linear"],
    )
    X = torch.tensor([[1.0, 2.0], [-1.0, 0.5], [3.0, -1.0]], dtype=D)
    y = torch.tensor([[1.0], [0.0], [2.0]], dtype=D)
    return net, X, y


def ancona() -> tuple[Network, torch.Tensor, torch.Tensor]:
    p = get_preset("ancona-max")
    X, y = p.dataset(100, 0)
    return p.network(), X, y


def random_net(widths: list[int], acts: list[str], seed: int) -> Network:
    g = torch.Generator().manual_seed(seed)
    ws = [torch.randn(o, i, generator=g, dtype=D) for i, o in itertools.pairwise(widths)]
    bs = [0.3 * torch.randn(o, generator=g, dtype=D) for o in widths[1:]]
    return from_layers(ws, bs, acts)


def masked_loss(net: Network, X: torch.Tensor, y: torch.Tensor, layer: int, zeroed: list[int], loss: str) -> float:
    """Reference: a plain forward pass with the units in ``zeroed`` set to 0."""
    h = net.forward(X, stop=layer + 1).output.clone()
    h[:, zeroed] = 0.0
    r = net.forward(h, start=layer + 1).output - y
    return float((r * r).mean() if loss == "mse" else r.abs().mean())


def permutation_shapley(net: Network, X: torch.Tensor, y: torch.Tensor, layer: int, loss: str) -> list[float]:
    """Reference: average marginal contribution over all n! orders (small n only)."""
    n = net.layers[layer].n_out
    base = masked_loss(net, X, y, layer, [], loss)
    phi = [0.0] * n
    perms = list(itertools.permutations(range(n)))
    for perm in perms:
        zeroed: list[int] = []
        prev = 0.0
        for unit in perm:
            zeroed.append(unit)
            value = masked_loss(net, X, y, layer, zeroed, loss) - base
            phi[unit] += value - prev
            prev = value
    return [p / len(perms) for p in phi]


def by_name(results: list[Scores]) -> dict[str, Scores]:
    return {r.method: r for r in results}
