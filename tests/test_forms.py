"""lrp_explorer.ui.forms: widget forms generated from Entry.schema (AppTest)."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest


def _mcmc_script() -> None:
    import streamlit as st

    from lrp_explorer.ui.forms import finder_form

    st.session_state["out"] = finder_form("mcmc", "t", {"n_steps": 200})


def _rule_script() -> None:
    import streamlit as st

    from lrp_explorer.ui.forms import finder_form

    st.session_state["out"] = finder_form("rule", "r")


def test_mcmc_form_has_every_parameter_with_its_defaults() -> None:
    at = AppTest.from_function(_mcmc_script).run(timeout=60)
    assert not at.exception
    out = at.session_state["out"]
    # the declared defaults (issue 12 item 9: 10/1000/100), n_steps overridden by the caller
    assert out == {"n_chains": 10, "n_steps": 200, "n_warmup": 100, "init_scale": 1e-6, "temperature": 0.1,
                   "target_accept": 0.5, "nonnegative": None}
    assert at.number_input(key="t_n_chains").value == 10
    assert at.selectbox(key="t_nonnegative").value == "auto"
    assert at.text_input(key="t_temperature").value == "0.1"  # optional number: a text box
    assert len(at.expander) == 1  # the advanced parameters


def test_a_changed_value_is_returned_checked() -> None:
    at = AppTest.from_function(_mcmc_script).run(timeout=60)
    at.number_input(key="t_n_chains").set_value(25)
    at.selectbox(key="t_nonnegative").set_value("true")
    at.run(timeout=60)
    out = at.session_state["out"]
    assert out["n_chains"] == 25 and isinstance(out["n_chains"], int) and out["nonnegative"] is True


def test_an_invalid_value_shows_the_one_line_error_next_to_the_field() -> None:
    at = AppTest.from_function(_mcmc_script).run(timeout=60)
    assert not at.error
    at.number_input(key="t_target_accept").set_value(0.0)  # the range is (0, 1]
    at.text_input(key="t_temperature").set_value("hot")
    at.run(timeout=60)
    messages = [e.value for e in at.error]
    assert "target_accept must be a number > 0 and <= 1, not 0.0" in messages
    assert any(m.startswith("temperature must be a number > 0 (or unset)") for m in messages)
    out = at.session_state["out"]
    assert "target_accept" not in out and "temperature" not in out  # left out: the default applies
    assert out["n_chains"] == 10


def test_rule_form_select_box_of_the_registered_rules() -> None:
    at = AppTest.from_function(_rule_script).run(timeout=60)
    box = at.selectbox(key="r_rule")
    assert box.value == "z+" and "pinv" in box.options
    box.set_value("zB")
    at.text_input(key="r_low").set_value("-1")
    at.text_input(key="r_high").set_value("2")
    at.run(timeout=60)
    assert at.session_state["out"] == {"rule": "zB", "gamma": 0.25, "low": -1.0, "high": 2.0}


def _persisted_script() -> None:
    import streamlit as st

    from lrp_explorer.ui.forms import finder_form

    if st.session_state.get("show", True):
        st.session_state["out"] = finder_form("rule", "p", persist="pg")


def test_persisted_fields_survive_a_run_without_the_form_and_go_into_the_settings() -> None:
    at = AppTest.from_function(_persisted_script).run(timeout=60)
    at.selectbox(key="p_rule").set_value("w²")
    at.number_input(key="p_gamma").set_value(0.5).run(timeout=60)
    at.session_state["show"] = False
    at.run(timeout=60)  # the widgets are not drawn: Streamlit drops their values
    at.session_state["show"] = True
    at.run(timeout=60)
    assert at.selectbox(key="p_rule").value == "w²" and at.number_input(key="p_gamma").value == 0.5
    # the parameter named like its entry keeps the short name; the others carry the entry's name
    stored = at.session_state["lrp_settings"]
    assert stored["pg_rule"] == "w²" and stored["pg_rule_gamma"] == 0.5


def test_a_refused_stored_value_falls_back_to_the_default() -> None:
    at = AppTest.from_function(_persisted_script)
    at.session_state["lrp_settings"] = {"pg_rule": "no-such-rule", "pg_rule_gamma": -3.0, "pg_rule_low": "x"}
    at.run(timeout=60)
    assert not at.exception and not at.error
    assert at.session_state["out"] == {"rule": "z+", "gamma": 0.25, "low": None, "high": None}
