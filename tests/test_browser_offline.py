"""Fully offline (issue 15 §3): no request leaves localhost on any page, none fails;
presenter mode (?present=1) at 1280×800 hides the sidebar and the toolbar and keeps the tweak control."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.conftest import wait_for_app

# (URL path, heading); the pages with the tweak control (issue 15) are marked
PAGES = [
    ("", "LRP Explorer", False),
    ("editor", "Network editor", True),
    ("importance", "Neuron importance", True),
    ("roots", "Root finding", True),
    ("decomposition", "Decomposition", True),
    ("fields", "Explanation fields", False),
    ("lessons", "Lessons", False),
]
WAIT = 240_000  # ms: first runs are slow on a loaded machine
LOCAL = {"127.0.0.1", "localhost", "::1", "[::1]"}


def _settle(page: Any, heading: str) -> None:
    page.get_by_role("heading", name=heading).first.wait_for(timeout=WAIT)
    wait_for_app(page)
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stSkeleton\"]')", timeout=WAIT)
    page.wait_for_load_state("networkidle", timeout=WAIT)


@pytest.mark.browser
def test_no_request_leaves_localhost(browser: Any, app_url: str) -> None:
    ctx = browser.new_context(viewport={"width": 1280, "height": 800})
    outside: list[str] = []
    failed: list[str] = []

    def route(r: Any) -> None:
        host = urlsplit(r.request.url).hostname or ""
        if r.request.url.startswith(("data:", "blob:")) or host in LOCAL:
            r.continue_()
        else:
            outside.append(r.request.url)
            r.abort()

    ctx.route("**/*", route)
    page = ctx.new_page()
    page.set_default_timeout(WAIT)
    # a local request the browser cancels (ERR_ABORTED: e.g. a download button's media file
    # replaced by the next run) is no missing resource; anything else that fails is
    page.on("requestfailed", lambda req: None if "ERR_ABORTED" in str(req.failure)
            and urlsplit(req.url).hostname in LOCAL else failed.append(f"{req.url} ({req.failure})"))
    try:
        for path, heading, _ in PAGES:
            page.goto(f"{app_url}/{path}")
            _settle(page, heading)
            assert outside == [], f"/{path} asked another host: {outside}"
            assert [f for f in failed if "_stcore/stream" not in f] == [], f"/{path}: failed requests {failed}"
    finally:
        ctx.close()


@pytest.mark.browser
def test_presenter_mode(browser: Any, app_url: str, artifacts: Any) -> None:
    ctx = browser.new_context(viewport={"width": 1280, "height": 800})
    page = ctx.new_page()
    page.set_default_timeout(WAIT)
    try:
        for path, heading, tweak in PAGES:
            page.goto(f"{app_url}/{path}?present=1")
            _settle(page, heading)
            assert not page.locator('[data-testid="stSidebar"]').is_visible()
            assert not page.locator('[data-testid="stMainMenu"]').is_visible()  # the toolbar's menu is gone
            assert not page.locator('[data-testid="stToolbarActions"]').is_visible()
            assert page.locator('[data-testid="stTopNav"] a').filter(has_text="Lessons").is_visible()  # pages on top
            size = page.evaluate("() => getComputedStyle(document.documentElement).fontSize")
            assert size == "20px"
            if tweak:
                page.locator('[data-testid="stNumberInput"]').filter(has_text="Exact value").wait_for()
            page.screenshot(path=str(artifacts / f"present-{path or 'home'}.png"))
    finally:
        ctx.close()
