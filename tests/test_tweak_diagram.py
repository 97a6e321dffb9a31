"""The clickable network diagram of the tweak control (figures/diagram.py, pure)."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import pytest
import torch

from lrp_core.presets import get_preset
from lrp_core.viewstate import Target
from lrp_explorer.figures.diagram import (
    clicked_target,
    live_diagram,
    target_label,
    targets_of_layer,
    thumbnails,
    value_of,
)
from tests.svg import pieces


@pytest.fixture
def net():  # type: ignore[no-untyped-def]
    return get_preset("ancona-max").network()


def _trace(fig: go.Figure, name: str) -> go.BaseTraceType:
    (t,) = [t for t in fig.data if t.name == name]
    return t


def test_every_weight_and_bias_is_a_clickable_point(net) -> None:  # type: ignore[no-untyped-def]
    fig = live_diagram(net, (1.0, 2.0))
    weights = _trace(fig, "weights")
    texts = [d[0] for d in weights.customdata]
    assert len(texts) == sum(layer.weight.numel() for layer in net.layers)
    assert set(texts) == {t.text for k in range(len(net.layers)) for t in targets_of_layer(net, k)
                          if t.kind == "weight"}
    # each marker's hover names the value it sets
    i = texts.index("L1.w0.3")
    assert f"w = {float(net.layers[1].weight[0, 3]):.6g}" in weights.hovertext[i]
    units = _trace(fig, "units")
    biases = [d[0] for d in units.customdata]
    assert biases[:2] == ["", ""]  # the inputs have no bias
    assert biases[2:] == [f"L0.b{i}" for i in range(4)] + ["L1.b0"]


def test_hover_shows_pre_activation_and_activation_at_x(net) -> None:  # type: ignore[no-untyped-def]
    x = (3.0, 7.5)
    trace = net.forward(torch.tensor(x, dtype=torch.float64))
    units = _trace(live_diagram(net, x), "units")
    for i in range(4):
        text = units.hovertext[2 + i]
        assert f"pre-activation z = {float(trace.pre[0][i]):.6g}" in text
        assert f"activation a = {float(trace.post[0][i]):.6g}" in text
    assert "x = 7.5" in units.hovertext[1]


def test_thumbnails_are_the_hidden_activations_over_the_plane(net) -> None:  # type: ignore[no-untyped-def]
    th = thumbnails(net, (0.0, 10.0), n=5)
    assert th is not None and len(th.values) == 1 and th.values[0].shape == (4, 5, 5)
    # row = x2, column = x1: compare one cell with a forward pass
    x1, x2 = th.axis[3], th.axis[1]
    a = net.forward(torch.tensor([x1, x2], dtype=torch.float64)).post[0]
    assert th.values[0][:, 1, 3] == pytest.approx(a.numpy())
    fig = live_diagram(net, (1.0, 2.0), thumbs=th)
    heat = [t for t in fig.data if isinstance(t, go.Heatmap)]
    assert [t.name for t in heat] == ["unit activations"]
    z = np.asarray(heat[0].z, dtype=float)
    units = _trace(fig, "units")
    for i in range(4):  # unit h(i+1)'s block sits at its node and holds its activations scaled by max |a|
        img = th.values[0][i]
        rows = [r for r, y in enumerate(heat[0].y) if abs(y - units.y[2 + i]) < 0.5]
        cols = [c for c, x in enumerate(heat[0].x) if abs(x - units.x[2 + i]) < 0.5]
        block = z[np.ix_(rows, cols)]
        assert block[1:-1, 1:-1] == pytest.approx(img / np.abs(img).max())
        assert np.isnan(block[0]).all() and np.isnan(block[:, -1]).all()  # empty cells around it
    assert list(heat[0].x) == sorted(heat[0].x) and list(heat[0].y) == sorted(heat[0].y)
    # units stay clickable on top of the thumbnails
    assert list(fig.data).index(_trace(fig, "units")) > list(fig.data).index(heat[-1])


def test_thumbnails_follow_a_tweak(net) -> None:  # type: ignore[no-untyped-def]
    before = thumbnails(net, (0.0, 10.0), n=5)
    after = thumbnails(net.with_value(0, "bias", 0, None, 5.0), (0.0, 10.0), n=5)
    assert before is not None and after is not None
    assert not (before.values[0][0] == after.values[0][0]).all()
    assert (before.values[0][1] == after.values[0][1]).all()


def test_thumbnails_of_layers_of_different_widths() -> None:
    from lrp_core.network import from_layers

    net = from_layers([[[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]], [[1.0, -1.0, 1.0], [0.5, 0.5, 0.5]], [[1.0, 1.0]]],
                      [[0.0, 0.0, -1.0], [0.0, 0.0], [0.0]], activations=["relu", "relu", "linear"])
    fig = live_diagram(net, thumbs=thumbnails(net, (-1.0, 1.0), n=4))
    heat = [t for t in fig.data if isinstance(t, go.Heatmap)]
    assert len(heat) == 2  # one per distinct width, each with monotonic axes
    for h in heat:
        assert list(h.x) == sorted(h.x) and list(h.y) == sorted(h.y)


def test_no_thumbnails_without_two_inputs() -> None:
    assert thumbnails(get_preset("dtd-mlp").network(), (-3.0, 3.0)) is None


def test_picked_target_is_marked(net) -> None:  # type: ignore[no-untyped-def]
    assert "picked parameter" not in [t.name for t in live_diagram(net).data]
    fig = live_diagram(net, picked="L0.b2")
    picked = _trace(fig, "picked parameter")
    units = _trace(fig, "units")
    assert (picked.x[0], picked.y[0]) == (units.x[4], units.y[4])


def test_legend_names_the_weight_signs(net) -> None:  # type: ignore[no-untyped-def]
    fig = live_diagram(net.with_value(1, "weight", 0, 0, -1.0))
    shown = {t.name for t in fig.data if t.showlegend}
    assert {"positive weights", "negative weights", "zero weights"} <= shown


def _segments(path: str) -> list[tuple[float, ...]]:
    """The straight pieces of an SVG path, as (x0, y0, x1, y1)."""
    out = []
    for piece in pieces(path):
        assert len(piece) == 2
        out.append((*piece[0], *piece[1]))
    return out


@pytest.mark.parametrize("preset", ["ancona-max", "plane-2-8-8-1", "dtd-mlp"])
def test_every_weight_is_an_edge_of_its_sign_and_size(preset: str) -> None:
    """The edges are layout shapes, one path per sign and width: every weight is one straight piece
    from its source unit to its target unit, in its sign's colour, thick above half the largest |w|."""
    from lrp_explorer.figures.network import NEGATIVE, POSITIVE, ZERO, node_positions

    network = get_preset(preset).network()
    network = network.with_value(0, "weight", 0, 0, 0.0)  # a zero weight too
    fig = live_diagram(network)
    levels = node_positions(network)
    drawn: dict[tuple[float, ...], tuple[str, float]] = {}
    for shape in fig.layout.shapes:
        for seg in _segments(shape.path):
            assert seg not in drawn
            drawn[seg] = (shape.line.color, shape.line.width)
    wmax = max(float(layer.weight.abs().max()) for layer in network.layers)
    n = 0
    for k, layer in enumerate(network.layers):
        for i, dst in enumerate(levels[k + 1]):
            for j, src in enumerate(levels[k]):
                w = float(layer.weight[i, j])
                colour, width = drawn[(src.x, src.y, dst.x, dst.y)]
                assert colour == (POSITIVE if w > 0 else NEGATIVE if w < 0 else ZERO)
                assert width == (3.5 if abs(w) > 0.5 * wmax else 1.0)
                n += 1
    assert len(drawn) == n == sum(layer.weight.numel() for layer in network.layers)
    assert len(fig.layout.shapes) <= 6  # at most one path per sign and width


def test_the_legend_fits_its_margin(net) -> None:  # type: ignore[no-untyped-def]
    """Two legend entries a row: the top margin grows with the rows (a legend that did not fit
    would make Plotly widen the margin and draw the chart a second time)."""
    from lrp_core.network import from_layers
    from lrp_explorer.figures.diagram import legend_margin

    one = live_diagram(from_layers([[[1.0, 2.0]], [[3.0]]], [[0.0], [0.0]]))  # positive weights only
    assert [t.name for t in one.data if t.showlegend] == ["positive weights"]
    assert one.layout.margin.t == legend_margin(1) < legend_margin(3)
    four = live_diagram(net, picked="L0.b0")  # ancona-max: +, −, 0 and the picked parameter
    assert four.layout.margin.t == legend_margin(4) == legend_margin(3)


@pytest.mark.parametrize("event, expected", [
    ({"selection": {"points": [{"customdata": ["L1.w0.3"], "curve_number": 5}]}}, "L1.w0.3"),
    ({"selection": {"points": [{"customdata": [""]}, {"customdata": ["L0.b1"]}]}}, "L0.b1"),
    ({"selection": {"points": [{"customdata": "L0.b1"}]}}, "L0.b1"),
    ({"selection": {"points": [{"x": 1, "y": 2}]}}, None),
    ({"selection": {"points": []}}, None),
    ({"selection": {"points": [{"customdata": ["zz"]}]}}, None),
    (None, None),
    ({}, None),
])
def test_clicked_target(event: object, expected: str | None) -> None:
    assert clicked_target(event) == expected


def test_labels_and_values(net) -> None:  # type: ignore[no-untyped-def]
    assert target_label(net, Target.parse("L0.w2.1")) == "layer 0: x2 → h3"
    assert target_label(net, Target.parse("L1.b0")) == "layer 1: bias of y1"
    assert value_of(net, Target.parse("L1.w0.3")) == float(net.layers[1].weight[0, 3])
    assert value_of(net, Target.parse("L0.b2")) == float(net.layers[0].bias[2])
    assert len(targets_of_layer(net, 0)) == 8 + 4


def test_many_weights_are_picked_from_the_data_not_drawn() -> None:
    from lrp_core.presets import get_preset
    from lrp_explorer.figures.diagram import DRAWN_WEIGHTS

    small = _trace(live_diagram(get_preset("plane-2-8-8-1").network()), "weights")
    assert len(small.customdata) <= DRAWN_WEIGHTS and small.marker.maxdisplayed is None  # every marker drawn
    big = _trace(live_diagram(get_preset("dtd-mlp").network()), "weights")
    assert len(big.customdata) == 420 > DRAWN_WEIGHTS
    assert big.marker.maxdisplayed == 1 and big.marker.opacity == 0.0  # hidden, still hovered and clicked
    assert big.hovertext[0].startswith("layer 0: x1 → h1") and big.customdata[0][0] == "L0.w0.0"


def test_every_weight_marker_has_a_place_of_its_own() -> None:
    """Half-way along the edges, dtd-mlp's markers coincide in groups (a click picked one of several
    weights); at ALONG of the way each weight has its own spot."""
    from lrp_core.presets import get_preset

    for name in ("dtd-mlp", "plane-2-8-8-1", "ancona-max"):
        w = _trace(live_diagram(get_preset(name).network()), "weights")
        spots = {(round(float(x), 9), round(float(y), 9)) for x, y in zip(w.x, w.y, strict=True)}
        assert len(spots) == len(w.x), name
