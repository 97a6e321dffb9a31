"""Exact Shapley values against an independent library: Captum 0.9.0's ``ShapleyValues``.

Captum scores the features of ``F(mask)`` from a baseline (all units zeroed)
to the input (all kept), over all n! orders. With ``F(mask) = −L(units
scaled by mask)`` its game is ``u(T) = −L(N∖T zeroed)``, whose Shapley values
equal those of the pruning game ``v(S) = L(S zeroed) − L(∅)`` (``v`` is
minus the dual of ``−u``, and a game and its dual share their Shapley
values). Captum 0.9.0 accumulates the attributions in float32
(``total_attrib`` is ``torch.float`` in ``shapley_value.py``), so it drifts:
measured here up to 1.8e-7 relative with 4 units (24 orders) and 9e-7 with
5 (120 orders). The comparison is at 1e-6 relative, with 4 units.
"""

from __future__ import annotations

import itertools

import pytest
import torch

from lrp_core.importance import attribute
from lrp_core.network import Network, from_layers

captum_attr = pytest.importorskip("captum.attr", reason="captum (a dev-only dependency, 0.9.0) is not installed")

D = torch.float64


def random_net(widths: list[int], acts: list[str], seed: int) -> Network:
    g = torch.Generator().manual_seed(seed)
    ws = [torch.randn(o, i, generator=g, dtype=D) for i, o in itertools.pairwise(widths)]
    bs = [0.3 * torch.randn(o, generator=g, dtype=D) for o in widths[1:]]
    return from_layers(ws, bs, acts)


def captum_shapley(net: Network, X: torch.Tensor, y: torch.Tensor, layer: int, loss: str) -> torch.Tensor:
    H = net.forward(X, stop=layer + 1).output

    def minus_loss(mask: torch.Tensor) -> torch.Tensor:  # mask: (B, n) -> (B,)
        pred = net.forward(H.unsqueeze(0) * mask.unsqueeze(1), start=layer + 1).output
        r = (pred - y.unsqueeze(0)).reshape(mask.shape[0], -1)
        return -((r * r).mean(dim=1) if loss == "mse" else r.abs().mean(dim=1))

    n = H.shape[1]
    sv = captum_attr.ShapleyValues(minus_loss)
    out = sv.attribute(torch.ones(1, n, dtype=D), baselines=torch.zeros(1, n, dtype=D))
    return out.reshape(n)


@pytest.mark.parametrize("seed", [31, 32])
@pytest.mark.parametrize(("widths", "acts", "layer", "loss"), [
    ([2, 4, 1], ["relu", "linear"], 0, "mse"),  # the closed form
    ([3, 4, 2], ["relu", "linear"], 0, "mse"),  # the closed form, two outputs
    ([2, 4, 1], ["relu", "linear"], 0, "l1"),  # the 2ⁿ path
    ([2, 4, 3, 1], ["relu", "relu", "linear"], 0, "mse"),  # the 2ⁿ path, a deeper tail
    ([3, 4, 2], ["relu", "relu"], 0, "mse"),  # the 2ⁿ path, ReLU output
])
def test_exact_shapley_matches_captum(widths: list[int], acts: list[str], layer: int, loss: str,
                                      seed: int) -> None:
    net = random_net(widths, acts, seed)
    g = torch.Generator().manual_seed(seed + 100)
    X = torch.randn(40, widths[0], generator=g, dtype=D)
    y = torch.randn(40, widths[-1], generator=g, dtype=D)
    (ours,) = attribute(net, X, y, "shapley-exact", layer=layer, loss=loss)
    theirs = captum_shapley(net, X, y, layer, loss)
    assert ours.extra["closed_form"] is (loss == "mse" and acts[-1] == "linear" and layer + 2 == len(acts))
    scale = float(ours.scores.abs().max())
    assert scale > 1e-3  # not a trivial game
    assert float((ours.scores - theirs).abs().max()) <= 1e-6 * scale
