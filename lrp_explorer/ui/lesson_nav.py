"""Lessons in the app: open a step (network, page, view) and the slim lesson bar.

A step is opened in the running session: its network replaces the current
one (as one edit, if it differs), its view goes through the same restore as a
shared link (:func:`lrp_explorer.ui.view.restore`: settings, input point,
tweak target), and the app switches to the step's page with ``lesson`` and
``step`` in the URL. :func:`bar` draws the lesson bar (title, step k/n, text,
what to look at, previous/next, leave) on whatever page is showing; leaving
the lesson keeps the state.
"""

from __future__ import annotations

from urllib.parse import urlencode

import streamlit as st

from lrp_core.errors import LRPError
from lrp_core.lessons import Lesson, lessons
from lrp_core.viewstate import VIEW_PARAM

CURRENT = "lesson_current"  # (slug, step k) of the open lesson, or absent
PAGE_FILES = "views/{}.py"


def all_lessons() -> tuple[Lesson, ...]:
    """The shipped lessons (validated once, then each session gets its own copy)."""
    return _cached_lessons()


@st.cache_data(show_spinner=False)
def _cached_lessons() -> tuple[Lesson, ...]:
    return lessons()


def current() -> tuple[Lesson, int] | None:
    """The open lesson and step: from the session, else from ``?lesson=&step=`` in the URL."""
    ss = st.session_state
    if CURRENT not in ss and "lesson" in st.query_params:
        try:
            lesson = next(x for x in all_lessons() if x.slug == st.query_params.get("lesson"))
            k = int(str(st.query_params.get("step", "1")))
            lesson.step(k)
        except (StopIteration, ValueError, LRPError):
            return None
        ss[CURRENT] = (lesson.slug, k)
    if CURRENT not in ss:
        return None
    slug, k = ss[CURRENT]
    lesson = next((x for x in all_lessons() if x.slug == slug), None)
    return None if lesson is None else (lesson, k)


def apply_step(lesson: Lesson, k: int) -> str:
    """Put step ``k``'s network and view into the session; returns the page file to show."""
    from lrp_explorer.ui import state, view

    step = lesson.step(k)
    net = step.network()
    if not state.get_network().same_weights(net):
        state.set_network(net, reset_input=True, data=None)
    query = lesson.query(k)
    if VIEW_PARAM in query:
        _, notes = view.restore({VIEW_PARAM: query[VIEW_PARAM]})
        for note in notes:
            state.add_flash(note)
    st.session_state[CURRENT] = (lesson.slug, k)
    return PAGE_FILES.format(step.page)


def go(lesson: Lesson, k: int) -> None:
    """Open step ``k`` (see :func:`apply_step`) and switch to its page."""
    from lrp_explorer.ui import presenter

    page = apply_step(lesson, k)
    query = {"lesson": lesson.slug, "step": str(k)}
    if presenter.active():
        query[presenter.PARAM] = "1"  # presenter mode stays on through the lesson
    st.switch_page(page, query_params=query)


def leave() -> None:
    st.session_state.pop(CURRENT, None)
    for key in ("lesson", "step"):
        if key in st.query_params:
            del st.query_params[key]


def step_link(lesson: Lesson, k: int) -> str:
    """A relative link that opens step ``k`` in a fresh session (shareable)."""
    step = lesson.step(k)
    path = "./" if step.page == "home" else f"./{step.page}"
    return f"{path}?{urlencode(lesson.query(k))}"


def bar() -> bool:
    """The slim lesson bar on top of the page (nothing when no lesson is open); whether it was drawn."""
    found = current()
    if found is None:
        return False
    lesson, k = found
    n = len(lesson.steps)
    step = lesson.step(k)
    with st.container(border=True, key="lesson_bar"):
        head, prev_col, next_col, leave_col = st.columns([7, 1.2, 1, 1], vertical_alignment="center", gap="small")
        head.markdown(f"**{lesson.title}** · step {k}/{n}: {step.title}")
        if prev_col.button("Previous", key="lesson_bar_prev", disabled=k <= 1, type="tertiary",
                           icon=":material/arrow_back:"):
            go(lesson, k - 1)
        if next_col.button("Next", key="lesson_bar_next", disabled=k >= n, type="tertiary",
                           icon=":material/arrow_forward:"):
            go(lesson, k + 1)
        if leave_col.button("Leave", key="lesson_bar_leave", help="close the lesson; the state stays",
                            type="tertiary", icon=":material/close:"):
            leave()
            st.rerun()
        st.caption(f"{step.text} **Look at:** {step.look}")
    return True
