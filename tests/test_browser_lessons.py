"""Both lessons walked end to end in Debian's Chromium, as a lecturer would: open step 1 from the Lessons
page, then follow the lesson bar's Next on every step's page. Each step opens its page with its state
and shows what the lesson says it shows (its numbers); Previous goes back. The second lesson is walked
in presenter mode (?present=1), which must keep the lesson bar."""

from __future__ import annotations

from typing import Any

import pytest

from lrp_core.lessons import lessons
from tests.conftest import wait_for_app

HEADINGS = {"importance": "Neuron importance", "roots": "Root finding", "decomposition": "Decomposition",
            "home": "LRP Explorer", "editor": "Network editor", "fields": "Explanation fields"}
BAR = '[class*="st-key-lesson_bar"]'


def _check_step(page: Any, lesson: Any, k: int, artifacts: Any, index: int) -> None:
    step = lesson.step(k)
    page.wait_for_url(f"**step={k}*")
    wait_for_app(page)
    page.get_by_role("heading", name=HEADINGS[step.page]).first.wait_for()
    bar = page.locator(BAR)
    bar.get_by_text(f"step {k}/{len(lesson.steps)}: {step.title}").wait_for()
    assert f"lesson={lesson.slug}" in page.url and "view=1." in page.url
    for text in step.shows:  # the step's numbers, on screen (charts' text aside)
        page.get_by_text(text, exact=False).first.wait_for(state="attached")
    assert page.get_by_text("Traceback").count() == 0
    page.screenshot(path=str(artifacts / f"lesson-{index + 1}-step-{k}.png"))


@pytest.mark.browser
@pytest.mark.parametrize("index", [0, 1])
def test_walk_a_lesson_with_its_bar(page: Any, app_url: str, artifacts: Any, index: int) -> None:
    lesson = lessons()[index]
    n = len(lesson.steps)
    present = "?present=1" if index == 1 else ""
    page.set_default_timeout(120_000)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{app_url}/lessons{present}")
    wait_for_app(page)
    if index:
        page.locator('[data-testid="stSelectbox"]').filter(has_text="Lesson").click()
        page.get_by_role("option", name=lesson.title).click()
        wait_for_app(page)
    page.get_by_text(f"Step 1 of {n}", exact=True).wait_for()
    page.get_by_role("button", name="Open step 1 on the").click()
    for k in range(1, n + 1):
        _check_step(page, lesson, k, artifacts, index)
        if present:
            assert not page.locator('[data-testid="stSidebar"]').is_visible()
        if k < n:
            page.locator(BAR).get_by_role("button", name="Next").click()
    page.locator(BAR).get_by_role("button", name="Previous").click()
    _check_step(page, lesson, n - 1, artifacts, index)
