"""The live loop in Chromium: click an edge of the tweak diagram, type a value, watch the
Shapley bar move without a page reload; a copied link shows the same numbers elsewhere."""

from __future__ import annotations

from typing import Any

import pytest

from lrp_explorer.figures.diagram import ALONG
from tests.conftest import open_via_nav, wait_for_app

# every Plotly chart's traces as {name: y}, except the tweak diagram's (it has a "weights" trace)
CHARTS_JS = """() => [...document.querySelectorAll('.js-plotly-plot')]
  .filter(gd => !(gd.data || []).some(t => t.name === 'weights'))
  .map(gd => (gd.data || []).map(t => [t.name, Array.from(t.y || []).map(Number)]))"""

# the page coordinates of a data point (x, y) of the tweak diagram
POINT_JS = """([x, y]) => {
  const gd = [...document.querySelectorAll('.js-plotly-plot')]
    .find(g => (g.data || []).some(t => t.name === 'weights'));
  const fl = gd._fullLayout, box = gd.getBoundingClientRect();
  return [box.left + fl._size.l + fl.xaxis.l2p(x), box.top + fl._size.t + fl.yaxis.l2p(y)];
}"""


SHAPLEY_JS = f"""() => ({CHARTS_JS})().flat()
  .filter(([n, ys]) => n && n.startsWith('Shapley (exact)') && ys.length === 4).map(([n, ys]) => ys)[0] || null"""
WAIT = 240_000  # ms: the page's first run takes long on a loaded machine


def wait_for_shapley(page: Any, unit: str, *, not_equal: float | None = None) -> float:
    """Wait until the Shapley (exact) bars are drawn (and, if given, the unit's differs from ``not_equal``)."""
    i = ["h1", "h2", "h3", "h4"].index(unit)
    page.wait_for_function(
        f"([i, b]) => {{ const ys = ({SHAPLEY_JS})(); return ys !== null && (b === null || Math.abs(ys[i] - b) > 1e-9); }}",
        arg=[i, not_equal], timeout=WAIT)
    return shapley(page, unit)


def shapley(page: Any, unit: str) -> float:
    for traces in page.evaluate(CHARTS_JS):
        for name, ys in traces:
            if name and name.startswith("Shapley (exact)") and len(ys) == 4:
                return ys[["h1", "h2", "h3", "h4"].index(unit)]
    raise AssertionError("no Shapley (exact) bar on the page")


def click_edge(page: Any, x: float, y: float) -> None:
    page.wait_for_function("() => [...document.querySelectorAll('.js-plotly-plot')]"
                           ".some(g => (g.data || []).some(t => t.name === 'weights') && g._fullLayout)",
                           timeout=WAIT)
    px, py = page.evaluate(POINT_JS, [x, y])
    page.mouse.click(px, py)


@pytest.mark.browser
def test_click_an_edge_type_a_value_the_bar_moves(page: Any, app_url: str, artifacts: Any) -> None:
    open_via_nav(page, app_url, "Neuron importance", "importance")
    page.evaluate("() => { window.__no_reload = 1; }")
    before = wait_for_shapley(page, "h3")
    # ancona-max's diagram: h3 at (1, -0.5), y1 at (2, 0); the edge's marker sits at ALONG of the way
    click_edge(page, 1.0 + ALONG, -0.5 + 0.5 * ALONG)
    box = page.locator('[data-testid="stNumberInput"]').filter(has_text="Exact value").locator("input")
    # the picked weight's value (h3 → y1 is 0.5 in ancona-max; the default target h4 → y1 is 0)
    box.element_handle().wait_for_element_state("visible")
    page.wait_for_function("(el) => el.value === '0.5'", arg=box.element_handle(), timeout=WAIT)
    box.fill("3")
    box.press("Enter")
    after = wait_for_shapley(page, "h3", not_equal=before)
    assert after != pytest.approx(before)
    assert page.evaluate("() => window.__no_reload") == 1  # the same document: no reload
    assert "net=1." in page.url
    page.screenshot(path=str(artifacts / "live-importance.png"))


@pytest.mark.browser
def test_a_copied_link_shows_the_same_numbers_in_a_fresh_context(page: Any, app_url: str, browser: Any) -> None:
    open_via_nav(page, app_url, "Neuron importance", "importance")
    before = wait_for_shapley(page, "h4")
    box = page.locator('[data-testid="stNumberInput"]').filter(has_text="Exact value").locator("input")
    box.fill("0.3")
    box.press("Enter")
    wait_for_shapley(page, "h4", not_equal=before)
    page.get_by_text("Copy link to this view").click()
    link = page.locator('[data-testid="stCode"] code').first.inner_text().strip()
    assert link.startswith(app_url) and "view=1." in link and "net=1." in link
    charts = page.evaluate(CHARTS_JS)
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        fresh = ctx.new_page()
        fresh.set_default_timeout(60_000)
        fresh.goto(link)
        wait_for_app(fresh)
        fresh.get_by_role("heading", name="Neuron importance").first.wait_for()
        wait_for_shapley(fresh, "h4", not_equal=before)
        fresh.wait_for_function(f"(n) => ({CHARTS_JS})().length >= n", arg=len(charts), timeout=WAIT)
        # the score bars (every method, every unit) are the same numbers
        assert fresh.evaluate(CHARTS_JS)[0] == charts[0]
        assert shapley(fresh, "h4") == pytest.approx(shapley(page, "h4"))
        assert shapley(fresh, "h4") != 0.0  # the tweak (h4's output weight 0.3) is in the link
    finally:
        ctx.close()


# a weight of the tweak diagram whose marker sits alone (midpoints of edges can coincide in a dense
# layer): its target text, diagram coordinates and how many markers are drawn (1: hidden)
LONE_WEIGHT_JS = """() => {
  const gd = [...document.querySelectorAll('.js-plotly-plot')]
    .find(g => (g._fullData || []).some(tr => tr.name === 'weights'));
  if (!gd || !gd._fullLayout) return null;
  const w = gd._fullData.find(tr => tr.name === 'weights');
  const key = (i) => w.x[i].toFixed(6) + ',' + w.y[i].toFixed(6);
  const count = {};
  for (let i = 0; i < w.x.length; i++) count[key(i)] = (count[key(i)] || 0) + 1;
  for (let i = w.x.length - 1; i >= 0; i--)
    if (count[key(i)] === 1 && w.customdata[i][0] !== 'L0.w0.0') return [w.customdata[i][0], w.x[i], w.y[i], w.marker.maxdisplayed || 0];
  return null;
}"""


@pytest.mark.browser
def test_a_hidden_weight_marker_still_picks_its_weight(page: Any, app_url: str) -> None:
    """dtd-mlp's 420 weight markers are not drawn (figures.diagram.DRAWN_WEIGHTS); a click in the
    middle of an edge still picks that weight: Plotly hit-tests the data."""
    from lrp_core.presets import get_preset
    from lrp_core.viewstate import Target

    page.set_default_timeout(WAIT)
    page.goto(f"{app_url}/decomposition?preset=dtd-mlp")
    wait_for_app(page)
    page.wait_for_function(f"() => ({LONE_WEIGHT_JS})() !== null", timeout=WAIT)
    text, x, y, drawn = page.evaluate(LONE_WEIGHT_JS)
    assert drawn == 1  # hidden
    t = Target.parse(text)
    value = float(get_preset("dtd-mlp").network().layers[t.layer].weight[t.row, t.col])
    px, py = page.evaluate(POINT_JS, [x, y])
    page.mouse.move(px, py)
    page.mouse.click(px, py)
    box = page.locator('[data-testid="stNumberInput"]').filter(has_text="Exact value").locator("input")
    page.wait_for_function("([el, v]) => Math.abs(parseFloat(el.value) - v) <= 1e-5 * Math.max(1, Math.abs(v))",
                           arg=[box.element_handle(), value], timeout=WAIT)
