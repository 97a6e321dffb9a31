"""The importance page's data do not depend on navigation history (issue 12, item 1).

Before the fix, an edited ancona-max opened from the editor was scored on 100
standard-normal inputs labelled by the edited network itself (loss 0, gradient and
Taylor 0), while visiting Neuron importance first kept the preset's data; a shared
``?net=`` link always got the self-labelled data."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from lrp_explorer.ui.tables import table_key
from tests.conftest import importance_numbers, open_app_page

PAGE = "views/importance.py"
EDITOR = "views/editor.py"


def _edit_h1(at: AppTest) -> None:
    """Type 2.1 into layer 0's cell (h1, x1) on the editor page."""
    rev = int(at.session_state["lrp_rev"])
    at.session_state[table_key(0, rev)] = {"edited_rows": {0: {"x1": "2.1"}}, "added_rows": [], "deleted_rows": []}
    at.run()
    assert not at.exception
    assert float(at.session_state["lrp_network"].layers[0].weight[0, 0]) == 2.1


def _numbers(at: AppTest) -> tuple[str, dict[str, list[float]]]:
    caption = next(c.value for c in at.caption if c.value.startswith("Data:"))
    frame = importance_numbers(at)
    return caption, {str(c): [float(v) for v in frame[c]] for c in frame.columns}


def test_editor_first_then_importance_keeps_the_preset_s_data() -> None:
    at = open_app_page(EDITOR, query={"preset": "ancona-max"})
    _edit_h1(at)
    at.switch_page(PAGE).run()
    caption, s = _numbers(at)
    assert "**ancona-max** data set" in caption and "original targets" in caption
    assert any(abs(v) > 1e-9 for v in s["Gradient (sensitivity)"])  # the loss is not 0: the targets are max(x1, x2)


def test_same_numbers_whichever_page_came_first_and_from_a_link() -> None:
    a = open_app_page(EDITOR, query={"preset": "ancona-max"})
    _edit_h1(a)
    a.switch_page(PAGE).run()
    link = dict(a.query_params)

    b = open_app_page(PAGE, query={"preset": "ancona-max"})
    b.switch_page(EDITOR).run()
    _edit_h1(b)
    b.switch_page(PAGE).run()

    assert "net" in link and link.get("data") == "ancona-max"
    c = open_app_page(PAGE, query={k: (v[0] if isinstance(v, list) else v) for k, v in link.items()})
    first = _numbers(a)
    assert _numbers(b) == first
    assert _numbers(c) == first


def test_the_user_can_choose_the_network_s_own_data() -> None:
    at = open_app_page(EDITOR, query={"preset": "ancona-max"})
    _edit_h1(at)
    at.switch_page(PAGE).run()
    at.radio(key="imp_source").set_value("own").run()
    caption, s = _numbers(at)
    assert "labelled by this network itself" in caption
    assert all(abs(v) <= 1e-12 for v in s["Gradient (sensitivity)"])
