"""Many line pieces as one SVG path (a Plotly layout shape), and a legend entry for it.

Plotly draws a line trace with gaps (``None`` between pieces) as one SVG path per piece and
styles each on its own, and Streamlit draws a chart anew whenever its figure changes (every
tweak). A path shape is one element however many pieces it holds: the tweak diagram's edges
(420 on dtd-mlp) and the linear regions' outlines on the roots and fields planes (121 pieces on
plane-2-8-8-1, on each of the fields' panels). A shape has no legend symbol of its own that looks
like a line, so its legend entry is a line trace without points (:func:`legend_line`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any


def svg_path(xs: Iterable[float | None], ys: Iterable[float | None]) -> str:
    """``M x,y L x,y …`` through the points; a ``None`` or NaN in either starts a new piece."""
    parts: list[str] = []
    pen = False
    for x, y in zip(xs, ys, strict=True):
        if x is None or y is None or math.isnan(x) or math.isnan(y):
            pen = False
            continue
        parts.append(f"{'L' if pen else 'M'}{float(x)!r},{float(y)!r}")  # repr: exact, read back equal
        pen = True
    return "".join(parts)


def path_shape(xs: Iterable[float | None], ys: Iterable[float | None], line: dict[str, Any], *, name: str,
               layer: str = "above", xref: str = "x", yref: str = "y") -> dict[str, Any]:
    """The pieces as one layout shape in data coordinates (``layer="below"`` draws it under the traces)."""
    return dict(type="path", path=svg_path(xs, ys), name=name, line=line, layer=layer, xref=xref, yref=yref)


def legend_line(name: str, line: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """A legend entry drawn as a line: a line trace without points."""
    return dict(type="scatter", x=[None], y=[None], mode="lines", name=name, line=line, hoverinfo="skip",
                showlegend=True, **extra)
