"""Exact Shapley values in closed form (MSE, layer feeding a linear output) against 2ⁿ enumeration.

For ``v(S) = Σ_{i∈S} a_i + Σ_{i<j∈S} b_ij`` the Shapley value is
``a_i + ½ Σ_j b_ij``; :func:`quadratic_shapley_values` gives
``φ_i = −m_i·(s + 2c)/W``. Checked here against every coalition's loss
(a plain masked forward pass for small n, the batched 2ⁿ table up to n = 16).
"""

from __future__ import annotations

import itertools
from math import factorial

import pytest
import torch

from lrp_core.importance import (
    METHODS,
    attribute,
    closed_form_applies,
    make_game,
    quadratic_shapley_values,
    shapley_from_values,
    unavailable_reason,
)
from lrp_core.network import MAX_UNITS, Network, from_layers

D = torch.float64


def random_net(widths: list[int], acts: list[str], seed: int) -> Network:
    g = torch.Generator().manual_seed(seed)
    ws = [torch.randn(o, i, generator=g, dtype=D) / i**0.5 for i, o in itertools.pairwise(widths)]
    bs = [0.3 * torch.randn(o, generator=g, dtype=D) for o in widths[1:]]
    return from_layers(ws, bs, acts)


def data(n_in: int, n_out: int, rows: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    return torch.randn(rows, n_in, generator=g, dtype=D), torch.randn(rows, n_out, generator=g, dtype=D)


def enumerated(net: Network, X: torch.Tensor, y: torch.Tensor, layer: int) -> tuple[torch.Tensor, float]:
    """Shapley values from all 2ⁿ coalition losses (the batched table, no closed form)."""
    game = make_game(net, X, y, layer=layer, loss="mse")
    losses = game.all_coalition_losses()
    v = losses - losses[0]
    return shapley_from_values(v, game.n_units), float(v[-1])


def masked_mse(net: Network, X: torch.Tensor, y: torch.Tensor, layer: int, zeroed: tuple[int, ...]) -> float:
    h = net.forward(X, stop=layer + 1).output.clone()
    h[:, list(zeroed)] = 0.0
    r = net.forward(h, start=layer + 1).output - y
    return float((r * r).mean())


def test_closed_form_matches_plain_forward_passes_on_a_small_case() -> None:
    """n = 5: every coalition's loss by a plain masked forward pass, Shapley by the subset formula."""
    net = random_net([3, 5, 2], ["relu", "linear"], 1)
    X, y = data(3, 2, 25, 2)
    n = 5
    base = masked_mse(net, X, y, 0, ())
    v = {S: masked_mse(net, X, y, 0, S) - base for k in range(n + 1) for S in itertools.combinations(range(n), k)}
    ref = []
    for i in range(n):
        others = [j for j in range(n) if j != i]
        total = 0.0
        for k in range(n):
            for S in itertools.combinations(others, k):
                w = factorial(k) * factorial(n - k - 1) / factorial(n)
                total += w * (v[tuple(sorted((*S, i)))] - v[S])
        ref.append(total)
    (r,) = attribute(net, X, y, "shapley-exact")
    assert r.extra["closed_form"] is True
    assert r.scores.tolist() == pytest.approx(ref, abs=1e-12)
    assert r.extra["v_full"] == pytest.approx(v[tuple(range(n))], abs=1e-12)


@pytest.mark.parametrize(("widths", "acts", "layer"), [
    ([2, 16, 1], ["relu", "linear"], 0),
    ([3, 12, 3], ["relu", "linear"], 0),
    ([2, 6, 14, 2], ["relu", "relu", "linear"], 1),
    ([4, 9, 1], ["linear", "linear"], 0),
])
@pytest.mark.parametrize("seed", [0, 1])
def test_closed_form_equals_enumeration_to_1e9(widths: list[int], acts: list[str], layer: int, seed: int) -> None:
    net = random_net(widths, acts, 10 + seed)
    X, y = data(widths[0], widths[-1], 40, 20 + seed)
    assert closed_form_applies(net, layer, "mse")
    (r,) = attribute(net, X, y, "shapley-exact", layer=layer)
    assert r.extra["closed_form"] is True and "coalitions" not in r.extra
    want, v_full = enumerated(net, X, y, layer)
    assert float((r.scores - want).abs().max()) <= 1e-9
    assert r.extra["v_full"] == pytest.approx(v_full, abs=1e-9)
    assert abs(float(r.scores.sum()) - r.extra["v_full"]) <= 1e-10  # efficiency
    assert abs(r.extra["efficiency_error"]) <= 1e-10


def test_quadratic_game_identity_a_plus_half_b() -> None:
    """φ_i = a_i + ½ Σ_j b_ij with a_i = v({i}) and b_ij = v({i,j}) − v({i}) − v({j}) read off the game."""
    net = random_net([2, 7, 2], ["relu", "linear"], 5)
    X, y = data(2, 2, 30, 6)
    game = make_game(net, X, y)
    n = game.n_units
    eye = torch.eye(n, dtype=torch.bool)
    pairs = eye.unsqueeze(0) | eye.unsqueeze(1)  # (n, n, n): units i and j zeroed
    base = float(game.losses(torch.zeros(1, n, dtype=torch.bool))[0])
    a = game.losses(eye) - base
    vij = (game.losses(pairs.reshape(-1, n)) - base).reshape(n, n)
    b = vij - a.unsqueeze(0) - a.unsqueeze(1)
    b.fill_diagonal_(0.0)
    phi, _ = quadratic_shapley_values(game)
    assert phi.tolist() == pytest.approx((a + 0.5 * b.sum(dim=1)).tolist(), abs=1e-12)


def test_closed_form_at_the_width_cap_is_efficient_null_and_symmetric() -> None:
    """n = 64 (the app's cap): efficiency, a null unit gets exactly 0, twin units equal values;
    the antithetic sampler (exact for a quadratic game) agrees."""
    n = MAX_UNITS
    g = torch.Generator().manual_seed(3)
    w1 = torch.randn(n, 2, generator=g, dtype=D)
    b1 = 0.2 * torch.randn(n, generator=g, dtype=D)
    w2 = torch.randn(1, n, generator=g, dtype=D) / n**0.5
    w1[1], b1[1], w2[0, 1] = w1[0], b1[0], w2[0, 0]  # twins
    w2[0, 5] = 0.0  # null
    net = from_layers([w1, w2], [b1, torch.zeros(1, dtype=D)], ["relu", "linear"])
    X, y = data(2, 1, 1000, 4)
    res = {r.method: r for r in attribute(net, X, y, ["shapley-exact", "shapley-sampled"], samples=20)}
    phi = res["shapley-exact"].scores
    assert phi.shape == (n,)
    assert abs(float(phi.sum()) - res["shapley-exact"].extra["v_full"]) <= 1e-10
    assert float(phi[5]) == 0.0 and str(float(phi[5])) == "0.0"  # +0.0, not -0.0
    assert float(phi[0]) == float(phi[1]) and abs(float(phi[0])) > 1e-4
    assert float((res["shapley-sampled"].scores - phi).abs().max()) <= 1e-9
    assert res["shapley-exact"].extra["v_full"] == pytest.approx(masked_mse(net, X, y, 0, tuple(range(n)))
                                                                 - masked_mse(net, X, y, 0, ()), abs=1e-10)


def test_registry_says_when_the_closed_form_applies() -> None:
    entry = METHODS.get("shapley-exact")
    closed_form = entry.extra["closed_form"]
    linear = random_net([2, 30, 1], ["relu", "linear"], 0)
    relu_out = random_net([2, 30, 1], ["relu", "relu"], 0)
    deep = random_net([2, 30, 4, 1], ["relu", "relu", "linear"], 0)
    assert closed_form(linear, 0, "mse") and not closed_form(linear, 0, "l1")
    assert not closed_form(relu_out, 0, "mse") and not closed_form(deep, 0, "mse") and closed_form(deep, 1, "mse")
    assert unavailable_reason("shapley-exact", linear, 0, "mse") is None
    for net, layer, loss in [(linear, 0, "l1"), (relu_out, 0, "mse"), (deep, 0, "mse")]:
        assert "at most 20 units" in str(unavailable_reason("shapley-exact", net, layer, loss))
    assert all(unavailable_reason(m, relu_out, 0, "mse") is None for m in METHODS.names() if m != "shapley-exact")


def test_without_the_closed_form_the_2n_path_runs_as_before() -> None:
    net = random_net([2, 6, 1], ["relu", "relu"], 8)
    X, y = data(2, 1, 30, 9)
    (r,) = attribute(net, X, y, "shapley-exact")
    assert r.extra["closed_form"] is False and r.extra["coalitions"] == 64
    (l1,) = attribute(random_net([2, 6, 1], ["relu", "linear"], 8), X, y, "shapley-exact", loss="l1")
    assert l1.extra["closed_form"] is False and l1.extra["coalitions"] == 64
