"""The input point x as text boxes x1…xn, read exactly (``1e-3``, ``2.5E1``) and refused where typed.

:func:`point_inputs` draws one text box per input (Streamlit's number input
rewrites ``1e30`` silently), parses each with
:func:`lrp_core.numbers.parse_number`, runs the page's own ``check`` on the new
point (e.g. "the plane's box must hold it") and returns the new point — or,
if anything is refused, the unchanged point and a one-line message saying what
was refused and that nothing changed. The boxes' keys carry a hash of x, so
they show a point moved elsewhere (a click on a plane) at once. x itself lives
in :mod:`lrp_explorer.ui.state` and the view link, not in the page settings.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

import streamlit as st

from lrp_core.errors import LRPError
from lrp_core.numbers import format_number, parse_number


def point_text(x: Sequence[float], digits: int = 4) -> str:
    """``(0.5, -1)``: a point to read."""
    return "(" + ", ".join(f"{v:.{digits}g}" for v in x) + ")"


def point_inputs(x: tuple[float, ...], key_prefix: str, *, per_row: int = 2,
                 check: Callable[[tuple[float, ...]], None] | None = None) -> tuple[tuple[float, ...], str | None]:
    """Text boxes for x1…xn (``per_row`` side by side); returns ``(point, refusal message or None)``."""
    tag = hashlib.sha1(repr(tuple(x)).encode()).hexdigest()[:10]
    cols = st.columns(max(1, min(per_row, len(x))), gap="small")
    new = list(x)
    typed: list[str] = []
    refusal: str | None = None
    for i, v in enumerate(x):
        text = cols[i % len(cols)].text_input(f"x{i + 1}", value=format_number(v), key=f"{key_prefix}_{tag}_{i}")
        typed.append(text)
        try:
            new[i] = parse_number(text, what=f"x{i + 1}")
        except LRPError as exc:
            refusal = refusal or f"x{i + 1} = {text.strip()[:40]!r} refused: {exc}"
    point = tuple(new)
    if refusal is None and point != tuple(x) and check is not None:
        try:
            check(point)
        except LRPError as exc:
            refusal = f"x = ({', '.join(t.strip()[:20] for t in typed)}) refused: {exc}"
    if refusal is not None:
        return tuple(x), f"{refusal}. Nothing was changed; x stays {point_text(x)}."
    return point, None
