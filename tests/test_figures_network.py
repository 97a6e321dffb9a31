"""The network diagram and the plane heatmap (figures/network.py)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from lrp_core.errors import LRPError
from lrp_core.network import Network, from_layers
from lrp_core.presets import get_preset
from lrp_explorer.figures.network import (
    ACTIVE,
    ANCONA_BOX,
    DEFAULT_BOX,
    INACTIVE,
    INPUT_NODE,
    NEGATIVE,
    POSITIVE,
    ZERO,
    network_diagram,
    node_positions,
    output_grid,
    plane_box,
    plane_heatmap,
)
from tests.svg import pieces

SIGN_COLOUR = {"positive weights": POSITIVE, "negative weights": NEGATIVE, "zero weights": ZERO}


@pytest.fixture(scope="module")
def ancona() -> Network:
    return get_preset("ancona-max").network()


@pytest.fixture(scope="module")
def plane() -> Network:
    return get_preset("plane-2-8-8-1").network()


def _trace(fig, name: str):  # type: ignore[no-untyped-def]
    found = [t for t in fig.data if t.name == name]
    assert len(found) == 1, name
    return found[0]


def _edge_shapes(fig):  # type: ignore[no-untyped-def]
    """The edges: layout shapes, one SVG path per sign and width."""
    return [s for s in fig.layout.shapes if s.name in SIGN_COLOUR]


def _segments(shape) -> list[tuple[float, float, float, float]]:  # type: ignore[no-untyped-def]
    out = []
    for piece in pieces(shape.path):
        assert len(piece) == 2  # one straight line per edge
        out.append((*piece[0], *piece[1]))
    return out


@pytest.mark.parametrize("preset", ["ancona-max", "plane-2-8-8-1", "dtd-mlp", "xor-2-4-1"])
def test_one_node_per_unit_and_one_edge_per_weight(preset: str) -> None:
    net = get_preset(preset).network()
    fig = network_diagram(net)
    units = _trace(fig, "units")
    assert len(units.x) == sum(net.widths)
    # Nodes level by level: level l has widths[l] nodes at x = l.
    xs = np.asarray(units.x)
    for lvl, width in enumerate(net.widths):
        assert int(np.sum(xs == lvl)) == width
    hover = _trace(fig, "weight values")
    n_weights = sum(layer.weight.numel() for layer in net.layers)
    assert len(hover.customdata) == n_weights
    assert sum(len(_segments(t)) for t in _edge_shapes(fig)) == n_weights


def test_hover_values_are_the_exact_weights(plane: Network) -> None:
    fig = network_diagram(plane)
    hover = _trace(fig, "weight values")
    seen = {(int(k), int(i), int(j)): v for k, i, j, v in hover.customdata}
    for k, layer in enumerate(plane.layers):
        for i in range(layer.n_out):
            for j in range(layer.n_in):
                assert seen[(k, i, j)] == layer.weight[i, j].item()
    assert "w = %{customdata[3]" in hover.hovertemplate
    assert all(t.startswith("layer ") and "→" in t for t in hover.text)


def test_edges_are_coloured_by_sign_and_sized_by_magnitude(ancona: Network) -> None:
    fig = network_diagram(ancona)
    levels = node_positions(ancona)
    where = {}  # segment -> (trace name, colour, width)
    for t in _edge_shapes(fig):
        assert t.line.color == SIGN_COLOUR[t.name]
        for seg in _segments(t):
            where[seg] = (t.name, t.line.width)
    widths: dict[float, float] = {}
    for k, layer in enumerate(ancona.layers):
        for i, dst in enumerate(levels[k + 1]):
            for j, src in enumerate(levels[k]):
                w = layer.weight[i, j].item()
                name, width = where[(src.x, src.y, dst.x, dst.y)]
                assert name == ("positive weights" if w > 0 else "negative weights" if w < 0 else "zero weights")
                if w != 0:
                    widths[abs(w)] = width
    # Unit 4's output weight is 0: a dotted grey edge.
    zeros = [t for t in _edge_shapes(fig) if t.name == "zero weights"]
    assert len(zeros) == 1 and zeros[0].line.dash == "dot" and len(_segments(zeros[0])) == 1
    # Larger |w| never gets a thinner line; the largest and smallest differ.
    ordered = [widths[a] for a in sorted(widths)]
    assert ordered == sorted(ordered) and ordered[0] < ordered[-1]
    # One legend entry per sign present.
    legend = [t.name for t in fig.data if t.showlegend is True]
    assert legend == ["positive weights", "negative weights", "zero weights"]
    # Hover marker colours follow the sign too.
    hover = _trace(fig, "weight values")
    scale = dict((round(a * 2) - 1, c) for a, c in hover.marker.colorscale)  # -1, 0, 1 -> colour
    assert (hover.marker.cmin, hover.marker.cmax) == (-1.0, 1.0)
    for (_, _, _, v), s in zip(hover.customdata, hover.marker.color, strict=True):
        assert scale[int(s)] == (POSITIVE if v > 0 else NEGATIVE if v < 0 else ZERO)


def test_units_show_bias_and_activity_at_the_input(ancona: Network) -> None:
    x = (3.0, 7.0)
    fig = network_diagram(ancona, x)
    units = _trace(fig, "units")
    trace = ancona.forward(torch.tensor(x, dtype=torch.float64))
    z_hidden = trace.pre[0].tolist()
    colours = list(units.marker.color)
    assert colours[:2] == [INPUT_NODE, INPUT_NODE]
    # h2 = relu(x1 - x2) = relu(-4) is off; the others are on; the linear output is drawn active.
    assert colours[2:6] == [ACTIVE if z > 0 else INACTIVE for z in z_hidden] == [ACTIVE, INACTIVE, ACTIVE, ACTIVE]
    assert colours[6] == ACTIVE
    assert "value 3" in units.hovertext[0]
    assert "bias 0" in units.hovertext[2] and "z = 1" in units.hovertext[2]
    assert "a = 7" in units.hovertext[6]
    assert list(units.text) == ["x1", "x2", "h1", "h2", "h3", "h4", "y1"]


def test_diagram_changes_when_a_weight_changes(ancona: Network) -> None:
    before = network_diagram(ancona)
    after = network_diagram(ancona.with_value(0, "weight", 0, 0, 0.7))
    b = {tuple(map(int, r[:3])): r[3] for r in _trace(before, "weight values").customdata}
    a = {tuple(map(int, r[:3])): r[3] for r in _trace(after, "weight values").customdata}
    assert b[(0, 0, 0)] == -0.25 and a[(0, 0, 0)] == 0.7
    assert {k for k in a if a[k] != b[k]} == {(0, 0, 0)}


def test_grid_equals_the_forward_pass(plane: Network) -> None:
    grid = output_grid(plane, n=41)
    assert grid.values.shape == (1, 41, 41)
    assert grid.box == DEFAULT_BOX
    assert grid.xs[0] == -3.0 and grid.xs[-1] == 3.0
    gen = torch.Generator().manual_seed(0)
    rows = torch.randint(0, 41, (50,), generator=gen).tolist()
    cols = torch.randint(0, 41, (50,), generator=gen).tolist()
    for r, c in zip(rows, cols, strict=True):
        point = torch.tensor([grid.xs[c], grid.ys[r]], dtype=torch.float64)
        # Equal up to float64 rounding (a batched matmul may sum in another order).
        assert grid.values[0, r, c] == pytest.approx(plane(point).item(), rel=1e-13, abs=1e-13)


def test_ancona_plane_is_max_on_its_box(ancona: Network) -> None:
    assert plane_box(ancona) == ANCONA_BOX
    grid = output_grid(ancona, n=21)
    gx, gy = np.meshgrid(grid.xs, grid.ys)
    np.testing.assert_allclose(grid.values[0], np.maximum(gx, gy), rtol=0, atol=1e-12)


def test_multi_output_grid_and_heatmap() -> None:
    net = from_layers([[[1.0, 0.0], [0.0, -1.0]]], [[0.0, 1.0]], ["linear"])
    grid = output_grid(net, (-1.0, 1.0), n=5)
    assert grid.values.shape == (2, 5, 5)
    np.testing.assert_array_equal(grid.values[0], np.tile(grid.xs, (5, 1)))
    np.testing.assert_array_equal(grid.values[1], 1.0 - np.tile(grid.ys[:, None], (1, 5)))
    fig = plane_heatmap(grid, 1)
    np.testing.assert_array_equal(np.asarray(fig.data[0].z), grid.values[1])
    with pytest.raises(LRPError, match=r"choose 0\.\.1"):
        plane_heatmap(grid, 2)


def test_heatmap_shows_values_zero_line_and_point() -> None:
    xor = get_preset("xor-2-4-1").network()
    grid = output_grid(xor, n=31)
    fig = plane_heatmap(grid, 0, (1.0, -1.5))
    heat = _trace(fig, "output")
    np.testing.assert_array_equal(np.asarray(heat.z), grid.values[0])
    assert heat.zmid == 0.0
    # xor-2-4-1 is positive exactly where x1·x2 < 0.
    gx, gy = np.meshgrid(grid.xs, grid.ys)
    off_axes = (np.abs(gx) > 1e-9) & (np.abs(gy) > 1e-9)  # linspace's "0" may be ±1e-16
    assert np.array_equal((grid.values[0] > 0)[off_axes], (gx * gy < 0)[off_axes])
    np.testing.assert_allclose(grid.values[0], np.abs(gx - gy) - np.abs(gx + gy), rtol=0, atol=1e-12)
    assert _trace(fig, "f = 0").contours.start == 0.0
    point = _trace(fig, "current input")
    assert list(point.x) == [1.0] and list(point.y) == [-1.5]
    # An output without a sign change has no zero line.
    ancona = get_preset("ancona-max").network()
    flat = plane_heatmap(output_grid(ancona, (1.0, 2.0), n=5))
    assert not [t for t in flat.data if t.name == "f = 0"]


def test_grid_refuses_bad_requests() -> None:
    dtd = get_preset("dtd-mlp").network()
    with pytest.raises(LRPError, match="needs a network with 2 inputs; this one has 10"):
        output_grid(dtd)
    xor = get_preset("xor-2-4-1").network()
    for n in (1, 10_000, True, 2.5):
        with pytest.raises(LRPError, match="grid size"):
            output_grid(xor, n=n)  # type: ignore[arg-type]
    for box in ((1.0, 1.0), (2.0, -2.0), (float("nan"), 1.0), (0.0, float("inf"))):
        with pytest.raises(LRPError, match="lo < hi"):
            output_grid(xor, box)
