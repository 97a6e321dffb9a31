"""Widget forms generated from a registry entry's declared parameters.

``schema_form(entry, key_prefix, values)`` renders one widget per
:class:`~lrp_core.params.Param` of ``entry.schema`` — a number input for
``int``/``float``, a select box for ``str`` (its choices) and for an optional
``bool`` (auto = unset / true / false), a checkbox for a ``bool``, a text box for an
optional number (empty = unset) — the ``advanced`` ones inside an expander,
and returns the checked values. A value the parameter refuses
(``Param.check``) is shown as its one-line :class:`LRPError` message right
under the field and left out of the result, so the entry falls back to its
declared default for it (:func:`refused` names the fields left out).

With ``persist="roots"`` every field keeps its value across page switches and
goes into the view link (:mod:`lrp_explorer.ui.settings`) under the setting
``roots_<entry>_<parameter>`` — or ``roots_<parameter>`` for the parameter
named like its entry (the rule finder's ``rule``: ``roots_rule``). A stored
value the parameter refuses (e.g. from an edited link) is replaced by the
default. Nothing here knows a finder's or a method's name.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import streamlit as st

from lrp_core.errors import LRPError
from lrp_core.params import Param
from lrp_core.registry import Entry
from lrp_explorer.ui import settings

_UNSET = "auto"  # Param.parse reads it as unset


def finder_form(name: str, key_prefix: str, defaults: Mapping[str, Any] | None = None, *,
                persist: str | None = None) -> dict[str, Any]:
    """:func:`schema_form` of root finder ``name`` (``FINDERS``); ``defaults``
    overrides the declared defaults as the widgets' initial values."""
    from lrp_core.roots import FINDERS

    return schema_form(FINDERS.get(name), key_prefix, defaults, persist=persist)


def schema_form(entry: Entry[Any], key_prefix: str, values: Mapping[str, Any] | None = None, *,
                persist: str | None = None) -> dict[str, Any]:
    """One widget per declared parameter of ``entry`` (keys ``f"{key_prefix}_{name}"``);
    returns ``{name: checked value}`` for every field whose value is valid."""
    start = {**entry.defaults(), **dict(values or {})}
    basic = [p for p in entry.schema if not p.advanced]
    advanced = [p for p in entry.schema if p.advanced]
    out: dict[str, Any] = {}
    for prm in basic:
        _field(prm, key_prefix, start.get(prm.name), out, setting_name(entry, prm, persist))
    if advanced:
        with st.expander(f"{entry.label}: advanced parameters"):
            for prm in advanced:
                _field(prm, key_prefix, start.get(prm.name), out, setting_name(entry, prm, persist))
    return out


def refused(entry: Entry[Any], values: Mapping[str, Any]) -> list[str]:
    """The declared parameters a form left out of ``values`` (their fields show an error)."""
    return [p.name for p in entry.schema if p.name not in values]


def setting_name(entry: Entry[Any], prm: Param, persist: str | None) -> str | None:
    """The persisted setting's name of ``prm`` (None: not persisted); see the module docstring."""
    if persist is None:
        return None
    return f"{persist}_{prm.name}" if prm.name == entry.name else f"{persist}_{entry.name}_{prm.name}"


def _field(prm: Param, key_prefix: str, value: Any, out: dict[str, Any], setting: str | None) -> None:
    """Render ``prm``'s widget and store its checked value in ``out`` (or show the error)."""
    key = f"{key_prefix}_{prm.name}"
    _prepare(prm, key, widget_value(prm, value), setting)
    label = prm.name.replace("_", " ")
    help_text = f"{prm.help} — {prm.describe()}"
    try:
        out[prm.name] = _read(prm, _widget(prm, label, key, help_text))
    except LRPError as exc:
        st.error(str(exc), icon=":material/error:")


def _prepare(prm: Param, key: str, initial: Any, setting: str | None) -> None:
    """Put the widget's value into the session before it is drawn (stored, else ``initial``)."""
    ss = st.session_state
    fresh = key not in ss
    if setting is not None:
        settings.persisted(key, initial, check=lambda raw: _ok(prm, raw), name=setting)
    elif fresh:
        ss[key] = initial
    if fresh and not _ok(prm, ss[key]):
        ss[key] = initial  # a stored value the parameter refuses
    typed = _typed(prm, ss[key])
    if type(typed) is not type(ss[key]):
        ss[key] = typed


def widget_value(prm: Param, value: Any) -> Any:
    """What the widget shows (and a persisted setting holds) for the parameter value ``value``."""
    if prm.kind == "str":
        choices = list(prm.choices or ())
        return value if value in choices else choices[0]
    if prm.kind == "bool":
        if prm.optional:
            return _UNSET if value is None else ("true" if value else "false")
        return bool(value)
    if prm.optional:
        return "" if value is None else f"{value:g}"
    return int(value) if prm.kind == "int" else float(value)


def _typed(prm: Param, raw: Any) -> Any:
    """A number widget's value as its own type (a link may hold 1 for a float field)."""
    if prm.kind in ("int", "float") and not prm.optional and isinstance(raw, (int, float)) \
            and not isinstance(raw, bool):
        if prm.kind == "int" and float(raw).is_integer():
            return int(raw)
        if prm.kind == "float":
            return float(raw)
    return raw


def _read(prm: Param, raw: Any) -> Any:
    """The checked parameter value of a widget value (or :class:`LRPError`)."""
    return prm.parse(raw) if isinstance(raw, str) and prm.kind != "str" else prm.check(raw)


def _ok(prm: Param, raw: Any) -> bool:
    try:
        _read(prm, raw)
    except LRPError:
        return False
    return True


def _widget(prm: Param, label: str, key: str, help_text: str) -> Any:
    if prm.kind == "str":
        return st.selectbox(label, list(prm.choices or ()), key=key, help=help_text)
    if prm.kind == "bool":
        if prm.optional:
            return st.selectbox(label, [_UNSET, "true", "false"], key=key, help=help_text)
        return st.checkbox(label, key=key, help=help_text)
    if prm.optional:
        return st.text_input(label, key=key, help=help_text + " (empty = unset)")
    if prm.kind == "int":
        return st.number_input(label, step=1, key=key, help=help_text,
                               min_value=None if prm.low is None else int(prm.low),
                               max_value=None if prm.high is None else int(prm.high))
    return st.number_input(label, key=key, help=help_text, format="%g",
                           min_value=None if prm.low is None else float(prm.low),
                           max_value=None if prm.high is None else float(prm.high))
