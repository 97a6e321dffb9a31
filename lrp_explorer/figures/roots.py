"""Figures of the "Root finding" page (pure: results in, figures out).

- :func:`plane_figure`: for 2-D layer inputs, the relevance R as a heatmap,
  every linear region's boundary, x's segment highlighted, x, what each finder
  returned, its chain samples or edge points, the rule's search line, and an
  invisible grid of click markers (heatmaps give no selection events).
- for higher dimensions, :mod:`lrp_explorer.figures.roots_highd`: the
  projection on principal components and parallel coordinates.

What a finder returns is named by what it is (:func:`outcome`), the same way in
the legend, the diagnostics and the plain-words checks: a **root** (R = 0
there), a **root of x's piece only** (x's linear piece, the affine map R
follows on x's segment, is 0 there, but R through the real network is not: the
point lies outside x's segment), or
**not a root** (R ≠ 0: e.g. the exact finder's certificate that no root exists
in the segment, or the best sample of a random search). DTD (Sixt & Landgraf
2022): ``R_i = ∂R/∂a_i(ã) · (a_i − ã_i)`` is exact when ã is a root in the
closure of x's linear segment.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import plotly.graph_objects as go
import torch

from lrp_core.regions import RegionSet
from lrp_core.roots import FINDERS
from lrp_core.roots.base import Root, RootResult
from lrp_explorer.figures.fit import COLOUR_BAR, legend_entries, legend_height
from lrp_explorer.figures.paths import legend_line, path_shape

Tensor = torch.Tensor
DTYPE = torch.float64
MAX_PLOTTED_SAMPLES = 2_000
COLORS = ("#d62728", "#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf")
SAMPLE_COLOR = "rgba(150,150,150,0.45)"
GRID_NAME = "click grid"
GRID_DRAWN = 1  # markers of the click grid drawn (the others still catch hovers and clicks)
#: |R| below this, relative to max(1, |∇R|₁·‖x − ã‖), counts as 0
ZERO_TOL = 1e-9
ROOT, PIECE, NOT_ROOT, NOTHING = "root", "root of x's piece only", "not a root", "nothing returned"
#: a trace's markers keep their look while a click selects a grid marker
KEEP_LOOK = {"marker": {"opacity": 1.0}}


def color(i: int) -> str:
    return COLORS[i % len(COLORS)]


def thin(samples: Tensor | None, cap: int) -> Tensor | None:
    """At most ``cap`` rows, evenly strided (deterministic)."""
    if samples is None or samples.shape[0] == 0:
        return None
    if samples.shape[0] <= cap:
        return samples
    idx = torch.linspace(0, samples.shape[0] - 1, cap).round().long()
    return samples[idx]


def result_label(result: RootResult) -> str:
    """The finder's name, completed by its declared ``label_param`` (``rule z+``)."""
    param = FINDERS.get(result.finder).extra.get("label_param") if result.finder in FINDERS else None
    if param is not None and param in result.params:
        return f"{result.finder} {result.params[param]}"
    return result.finder


def samples_name(result: RootResult) -> str:
    """What the result's samples are (its finder's declared ``samples_name``)."""
    entry = FINDERS.get(result.finder) if result.finder in FINDERS else None
    return str(entry.extra.get("samples_name", "samples")) if entry is not None else "samples"


def is_zero(value: float, root: Root, tol: float = ZERO_TOL) -> bool:
    """Whether ``value`` (R or x's affine map at the point) is 0 on the scale of the problem."""
    reach = float(root.gradient.abs().sum()) * (root.distance if math.isfinite(root.distance) else 0.0)
    return math.isfinite(value) and abs(value) <= tol * max(1.0, reach)


def outcome(root: Root) -> str:
    """What the returned point is: ``root``, ``root of x's piece only``, ``not a root``
    or ``nothing returned`` (see the module docstring)."""
    if root.root is None:
        return NOTHING
    if is_zero(root.relevance, root):
        return ROOT
    return PIECE if is_zero(root.relevance_affine, root) else NOT_ROOT


def line_in_box(p: Sequence[float], d: Sequence[float], box: Sequence[float]) -> tuple[list[float], list[float]] | None:
    """The part of the line ``p + s·d`` (all real s) inside the box, as two
    end points ``([x_a, x_b], [y_a, y_b])``; None if it misses the box or d = 0."""
    x0, x1, y0, y1 = (float(v) for v in box)
    px, py = float(p[0]), float(p[1])
    dx, dy = float(d[0]), float(d[1])
    lo, hi = -math.inf, math.inf
    for pc, dc, a, b in ((px, dx, x0, x1), (py, dy, y0, y1)):
        if dc == 0.0:
            if not a <= pc <= b:
                return None
            continue
        s1, s2 = (a - pc) / dc, (b - pc) / dc
        lo, hi = max(lo, min(s1, s2)), min(hi, max(s1, s2))
    if not (math.isfinite(lo) and math.isfinite(hi)) or lo > hi:
        return None
    return [px + lo * dx, px + hi * dx], [py + lo * dy, py + hi * dy]


def _unit(names: Mapping[int, str] | None, neuron: int) -> str:
    return (names or {}).get(neuron, f"neuron {neuron}")


def found_traces(res: RootResult, i: int, names: Mapping[int, str] | None, size: int,
                  coords: Tensor | None = None) -> list[dict[str, Any]]:
    """One marker trace per kind of point the result returned (root / root of x's piece only / not a root);
    ``coords``: the points' plotted coordinates (default: their first two)."""
    label = result_label(res)
    found = [r for r in res.roots if r.root is not None]
    xy = coords if coords is not None else (torch.stack([r.root for r in found]).to(DTYPE) if found else None)
    traces = []
    for kind, symbol in ((ROOT, "x"), (PIECE, "x-open"), (NOT_ROOT, "circle-open")):
        rows = [k for k, r in enumerate(found) if outcome(r) == kind]
        if not rows or xy is None:
            continue
        text = [f"{label}, {_unit(names, found[k].neuron)}: {kind}<br>R(ã) = {found[k].relevance:.4g}" for k in rows]
        traces.append(dict(
            type="scatter", x=xy[rows, 0].tolist(), y=xy[rows, 1].tolist(), mode="markers", name=f"{label}: {kind}",
            marker={"color": color(i), "size": size, "symbol": symbol, "line": {"color": color(i), "width": 2}},
            text=text, hovertemplate="%{text}<br>ã = (%{x:.4g}, %{y:.4g})<extra></extra>", unselected=KEEP_LOOK,
        ))
    return traces


@dataclass(frozen=True)
class Outlines:
    """What the plane draws of a :class:`~lrp_core.regions.RegionSet`: every region's closed outline
    (x's and y's, one NaN between regions) and each region's polygon by pattern. Plain arrays,
    so a cache stores and returns them in a fraction of the time a RegionSet takes."""

    x: np.ndarray
    y: np.ndarray
    polygons: dict[str, np.ndarray]
    box: tuple[float, float, float, float]

    @classmethod
    def of(cls, regions: RegionSet) -> Outlines:
        xs: list[float] = []
        ys: list[float] = []
        polygons = {}
        for r in regions.regions:
            poly = r.polygon.to(DTYPE).numpy()
            polygons[r.pattern] = poly
            xs.extend([*poly[:, 0], poly[0, 0], math.nan])
            ys.extend([*poly[:, 1], poly[0, 1], math.nan])
        return cls(np.asarray(xs), np.asarray(ys), polygons, tuple(float(v) for v in regions.box))  # type: ignore[arg-type]

    @property
    def count(self) -> int:
        return len(self.polygons)


REGION_LINE = {"color": "rgba(40,40,40,0.55)", "width": 1}


def region_shape(regions: Outlines) -> dict[str, Any]:
    """Every region's outline as one path shape (:mod:`lrp_explorer.figures.paths`), above the heat."""
    return path_shape(regions.x, regions.y, REGION_LINE, name="region boundaries")


def _region_traces(regions: Outlines, segment_pattern: str | None) -> list[dict[str, Any]]:
    """The outlines' legend entry (the outlines are a shape: :func:`region_shape`) and x's segment."""
    out = [legend_line("region boundaries", REGION_LINE)]
    seg = regions.polygons.get(segment_pattern) if segment_pattern is not None else None
    if seg is not None:
        closed = np.vstack([seg, seg[:1]])
        out.append(dict(type="scatter", x=closed[:, 0], y=closed[:, 1], mode="lines", fill="toself",
                        name="x's segment", line={"color": "black", "width": 3},
                        fillcolor="rgba(255,215,0,0.18)", hoverinfo="skip"))
    return out


def _heat_trace(heat: tuple[Sequence[float], Sequence[float], Tensor | np.ndarray], label: str,
                axis_titles: tuple[str, str]) -> dict[str, Any]:
    xs, ys, z = heat
    zt = torch.as_tensor(z, dtype=DTYPE)
    zmax = float(zt.abs().max()) if zt.numel() else 1.0
    # NumPy arrays: Plotly validates and sends them as typed arrays, ten times faster than lists
    return dict(
        type="heatmap", x=np.asarray(xs, dtype=float), y=np.asarray(ys, dtype=float), z=zt.numpy(), name=label,
        colorscale="RdBu_r", zmid=0.0, zmin=-zmax, zmax=zmax,
        colorbar={"title": {"text": label, "side": "right"}, "len": 0.75, "thickness": 12},
        hovertemplate=f"{axis_titles[0]}=%{{x:.3f}}<br>{axis_titles[1]}=%{{y:.3f}}<br>{label}=%{{z:.4g}}<extra></extra>",
    )


def _search_trace(point: Sequence[float], lines: Tensor, box: Sequence[float], label: str,
                  color: str) -> dict[str, Any] | None:
    lx: list[float | None] = []
    ly: list[float | None] = []
    for d in torch.as_tensor(lines, dtype=DTYPE).reshape(-1, 2):
        seg_xy = line_in_box(point, d.tolist(), box)
        if seg_xy is not None:
            lx.extend([*seg_xy[0], None])
            ly.extend([*seg_xy[1], None])
    if not lx:
        return None
    return dict(type="scatter", x=lx, y=ly, mode="lines", name=f"{label}: search line",
                line={"color": color, "width": 2, "dash": "dash"}, hoverinfo="skip")


def x_trace(point: Sequence[float]) -> dict[str, Any]:
    return dict(
        type="scatter", x=[float(point[0])], y=[float(point[1])], mode="markers", name="x",
        marker={"color": "gold", "size": 15, "symbol": "star", "line": {"color": "black", "width": 1.5}},
        hovertemplate="x = (%{x:.4g}, %{y:.4g})<extra></extra>", unselected=KEEP_LOOK,
    )


def grid_trace(grid: tuple[Sequence[float], Sequence[float]], values: Sequence[float] | None,
                label: str) -> dict[str, Any]:
    """Invisible markers that catch clicks (and hovers, showing the heat value there)."""
    gx, gy = grid
    extra: dict[str, Any] = {}
    template = "click to move x here<br>(%{x:.4g}, %{y:.4g})"
    if values is not None:
        extra["customdata"] = np.asarray(values, dtype=float)
        template += "<br>" + label + " = %{customdata:.4g}"
    hidden = {"marker": {"opacity": 0.0}}
    # size 6 (radius 3, Plotly's least hover radius): the marker nearest the pointer wins a click;
    # bigger markers overlap their neighbours' hover areas and tie with them. Plotly finds the hovered
    # and clicked point from the trace's data, not from drawn markers, so one drawn marker is enough
    # (maxdisplayed): drawing every marker cost Chromium about 250 ms per tweak.
    return dict(type="scatter", x=np.asarray(gx, dtype=float), y=np.asarray(gy, dtype=float), mode="markers",
                name=GRID_NAME, showlegend=False, selected=hidden, unselected=hidden,
                marker={"color": "rgba(0,0,0,0)", "size": 6, "opacity": 0.0, "maxdisplayed": GRID_DRAWN},
                hovertemplate=template + "<extra></extra>", **extra)


def plane_figure(
    point: Sequence[float],
    results: Sequence[RootResult] = (),
    *,
    regions: RegionSet | Outlines | None = None,
    segment_pattern: str | None = None,
    heat: tuple[Sequence[float], Sequence[float], Tensor | np.ndarray] | None = None,
    heat_label: str = "R",
    grid: tuple[Sequence[float], Sequence[float]] | None = None,
    grid_values: Sequence[float] | None = None,
    search_lines: dict[int, Tensor] | None = None,
    box: Sequence[float] | None = None,
    axis_titles: tuple[str, str] = ("x1", "x2"),
    unit_names: Mapping[int, str] | None = None,
    max_samples: int = MAX_PLOTTED_SAMPLES,
    height: int = 480,
) -> go.Figure:
    """The plane of a 2-D layer input (see the module docstring).

    ``heat`` is ``(xs, ys, values (n_y, n_x))``; ``grid`` the click markers'
    positions and ``grid_values`` the heat value at each (shown on hover, as the
    markers catch the hover before the heatmap does); ``search_lines`` maps an
    index into ``results`` to its search directions (n, 2), drawn as lines
    through x clipped to ``box``; ``unit_names`` names the explained neurons.
    Trace names are stable (tests and the page rely on them): ``R …``,
    ``region boundaries``, ``x's segment``, ``click grid``, ``<label>: <samples>``,
    ``<label>: search line``, ``<label>: root`` (and the other :func:`outcome` kinds), ``x``.
    """
    traces: list[Any] = []
    if isinstance(regions, RegionSet):
        regions = Outlines.of(regions)
    if box is None and regions is not None:
        box = regions.box
    if heat is not None:
        traces.append(_heat_trace(heat, heat_label, axis_titles))
    if regions is not None:
        traces.extend(_region_traces(regions, segment_pattern))
    if grid is not None:  # under the points, so a click on a root or x hits that point first
        traces.append(grid_trace(grid, grid_values, heat_label))
    for i, res in enumerate(results):
        samples = thin(res.samples, max_samples)
        if samples is not None and samples.shape[1] == 2:
            traces.append(dict(
                type="scatter", x=samples[:, 0].numpy(), y=samples[:, 1].numpy(), mode="markers",
                name=f"{result_label(res)}: {samples_name(res)}", hoverinfo="skip",
                marker={"color": color(i), "size": 4, "opacity": 0.35}, unselected={"marker": {"opacity": 0.35}},
            ))
        if search_lines and i in search_lines and box is not None:
            line = _search_trace(point, search_lines[i], box, result_label(res), color(i))
            if line is not None:
                traces.append(line)
        if res.roots and res.roots[0].gradient.shape[0] == 2:
            traces.extend(found_traces(res, i, unit_names, 13))
    traces.append(x_trace(point))
    # every trace and the layout in one constructor: plotly validates each once
    layout = _plane_layout(box, axis_titles, height, legend_entries(traces), heat is not None)
    if regions is not None:
        layout["shapes"] = [region_shape(regions)]
    return go.Figure(data=traces, layout=layout)


def _plane_layout(box: Sequence[float] | None, axis_titles: tuple[str, str], height: int, entries: int,
                  colour_bar: bool) -> dict[str, Any]:
    layout: dict[str, Any] = {
        "xaxis": {"title": {"text": axis_titles[0], "standoff": 4}, "constrain": "domain"},
        "yaxis": {"title": {"text": axis_titles[1], "standoff": 4}, "scaleanchor": "x", "scaleratio": 1},
        # room for the legend above and the colour bar at the right (figures.fit)
        "height": height, "margin": {"l": 40, "r": COLOUR_BAR + 10 if colour_bar else 10,
                                     "t": 24 + legend_height(entries, 2, row=22), "b": 60},
        # above the plot: clear of the x axis title, read before the plot
        "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.02, "xanchor": "left", "x": 0.0,
                   "font": {"size": 11}, "entrywidth": 0.5, "entrywidthmode": "fraction"},
        "clickmode": "event+select", "dragmode": "pan", "hovermode": "closest",
    }
    if box is not None:
        layout["xaxis"]["range"] = [float(box[0]), float(box[1])]
        layout["yaxis"]["range"] = [float(box[2]), float(box[3])]
    return layout
