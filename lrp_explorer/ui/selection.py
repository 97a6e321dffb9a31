"""Clicks on Plotly charts: read a Streamlit selection event, and the grid that catches clicks.

Plotly heatmaps give no selection events in Streamlit (streamlit/streamlit#8760),
so a plane that should move x on a click lays a grid of invisible scatter markers
over its heatmap (:func:`snap_grid`, a round step such as 0.1 so the clicked
point has short coordinates) and reads the clicked marker back with
:func:`point_from_selection`. :func:`on_click` makes the chart callback that
does both: it runs before the rerun, so the rerun already shows the new point.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import streamlit as st

from lrp_core.plane import Box, check_box

#: at most this many grid points per axis (about 5 px apart on a 450 px plane)
MAX_PER_AXIS = 61  # click points a side (the figures draw one of them: Plotly hit-tests the data)


def _finite_number(v: Any) -> float | None:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return None
    f = float(v)
    return f if math.isfinite(f) else None


def point_from_selection(
    event: Any, *, box: Sequence[float] | None = None, curves: Sequence[int] | None = None
) -> tuple[float, float] | None:
    """The clicked point from a Streamlit plotly selection event, or None.

    ``event`` is what ``st.plotly_chart(..., on_select=...)`` returns (a
    mapping with ``selection.points``, each with ``x`` and ``y``). The last
    selected point with finite coordinates wins; with ``curves``, only points
    of those trace indices count; with ``box``, points outside it are ignored.
    """
    if event is None:
        return None
    selection = event.get("selection") if isinstance(event, Mapping) else getattr(event, "selection", None)
    if selection is None:
        return None
    points = selection.get("points") if isinstance(selection, Mapping) else getattr(selection, "points", None)
    if not points:
        return None
    bounds = check_box(box) if box is not None else None
    for p in reversed(list(points)):
        if not isinstance(p, Mapping):
            continue
        if curves is not None:
            c = p.get("curve_number", p.get("curveNumber"))
            if c not in curves:
                continue
        x, y = _finite_number(p.get("x")), _finite_number(p.get("y"))
        if x is None or y is None:
            continue
        if bounds is not None and not (bounds[0] <= x <= bounds[1] and bounds[2] <= y <= bounds[3]):
            continue
        return (x, y)
    return None


def nice_step(width: float, max_points: int = MAX_PER_AXIS) -> float:
    """The smallest step of the form 1, 2 or 5 × 10^k with at most ``max_points`` points over ``width``."""
    if not (math.isfinite(width) and width > 0) or max_points < 2:
        raise ValueError(f"need a finite width > 0 and at least 2 points, got {width!r}, {max_points!r}")
    raw = width / (max_points - 1)
    exp = math.floor(math.log10(raw))
    for m in (1.0, 2.0, 5.0, 10.0):
        step = m * 10.0**exp
        if step >= raw * (1 - 1e-12):
            return step
    return 10.0 ** (exp + 1)  # pragma: no cover (m = 10 always qualifies)


def _axis(lo: float, hi: float, step: float) -> list[float]:
    """The multiples of ``step`` in [lo, hi], rounded to the step's decimals."""
    first, last = math.ceil(lo / step - 1e-9), math.floor(hi / step + 1e-9)
    digits = max(0, -math.floor(math.log10(step)) + 1)
    return [round(k * step, digits) for k in range(first, last + 1)]


def snap_grid(box: Sequence[float], max_points: int = MAX_PER_AXIS) -> tuple[list[float], list[float], float]:
    """Click markers on the multiples of one round step over the box (flattened, x fastest),
    and the step: a click lands on the nearest of them."""
    x0, x1, y0, y1 = check_box(box)
    step = nice_step(max(x1 - x0, y1 - y0), max_points)
    xs, ys = _axis(x0, x1, step), _axis(y0, y1, step)
    return [x for _ in ys for x in xs], [y for y in ys for _ in xs], step


def on_click(key: str, box: Box, apply: Callable[[tuple[float, float]], None]) -> Callable[[], None]:
    """The ``on_select`` callback of the chart ``key``: ``apply(point)`` for a clicked point in the box."""

    def callback() -> None:
        point = point_from_selection(st.session_state.get(key), box=box)
        if point is not None:
            apply(point)

    return callback
