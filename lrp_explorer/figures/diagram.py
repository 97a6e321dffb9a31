"""A compact, clickable network diagram for the tweak control (pure figure builders).

Every weight has a marker on its edge (at :data:`ALONG` of the way) and every unit a node
marker; their ``customdata`` is the parameter's target text
(:class:`lrp_core.viewstate.Target`, e.g. ``L0.w1.0`` or ``L0.b1``), so
``st.plotly_chart(fig, on_select="rerun")`` tells which was clicked
(:func:`clicked_target`). For a 2-input network each hidden unit carries a
thumbnail of its activation over the input plane (a small heatmap at the
node, as in TensorFlow Playground); hovering a unit shows its bias, and its
pre-activation and activation at the current input.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import plotly.graph_objects as go
import torch

from lrp_core.errors import LRPError
from lrp_core.network import Network
from lrp_core.viewstate import Target
from lrp_explorer.figures.fit import legend_height
from lrp_explorer.figures.network import ACTIVE, EDGE_COLOURS, NEGATIVE, POSITIVE, ZERO, node_positions
from lrp_explorer.figures.paths import legend_line, path_shape

THUMB = 21  # grid points per side of a thumbnail
THUMB_W = 0.34  # half-width of a thumbnail in level units (levels are 1 apart)
THUMB_H = 0.38  # half-height in unit rows (units are 1 apart)
PICKED = "#111111"
#: where a weight's marker sits along its edge (from its source unit). Not half-way: the midpoints of
#: h_a → h_b and h_c → h_d coincide whenever a + b = c + d, so a click in a dense layer would pick
#: one of several weights; at 0.35 two markers meet only if 13·(a − c) = 7·(d − b) (none below 14 units)
ALONG = 0.35
DRAWN_WEIGHTS = 120  # weight markers drawn up to this many weights (plane-2-8-8-1 has 88, dtd-mlp 420)
ACT_SCALE = [[0.0, NEGATIVE], [0.5, "#ffffff"], [1.0, ACTIVE]]
SIGN_SCALE = [[0.0, NEGATIVE], [0.5, ZERO], [1.0, POSITIVE]]  # a weight's sign, -1, 0, 1


@dataclass(frozen=True)
class Thumbnails:
    """Activations of every hidden unit over a square box of the input plane."""

    box: tuple[float, float]
    axis: np.ndarray  # (n,)
    values: tuple[np.ndarray, ...]  # per hidden layer: (units, n, n), row = x2, column = x1


def thumbnails(net: Network, box: tuple[float, float], n: int = THUMB) -> Thumbnails | None:
    """The hidden units' activations on an ``n × n`` grid of ``box``² (one batched
    float64 forward pass in NumPy, cheaper than torch at this size); ``None``
    unless the network has 2 inputs and a hidden layer."""
    if net.n_inputs != 2 or net.n_hidden_layers == 0:
        return None
    lo, hi = float(box[0]), float(box[1])
    axis = np.linspace(lo, hi, n)
    gx, gy = np.meshgrid(axis, axis)  # row = x2, column = x1
    a = np.stack([gx.reshape(-1), gy.reshape(-1)], axis=1)
    values = []
    for layer, (w, b) in zip(net.layers[:-1], net.arrays, strict=False):
        z = a @ w.T + b
        a = np.maximum(z, 0.0) if layer.is_relu else z
        values.append(a.T.reshape(-1, n, n).copy())
    return Thumbnails((lo, hi), axis, tuple(values))


def target_label(net: Network, target: Target, levels: list[list[Any]] | None = None) -> str:
    """``layer 0: x1 → h2`` for a weight, ``layer 0: bias of h2`` for a bias (``levels``: the
    network's :func:`node_positions`, when the caller has them)."""
    levels = levels if levels is not None else node_positions(net)
    dst = levels[target.layer + 1][target.row].name
    if target.kind == "bias":
        return f"layer {target.layer}: bias of {dst}"
    src = levels[target.layer][target.col or 0].name
    return f"layer {target.layer}: {src} → {dst}"


def targets_of_layer(net: Network, k: int) -> list[Target]:
    """Every weight of layer ``k`` (row by row), then its biases."""
    layer = net.layers[k]
    weights = [Target(k, "weight", i, j) for i in range(layer.n_out) for j in range(layer.n_in)]
    return weights + [Target(k, "bias", i) for i in range(layer.n_out)]


def value_of(net: Network, target: Target) -> float:
    layer = net.layers[target.layer]
    if target.kind == "bias":
        return float(layer.bias[target.row])
    return float(layer.weight[target.row, target.col])


def clicked_target(event: Any) -> str | None:
    """The target text of the first clicked edge or node in a ``plotly_chart``
    selection event (a dict-like ``{"selection": {"points": [...]}}``), or ``None``."""
    try:
        points = event["selection"]["points"]
    except (KeyError, TypeError):
        return None
    for p in points or []:
        data = p.get("customdata") if isinstance(p, Mapping) else None
        text = data[0] if isinstance(data, list | tuple) and data else data
        if isinstance(text, str):
            try:
                return Target.parse(text).text
            except LRPError:  # a point of another trace: not a target
                continue
    return None


def live_diagram(
    net: Network,
    x: Sequence[float] | None = None,
    *,
    picked: str | None = None,
    thumbs: Thumbnails | None = None,
    height: int = 300,
    font_size: int = 12,
) -> go.Figure:
    """The clickable diagram: the edges are layout shapes. Traces (stable, relied on by tests): the edges'
    legend entries (``positive weights``, ``negative weights``, ``zero weights``), thumbnails
    (one ``go.Heatmap`` named ``unit activations``, each unit's block scaled to ±1), then
    ``weights`` (click markers, customdata ``[target]``), ``units`` (customdata
    ``[target of the bias]``, ``""`` for inputs), and ``picked`` if a target is picked."""
    levels = node_positions(net)
    # Traces as dicts and the layout in one constructor: plotly validates each part once
    # (adding traces and updating the layout afterwards costs about four times as much).
    shapes, traces = _edges(net, levels)
    entries = len(traces) + (picked is not None)  # the legend: edge signs and the picked parameter
    annotations = []
    if thumbs is not None:
        traces += _thumbnails(levels, thumbs)
        lo, hi = thumbs.box
        annotations.append(dict(
            text=f"thumbnails: activation over [{lo:g}, {hi:g}]² (orange > 0, white = 0)",
            xref="paper", yref="paper", x=0.0, y=0.0, xanchor="left", yanchor="bottom", showarrow=False,
            font=dict(size=10, color="#555555")))
    traces += [_weight_markers(net, levels), _units(net, levels, x, thumbs is not None)]
    if picked is not None:
        traces.append(_picked(levels, Target.parse(picked)))
    rows = max(net.widths)
    layout = dict(
        height=height, margin=dict(l=4, r=4, t=legend_margin(entries), b=4), font=dict(size=font_size),
        plot_bgcolor="white", clickmode="event+select", dragmode=False, annotations=annotations,
        shapes=shapes,
        legend=dict(orientation="h", yanchor="bottom", y=1.0, x=0.0, font=dict(size=font_size - 1)),
        xaxis=dict(visible=False, range=[-0.5, len(levels) - 0.5], fixedrange=True),
        yaxis=dict(visible=False, range=[-(rows / 2.0), rows / 2.0], fixedrange=True),
    )
    return go.Figure(data=traces, layout=layout)


def legend_margin(entries: int, per_row: int = 2) -> int:
    """The top margin that holds the legend, two entries a row in the side panel (see
    :mod:`lrp_explorer.figures.fit`)."""
    return 24 + legend_height(max(entries, 1), per_row)


def _edges(net: Network, levels: list[list[Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The edges as layout shapes, one SVG path per sign and width (:mod:`lrp_explorer.figures.paths`),
    and a legend entry per sign."""
    wmax = max(float(layer.weight.abs().max()) for layer in net.layers) or 1.0
    groups: dict[tuple[str, int], tuple[list[float | None], list[float | None]]] = {}
    for k, layer in enumerate(net.layers):
        w = layer.weight.tolist()
        for i, dst in enumerate(levels[k + 1]):
            for j, src in enumerate(levels[k]):
                v = float(w[i][j])
                sign = "positive" if v > 0 else "negative" if v < 0 else "zero"
                xs, ys = groups.setdefault((sign, 1 if abs(v) > 0.5 * wmax else 0), ([], []))
                xs.extend([src.x, dst.x, None])
                ys.extend([src.y, dst.y, None])
    shapes = [path_shape(xs, ys, _edge_line(sign, 1.0 + 2.5 * bucket), name=f"{sign} weights", layer="below")
              for (sign, bucket), (xs, ys) in sorted(groups.items())]
    legend = [legend_line(f"{sign} weights", _edge_line(sign, 1.5)) for sign in EDGE_COLOURS
              if any(s == sign for s, _ in groups)]
    return shapes, legend


def _edge_line(sign: str, width: float) -> dict[str, Any]:
    return dict(color=EDGE_COLOURS[sign], width=width, dash="dot" if sign == "zero" else None)


def _weight_markers(net: Network, levels: list[list[Any]]) -> dict[str, Any]:
    xs, ys, data, text, sign = [], [], [], [], []
    for k, layer in enumerate(net.layers):
        w = layer.weight.tolist()
        for i, dst in enumerate(levels[k + 1]):
            for j, src in enumerate(levels[k]):
                v = float(w[i][j])
                xs.append(src.x + ALONG * (dst.x - src.x))
                ys.append(src.y + ALONG * (dst.y - src.y))
                data.append([Target(k, "weight", i, j).text])
                text.append(f"layer {k}: {src.name} → {dst.name}<br>w = {v:.6g}<br>(click to tweak)")
                sign.append(1.0 if v > 0 else -1.0 if v < 0 else 0.0)
    # Arrays and a sign coded on a three-colour scale: plotly checks a list of colour strings
    # one by one (about 3 ms per 400 markers), numbers and arrays in one step.
    return dict(
        type="scatter", x=np.asarray(xs), y=np.asarray(ys), mode="markers", name="weights",
        customdata=data, hovertext=text, hoverinfo="text",
        showlegend=False, marker=dict(size=8, color=np.asarray(sign), cmin=-1.0, cmax=1.0, colorscale=SIGN_SCALE,
                                      line=dict(color="white", width=1), **_hidden_if_many(len(xs))),
    )


def _hidden_if_many(n: int) -> dict[str, Any]:
    """Above :data:`DRAWN_WEIGHTS` weights the markers are not drawn: the edges show each weight's
    sign and size, and Plotly still finds the hovered or clicked weight from the data (redrawing
    420 markers on every tweak cost Chromium about 50 ms on dtd-mlp)."""
    return {"opacity": 0.0, "maxdisplayed": 1} if n > DRAWN_WEIGHTS else {}


def _units(net: Network, levels: list[list[Any]], x: Sequence[float] | None, thumbs: bool) -> dict[str, Any]:
    trace = net.forward(torch.as_tensor([float(v) for v in x], dtype=torch.float64)) if x is not None else None
    xs, ys, data, text, names = [], [], [], [], []
    for lvl, nodes in enumerate(levels):
        for node in nodes:
            xs.append(node.x)
            ys.append(node.y)
            names.append(node.name)
            if lvl == 0:
                data.append([""])
                at = f"<br>x = {float(x[node.index]):.6g}" if x is not None else ""
                text.append(f"input {node.name}{at}")
                continue
            k = lvl - 1
            data.append([Target(k, "bias", node.index).text])
            lines = [f"{node.name} (layer {k})", f"bias b = {float(net.layers[k].bias[node.index]):.6g}"]
            if trace is not None:
                lines.append(f"pre-activation z = {float(trace.pre[k][node.index]):.6g}")
                lines.append(f"activation a = {float(trace.post[k][node.index]):.6g}")
            text.append("<br>".join([*lines, "(click to tweak the bias)"]))
    return dict(
        type="scatter", x=np.asarray(xs), y=np.asarray(ys), mode="markers+text", name="units", customdata=data,
        hovertext=text, hoverinfo="text", text=names, textposition="top center" if thumbs else "middle center",
        showlegend=False,
        marker=dict(size=22, color="rgba(230,230,230,0.35)" if thumbs else "#e9edf2",
                    line=dict(color="#555555", width=1)),
    )


def _thumbnails(levels: list[list[Any]], thumbs: Thumbnails) -> list[dict[str, Any]]:
    """The thumbnails as one heatmap trace per distinct hidden-layer width (one
    trace is far cheaper to build than one per unit): each unit's activations
    scaled by its own largest |a| into a block at its node, blocks separated
    by empty (NaN) cells."""
    by_width: dict[int, list[int]] = {}
    for k in range(len(thumbs.values)):
        by_width.setdefault(len(levels[k + 1]), []).append(k)
    return [_thumbnail_block([levels[k + 1] for k in ks], [thumbs.values[k] for k in ks], len(thumbs.axis))
            for ks in by_width.values()]


def _thumbnail_block(columns: list[list[Any]], values: list[np.ndarray], n: int) -> dict[str, Any]:
    """One heatmap: a block of n × n cells per unit, with an empty cell on each side
    of every block so that no cell stretches across the gap to the next block."""
    dx, dy = 2 * THUMB_W / (n - 1), 2 * THUMB_H / (n - 1)

    def cells(centre: float, half: float, step: float) -> list[float]:
        gap = min(step / 2, 0.05)  # units and levels are 1 apart: a block stays within ±0.45
        return [centre - half - gap] + [centre - half + step * c for c in range(n)] + [centre + half + gap]

    xs = [v for nodes in columns for v in cells(nodes[0].x, THUMB_W, dx)]
    ys = [v for node in reversed(columns[0]) for v in cells(node.y, THUMB_H, dy)]  # bottom to top
    z = np.full((len(ys), len(xs)), np.nan)
    units = len(columns[0])
    for c, vals in enumerate(values):
        for i, img in enumerate(vals):
            r0, c0 = (units - 1 - i) * (n + 2) + 1, c * (n + 2) + 1
            z[r0:r0 + n, c0:c0 + n] = img / (float(np.abs(img).max()) or 1.0)
    return dict(type="heatmap", z=z, x=np.asarray(xs), y=np.asarray(ys), zmin=-1.0, zmax=1.0, colorscale=ACT_SCALE,
                showscale=False, hoverinfo="skip", name="unit activations")


def _picked(levels: list[list[Any]], t: Target) -> dict[str, Any]:
    dst = levels[t.layer + 1][t.row]
    if t.kind == "bias":
        px, py = dst.x, dst.y
    else:
        src = levels[t.layer][t.col or 0]
        px, py = src.x + ALONG * (dst.x - src.x), src.y + ALONG * (dst.y - src.y)
    return dict(type="scatter", x=[px], y=[py], mode="markers", name="picked parameter", hoverinfo="skip",
                showlegend=True, marker=dict(size=18, color="rgba(0,0,0,0)", line=dict(color=PICKED, width=3)))
