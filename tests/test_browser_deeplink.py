"""A link straight to a page works as the very first request to a fresh server.

The page scripts live in ``views/``: a ``pages/`` folder beside ``app.py`` would start Streamlit in
its legacy multipage mode (a file-name sidebar on a fresh server, issue 12 item 13, and a deep link
running its page script without ``app.py``). This needs its own server: the first request to a
server is the case that matters.
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
        # from the first paint on, the app's own navigation or its start-up message, never a file list
        page.wait_for_function("() => document.body.innerText.includes('Starting LRP Explorer')"
                               " || !!document.querySelector('[data-testid=\"stSidebarNav\"]')")
        assert page.locator('[data-testid="stSidebarNavItems"] a', has_text="editor").count() == 0
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
