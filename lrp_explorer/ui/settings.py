"""Page settings that survive page switches (and can go into a link).

Streamlit drops a widget's value from ``st.session_state`` when the widget is
not rendered in a run, so a page's controls would reset every time the user
leaves the page. Every persisted control keeps its value under a non-widget
key as well (one dict, ``lrp_settings``):

- :func:`persisted` is called right before the widget is drawn (with the
  widget's ``key``; the widget gets no ``value=``/``index=``/``default=``):
  if Streamlit dropped the widget's value, it is restored from the store
  (or set to ``default`` the first time).
- :func:`capture` runs at the top of every run (``state.init`` calls it) and
  copies the current value of every persisted widget into the store, so a
  change made just before leaving the page is kept.

For links (the live-loop issue's view state): :func:`all_settings` is a plain
``{setting name: value}`` dict (the name is the widget key unless
:func:`persisted` was given another) of every persisted setting (JSON-able values:
str, int, float, bool, None, lists of those), and :func:`load_settings` puts
such a dict back (the widgets show it on their next render).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import streamlit as st

STORE = "lrp_settings"
CHECKS = "lrp_settings_checks"

Check = Callable[[Any], bool]


def _store() -> dict[str, Any]:
    return st.session_state.setdefault(STORE, {})


def _fit(value: Any, options: Sequence[Any] | None, default: Any) -> Any:
    """``value`` made valid for a widget with ``options`` (a list keeps its valid items)."""
    if options is None:
        return value
    opts = list(options)
    if isinstance(value, list | tuple):
        return [v for v in value if v in opts]
    return value if value in opts else default


def persisted(key: str, default: Any, *, options: Sequence[Any] | None = None,
              check: Check | None = None, name: str | None = None) -> str:
    """Make the widget ``key`` show its stored value (or ``default``); returns ``key``.

    ``options``: the widget's current choices (a stored value no longer among
    them falls back to ``default``; a multiselect keeps its valid items).
    ``check``: only values for which it returns True are stored (e.g. a number
    box stores only text that parses).
    ``name``: the setting's name in the store when the widget key carries a
    revision or other suffix (default: the widget key itself).
    """
    ss = st.session_state
    store = _store()
    name = name or key
    checks: dict[str, tuple[str, Check | None]] = ss.setdefault(CHECKS, {})
    checks[key] = (name, check)
    if key in ss:
        fitted = _fit(ss[key], options, default)
        if fitted != ss[key]:
            ss[key] = fitted
    else:
        ss[key] = _fit(store.get(name, default), options, default)
    if check is None or check(ss[key]):
        store[name] = _plain(ss[key])
    return key


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def capture() -> None:
    """Copy every persisted widget's current value into the store (top of each run)."""
    ss = st.session_state
    store = _store()
    checks: dict[str, tuple[str, Check | None]] = ss.get(CHECKS, {})
    for key, (name, check) in list(checks.items()):
        if key not in ss:
            del checks[key]  # a widget of an older revision: its name lives on under a newer key
        elif check is None or check(ss[key]):
            store[name] = _plain(ss[key])


def get(key: str, default: Any = None) -> Any:
    """A persisted setting's stored value (whether or not its widget is on screen)."""
    return _store().get(key, default)


def all_settings() -> dict[str, Any]:
    """Every persisted setting as a plain ``{setting name: value}`` dict (the name is the widget key unless
:func:`persisted` was given another) (a copy)."""
    return {k: _plain(v) for k, v in _store().items()}


def load_settings(values: dict[str, Any]) -> None:
    """Put settings (as from :func:`all_settings`) back; the widgets show them on their
    next render. Call it before the widgets of this run are drawn."""
    ss = st.session_state
    store = _store()
    widgets = {name: key for key, (name, _) in ss.get(CHECKS, {}).items()}
    for name, value in values.items():
        store[str(name)] = value
        key = widgets.get(str(name))
        if key is not None and key in ss:
            try:
                ss[key] = value
            except st.errors.StreamlitAPIException:  # already drawn in this run: shown on the next one
                pass
