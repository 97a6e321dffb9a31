"""The app shell: navigation, the default network, links that carry a network."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from lrp_core.presets import get_preset
from lrp_core.urlstate import encode_network
from tests.conftest import APP_FILE, APPTEST_TIMEOUT


def new_app() -> AppTest:
    return AppTest.from_file(APP_FILE, default_timeout=APPTEST_TIMEOUT)


def test_home_runs_with_the_default_network() -> None:
    at = new_app().run()
    assert not at.exception
    assert at.title[0].value == "LRP Explorer"
    assert at.session_state["lrp_network"].name == "ancona-max"
    assert at.query_params["preset"] == ["ancona-max"] or at.query_params["preset"] == "ancona-max"


def test_link_with_an_edited_network_opens_it() -> None:
    net = get_preset("xor-2-4-1").network().with_value(0, "bias", 1, None, 0.75)
    at = new_app()
    at.query_params["net"] = encode_network(net)["net"]
    at.run()
    assert not at.exception
    assert at.session_state["lrp_network"].same_weights(net)


def test_bad_link_warns_and_falls_back() -> None:
    at = new_app()
    at.query_params["net"] = "1.garbage!!"
    at.run()
    assert not at.exception
    assert at.session_state["lrp_network"].name == "ancona-max"
    assert any("could not be loaded" in w.value for w in at.warning)
