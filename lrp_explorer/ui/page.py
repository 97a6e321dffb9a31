"""The frame every page shares: the header and the live body.

A page reads as its layout::

    page.header("Neuron importance", LEAD, how_it_works)

    @page.live("importance")
    def body() -> None:
        ...  # settings, the tweak control beside the main plot, the results

    body()

:func:`header` draws the lesson bar (when a lesson is open), the one-time
messages, the title with a one-line lead, and a folded "How it works"
expander with the formulas and their plain-words explanation (open on the
home page). Everything that depends on the network goes in the page's
fragment, so a tweak, a click or a setting reruns only the body
(:func:`live`: an ``st.fragment``), never the header, the navigation or the
other pages; the benchmarks can time it (:mod:`lrp_explorer.ui.timing`).
Where the settings row does not depend on the weights, the rest of the body
is a fragment of its own (:func:`network_part`), so a tweak reruns only that.

:func:`main_and_tweak` splits the body's first row into the main plot and
the tweak control beside it (:mod:`lrp_explorer.ui.tweak`), so both fit on a
1280 × 800 screen without scrolling; the main plot is drawn first.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, ParamSpec

import plotly.graph_objects as go
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from lrp_explorer.ui import lesson_nav, state

HOW = "How it works"
P = ParamSpec("P")


def header(title: str, lead: str, how: Callable[[], None] | None = None, *, how_open: bool = False,
           lesson_bar: bool = True) -> None:
    """The lesson bar (when a lesson is open), messages, title, lead and the "How it works" expander."""
    in_lesson = lesson_bar and lesson_nav.bar()
    state.show_flash()
    st.title(title, anchor=False)
    if not in_lesson:  # in a lesson, the step's text takes the lead's place
        st.caption(lead)
    if how is not None:
        with st.expander(HOW, expanded=how_open, icon=":material/school:"):
            how()


def live(name: str) -> Callable[[Callable[[], None]], Callable[[], None]]:
    """The page's body as an ``st.fragment``, its script time written for the benchmarks when
    ``LRP_EXPLORER_TIMING`` is set (:mod:`lrp_explorer.ui.timing`)."""
    from lrp_explorer.ui import timing

    def decorate(body: Callable[[], None]) -> Callable[[], None]:
        return st.fragment(timing.timed(name)(body))

    return decorate


def network_part(name: str) -> Callable[[Callable[P, None]], Callable[P, None]]:
    """The part of a page's body that depends on the network's weights (the tweak control, the
    computation, the plots) as a fragment of its own inside the body, timed as ``name``: a tweak
    reruns only this part; the settings row above is neither run nor sent to the browser again
    (about 40 elements on the decomposition page). The settings were drawn for the network's
    architecture; when an undo, a redo or "back to the preset" changes it, the whole page runs again.
    Use it only where the settings row depends on nothing but the architecture."""
    from lrp_explorer.ui import timing

    def decorate(part: Callable[P, None]) -> Callable[P, None]:
        @st.fragment
        @timing.timed(name)
        def run(widths: tuple[int, ...], *args: Any, **kwargs: Any) -> None:
            if tuple(state.get_network().widths) != widths:
                st.rerun()  # the settings row was drawn for another architecture
            part(*args, **kwargs)  # type: ignore[arg-type]

        @functools.wraps(part)
        def call(*args: P.args, **kwargs: P.kwargs) -> None:
            run(tuple(state.get_network().widths), *args, **kwargs)

        return call

    return decorate


@contextmanager
def main_and_tweak(page: str, *, ratio: tuple[float, float] = (3.0, 2.0),
                   box: tuple[float, float] | None = None) -> Iterator[DeltaGenerator]:
    """Two columns: the block's content fills the main one, then the tweak control
    (diagram, value, undo/redo, copy link) fills the other. Call inside the page's
    fragment: ``with page.main_and_tweak("importance"): ...``.

    The main column is filled first, so after a tweak the page's main plot reaches
    the browser before the tweak panel is redrawn. A ``return`` inside the block
    still draws the tweak control (the user can always tweak back); an exception
    (e.g. a rerun) does not."""
    from lrp_explorer.ui import tweak

    main, side = st.columns(list(ratio), gap="medium")
    with main:
        yield main
    with side:
        tweak.side_panel(page, box=box)


def lazy_tabs(key: str, parts: Mapping[str, Callable[[], None]]) -> None:
    """Tabs (``st.tabs`` under widget key ``key``), one per label of ``parts``, of which only the
    open one is drawn: its function runs, the others cost nothing on a rerun. Give the same labels
    whatever the settings: a tab bar whose labels change forgets which tab was open."""
    for tab, draw in zip(st.tabs(list(parts), key=key, on_change="rerun"), parts.values(), strict=True):
        if tab.open:
            with tab:
                draw()


def chart(fig: go.Figure, *, key: str, where: Any = None, **kwargs: Any) -> Any:
    """``st.plotly_chart`` with the figure's text enlarged in presenter mode
    (:func:`lrp_explorer.figures.scale.scaled_text`); returns the chart's event."""
    from lrp_explorer.figures.scale import scaled_text
    from lrp_explorer.ui import presenter

    if presenter.active():
        fig = scaled_text(fig, presenter.PLOT_SCALE)
    return (where or st).plotly_chart(fig, key=key, **kwargs)
