"""The editor in real Chromium: type into a weight cell, watch the diagram and
the URL change, and reopen the copied link in a fresh browser context."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.conftest import wait_for_app
from tests.grid import TYPE_DELAY_MS, WEIGHT_JS, cell_point, weight


def _open_editor(page: Any, url: str) -> None:
    page.goto(url)
    wait_for_app(page)
    page.get_by_role("heading", name="Network editor").wait_for()
    page.locator('[data-testid="stDataFrame"]').first.wait_for()
    page.wait_for_function(f"() => ({WEIGHT_JS})([0, 0, 0]) !== null")


def _open_cell_editor(page: Any, grid: Any) -> None:
    """Select layer 0's first weight cell (unit h1, column x1) and open its
    editor (a text area of class "gdg-input": the cells are text, read by our parser). The grid is a canvas, so the cell is
    found by position; the layout may still be settling while the plots draw,
    so measure again and retry until the editor opens."""
    editor = page.locator(".gdg-input")
    for _ in range(5):
        grid.scroll_into_view_if_needed()
        box = grid.bounding_box()
        assert box is not None
        page.mouse.click(*cell_point(box, 0))
        page.keyboard.press("Enter")
        try:
            editor.wait_for(timeout=5_000)
        except PlaywrightTimeout:
            continue  # the click missed the cell: measure again
        if editor.input_value() == "-0.25":
            return
        page.keyboard.press("Escape")  # some other cell: close it unchanged
    raise AssertionError("could not open the weight cell's editor")


@pytest.mark.browser
def test_type_a_weight_diagram_and_link_follow(app_url: str, page: Any, browser: Any, artifacts: Path) -> None:
    # The entry page first (a warm-up: its first run imports PyTorch), then the editor.
    page.goto(f"{app_url}/?preset=ancona-max")
    wait_for_app(page)
    page.get_by_text("Network editor", exact=True).first.wait_for(timeout=120_000)
    page.set_viewport_size({"width": 1400, "height": 1700})
    _open_editor(page, f"{app_url}/editor?preset=ancona-max")
    assert weight(page, 0, 0, 0) == pytest.approx(-0.25)
    assert "preset=ancona-max" in page.url
    page.screenshot(path=str(artifacts / "editor.png"))

    _open_cell_editor(page, page.locator('[data-testid="stDataFrame"]').first)
    assert float(page.locator(".gdg-input").input_value()) == -0.25
    page.wait_for_function("() => document.activeElement?.classList.contains('gdg-input')")
    page.keyboard.press("Control+a")
    page.keyboard.type("0.7", delay=TYPE_DELAY_MS)
    # Commit only once the editor holds the text (Enter before that keeps the old value).
    page.wait_for_function("() => document.querySelector('.gdg-input')?.value === '0.7'")
    page.keyboard.press("Enter")
    page.wait_for_function("() => !document.querySelector('.gdg-input')")
    page.wait_for_function("() => /[?&]net=1[.]/.test(window.location.search)")
    page.wait_for_function(f"() => ({WEIGHT_JS})([0, 0, 0]) === 0.7")
    wait_for_app(page)
    # The rest of the network is unchanged.
    assert weight(page, 0, 0, 1) == pytest.approx(0.25)
    assert weight(page, 1, 0, 0) == 2.0
    assert weight(page, 1, 0, 3) == 0.0
    # ancona-max at x = (3, 7): h1 = 0.7·3 + 0.25·7 = 3.85, y = 2·3.85 + 0.5·10 = 12.7.
    page.get_by_text("y1 = 12.7").first.wait_for()
    page.screenshot(path=str(artifacts / "editor-after-edit.png"))
    link = page.url

    ctx = browser.new_context(viewport={"width": 1400, "height": 1200})
    try:
        fresh = ctx.new_page()
        fresh.set_default_timeout(30_000)
        _open_editor(fresh, link)
        assert weight(fresh, 0, 0, 0) == 0.7
        # The link carries the view too (issue 15): the fresh session opens at the same x = (3, 7).
        fresh.get_by_text("y1 = 12.7").first.wait_for()
        assert "net=1." in fresh.url and "view=1." in fresh.url
        fresh.screenshot(path=str(artifacts / "editor-from-link.png"))
    finally:
        ctx.close()
