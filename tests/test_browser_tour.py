"""A tour of every page in real Chromium at a projector's 1280 × 800: each renders its Plotly charts with
no exception, and its main plot and the tweak control's slider are on screen without scrolling (issue 15
§3). The README's screenshots are taken here."""

from __future__ import annotations

import pytest

from tests.conftest import wait_for_app

# path, heading, preset, charts at least, the main plot's key prefix (None: the page has no main plot)
TOUR = [
    ("", "LRP Explorer", "ancona-max", 0, None),
    ("editor", "Network editor", "xor-2-4-1", 2, "editor_plane"),
    ("importance", "Neuron importance", "ancona-max", 3, "imp_bars"),
    ("roots", "Root finding", "plane-2-8-8-1", 1, "roots_plane"),
    ("decomposition", "Decomposition", "dtd-mlp", 3, "dec_heat"),
    ("fields", "Explanation fields", "plane-2-8-8-1", 2, "fields_plane"),
]
VIEWPORT = {"width": 1280, "height": 800}
# the sides of each chart whose margin Plotly had to widen for a legend, colour bar or tick labels
# (then it draws the chart a second time; every chart is drawn anew on each tweak: figures/fit.py)
WIDENED_JS = """() => [...document.querySelectorAll('.js-plotly-plot')].flatMap(gd => {
  const asked = (gd.layout || {}).margin || {}, got = (gd._fullLayout || {})._size || {};
  const key = ((gd.closest('[class*="st-key-"]') || {className: ''}).className.match(/st-key-[\\w-]+/) || ['?'])[0];
  return ['l', 'r', 't', 'b'].filter(k => asked[k] !== undefined && got[k] > asked[k] + 0.5)
    .map(k => `${key} ${k}: ${asked[k]} -> ${got[k]}`);
})"""


def _inside(box: dict[str, float] | None) -> bool:
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= VIEWPORT["height"] + 1 \
        and box["x"] >= 0 and box["x"] + box["width"] <= VIEWPORT["width"] + 1


def _on_screen(page, selector: str) -> None:
    """One element matching ``selector`` lies inside the viewport (nothing to scroll to)."""
    items = page.locator(selector)
    boxes = [items.nth(i).bounding_box() for i in range(items.count())]
    assert any(_inside(b) for b in boxes), (selector, boxes)


@pytest.mark.browser
@pytest.mark.parametrize(("path", "heading", "preset", "min_charts", "main"), TOUR, ids=[t[1] for t in TOUR])
def test_page_renders_and_shows_its_main_plot_without_scrolling(
    app_url: str, page, artifacts, path: str, heading: str, preset: str, min_charts: int, main: str | None
) -> None:
    page.set_viewport_size(VIEWPORT)
    page.goto(f"{app_url}/{path}?preset={preset}")
    wait_for_app(page)
    page.get_by_role("heading", name=heading).first.wait_for()
    if min_charts:
        # every chart has data drawn (Plotly attaches the traces to its element)
        page.wait_for_function(
            "n => [...document.querySelectorAll('.js-plotly-plot')]"
            ".filter(p => (p.data || []).length > 0).length >= n",
            arg=min_charts,
        )
    assert page.locator('[data-testid="stException"]').count() == 0
    assert f"preset={preset}" in page.url
    if main is not None:
        # the page has finished drawing: no placeholder left, every chart with its data
        page.wait_for_function("() => !document.querySelector('[data-testid=\"stSkeleton\"]') && "
                               "[...document.querySelectorAll('.js-plotly-plot')].every(p => (p.data || []).length)")
        _on_screen(page, f'[class*="st-key-{main}"] .js-plotly-plot')
        _on_screen(page, '[class*="st-key-tweak_slider"]')
        assert page.evaluate(WIDENED_JS) == []
    page.screenshot(path=str(artifacts / f"tour-{path or 'home'}.png"))
