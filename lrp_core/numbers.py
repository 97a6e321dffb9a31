"""Numbers typed by a person: one strict parser for every text field and grid cell.

:func:`parse_number` accepts plain decimals and scientific notation exactly as
typed (``2.5``, ``-0.25``, ``1e30``, ``1E5``, ``-1e-30``, ``.5``, ``+3``) and
refuses everything else with a one-line :class:`~lrp_core.errors.LRPError`:
a decimal comma (``1,5``), ``inf``/``nan``, words, empty text, and magnitudes
beyond the network's cap ``MAX_ABS_VALUE`` (1e32) or outside given bounds.
Nothing is rewritten silently: the value is ``float(text)`` or an error.
"""

from __future__ import annotations

import math
import re

from lrp_core.errors import LRPError
from lrp_core.network import MAX_ABS_VALUE

_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
MAX_TEXT = 64


def _why_not(text: str) -> str:
    low = text.lower()
    if not text:
        return "is empty; enter a number"
    if low.lstrip("+-") in ("inf", "infinity", "nan"):
        return f"{text!r} is not a finite number; enter a number such as 2.5 or 1e-3"
    if "," in text and _NUMBER.fullmatch(text.replace(",", ".", 1)):
        return f"{text!r} uses a decimal comma; write it with a point ({text.replace(',', '.', 1)})"
    return f"{text[:20]!r} is not a number; enter e.g. 2.5, -0.25 or 1e-3"


def parse_number(
    text: str | float | int,
    *,
    low: float = -MAX_ABS_VALUE,
    high: float = MAX_ABS_VALUE,
    integer: bool = False,
    what: str = "the value",
) -> float:
    """``text`` as a float (a whole number when ``integer``), or :class:`LRPError`.

    ``low``/``high`` bound the value (inclusive); the cap ±1e32 always applies.
    Numbers already of type int/float pass the same checks (so a pasted cell
    that arrives as a number is treated like typed text).
    """
    if isinstance(text, bool):
        raise LRPError(f"{what} must be a number, not {text}")
    if isinstance(text, int | float):
        value = float(text)
        shown = f"{text:g}" if isinstance(text, float) else str(text)
        if not math.isfinite(value):
            raise LRPError(f"{what}: {shown} is not a finite number; enter a number such as 2.5 or 1e-3")
    else:
        s = str(text).strip()
        if len(s) > MAX_TEXT:
            raise LRPError(f"{what}: {s[:20]!r}… is too long to be a number")
        if not _NUMBER.fullmatch(s):
            raise LRPError(f"{what} {_why_not(s)}")
        value, shown = float(s), s
    if abs(value) > MAX_ABS_VALUE:
        raise LRPError(f"{what}: {shown} is larger in magnitude than the cap {MAX_ABS_VALUE:g}")
    if integer and value != math.floor(value):
        raise LRPError(f"{what} must be a whole number, not {shown}")
    if not low <= value <= high:
        raise LRPError(f"{what} must be from {_fmt(low, integer)} to {_fmt(high, integer)}, not {shown}")
    return value


def _fmt(v: float, integer: bool) -> str:
    if integer and abs(v) < 1e16:
        return f"{int(v):,}"
    return f"{v:g}"


def format_number(value: float, *, integer: bool = False) -> str:
    """The text a number box shows for ``value``: ``repr`` of the float (it
    round-trips exactly through :func:`parse_number`), or the whole number."""
    if integer:
        return str(int(value))
    f = float(value)
    text = repr(f)
    return text[:-2] if text.endswith(".0") and "e" not in text else text
