"""A number box: a text field read by :func:`lrp_core.numbers.parse_number`.

``st.number_input`` rewrites what is typed (``1e9`` becomes 1, ``1e20`` is
clamped), so every number a person types goes through :func:`number_box`
instead: it accepts scientific notation exactly (``1e30``, ``1E5``,
``-1e-30``), refuses anything else (``1,5``, ``inf``, out of range) with a
one-line message right under the field, and then returns the last valid value
unchanged. The value persists across page switches (:mod:`lrp_explorer.ui.settings`).

Usage::

    n = number_box("Data size", "imp_n", 100, 1, 100_000, integer=True)
    t = number_box("Weight", "tweak_w", 0.5)          # any finite |v| <= 1e32
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from lrp_core.errors import LRPError
from lrp_core.network import MAX_ABS_VALUE
from lrp_core.numbers import format_number, parse_number
from lrp_explorer.ui import settings

LAST_VALID = "lrp_numbox_valid"


def _checker(low: float, high: float, integer: bool) -> settings.Check:
    def ok(text: Any) -> bool:
        try:
            parse_number(text, low=low, high=high, integer=integer)
        except LRPError:
            return False
        return True
    return ok


def number_box(
    label: str,
    key: str,
    value: float,
    low: float = -MAX_ABS_VALUE,
    high: float = MAX_ABS_VALUE,
    *,
    integer: bool = False,
    help: str | None = None,
    where: Any = None,
    disabled: bool = False,
) -> float | int:
    """Draw a number box and return its value (``int`` when ``integer``).

    ``value`` is the default shown the first time; ``low``/``high`` bound what
    is accepted (inclusive). Invalid text stays in the field with an error under
    it, and the previous valid value is returned (nothing changes). ``where``:
    a container or column to draw in (default: the current one).
    """
    where = where if where is not None else st
    default_text = format_number(value, integer=integer)
    settings.persisted(key, default_text, check=_checker(low, high, integer))
    text = where.text_input(label, key=key, help=help, disabled=disabled)
    valid: dict[str, float] = st.session_state.setdefault(LAST_VALID, {})
    try:
        result = parse_number(text, low=low, high=high, integer=integer, what=label)
    except LRPError as exc:
        kept = valid.get(key)
        if kept is None or not low <= kept <= high:
            kept = parse_number(settings.get(key, default_text), low=low, high=high, integer=integer) \
                if _checker(low, high, integer)(settings.get(key, default_text)) else float(value)
        where.error(f"{exc}. Nothing was changed: {label} stays {format_number(kept, integer=integer)}.")
        result = kept
    valid[key] = result
    return int(result) if integer else result
