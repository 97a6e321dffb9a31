"""The "Explanation fields" page in real Chromium: a click on a field's plane moves x."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.conftest import open_via_nav, wait_for_app

# JS: page and data coordinates of the click-grid marker nearest to a target, on the first plot that has one
GRID_POINT_JS = """
(target) => {
  for (const el of document.querySelectorAll('.js-plotly-plot')) {
    const grid = (el._fullData || []).find(t => t.name === 'click grid');
    if (!grid) continue;
    let best = 0, bestD = Infinity;
    for (let i = 0; i < grid.x.length; i++) {
      const d = (grid.x[i] - target[0]) ** 2 + (grid.y[i] - target[1]) ** 2;
      if (d < bestD) { bestD = d; best = i; }
    }
    const xa = el._fullLayout.xaxis, ya = el._fullLayout.yaxis;
    const r = el.getBoundingClientRect();
    return {px: r.left + xa._offset + xa.l2p(grid.x[best]), py: r.top + ya._offset + ya.l2p(grid.y[best]),
            x: grid.x[best], y: grid.y[best]};
  }
  return null;
}
"""

X_TRACE_JS = """
() => {
  for (const el of document.querySelectorAll('.js-plotly-plot')) {
    if (!(el._fullData || []).some(t => t.name === 'click grid')) continue;
    const t = el._fullData.find(t => t.name === 'x');
    if (t) return [t.x[0], t.y[0]];
  }
  return null;
}
"""


@pytest.mark.browser
def test_click_on_field_moves_x(app_url: str, page: Any, artifacts: Any) -> None:
    page.set_default_timeout(120_000)  # four fields of 3 heatmaps each: slow to draw on a loaded machine
    open_via_nav(page, app_url, "Explanation fields", "fields")
    page.get_by_text("Click anywhere on a plane").wait_for()
    page.wait_for_function("() => [...document.querySelectorAll('.js-plotly-plot')]"
                           ".some(el => (el._fullData || []).some(t => t.name === 'click grid'))", timeout=120_000)
    before = page.evaluate(X_TRACE_JS)
    assert before == [3.0, 7.0]  # ancona-max's default input
    moved = ("(t) => { for (const el of document.querySelectorAll('.js-plotly-plot')) {"
             " const m = (el._fullData || []).find(d => d.name === 'x');"
             " if (m && Math.abs(m.x[0] - t[0]) < 1e-9 && Math.abs(m.y[0] - t[1]) < 1e-9) return true; }"
             " return false; }")
    for attempt in range(3):  # a click the browser took for a hover (the plot was still settling) is made again
        target = page.evaluate(GRID_POINT_JS, [1.0, 2.0])
        assert target is not None
        page.mouse.move(target["px"], target["py"])
        page.mouse.click(target["px"], target["py"])
        try:
            page.wait_for_function(moved, arg=[target["x"], target["y"]], timeout=60_000)
            break
        except PlaywrightTimeout:
            if attempt == 2:
                raise
    wait_for_app(page)
    assert page.evaluate(X_TRACE_JS) == pytest.approx([target["x"], target["y"]])
    page.get_by_text(f"At x = ({target['x']:.4g}, {target['y']:.4g})").wait_for()
    page.locator(".js-plotly-plot").first.scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "fields.png"), full_page=True)
