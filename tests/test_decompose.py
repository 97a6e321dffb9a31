"""DTD decompositions through every layer: conservation, LRP-z+, the exact
cache, hand-computed cases, result shapes and bad input."""

from __future__ import annotations

import itertools
import json
import math

import pytest
import torch

from lrp_core.decompose import (
    Decomposition,
    FinderSpec,
    RootCache,
    decompose,
    decompose_many,
    segment_only_finders,
)
from lrp_core.errors import LRPError
from lrp_core.network import Network, from_layers
from lrp_core.presets import get_preset

DT = torch.float64
ZPLUS = FinderSpec.of("rule", rule="z+")
EXACT = FinderSpec.of("exact")


def random_net(seed: int, widths: list[int], zero_bias: bool = False, last: str = "relu") -> Network:
    gen = torch.Generator().manual_seed(seed)
    ws, bs = [], []
    for n_in, n_out in itertools.pairwise(widths):
        ws.append(torch.randn(n_out, n_in, generator=gen, dtype=DT))
        b = 0.3 * torch.randn(n_out, generator=gen, dtype=DT)
        bs.append(torch.zeros(n_out, dtype=DT) if zero_bias else b)
    acts = ["relu"] * (len(ws) - 1) + [last]
    return from_layers(ws, bs, acts)


def slow_lrp_zplus(net: Network, x: list[float], output: int) -> list[list[float]]:
    """LRP-z+ written independently with plain Python loops: relevance per
    level, inputs first. R_i = Σ_j a_i w_ji⁺ / Σ_i' a_i' w_ji'⁺ · R_j."""
    acts = [list(x)]
    for layer in net.layers:
        a = acts[-1]
        w, b = layer.weight.tolist(), layer.bias.tolist()
        z = [sum(w[j][i] * a[i] for i in range(len(a))) + b[j] for j in range(len(w))]
        acts.append([max(0.0, v) for v in z] if layer.is_relu else z)
    rel = [0.0] * len(acts[-1])
    rel[output] = acts[-1][output]
    levels = [rel]
    for k in range(len(net.layers) - 1, -1, -1):
        a = acts[k]
        w = net.layers[k].weight.tolist()
        down = [0.0] * len(a)
        for j, r in enumerate(rel):
            den = sum(a[i] * max(0.0, w[j][i]) for i in range(len(a)))
            if den == 0.0:
                continue
            for i in range(len(a)):
                down[i] += a[i] * max(0.0, w[j][i]) / den * r
        rel = down
        levels.append(rel)
    return levels[::-1]


def dtd() -> tuple[Network, torch.Tensor]:
    p = get_preset("dtd-mlp")
    return p.network(), torch.tensor(p.default_input, dtype=DT)


# --- train-free z+ = LRP-z+ and conservation -----------------------------------------


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_train_free_zplus_zero_bias_conserves_and_equals_lrp_zplus(seed: int) -> None:
    net = random_net(seed, [5, 7, 6, 4], zero_bias=True)
    gen = torch.Generator().manual_seed(100 + seed)
    x = torch.rand(5, generator=gen, dtype=DT) * 2
    out = net(x)
    o = int(out.argmax())
    assert out[o] > 0, "the test needs a positive output"
    dec = decompose(net, x, o, mode="train-free", spec=ZPLUS)
    f = float(out[o])
    assert dec.f_x == pytest.approx(f, abs=1e-15)
    for lr in dec.layers:
        assert abs(lr.sum - f) <= 1e-9, (lr.layer, lr.sum, f)
        assert abs(lr.unresolved) <= 1e-9
        assert abs(lr.upper_sum - f) <= 1e-9
    slow = slow_lrp_zplus(net, x.tolist(), o)
    levels = dec.relevance_levels()
    assert len(levels) == len(slow)
    for mine, ref in zip(levels, slow, strict=True):
        assert torch.allclose(mine, torch.tensor(ref, dtype=DT), atol=1e-10, rtol=0)


def test_train_free_zplus_on_dtd_mlp_conserves() -> None:
    """dtd-mlp has biases, but the generalised z+ root zeroes the affine
    relevance exactly, so nothing is left unresolved."""
    net, x = dtd()
    dec = decompose(net, x, 0, mode="train-free", spec=ZPLUS)
    for lr in dec.layers:
        assert abs(lr.sum - dec.f_x) <= 1e-9
        assert abs(lr.step_error) <= 1e-9


# --- full-backward with the exact finder ---------------------------------------------


def check_full_chain(dec: Decomposition) -> None:
    """sum + unresolved = the layer above's sum at every layer, the layers
    chain, and every unresolved value is the root's affine relevance."""
    assert dec.layers[0].upper_sum == pytest.approx(dec.f_x, abs=1e-12)
    for above, below in zip(dec.layers[:-1], dec.layers[1:], strict=True):
        assert torch.equal(above.relevance, below.upper)
    for lr in dec.layers:
        assert abs(lr.sum + lr.unresolved - lr.upper_sum) <= 1e-9, lr.layer
        for node in lr.nodes:
            if node.root is None:
                continue
            # Taylor exactness: inside the segment's closure the real network
            # agrees with the affine map used for the unresolved part
            if node.in_segment:
                assert node.relevance_true == pytest.approx(node.unresolved, abs=1e-8)
            assert torch.allclose(node.passed_down, node.gradient * (lr.point - node.root), atol=0, rtol=0)


def test_full_backward_exact_dtd_mlp_layer_identity() -> None:
    net, x = dtd()
    dec = decompose(net, x, 0, mode="full", spec=EXACT)
    check_full_chain(dec)
    # exact roots lie in the segment's closure and have relevance >= 0
    searched = [n for lr in dec.layers for n in lr.nodes if n.root is not None]
    assert searched, "the exact finder found no root at all"
    for n in searched:
        assert n.in_segment
        if not n.reason:
            assert abs(n.unresolved) <= 1e-8
    assert dec.root_searches == len(searched)


@pytest.mark.parametrize("seed", [5, 6, 7])
def test_full_backward_exact_random_nets(seed: int) -> None:
    net = random_net(seed, [3, 6, 5, 2], last="linear")
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(3, generator=gen, dtype=DT)
    for o in range(2):
        check_full_chain(decompose(net, x, o, mode="full", spec=EXACT))


def test_full_backward_other_finders_keep_the_identity() -> None:
    net, x = dtd()
    for spec in (ZPLUS, FinderSpec.of("rule", rule="w²"),
                 FinderSpec.of("mcmc", n_chains=4, n_steps=20, n_warmup=10),
                 FinderSpec.of("interpolation", n_directions=8)):
        dec = decompose(net, x, 0, mode="full", spec=spec, seed=3)
        for lr in dec.layers:
            assert abs(lr.step_error) <= 1e-9, (spec.label, lr.layer)


def test_train_free_exact_identity_and_lost_relevance() -> None:
    net, x = dtd()
    dec = decompose(net, x, 1, mode="train-free", spec=EXACT)
    for lr in dec.layers:
        assert abs(lr.step_error) <= 1e-9


# --- hand-computed cases --------------------------------------------------------------


def hand_net() -> Network:
    """1-2-1: h = relu([x, x − 1]), f = relu(h1 + h2 + 0.5)."""
    return from_layers([[[1.0], [1.0]], [[1.0, 1.0]]], [[0.0, -1.0], [0.5]], ["relu", "relu"])


def test_hand_case_full_backward_exact() -> None:
    # x = 3: h = (3, 2), f = 5.5.
    # Top layer: g(h) = relu(h1 + h2 + 0.5) with h >= 0 has no root (min 0.5 at
    # h = 0): root (0, 0), unresolved 0.5, passed (3, 2), p' = (1, 1), q' = 0.
    # Layer 0, segment x >= 1 (unit 1 on): g_0 = x has min 1 at x = 1 (no root,
    # unresolved 1, passed 2); g_1 = x − 1 has its root at 1 (passed 2).
    dec = decompose(hand_net(), [3.0], 0, mode="full", spec=EXACT)
    top, bottom = dec.layers
    assert dec.f_x == 5.5
    assert torch.allclose(top.relevance, torch.tensor([3.0, 2.0], dtype=DT), atol=1e-9)
    assert top.unresolved == pytest.approx(0.5, abs=1e-9)
    assert torch.allclose(top.nodes[0].root, torch.zeros(2, dtype=DT), atol=1e-9)
    assert "no point with R = 0" in top.nodes[0].reason
    assert torch.allclose(bottom.relevance, torch.tensor([4.0], dtype=DT), atol=1e-9)
    assert bottom.unresolved == pytest.approx(1.0, abs=1e-9)
    assert [float(n.root[0]) for n in bottom.nodes] == pytest.approx([1.0, 1.0], abs=1e-9)
    assert [n.unresolved for n in bottom.nodes] == pytest.approx([1.0, 0.0], abs=1e-9)
    assert dec.input_relevance.tolist() == pytest.approx([4.0], abs=1e-9)


def test_hand_case_train_free_zplus() -> None:
    # Top: v = h = (3, 2), t = 5.5 / 5 = 1.1, root −0.1·h, passed 1.1·h = (3.3, 2.2).
    # Layer 0: c' = (1.1, 1.1); unit 0: root 0, passed 3.3; unit 1: R = 2.2,
    # t = 2.2 / 3.3, root 1, passed 2.2. Input relevance 5.5.
    dec = decompose(hand_net(), [3.0], 0, mode="train-free", spec=ZPLUS)
    top, bottom = dec.layers
    assert top.relevance.tolist() == pytest.approx([3.3, 2.2], abs=1e-12)
    assert top.nodes[0].root.tolist() == pytest.approx([-0.3, -0.2], abs=1e-12)
    assert [float(n.root[0]) for n in bottom.nodes] == pytest.approx([0.0, 1.0], abs=1e-12)
    assert [float(n.passed_down[0]) for n in bottom.nodes] == pytest.approx([3.3, 2.2], abs=1e-12)
    assert dec.input_relevance.tolist() == pytest.approx([5.5], abs=1e-12)


def test_hand_case_gradient_times_input() -> None:
    # 2-2-1 without biases at x = (2, 1): every exact root is the origin (the
    # least-L1 point of each root set), so the input relevance is
    # gradient × input = (1·2 + 1·2, −1·1 + 1·1) = (4, 0).
    net = from_layers([[[1.0, -1.0], [1.0, 1.0]], [[1.0, 1.0]]], [[0.0, 0.0], [0.0]], ["relu", "linear"])
    dec = decompose(net, [2.0, 1.0], 0, mode="full", spec=EXACT)
    assert dec.input_relevance.tolist() == pytest.approx([4.0, 0.0], abs=1e-9)
    tf = decompose(net, [2.0, 1.0], 0, mode="train-free", spec=ZPLUS)
    assert tf.input_relevance.tolist() == pytest.approx([3.0, 1.0], abs=1e-12)  # LRP-z+ by hand


def test_inactive_units_need_no_search() -> None:
    # unit 1 is off at x = 0.5 (x − 1 < 0): constant on the segment, no search
    dec = decompose(hand_net(), [0.5], 0, mode="full", spec=EXACT)
    bottom = dec.layers[-1]
    off = next(n for n in bottom.nodes if n.neuron == 1)
    assert off.root is None and "inactive" in off.reason
    assert bottom.searches == 1


# --- the exact cache --------------------------------------------------------------------


def same_segment_points(net: Network, x: torch.Tensor, n: int, radius: float, seed: int) -> torch.Tensor:
    gen = torch.Generator().manual_seed(seed)
    pts = x + radius * torch.randn(n, x.shape[0], generator=gen, dtype=DT)
    pts[0] = x
    return pts


def assert_identical(a: Decomposition, b: Decomposition) -> None:
    assert a.f_x == b.f_x
    for la, lb in zip(a.layers, b.layers, strict=True):
        assert torch.equal(la.relevance, lb.relevance)
        assert la.unresolved == lb.unresolved
        for na, nb in zip(la.nodes, lb.nodes, strict=True):
            assert (na.root is None) == (nb.root is None)
            if na.root is not None:
                assert torch.equal(na.root, nb.root)
            assert torch.equal(na.gradient, nb.gradient)


def test_cache_changes_nothing_and_cuts_searches_on_dtd_mlp() -> None:
    net, x = dtd()
    pts = same_segment_points(net, x, 4, 1e-4, 0)
    assert len({net.pattern_string(p) for p in pts}) == 1
    on, cache = decompose_many(net, pts, 0, mode="full", spec=EXACT)
    off, cache_off = decompose_many(net, pts, 0, mode="full", spec=EXACT, use_cache=False)
    for a, b in zip(on, off, strict=True):
        assert_identical(a, b)
    per_point = off[0].root_searches
    assert per_point > 0
    assert cache_off.searches == per_point * len(pts)
    assert cache.searches == per_point  # one search per (layer, pattern, neuron)
    assert cache.hits == per_point * (len(pts) - 1)
    assert [d.root_searches for d in on] == [per_point] + [0] * (len(pts) - 1)
    assert all(n.cached for d in on[1:] for lr in d.layers for n in lr.nodes if n.root is not None)


def test_cached_nodes_carry_the_same_diagnostics_as_searched_ones() -> None:
    """A node served from the cache gets R at the root, closure membership
    and distance computed by decompose itself; a searched node takes them
    from the finder's result. Both give the same numbers."""
    net, x = dtd()
    pts = same_segment_points(net, x, 2, 1e-4, 3)
    on, cache = decompose_many(net, pts, 0, mode="full", spec=EXACT)
    off = decompose(net, pts[1], 0, mode="full", spec=EXACT, use_cache=False)
    assert cache.hits > 0
    checked = 0
    for la, lb in zip(on[1].layers, off.layers, strict=True):
        for na, nb in zip(la.nodes, lb.nodes, strict=True):
            assert na.in_segment == nb.in_segment
            if na.root is None:
                continue
            assert na.cached and not nb.cached
            assert na.relevance_true == pytest.approx(nb.relevance_true, rel=1e-12, abs=1e-12)
            assert na.distance == pytest.approx(nb.distance, rel=1e-12, abs=1e-12)
            assert na.in_segment
            checked += 1
    assert checked == off.root_searches


def test_cache_across_segments_stays_exact() -> None:
    """Points in different segments: the cache may only reuse what is exact."""
    net, x = dtd()
    pts = same_segment_points(net, x, 3, 0.5, 1)
    assert len({net.pattern_string(p) for p in pts}) > 1
    on, _ = decompose_many(net, pts, 0, mode="full", spec=EXACT)
    off, _ = decompose_many(net, pts, 0, mode="full", spec=EXACT, use_cache=False)
    for a, b in zip(on, off, strict=True):
        assert_identical(a, b)


def test_cache_only_for_segment_only_finders() -> None:
    assert "exact" in segment_only_finders()
    for name in ("rule", "mcmc", "interpolation"):
        assert name not in segment_only_finders()
    assert not FinderSpec.of("exact", tie_break="nearest").segment_only
    net, x = dtd()
    cache = RootCache()
    decompose(net, x, 0, mode="full", spec=ZPLUS, cache=cache)
    decompose(net, x, 0, mode="full", spec=ZPLUS, cache=cache)
    assert cache.hits == 0 and len(cache) == 0
    # train-free heads depend on the point: never cached
    decompose(net, x, 0, mode="train-free", spec=EXACT, cache=cache)
    assert len(cache) == 0


def test_same_point_twice_with_a_shared_cache() -> None:
    net, x = dtd()
    cache = RootCache()
    first = decompose(net, x, 0, mode="full", spec=EXACT, cache=cache)
    second = decompose(net, x, 0, mode="full", spec=EXACT, cache=cache)
    assert second.root_searches == 0 and second.cache_hits == first.root_searches
    assert_identical(first, second)
    assert cache.stats()["entries"] == first.root_searches


# --- per-layer settings, randomness, results ----------------------------------------------


def test_per_layer_override_uses_its_own_finder() -> None:
    net, x = dtd()
    dec = decompose(net, x, 0, mode="full", spec=EXACT, per_layer={0: ZPLUS})
    assert dec.layer(0).spec == ZPLUS and dec.layer(3).spec == EXACT
    # a z+ root zeroes the affine relevance: only neurons without a root keep any
    for node in dec.layer(0).nodes:
        if node.root is not None:
            assert abs(node.unresolved) <= 1e-9
        else:
            assert node.unresolved == node.upper and node.reason
    with pytest.raises(LRPError, match=r"layers are 0\.\.4"):
        decompose(net, x, 0, per_layer={7: ZPLUS})


def test_random_finders_are_reproducible_by_seed() -> None:
    net, x = dtd()
    spec = FinderSpec.of("mcmc", n_chains=3, n_steps=15, n_warmup=5)
    a = decompose(net, x, 0, mode="full", spec=spec, seed=4)
    b = decompose(net, x, 0, mode="full", spec=spec, seed=4)
    assert_identical(a, b)


def test_json_and_frames() -> None:
    net, x = dtd()
    dec = decompose(net, x, 0, mode="full", spec=EXACT)
    js = dec.to_json()
    assert list(js) == ["mode", "output", "f_x", "layers", "input_relevance", "root_searches",
                        "cache_hits", "seconds"]
    assert [entry["layer"] for entry in js["layers"]] == [4, 3, 2, 1, 0]
    assert js["input_relevance"] == js["layers"][-1]["relevance"]
    assert all(set(e) == {"layer", "relevance", "sum", "unresolved"} for e in js["layers"])
    full = json.loads(json.dumps(dec.to_full_json(), allow_nan=False))  # strict JSON
    assert len(full["tree"]) == 5
    # the plain records behind the page's tables (the pandas frames are built in lrp_explorer.ui)
    tree = dec.tree_rows()
    n_rows = sum(len(lr.nodes) * lr.point.shape[0] for lr in dec.layers)
    assert len(tree) == n_rows
    # the flat tree sums back to each layer's relevance
    for lr in dec.layers:
        sums = [math.fsum(r["passed_down"] for r in tree if r["layer"] == lr.layer and r["input"] == i)
                for i in range(lr.point.shape[0])]
        assert sums == pytest.approx(lr.relevance.tolist(), abs=1e-12)
    summary = dec.layer_rows()
    assert [r["layer"] for r in summary] == [4, 3, 2, 1, 0]
    assert summary[-1]["conservation_error"] == pytest.approx(dec.layers[-1].sum - dec.f_x)
    assert all(r["negative"] <= 0 for r in summary)
    assert len(dec.relevance_rows()) == sum(net.widths)


def test_progress_reaches_one() -> None:
    seen: list[float] = []
    decompose(hand_net(), [3.0], 0, progress=seen.append)
    assert seen and seen[-1] == 1.0 and all(0 <= v <= 1 for v in seen)
    assert seen == sorted(seen)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"x": [1.0, 2.0]}, "needs 1 values"),
        ({"x": [math.nan]}, "finite"),
        ({"output": 3}, r"output must be in 0\.\.0"),
        ({"mode": "sideways"}, "full, train-free"),
    ],
)
def test_bad_input_is_an_lrp_error(kwargs: dict[str, object], message: str) -> None:
    args = {"x": [3.0], "output": 0, "mode": "full"} | kwargs
    with pytest.raises(LRPError, match=message):
        decompose(hand_net(), args["x"], args["output"], mode=args["mode"])


def test_unknown_finder_names_the_options() -> None:
    with pytest.raises(LRPError, match="exact"):
        FinderSpec.of("newton")


def test_layer_problems_reproduce_every_layers_roots() -> None:
    """Re-running the exact finder on the rebuilt problems gives each layer's
    roots of the decomposition (top layer first) to 1e-9 — decompose solves
    only the rows with a gradient, and sums p in another order, so HiGHS may
    land ulps apart; train-free decompositions are refused."""
    from lrp_core.decompose import layer_problems
    from lrp_core.roots import FINDERS

    net = get_preset("dtd-mlp").network()
    x = torch.tensor(get_preset("dtd-mlp").default_input, dtype=torch.float64)
    dec = decompose(net, x, 0, mode="full", spec=FinderSpec.of("exact"), use_cache=False)
    problems = layer_problems(net, dec)
    assert [pr.layer for pr in problems] == [lr.layer for lr in dec.layers]
    for pr, lr in zip(problems, dec.layers, strict=True):
        by_neuron = {n.neuron: n for n in lr.nodes}
        assert set(pr.neurons) <= set(by_neuron)
        res = FINDERS.get("exact").func(pr)
        for root in res.roots:
            node = by_neuron[root.neuron]
            if node.root is None:  # zero gradient: decompose skips the search
                continue
            assert root.root is not None
            torch.testing.assert_close(root.root, node.root, rtol=0, atol=1e-9)
    with pytest.raises(LRPError, match="full-backward"):
        layer_problems(net, decompose(net, x, 0, mode="train-free", spec=FinderSpec.of("rule", rule="z+")))
