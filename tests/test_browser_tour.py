"""A tour of every page in real Chromium: each renders its Plotly charts with
no exception, and the screenshots for the README are taken here."""

from __future__ import annotations

import pytest

from tests.conftest import wait_for_app

TOUR = [
    ("", "LRP Explorer", "ancona-max", 0),
    ("editor", "Network editor", "ancona-max", 2),
    ("importance", "Neuron importance", "ancona-max", 3),
    ("roots", "Root finding", "xor-2-4-1", 1),
    ("decomposition", "Decomposition", "dtd-mlp", 3),
]


@pytest.mark.browser
@pytest.mark.parametrize(("path", "heading", "preset", "min_charts"), TOUR, ids=[t[1] for t in TOUR])
def test_page_renders_charts_without_errors(
    app_url: str, page, artifacts, path: str, heading: str, preset: str, min_charts: int
) -> None:
    page.set_viewport_size({"width": 1400, "height": 2400})  # Streamlit scrolls inside its main area
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
    name = path or "home"
    page.screenshot(path=str(artifacts / f"tour-{name}.png"))
