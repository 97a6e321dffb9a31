"""The live loop on every page (issue 15 §5), through AppTest on the whole app:

- a tweak on the page changes that page's results, and the other pages see the tweaked network;
- an invalid tweak is refused beside the control and changes nothing;
- the view round trip: tweak, move x and change a page setting, read the URL's parameters, open a
  fresh session from them, and get the same page with the same settings and the same numbers.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from lrp_core.viewstate import decode_view
from tests.conftest import APP_FILE, APPTEST_TIMEOUT, open_app_page, page_charts

# page file, a preset that shows it well, a page setting to change (widget kind, key, new value)
PAGES: list[tuple[str, str, tuple[str, str, Any] | None]] = [
    ("views/editor.py", "xor-2-4-1", None),
    ("views/importance.py", "ancona-max", ("radio", "imp_loss", "l1")),
    ("views/roots.py", "plane-2-8-8-1", ("pills", "roots_finders", ["exact", "rule"])),
    ("views/decomposition.py", "ancona-max", ("checkbox", "dec_compare", True)),
    ("views/fields.py", "xor-2-4-1", ("pills", "fields_methods", ["gradient-x-input", "z+"])),
]


# a compute time ("12 ms") or "cached" (issue 12 item 10) depends on the run, not on the view
_TIME = re.compile(r"\b\d[\d.,]* ms\b|\bcached\b")


def results(at: AppTest) -> str:
    """Everything the page computed, as text: its charts' data, its tables and its metrics (times left out)."""
    charts = [json.loads(c.proto.spec)["data"] for c in page_charts(at)]
    tables = [d.value.to_json() for d in at.dataframe]
    metrics = [(m.label, m.value) for m in at.metric]
    return _TIME.sub("<t>", json.dumps([charts, tables, metrics], sort_keys=True, default=str))


def params(at: AppTest) -> dict[str, str]:
    return {k: (v[0] if isinstance(v, list) else v) for k, v in at.query_params.items()}


def tweak(at: AppTest, value: float) -> None:
    at.number_input(key="tweak_value").set_value(value).run()
    assert not at.exception, [e.value for e in at.exception]


@pytest.mark.parametrize(("page", "preset", "setting"), PAGES, ids=[p[0].split("/")[1][:-3] for p in PAGES])
def test_a_tweak_moves_the_page_and_every_page_sees_it(page: str, preset: str, setting: Any) -> None:
    at = open_app_page(page, query={"preset": preset})
    before = results(at)
    target = at.selectbox(key="tweak_target").value
    old = float(at.number_input(key="tweak_value").value)
    tweak(at, old + 0.75)
    assert results(at) != before, "the page's results did not follow the tweak"
    net = at.session_state["lrp_network"]
    assert not net.same_weights(at.session_state["live_history"].undo[-1])
    at.switch_page("views/home.py")
    at.run()
    assert at.session_state["lrp_network"].same_weights(net)  # the other pages see it
    other = "views/importance.py" if page != "views/importance.py" else "views/editor.py"
    at.switch_page(other)
    at.run()
    assert at.session_state["lrp_network"].same_weights(net)
    assert at.selectbox(key="tweak_target").value == target  # and the same tweak target


@pytest.mark.parametrize(("page", "preset", "setting"), PAGES[1:2], ids=["importance"])
def test_an_invalid_tweak_changes_nothing(page: str, preset: str, setting: Any) -> None:
    at = open_app_page(page, query={"preset": preset})
    net, before = at.session_state["lrp_network"], results(at)
    tweak(at, 1e40)
    assert any("refused" in str(e.value) for e in at.error)
    assert at.session_state["lrp_network"] is net and results(at) == before


@pytest.mark.parametrize(("page", "preset", "setting"), PAGES, ids=[p[0].split("/")[1][:-3] for p in PAGES])
def test_the_view_round_trip_opens_the_same_page_with_the_same_numbers(
    page: str, preset: str, setting: Any
) -> None:
    a = open_app_page(page, query={"preset": preset})
    tweak(a, float(a.number_input(key="tweak_value").value) + 0.5)
    if setting is not None:
        kind, key, value = setting
        getattr(a, kind)(key=key).set_value(value).run()
    if a.session_state["lrp_network"].n_inputs == 2:
        a.session_state["lrp_x"] = (0.75, -1.25)
    a.run()
    assert not a.exception, [e.value for e in a.exception]
    link = params(a)
    view, notes = decode_view(link)
    assert notes == [] and view.page == page.split("/")[1][:-3]

    b = AppTest.from_file(APP_FILE, default_timeout=APPTEST_TIMEOUT)
    for k, v in link.items():
        b.query_params[k] = v
    b.run()  # the view names the page: the app switches to it
    assert not b.exception, [e.value for e in b.exception]
    assert b.session_state["lrp_network"].same_weights(a.session_state["lrp_network"])
    assert b.session_state["lrp_x"] == a.session_state["lrp_x"]
    if setting is not None:
        kind, key, value = setting
        assert getattr(b, kind)(key=key).value == value
    assert results(b) == results(a)
    assert not b.warning, [w.value for w in b.warning]
