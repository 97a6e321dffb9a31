"""The "Neuron importance" page through Streamlit's AppTest.

Covered: choosing methods; editing a weight on the editor page changes the
scores here; a bad CSV shows an error and keeps the previous data; data
dropped when the network's input/output counts change.

One browser test (real Chromium) checks the rendered bar chart's data and the CSV download.

Not covered here: the ``st.file_uploader`` widget itself (AppTest cannot set
it). The page hands an upload's bytes to the session key ``imp_upload``; the
tests put bytes there directly, so everything after the widget (parsing,
error, keeping the old data) runs the page's real code.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from lrp_core.importance import MAX_WORK
from lrp_core.presets import get_preset
from lrp_explorer.ui.tables import table_key
from tests.conftest import (
    importance_numbers,
    open_app_page,
    open_tab,
    open_via_nav,
    page_charts,
    wait_for_app,
)

ROOT = Path(__file__).resolve().parent.parent
DETAILS = ("Ranks", "Pruning curves", "Shapley convergence", "Scores as numbers")  # the page's detail tabs
# dtd-mlp, layer 0 (10 units, tail 3·10·10 + 10·2 multiply-adds, + 10 mask products), 100 data points:
# the largest even permutation count under the cap (work = P · 9 · 100 · 330)
DTD_MAX_PERMS = int(MAX_WORK // (9 * 100 * 330)) // 2 * 2
PAGE = "views/importance.py"


def open_page() -> AppTest:
    return open_app_page(PAGE)


def scores(at: AppTest) -> dict[str, list[float]]:
    frame = importance_numbers(at)
    return {str(c): [float(v) for v in frame[c]] for c in frame.columns}


def errors(at: AppTest) -> list[str]:
    return [str(e.value) for e in at.error]


@pytest.fixture(scope="module")
def base() -> AppTest:
    return open_page()


def test_default_page_shows_fig1(base: AppTest) -> None:
    at = base
    assert not errors(at)
    s = scores(at)
    assert abs(s["Shapley (exact)"][3]) <= 1e-12
    assert s["Shapley (exact)"][2] > 1.0
    assert s["APoZ (1 − fraction of zeros)"][3] == 1.0  # APoZ calls the useless unit busy
    text = " ".join(str(m.value) for m in at.markdown)
    assert "**Shapley (exact)** would prune **h4** first" in text
    assert any(b.proto.label.startswith("Download all scores") for b in at.get("download_button"))
    # the details are tabs, and only the open tab's plots are built
    assert [t.label for t in at.tabs] == list(DETAILS)
    assert [c.key for c in page_charts(at)] == ["imp_scatter", "imp_bars"]
    for tab, key in zip(DETAILS[:3], ("imp_ranks", "imp_prune", "imp_conv"), strict=True):
        assert [c.key for c in page_charts(open_tab(at, "imp_details", tab))] == ["imp_scatter", "imp_bars", key]
    assert not at.get("download_button")  # the numbers' tab is closed: its file is not written


def test_choose_methods_and_loss() -> None:
    at = open_page()
    at.pills(key="imp_methods").set_value(["apoz", "leave-one-out"])
    at.run()
    assert list(scores(at)) == ["APoZ (1 − fraction of zeros)", "Leave-one-out"]
    open_tab(at, "imp_details", "Shapley convergence")  # no sampled Shapley: no convergence plot, a hint
    assert "imp_conv" not in [c.key for c in page_charts(at)]
    assert any("Choose Shapley (sampled)" in i.value for i in at.info)
    mse = scores(at)["Leave-one-out"]
    at.radio(key="imp_loss").set_value("l1")
    at.run()
    l1 = scores(at)["Leave-one-out"]
    assert l1 != mse and abs(l1[3]) <= 1e-12
    at.pills(key="imp_methods").set_value(["weight-norm"])
    at.run()
    assert scores(at)["Weight norm"] == [0.5, 2.0, 2.0, 2.0]
    at.radio(key="imp_wn_dir").set_value("out")
    at.run()
    assert scores(at)["Weight norm"] == [2.0, 0.5, 0.5, 0.0]  # |outgoing weights| of ancona-max
    at.radio(key="imp_wn_dir").set_value("in")
    at.radio(key="imp_wn_norm").set_value("l2")
    at.run()
    assert scores(at)["Weight norm"] == pytest.approx([0.25 * 2**0.5, 2**0.5, 2**0.5, 2**0.5])
    at.pills(key="imp_methods").set_value([])
    at.run()
    assert any("at least one method" in str(i.value) for i in at.info)


def test_editing_a_weight_in_the_editor_updates_the_scores() -> None:
    at = open_page()
    before = scores(at)["Shapley (exact)"]
    at.switch_page("views/editor.py")
    at.run()
    rev = int(at.session_state["lrp_rev"])
    # give the useless unit h4 an output weight of 1
    at.session_state[table_key(1, rev)] = {"edited_rows": {0: {"h4": 1.0}}, "added_rows": [], "deleted_rows": []}
    at.run()
    assert float(at.session_state["lrp_network"].layers[1].weight[0, 3]) == 1.0
    at.switch_page(PAGE)
    at.run()
    assert not at.exception
    after = scores(at)["Shapley (exact)"]
    assert abs(after[3]) > 1.0 and after != before
    # the preset's targets max(x1, x2) are kept after the edit, so the loss measures the edit
    assert any("original targets" in str(c.value) for c in at.caption)


def test_weight_change_through_session_state() -> None:
    at = open_page()
    net = at.session_state["lrp_network"]
    at.session_state["lrp_network"] = net.with_value(1, "weight", 0, 2, 0.0)  # cut h3's output
    at.session_state["lrp_rev"] = int(at.session_state["lrp_rev"]) + 1
    at.run()
    s = scores(at)["Shapley (exact)"]
    assert abs(s[2]) <= 1e-12 and abs(s[3]) <= 1e-12


def test_bad_csv_shows_error_and_keeps_the_data() -> None:
    at = open_page()
    baseline = scores(at)
    at.session_state["imp_upload"] = ("bad.csv", b"1,2\n3,4\n")
    at.run()
    assert any("bad.csv" in e and "needs 3" in e and "Nothing was changed" in e for e in errors(at))
    assert "imp_data" not in at.session_state
    assert scores(at) == baseline
    good = "x1,x2,y\n" + "".join(f"{a},{b},{max(a, b)}\n" for a, b in [(1, 2), (5, 3), (0.5, 9), (4, 4)])
    at.session_state["imp_upload"] = ("good.csv", good.encode())
    at.run()
    assert not errors(at)
    uploaded = scores(at)
    assert uploaded != baseline
    assert any("uploaded **good.csv** (4 rows)" in str(c.value) for c in at.caption)
    at.session_state["imp_upload"] = ("worse.csv", b"\x80\x04pickle")
    at.run()
    assert any("worse.csv" in e and "pickle" in e for e in errors(at))
    assert at.session_state["imp_data"].n_rows == 4
    assert scores(at) == uploaded


def test_uploaded_data_dropped_when_network_shape_changes() -> None:
    at = open_page()
    at.session_state["imp_upload"] = ("good.csv", b"1,2,2\n3,1,3\n")
    at.run()
    assert at.session_state["imp_data"].n_rows == 2
    at.session_state["lrp_network"] = get_preset("dtd-mlp").network()
    at.session_state["lrp_rev"] = int(at.session_state["lrp_rev"]) + 1
    at.pills(key="imp_methods").set_value(["apoz", "shapley-sampled"])
    at.run()
    assert not at.exception
    assert "imp_data" not in at.session_state
    assert any("no longer match" in str(i.value) for i in at.info)
    assert len(scores(at)["APoZ (1 − fraction of zeros)"]) == 10


def test_overflowing_network_shows_one_error_and_keeps_the_page_usable() -> None:
    from lrp_core.network import from_layers

    at = open_page()
    deep = from_layers([[[1e32, 0.0], [0.0, 1e32]]] * 7 + [[[1e32, 1e32]]], [[0.0, 0.0]] * 7 + [[0.0]],
                       ["relu"] * 7 + ["linear"])
    at.session_state["lrp_network"] = deep
    at.session_state["lrp_rev"] = int(at.session_state["lrp_rev"]) + 1
    at.session_state["imp_upload"] = ("ones.csv", b"x1,x2,y\n0.5,0.25,1\n1,0,1\n0.2,0.9,1\n")
    at.session_state["imp_details"] = "Pruning curves"  # the tab that shows the curves' error
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    errs = errors(at)
    overflow = [e for e in errs if "overflow float64 on this data; scale the weights down" in e]
    assert len(overflow) == 2  # one line for the six loss-based methods, one for the pruning curves
    assert all(m in overflow[0] for m in ("Gradient", "Taylor (signed)", "Leave-one-out", "Shapley (exact)"))
    assert overflow[1].startswith("Pruning curves:")
    shown = scores(at)  # the methods that never form the loss are still shown, all finite
    assert list(shown) == ["APoZ (1 − fraction of zeros)", "Weight norm", "Random (baseline)"]
    assert all(abs(v) < float("inf") for col in shown.values() for v in col)
    assert at.session_state["lrp_network"] is deep  # nothing was lost
    at.radio(key="imp_loss").set_value("l1")  # the L1 loss stays finite: everything works again
    at.run()
    assert not at.exception and not errors(at)
    assert len(scores(at)) == 10  # 9 methods + s.e.
    assert "imp_conv" in [c.key for c in page_charts(open_tab(at, "imp_details", DETAILS[2]))]


def test_too_much_shapley_work_is_refused_and_lower_settings_work() -> None:
    at = open_page()
    at.session_state["lrp_network"] = get_preset("dtd-mlp").network()
    at.session_state["lrp_rev"] = int(at.session_state["lrp_rev"]) + 1
    at.pills(key="imp_methods").set_value(["apoz", "shapley-sampled"])
    at.text_input(key="imp_samples").set_value("100000")
    at.run()
    assert not at.exception
    (err,) = errors(at)
    assert err.startswith("Shapley (sampled): ") and "cap of" in err
    assert f"use at most {DTD_MAX_PERMS:,} permutations" in err
    assert list(scores(at)) == ["APoZ (1 − fraction of zeros)"]  # the rest of the page still works
    assert not at.get("progress")  # no progress bar left behind
    at.text_input(key="imp_samples").set_value("200")
    at.run()
    assert not at.exception and not errors(at)
    assert list(scores(at)) == ["APoZ (1 − fraction of zeros)", "Shapley (sampled)", "Shapley (sampled) ± s.e."]
    assert not at.get("progress")


BAR_TRACES_JS = """() => {
  for (const el of document.querySelectorAll('.js-plotly-plot')) {
    const bars = (el.data || []).filter(t => t.type === 'bar');
    if (bars.length) return bars.map(t => ({name: t.name, x: t.x, y: t.y}));
  }
  return null;
}"""


@pytest.mark.browser
def test_browser_renders_charts_and_downloads_csv(app_url: str, page: Any, artifacts: Path) -> None:
    page.set_default_timeout(120_000)  # first runs are slow on a busy machine
    open_via_nav(page, app_url, "Neuron importance", "importance")
    page.get_by_text("would prune").first.wait_for()
    wait_for_app(page)
    page.wait_for_function(f"() => ({BAR_TRACES_JS})() !== null")  # the bar chart has been drawn
    bars = page.evaluate(BAR_TRACES_JS)
    assert bars is not None and len(bars) == 9
    by = {b["name"]: b for b in bars}
    assert list(by["Shapley (exact)"]["x"]) == ["h1", "h2", "h3", "h4"]
    assert by["Shapley (exact)"]["y"][3] == 0 and by["Shapley (exact)"]["y"][2] == pytest.approx(1.0)
    assert by["APoZ (1 − fraction of zeros)"]["y"][3] == pytest.approx(1.0)
    page.screenshot(path=str(artifacts / "importance_page.png"), full_page=True)
    page.get_by_text("Scores as numbers").click()  # the table and its download are folded under the plots
    button = page.get_by_role("button", name="Download all scores (CSV)")
    button.wait_for(state="visible")
    with page.expect_download() as info:
        button.click()
    text = Path(info.value.path()).read_text()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 9 * 4
    exact_h4 = next(r for r in rows if r["method"] == "shapley-exact" and r["unit"] == "4")
    assert abs(float(exact_h4["score"])) <= 1e-12


def test_the_open_detail_tab_stays_open_while_weights_move_and_methods_change() -> None:
    at = open_tab(open_page(), "imp_details", "Pruning curves")
    assert "imp_prune" in [c.key for c in page_charts(at)]
    before = at.session_state["lrp_network"].digest
    at.number_input(key="tweak_value").set_value(0.3).run()  # unit 4's output weight leaves 0
    assert at.session_state["lrp_network"].digest != before
    at.pills(key="imp_methods").set_value(["apoz", "leave-one-out"]).run()  # no sampled Shapley now
    assert [c.key for c in page_charts(at)][-1] == "imp_prune" and at.session_state["imp_details"] == "Pruning curves"
