"""Margins that hold what Plotly draws outside the plot: legends, colour bars, tick labels.

Streamlit draws a Plotly chart anew whenever its figure changes (the chart's identity is a hash
of the figure), so after a tweak every chart on the page is a fresh plot. When a legend, colour
bar or tick label does not fit the layout's margins, Plotly widens them and draws the whole chart
a second time; margins that already hold them spare that second drawing (about half of a chart's
cost in Chromium). Plotly still widens a margin that is too small, so an estimate that falls
short costs time, never a cut label.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

LEGEND_ROW = 19  # px per row of legend entries at an 11–12 px font
CHAR = 6.0  # px per character of a 12 px label (on the wide side)
COLOUR_BAR = 80  # px right of the plot for a colour bar with its title and tick labels


def legend_rows(entries: int, per_row: int) -> int:
    """Rows of a horizontal legend of ``entries`` entries, ``per_row`` to a row."""
    return -(-entries // per_row) if entries > 0 else 0


def legend_height(entries: int, per_row: int, row: int = LEGEND_ROW) -> int:
    """The height in px of a horizontal legend (``row`` px a row: more for entries with large markers)."""
    return row * legend_rows(entries, per_row)


def label_width(labels: Iterable[str], font_size: float = 12.0) -> int:
    """The width in px of the longest of ``labels``."""
    return round(max((len(s) for s in labels), default=0) * CHAR * font_size / 12.0)


def legend_entries(traces: Iterable[dict[str, Any]]) -> int:
    """How many of ``traces`` (dicts) the legend lists: every trace but heatmaps and those with
    ``showlegend`` false."""
    return sum(1 for t in traces if t.get("showlegend", t.get("type") != "heatmap"))
