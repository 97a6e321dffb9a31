"""The editor page under streamlit.testing.v1.AppTest.

AppTest cannot type into ``st.data_editor`` cells, so an edit is written into
the table's widget state (``edited_rows``) before ``run()``, exactly what the
browser sends when a cell is edited.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from lrp_core.network import Network
from lrp_core.presets import get_preset
from lrp_core.urlstate import decode_network, encode_network
from lrp_explorer.ui.tables import table_key
from tests.conftest import open_app_page, page_charts

PAGE = "views/editor.py"


def open_editor(query: dict[str, str] | None = None) -> AppTest:
    return open_app_page(PAGE, query=query)


def network(at: AppTest) -> Network:
    return at.session_state["lrp_network"]


def rev(at: AppTest) -> int:
    return int(at.session_state["lrp_rev"])


def edit(at: AppTest, k: int, rows: dict[int, dict[str, Any]]) -> AppTest:
    at.session_state[table_key(k, rev(at))] = {"edited_rows": rows, "added_rows": [], "deleted_rows": []}
    at.run()
    assert not at.exception, at.exception
    return at


def params(at: AppTest) -> dict[str, str]:
    out = {}
    for k in ("net", "preset"):
        if k in at.query_params:
            v = at.query_params[k]
            out[k] = v[0] if isinstance(v, list) else v
    return out


def plotly_specs(at: AppTest) -> list[dict[str, Any]]:
    return [json.loads(el.proto.spec) for el in page_charts(at)]


def diagram_weight(at: AppTest, k: int, i: int, j: int) -> float:
    for spec in plotly_specs(at):
        for trace in spec["data"]:
            if trace.get("name") == "weight values":
                for row in trace["customdata"]:
                    if row[:3] == [k, i, j]:
                        return float(row[3])
    raise AssertionError("no diagram with weight values")


@pytest.fixture(scope="module")
def ancona() -> Network:
    return get_preset("ancona-max").network()


def test_page_shows_diagram_heatmap_tables_and_output(ancona: Network) -> None:
    at = open_editor()
    assert at.title[0].value == "Network editor"
    assert network(at).same_weights(ancona)
    assert len(at.data_editor) == 2
    specs = plotly_specs(at)
    assert len(specs) == 2  # the diagram and the plane heatmap
    assert diagram_weight(at, 0, 0, 0) == -0.25
    # ancona-max at its default input (3, 7) computes max = 7.
    assert any("y1 = 7**" in m.value for m in at.markdown)
    assert any("address bar opens this network" in c.value for c in at.caption)
    assert at.selectbox(key=f"editor_preset_r{rev(at)}").value == "ancona-max"
    assert not at.error


def test_editing_a_cell_changes_the_network_everywhere(ancona: Network) -> None:
    at = open_editor()
    before = rev(at)
    edit(at, 0, {0: {"x1": 0.7}})
    net = network(at)
    assert net.same_weights(ancona.with_value(0, "weight", 0, 0, 0.7))
    assert rev(at) > before
    assert not at.error
    # The page was redrawn with the new network: diagram and output follow.
    assert diagram_weight(at, 0, 0, 0) == 0.7
    assert any("y1 = 12.7**" in m.value for m in at.markdown)
    # URL round trip: the query parameters decode to the edited network.
    p = params(at)
    assert "preset" not in p and p["net"].startswith("1.")
    decoded = decode_network(p)
    assert decoded is not None and decoded.same_weights(net)
    # Another page sees the same network.
    at.switch_page("views/home.py")
    at.run()
    assert network(at).same_weights(net)


def test_bias_and_output_layer_edits(ancona: Network) -> None:
    at = open_editor()
    edit(at, 1, {0: {"bias": -1.0, "h4": 3.0}})
    expected = ancona.with_value(1, "bias", 0, None, -1.0).with_value(1, "weight", 0, 3, 3.0)
    assert network(at).same_weights(expected)


@pytest.mark.parametrize("bad", [None, "abc", 1e40, float("inf")])
def test_invalid_cell_shows_error_and_keeps_network(ancona: Network, bad: Any) -> None:
    at = open_editor()
    before, link = rev(at), params(at)
    edit(at, 0, {2: {"x2": bad}})
    assert network(at).same_weights(ancona)
    assert rev(at) == before
    assert params(at) == link == {"preset": "ancona-max"}
    errors = [e.value for e in at.error]
    assert len(errors) == 1
    assert "layer 0, unit h3, column x2" in errors[0] and "Nothing was changed" in errors[0]
    # The rest of the page still works: the diagram shows the kept network.
    assert diagram_weight(at, 0, 2, 1) == 1.0
    # Discarding the bad edit clears the error; the network is the same.
    at.button(key=f"editor_discard0_r{before}").click().run()
    assert not at.error and network(at).same_weights(ancona)


def test_a_valid_edit_after_an_invalid_one_still_applies(ancona: Network) -> None:
    at = open_editor()
    edit(at, 0, {0: {"x1": None}})
    assert at.error
    edit(at, 0, {0: {"x1": 0.5}})
    assert not at.error
    assert network(at).same_weights(ancona.with_value(0, "weight", 0, 0, 0.5))


def test_preset_switch_loads_it_and_resets_the_input() -> None:
    at = open_editor()
    at.session_state["lrp_x"] = (1.0, 2.0)
    at.selectbox(key=f"editor_preset_r{rev(at)}").select("xor-2-4-1").run()
    assert not at.exception
    xor = get_preset("xor-2-4-1")
    assert network(at).same_weights(xor.network())
    assert tuple(at.session_state["lrp_x"]) == xor.default_input
    assert params(at) == {"preset": "xor-2-4-1"}
    assert at.selectbox(key=f"editor_preset_r{rev(at)}").value == "xor-2-4-1"
    # dtd-mlp has 10 inputs: six tables, no plane heatmap.
    at.selectbox(key=f"editor_preset_r{rev(at)}").select("dtd-mlp").run()
    assert network(at).widths == [10, 10, 10, 10, 10, 2]
    assert len(at.data_editor) == 5
    assert len(plotly_specs(at)) == 1


def test_edited_network_shows_no_preset_and_a_fresh_session_opens_the_link(ancona: Network) -> None:
    at = open_editor()
    edit(at, 0, {1: {"bias": 0.125}})
    link = params(at)
    assert at.selectbox(key=f"editor_preset_r{rev(at)}").value is None
    fresh = open_editor(link)
    assert network(fresh).same_weights(ancona.with_value(0, "bias", 1, None, 0.125))
    assert diagram_weight(fresh, 0, 0, 0) == -0.25
    assert not fresh.error


def test_link_opens_an_edited_network_directly() -> None:
    net = get_preset("plane-2-8-8-1").network().with_value(1, "weight", 2, 3, -2.5)
    at = open_editor({"net": encode_network(net)["net"]})
    assert network(at).same_weights(net)
    assert diagram_weight(at, 1, 2, 3) == -2.5
    assert len(at.data_editor) == 3


def test_structure_buttons(ancona: Network) -> None:
    at = open_editor()
    at.button(key=f"editor_addu0_r{rev(at)}").click().run()
    assert network(at).widths == [2, 5, 1]
    assert network(at).same_weights(ancona.with_unit_added(0))
    at.selectbox(key=f"editor_unit0_r{rev(at)}").select(1).run()
    at.button(key=f"editor_rmu0_r{rev(at)}").click().run()
    assert network(at).same_weights(ancona.with_unit_added(0).with_unit_removed(0, 1))
    at.button(key=f"editor_addl0_r{rev(at)}").click().run()
    assert network(at).widths == [2, 4, 4, 1]
    assert len(at.data_editor) == 3
    at.button(key=f"editor_rml1_r{rev(at)}").click().run()
    assert network(at).widths == [2, 4, 1]
    assert not at.exception and not at.error


def test_units_box_sets_the_count_in_one_edit(ancona: Network) -> None:
    """Issue 12 item 16: ten rapid clicks on "Add unit" added one unit. The Units box takes the count the
    clicks end at (the frontend adds up +/- clicks into one value), so 4 -> 14 is one edit of ten units."""
    at = open_editor()
    at.number_input(key="editor_units0").set_value(14).run()
    net = network(at)
    expected = ancona
    for _ in range(10):
        expected = expected.with_unit_added(0)
    assert net.widths == [2, 14, 1] and net.same_weights(expected)
    assert at.number_input(key="editor_units0").value == 14
    assert any("now has 14 units" in str(t.value) for t in at.toast)
    at.number_input(key="editor_units0").set_value(3).run()  # shrinking drops the last units
    assert network(at).same_weights(ancona.with_unit_removed(0, 3))
    assert not at.exception and not at.error


def test_activation_change(ancona: Network) -> None:
    at = open_editor()
    at.selectbox(key=f"editor_act1_r{rev(at)}").select("relu").run()
    assert network(at).layers[1].activation == "relu"
    assert network(at).layers[0].activation == "relu"
    assert params(at)["net"].startswith("1.")


def test_removing_the_last_unit_is_refused_with_a_message() -> None:
    net = get_preset("xor-2-4-1").network()
    for _ in range(3):
        net = net.with_unit_removed(0, 0)
    at = open_editor({"net": encode_network(net)["net"]})
    before = rev(at)
    at.button(key=f"editor_rmu0_r{before}").click().run()
    assert not at.exception
    assert any("at least one unit" in e.value for e in at.error)
    assert rev(at) == before and network(at).same_weights(net)


def test_import_json_and_refuse_bad_files(ancona: Network) -> None:
    at = open_editor()
    xor = get_preset("xor-2-4-1").network().with_value(1, "bias", 0, None, 0.5)
    at.file_uploader(key=f"editor_upload_r{rev(at)}").set_value(("mine.json", xor.to_json().encode(), "application/json"))
    at.run()
    assert network(at).same_weights(ancona)  # nothing happens before the button
    at.button(key=f"editor_import_r{rev(at)}").click().run()
    assert not at.exception and not at.error
    assert network(at).same_weights(xor)
    good_rev = rev(at)
    assert at.file_uploader(key=f"editor_upload_r{good_rev}").value is None  # emptied after loading
    for data, words in [
        (b"\x80\x04\x95 pickle bytes", "pickle"),
        (b'{"format": "lrp-explorer.network", "version": 1, "layers": []}', "empty"),
        (b"{not json", "not valid JSON"),
    ]:
        at.file_uploader(key=f"editor_upload_r{rev(at)}").set_value(("bad.json", data, "application/json"))
        at.run()
        at.button(key=f"editor_import_r{rev(at)}").click().run()
        assert not at.exception
        assert any(words in e.value and "unchanged" in e.value for e in at.error), words
        assert rev(at) == good_rev and network(at).same_weights(xor)


def test_export_offers_the_network_json(ancona: Network) -> None:
    at = open_editor()
    downloads = at.get("download_button")
    assert len(downloads) == 1
    assert "Download network JSON" in downloads[0].proto.label


def test_plane_range_slider() -> None:
    at = open_editor({"preset": "xor-2-4-1"})
    slider = at.slider(key=f"editor_box_r{rev(at)}")
    assert slider.value == (-3.0, 3.0)
    slider.set_range(-1.0, 1.0).run()
    heat = next(t for t in plotly_specs(at)[1]["data"] if t.get("name") == "output")
    xs = np.frombuffer(base64.b64decode(heat["x"]["bdata"]), dtype=heat["x"]["dtype"])  # plotly's typed array
    assert xs[0] == -1.0 and xs[-1] == 1.0
    at.slider(key=f"editor_box_r{rev(at)}").set_range(2.0, 2.0).run()
    assert not at.exception
    assert any("lo < hi" in e.value for e in at.error)
    assert len(plotly_specs(at)) == 1  # the diagram stays
