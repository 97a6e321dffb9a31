"""Neuron importance, Shapley values: weights, exact values by hand and against
all n! orders, every coalition path, the sampler's standard errors, the
overflow refusals and the work caps."""

from __future__ import annotations

import itertools
import math
import re
import time

import pytest
import torch

from lrp_core.errors import LRPError
from lrp_core.importance import (
    EXACT_OUTPUT_COST,
    MAX_WORK,
    METHODS,
    Context,
    attribute,
    make_game,
    popcount,
    pruning_curves,
    run_method,
    shapley_from_values,
    shapley_weights,
    shapley_work,
)
from lrp_core.network import Network, from_layers
from lrp_core.presets import get_preset
from tests.importance_cases import D, ancona, by_name, masked_loss, permutation_shapley, random_net, tiny

# --- Shapley ---------------------------------------------------------------------------


def test_shapley_weights_and_popcount() -> None:
    w = shapley_weights(3)
    assert w.tolist() == pytest.approx([1 / 3, 1 / 6, 1 / 3], abs=1e-16)
    for n in (1, 4, 9):
        # Σ_S⊆N∖{i} w(|S|) = 1
        assert sum(math.comb(n - 1, s) * float(shapley_weights(n)[s]) for s in range(n)) == pytest.approx(1.0)
    codes = range(1 << 6)
    assert popcount(6).tolist() == [bin(c).count("1") for c in codes]


def test_exact_shapley_three_units_by_hand() -> None:
    # v in thirds: v0=-34, v1=5, v2=-13.75, v01=-33, v02=-29.75, v12=-11.75, v012=-31.75
    # φ0 = -9, φ1 = 1/2, φ2 = -25/12 (worked over the 6 permutations by hand)
    net, X, y = tiny()
    (r,) = attribute(net, X, y, "shapley-exact")
    assert r.scores.tolist() == pytest.approx([-9.0, 0.5, -25 / 12], abs=1e-13)
    assert r.extra["v_full"] == pytest.approx(-31.75 / 3, abs=1e-13)
    assert r.scores.tolist() == pytest.approx(permutation_shapley(net, X, y, 0, "mse"), abs=1e-12)


def test_shapley_from_values_matches_permutations_on_a_random_game() -> None:
    n = 5
    g = torch.Generator().manual_seed(1)
    v = torch.randn(1 << n, generator=g, dtype=D)
    v[0] = 0.0
    ref = [0.0] * n
    perms = list(itertools.permutations(range(n)))
    for perm in perms:
        code = 0
        for unit in perm:
            ref[unit] += float(v[code | (1 << unit)] - v[code])
            code |= 1 << unit
    phi = shapley_from_values(v, n)
    assert phi.tolist() == pytest.approx([x / len(perms) for x in ref], abs=1e-13)
    assert float(phi.sum()) == pytest.approx(float(v[-1]), abs=1e-13)


@pytest.mark.parametrize(
    ("acts", "loss", "out"),
    [(["relu", "linear"], "mse", 1), (["relu", "linear"], "l1", 2), (["relu", "relu"], "mse", 2),
     (["relu", "relu"], "l1", 1), (["relu", "relu", "linear"], "mse", 1), (["relu", "relu", "linear"], "l1", 2)],
)
def test_all_coalition_paths_match_plain_forward(acts: list[str], loss: str, out: int) -> None:
    widths = [3, 5, out] if len(acts) == 2 else [3, 5, 4, out]
    net = random_net(widths, acts, 7)
    g = torch.Generator().manual_seed(8)
    X = torch.randn(30, 3, generator=g, dtype=D)
    y = torch.randn(30, out, generator=g, dtype=D)
    game = make_game(net, X, y, loss=loss)
    got = game.all_coalition_losses()
    want = [masked_loss(net, X, y, 0, [i for i in range(5) if c >> i & 1], loss) for c in range(32)]
    assert got.tolist() == pytest.approx(want, rel=1e-12, abs=1e-12)
    assert game.losses(torch.eye(5, dtype=torch.bool)).tolist() == pytest.approx(
        [want[1 << i] for i in range(5)], rel=1e-12, abs=1e-12)
    (r,) = attribute(net, X, y, "shapley-exact", loss=loss)
    assert r.scores.tolist() == pytest.approx(permutation_shapley(net, X, y, 0, loss), abs=1e-11)


def test_exact_shapley_symmetric_and_null_units() -> None:
    # units 0 and 1 identical (same in- and outgoing weights), unit 3 has zero outgoing weight
    net = from_layers(
        [[[1.0, -0.5], [1.0, -0.5], [0.3, 0.8], [2.0, 1.0]], [[0.7, 0.7, -1.1, 0.0]]],
        [[0.1, 0.1, -0.2, 0.3], [0.2]],
        ["relu", "linear"],
    )
    g = torch.Generator().manual_seed(3)
    X = torch.randn(60, 2, generator=g, dtype=D)
    y = torch.randn(60, 1, generator=g, dtype=D)
    for loss in ("mse", "l1"):
        res = by_name(attribute(net, X, y, ["shapley-exact", "shapley-sampled", "leave-one-out"], loss=loss))
        phi = res["shapley-exact"].scores
        assert abs(float(phi[0] - phi[1])) <= 1e-12
        assert float(phi[3]) == 0.0
        assert abs(float(phi[0])) > 1e-3  # the symmetric pair is not trivially null
        assert float(res["shapley-sampled"].scores[3]) == 0.0
        assert float(res["leave-one-out"].scores[3]) == 0.0


def test_ancona_fig1_claims() -> None:
    net, X, y = ancona()
    res = by_name(attribute(net, X, y, "all"))
    phi = res["shapley-exact"]
    assert abs(float(phi.scores[3])) <= 1e-12
    assert float(phi.scores.sum()) == pytest.approx(phi.extra["v_full"], abs=1e-12)
    assert phi.extra["v_full"] == pytest.approx(masked_loss(net, X, y, 0, [0, 1, 2, 3], "mse"), abs=1e-12)
    assert abs(float(res["leave-one-out"].scores[3])) <= 1e-12
    assert all(float(v) > 0.1 for v in phi.scores[:3])
    # the paper's point: APoZ and weight norm rank the useless unit 4 among the most important
    assert res["apoz"].ranks()[3] <= 2
    assert res["weight-norm"].ranks()[3] <= 3
    assert phi.prune_first() == 3
    assert phi.ranks()[3] == 4


@pytest.mark.parametrize("loss", ["mse", "l1"])
def test_sampled_within_four_standard_errors_on_ancona(loss: str) -> None:
    net, X, y = ancona()
    res = by_name(attribute(net, X, y, ["shapley-exact", "shapley-sampled"], loss=loss, samples=200, seed=1))
    exact, est = res["shapley-exact"].scores, res["shapley-sampled"]
    assert est.stderr is not None
    # With MSE and a linear output the game is quadratic in the coalition, and an antithetic pair
    # averages to the exact value: the standard error is 0 up to rounding, hence the rounding slack.
    slack = 1e-12 * float(exact.abs().max())
    assert ((est.scores - exact).abs() <= 4 * est.stderr + slack).all()
    assert float(est.scores.sum()) == pytest.approx(est.extra["v_full"], abs=1e-10)
    assert float(est.scores[3]) == 0.0


def test_sampled_standard_errors_are_honest_on_a_rough_game() -> None:
    net = random_net([3, 6, 4, 1], ["relu", "relu", "linear"], 11)
    g = torch.Generator().manual_seed(12)
    X = torch.randn(80, 3, generator=g, dtype=D)
    y = torch.randn(80, 1, generator=g, dtype=D)
    exact = attribute(net, X, y, "shapley-exact", loss="l1")[0].scores
    est = attribute(net, X, y, "shapley-sampled", loss="l1", samples=400, seed=2)[0]
    assert est.stderr is not None and (est.stderr > 1e-6).any()
    z = (est.scores - exact).abs() / est.stderr.clamp_min(1e-300)
    assert (z[est.stderr > 0] < 4).all()
    assert float(est.scores.sum()) == pytest.approx(est.extra["v_full"], abs=1e-10)
    # more permutations shrink the error bars roughly like 1/sqrt(P)
    big = attribute(net, X, y, "shapley-sampled", loss="l1", samples=1600, seed=3)[0]
    assert big.stderr is not None
    assert float(big.stderr.max()) < float(est.stderr.max())
    # reproducible from the seed, different for another seed
    again = attribute(net, X, y, "shapley-sampled", loss="l1", samples=400, seed=2)[0]
    other = attribute(net, X, y, "shapley-sampled", loss="l1", samples=400, seed=4)[0]
    assert torch.equal(again.scores, est.scores)
    assert not torch.equal(other.scores, est.scores)
    # the running estimate ends at the final estimate
    assert est.extra["running_permutations"][-1] == 400
    assert torch.allclose(est.extra["running_mean"][-1], est.scores, atol=1e-14)
    assert est.params == {"samples": 400, "antithetic": True, "seed": 2}


def test_deeper_layer_and_multiple_outputs() -> None:
    net = random_net([2, 4, 3, 2], ["relu", "relu", "linear"], 21)
    g = torch.Generator().manual_seed(22)
    X = torch.randn(40, 2, generator=g, dtype=D)
    y = torch.randn(40, 2, generator=g, dtype=D)
    res = by_name(attribute(net, X, y, ["shapley-exact", "leave-one-out"], layer=1))
    assert res["shapley-exact"].scores.tolist() == pytest.approx(permutation_shapley(net, X, y, 1, "mse"), abs=1e-11)
    assert res["leave-one-out"].scores.tolist() == pytest.approx(
        [masked_loss(net, X, y, 1, [i], "mse") - masked_loss(net, X, y, 1, [], "mse") for i in range(3)], abs=1e-12)


def test_progress_is_reported_and_reaches_one() -> None:
    net, X, y = ancona()
    seen: list[float] = []
    attribute(net, X, y, ["shapley-exact", "shapley-sampled"], progress=seen.append)
    assert seen and seen == sorted(seen) and seen[-1] == pytest.approx(1.0)


# --- overflow and computation caps (issue 6) ------------------------------------------------------


def deep_huge() -> Network:
    """8 layers of 1e32 weights, all within the caps: outputs near 1e256, whose square overflows."""
    return from_layers([[[1e32, 0.0], [0.0, 1e32]]] * 7 + [[[1e32, 1e32]]], [[0.0, 0.0]] * 7 + [[0.0]],
                       ["relu"] * 7 + ["linear"])


def test_overflowing_loss_is_refused_by_every_loss_based_method() -> None:
    net = deep_huge()
    X = torch.tensor([[0.5, 0.25], [1.0, 0.0]], dtype=D)
    y = torch.ones(2, 1, dtype=D)
    assert bool(torch.isfinite(net.forward(X).output).all())  # the outputs themselves are finite
    for name in ["gradient", "taylor", "taylor-abs", "leave-one-out", "shapley-exact", "shapley-sampled"]:
        with pytest.raises(LRPError, match="overflow float64 on this data; scale the weights down") as info:
            attribute(net, X, y, name, samples=4)
        assert "MSE loss of the full network" in str(info.value) and "\n" not in str(info.value)
    for name in ["apoz", "weight-norm", "random"]:  # they never form the loss
        (r,) = attribute(net, X, y, name)
        assert bool(torch.isfinite(r.scores).all())
    with pytest.raises(LRPError, match="overflow"):
        pruning_curves(net, X, y, attribute(net, X, y, "apoz"))
    # the L1 loss of the same network stays finite, so every method gives finite scores
    for r in attribute(net, X, y, "all", loss="l1", samples=4):
        assert bool(torch.isfinite(r.scores).all()), r.method


def test_a_coalition_that_overflows_is_refused_even_when_the_full_loss_is_finite() -> None:
    """Two units cancel exactly (output 1e160 − 1e160 = 0), but zeroing one leaves 1e160, whose square is inf."""
    net = from_layers([[[1e32]], [[1e32]], [[1e32], [1e32]], [[1e32, -1e32]]], [[0.0], [0.0], [0.0, 0.0], [0.0]],
                      ["relu", "relu", "relu", "linear"])
    X, y = torch.tensor([[1e32]], dtype=D), torch.zeros(1, 1, dtype=D)
    assert make_game(net, X, y, layer=2).losses(torch.zeros(1, 2, dtype=torch.bool)).tolist() == [0.0]
    for name in ["leave-one-out", "shapley-sampled"]:
        with pytest.raises(LRPError, match=f"{name} gave scores that are not finite numbers: .*overflow"):
            attribute(net, X, y, name, layer=2, samples=4)
    # The closed form never forms a coalition's loss: v({0}) = v({1}) = 1e320 (inf in float64) and
    # v(N) = 0, so φ = (½·1e320 − ½·1e320, the same) = (0, 0) exactly, which it gets.
    (exact,) = attribute(net, X, y, "shapley-exact", layer=2)
    assert exact.extra["closed_form"] and exact.scores.tolist() == [0.0, 0.0]
    (grad,) = attribute(net, X, y, "gradient", layer=2)  # a zero residual: finite (zero) gradient
    assert grad.scores.tolist() == [0.0, 0.0]


def test_shapley_work_counts_coalitions_samples_and_tail_cost() -> None:
    dtd = get_preset("dtd-mlp").network()  # 10-10-10-10-10-2: layer 0 has 10 units and a tail of 3·100 + 20
    assert shapley_work(dtd, 0, 100, "shapley-sampled", 200) == 200 * 9 * 100 * (320 + 10)
    assert shapley_work(dtd, 0, 100, "shapley-sampled", 199) == 200 * 9 * 100 * (320 + 10)  # pairs
    assert shapley_work(dtd, 0, 7, "shapley-exact") == 2**10 * 7 * 330
    assert shapley_work(dtd, 3, 7, "shapley-exact") == 2**10 * 7 * 2 * EXACT_OUTPUT_COST["relu"]  # ReLU output
    anc = get_preset("ancona-max").network()  # linear output: the closed form (MSE) or a cdist (L1)
    assert shapley_work(anc, 0, 1000, "shapley-exact") == (4 + 1) * 1000 * 1
    assert shapley_work(anc, 0, 1000, "shapley-exact", loss="l1") == 2**4 * 1000 * EXACT_OUTPUT_COST["linear-l1"]
    assert EXACT_OUTPUT_COST["linear-l1"] < EXACT_OUTPUT_COST["relu"]
    assert shapley_work(anc, 0, 1000, "gradient") == 0.0


def test_work_cap_refuses_long_shapley_runs_at_once_and_names_a_way_under() -> None:
    p = get_preset("dtd-mlp")
    net = p.network()
    X, y = p.dataset(100, 0)
    t0 = time.perf_counter()
    with pytest.raises(LRPError) as info:  # issue 6: this took 322 s before the cap
        attribute(net, X, y, ["apoz", "shapley-sampled"], samples=100_000)
    assert time.perf_counter() - t0 < 5.0  # refused before anything runs (a generous bound, not a benchmark)
    msg = str(info.value)
    assert "\n" not in msg and f"cap of {MAX_WORK:.0e}" in msg and "100,000 permutations" in msg
    allowed = int(re.search(r"at most ([\d,]+) permutations", msg).group(1).replace(",", ""))
    assert shapley_work(net, 0, 100, "shapley-sampled", allowed) <= MAX_WORK
    assert shapley_work(net, 0, 100, "shapley-sampled", allowed + 2) > MAX_WORK
    points = int(re.search(r"at most ([\d,]+) data points", msg).group(1).replace(",", ""))
    assert shapley_work(net, 0, points, "shapley-sampled", 100_000) <= MAX_WORK
    assert shapley_work(net, 0, points + 1, "shapley-sampled", 100_000) > MAX_WORK
    # exact Shapley: 2^n coalitions times the data size
    Xb, yb = p.dataset(100_000, 0)
    with pytest.raises(LRPError, match=r"shapley-exact on layer 0 \(10 units\) with 100,000 data points "
                                       r"\(1,024 coalitions\).*use at most [\d,]+ data points or shapley-sampled"):
        attribute(net, Xb, yb, "shapley-exact")
    # the same cap holds when a method is called through the registry directly
    with pytest.raises(LRPError, match="cap of"):
        METHODS.get("shapley-sampled").func(Context.build(net, X, y), samples=100_000)
    with pytest.raises(LRPError, match="cap of"):
        METHODS.get("shapley-exact").func(Context.build(net, Xb, yb))
    with pytest.raises(LRPError, match="cap of"):
        run_method("shapley-exact", Context.build(net, Xb, yb))
    # under the cap nothing changes
    assert attribute(net, X[:10], y[:10], "shapley-sampled", samples=20)[0].n_units == 10


def test_progress_reaches_one_and_rises() -> None:
    net, X, y = ancona()
    seen: list[float] = []
    attribute(net, X, y, ["shapley-exact", "shapley-sampled", "leave-one-out"], samples=50,
              progress=seen.append)
    assert seen and seen[-1] == pytest.approx(1.0)
    assert all(b >= a - 1e-12 for a, b in itertools.pairwise(seen))
