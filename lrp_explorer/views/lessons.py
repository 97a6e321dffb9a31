"""Lessons: both papers as guided demos. Pick a lesson, read a step, open it
(network, page and view are set as a shared link would set them)."""

from __future__ import annotations

import streamlit as st

from lrp_explorer.ui import lesson_nav, page

page.header("Lessons", "Each lesson walks through one paper step by step. Opening a step sets the network, the "
            "page and its settings; the lesson bar on top of that page leads on. Lessons are data files "
            "(lrp_core/lessons/data/*.toml): a new one needs no code.", lesson_bar=False)

found = lesson_nav.all_lessons()
slugs = [lesson.slug for lesson in found]
by_slug = {lesson.slug: lesson for lesson in found}
opened = lesson_nav.current()
if opened is not None and st.session_state.get("lessons_pick") not in slugs:
    st.session_state["lessons_pick"] = opened[0].slug
slug = st.selectbox("Lesson", slugs, format_func=lambda s: by_slug[s].title, key="lessons_pick")
lesson = by_slug[slug]
st.markdown(f"*{lesson.cite}*")
if lesson.summary:
    st.markdown(lesson.summary)

n = len(lesson.steps)
ss = st.session_state
if ss.get("lessons_k_of") != slug:
    ss["lessons_k_of"] = slug
    ss["lessons_k"] = opened[1] if opened is not None and opened[0].slug == slug else 1
k = int(ss["lessons_k"])

left, mid, right = st.columns([1, 2, 1], vertical_alignment="center")
if left.button("Previous step", key="lessons_prev", disabled=k <= 1, use_container_width=True):
    ss["lessons_k"] = k - 1
    st.rerun()
mid.markdown(f"<div style='text-align:center'><b>Step {k} of {n}</b></div>", unsafe_allow_html=True)
if right.button("Next step", key="lessons_next", disabled=k >= n, use_container_width=True):
    ss["lessons_k"] = k + 1
    st.rerun()

step = lesson.step(k)
st.subheader(f"{k}. {step.title}")
st.markdown(step.text)
st.info(f"**Look at:** {step.look}")
network = step.preset or "its own network"
if st.button(f"Open step {k} on the {step.page} page ({network})", key="lessons_open", type="primary"):
    lesson_nav.go(lesson, k)

with st.expander("All steps (a link to each)", expanded=False):
    for i, s in enumerate(lesson.steps, start=1):
        st.markdown(f"{i}. [{s.title}]({lesson_nav.step_link(lesson, i)}) — {s.page} page")
