"""Both lessons walked end to end in Debian's Chromium: every step opens its page with its state,
and previous/next work on the Lessons page."""

from __future__ import annotations

from typing import Any

import pytest

from lrp_core.importance import METHODS
from lrp_core.lessons import lessons
from tests.conftest import wait_for_app

HEADINGS = {"importance": "Neuron importance", "roots": "Root finding", "decomposition": "Decomposition",
            "home": "LRP Explorer", "editor": "Network editor"}


def open_lessons(page: Any, app_url: str) -> None:
    page.get_by_role("link", name="Lessons").first.click()
    page.wait_for_url("**/lessons*")
    wait_for_app(page)


@pytest.mark.browser
@pytest.mark.parametrize("index", [0, 1])
def test_walk_a_lesson(page: Any, app_url: str, artifacts: Any, index: int) -> None:
    lesson = lessons()[index]
    n = len(lesson.steps)
    page.set_default_timeout(120_000)
    page.goto(f"{app_url}/lessons")
    wait_for_app(page)
    if index:
        page.locator('[data-testid="stSelectbox"]').filter(has_text="Lesson").click()
        page.get_by_role("option", name=lesson.title).click()
        wait_for_app(page)
    for k, step in enumerate(lesson.steps, start=1):
        page.get_by_text(f"Step {k} of {n}", exact=True).wait_for()
        page.get_by_role("heading", name=f"{k}. {step.title}").wait_for()
        page.get_by_role("button", name=f"Open step {k} on the {step.page} page").click()
        page.wait_for_url(f"**step={k}*")
        wait_for_app(page)
        page.get_by_role("heading", name=HEADINGS[step.page]).first.wait_for()
        assert f"lesson={lesson.slug}" in page.url and "view=1." in page.url
        assert page.get_by_text("Traceback").count() == 0
        if step.id == "certificate":
            page.get_by_text("no point with R = 0", exact=False).first.wait_for(state="attached")  # a grid cell
        if step.page == "importance":
            chosen = page.locator('[data-testid="stMultiSelect"]').filter(has_text="Methods")
            wanted = step.view.settings["imp_methods"]
            for name in wanted:
                chosen.get_by_text(METHODS.get(name).label[:10], exact=False).first.wait_for()
            for name in set(METHODS.names()) - set(wanted):
                assert chosen.get_by_text(METHODS.get(name).label[:10], exact=False).count() == 0, name
        page.screenshot(path=str(artifacts / f"lesson-{index + 1}-step-{k}.png"))
        open_lessons(page, app_url)
        if k < n:
            page.get_by_role("button", name="Next step").click()
            wait_for_app(page)
    # and back
    page.get_by_role("button", name="Previous step").click()
    wait_for_app(page)
    page.get_by_text(f"Step {n - 1} of {n}", exact=True).wait_for()
