"""Neuron importance: hand computations, Shapley axioms, the paper's Fig. 1 claims."""

from __future__ import annotations

import csv
import io
import itertools
import math
import re
import time

import pytest
import torch

from lrp_core.errors import LRPError
from lrp_core.importance import (
    CSV_HEADER,
    EXACT_OUTPUT_COST,
    MAX_EXACT_UNITS,
    MAX_WORK,
    METHODS,
    Context,
    Scores,
    attribute,
    make_game,
    popcount,
    pruning_curve,
    pruning_curves,
    run_method,
    scores_csv,
    shapley_from_values,
    shapley_weights,
    shapley_work,
    unavailable_reason,
)
from lrp_core.network import Network, from_layers
from lrp_core.presets import get_preset

D = torch.float64
CONTRACT = ["apoz", "weight-norm", "gradient", "taylor", "taylor-abs", "leave-one-out",
            "shapley-exact", "shapley-sampled", "random"]


# --- fixtures ------------------------------------------------------------------


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


# --- registry and contract ---------------------------------------------------------


def test_registry_names_are_the_contract() -> None:
    assert METHODS.names() == CONTRACT
    for entry in METHODS:
        assert entry.doc, f"{entry.name} needs a docstring with its formula"


def test_all_runs_every_method_with_typed_results() -> None:
    net, X, y = tiny()
    results = attribute(net, X, y, "all")
    assert [r.method for r in results] == CONTRACT
    for r in results:
        assert r.scores.dtype == D and r.scores.shape == (3,)
        assert r.seconds >= 0
        d = r.to_dict()
        assert set(d) == {"method", "scores", "stderr", "params", "seconds"}
    assert by_name(results)["shapley-sampled"].stderr is not None
    assert by_name(results)["shapley-exact"].stderr is None


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"methods": "nope"}, "choose one of: apoz"),
        ({"methods": "apoz", "loss": "l2"}, "choose one of: mse, l1"),
        ({"methods": "apoz", "layer": 1}, "hidden layers are 0..0"),
        ({"methods": "shapley-sampled", "samples": 1}, "from 2 to"),
        ({"methods": []}, "at least one method"),
    ],
)
def test_bad_arguments_raise_one_line_errors(kwargs: dict, fragment: str) -> None:
    net, X, y = tiny()
    methods = kwargs.pop("methods")
    with pytest.raises(LRPError, match=fragment) as info:
        attribute(net, X, y, methods, **kwargs)
    assert "\n" not in str(info.value)


def test_data_shape_errors() -> None:
    net, X, y = tiny()
    with pytest.raises(LRPError, match="2 columns"):
        attribute(net, X[:, :1], y, "apoz")
    with pytest.raises(LRPError, match="same positive number"):
        attribute(net, X, y[:2], "apoz")
    with pytest.raises(LRPError, match="non-finite"):
        attribute(net, X, torch.full_like(y, math.nan), "apoz")


def test_unknown_method_option_is_refused() -> None:
    net, X, y = tiny()
    with pytest.raises(LRPError, match="norm must be one of l1, l2, not 'l3'"):
        attribute(net, X, y, "weight-norm", options={"weight-norm": {"norm": "l3"}})
    with pytest.raises(LRPError, match=r"unknown parameter\(s\) foo for method 'apoz'; valid: none"):
        attribute(net, X, y, "apoz", options={"apoz": {"foo": 1}})
    with pytest.raises(LRPError, match="reduce must be one of sum, mean"):
        attribute(net, X, y, "gradient", options={"gradient": {"reduce": "max"}})


def test_exact_shapley_cap() -> None:
    """2^n coalitions stop at 20 units unless the closed form applies (MSE, layer feeding a linear output)."""
    n = MAX_EXACT_UNITS + 1
    net = random_net([2, n, 1], ["relu", "relu"], 0)
    X = torch.zeros(3, 2, dtype=D)
    y = torch.zeros(3, 1, dtype=D)
    with pytest.raises(LRPError, match="at most 20 units"):
        attribute(net, X, y, "shapley-exact")
    assert "at most 20 units" in str(unavailable_reason("shapley-exact", net, 0, "mse"))
    linear = random_net([2, n, 1], ["relu", "linear"], 0)
    with pytest.raises(LRPError, match="at most 20 units"):
        attribute(linear, X, y, "shapley-exact", loss="l1")
    assert unavailable_reason("shapley-exact", linear, 0, "mse") is None
    (closed,) = attribute(linear, X, y, "shapley-exact")
    assert closed.extra["closed_form"] is True and closed.scores.shape == (n,)
    # the sampled estimate still works on wide layers
    (r,) = attribute(net, X, y, "shapley-sampled", samples=4)
    assert r.scores.shape == (n,)


# --- simple metrics by hand ------------------------------------------------------------


def test_apoz_by_hand() -> None:
    net, X, y = tiny()
    (r,) = attribute(net, X, y, "apoz")
    assert r.scores.tolist() == pytest.approx([2 / 3, 1 / 3, 2 / 3], abs=1e-15)
    assert r.extra["active_count"] == [2, 1, 2]
    assert r.higher_is_important


def test_weight_norm_by_hand() -> None:
    net, X, y = tiny()
    assert attribute(net, X, y, "weight-norm")[0].scores.tolist() == [1.0, 1.0, 2.0]
    l2 = attribute(net, X, y, "weight-norm", options={"weight-norm": {"norm": "l2"}})[0]
    assert l2.scores.tolist() == pytest.approx([1.0, 1.0, math.sqrt(2)], abs=1e-15)
    out = attribute(net, X, y, "weight-norm", options={"weight-norm": {"direction": "out"}})[0]
    assert out.scores.tolist() == [2.0, 1.0, 0.5]
    assert out.params == {"norm": "l1", "direction": "out"}


def test_gradient_by_hand() -> None:
    # ∂L/∂a_i(x_s) = (2/N) r_s W2_i, Σ_s |r_s| = 8  ->  (16/3) |W2_i|
    net, X, y = tiny()
    (r,) = attribute(net, X, y, "gradient")
    assert r.scores.tolist() == pytest.approx([32 / 3, 16 / 3, 8 / 3], rel=1e-14)
    mean = attribute(net, X, y, "gradient", options={"gradient": {"reduce": "mean"}})[0]
    assert mean.scores.tolist() == pytest.approx([32 / 9, 16 / 9, 8 / 9], rel=1e-14)
    # L1: ∂L/∂a_i(x_s) = sign(r_s) W2_i / N, all residuals positive -> 3 · |W2_i| / 3
    l1 = attribute(net, X, y, "gradient", loss="l1")[0]
    assert l1.scores.tolist() == pytest.approx([2.0, 1.0, 0.5], rel=1e-14)


def test_taylor_by_hand() -> None:
    # T_i = Σ_s a_i(x_s) (2/3) r_s W2_i
    net, X, y = tiny()
    res = by_name(attribute(net, X, y, ["taylor", "taylor-abs"]))
    assert res["taylor"].scores.tolist() == pytest.approx([74 / 3, -4 / 3, 17 / 3], rel=1e-14)
    assert res["taylor-abs"].scores.tolist() == pytest.approx([74 / 3, 4 / 3, 17 / 3], rel=1e-14)
    assert not res["taylor"].higher_is_important
    # -T_i is the first-order change: check it is the derivative along the zeroing direction
    game = make_game(net, X, y)
    t = 1e-6
    for i in range(3):
        h = game.H.clone()
        h[:, i] *= 1 - t
        r = net.forward(h, start=1).output - y
        slope = (float((r * r).mean()) - 11.5) / t
        assert slope == pytest.approx(-res["taylor"].scores[i].item(), rel=1e-4)


def test_leave_one_out_by_hand() -> None:
    net, X, y = tiny()
    (r,) = attribute(net, X, y, "leave-one-out")
    assert r.scores.tolist() == pytest.approx([-34 / 3, 5 / 3, -13.75 / 3], abs=1e-13)


def test_random_is_seeded_and_independent_of_other_methods() -> None:
    net, X, y = tiny()
    a = attribute(net, X, y, "random", seed=5)[0].scores
    b = by_name(attribute(net, X, y, "all", seed=5))["random"].scores
    c = attribute(net, X, y, "random", seed=6)[0].scores
    assert torch.equal(a, b)
    assert not torch.equal(a, c)
    assert ((a >= 0) & (a < 1)).all()


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


# --- pruning curves and CSV ----------------------------------------------------------------


def test_pruning_curve_by_hand() -> None:
    net, X, y = tiny()
    loo = attribute(net, X, y, "leave-one-out")[0]  # [-34/3, 5/3, -13.75/3]: prune 0, then 2, then 1
    curve = pruning_curve(make_game(net, X, y), loo)
    assert curve.order.tolist() == [0, 2, 1]
    # L(∅) = 34.5/3, L({0}) = 0.5/3, L({0,2}) = 4.75/3, L(all) = 2.75/3
    assert curve.losses.tolist() == pytest.approx([34.5 / 3, 0.5 / 3, 4.75 / 3, 2.75 / 3], abs=1e-13)
    taylor = attribute(net, X, y, "taylor")[0]  # lower = more important: prune largest first
    assert pruning_curve(make_game(net, X, y), taylor).order.tolist() == [0, 2, 1]


def test_pruning_curves_on_ancona_shapley_keeps_loss_zero_after_first_step() -> None:
    net, X, y = ancona()
    results = attribute(net, X, y, ["shapley-exact", "apoz"])
    curves = {c.method: c for c in pruning_curves(net, X, y, results)}
    exact, apoz = curves["shapley-exact"].losses.tolist(), curves["apoz"].losses.tolist()
    assert exact[0] == pytest.approx(0.0, abs=1e-12)
    assert exact[1] == pytest.approx(0.0, abs=1e-12)  # unit 4 goes first
    assert apoz[1] > 0.1  # APoZ removes a useful unit first
    assert apoz[-1] == pytest.approx(exact[-1], abs=1e-12)


def test_scores_csv_round_trip() -> None:
    net, X, y = tiny()
    results = attribute(net, X, y, ["leave-one-out", "shapley-sampled"], samples=10)
    rows = list(csv.DictReader(io.StringIO(scores_csv(results))))
    assert len(rows) == 6
    assert rows[0]["method"] == "leave-one-out" and rows[0]["unit"] == "1"
    assert float(rows[0]["score"]) == float(results[0].scores[0])
    assert rows[0]["stderr"] == "" and rows[3]["stderr"] != ""
    assert {r["rank"] for r in rows[:3]} == {"1", "2", "3"}


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


# --- mutation-style checks (issue 13): hand cases that fail when a small detail changes ---------------


def test_gradient_takes_abs_per_sample_then_sums_or_means() -> None:
    """Residuals of both signs, r = [2, 0.5, −1.5]: ∂L/∂a_i(x_s) = (2/3) r_s W2_i with W2 = [2, −1, 0.5].

    Σ_s |·| = (2/3)·4·|W2_i| = [16/3, 8/3, 4/3]; |Σ_s ·| would be (2/3)·1·|W2_i| = [4/3, 2/3, 1/3];
    the mean divides the sum by N = 3."""
    net, X, _ = tiny()
    y = torch.tensor([[1.0], [0.0], [9.0]], dtype=D)
    (total,) = attribute(net, X, y, "gradient")
    assert total.scores.tolist() == pytest.approx([16 / 3, 8 / 3, 4 / 3], rel=1e-14)
    (mean,) = attribute(net, X, y, "gradient", options={"gradient": {"reduce": "mean"}})
    assert mean.scores.tolist() == pytest.approx([16 / 9, 8 / 9, 4 / 9], rel=1e-14)
    assert mean.params == {"reduce": "mean"} and total.params == {"reduce": "sum"}
    # two outputs: the chain rule sums over outputs before the absolute value per sample
    two = from_layers([[[1.0]], [[1.0], [-1.0]]], [[0.0], [0.0, 0.0]], ["relu", "linear"])
    Xs = torch.tensor([[1.0], [2.0]], dtype=D)
    ys = torch.tensor([[0.0, -1.0], [3.0, -2.0]], dtype=D)  # residuals r = [[1, 0], [−1, 0]]
    (g,) = attribute(two, Xs, ys, "gradient")
    # ∂L/∂a(x_s) = (2/4)(r_s0·1 + r_s1·(−1)) = [0.5, −0.5] -> Σ|·| = 1 (|Σ| would be 0)
    assert g.scores.tolist() == pytest.approx([1.0], rel=1e-14)


def test_scores_csv_header_and_rows_exactly() -> None:
    a = Scores("apoz", torch.tensor([0.5, 0.25], dtype=D), None, {}, True, "")
    b = Scores("taylor", torch.tensor([-1.0, 2.0], dtype=D), torch.tensor([0.125, 0.0], dtype=D), {}, False, "")
    text = scores_csv([a, b])
    assert text == (
        "method,unit,score,stderr,rank,higher_is_important\n"
        "apoz,1,0.5,,1,True\n"
        "apoz,2,0.25,,2,True\n"
        "taylor,1,-1.0,0.125,1,False\n"  # lower is more important: −1 ranks first
        "taylor,2,2.0,0.0,2,False\n"
    )
    assert scores_csv([]) == "method,unit,score,stderr,rank,higher_is_important\n"  # the header even when empty
    assert text.splitlines()[0].split(",") == list(CSV_HEADER)


# --- the registry's contract: schemas, metadata, a toy method added in one place ------------------------


def test_every_method_declares_its_parameters_and_metadata() -> None:
    for entry in METHODS:
        assert {"loss", "sampler", "random", "unavailable", "preflight"} <= set(entry.extra), entry.name
        assert entry.validate({}, "method") == entry.defaults()
        for p in entry.schema:
            assert p.help, (entry.name, p.name)
            bad = "nope" if p.kind == "str" else (p.high or 0) + 1 if p.high is not None else None
            if bad is None:
                continue
            with pytest.raises(LRPError) as info:
                attribute(*tiny(), entry.name, options={entry.name: {p.name: bad}})
            assert str(info.value).startswith(f"{p.name} must be {p.describe()}") and "\n" not in str(info.value)
    assert [e.name for e in METHODS if e.extra["sampler"]] == ["shapley-sampled"]
    assert [e.name for e in METHODS if e.extra["random"]] == ["shapley-sampled", "random"]
    assert [e.name for e in METHODS if not e.extra["loss"]] == ["apoz", "weight-norm", "random"]


def test_a_toy_method_is_one_registration(capsys: pytest.CaptureFixture[str]) -> None:
    """Registered here only, it runs through attribute() and the CLI (choices, JSON) with its declared parameter."""
    from lrp_core.cli import main
    from lrp_core.importance import register
    from lrp_core.params import Param

    @register("toy-scale", label="Toy", schema=(Param("scale", "float", 2.0, "multiplier", low=0.0),), loss=False)
    def toy(ctx: Context, *, scale: float) -> Scores:
        """score_i = scale · i."""
        return Scores("toy-scale", scale * torch.arange(ctx.n_units, dtype=D), None, {"scale": scale}, True, "")

    try:
        net, X, y = tiny()
        (r,) = attribute(net, X, y, "toy-scale", options={"toy-scale": {"scale": 3.0}})
        assert r.scores.tolist() == [0.0, 3.0, 6.0] and r.params == {"scale": 3.0}
        assert [s.method for s in attribute(net, X, y, "all")][-1] == "toy-scale"
        with pytest.raises(LRPError, match="scale must be a number >= 0"):
            attribute(net, X, y, "toy-scale", options={"toy-scale": {"scale": -1.0}})
        assert main(["attribute", "--preset", "ancona-max", "--method", "toy-scale", "--json"]) == 0
        out = capsys.readouterr().out
        assert '"method": "toy-scale"' in out and '"scale": 2.0' in out
    finally:
        METHODS.unregister("toy-scale")
    assert "toy-scale" not in METHODS
