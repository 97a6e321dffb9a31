"""Undo, redo and "back to the preset" for the session's network.

The history lives under its own session key (``live_history``) next to the
network that :mod:`lrp_explorer.ui.state` owns; every change still goes
through ``state.set_network``. Edits made elsewhere (the editor's tables, an
upload) are noticed by :func:`track` — the network it last saw is pushed onto
the undo stack — so they can be undone too. At most :data:`LIMIT` networks
are kept on each stack.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import streamlit as st

from lrp_core.network import Network
from lrp_core.presets import PRESETS, get_preset
from lrp_explorer.ui import state

KEY = "live_history"
LIMIT = 100  # the issue asks for at least 50


@dataclass
class History:
    undo: list[Network] = field(default_factory=list)
    redo: list[Network] = field(default_factory=list)
    seen: Network | None = None  # the network the last track() saw
    preset: str | None = None  # the preset the network came from


def _history() -> History:
    h = st.session_state.get(KEY)
    if not isinstance(h, History):
        h = History()
        st.session_state[KEY] = h
    return h


def _push(stack: list[Network], net: Network) -> None:
    stack.append(net)
    del stack[:-LIMIT]


def track() -> History:
    """Notice a network changed outside this module (it becomes undoable)."""
    h = _history()
    net = state.get_network()
    if net is not h.seen:
        if h.seen is not None and not h.seen.same_weights(net):
            _push(h.undo, h.seen)
            h.redo.clear()
        h.seen = net
        if net.name in PRESETS:
            h.preset = net.name
    return h


def edit(net: Network) -> None:
    """Make ``net`` the current network as one undoable edit (``net`` is validated)."""
    h = track()
    _push(h.undo, h.seen)  # type: ignore[arg-type]  # track() set it
    h.redo.clear()
    _set(h, net)


def _set(h: History, net: Network) -> None:
    state.set_network(net)
    h.seen = state.get_network()


def undo() -> bool:
    """Go back one edit; ``False`` if there is none."""
    h = track()
    if not h.undo:
        return False
    _push(h.redo, h.seen)  # type: ignore[arg-type]
    _set(h, h.undo.pop())
    return True


def redo() -> bool:
    """Redo the last undone edit; ``False`` if there is none."""
    h = track()
    if not h.redo:
        return False
    _push(h.undo, h.seen)  # type: ignore[arg-type]
    _set(h, h.redo.pop())
    return True


def preset_name() -> str | None:
    return track().preset


def back_to_preset() -> bool:
    """Restore the preset the network came from (an undoable edit); ``False`` if none
    is known or the network already is that preset."""
    h = track()
    if h.preset is None:
        return False
    net = get_preset(h.preset).network()
    if h.seen is not None and h.seen.same_weights(net):
        return False
    edit(net)
    return True


def counts() -> tuple[int, int]:
    """How many edits can be undone and redone."""
    h = track()
    return len(h.undo), len(h.redo)
