"""Scale a figure's text for a projector (a pure function: figure in, new figure out)."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go

PLOTLY_DEFAULT_FONT = 12


def _scaled_font(font: Any, factor: float, default: float | None) -> dict[str, float] | None:
    size = getattr(font, "size", None) if font is not None else None
    size = size if size is not None else default
    return None if size is None else {"size": round(float(size) * factor, 1)}


def scaled_text(fig: go.Figure, factor: float) -> go.Figure:
    """A copy of ``fig`` with every text size multiplied by ``factor``: the
    layout font, the title, the legend, the axes' titles and ticks, and the
    annotations (Plotly positions legends and margins from these sizes, so the
    layout stays readable, unlike a CSS override of the drawn text)."""
    out = go.Figure(fig)
    lay = out.layout
    base = lay.font.size or PLOTLY_DEFAULT_FONT
    out.update_layout(font={"size": round(base * factor, 1)})
    if lay.title is not None and lay.title.font.size is not None:
        out.update_layout(title_font=_scaled_font(lay.title.font, factor, None))
    if lay.legend is not None and lay.legend.font.size is not None:
        out.update_layout(legend_font=_scaled_font(lay.legend.font, factor, None))
    for axis in list(out.select_xaxes()) + list(out.select_yaxes()):
        if axis.title.font.size is not None:
            axis.title.font.size = axis.title.font.size * factor
        if axis.tickfont.size is not None:
            axis.tickfont.size = axis.tickfont.size * factor
    for ann in out.layout.annotations:
        ann.font = _scaled_font(ann.font, factor, base)
    margin = lay.margin  # sized for the text (figures.fit): larger text, larger margins
    out.update_layout(margin={side: round(getattr(margin, side) * factor) for side in "lrtb"
                              if getattr(margin, side) is not None})
    return out
