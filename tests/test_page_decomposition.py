"""The Decomposition page through AppTest: run, switch mode and finder,
compare, bad settings, and the downloads' content."""

from __future__ import annotations

import io
import json
import re
import time
from typing import Any

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from lrp_core.decompose import FinderSpec, decompose
from lrp_core.presets import get_preset
from lrp_core.viewstate import View, encode_view
from lrp_explorer.ui.decomposition_tables import tree_frame
from tests.conftest import open_app_page, open_tab, page_charts

PAGE = "views/decomposition.py"
DETAILS = ("Conservation", "Relevance flow", "Step through", "Tables and downloads")  # the page's tabs
TABLES = DETAILS[3]


def open_page() -> AppTest:
    return open_app_page(PAGE)


def use_dtd(at: AppTest) -> None:
    preset = get_preset("dtd-mlp")
    at.session_state["lrp_network"] = preset.network()
    at.session_state["lrp_rev"] = int(at.session_state["lrp_rev"]) + 1
    at.session_state["lrp_x"] = preset.default_input
    at.run()


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def x_box(at: AppTest, i: int) -> Any:
    """The text box of input x_i (its key carries a hash of x, so it is found by its label)."""
    (box,) = [t for t in at.text_input if t.label == f"x{i}"]
    return box


def layer_table(at: AppTest) -> pd.DataFrame:
    """The per-layer table (the first one, the left side's when comparing), its tab opened first."""
    open_tab(at, "dec_details", TABLES)
    return next(d.value for d in at.dataframe if "conservation_error" in d.value.columns)


def assert_clean(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def test_default_network_runs_and_conserves() -> None:
    at = open_page()
    assert_clean(at)
    m = metrics(at)
    # ancona-max at (3, 7): f = 7, full-backward with the exact finder
    assert m["f(x) explained"] == "7"
    assert [t.label for t in at.tabs] == list(DETAILS)
    assert [c.key for c in page_charts(at)] == ["dec_heat", "dec_cons"]  # only the open tab's plot is built
    assert [c.key for c in page_charts(open_tab(at, "dec_details", "Relevance flow"))] == ["dec_heat", "dec_sankey"]
    assert not at.get("download_button")  # the tables' tab is closed: no file is prepared
    assert at.latex, "the formula is shown"


def test_dtd_switch_mode_finder_and_download(downloads: dict[str, bytes]) -> None:
    at = open_page()
    use_dtd(at)
    open_tab(at, "dec_details", TABLES)  # the downloads are in the tables' tab
    assert_clean(at)
    preset = get_preset("dtd-mlp")
    net = preset.network()
    full = decompose(net, preset.default_input, 0, mode="full", spec=FinderSpec.of("exact"))
    assert metrics(at)["f(x) explained"] == f"{full.f_x:.4g}"
    assert metrics(at)["input relevance"] == f"{float(full.input_relevance.sum()):.4g}"
    got = json.loads(downloads["decomposition-full.json"])
    assert got["mode"] == "full"
    assert got["input_relevance"] == pytest.approx(full.input_relevance.tolist(), abs=1e-12)
    assert len(got["tree"]) == 5

    at.selectbox(key="dec_mode").set_value("train-free").run()
    assert_clean(at)
    tf = decompose(net, preset.default_input, 0, mode="train-free", spec=FinderSpec.of("exact"))
    assert metrics(at)["input relevance"] == f"{float(tf.input_relevance.sum()):.4g}"
    got = json.loads(downloads["decomposition-train-free.json"])
    assert got["mode"] == "train-free"
    assert got["input_relevance"] == pytest.approx(tf.input_relevance.tolist(), abs=1e-12)
    frame = pd.read_csv(io.StringIO(downloads["decomposition-train-free.csv"].decode()))
    assert len(frame) == len(tree_frame(tf))
    assert set(frame["mode"]) == {"train-free"}
    assert list(frame["neuron_name"][:3]) == ["y1", "y1", "y1"]  # units named as on the editor

    # rule z+ in train-free mode conserves relevance at every layer
    at.selectbox(key="dec_a_finder").set_value("rule").run()
    assert_clean(at)
    assert at.selectbox(key="dec_a_rule_rule").value == "z+"
    table = layer_table(at)
    assert list(table["layer"]) == [4, 3, 2, 1, 0]
    assert (table["sum"] - full.f_x).abs().max() < 1e-9
    assert at.get("download_button")


def test_compare_side_by_side() -> None:
    at = open_page()
    use_dtd(at)
    at.checkbox(key="dec_compare").check().run()
    assert_clean(at)
    # the right side defaults to the other mode
    assert at.selectbox(key="dec_mode_b").value == "train-free"
    # both sides in one figure each: relevance per unit, input relevance, conservation, Sankey
    assert [c.key for c in page_charts(at)] == ["dec_heat_pair", "dec_cmp", "dec_cons_pair"]
    assert [c.key for c in page_charts(open_tab(at, "dec_details", "Relevance flow"))] == [
        "dec_heat_pair", "dec_sankey"]
    open_tab(at, "dec_details", TABLES)
    assert sum(1 for d in at.dataframe if "conservation_error" in d.value.columns) == 2


def test_bad_rule_shows_an_error_and_nothing_breaks() -> None:
    at = open_page()
    at.selectbox(key="dec_a_finder").set_value("rule").run()
    at.selectbox(key="dec_a_rule_rule").set_value("zB").run()
    assert not at.exception
    assert any("box" in e.value for e in at.error)
    # back to a valid rule: results come back
    at.selectbox(key="dec_a_rule_rule").set_value("z+").run()
    assert_clean(at)
    assert metrics(at)["input relevance"] == "7"


def test_input_writes_back_to_the_shared_state() -> None:
    # (the old test took the page's first number input for x1; since the tweak control came in
    # above it, that was the tweak's "Exact value" box, so it changed a weight, not x)
    at = open_page()
    digest = at.session_state["lrp_network"].digest
    x_box(at, 1).set_value("5").run()
    assert_clean(at)
    assert tuple(at.session_state["lrp_x"]) == (5.0, 7.0)
    # max(5, 7) = 7 still; move x2 below x1 (scientific notation is read exactly)
    x_box(at, 2).set_value("2E0").run()
    assert tuple(at.session_state["lrp_x"]) == (5.0, 2.0)
    assert metrics(at)["f(x) explained"] == "5"
    assert at.session_state["lrp_network"].digest == digest  # the network is untouched
    # a value that is no number is refused where it was typed; x stays
    x_box(at, 2).set_value("1,5").run()
    assert not at.exception
    assert tuple(at.session_state["lrp_x"]) == (5.0, 2.0)
    assert any("refused" in e.value and "Nothing was changed" in e.value for e in at.error)


def test_per_layer_override() -> None:
    at = open_page()
    use_dtd(at)
    at.checkbox(key="dec_ovr0").check().run()
    at.selectbox(key="dec_l0_finder").set_value("rule").run()
    assert_clean(at)
    table = layer_table(at)
    assert table.loc[table["layer"] == 0, "finder"].item() == "rule(gamma=0.25, rule=z+)"
    assert table.loc[table["layer"] == 1, "finder"].item() == "exact(tie_break=l1)"
    # the override survives a tweak (a new network revision)
    at.session_state["lrp_rev"] = int(at.session_state["lrp_rev"]) + 1
    at.run()
    assert layer_table(at).loc[lambda t: t["layer"] == 0, "finder"].item() == "rule(gamma=0.25, rule=z+)"


def test_neighbouring_points_share_the_exact_cache() -> None:
    at = open_page()
    use_dtd(at)
    at.number_input(key="dec_nb_n").set_value(4)
    at.number_input(key="dec_nb_r").set_value(1e-5)
    at.toggle(key="dec_nb_run").set_value(True).run()
    assert_clean(at)
    text = next(m.value for m in at.markdown if "root searches" in m.value and "segment(s)" in m.value)
    full = decompose(get_preset("dtd-mlp").network(), get_preset("dtd-mlp").default_input, 0,
                     spec=FinderSpec.of("exact"))
    # 4 points of one segment: the first point's searches only, 3 × that many hits
    assert text.startswith("4 points in 1 segment(s)")
    assert f"**{full.root_searches} root searches**" in text
    assert f"({3 * full.root_searches} hits) instead of {4 * full.root_searches} without it" in text


# --- issue 12 items 7, 10, 11 and 18 on this page ------------------------------------------------------


def _figures(at: AppTest) -> list[dict[str, Any]]:
    return [json.loads(c.proto.spec) for c in page_charts(at)]


def _plain(text: str) -> str:
    """Markdown/LaTeX without the symbols around the letters (``$p_j$`` → ``p``)."""
    return re.sub(r"[$*_\\{}]|(?<=[pq])_j", " ", text).replace("  ", " ")


def test_compare_view_shares_axes_and_shows_both_totals() -> None:
    at = open_page()
    use_dtd(at)
    at.checkbox(key="dec_compare").check().run()
    assert_clean(at)
    preset = get_preset("dtd-mlp")
    net, x = preset.network(), preset.default_input
    sides = [decompose(net, x, 0, mode=m, spec=FinderSpec.of("exact")) for m in ("full", "train-free")]
    paired = [f for f in _figures(at) if "yaxis2" in f["layout"]]
    assert len(paired) >= 3  # relevance per unit, conservation, input relevance: each side by side in one figure
    assert all(f["layout"]["yaxis2"].get("matches") == "y" for f in paired)
    totals = [d.value for d in at.dataframe if "unresolved (all layers)" in d.value.columns]
    assert len(totals) == 1
    want = [sum(lr.unresolved for lr in d.layers) for d in sides]
    assert list(totals[0]["unresolved (all layers)"]) == pytest.approx(want, abs=1e-12)
    assert min(abs(w) for w in want) > 0.1  # both sides really leave something unresolved here


def test_a_cached_decomposition_says_cached() -> None:
    # a weight no other test uses, so the first run computes
    net = get_preset("ancona-max").network().with_value(0, "weight", 0, 0, 1.0 + (time.time_ns() % 997) * 1e-7)
    at = open_app_page(PAGE, net=net)
    assert metrics(at)["time"].endswith(" ms")
    at.run()
    assert metrics(at)["time"] == "cached"


def test_units_are_named_as_on_the_editor() -> None:
    at = open_tab(open_page(), "dec_details", TABLES)  # ancona-max: inputs x1, x2; hidden h1..h4; output y1
    assert not [d for d in at.dataframe if "relevance R_j" in d.value.columns]  # folded: not built
    for layer in (0, 1):  # open both layers' root trees
        at.session_state[f"dec_a_tree_open_{layer}"] = True
    at.run()
    trees = [d.value for d in at.dataframe if "relevance R_j" in d.value.columns]
    assert [list(t["neuron"]) for t in trees] == [["y1"], ["h1", "h2", "h3"]]  # h4 passes nothing on: no node
    output = next(s for s in at.selectbox if s.label == "Output")
    assert output.options[0].startswith("y1")
    open_tab(at, "dec_details", "Step through")
    at.toggle(key="dec_step_on").set_value(True).run()
    handed = next(d.value for d in at.dataframe if "R (handed down)" in d.value.columns)
    arriving = next(d.value for d in at.dataframe if "R (arriving)" in d.value.columns)
    assert list(handed["neuron"]) == ["h1", "h2", "h3", "h4"] and list(arriving["upper neuron"]) == ["y1"]


def test_sankey_is_readable_for_dtd_and_p_q_negative_are_explained() -> None:
    at = open_page()
    use_dtd(at)
    open_tab(at, "dec_details", "Relevance flow")
    sankeys = [f["data"][0] for f in _figures(at) if f["data"][0]["type"] == "sankey"]
    assert len(sankeys) == 1 and len(sankeys[0]["link"]["value"]) <= 120
    at.selectbox(key="dec_sankey_layer").set_value(2).run()
    (one,) = [f["data"][0] for f in _figures(at) if f["data"][0]["type"] == "sankey"]
    assert all("hidden 2" in c or "hidden 1" in c or "layer 2" in c for c in one["node"]["customdata"])
    open_tab(at, "dec_details", TABLES)  # the per-layer table's caption explains its columns
    words = _plain(" ".join([*(m.value for m in at.markdown), *(c.value for c in at.caption)]))
    assert re.search(r"\bp\b[^.]{0,80}\bslope\b", words), "p explained in words"
    assert re.search(r"\bq\b[^.]{0,80}\boffset\b", words), "q explained in words"
    assert re.search(r"negative:[^.]*below zero", words), "the negative column explained"


def test_finder_parameters_survive_a_switch_and_old_links_still_set_them() -> None:
    at = open_page()
    at.selectbox(key="dec_a_finder").set_value("mcmc").run()
    at.number_input(key="dec_a_mcmc_n_steps").set_value(300).run()
    at.switch_page("views/editor.py").run()
    at.switch_page(PAGE).run()
    assert_clean(at)
    assert at.number_input(key="dec_a_mcmc_n_steps").value == 300
    # a link written before the generated form named the chains "dec_a_chains"
    link = encode_view(View(page="decomposition", settings={"dec_a_finder": "mcmc", "dec_a_chains": 7}))
    old = open_app_page(PAGE, query=link)
    assert old.selectbox(key="dec_a_finder").value == "mcmc"
    assert old.number_input(key="dec_a_mcmc_n_chains").value == 7


def test_an_open_root_tree_stays_open_while_weights_move() -> None:
    at = open_tab(open_page(), "dec_details", TABLES)  # ancona-max
    at.session_state["dec_a_tree_open_0"] = True
    at.run()

    def tree_units() -> list[list[str]]:
        return [list(d.value["neuron"]) for d in at.dataframe if "relevance R_j" in d.value.columns]

    assert tree_units() == [["h1", "h2", "h3"]]  # layer 0's tree only: layer 1's is folded
    before = at.session_state["lrp_network"].digest
    at.number_input(key="tweak_value").set_value(0.7).run()  # a tweak changes the network and its sums
    assert at.session_state["lrp_network"].digest != before
    assert len(tree_units()) == 1 and at.session_state["dec_a_tree_open_0"] is True
