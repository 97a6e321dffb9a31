"""Every step of every shipped lesson opened in AppTest, as a class would open it: no exception, and
every text the step says its page shows (its numbers, ``shows``) is on the page. The browser walk
(test_browser_lessons.py) checks the same texts in Chromium."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from lrp_core.lessons import Lesson, lessons
from lrp_explorer.ui import lesson_nav
from tests.conftest import open_app_page

STEPS = [(lesson, k) for lesson in lessons() for k in range(1, len(lesson.steps) + 1)]


def page_text(at: AppTest) -> str:
    parts = [*at.markdown, *at.caption, *at.info, *at.success, *at.warning, *at.subheader]
    text = "\n".join(str(p.value) for p in parts)
    text += "\n".join(f"{m.label} {m.value}" for m in at.metric)
    text += "\n".join(d.value.to_string() for d in at.dataframe)
    return text.replace("**", "")


@pytest.mark.parametrize(("lesson", "k"), STEPS, ids=[f"{les.slug[:2]}-{k}" for les, k in STEPS])
def test_every_step_shows_what_it_says(lesson: Lesson, k: int) -> None:
    step = lesson.step(k)
    at = open_app_page("views/lessons.py")
    at.selectbox(key="lessons_pick").set_value(lesson.slug).run()
    for _ in range(k - 1):
        at.button(key="lessons_next").click().run()
    at.button(key="lessons_open").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state[lesson_nav.CURRENT] == (lesson.slug, k)
    text = page_text(at)
    missing = [t for t in step.shows if t not in text]
    assert not missing, f"step {k} ({step.id}) does not show {missing}"
