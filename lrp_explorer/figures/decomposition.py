"""Figures for DTD decompositions (pure: a :class:`Decomposition` in, a Figure out).

One colour meaning throughout: **red is positive relevance, blue negative**
(as on every page), grey what stays unresolved at the roots. Units are named
as on the editor: inputs ``x1…``, hidden units ``h1…`` (counted per hidden
layer), outputs ``y1…``.

- :func:`heat_rows`: relevance per unit per level, the inputs at the bottom
  and the output at the top, on a diverging scale centred at 0;
- :func:`conservation_bars`: per layer, the positive and negative parts of
  the relevance handed down, the unresolved part and their sum against f(x);
- :mod:`lrp_explorer.figures.decomposition_sankey`: where the relevance flows;
- :mod:`lrp_explorer.figures.decomposition_compare`: two decompositions side
  by side on shared axes.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from typing import Any

import plotly.graph_objects as go

from lrp_core.decompose import MODE_LABELS, Decomposition
from lrp_explorer.figures.fit import COLOUR_BAR

POSITIVE = "rgba(214, 39, 40, {a})"
NEGATIVE = "rgba(31, 119, 180, {a})"
UNRESOLVED = "rgba(127, 127, 127, {a})"
NONE = "rgba(0, 0, 0, 0)"  # a bar of height 0: no colour to read
SUM = "rgba(20, 20, 20, 0.95)"
TITLE_WIDTH = 60  # characters per title line (half of a full-width chart holds about this many)
NAMED_CELLS = 6  # up to this many units per level, a heat cell shows the unit's name above its value
HEAT_SCALE = "RdBu"  # reversed: red positive, blue negative


# --- names ---------------------------------------------------------------------------------------


def level_names(n_levels: int) -> list[str]:
    """Names of the levels, inputs first: ``inputs``, ``hidden 0``, …, ``output`` (as on the editor)."""
    return ["inputs"] + [f"hidden {k}" for k in range(n_levels - 2)] + ["output"]


def unit_name(level: int, i: int, n_levels: int) -> str:
    """Unit ``i`` (from 0) of ``level``: ``x{i+1}`` (inputs), ``h{i+1}`` (hidden), ``y{i+1}`` (output)."""
    prefix = "x" if level == 0 else ("y" if level == n_levels - 1 else "h")
    return f"{prefix}{i + 1}"


def unit_names(widths: Sequence[int], level: int) -> list[str]:
    """Every unit name of ``level`` of a network with level widths ``widths``."""
    return [unit_name(level, i, len(widths)) for i in range(widths[level])]


def unit_label(widths: Sequence[int], level: int, i: int) -> str:
    """``h3 in hidden 1``: a unit with its level (for hover texts)."""
    return f"{unit_name(level, i, len(widths))} in {level_names(len(widths))[level]}"


# --- shared helpers ------------------------------------------------------------------------------


def wrap(text: str, width: int = TITLE_WIDTH) -> str:
    """``text`` broken into lines of at most ``width`` characters (``<br>``), so no title is cut."""
    return "<br>".join(textwrap.wrap(text, width)) or text


def title_of(dec: Decomposition) -> str:
    """The mode and every finder a decomposition used, e.g. ``full-backward, exact(tie_break=l1)``."""
    specs = sorted({lr.spec.label for lr in dec.layers})
    return f"{MODE_LABELS[dec.mode]}, {' / '.join(specs)}"


def sign_colour(v: float, a: float = 0.8) -> str:
    """Red for a positive value, blue for a negative one, transparent for 0."""
    if v > 0:
        return POSITIVE.format(a=a)
    return NEGATIVE.format(a=a) if v < 0 else NONE


def title_margin(*titles: str) -> int:
    """The top margin that holds the longest of the (wrapped) titles."""
    lines = max((t.count("<br>") + 1 for t in titles), default=1)
    return 30 + 18 * lines


# --- relevance per unit ----------------------------------------------------------------------------


def heat_bound(*decs: Decomposition) -> float:
    """The largest |relevance| of any level of any of ``decs`` (the colour scale's half-range)."""
    bound = max(float(r.abs().max()) for dec in decs for r in dec.relevance_levels())
    return bound or 1.0


def heat_trace(dec: Decomposition, bound: float, coloraxis: str | None = None) -> dict[str, Any]:
    """One heat row per level (inputs first); cells are units, text their name and relevance."""
    levels = dec.relevance_levels()
    width = max(int(r.shape[0]) for r in levels)
    z: list[list[float | None]] = []
    text: list[list[str]] = []
    names: list[list[str]] = []
    for level, rel in enumerate(levels):
        vals = rel.tolist()
        pad = width - len(vals)
        z.append([*vals, *([None] * pad)])
        units = unit_names(dec.widths, level)
        names.append([*units, *([""] * pad)])
        cell = "{u}<br>{v:.3g}" if width <= NAMED_CELLS else "{v:.2g}"
        text.append([cell.format(u=u, v=v) for u, v in zip(units, vals, strict=True)] + [""] * pad)
    scale = {"coloraxis": coloraxis} if coloraxis else {
        "colorscale": HEAT_SCALE, "reversescale": True, "zmid": 0.0, "zmin": -bound, "zmax": bound,
        "colorbar": {"thickness": 10, "title": {"text": "R", "side": "top"}}}
    return dict(  # a trace as a dict: plotly validates it once, inside the figure
        type="heatmap", z=z, x=[str(i + 1) for i in range(width)], y=level_names(len(levels)), text=text,
        texttemplate="%{text}", textfont={"size": 12 if width <= NAMED_CELLS else 10}, customdata=names,
        xgap=2, ygap=2,
        hovertemplate="%{customdata} in %{y}: relevance %{z:.6g}<extra></extra>", **scale,
    )


def heat_rows(dec: Decomposition, title: str | None = None) -> go.Figure:
    """Relevance per unit, one row per level (inputs at the bottom, the output at the top)."""
    head = wrap(title or f"Relevance per unit: {title_of(dec)}", 2 * TITLE_WIDTH)
    # the layout in the constructor: plotly validates it once (updating a built figure costs several times more)
    return go.Figure(data=[heat_trace(dec, heat_bound(dec))], layout={
        "title": {"text": head, "font": {"size": 14}},
        "xaxis": {"title": {"text": "unit"}, "type": "category"}, "yaxis": {"title": {"text": ""}, "type": "category"},
        "height": 90 + 40 * len(dec.widths) + title_margin(head),
        # room for the level names, the colour bar and the axis title (figures.fit)
        "margin": {"l": 106, "r": COLOUR_BAR - 8, "t": title_margin(head), "b": 74},
    })


# --- conservation ----------------------------------------------------------------------------------


def conservation_traces(dec: Decomposition, *, showlegend: bool = True) -> list[dict[str, Any]]:
    """Per layer (output first): positive part, negative part, unresolved (bars) and the sum (markers)."""
    x = [f"layer {lr.layer}" for lr in dec.layers]
    pos = [lr.sum - lr.negative for lr in dec.layers]
    neg = [lr.negative for lr in dec.layers]
    unres = [lr.unresolved for lr in dec.layers]
    sums = [lr.sum for lr in dec.layers]
    common = {"showlegend": showlegend}
    return [  # traces as dicts: plotly validates them once, inside the figure
        dict(type="bar", name="positive part", x=x, y=pos, marker={"color": [sign_colour(v) for v in pos]},
             legendgroup="pos", hovertemplate="%{x}: positive part %{y:.6g}<extra></extra>", **common),
        dict(type="bar", name="negative part", x=x, y=neg, marker={"color": [sign_colour(v) for v in neg]},
             legendgroup="neg", hovertemplate="%{x}: negative part %{y:.6g}<extra></extra>", **common),
        dict(type="bar", name="unresolved (left at the roots)", x=x, y=unres,
             marker={"color": UNRESOLVED.format(a=0.8)}, legendgroup="unres",
             hovertemplate="%{x}: unresolved %{y:.6g}<extra></extra>", **common),
        dict(type="scatter", name="sum handed down", x=x, y=sums, mode="markers", legendgroup="sum",
             marker={"symbol": "diamond", "size": 11, "color": SUM},
             hovertemplate="%{x}: sum %{y:.6g}<extra></extra>", **common),
    ]


def conservation_bars(dec: Decomposition, title: str | None = None) -> go.Figure:
    """Per layer (output at the left): what it hands down (positive and negative parts, their sum)
    and what it leaves unresolved; the dashed line is f(x). Sum + unresolved = the layer above's sum."""
    head = wrap(title or f"Conservation per layer: {title_of(dec)}", 2 * TITLE_WIDTH)
    f_x = float(dec.f_x)
    return go.Figure(data=conservation_traces(dec), layout={
        "title": {"text": head, "font": {"size": 14}}, "barmode": "group", "yaxis": {"title": {"text": "relevance"}},
        "height": 340 + title_margin(head), "margin": {"l": 86, "r": 20, "t": title_margin(head), "b": 82},
        "legend": {"orientation": "h", "y": -0.15},
        # the dashed line at f(x) across the plot, labelled at its right end
        "shapes": [{"type": "line", "xref": "x domain", "x0": 0, "x1": 1, "yref": "y", "y0": f_x, "y1": f_x,
                    "line": {"dash": "dash"}}],
        "annotations": [{"text": f"f(x) = {f_x:.4g}", "xref": "x domain", "x": 1, "xanchor": "right",
                         "yref": "y", "y": f_x, "yanchor": "bottom", "showarrow": False}],
    })
