"""The tweak control (ui/tweak.py) and its history (ui/history.py) under AppTest, in a tiny app."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from lrp_core.network import Network
from lrp_core.presets import get_preset
from lrp_core.urlstate import decode_network


def _app() -> None:
    import streamlit as st

    from lrp_explorer.ui import state, tweak

    state.init()

    @st.fragment
    def live() -> None:
        net = tweak.tweak_control()
        st.markdown(f"output at (1, 2): {float(net([1.0, 2.0])[0]):.6g}")

    live()


@pytest.fixture
def at() -> AppTest:
    app = AppTest.from_function(_app, default_timeout=60)
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def net_of(at: AppTest) -> Network:
    return at.session_state["lrp_network"]


def w(at: AppTest, k: int = 1, i: int = 0, j: int = 3) -> float:
    return float(net_of(at).layers[k].weight[i, j])


def set_value(at: AppTest, v: float) -> AppTest:
    at.number_input(key="tweak_value").set_value(v).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


PRESET = get_preset("ancona-max").network()


def test_default_target_is_h4s_output_weight(at: AppTest) -> None:
    assert at.selectbox(key="tweak_target").value == "L1.w0.3"
    assert at.number_input(key="tweak_value").value == w(at) == 0.0
    assert at.slider(key="tweak_slider").value == 0.0


def test_a_tweak_changes_the_network_in_state_and_url(at: AppTest) -> None:
    set_value(at, 0.3)
    assert w(at) == 0.3
    assert net_of(at).same_weights(PRESET.with_value(1, "weight", 0, 3, 0.3))
    assert decode_network({"net": at.query_params["net"]}).same_weights(net_of(at))
    assert at.slider(key="tweak_slider").value == 0.3
    assert not at.error


def test_the_slider_tweaks_too(at: AppTest) -> None:
    at.slider(key="tweak_slider").set_value(-0.5).run()
    assert w(at) == -0.5
    assert at.number_input(key="tweak_value").value == -0.5


@pytest.mark.parametrize("bad", [1e40, -1e33])
def test_an_invalid_value_is_refused_and_changes_nothing(at: AppTest, bad: float | None) -> None:
    set_value(at, 0.3)
    before = net_of(at)
    rev = at.session_state["lrp_rev"]
    set_value(at, bad)  # type: ignore[arg-type]
    assert net_of(at) is before and at.session_state["lrp_rev"] == rev
    assert len(at.error) == 1 and "refused" in at.error[0].value and "Nothing was changed" in at.error[0].value
    assert at.number_input(key="tweak_value").value == 0.3  # the box shows the kept value again
    set_value(at, 0.4)  # the message goes with the next valid edit
    assert not at.error and w(at) == 0.4


def test_large_but_valid_values_are_taken_exactly(at: AppTest) -> None:
    set_value(at, 1e30)
    assert w(at) == 1e30
    set_value(at, -1e-30)
    assert w(at) == -1e-30


def test_pick_by_layer_and_parameter(at: AppTest) -> None:
    at.selectbox(key="tweak_layer").set_value(0).run()
    assert at.selectbox(key="tweak_target").value == "L0.w0.0"
    at.selectbox(key="tweak_target").set_value("L0.b2").run()
    b0 = float(PRESET.layers[0].bias[2])
    assert at.number_input(key="tweak_value").value == b0
    set_value(at, b0 + 1.5)
    assert float(net_of(at).layers[0].bias[2]) == b0 + 1.5
    assert net_of(at).same_weights(PRESET.with_value(0, "bias", 2, None, b0 + 1.5))


def test_undo_redo_and_back_to_the_preset(at: AppTest) -> None:
    set_value(at, 0.3)
    set_value(at, 0.7)
    at.button(key="tweak_undo").click().run()
    assert w(at) == 0.3 and at.number_input(key="tweak_value").value == 0.3
    at.button(key="tweak_undo").click().run()
    assert net_of(at).same_weights(PRESET)
    assert at.button(key="tweak_undo").disabled
    at.button(key="tweak_redo").click().run()
    assert w(at) == 0.3
    at.button(key="tweak_redo").click().run()
    assert w(at) == 0.7 and at.button(key="tweak_redo").disabled
    at.button(key="tweak_preset").click().run()
    assert net_of(at).same_weights(PRESET) and "preset" in at.query_params
    at.button(key="tweak_undo").click().run()  # going back to the preset is undoable
    assert w(at) == 0.7


def test_a_new_edit_clears_redo(at: AppTest) -> None:
    set_value(at, 0.3)
    at.button(key="tweak_undo").click().run()
    set_value(at, 0.9)
    assert at.button(key="tweak_redo").disabled
    at.button(key="tweak_undo").click().run()
    assert w(at) == 0.0


def test_at_least_50_edits_can_be_undone(at: AppTest) -> None:
    for i in range(1, 56):
        set_value(at, i / 100)
    for _ in range(55):
        at.button(key="tweak_undo").click().run()
    assert net_of(at).same_weights(PRESET)


def test_an_edit_made_elsewhere_is_undoable(at: AppTest) -> None:
    edited = PRESET.with_value(0, "weight", 0, 0, 9.0)
    at.session_state["lrp_network"] = edited  # as the editor page's tables do, through state
    at.session_state["lrp_rev"] = at.session_state["lrp_rev"] + 1
    at.run()
    set_value(at, 0.5)
    at.button(key="tweak_undo").click().run()
    assert net_of(at).same_weights(edited)
    at.button(key="tweak_undo").click().run()
    assert net_of(at).same_weights(PRESET)
    assert at.number_input(key="tweak_value").value == 0.0


def test_the_widgets_follow_an_undo_of_another_target(at: AppTest) -> None:
    set_value(at, 0.3)
    at.selectbox(key="tweak_layer").set_value(0).run()
    set_value(at, 2.0)
    assert float(net_of(at).layers[0].weight[0, 0]) == 2.0
    at.button(key="tweak_undo").click().run()
    assert at.number_input(key="tweak_value").value == float(PRESET.layers[0].weight[0, 0])
    assert w(at) == 0.3


def test_the_range_adjusts(at: AppTest) -> None:
    at.selectbox(key="tweak_span").set_value(10.0).run()
    s = at.slider(key="tweak_slider")
    assert (s.min, s.max) == (-10.0, 10.0)
    set_value(at, 25.0)  # outside the range: the slider re-centres on the new value
    s = at.slider(key="tweak_slider")
    assert s.min <= 25.0 <= s.max and s.value == 25.0
