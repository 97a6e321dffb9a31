"""The Lessons page and the lesson bar through Streamlit's AppTest."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from lrp_core.lessons import get_lesson, lessons
from tests.conftest import open_app_page

PAGE = "views/lessons.py"
SLUG = "01-which-unit-to-prune"


def texts(at: AppTest) -> str:
    return "\n".join(str(m.value) for m in [*at.markdown, *at.info, *at.subheader, *at.caption])


def test_lists_lessons_and_walks_steps() -> None:
    at = open_app_page(PAGE)
    pick = at.selectbox(key="lessons_pick")
    assert list(pick.options) == [lesson.title for lesson in lessons()]
    lesson = get_lesson(SLUG)
    assert "Step 1 of 7" in texts(at) and lesson.steps[0].title in texts(at)
    at.button(key="lessons_next").click().run()
    assert "Step 2 of 7" in texts(at) and lesson.steps[1].title in texts(at)
    assert at.button(key="lessons_prev").disabled is False
    at.button(key="lessons_prev").click().run()
    assert "Step 1 of 7" in texts(at) and at.button(key="lessons_prev").disabled
    # a link to each step, carrying the network, the view and the step
    links = [m.value for m in at.markdown if "lesson=" in str(m.value)]
    assert len(links) == 7 and all("preset=ancona-max" in str(v) for v in links)


def test_other_lesson_starts_at_step_one() -> None:
    at = open_app_page(PAGE)
    at.button(key="lessons_next").click().run()
    at.selectbox(key="lessons_pick").set_value("02-where-is-the-root").run()
    assert "Step 1 of 6" in texts(at) and "A network made of linear pieces" in texts(at)


def test_opening_a_step_sets_network_page_and_view() -> None:
    at = open_app_page(PAGE, query={"preset": "xor-2-4-1"})
    for _ in range(4):
        at.button(key="lessons_next").click().run()
    assert "Step 5 of 7" in texts(at)
    at.button(key="lessons_open").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["lrp_network"].name == "ancona-max"
    assert at.session_state["lesson_current"] == (SLUG, 5)
    assert at.session_state["lrp_settings"]["imp_methods"] == ["gradient", "taylor"]
    assert at.query_params["lesson"] == [SLUG] or at.query_params["lesson"] == SLUG
    # the importance page ran with the step's methods
    assert at.pills(key="imp_methods").value == ["gradient", "taylor"]
    # the step's page carries the slim lesson bar: title, step k/n, previous/next
    assert "step 5/7" in texts(at)
    at.switch_page("views/importance.py")  # AppTest's own page follows the script's switch_page only for one run
    at.run()
    at.button(key="lesson_bar_next").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["lesson_current"] == (SLUG, 6) and "step 6/7" in texts(at)
    at.button(key="lesson_bar_leave").click().run()
    assert "lesson_current" not in at.session_state and "step 6/7" not in texts(at)
    assert at.session_state["lrp_network"].name == "ancona-max"  # leaving keeps the state


def test_lesson_bar_from_the_url() -> None:
    def script() -> None:
        from lrp_explorer.ui import lesson_nav

        lesson_nav.bar()

    at = AppTest.from_function(script, default_timeout=60)
    at.query_params["lesson"] = "02-where-is-the-root"
    at.query_params["step"] = "2"
    at.run()
    assert not at.exception
    shown = texts(at)
    assert "Where is the root?" in shown and "step 2/6" in shown
    assert "in segment = no" in shown  # the step's "look at"
    assert at.button(key="lesson_bar_prev").disabled is False and at.button(key="lesson_bar_next").disabled is False
    at.button(key="lesson_bar_leave").click().run()
    assert "lesson_current" not in at.session_state and not at.get("button")


def test_no_bar_without_a_lesson_or_with_a_bad_step() -> None:
    def script() -> None:
        from lrp_explorer.ui import lesson_nav

        lesson_nav.bar()

    at = AppTest.from_function(script, default_timeout=60)
    at.run()
    assert not at.get("button")
    at = AppTest.from_function(script, default_timeout=60)
    at.query_params["lesson"] = SLUG
    at.query_params["step"] = "99"
    at.run()
    assert not at.exception and not at.get("button")
