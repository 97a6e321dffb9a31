"""Figures of the "Root finding" page for layer inputs of more than 2 dimensions (pure: results in,
figures out): :func:`projection_figure` shows x, the points found and the samples on their first
two principal components; :func:`parallel_figure` the same points in parallel coordinates, with a
colour key in the plot. Points are named and coloured as on the plane
(:mod:`lrp_explorer.figures.roots`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import plotly.graph_objects as go
import torch

from lrp_core.plane import pca_2d
from lrp_core.roots.base import RootResult
from lrp_explorer.figures.fit import legend_height
from lrp_explorer.figures.roots import (
    DTYPE,
    MAX_PLOTTED_SAMPLES,
    SAMPLE_COLOR,
    color,
    found_traces,
    result_label,
    samples_name,
    thin,
    x_trace,
)

Tensor = torch.Tensor


def _stack_points(
    point: Sequence[float], results: Sequence[RootResult], max_samples: int
) -> tuple[Tensor, list[tuple[str, int, int, int]]]:
    """All points (x first, then per result its points found and samples) and
    ``(kind, result index, start, stop)`` row ranges."""
    x = torch.as_tensor(point, dtype=DTYPE).reshape(1, -1)
    parts = [x]
    ranges = [("x", -1, 0, 1)]
    n = 1
    for i, res in enumerate(results):
        found = [r.root for r in res.roots if r.root is not None]
        if found:
            parts.append(torch.stack(found).to(DTYPE))
            ranges.append(("found", i, n, n + len(found)))
            n += len(found)
        samples = thin(res.samples, max_samples)
        if samples is not None:
            parts.append(samples.to(DTYPE))
            ranges.append(("samples", i, n, n + samples.shape[0]))
            n += samples.shape[0]
    return torch.cat(parts), ranges


def projection_figure(
    point: Sequence[float], results: Sequence[RootResult] = (), *, unit_names: Mapping[int, str] | None = None,
    max_samples: int = MAX_PLOTTED_SAMPLES, height: int = 440,
) -> go.Figure:
    """x, every point found and the samples projected on the first two principal
    components of all of them (for layer inputs with more than 2 dimensions)."""
    pts, ranges = _stack_points(point, results, max_samples)
    coords, _, _ = pca_2d(pts)
    fig = go.Figure()
    # samples first (underneath), then the points found, then x on top
    for kind, i, a, b in sorted(ranges, key=lambda r: {"samples": 0, "found": 1, "x": 2}[r[0]]):
        c = coords[a:b]
        if kind == "x":
            fig.add_trace(x_trace(c[0].tolist()))
        elif kind == "found":
            fig.add_traces(found_traces(results[i], i, unit_names, 12, coords=c))
        else:
            res = results[i]
            fig.add_trace(go.Scatter(
                x=c[:, 0].tolist(), y=c[:, 1].tolist(), mode="markers", hoverinfo="skip",
                name=f"{result_label(res)}: {samples_name(res)}", marker={"color": color(i), "size": 4, "opacity": 0.35},
            ))
    fig.update_layout(
        xaxis={"title": {"text": "principal component 1"}}, yaxis={"title": {"text": "principal component 2"}},
        # room for the axis titles and the legend above (figures.fit)
        height=height, margin={"l": 68, "r": 10, "t": 20 + legend_height(len(fig.data), 2, row=22), "b": 68},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0.0, "font": {"size": 11}},
    )
    return fig


def parallel_figure(
    point: Sequence[float],
    results: Sequence[RootResult] = (),
    *,
    names: Sequence[str] | None = None,
    max_samples: int = 300,
    height: int = 420,
) -> go.Figure:
    """x, the points found and the samples as lines over the coordinates (one axis per
    coordinate, labelled ``names``; default x1…). Colour: grey samples, one colour per
    finder's points, gold x; the colour key is the figure's legend."""
    pts, ranges = _stack_points(point, results, max_samples)
    d = int(pts.shape[1])
    names = list(names) if names is not None else [f"x{i + 1}" for i in range(d)]
    # colour codes: 0 = samples, 1..k = finders' points, k+1 = x
    k = len(results)
    code = torch.zeros(pts.shape[0], dtype=DTYPE)
    for kind, i, a, b in ranges:
        code[a:b] = 0.0 if kind == "samples" else (k + 1.0 if kind == "x" else 1.0 + i)
    order = torch.argsort(code, stable=True)  # samples first so the points found and x lie on top
    pts, code = pts[order], code[order]
    top = max(k + 1, 1)
    scale: list[list[Any]] = [[0.0, SAMPLE_COLOR], [0.5 / top, SAMPLE_COLOR]]
    for i in range(k):
        scale += [[(i + 0.5) / top, color(i)], [min((i + 1.5) / top, 1.0), color(i)]]
    scale += [[(k + 0.5) / top, "gold"], [1.0, "gold"]]
    lo_all, hi_all = float(pts.min()), float(pts.max())
    if lo_all == hi_all:
        lo_all, hi_all = lo_all - 1.0, hi_all + 1.0
    dims = [{"label": names[j], "values": pts[:, j].tolist(), "range": [lo_all, hi_all]} for j in range(d)]
    fig = go.Figure(go.Parcoords(
        line={"color": code.tolist(), "colorscale": scale, "cmin": 0.0, "cmax": float(top)},
        dimensions=dims, name="points", rangefont={"size": 1, "color": "rgba(0,0,0,0)"},
        tickfont={"size": 9}, labelfont={"size": 12}, domain={"y": [0.0, 0.8]},
    ))
    fig.add_traces(_colour_key(results, any(kind == "samples" for kind, *_ in ranges)))
    fig.update_layout(height=height, margin={"l": 40, "r": 40, "t": 42, "b": 20},
                      xaxis={"visible": False}, yaxis={"visible": False},
                      legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0.0, "font": {"size": 11},
                              "itemclick": False, "itemdoubleclick": False})
    return fig


def _colour_key(results: Sequence[RootResult], has_samples: bool) -> list[go.Scatter]:
    """Legend-only lines: the parallel coordinates' colours in words."""
    def key(name: str, color: str) -> go.Scatter:
        return go.Scatter(x=[None], y=[None], mode="lines", name=name, line={"color": color, "width": 4},
                          hoverinfo="skip")

    out = [key("x", "gold")]
    out += [key(f"{result_label(res)}: points found", color(i)) for i, res in enumerate(results)]
    if has_samples:
        kinds = sorted({samples_name(r) for r in results if r.samples is not None and r.samples.shape[0]})
        out.append(key(" and ".join(kinds) or "samples", SAMPLE_COLOR))
    return out
