"""A link straight to a page works as the very first request to a fresh server.

Streamlit starts in its legacy multipage mode when a ``pages/`` folder sits
beside ``app.py`` and runs a deep-linked page script alone; ``ui.state.ensure_app``
routes that run through ``app.py``. This needs its own server, since the first
request to a server decides the mode.
"""

from __future__ import annotations

import pytest

from lrp_core.presets import get_preset
from lrp_core.urlstate import encode_network
from tests.conftest import start_app, stop_app, wait_for_app


@pytest.mark.browser
def test_deep_link_to_a_page_on_a_fresh_server(browser, artifacts) -> None:
    net = get_preset("xor-2-4-1").network().with_value(0, "bias", 0, None, 0.5)
    proc, url = start_app()
    try:
        ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
        page = ctx.new_page()
        page.set_default_timeout(60_000)
        page.goto(f"{url}/decomposition?net={encode_network(net)['net']}")
        wait_for_app(page)
        page.get_by_role("heading", name="Decomposition").first.wait_for()
        # the app's own navigation (titles from app.py), not the legacy file list
        nav = page.locator('[data-testid="stSidebarNav"]')
        nav.get_by_text("Neuron importance").wait_for()
        assert nav.get_by_text("importance", exact=True).count() == 0
        assert page.get_by_text("KeyError").count() == 0
        assert "net=1." in page.url  # the edited network from the link is in force
        page.screenshot(path=str(artifacts / "deeplink.png"))
        ctx.close()
    finally:
        stop_app(proc)
