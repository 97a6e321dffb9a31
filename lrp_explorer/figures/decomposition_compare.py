"""Two decompositions of the same point side by side (pure figures).

Each figure holds both sides as two panels on **shared axes** (the same
relevance scale, so a bar or a colour means the same amount on both sides;
the heat rows one above the other, the others side by side),
each panel titled with its full setting (wrapped, never cut), and colours keep
their one meaning: red positive, blue negative, grey unresolved — the sides
are told apart by their position and title, never by colour.
"""

from __future__ import annotations

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from lrp_core.decompose import Decomposition
from lrp_explorer.figures.decomposition import (
    HEAT_SCALE,
    conservation_traces,
    heat_bound,
    heat_trace,
    sign_colour,
    title_margin,
    title_of,
    unit_names,
    wrap,
)
from lrp_explorer.figures.decomposition_sankey import MERGE, sankey_trace

SIDES = ("left", "right")


def side_titles(left: Decomposition, right: Decomposition) -> tuple[str, str]:
    """``left: full-backward, exact(…)`` and ``right: …``, wrapped to fit half a chart."""
    return wrap(f"left: {title_of(left)}"), wrap(f"right: {title_of(right)}")


def _pair(left: Decomposition, right: Decomposition, title: str, height: int) -> go.Figure:
    titles = side_titles(left, right)
    fig = make_subplots(rows=1, cols=2, shared_yaxes=True, horizontal_spacing=0.06, subplot_titles=titles)
    for ann in fig.layout.annotations:
        ann.font = {"size": 12}
    top = title_margin(*titles) + 26
    fig.update_layout(title={"text": title, "font": {"size": 14}, "y": 0.99, "yanchor": "top"},
                      height=height + top, margin={"l": 70, "r": 20, "t": top, "b": 40})
    return fig


def compare_inputs(left: Decomposition, right: Decomposition) -> go.Figure:
    """The input relevance of both sides; each bar red (positive) or blue (negative)."""
    fig = _pair(left, right, "Input relevance", 300)
    names = unit_names(left.widths, 0)
    for col, dec in enumerate((left, right), start=1):
        vals = dec.input_relevance.tolist()
        fig.add_trace(go.Bar(x=names, y=vals, marker_color=[sign_colour(v) for v in vals], showlegend=False,
                             name=SIDES[col - 1], hovertemplate="%{x}: %{y:.6g}<extra>" + SIDES[col - 1]
                             + "</extra>"), row=1, col=col)
    fig.update_yaxes(title_text="relevance", row=1, col=1)
    return fig


def heat_pair(left: Decomposition, right: Decomposition) -> go.Figure:
    """Relevance per unit of both sides on one colour scale, one above the other (so each keeps the
    full width; the levels and the units line up)."""
    titles = side_titles(left, right)
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.16, subplot_titles=titles)
    for ann in fig.layout.annotations:
        ann.font = {"size": 12}
    bound = heat_bound(left, right)
    for row, dec in enumerate((left, right), start=1):
        fig.add_trace(heat_trace(dec, bound, coloraxis="coloraxis"), row=row, col=1)
    top = title_margin(titles[0]) + 26
    fig.update_layout(
        title={"text": "Relevance per unit (one colour scale)", "font": {"size": 14}, "y": 0.99, "yanchor": "top"},
        height=2 * (40 + 36 * len(left.widths)) + top + 40, margin={"l": 70, "r": 10, "t": top, "b": 40},
        coloraxis={"colorscale": HEAT_SCALE, "reversescale": True, "cmid": 0.0, "cmin": -bound, "cmax": bound,
                   "colorbar": {"thickness": 10, "title": {"text": "R", "side": "top"}}})
    fig.update_xaxes(type="category")
    fig.update_xaxes(title_text="unit", row=2, col=1)
    fig.update_yaxes(type="category")
    fig.update_yaxes(matches="y", row=2, col=1)  # the same levels on both
    return fig


def conservation_pair(left: Decomposition, right: Decomposition) -> go.Figure:
    """Conservation per layer of both sides; the dashed line is f(x) (the same point: the same value)."""
    fig = _pair(left, right, "Conservation per layer", 320)
    for col, dec in enumerate((left, right), start=1):
        for trace in conservation_traces(dec, showlegend=col == 1):
            fig.add_trace(trace, row=1, col=col)
        label = {"annotation_text": f"f(x) = {dec.f_x:.4g}"} if col == 2 else {}
        fig.add_hline(y=dec.f_x, line_dash="dash", row=1, col=col, **label)
    fig.update_layout(barmode="group", legend={"orientation": "h", "y": -0.18})
    fig.update_yaxes(title_text="relevance", row=1, col=1)
    return fig


def sankey_pair(left: Decomposition, right: Decomposition, *, layer: int | None = None,
                merge: float = MERGE) -> go.Figure:
    """Both sides' relevance flow (each scaled to its own total: compare shapes, not widths)."""
    fig = go.Figure([sankey_trace(left, layer=layer, merge=merge, domain={"x": [0.0, 0.47]}),
                     sankey_trace(right, layer=layer, merge=merge, domain={"x": [0.53, 1.0]})])
    titles = side_titles(left, right)
    for x, text in zip((0.0, 0.53), titles, strict=True):
        fig.add_annotation(text=text, x=x, y=1.0, xref="paper", yref="paper", xanchor="left", yanchor="bottom",
                           showarrow=False, align="left", font={"size": 12})
    top = title_margin(*titles) + 30
    fig.update_layout(title={"text": "Relevance flow" + ("" if layer is None else f", layer {layer}"),
                             "font": {"size": 14}, "y": 0.99, "yanchor": "top"},
                      height=460 + top, margin={"l": 20, "r": 20, "t": top, "b": 20})
    return fig
