"""Explanation fields (issue 17): each method's field against ``decompose`` or a
hand formula, the per-region full-backward pieces, and the regions drawn."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch

from lrp_core.decompose import Decomposition, FinderSpec, decompose
from lrp_core.errors import LRPError
from lrp_core.fields import FIELD_METHODS, explanation_field, grid, relevance_at
from lrp_core.fields.exact import full_backward_field
from lrp_core.network import Network, from_layers
from lrp_core.plane import Slice
from lrp_core.presets import get_preset
from lrp_core.regions import RegionSet, interior_samples, linear_regions

BOX = (-3.0, 3.0, -3.0, 3.0)
Plane = tuple[Network, RegionSet]
DTD = {
    "z+": ("train-free", FinderSpec.of("rule", rule="z+")),
    "w2": ("train-free", FinderSpec.of("rule", rule="w2")),
    "gamma": ("train-free", FinderSpec.of("rule", rule="gamma", gamma=0.25)),
    "full-backward": ("full", FinderSpec.of("exact")),
}


def _close(a: np.ndarray, b: np.ndarray) -> bool:
    """Equal to 1e-9 (absolute; near the γ rule's degenerate direction the relevances
    on this network reach ~6e3 and the two computations still agree to 2e-10)."""
    return bool((np.abs(a - b) <= 1e-9).all())


@pytest.fixture(scope="module")
def plane() -> Plane:
    net = get_preset("plane-2-8-8-1").network()
    return net, linear_regions(net, BOX)


@pytest.mark.parametrize("method", list(DTD))
def test_each_region_equals_decompose_at_sampled_points(plane: Plane, method: str) -> None:
    net, regions = plane
    mode, spec = DTD[method]
    gen = torch.Generator().manual_seed(17)
    per_region = 2  # ~110 regions: full-backward runs ~220 decompositions (a few seconds)
    pts = torch.cat([interior_samples(r, per_region, gen) for r in regions.regions]).numpy()
    rel, _ = relevance_at(net, pts, method, regions=regions)
    for p, r in zip(pts, rel, strict=True):
        dec = decompose(net, p, 0, mode=mode, spec=spec)
        assert _close(dec.input_relevance.numpy(), r), (method, p)


@pytest.mark.parametrize("method", list(DTD))
def test_grid_field_equals_decompose_at_grid_points(plane: Plane, method: str) -> None:
    net, _ = plane
    mode, spec = DTD[method]
    fld = explanation_field(net, BOX, method, n=21)
    rng = np.random.default_rng(3)
    for iy, ix in rng.integers(0, 21, size=(12, 2)):
        dec = decompose(net, [fld.xs[ix], fld.ys[iy]], 0, mode=mode, spec=spec)
        assert _close(dec.input_relevance.numpy(), fld.relevance[iy, ix])
        assert abs(fld.unresolved[iy, ix] - (dec.f_x - float(dec.input_relevance.sum()))) <= 1e-9
    # grid points on the axes lie on hinges of no unit here, but x = 0 exactly is a grid point: still equal
    assert 0.0 in fld.xs


def _search_bound(net: Network, patterns: list[str]) -> int:
    """One search per (layer k, pattern of layers k..L-1, neuron of layer k) over the
    patterns hit: layer k's roots depend only on the pattern above and at k."""
    bound, offset = 0, 0
    starts = []
    for layer in net.layers:
        starts.append(offset)
        offset += layer.n_out if layer.is_relu else 0
    for k, layer in enumerate(net.layers):
        bound += len({p[starts[k]:] for p in patterns}) * layer.n_out
    return bound


def test_full_backward_searches_per_region_not_per_point(plane: Plane, monkeypatch: pytest.MonkeyPatch) -> None:
    net, regions = plane
    fld = explanation_field(net, BOX, "full-backward", n=121, regions=regions)
    points = grid(BOX, 121)[2]
    calls: list[tuple[float, ...]] = []

    def counted(*args: Any, **kwargs: Any) -> Decomposition:
        calls.append(tuple(np.asarray(args[1], dtype=float).tolist()))
        return decompose(*args, **kwargs)

    monkeypatch.setattr("lrp_core.fields.exact.decompose", counted)
    rel, searches, pieces = full_backward_field(net, points, 0, regions, FinderSpec.of("exact"))
    # one decomposition per pattern on the grid, at that region's interior point
    by_pattern = {r.pattern: tuple(r.point.tolist()) for r in regions.regions}
    assert sorted(calls) == sorted(by_pattern[p.pattern] for p in pieces)
    assert searches == fld.root_searches and np.array_equal(rel.reshape(121, 121, 2), fld.relevance)
    # one piece per activation pattern on the grid; every one a region's (no grid point sits on a
    # zero-area pattern here), each region's interior point decomposed once
    assert len({p.pattern for p in pieces}) == len(pieces) and all(p.in_regions for p in pieces)
    assert {p.pattern for p in pieces} <= {r.pattern for r in regions.regions}
    assert 0 < fld.root_searches <= _search_bound(net, [p.pattern for p in pieces])
    assert fld.root_searches < fld.n_points // 10
    # five points in every region need exactly the searches of one point in every region
    gen = torch.Generator().manual_seed(1)
    one = torch.cat([interior_samples(r, 1, gen) for r in regions.regions]).numpy()
    five = torch.cat([interior_samples(r, 5, gen) for r in regions.regions]).numpy()
    assert relevance_at(net, five, "full-backward", regions=regions)[1] == \
        relevance_at(net, one, "full-backward", regions=regions)[1]
    assert "grid 121 × 121 = 14,641 points" in fld.summary() and f"{fld.root_searches:,} root searches" in fld.summary()


def test_regions_of_another_network_or_a_slice() -> None:
    """Regions whose interior points have other patterns in this network are not trusted
    (the points are decomposed at themselves: still equal to decompose); slice regions are refused."""
    xor = get_preset("xor-2-4-1").network()
    # the same function with hidden units 0 and 1 swapped: its region "1010" is xor's region "0110"
    swapped = from_layers([[[-1.0, -1.0], [1.0, 1.0], [1.0, -1.0], [-1.0, 1.0]], [[-1.0, -1.0, 1.0, 1.0]]],
                          [[0.0, 0.0, 0.0, 0.0], [0.0]], ["relu", "linear"])
    box = (-1.0, 1.0, -1.0, 1.0)
    other = linear_regions(swapped, box)
    assert {r.pattern for r in other.regions} == {r.pattern for r in linear_regions(xor, box).regions}
    fld = explanation_field(xor, box, "full-backward", n=9, regions=other)
    for iy, ix in [(0, 0), (2, 7), (4, 4), (8, 1), (6, 3), (4, 8), (1, 4)]:
        dec = decompose(xor, [fld.xs[ix], fld.ys[iy]], 0, mode="full", spec=FinderSpec.of("exact"))
        assert _close(dec.input_relevance.numpy(), fld.relevance[iy, ix])
    sliced = linear_regions(xor, box, slice=Slice(torch.zeros(2, dtype=torch.float64),
                                                  torch.tensor([1.0, 0.0], dtype=torch.float64),
                                                  torch.tensor([0.0, 1.0], dtype=torch.float64)))
    with pytest.raises(LRPError, match="without a slice"):
        explanation_field(xor, box, "full-backward", n=3, regions=sliced)


def test_field_is_affine_on_each_region(plane: Plane) -> None:
    net, regions = plane
    gen = torch.Generator().manual_seed(5)
    for r in regions.regions[:20]:
        pts = interior_samples(r, 4, gen).numpy()
        rel, _ = relevance_at(net, pts, "full-backward", regions=regions)
        # R_i = P_i x_i + Q_i: the second differences along the samples vanish
        for i in range(2):
            if np.ptp(pts[:, i]) > 1e-6:
                coef = np.polyfit(pts[:, i], rel[:, i], 1)
                assert np.abs(np.polyval(coef, pts[:, i]) - rel[:, i]).max() <= 1e-9


def _linear_net() -> Network:
    return from_layers([[[1.5, -2.0]], [[0.5]]], [[0.25], [-1.0]], ["linear", "linear"])  # f = 0.75 x1 − x2 − 0.875


def test_gradient_and_gradient_x_input_hand_formula_linear_network() -> None:
    net = _linear_net()
    fld = explanation_field(net, (-2, 2, -1, 3), "gradient-x-input", n=5)
    grad = explanation_field(net, (-2, 2, -1, 3), "gradient", n=5)
    gx, gy = np.meshgrid(fld.xs, fld.ys)
    np.testing.assert_allclose(grad.relevance[..., 0], 0.75, atol=1e-12)
    np.testing.assert_allclose(grad.relevance[..., 1], -1.0, atol=1e-12)
    np.testing.assert_allclose(fld.relevance[..., 0], 0.75 * gx, atol=1e-12)
    np.testing.assert_allclose(fld.relevance[..., 1], -1.0 * gy, atol=1e-12)
    np.testing.assert_allclose(fld.unresolved, -0.875, atol=1e-12)  # f − x·∇f = the bias


def test_shapley_hand_formula_linear_and_relu() -> None:
    net = _linear_net()
    fld = explanation_field(net, (-2, 2, -1, 3), "shapley", n=5)
    gx, gy = np.meshgrid(fld.xs, fld.ys)
    # a linear game: φ_i = w_i x_i, f(0) unexplained
    np.testing.assert_allclose(fld.relevance[..., 0], 0.75 * gx, atol=1e-12)
    np.testing.assert_allclose(fld.relevance[..., 1], -gy, atol=1e-12)
    np.testing.assert_allclose(fld.unresolved, -0.875, atol=1e-12)
    # f = relu(x1 + x2 − 1) at (1, 1): f(x) = 1, f(1, 0) = f(0, 1) = f(0) = 0 -> φ = (½, ½);
    # at (2, 0.5): f = 1.5, f(2, 0) = 1, f(0, 0.5) = 0 -> φ1 = ½·1 + ½·1.5 = 1.25, φ2 = ½·0 + ½·0.5 = 0.25
    relu = from_layers([[[1.0, 1.0]], [[1.0]]], [[-1.0], [0.0]], ["relu", "linear"])
    rel, searches = relevance_at(relu, np.array([[1.0, 1.0], [2.0, 0.5]]), "shapley")
    np.testing.assert_allclose(rel, [[0.5, 0.5], [1.25, 0.25]], atol=1e-12)
    assert searches == 0


def test_gradient_and_shapley_on_each_region_against_torch(plane: Plane) -> None:
    """On the ReLU network: the gradient by torch's autograd and the four evaluations of
    the two-player Shapley formula by the network's own forward pass, at two points per region."""
    net, regions = plane
    gen = torch.Generator().manual_seed(8)
    pts = torch.cat([interior_samples(r, 2, gen) for r in regions.regions])
    grad, _ = relevance_at(net, pts.numpy(), "gradient")
    gxi, _ = relevance_at(net, pts.numpy(), "gradient-x-input")
    phi, _ = relevance_at(net, pts.numpy(), "shapley")
    for p, g, gx, ph in zip(pts, grad, gxi, phi, strict=True):
        x = p.clone().requires_grad_(True)
        net(x)[0].backward()
        assert np.abs(x.grad.numpy() - g).max() <= 1e-12
        assert np.abs(p.numpy() * x.grad.numpy() - gx).max() <= 1e-12
        with torch.no_grad():
            f = lambda a, b: float(net(torch.tensor([a, b], dtype=torch.float64))[0])  # noqa: E731
            x1, x2 = float(p[0]), float(p[1])
            phi1 = 0.5 * (f(x1, 0) - f(0, 0)) + 0.5 * (f(x1, x2) - f(0, x2))
            phi2 = 0.5 * (f(0, x2) - f(0, 0)) + 0.5 * (f(x1, x2) - f(x1, 0))
        assert abs(phi1 - ph[0]) <= 1e-12 and abs(phi2 - ph[1]) <= 1e-12


def test_shapley_efficiency_on_plane(plane: Plane) -> None:
    net, _ = plane
    fld = explanation_field(net, BOX, "shapley", n=15)
    f0 = float(net(torch.zeros(2, dtype=torch.float64))[0])
    np.testing.assert_allclose(fld.unresolved, f0, atol=1e-12)


def test_field_regions_are_the_regions_of_the_box(plane: Plane) -> None:
    net, regions = plane
    fld = explanation_field(net, BOX, "full-backward", n=7)
    assert fld.regions is not None
    assert [r.pattern for r in fld.regions.regions] == [r.pattern for r in regions.regions]
    for a, b in zip(fld.regions.regions, regions.regions, strict=True):
        assert torch.equal(a.polygon, b.polygon)


def test_grid_layout_and_json_contract(plane: Plane) -> None:
    net, _ = plane
    fld = explanation_field(net, (-1, 2, 0, 3), "gradient", n=4)
    xs, ys, pts = grid((-1, 2, 0, 3), 4)
    assert xs.tolist() == [-1, 0, 1, 2] and ys.tolist() == [0, 1, 2, 3]
    assert pts[1].tolist() == [0, 0] and pts[4].tolist() == [-1, 1]  # x varies fastest
    data = fld.to_json()
    assert list(data) == ["x", "y", "relevance", "unresolved", "root_searches", "seconds"]
    assert np.array(data["relevance"]).shape == (4, 4, 2)
    iy, ix = 2, 1  # the point (0, 2)
    f = float(net(torch.tensor([0.0, 2.0], dtype=torch.float64))[0])
    r = data["relevance"][iy][ix]
    assert abs(data["unresolved"][iy][ix] - (f - r[0] - r[1])) <= 1e-12


def test_every_method_registered_and_bad_input() -> None:
    assert FIELD_METHODS.names() == ["gradient", "gradient-x-input", "z+", "w2", "gamma", "full-backward",
                                     "shapley"]
    net = get_preset("xor-2-4-1").network()
    with pytest.raises(LRPError, match="unknown field method"):
        explanation_field(net, BOX, "lime")
    with pytest.raises(LRPError, match="gamma must be"):
        explanation_field(net, BOX, "gamma", gamma=-1)
    with pytest.raises(LRPError, match="unknown parameter"):
        explanation_field(net, BOX, "z+", gamma=1)
    with pytest.raises(LRPError, match="grid size"):
        explanation_field(net, BOX, "z+", n=1)
    with pytest.raises(LRPError, match="2-input"):
        explanation_field(get_preset("dtd-mlp").network(), BOX, "z+")
    with pytest.raises(LRPError, match="output"):
        explanation_field(net, BOX, "z+", output=3)


def test_gamma_parameter_changes_the_field(plane: Plane) -> None:
    net, _ = plane
    a = explanation_field(net, BOX, "gamma", n=9, gamma=0.0)
    b = explanation_field(net, BOX, "gamma", n=9, gamma=2.0)
    w2 = explanation_field(net, BOX, "z+", n=9)
    assert np.abs(a.relevance - b.relevance).max() > 1e-3
    assert a.params == {"gamma": 0.0} and w2.params == {}
