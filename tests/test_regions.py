"""Exact linear regions in the plane: tiling, patterns, affine maps, slices, caps."""

from __future__ import annotations

import itertools

import pytest
import torch

from lrp_core.errors import LRPError
from lrp_core.network import Network, from_layers
from lrp_core.plane import axis_slice, make_slice
from lrp_core.presets import get_preset
from lrp_core.regions import MAX_REGIONS, interior_samples, linear_regions


def random_net(widths: list[int], seed: int, last: str = "linear") -> Network:
    gen = torch.Generator().manual_seed(seed)
    weights, biases = [], []
    for n_in, n_out in itertools.pairwise(widths):
        weights.append(torch.randn(n_out, n_in, generator=gen, dtype=torch.float64) / n_in**0.5)
        biases.append(0.5 * torch.randn(n_out, generator=gen, dtype=torch.float64))
    acts = ["relu"] * (len(widths) - 2) + [last]
    return from_layers(weights, biases, acts)


def check_tiling(net: Network, box: tuple[float, float, float, float], seed: int = 0, start: int = 0) -> int:
    rs = linear_regions(net, box, start=start)
    x0, x1, y0, y1 = box
    area = (x1 - x0) * (y1 - y0)
    assert abs(rs.total_area - area) <= 1e-9 * max(1.0, area)
    patterns = [r.pattern for r in rs.regions]
    assert len(set(patterns)) == len(patterns), "each activation region is convex, so patterns are unique"
    gen = torch.Generator().manual_seed(seed)
    for r in rs.regions:
        assert r.area > 0
        poly = r.polygon
        assert bool((poly[:, 0] >= x0 - 1e-9).all() and (poly[:, 0] <= x1 + 1e-9).all())
        assert bool((poly[:, 1] >= y0 - 1e-9).all() and (poly[:, 1] <= y1 + 1e-9).all())
        pts = interior_samples(r, 5, gen)
        for p in pts:
            assert net.pattern_string(p, start=start) == r.pattern
        # the affine map on the region equals the network there
        out = net.forward(pts, start=start).output
        assert torch.allclose(r.affine(pts), out, atol=1e-10, rtol=1e-10)
    return len(rs.regions)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_random_networks_tile_the_box(seed: int) -> None:
    net = random_net([2, 8, 8, 1], seed)
    n = check_tiling(net, (-3.0, 3.0, -3.0, 3.0), seed)
    assert n > 5


def test_relu_output_layer_and_asymmetric_box() -> None:
    net = random_net([2, 6, 5, 3], 7, last="relu")
    rs = linear_regions(net, (-1.0, 4.0, -2.0, 0.5))
    assert all(len(r.pattern) == 6 + 5 + 3 for r in rs.regions)
    check_tiling(net, (-1.0, 4.0, -2.0, 0.5))


def test_presets() -> None:
    for name in ("plane-2-8-8-1", "xor-2-4-1", "ancona-max"):
        check_tiling(get_preset(name).network(), (-3.0, 3.0, -3.0, 3.0))


def test_xor_regions_by_hand() -> None:
    # units: x1+x2, -(x1+x2), x1-x2, x2-x1: two lines through 0 -> 4 quadrant-like wedges
    rs = linear_regions(get_preset("xor-2-4-1").network(), (-1.0, 1.0, -1.0, 1.0))
    assert sorted(r.pattern for r in rs.regions) == ["0101", "0110", "1001", "1010"]
    for r in rs.regions:
        assert r.area == pytest.approx(1.0, abs=1e-12)
    # on the wedge x1 > |x2| (pattern: x1+x2>0, x1-x2>0 -> "1010"): f = (x1-x2) - (x1+x2) = -2 x2
    r = rs.find("1010")
    assert r is not None
    assert torch.allclose(r.affine.weight, torch.tensor([[0.0, -2.0]], dtype=torch.float64))
    assert float(r.affine.bias[0]) == 0.0


def test_line_through_vertex_and_dead_unit() -> None:
    # unit 0's line x = y passes through two corners; unit 1 is identically 0 (never splits, inactive)
    net = from_layers([[[1.0, -1.0], [0.0, 0.0]], [[1.0, 1.0]]], [[0.0, 0.0], [0.0]], ["relu", "linear"])
    rs = linear_regions(net, (-1.0, 1.0, -1.0, 1.0))
    assert sorted(r.pattern for r in rs.regions) == ["00", "10"]
    assert [r.area for r in rs.regions] == pytest.approx([2.0, 2.0])
    assert all(int(r.polygon.shape[0]) == 3 for r in rs.regions)


def test_sub_network_start() -> None:
    net = random_net([3, 2, 6, 1], 4)
    check_tiling(net, (0.0, 2.0, 0.0, 2.0), start=1)


def test_slice_of_higher_dimensional_network() -> None:
    net = get_preset("dtd-mlp").network()
    x = torch.tensor(get_preset("dtd-mlp").default_input, dtype=torch.float64)
    gen = torch.Generator().manual_seed(3)
    sl = make_slice(x, torch.randn(10, generator=gen, dtype=torch.float64),
                    torch.randn(10, generator=gen, dtype=torch.float64))
    rs = linear_regions(net, (-1.0, 1.0, -1.0, 1.0), slice=sl)
    assert abs(rs.total_area - 4.0) < 1e-9
    # x sits at (0, 0): its region has its pattern
    pattern_x = net.pattern_string(x)
    assert rs.find(pattern_x) is not None
    for r in rs.regions:
        pts = interior_samples(r, 3, gen)
        for p in sl.embed(pts):
            assert net.pattern_string(p) == r.pattern
    sl2 = axis_slice(x, 2, 5)
    rs2 = linear_regions(net, (-0.5, 0.5, -0.5, 0.5), slice=sl2)
    assert abs(rs2.total_area - 1.0) < 1e-9


def test_bad_input() -> None:
    dtd = get_preset("dtd-mlp").network()
    with pytest.raises(LRPError, match="2 inputs"):
        linear_regions(dtd, (-1.0, 1.0, -1.0, 1.0))
    net = get_preset("xor-2-4-1").network()
    with pytest.raises(LRPError, match="x0 < x1"):
        linear_regions(net, (1.0, -1.0, 0.0, 1.0))
    with pytest.raises(LRPError, match="finite"):
        linear_regions(net, (0.0, float("nan"), 0.0, 1.0))
    with pytest.raises(LRPError, match="layer range"):
        linear_regions(net, (0.0, 1.0, 0.0, 1.0), start=2)
    with pytest.raises(LRPError, match="slice"):
        linear_regions(dtd, (0.0, 1.0, 0.0, 1.0), slice=axis_slice([0.0, 0.0, 0.0], 0, 1))


def test_region_cap() -> None:
    net = get_preset("plane-2-8-8-1").network()
    n = len(linear_regions(net, (-3.0, 3.0, -3.0, 3.0)).regions)
    assert n > 10
    with pytest.raises(LRPError, match="more than 10 linear regions"):
        linear_regions(net, (-3.0, 3.0, -3.0, 3.0), max_regions=10)
    assert MAX_REGIONS >= 10_000


def test_to_json_shape() -> None:
    rs = linear_regions(get_preset("ancona-max").network(), (0.0, 10.0, 0.0, 10.0))
    js = rs.to_json()
    assert set(js) == {"regions"}
    for r in js["regions"]:
        assert set(r) == {"pattern", "polygon", "area"}
        assert all(len(v) == 2 for v in r["polygon"])
    assert sum(r["area"] for r in js["regions"]) == pytest.approx(100.0, abs=1e-9)


def test_duplicate_and_parallel_units() -> None:
    # units 0 and 1 are the same line, unit 2 its mirror image (z2 = -z0): still one split
    w = [[1.0, 2.0], [1.0, 2.0], [-1.0, -2.0], [0.5, -1.0]]
    net = from_layers([w, [[1.0, -1.0, 0.5, 2.0]]], [[0.1, 0.1, -0.1, 0.0], [0.0]], ["relu", "linear"])
    rs = linear_regions(net, (-2.0, 2.0, -2.0, 2.0))
    assert len(rs.regions) == 4
    assert {r.pattern[:3] for r in rs.regions} == {"110", "001"}
    check_tiling(net, (-2.0, 2.0, -2.0, 2.0))
