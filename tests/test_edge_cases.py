"""Numerical edge cases (issue 6): all units dead, zero output, huge and tiny
weights (1e±30), float32 vs float64 disagreement — what lrp_core does, and the
guards in :mod:`lrp_core.guards` that flag them.

Hand values: for a bias-free ReLU network with weights scaled by s, the output
scales by s^L (positive homogeneity), so 1e30-weight two-layer networks give
outputs of order 1e60 that float64 holds exactly enough and float32 cannot
(its largest value is 3.4e38, its smallest subnormal 1.4e-45).
"""

from __future__ import annotations

import math

import pytest
import torch

from lrp_core import guards
from lrp_core.decompose import decompose
from lrp_core.errors import LRPError
from lrp_core.importance import attribute
from lrp_core.network import Network, from_layers
from lrp_core.presets import default_input, get_preset, preset_names

X01 = torch.rand(24, 2, dtype=torch.float64, generator=torch.Generator().manual_seed(3))


def scaled(s: float) -> Network:
    """f(x) = s·relu(s·x1) + s·relu(s·x2): bias-free, so f scales as s²."""
    return from_layers([[[s, 0.0], [0.0, s]], [[s, s]]], [[0.0, 0.0], [0.0]], ["relu", "linear"])


def all_dead() -> Network:
    """Every hidden unit has bias -10: dead for every x in [0, 1]², output = 0.5 (last bias)."""
    return from_layers(
        [[[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]], [[1.0, 1.0, 1.0]]], [[-10.0, -10.0, -10.0], [0.5]],
        ["relu", "linear"],
    )


def all_zero() -> Network:
    return from_layers([[[0.0, 0.0], [0.0, 0.0]], [[0.0, 0.0]]], [[0.0, 0.0], [0.0]], ["relu", "linear"])


# --- check_input ---------------------------------------------------------------


def test_check_input_accepts_numbers_and_refuses_the_rest() -> None:
    net = get_preset("ancona-max").network()
    assert guards.check_input(net, [1, 2.5]) == (1.0, 2.5)
    assert guards.check_input(net, torch.tensor([0.5, -1.0])) == (0.5, -1.0)
    bad = [[1.0], [1, 2, 3], [True, 1.0], ["1", 2.0], [None, 1.0], [math.nan, 0.0], [0.0, math.inf],
           [1e33, 0.0], [10**400, 0.0], "12", 3.0, None]
    for x in bad:
        with pytest.raises(LRPError) as info:
            guards.check_input(net, x)  # type: ignore[arg-type]
        assert str(info.value) and "\n" not in str(info.value)


# --- float32 vs float64 ------------------------------------------------------------


@pytest.mark.parametrize("name", preset_names())
def test_presets_agree_in_float32(name: str) -> None:
    net = get_preset(name).network()
    report = guards.precision_report(net, default_input(net))
    assert not report.flagged, report.message
    assert report.max_rel_error < 1e-6
    assert report.pattern32 == report.pattern64
    assert guards.health_flags(net, default_input(net)) == ()


def test_huge_weights_overflow_float32_not_float64() -> None:
    net = scaled(1e30)
    x = (1.0, 2.0)
    out = float(net(x)[0])
    assert out == pytest.approx(3e60, rel=1e-15)  # s²(x1 + x2), computed in float64
    assert math.isinf(float(net(x, dtype=torch.float32)[0]))
    report = guards.precision_report(net, x)
    assert report.flagged and "overflow" in report.message
    codes = {f.code for f in guards.health_flags(net, x)}
    assert codes == {"huge-weights", "precision"}


def test_tiny_weights_underflow_float32_not_float64() -> None:
    net = scaled(1e-30)
    x = (1.0, 2.0)
    assert float(net(x)[0]) == pytest.approx(3e-60, rel=1e-15)
    assert float(net(x, dtype=torch.float32)[0]) == 0.0  # 1e-60 is below float32's smallest subnormal
    report = guards.precision_report(net, x)
    assert report.flagged and report.max_rel_error == pytest.approx(1.0)
    assert {f.code for f in guards.health_flags(net, x)} == {"tiny-weights", "precision"}


def test_unit_on_a_kink_flips_in_float32() -> None:
    # z = x1 - x2 with x1 = 0.1 + 0.2 = 0.30000000000000004 and x2 = 0.3: z = 5.6e-17 > 0 in float64,
    # but both round to the same float32, so z = 0 and the unit is inactive in float32.
    net = from_layers([[[1.0, -1.0]], [[1e16]]], [[0.0], [0.0]], ["relu", "linear"])
    x = (0.1 + 0.2, 0.3)
    report = guards.precision_report(net, x)
    assert report.pattern64 == "1" and report.pattern32 == "0"
    assert report.flagged and "kink" in report.message
    assert report.out64[0] == pytest.approx(1e16 * (0.1 + 0.2 - 0.3), rel=1e-12)
    assert report.out32[0] == 0.0


def test_cancellation_to_zero_is_not_a_precision_flag() -> None:
    # x1 - x2 + 0 with x1 = x2: exactly 0 in both precisions, nothing lost.
    net = from_layers([[[1.0, -1.0]]], [[0.0]], ["linear"])
    report = guards.precision_report(net, (1e20, 1e20))
    assert not report.flagged and report.out64 == (0.0,)


# --- all units dead, zero output -------------------------------------------------


def test_all_dead_network_is_constant_and_flagged() -> None:
    net = all_dead()
    x = (0.3, 0.7)
    assert float(net(x)[0]) == 0.5
    amap = net.affine_map(x)
    assert torch.equal(amap.weight, torch.zeros(1, 2, dtype=torch.float64))
    assert float(amap.bias[0]) == 0.5
    assert net.pattern_string(x) == "000"
    assert guards.dead_layers(net, x) == (0,)
    assert guards.nothing_to_explain(net, x) is None  # the output is 0.5, not 0
    assert [f.code for f in guards.health_flags(net, x)] == ["dead-layer"]


def test_importance_on_all_dead_units_is_zero_where_the_method_promises_it() -> None:
    net = all_dead()
    y = torch.full((X01.shape[0], 1), 1.0, dtype=torch.float64)
    res = {r.method: r for r in attribute(net, X01, y, "all")}
    # No unit is ever active: 1 - APoZ = 0, and zeroing a dead unit changes nothing (null players).
    for m in ("apoz", "taylor", "taylor-abs", "leave-one-out", "shapley-exact", "shapley-sampled"):
        assert torch.equal(res[m].scores, torch.zeros(3, dtype=torch.float64)), m
    # The weight norm does not look at activity: |W_i|_1 = 1, 1, 2.
    assert res["weight-norm"].scores.tolist() == [1.0, 1.0, 2.0]


@pytest.mark.parametrize("mode", ["full", "train-free"])
def test_decomposition_of_a_zero_output_is_all_zero(mode: str) -> None:
    net = all_zero()
    x = (0.3, 0.7)
    assert guards.nothing_to_explain(net, x) is not None
    d = decompose(net, x, mode=mode)
    assert d.f_x == 0.0
    for layer in d.layers:
        assert torch.equal(layer.relevance.abs(), torch.zeros_like(layer.relevance))


def test_zero_output_of_ancona_max_at_the_origin() -> None:
    net = get_preset("ancona-max").network()
    note = guards.nothing_to_explain(net, (0.0, 0.0))
    assert note is not None and "nothing to explain" in note
    assert guards.nothing_to_explain(net, default_input(net)) is None
    with pytest.raises(LRPError, match=r"outputs are 0\.\.0"):
        guards.nothing_to_explain(net, (0.0, 0.0), output=1)
    assert "zero-output" in {f.code for f in guards.health_flags(net, (0.0, 0.0))}


# --- huge and tiny weights through the methods ------------------------------------------


@pytest.mark.parametrize("s", [1e-30, 1e-5, 1.0, 1e5])
def test_decomposition_is_homogeneous_in_the_weight_scale(s: float) -> None:
    """Exact-finder relevances of a bias-free net scale like f: R(s) = s²·R(1)."""
    x = (1.0, 2.0)
    ref = decompose(scaled(1.0), x)
    d = decompose(scaled(s), x)
    assert d.f_x == pytest.approx(3.0 * s * s, rel=1e-12)
    for a, b in zip(d.layers, ref.layers, strict=True):
        assert torch.allclose(a.relevance, b.relevance * s * s, rtol=1e-9, atol=0.0)
        assert a.unresolved == pytest.approx(0.0, abs=1e-9 * s * s)


@pytest.mark.parametrize("s", [1e10, 1e30])
def test_decomposition_is_homogeneous_for_huge_weights(s: float) -> None:
    x = (1.0, 2.0)
    ref = decompose(scaled(1.0), x)
    d = decompose(scaled(s), x)
    for a, b in zip(d.layers, ref.layers, strict=True):
        assert torch.allclose(a.relevance, b.relevance * s * s, rtol=1e-9, atol=0.0)


def test_decomposition_with_huge_weights_still_accounts_for_everything() -> None:
    """Even when no root is found, relevance + unresolved = the layer above's relevance."""
    d = decompose(scaled(1e30), (1.0, 2.0))
    for layer in d.layers:
        assert layer.sum + layer.unresolved == pytest.approx(layer.upper_sum, rel=1e-12)


def test_importance_with_huge_and_tiny_weights_is_finite() -> None:
    y = torch.ones(X01.shape[0], 1, dtype=torch.float64)
    for s in (1e-30, 1e30):
        for r in attribute(scaled(s), X01, y, "all"):
            assert bool(torch.isfinite(r.scores).all()), (s, r.method)
    # Tiny weights: the unit's Taylor term is tiny but must not be rounded to 0 in float64.
    tiny = {r.method: r for r in attribute(scaled(1e-30), X01, y, ["gradient", "taylor-abs"])}
    assert bool((tiny["gradient"].scores > 0).all())


def deep_huge() -> Network:
    """8 layers of 1e32 weights (all within the caps): the output is ~1e256 and its square overflows."""
    return from_layers([[[1e32, 0.0], [0.0, 1e32]]] * 7 + [[[1e32, 1e32]]], [[0.0, 0.0]] * 7 + [[0.0]],
                       ["relu"] * 7 + ["linear"])


def test_deep_huge_network_forward_is_finite_in_float64() -> None:
    net = deep_huge()
    assert math.isfinite(float(net((1.0, 1.0))[0]))
    assert guards.precision_report(net, (1.0, 1.0)).flagged


def test_importance_with_overflowing_loss_is_finite_or_refused() -> None:
    y = torch.ones(X01.shape[0], 1, dtype=torch.float64)
    try:
        results = attribute(deep_huge(), X01, y, ["gradient", "shapley-exact"])
    except LRPError:
        return
    for r in results:
        assert bool(torch.isfinite(r.scores).all()), r.method
