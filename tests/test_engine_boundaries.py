"""Hand cases at the boundaries the issue's mutation check found unguarded
(issue 13): the root cache's key, z = 0 in the activation pattern and in
segment membership, the lowest non-negative relevance at R = 0, and the
regions' polygon orientation. Each test was checked to fail with the guarded
code broken (see the comments)."""

from __future__ import annotations

import pytest
import torch

from lrp_core.decompose import FinderSpec, RootCache, decompose
from lrp_core.network import from_layers, segment_map
from lrp_core.presets import default_input, get_preset
from lrp_core.regions import linear_regions
from lrp_core.roots import explain_layer, explain_output
from lrp_core.roots.common import Region, pick_lowest

D = torch.float64


def _same(a: torch.Tensor, b: torch.Tensor) -> bool:
    return bool(torch.allclose(a, b, rtol=0, atol=1e-12))


# --- the root cache: cached runs equal uncached ones when one key field differs --------------------------


def test_cache_separates_outputs() -> None:
    """Same network, point and finder, another output: the head row differs."""
    net = get_preset("dtd-mlp").network()
    x = torch.tensor(default_input(net), dtype=D)
    cache = RootCache()
    decompose(net, x, 0, mode="full", spec=FinderSpec.of("exact"), cache=cache)
    cached = decompose(net, x, 1, mode="full", spec=FinderSpec.of("exact"), cache=cache)
    fresh = decompose(net, x, 1, mode="full", spec=FinderSpec.of("exact"), use_cache=False)
    assert _same(cached.input_relevance, fresh.input_relevance)


def test_cache_separates_finder_parameters() -> None:
    """tie_break l1 then none on one cache: none's roots are its own (the spec is in the key)."""
    net = get_preset("dtd-mlp").network()
    x = torch.tensor(default_input(net), dtype=D)
    cache = RootCache()
    first = decompose(net, x, 0, mode="full", spec=FinderSpec.of("exact"), cache=cache)
    cached = decompose(net, x, 0, mode="full", spec=FinderSpec.of("exact", tie_break="none"), cache=cache)
    fresh = decompose(net, x, 0, mode="full", spec=FinderSpec.of("exact", tie_break="none"), use_cache=False)
    assert cached.cache_hits == 0  # removing spec.key from the key makes these hits
    assert _same(cached.input_relevance, fresh.input_relevance)
    assert first.root_searches > 0


def test_cache_separates_networks_with_the_same_patterns() -> None:
    """A bias edit that keeps every activation pattern changes the roots: the
    network's digest is in the key."""
    net = from_layers([[[1.0, -1.0], [0.5, 1.0]], [[1.0, 1.0]]], [[0.2, 0.1], [0.0]], ["relu", "linear"])
    other = from_layers([[[1.0, -1.0], [0.5, 1.0]], [[1.0, 1.0]]], [[0.3, 0.1], [0.0]], ["relu", "linear"])
    x = torch.tensor([2.0, 1.0], dtype=D)
    assert net.pattern_string(x) == other.pattern_string(x)
    cache = RootCache()
    decompose(net, x, 0, mode="full", spec=FinderSpec.of("exact"), cache=cache)
    cached = decompose(other, x, 0, mode="full", spec=FinderSpec.of("exact"), cache=cache)
    fresh = decompose(other, x, 0, mode="full", spec=FinderSpec.of("exact"), use_cache=False)
    assert _same(cached.input_relevance, fresh.input_relevance)
    assert cached.cache_hits == 0


def test_cache_separates_neurons_with_the_same_head_row() -> None:
    """y = h1 + h2: both hidden units get the head row p = 1, q = 0 at layer 0, but their own roots
    (the neuron index is in the key). Two runs on one cache equal a run without it."""
    net = from_layers([[[2.0, 1.0], [3.0, -1.0]], [[1.0, 1.0]]], [[-1.0, 0.5], [0.0]], ["relu", "linear"])
    x = torch.tensor([1.0, 1.0], dtype=D)
    cache = RootCache()
    decompose(net, x, 0, mode="full", spec=FinderSpec.of("exact"), cache=cache)
    cached = decompose(net, x, 0, mode="full", spec=FinderSpec.of("exact"), cache=cache)
    fresh = decompose(net, x, 0, mode="full", spec=FinderSpec.of("exact"), use_cache=False)
    assert cached.cache_hits == 3
    # least-L1 roots by hand: 2 x1 + x2 = 1 -> (0.5, 0); 3 x1 - x2 = -0.5 with 2 x1 + x2 >= 1 -> (0.1, 0.8)
    roots = [n.root for n in fresh.layer(0).nodes]
    assert roots[0] is not None and _same(roots[0], torch.tensor([0.5, 0.0], dtype=D))
    assert roots[1] is not None and _same(roots[1], torch.tensor([0.1, 0.8], dtype=D))
    for a, b in zip(cached.layer(0).nodes, fresh.layer(0).nodes, strict=True):
        assert a.root is not None and b.root is not None and _same(a.root, b.root)
    assert _same(cached.input_relevance, fresh.input_relevance)


def test_cache_separates_layers_with_the_same_pattern() -> None:
    """A linear layer 0 under a ReLU layer 1: the problems of layers 0 and 1 have the same pattern
    string ("11"), the same neurons and the same head rows (p = 1, q = -0), but not the same roots
    (the layer is in the key). The cache, filled by layer 1 first, must not answer layer 0."""
    net = from_layers([[[1.0, 0.0], [0.0, 1.0]], [[1.0, 0.5], [0.0, 0.5]], [[1.0, 1.0]]],
                      [[0.5, -0.25], [0.0, 0.0], [0.0]], ["linear", "relu", "linear"])
    x = torch.tensor([1.0, 1.0], dtype=D)
    cached = decompose(net, x, 0, mode="full", spec=FinderSpec.of("exact"))
    fresh = decompose(net, x, 0, mode="full", spec=FinderSpec.of("exact"), use_cache=False)
    top, low = fresh.layer(1), fresh.layer(0)
    assert [n.gradient.tolist() for n in top.nodes] == [[1.0, 0.5], [0.0, 0.5]]  # p at layer 0 = (1, 1)
    assert [n.root.tolist() for n in top.nodes if n.root is not None] == [[0.0, 0.0], [0.0, 0.0]]
    assert all(n.root is not None and not _same(n.root, torch.zeros(2, dtype=D)) for n in low.nodes)
    for a, b in zip(cached.layer(0).nodes, low.nodes, strict=True):
        assert a.root is not None and b.root is not None and _same(a.root, b.root)
    assert _same(cached.input_relevance, fresh.input_relevance)


# --- z = 0: inactive in the pattern, outside an active unit's segment ------------------------------------

# one unit z = x1 − 2 x2 + 0.5
HINGE = from_layers([[[1.0, -2.0]]], [[0.5]], ["relu"])
ON_HINGE = torch.tensor([[0.5, 0.5]], dtype=D)  # z = 0 exactly


def test_z_zero_is_inactive_in_the_pattern() -> None:
    assert HINGE.pattern_string(ON_HINGE[0]) == "0"  # ReLU(0) = 0: the unit is off
    assert HINGE.pattern_string(torch.tensor([0.5 + 2**-40, 0.5], dtype=D)) == "1"


def test_z_zero_is_inactive_in_the_segment_map() -> None:
    """The one segment map reads the pattern as the network does: on the hinge the unit is off, so the
    problem's segment is the inactive one and the output's affine map there is the constant 0."""
    assert segment_map(HINGE, ON_HINGE[0]).active[0].tolist() == [False]
    assert segment_map(HINGE, ON_HINGE).active[0].tolist() == [[False]]  # batched alike
    assert explain_layer(HINGE, ON_HINGE[0], 0, 0).segment.pattern_string == "0"
    amap = HINGE.affine_map(ON_HINGE[0])
    assert amap.weight.tolist() == [[0.0, 0.0]] and amap.bias.tolist() == [0.0]
    just_on = torch.tensor([0.5 + 2**-40, 0.5], dtype=D)
    assert segment_map(HINGE, just_on).active[0].tolist() == [True]
    assert HINGE.affine_map(just_on).weight.tolist() == [[1.0, -2.0]]


@pytest.mark.parametrize("network", [False, True])
def test_z_zero_belongs_to_the_inactive_segment_only(network: bool) -> None:
    active = explain_layer(HINGE, [2.0, 0.5], 0, 0)  # z = 2 > 0
    inactive = explain_layer(HINGE, [0.0, 1.0], 0, 0)  # z = -1.5
    assert not bool(Region(active, False, None, network=network)(ON_HINGE)[0])
    assert bool(Region(inactive, False, None, network=network)(ON_HINGE)[0])
    assert not bool(active.in_segment(ON_HINGE)[0]) and bool(inactive.in_segment(ON_HINGE)[0])
    # the closure (where roots may lie) holds the boundary for both
    assert bool(active.segment.contains_closure(ON_HINGE)[0])
    assert bool(inactive.segment.contains_closure(ON_HINGE)[0])


# --- the sampler's choice: the lowest R >= 0, and R = 0 counts ------------------------------------------


def test_pick_lowest_takes_an_exact_zero() -> None:
    # R = x1 − 2 x2 + 0.5 on the active segment; candidates with R = 0.3, 0 (exactly), -0.1
    problem = explain_layer(HINGE, [2.0, 0.5], 0, 0)
    cands = torch.tensor([[0.8, 0.5], [0.5, 0.5], [0.4, 0.5]], dtype=D)
    r = (cands @ problem.affine.weight.T + problem.affine.bias)[:, 0]
    assert r.tolist() == pytest.approx([0.3, 0.0, -0.1], abs=1e-15) and float(r[1]) == 0.0
    (root,) = pick_lowest(problem, cands, "samples")
    assert root.root is not None and torch.equal(root.root, cands[1])  # with `r > 0` it would be 0.3's
    assert root.reason == ""
    (none,) = pick_lowest(problem, cands[2:], "samples")
    assert none.root is None and "no samples has R >= 0" in none.reason
    (pos,) = pick_lowest(problem, cands[:1], "samples")
    assert pos.root is not None and "lowest R >= 0 among the samples is 0.3" in pos.reason


# --- regions: counter-clockwise polygons with positive areas ---------------------------------------------


def test_region_polygons_are_counter_clockwise() -> None:
    net = from_layers([[[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]], [[1.0, -1.0, 0.5]]], [[0.0, 0.0, -0.5], [0.0]],
                      ["relu", "linear"])
    rs = linear_regions(net, (-1.0, 1.0, -1.0, 1.0))
    assert len(rs.regions) >= 4
    for r in rs.regions:
        x, y = r.polygon[:, 0], r.polygon[:, 1]
        signed = 0.5 * float((x * torch.roll(y, -1) - torch.roll(x, -1) * y).sum())
        assert signed > 0 and signed == pytest.approx(r.area, rel=1e-12)


def test_exact_finder_on_the_hinge_by_hand() -> None:
    """The root of z = x1 − 2 x2 + 0.5 with the least L1 norm is (0, 0.25)."""
    res = explain_output(HINGE, [2.0, 0.5], 0, 0)
    from lrp_core.roots import FINDERS

    (root,) = FINDERS.get("exact").func(res).roots
    assert root.reason == "" and root.root is not None
    torch.testing.assert_close(root.root, torch.tensor([0.0, 0.25], dtype=D), rtol=0, atol=1e-12)
