"""Numerical health notes, shown on every page that computes with the network.

:func:`notes` shows :func:`lrp_core.guards.health_flags` at the current input:
weights float32 cannot hold, float32 and float64 disagreeing, dead layers,
and (where asked) an explained output of exactly 0. The checks are cached by
the network's digest and the point.
"""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from lrp_core import guards
from lrp_core.errors import LRPError
from lrp_core.network import Network
from lrp_explorer.ui.memo import session_memo


@session_memo(64)
def _flags(digest: str, _net: Network, x: tuple[float, ...]) -> tuple[guards.Flag, ...] | str:
    """The numerical health notes of the network at x (or why they could not be computed)."""
    try:
        return guards.health_flags(_net, x)
    except LRPError as exc:
        return str(exc)


def notes(net: Network, x: Sequence[float], *, zero_output: bool = False) -> None:
    """Show the warnings (and, with ``zero_output``, the "nothing to explain" note) about ``net`` at ``x``."""
    flags = _flags(net.digest, net, tuple(float(v) for v in x))
    if isinstance(flags, str):
        st.warning(f"Numerical checks skipped: {flags}")
        return
    for flag in flags:
        if flag.code == "zero-output" and not zero_output:
            continue
        text = flag.message[:1].upper() + flag.message[1:]
        (st.warning if flag.level == "warning" else st.info)(text if text.endswith(".") else text + ".")
