"""The view through query parameters (ui/view.py) in a tiny app: restore, write, notices."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from lrp_core.presets import get_preset
from lrp_core.viewstate import View, decode_view, encode_view


def _app() -> None:
    import streamlit as st

    from lrp_explorer.ui import settings, state, tweak, view

    class Page:
        url_path = "importance"

    state.init()
    view.sync(Page())
    state.show_flash()
    st.radio("Loss", ["mse", "l1"], key=settings.persisted("imp_loss", "mse", options=["mse", "l1"]))
    tweak.side_panel("importance")


def open_app(query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_function(_app, default_timeout=60)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def params(at: AppTest) -> dict[str, str]:
    return {k: (v[0] if isinstance(v, list) else v) for k, v in at.query_params.items()}


def test_the_view_goes_into_the_url() -> None:
    at = open_app()
    at.radio(key="imp_loss").set_value("l1").run()
    view, notes = decode_view(params(at))
    assert notes == []
    assert view.page == "importance" and view.tweak == "L1.w0.3"
    assert view.x == get_preset("ancona-max").default_input
    assert view.settings["imp_loss"] == "l1"
    assert params(at)["preset"] == "ancona-max"  # the network's parameter is unchanged


def test_round_trip_into_a_fresh_session() -> None:
    a = open_app()
    a.radio(key="imp_loss").set_value("l1").run()
    a.selectbox(key="tweak_layer").set_value(0).run()
    a.selectbox(key="tweak_target").set_value("L0.b1").run()
    a.number_input(key="tweak_value").set_value(2.5).run()
    a.session_state["lrp_x"] = (1.5, 4.0)
    a.run()
    link = params(a)
    assert "net" in link and "view" in link
    b = open_app(link)
    assert b.radio(key="imp_loss").value == "l1"
    assert b.selectbox(key="tweak_target").value == "L0.b1"
    assert b.number_input(key="tweak_value").value == 2.5
    assert b.session_state["lrp_network"].same_weights(a.session_state["lrp_network"])
    assert b.session_state["lrp_x"] == (1.5, 4.0)
    assert params(b) == link
    assert not b.warning


def test_a_damaged_view_is_a_notice_not_an_exception() -> None:
    at = open_app({"preset": "ancona-max", "view": "1.eyJwIjoiaG9tZSIsInQiOi"})
    assert len(at.warning) == 1 and "view was ignored" in at.warning[0].value
    assert at.selectbox(key="tweak_target").value == "L1.w0.3"


def test_parts_that_do_not_fit_are_notices() -> None:
    view = View(tweak="L5.w0.0", x=(1.0, 2.0, 3.0), settings={"imp_loss": "l1"})
    raw = dict(encode_view(view))
    at = open_app({"preset": "ancona-max", **raw})
    assert len(at.warning) == 2
    assert at.radio(key="imp_loss").value == "l1"  # the valid part is kept
    assert at.selectbox(key="tweak_target").value == "L1.w0.3"


def test_copy_link_shows_the_whole_link() -> None:
    at = open_app()
    at.number_input(key="tweak_value").set_value(0.3).run()
    assert not at.code  # folded: the link is not written
    at.session_state["tweak_link_open"] = True  # open the popover
    at.run()
    codes = [c.value for c in at.code]
    assert len(codes) == 1
    assert "net=1." in codes[0] and "view=1." in codes[0]
