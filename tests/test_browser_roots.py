"""The "Root finding" page in real Chromium: a click on the input plane moves x; every finder's
name stays readable in the settings row (issue 12, item 14)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import open_via_nav, wait_for_app

# JS: the page coordinates of one marker of the (invisible) click grid, and its data coordinates
GRID_POINT_JS = """
(target) => {
  const plots = [...document.querySelectorAll('.js-plotly-plot')];
  for (const el of plots) {
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
    const t = (el._fullData || []).find(t => t.name === 'x');
    if (t) return [t.x[0], t.y[0]];
  }
  return null;
}
"""

X_AT_JS = """
(t) => { for (const el of document.querySelectorAll('.js-plotly-plot')) {
  if (!(el._fullData || []).some(d => d.name === 'click grid')) continue;
  const m = (el._fullData || []).find(d => d.name === 'x');
  if (m && Math.abs(m.x[0] - t[0]) < 1e-9 && Math.abs(m.y[0] - t[1]) < 1e-9) return true; }
  return false; }
"""

# JS: the finder pills whose text does not fit (clipped or scrolled away)
CLIPPED_PILLS_JS = """
() => {
  const label = [...document.querySelectorAll('[data-testid="stWidgetLabel"]')]
    .find(l => l.textContent.trim().startsWith('Finders'));
  const group = label && label.closest('[data-testid="stButtonGroup"]');
  if (!group) return ['no Finders pills'];
  const box = group.getBoundingClientRect();
  return [...group.querySelectorAll('button')].filter(b => {
    const r = b.getBoundingClientRect();
    return b.scrollWidth > b.clientWidth + 1 || r.right > box.right + 1 || r.left < box.left - 1;
  }).map(b => b.textContent);
}
"""


@pytest.mark.browser
def test_click_on_plane_moves_x(app_url: str, page: Any, artifacts: Any) -> None:
    page.set_viewport_size({"width": 1280, "height": 800})
    open_via_nav(page, app_url, "Root finding", "roots")
    page.get_by_text("Click anywhere on the plane").wait_for()
    page.wait_for_function("() => [...document.querySelectorAll('.js-plotly-plot')]"
                           ".some(el => (el._fullData || []).some(t => t.name === 'click grid'))")
    assert page.evaluate(CLIPPED_PILLS_JS) == []
    before = page.evaluate(X_TRACE_JS)
    assert before == [3.0, 7.0]  # ancona-max's default input
    target = page.evaluate(GRID_POINT_JS, [1.0, 2.0])
    assert target is not None and [target["x"], target["y"]] == pytest.approx([1.0, 2.0])
    page.mouse.move(target["px"], target["py"])
    page.mouse.click(target["px"], target["py"])
    # the fragment reruns with x at the clicked grid marker: the x marker and the text boxes follow
    page.wait_for_function(X_AT_JS, arg=[target["x"], target["y"]], timeout=60_000)
    wait_for_app(page)
    after = page.evaluate(X_TRACE_JS)
    assert after == pytest.approx([target["x"], target["y"]])
    page.get_by_label("x1").first.wait_for()
    assert float(page.get_by_label("x1").first.input_value()) == pytest.approx(target["x"], abs=1e-9)
    assert float(page.get_by_label("x2").first.input_value()) == pytest.approx(target["y"], abs=1e-9)
    page.screenshot(path=str(artifacts / "roots.png"))
