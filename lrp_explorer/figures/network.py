"""The network diagram and the output-over-the-plane heatmap (pure figure builders).

- :func:`network_diagram`: one node per unit, level by level (inputs, hidden
  layers, outputs); one edge per weight, coloured by sign (red positive, blue
  negative, dotted grey zero) and as thick as ``|w|`` relative to the largest
  weight; hovering a small marker on an edge shows its exact value, and
  hovering a unit shows its bias (and, given an input, its pre-activation and
  activation there).
- :func:`output_grid` evaluates a 2-input network on a square grid with one
  batched forward pass (float64); :func:`plane_heatmap` draws it with the
  zero level set and the current input.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import plotly.graph_objects as go
import torch

from lrp_core.errors import LRPError
from lrp_core.network import Network
from lrp_explorer.figures.fit import COLOUR_BAR, legend_height
from lrp_explorer.figures.paths import legend_line, path_shape

POSITIVE = "#d62728"
NEGATIVE = "#1f77b4"
ZERO = "#b0b0b0"
EDGE_COLOURS = {"positive": POSITIVE, "negative": NEGATIVE, "zero": ZERO}  # an edge's colour by sign, legend order
ACTIVE = "#ff9f1c"
INACTIVE = "#e6e6e6"
INPUT_NODE = "#9aa5b1"
WIDTH_BUCKETS = 6
MIN_WIDTH = 0.6
MAX_WIDTH = 7.0
HOVER_AT = 0.42  # where on an edge (0 = source, 1 = target) its hover marker sits
MAX_GRID = 401
DEFAULT_GRID = 161
ANCONA_BOX = (0.0, 10.0)
DEFAULT_BOX = (-3.0, 3.0)
LABELS_UP_TO = 16  # units per level up to which nodes carry their name


@dataclass(frozen=True)
class Node:
    level: int  # 0 = inputs, k + 1 = output of layers[k]
    index: int
    name: str
    x: float
    y: float


def level_names(net: Network) -> list[str]:
    """``inputs``, ``hidden 0``, …, ``output``: one title per level."""
    hidden = [f"hidden {k}" for k in range(len(net.layers) - 1)]
    return ["inputs", *hidden, "output"]


def node_positions(net: Network) -> list[list[Node]]:
    """Nodes level by level: level ``l`` at x = l, its units centred on y = 0, top to bottom."""
    levels: list[list[Node]] = []
    for lvl, width in enumerate(net.widths):
        if lvl == 0:
            prefix = "x"
        elif lvl == len(net.widths) - 1:
            prefix = "y"
        else:
            prefix = "h"
        levels.append(
            [Node(lvl, i, f"{prefix}{i + 1}", float(lvl), (width - 1) / 2.0 - i) for i in range(width)]
        )
    return levels


def _width_of(absw: float, wmax: float) -> float:
    """Line width for ``|w|``: bucketed into ``WIDTH_BUCKETS`` steps of ``|w| / max|w|``."""
    if wmax <= 0.0:
        return MIN_WIDTH
    b = min(WIDTH_BUCKETS - 1, int(absw / wmax * WIDTH_BUCKETS))
    return MIN_WIDTH + (MAX_WIDTH - MIN_WIDTH) * (b + 1) / WIDTH_BUCKETS


def network_diagram(net: Network, x: Sequence[float] | None = None, *, height: int | None = None) -> go.Figure:
    """A Plotly diagram of ``net``: nodes per layer, edges coloured by sign and sized by ``|w|``.

    The edges are layout shapes, one SVG path per sign and width bucket (named ``positive
    weights``, ``negative weights``, ``zero weights``). Trace layout (stable, relied on by
    tests): one legend entry per sign present (the same names, ``showlegend`` set), then
    ``weight values`` (hover markers; ``customdata`` rows are ``[layer, unit, input, value]``),
    then ``units`` (one marker per unit, inputs first; ``customdata`` rows ``[level, index]``)."""
    levels = node_positions(net)
    fig = go.Figure()
    groups, hover = _edges_by_sign(net, levels)
    shapes, legend = _edge_shapes(groups)
    for entry in legend:
        fig.add_trace(go.Scatter(entry))
    fig.add_trace(_weight_markers(hover))
    fig.add_trace(_unit_trace(net, levels, x))
    top = max(net.widths) / 2.0
    for lvl, title in enumerate(level_names(net)):
        fig.add_annotation(x=lvl, y=top + 0.1, text=title, showarrow=False, yanchor="bottom")
    fig.update_layout(
        height=height or int(min(900, max(320, 60 * max(net.widths) + 120))),
        # room for the legend below, one entry a row in the editor's narrow column (figures.fit)
        margin={"l": 10, "r": 10, "t": 30, "b": 20 + legend_height(len(legend), 1, row=27)},
        xaxis={"visible": False, "range": [-0.4, len(net.widths) - 0.6]},
        yaxis={"visible": False, "range": [-top - 0.2, top + 0.6]},
        plot_bgcolor="rgba(0,0,0,0)", shapes=shapes,
        legend={"orientation": "h", "yanchor": "top", "y": -0.02, "x": 0},
        hovermode="closest",
    )
    return fig


Segment = tuple[float, float, float, float]


def _edges_by_sign(net: Network, levels: list[list[Node]]) -> tuple[dict[tuple[str, float], list[Segment]],
                                                                    dict[str, list[Any]]]:
    """Every edge's segment, grouped by (sign, width bucket), and its hover marker's data."""
    wmax = max(float(layer.weight.abs().max()) for layer in net.layers)
    groups: dict[tuple[str, float], list[Segment]] = {}
    hover: dict[str, list[Any]] = {"x": [], "y": [], "data": [], "text": [], "sign": []}
    for k, layer in enumerate(net.layers):
        w = layer.weight.tolist()
        for i, dst in enumerate(levels[k + 1]):
            for j, src in enumerate(levels[k]):
                v = float(w[i][j])
                sign = "positive" if v > 0 else "negative" if v < 0 else "zero"
                width = _width_of(abs(v), wmax) if v != 0 else 1.0
                groups.setdefault((sign, width), []).append((src.x, src.y, dst.x, dst.y))
                hover["x"].append(src.x + HOVER_AT * (dst.x - src.x))
                hover["y"].append(src.y + HOVER_AT * (dst.y - src.y))
                hover["data"].append([k, i, j, v])
                hover["text"].append(f"layer {k}: {src.name} → {dst.name}")
                hover["sign"].append(1.0 if v > 0 else -1.0 if v < 0 else 0.0)  # the marker's colour
    return groups, hover


def _edge_shapes(groups: dict[tuple[str, float], list[Segment]]) -> tuple[list[dict[str, Any]],
                                                                       list[dict[str, Any]]]:
    """One path shape per sign and width (:mod:`lrp_explorer.figures.paths`), then a legend entry
    of fixed width per sign present."""
    shapes, legend = [], []
    for sign, colour in EDGE_COLOURS.items():
        dash = "dot" if sign == "zero" else "solid"
        for (s, width), segs in sorted(groups.items(), key=lambda item: item[0][1]):
            if s == sign:
                xs = [v for a in segs for v in (a[0], a[2], None)]
                ys = [v for a in segs for v in (a[1], a[3], None)]
                line = {"color": colour, "width": width, "dash": dash}
                shapes.append({**path_shape(xs, ys, line, name=f"{sign} weights", layer="below"), "opacity": 0.75})
        if any(s == sign for s, _ in groups):
            legend.append(legend_line(f"{sign} weights", {"color": colour, "width": 3, "dash": dash},
                                      legendgroup=sign))
    return shapes, legend


def _weight_markers(hover: dict[str, list[Any]]) -> go.Scatter:
    """The hover markers in the middle of the edges (``weight values``)."""
    return go.Scatter(
        x=np.asarray(hover["x"]), y=np.asarray(hover["y"]), mode="markers",
        marker={"size": 9, "color": np.asarray(hover["sign"], dtype=np.float64),
                "colorscale": [[0.0, NEGATIVE], [0.5, ZERO], [1.0, POSITIVE]], "cmin": -1.0, "cmax": 1.0,
                "opacity": 0.35, "line": {"width": 0}},
        name="weight values",
        # Object arrays: plotly validates them in one step and writes them as plain JSON lists.
        customdata=np.array(hover["data"], dtype=object), text=np.array(hover["text"], dtype=object),
        hovertemplate="%{text}<br>w = %{customdata[3]:.6g}<extra></extra>", showlegend=False)


def _unit_hover(net: Network, lvl: int, node: Node, x: Sequence[float] | None, trace_vals: Any) -> tuple[str, str]:
    """A unit's colour (active or not at x) and its hover text."""
    if lvl == 0:
        hover = f"input {node.name}" + (f"<br>value {float(x[node.index]):.6g}" if x is not None else "")
        return INPUT_NODE, hover
    layer = net.layers[lvl - 1]
    hover = f"{node.name} (layer {lvl - 1}, {layer.activation})<br>bias {float(layer.bias[node.index]):.6g}"
    colour = ACTIVE
    if trace_vals is not None:
        z = float(trace_vals.pre[lvl - 1][node.index])
        hover += f"<br>z = {z:.6g}<br>a = {float(trace_vals.post[lvl - 1][node.index]):.6g}"
        if layer.is_relu and z <= 0:
            colour = INACTIVE
    return colour, hover


def _unit_trace(net: Network, levels: list[list[Node]], x: Sequence[float] | None) -> go.Scatter:
    """One marker per unit (``units``), inputs first, orange where active at ``x``."""
    trace_vals = net.forward(torch.as_tensor(list(x), dtype=torch.float64)) if x is not None else None
    nodes = [(lvl, node, len(level)) for lvl, level in enumerate(levels) for node in level]
    looks = [_unit_hover(net, lvl, node, x, trace_vals) for lvl, node, _ in nodes]
    return go.Scatter(
        x=[node.x for _, node, _ in nodes], y=[node.y for _, node, _ in nodes], mode="markers+text",
        marker={"size": 26, "color": [c for c, _ in looks], "line": {"color": "#333333", "width": 1.2}},
        text=[node.name if width <= LABELS_UP_TO else "" for _, node, width in nodes],
        textfont={"size": 11, "color": "#222222"}, textposition="middle center",
        hovertext=[h for _, h in looks], hoverinfo="text",
        customdata=[[lvl, node.index] for lvl, node, _ in nodes], name="units", showlegend=False)


# --- the output over the input plane -----------------------------------------


@dataclass(frozen=True)
class PlaneGrid:
    """A network's outputs on an ``n × n`` grid of the square ``[lo, hi]²``.

    ``values[o, r, c]`` is output ``o`` at ``(x1, x2) = (xs[c], ys[r])``."""

    xs: np.ndarray
    ys: np.ndarray
    values: np.ndarray
    box: tuple[float, float]


def plane_box(net: Network) -> tuple[float, float]:
    """The default square: ``[0, 10]²`` for ``ancona-max`` (its data's domain), else ``[-3, 3]²``."""
    return ANCONA_BOX if net.name == "ancona-max" else DEFAULT_BOX


def output_grid(net: Network, box: tuple[float, float] | None = None, n: int = DEFAULT_GRID) -> PlaneGrid:
    """Evaluate a 2-input ``net`` on an ``n × n`` grid with one batched float64 forward pass."""
    if net.n_inputs != 2:
        raise LRPError(f"the plane view needs a network with 2 inputs; this one has {net.n_inputs}")
    if isinstance(n, bool) or not isinstance(n, int) or not 2 <= n <= MAX_GRID:
        raise LRPError(f"the grid size must be a whole number from 2 to {MAX_GRID}, not {n!r}")
    lo, hi = box if box is not None else plane_box(net)
    if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi):
        raise LRPError(f"the plane's range must be two finite numbers with lo < hi, not {lo!r}..{hi!r}")
    axis = torch.linspace(float(lo), float(hi), n, dtype=torch.float64)
    gy, gx = torch.meshgrid(axis, axis, indexing="ij")
    points = torch.stack([gx.reshape(-1), gy.reshape(-1)], dim=1)
    out = net(points)  # (n*n, n_outputs)
    values = out.T.reshape(net.n_outputs, n, n).numpy().copy()
    return PlaneGrid(axis.numpy().copy(), axis.numpy().copy(), values, (float(lo), float(hi)))


def plane_heatmap(
    grid: PlaneGrid,
    output: int = 0,
    point: Sequence[float] | None = None,
    *,
    title: str | None = None,
    height: int = 460,
) -> go.Figure:
    """Heatmap of output ``output`` over the plane (diverging colours, white at 0),
    with the zero level as a black line and ``point`` as a marker."""
    if not 0 <= output < grid.values.shape[0]:
        raise LRPError(f"output {output} does not exist; choose 0..{grid.values.shape[0] - 1}")
    z = grid.values[output]
    zmax = float(np.max(np.abs(z))) or 1.0
    fig = go.Figure()
    fig.add_trace(
        go.Heatmap(
            x=grid.xs,
            y=grid.ys,
            z=z,
            zmid=0.0,
            zmin=-zmax,
            zmax=zmax,
            colorscale="RdBu_r",
            colorbar={"title": {"text": f"y{output + 1}"}},
            name="output",
            hovertemplate="x1 = %{x:.4g}<br>x2 = %{y:.4g}<br>f = %{z:.6g}<extra></extra>",
        )
    )
    if float(z.min()) < 0.0 < float(z.max()):
        fig.add_trace(go.Contour(
            x=grid.xs, y=grid.ys, z=z, contours={"start": 0.0, "end": 0.0, "size": 1.0, "coloring": "lines"},
            line={"color": "black", "width": 1.5}, showscale=False, name="f = 0", hoverinfo="skip"))
    if point is not None:
        fig.add_trace(go.Scatter(
            x=[float(point[0])], y=[float(point[1])], mode="markers", name="current input",
            marker={"symbol": "x", "size": 12, "color": "black", "line": {"width": 2, "color": "white"}},
            hovertemplate="current input<br>x1 = %{x:.4g}<br>x2 = %{y:.4g}<extra></extra>"))
    lo, hi = grid.box
    fig.update_layout(
        title=title,
        height=height,
        margin={"l": 76, "r": COLOUR_BAR + 4, "t": 40 if title else 22, "b": 76},  # axes, colour bar (figures.fit)
        xaxis={"title": {"text": "x1"}, "range": [lo, hi]},
        yaxis={"title": {"text": "x2"}, "range": [lo, hi]},
        showlegend=False,
    )
    return fig
