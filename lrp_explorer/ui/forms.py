"""Widget forms generated from a registry entry's declared parameters.

``schema_form(entry, key_prefix, values)`` renders one widget per
:class:`~lrp_core.params.Param` of ``entry.schema`` — a number input for
``int``/``float``, a select box for ``str`` (its choices) and for an optional
``bool`` (auto = unset / true / false), a checkbox for a ``bool``, a text box for an
optional number (empty = unset) — the ``advanced`` ones inside an expander,
and returns the checked values. A value the parameter refuses
(``Param.check``) is shown as its one-line :class:`LRPError` message right
under the field and left out of the result, so the entry falls back to its
declared default for it. Nothing here knows a finder's or a method's name.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import streamlit as st

from lrp_core.errors import LRPError
from lrp_core.params import Param
from lrp_core.registry import Entry

_UNSET = "auto"  # Param.parse reads it as unset


def finder_form(name: str, key_prefix: str, defaults: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """:func:`schema_form` of root finder ``name`` (``FINDERS``); ``defaults``
    overrides the declared defaults as the widgets' initial values."""
    from lrp_core.roots import FINDERS

    return schema_form(FINDERS.get(name), key_prefix, defaults)


def schema_form(entry: Entry[Any], key_prefix: str, values: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """One widget per declared parameter of ``entry`` (keys ``f"{key_prefix}_{name}"``);
    returns ``{name: checked value}`` for every field whose value is valid."""
    start = {**entry.defaults(), **dict(values or {})}
    basic = [p for p in entry.schema if not p.advanced]
    advanced = [p for p in entry.schema if p.advanced]
    out: dict[str, Any] = {}
    for prm in basic:
        _field(prm, key_prefix, start.get(prm.name), out)
    if advanced:
        with st.expander(f"{entry.label}: advanced parameters"):
            for prm in advanced:
                _field(prm, key_prefix, start.get(prm.name), out)
    return out


def _field(prm: Param, key_prefix: str, value: Any, out: dict[str, Any]) -> None:
    """Render ``prm``'s widget and store its checked value in ``out`` (or show the error)."""
    key = f"{key_prefix}_{prm.name}"
    label = prm.name.replace("_", " ")
    help_text = f"{prm.help} — {prm.describe()}"
    try:
        raw = _widget(prm, label, key, value, help_text)
        out[prm.name] = prm.parse(raw) if isinstance(raw, str) and prm.kind != "str" else prm.check(raw)
    except LRPError as exc:
        st.error(str(exc), icon=":material/error:")


def _widget(prm: Param, label: str, key: str, value: Any, help_text: str) -> Any:
    if prm.kind == "str":
        choices = list(prm.choices or ())
        index = choices.index(value) if value in choices else 0
        return st.selectbox(label, choices, index=index, key=key, help=help_text)
    if prm.kind == "bool":
        if prm.optional:
            options = [_UNSET, "true", "false"]
            current = _UNSET if value is None else ("true" if value else "false")
            return st.selectbox(label, options, index=options.index(current), key=key, help=help_text)
        return st.checkbox(label, value=bool(value), key=key, help=help_text)
    if prm.optional:
        return st.text_input(label, value="" if value is None else f"{value:g}", key=key,
                             help=help_text + " (empty = unset)")
    if prm.kind == "int":
        return st.number_input(label, value=int(value), step=1, key=key, help=help_text,
                               min_value=None if prm.low is None else int(prm.low),
                               max_value=None if prm.high is None else int(prm.high))
    return st.number_input(label, value=float(value), key=key, help=help_text, format="%g",
                           min_value=None if prm.low is None else float(prm.low),
                           max_value=None if prm.high is None else float(prm.high))
