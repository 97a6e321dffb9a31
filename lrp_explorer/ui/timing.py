"""Script time of the pages' live bodies, for the benchmarks (off unless asked for).

With the environment variable ``LRP_EXPLORER_TIMING`` set to a file path, every
run of a page's body (:func:`lrp_explorer.ui.page.live`) appends one line to
that file: ``<page> <milliseconds>`` (a page with a network part,
:func:`lrp_explorer.ui.page.network_part`, writes two on a full run, the
part's and then the body's; a tweak reruns only the part). The time runs from
the start of the tweak control's callback when one ran before the body (the callback applies
the edit: :func:`mark`), else from the body's start, to the body's end. It is
the server's script time of a rerun; what the network and the browser add is
measured by the benchmarks themselves (``bench/bench_live.py``).

Without the variable the body runs as it is: nothing is timed or written.
"""

from __future__ import annotations

import functools
import os
import time
from collections.abc import Callable
from typing import ParamSpec

import streamlit as st

ENV = "LRP_EXPLORER_TIMING"
P = ParamSpec("P")
START = "lrp_timing_start"  # session key: when the tweak callback of this rerun started


def enabled() -> bool:
    return bool(os.environ.get(ENV))


def mark() -> None:
    """Called at the start of a callback that belongs to the next body run (the tweak's)."""
    if enabled():
        st.session_state[START] = time.perf_counter()


def timed(page: str) -> Callable[[Callable[P, None]], Callable[P, None]]:
    """Decorate a page's body (or a part of it) so that each run's script time is written (when enabled)."""

    def decorate(body: Callable[P, None]) -> Callable[P, None]:
        @functools.wraps(body)
        def run(*args: P.args, **kwargs: P.kwargs) -> None:
            path = os.environ.get(ENV)
            if not path:
                body(*args, **kwargs)
                return
            start = st.session_state.pop(START, None) or time.perf_counter()
            try:
                body(*args, **kwargs)
            finally:
                with open(path, "a", encoding="utf-8") as out:
                    out.write(f"{page} {(time.perf_counter() - start) * 1000.0:.3f}\n")

        return run

    return decorate
