"""A huge x on Root finding is refused where it was typed (issue 12, item 4): before the fix,
x1 = 1e30 on plane-2-8-8-1 raised "a box's corners must lie within ±1e12" with a traceback."""

from __future__ import annotations

from lrp_core.presets import get_preset
from tests.conftest import open_app_page


def test_x1_1e30_is_refused_and_the_page_keeps_its_state() -> None:
    at = open_app_page("views/roots.py", net=get_preset("plane-2-8-8-1").network())
    x_before = tuple(at.session_state["lrp_x"])
    rev = at.session_state["lrp_rev"]
    key = next(n.key for n in at.text_input if n.key.startswith(f"roots_x_{rev}_") and n.key.endswith("_0"))
    at.text_input(key=key).set_value("1e30").run()  # typed as text: Streamlit's number box would rewrite it
    assert not at.exception, [e.value for e in at.exception]
    assert any("refused" in e.value and "Nothing was changed" in e.value for e in at.error)
    assert tuple(at.session_state["lrp_x"]) == x_before
    assert at.get("plotly_chart")  # the plot is still drawn
    assert at.text_input(key=key).value == "1e30"  # the refused text stays where it was typed
    # a valid x again: accepted, the message goes
    at.text_input(key=key).set_value("-0.5").run()
    assert tuple(at.session_state["lrp_x"]) == (-0.5, x_before[1])
    assert not any("refused" in e.value for e in at.error)
