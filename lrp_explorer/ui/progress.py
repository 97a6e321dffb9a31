"""A progress bar for a long computation: ``with progress_bar("Shapley (exact)") as tick: run(progress=tick)``.

The bar shows ``label… 42% (change a setting to cancel)`` and moves in steps of
at least ``step`` (a redraw per percent would cost more than the work); it is
removed when the block ends, whether the run finished or was interrupted by a
new setting (a rerun raises out of ``tick``, and a cached function then stores
nothing).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import streamlit as st


@contextmanager
def progress_bar(label: str, *, step: float = 0.02) -> Iterator[Callable[[float], None]]:
    bar = st.progress(0.0, text=f"{label}…")
    last = [0.0]

    def tick(frac: float) -> None:
        frac = min(1.0, max(0.0, float(frac)))
        if frac - last[0] >= step or frac >= 1.0:
            last[0] = frac
            bar.progress(frac, text=f"{label}… {frac:.0%} (change a setting to cancel)")

    try:
        yield tick
    finally:
        bar.empty()
