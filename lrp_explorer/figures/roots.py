"""Figures and tables for the "Root finding" page (pure: results in, figures out).

- :func:`plane_figure`: for 2-D layer inputs, the relevance R as a heatmap,
  every linear region's boundary, the segment of x highlighted, x, each
  finder's root(s), its chain samples or edge points, the rule's search line,
  and a faint grid of clickable markers (heatmaps give no selection events).
- :func:`projection_figure`: for higher dimensions, x, roots and samples on
  their first two principal components.
- :func:`parallel_figure`: the same points in parallel coordinates.
- :func:`diagnostics_rows` / :func:`check_sentences`: the side-by-side table
  of diagnostics per finder, and the checks in plain words.

DTD (Sixt & Landgraf 2022): ``R_i = ∂R/∂a_i(ã) · (a_i − ã_i)`` is exact when the
root ã lies in the closure of x's linear segment, so the plots show where
each root lies relative to that segment.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import plotly.graph_objects as go
import torch

from lrp_core.plane import pca_2d
from lrp_core.regions import RegionSet
from lrp_core.roots.base import RootResult

Tensor = torch.Tensor
DTYPE = torch.float64
MAX_PLOTTED_SAMPLES = 2_000
COLORS = ("#d62728", "#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf")
SAMPLE_NAMES = {"mcmc": "chain samples", "interpolation": "edge points"}
GRID_NAME = "click grid"


def _color(i: int) -> str:
    return COLORS[i % len(COLORS)]


def _thin(samples: Tensor | None, cap: int) -> Tensor | None:
    """At most ``cap`` rows, evenly strided (deterministic)."""
    if samples is None or samples.shape[0] == 0:
        return None
    if samples.shape[0] <= cap:
        return samples
    idx = torch.linspace(0, samples.shape[0] - 1, cap).round().long()
    return samples[idx]


def _roots(result: RootResult) -> Tensor | None:
    pts = [r.root for r in result.roots if r.root is not None]
    return torch.stack(pts).to(DTYPE) if pts else None


def result_label(result: RootResult) -> str:
    """A short label: the finder's name, with the rule for ``rule``."""
    if result.finder == "rule" and "rule" in result.params:
        return f"rule {result.params['rule']}"
    return result.finder


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


def plane_figure(
    point: Sequence[float],
    results: Sequence[RootResult] = (),
    *,
    regions: RegionSet | None = None,
    segment_pattern: str | None = None,
    heat: tuple[Sequence[float], Sequence[float], Tensor] | None = None,
    heat_label: str = "R",
    grid: tuple[Sequence[float], Sequence[float]] | None = None,
    grid_values: Sequence[float] | None = None,
    search_lines: dict[int, Tensor] | None = None,
    box: Sequence[float] | None = None,
    axis_titles: tuple[str, str] = ("a₁", "a₂"),
    max_samples: int = MAX_PLOTTED_SAMPLES,
) -> go.Figure:
    """The input plane of a 2-D layer input (see the module docstring).

    ``heat`` is ``(xs, ys, values (n_y, n_x))``; ``grid`` the clickable marker
    positions and ``grid_values`` the heat value at each (shown on hover, as the
    markers catch the hover before the heatmap does); ``search_lines`` maps an index into ``results`` to the rule's
    search directions (n, 2), drawn as lines through x clipped to ``box``.
    Trace names are stable (tests and the page rely on them): ``R``,
    ``region boundaries``, ``x's segment``, ``x``, ``<label>: root``,
    ``<label>: chain samples`` / ``edge points`` / ``samples``,
    ``<label>: search line``, ``click grid``.
    """
    fig = go.Figure()
    if box is None and regions is not None:
        box = regions.box
    if heat is not None:
        xs, ys, z = heat
        zt = torch.as_tensor(z, dtype=DTYPE)
        zmax = float(zt.abs().max()) if zt.numel() else 1.0
        fig.add_trace(
            go.Heatmap(
                x=list(xs), y=list(ys), z=zt.tolist(), name=heat_label, colorscale="RdBu_r",
                zmid=0.0, zmin=-zmax, zmax=zmax, colorbar={"title": {"text": heat_label}, "len": 0.8},
                hovertemplate="a₁=%{x:.3f}<br>a₂=%{y:.3f}<br>" + heat_label + "=%{z:.4g}<extra></extra>",
            )
        )
    if regions is not None:
        bx: list[float | None] = []
        by: list[float | None] = []
        for r in regions.regions:
            poly = r.polygon.tolist()
            poly.append(poly[0])
            bx.extend([p[0] for p in poly] + [None])
            by.extend([p[1] for p in poly] + [None])
        fig.add_trace(go.Scatter(x=bx, y=by, mode="lines", name="region boundaries",
                                 line={"color": "rgba(40,40,40,0.55)", "width": 1}, hoverinfo="skip"))
        seg = regions.find(segment_pattern) if segment_pattern is not None else None
        if seg is not None:
            poly = seg.polygon.tolist()
            poly.append(poly[0])
            fig.add_trace(go.Scatter(
                x=[p[0] for p in poly], y=[p[1] for p in poly], mode="lines", fill="toself",
                name="x's segment", line={"color": "black", "width": 3},
                fillcolor="rgba(255,215,0,0.18)", hoverinfo="skip",
            ))
    for i, res in enumerate(results):
        color = _color(i)
        label = result_label(res)
        samples = _thin(res.samples, max_samples)
        if samples is not None and samples.shape[1] == 2:
            kind = SAMPLE_NAMES.get(res.finder, "samples")
            fig.add_trace(go.Scatter(
                x=samples[:, 0].tolist(), y=samples[:, 1].tolist(), mode="markers",
                name=f"{label}: {kind}", marker={"color": color, "size": 4, "opacity": 0.35},
                hoverinfo="skip",
            ))
        if search_lines and i in search_lines and box is not None:
            lx: list[float | None] = []
            ly: list[float | None] = []
            for d in torch.as_tensor(search_lines[i], dtype=DTYPE).reshape(-1, 2):
                seg_xy = line_in_box(point, d.tolist(), box)
                if seg_xy is not None:
                    lx.extend([*seg_xy[0], None])
                    ly.extend([*seg_xy[1], None])
            if lx:
                fig.add_trace(go.Scatter(x=lx, y=ly, mode="lines", name=f"{label}: search line",
                                         line={"color": color, "width": 2, "dash": "dash"}, hoverinfo="skip"))
        roots = _roots(res)
        if roots is not None and roots.shape[1] == 2:
            neurons = [r.neuron for r in res.roots if r.root is not None]
            fig.add_trace(go.Scatter(
                x=roots[:, 0].tolist(), y=roots[:, 1].tolist(), mode="markers", name=f"{label}: root",
                marker={"color": color, "size": 13, "symbol": "x", "line": {"color": "white", "width": 1}},
                text=[f"{label}, neuron {n}" for n in neurons],
                hovertemplate="%{text}<br>ã=(%{x:.4f}, %{y:.4f})<extra></extra>",
            ))
    fig.add_trace(go.Scatter(
        x=[float(point[0])], y=[float(point[1])], mode="markers", name="x",
        marker={"color": "gold", "size": 15, "symbol": "star", "line": {"color": "black", "width": 1.5}},
        hovertemplate="x=(%{x:.4f}, %{y:.4f})<extra></extra>",
    ))
    if grid is not None:
        gx, gy = grid
        extra: dict[str, Any] = {}
        template = "click to move x here<br>(%{x:.3f}, %{y:.3f})"
        if grid_values is not None:
            extra["customdata"] = [float(v) for v in grid_values]
            template += "<br>" + heat_label + " = %{customdata:.4g}"
        fig.add_trace(go.Scatter(
            x=list(gx), y=list(gy), mode="markers", name=GRID_NAME, showlegend=False,
            marker={"color": "rgba(0,0,0,0.06)", "size": 9},
            hovertemplate=template + "<extra></extra>", **extra,
        ))
    layout: dict[str, Any] = {
        "xaxis": {"title": {"text": axis_titles[0]}, "constrain": "domain"},
        "yaxis": {"title": {"text": axis_titles[1]}, "scaleanchor": "x", "scaleratio": 1},
        "height": 620, "margin": {"l": 40, "r": 20, "t": 30, "b": 40},
        "legend": {"orientation": "h", "y": -0.12}, "clickmode": "event+select", "dragmode": "pan",
    }
    if box is not None:
        layout["xaxis"]["range"] = [float(box[0]), float(box[1])]
        layout["yaxis"]["range"] = [float(box[2]), float(box[3])]
    fig.update_layout(**layout)
    return fig


def _stack_points(
    point: Sequence[float], results: Sequence[RootResult], max_samples: int
) -> tuple[Tensor, list[tuple[str, int, int, int]]]:
    """All points (x first, then per result its roots and samples) and
    ``(kind, result index, start, stop)`` row ranges."""
    x = torch.as_tensor(point, dtype=DTYPE).reshape(1, -1)
    parts = [x]
    ranges = [("x", -1, 0, 1)]
    n = 1
    for i, res in enumerate(results):
        roots = _roots(res)
        if roots is not None:
            parts.append(roots)
            ranges.append(("root", i, n, n + roots.shape[0]))
            n += roots.shape[0]
        samples = _thin(res.samples, max_samples)
        if samples is not None:
            parts.append(samples.to(DTYPE))
            ranges.append(("samples", i, n, n + samples.shape[0]))
            n += samples.shape[0]
    return torch.cat(parts), ranges


def projection_figure(
    point: Sequence[float], results: Sequence[RootResult] = (), *, max_samples: int = MAX_PLOTTED_SAMPLES
) -> go.Figure:
    """x, every root and the samples projected on the first two principal
    components of all of them (for layer inputs with more than 2 dimensions)."""
    pts, ranges = _stack_points(point, results, max_samples)
    coords, _, _ = pca_2d(pts)
    fig = go.Figure()
    # samples first (underneath), then roots, then x on top
    order = sorted(ranges, key=lambda r: {"samples": 0, "root": 1, "x": 2}[r[0]])
    for kind, i, a, b in order:
        c = coords[a:b]
        if kind == "x":
            fig.add_trace(go.Scatter(
                x=c[:, 0].tolist(), y=c[:, 1].tolist(), mode="markers", name="x",
                marker={"color": "gold", "size": 15, "symbol": "star", "line": {"color": "black", "width": 1.5}},
            ))
            continue
        res = results[i]
        label = result_label(res)
        if kind == "root":
            fig.add_trace(go.Scatter(
                x=c[:, 0].tolist(), y=c[:, 1].tolist(), mode="markers", name=f"{label}: root",
                marker={"color": _color(i), "size": 12, "symbol": "x", "line": {"color": "white", "width": 1}},
                text=[f"neuron {r.neuron}" for r in res.roots if r.root is not None],
            ))
        else:
            fig.add_trace(go.Scatter(
                x=c[:, 0].tolist(), y=c[:, 1].tolist(), mode="markers",
                name=f"{label}: {SAMPLE_NAMES.get(res.finder, 'samples')}",
                marker={"color": _color(i), "size": 4, "opacity": 0.35}, hoverinfo="skip",
            ))
    fig.update_layout(
        xaxis={"title": {"text": "principal component 1"}},
        yaxis={"title": {"text": "principal component 2"}},
        height=480, margin={"l": 40, "r": 20, "t": 30, "b": 40}, legend={"orientation": "h", "y": -0.18},
    )
    return fig


def parallel_figure(
    point: Sequence[float],
    results: Sequence[RootResult] = (),
    *,
    names: Sequence[str] | None = None,
    max_samples: int = 300,
) -> go.Figure:
    """x, roots and samples as lines over the input coordinates (one axis per
    coordinate). Colour: grey samples, a colour per finder's roots, gold x."""
    pts, ranges = _stack_points(point, results, max_samples)
    d = int(pts.shape[1])
    names = list(names) if names is not None else [f"a{i + 1}" for i in range(d)]
    # colour codes: 0 = samples, 1..k = finders' roots, k+1 = x
    k = len(results)
    code = torch.zeros(pts.shape[0], dtype=DTYPE)
    for kind, i, a, b in ranges:
        code[a:b] = 0.0 if kind == "samples" else (k + 1.0 if kind == "x" else 1.0 + i)
    # draw samples first so roots and x lie on top
    order = torch.argsort(code, stable=True)
    pts, code = pts[order], code[order]
    top = max(k + 1, 1)
    scale: list[list[Any]] = [[0.0, "rgba(150,150,150,0.35)"], [0.5 / top, "rgba(150,150,150,0.35)"]]
    for i in range(k):
        lo, hi = (i + 0.5) / top, min((i + 1.5) / top, 1.0)
        scale += [[lo, _color(i)], [hi, _color(i)]]
    scale += [[(k + 0.5) / top, "gold"], [1.0, "gold"]]
    lo_all, hi_all = float(pts.min()), float(pts.max())
    if lo_all == hi_all:
        lo_all, hi_all = lo_all - 1.0, hi_all + 1.0
    dims = [
        {"label": names[j], "values": pts[:, j].tolist(), "range": [lo_all, hi_all]} for j in range(d)
    ]
    fig = go.Figure(go.Parcoords(
        line={"color": code.tolist(), "colorscale": scale, "cmin": 0.0, "cmax": float(top)},
        dimensions=dims, name="points", rangefont={"size": 1, "color": "rgba(0,0,0,0)"},
        tickfont={"size": 9}, labelfont={"size": 12},
    ))
    fig.update_layout(height=420, margin={"l": 40, "r": 40, "t": 40, "b": 20})
    return fig


def finder_colors(n: int) -> list[str]:
    """The colours the figures give to the first ``n`` results (in order)."""
    return [_color(i) for i in range(n)]


def diagnostics_rows(results: Sequence[RootResult], relevance_at_x: Sequence[float] | None = None) -> list[dict[str, Any]]:
    """One row per finder and explained neuron: the side-by-side diagnostics."""
    rows: list[dict[str, Any]] = []
    for res in results:
        for k, r in enumerate(res.roots):
            found = r.root is not None
            rows.append({
                "finder": result_label(res),
                "neuron": r.neuron,
                "R(x)": None if relevance_at_x is None else float(relevance_at_x[k]),
                "R(root)": r.relevance if found else None,
                "in segment": ("✓" if r.in_segment else "✗") if found else "–",
                "distance ‖x − root‖": r.distance if found else None,
                "Taylor residual": r.taylor_residual if found else None,
                "evaluations": res.evaluations,
                "seconds": res.seconds,
                "note": r.reason,
            })
    return rows


def _fmt(v: float) -> str:
    return f"{v:.3g}" if v == 0.0 or 1e-3 <= abs(v) < 1e4 else f"{v:.2e}"


def check_sentences(result: RootResult, *, tol: float = 1e-9) -> list[str]:
    """The checks in plain words, one sentence per explained neuron."""
    out: list[str] = []
    label = result_label(result)
    for r in result.roots:
        if r.root is None:
            out.append(f"**{label}**, neuron {r.neuron}: no root — {r.reason or 'none found'}.")
            continue
        seg = ("✓ the root lies in x's linear segment (or on its edge), so the Taylor expansion is exact there"
               if r.in_segment else
               "✗ the root lies outside x's linear segment, so the linear expansion around it does not describe R at x")
        zero = ("R is zero at the root" if abs(r.relevance) <= tol else
                f"R at the root is {_fmt(r.relevance)}, not zero (the explanation leaves that much unexplained)")
        scale = max(1.0, abs(r.relevance), float(r.gradient.abs().sum()) * r.distance)
        taylor = ("the Taylor identity R(x) = R(root) + ∇R·(x − root) holds"
                  if r.taylor_residual <= tol * scale else
                  f"the Taylor identity misses by {_fmt(r.taylor_residual)}")
        out.append(f"**{label}**, neuron {r.neuron}: {seg}; {zero}; {taylor}.")
    return out
