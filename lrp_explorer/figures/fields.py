"""Explanation-field figures: R₁, R₂ and the unresolved part of one method over the plane.

Pure functions from an :class:`lrp_core.fields.Field` (and the box's
:class:`~lrp_core.regions.RegionSet`) to a ``plotly.graph_objects.Figure``.
One figure per method: three heatmaps side by side (R₁, R₂ on one shared
symmetric colour scale, so their colours compare; f − R₁ − R₂ on its own),
each with its colour bar, the linear regions' boundaries (one path shape per
panel) and the current x drawn on every panel, and optionally a faint grid of
clickable markers (heatmaps give no selection events). Trace names are stable (tests and the
page rely on them): ``R₁``, ``R₂``, ``unresolved``, ``region boundaries``,
``x``, ``click grid``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from lrp_core.fields import Field
from lrp_core.regions import RegionSet
from lrp_explorer.figures.paths import legend_line, path_shape
from lrp_explorer.figures.roots import REGION_LINE, grid_trace

PANELS = ("R₁", "R₂", "unresolved")
PANEL_TITLES = ("R₁(x)", "R₂(x)", "unresolved f(x) − R₁ − R₂")


def boundary_lines(regions: RegionSet) -> tuple[list[float | None], list[float | None]]:
    """Every region's closed polygon, joined into one line trace (None between polygons)."""
    bx: list[float | None] = []
    by: list[float | None] = []
    for r in regions.regions:
        poly = r.polygon.tolist()
        poly.append(poly[0])
        bx.extend([p[0] for p in poly] + [None])
        by.extend([p[1] for p in poly] + [None])
    return bx, by


def _limit(values: np.ndarray) -> float:
    finite = values[np.isfinite(values)]
    m = float(np.abs(finite).max()) if finite.size else 0.0
    return m if m > 0 else 1.0


def _overlays(lines: tuple[list[float | None], list[float | None]] | None, point: Sequence[float],
              grid: tuple[Sequence[float], Sequence[float]] | None, first: bool) -> list[Any]:
    """One panel's x and click grid, and on the first panel the legend entries (the region
    boundaries' too)."""
    out = []
    if lines is not None and first:  # the outlines themselves are path shapes, one per panel
        out.append(go.Scatter(legend_line("region boundaries", REGION_LINE)))
    out.append(go.Scatter(
        x=[float(point[0])], y=[float(point[1])], mode="markers", name="x", legendgroup="x", showlegend=first,
        marker={"color": "gold", "size": 13, "symbol": "star", "line": {"color": "black", "width": 1.5}},
        hovertemplate="x=(%{x:.4f}, %{y:.4f})<extra></extra>",
    ))
    if grid is not None:
        out.append(grid_trace(grid, None, ""))  # the roots plane's click grid: invisible, hit-tested
    return out


def field_figure(
    field: Field,
    point: Sequence[float],
    *,
    regions: RegionSet | None = None,
    grid: tuple[Sequence[float], Sequence[float]] | None = None,
    title: str | None = None,
    height: int = 380,
) -> go.Figure:
    """R₁, R₂ and the unresolved part of ``field`` (see the module docstring);
    ``regions`` default to the field's own; ``grid`` are the clickable marker
    positions (flattened x, y)."""
    regions = regions if regions is not None else field.regions
    fig = make_subplots(rows=1, cols=3, subplot_titles=PANEL_TITLES, horizontal_spacing=0.09)
    r_lim, u = _limit(field.relevance), field.unresolved
    xs, ys = field.xs.tolist(), field.ys.tolist()
    values = (field.relevance[..., 0], field.relevance[..., 1], u)
    lines = boundary_lines(regions) if regions is not None else None
    x0, x1, y0, y1 = field.box
    for col, (name, z) in enumerate(zip(PANELS, values, strict=True), start=1):
        lim = _limit(u) if name == "unresolved" else r_lim
        domain = fig.layout[f"xaxis{'' if col == 1 else col}"].domain
        fig.add_trace(go.Heatmap(
            x=xs, y=ys, z=z.tolist(), name=name, colorscale="RdBu_r", zmid=0.0, zmin=-lim, zmax=lim,
            colorbar={"title": {"text": name}, "x": float(domain[1]) + 0.005, "len": 0.85, "thickness": 10},
            hovertemplate="x₁=%{x:.3f}<br>x₂=%{y:.3f}<br>" + name + "=%{z:.4g}<extra></extra>",
        ), row=1, col=col)
        for trace in _overlays(lines, point, grid, first=col == 1):
            fig.add_trace(trace, row=1, col=col)
        fig.update_xaxes(range=[x0, x1], title_text="x₁", constrain="domain", row=1, col=col)
        fig.update_yaxes(range=[y0, y1], title_text="x₂" if col == 1 else None,
                         scaleanchor=f"x{'' if col == 1 else col}", scaleratio=1, row=1, col=col)
    layout: dict[str, Any] = {
        "shapes": [] if lines is None else [  # one path per panel (figures.paths), above the heat
            path_shape(*lines, REGION_LINE, name="region boundaries", xref=f"x{axis}", yref=f"y{axis}")
            for axis in ("", "2", "3")],
        "height": height, "margin": {"l": 84, "r": 106, "t": 60 if title else 40, "b": 88},  # figures.fit
        "legend": {"orientation": "h", "y": -0.18}, "clickmode": "event+select", "dragmode": "pan",
    }
    if title:
        layout["title"] = {"text": title, "x": 0.0, "font": {"size": 15}}
    fig.update_layout(**layout)
    return fig
