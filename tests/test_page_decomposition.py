"""The Decomposition page through AppTest: run, switch mode and finder,
compare, bad settings, and the downloads' content."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any

import pandas as pd
import pytest
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest

from lrp_core.decompose import FinderSpec, decompose
from lrp_core.presets import get_preset
from tests.conftest import open_app_page, page_charts

PAGE = "pages/decomposition.py"


@pytest.fixture
def downloads(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, bytes]]:
    """Record every file the page hands to Streamlit's media storage, by name."""
    seen: dict[str, bytes] = {}
    original = MemoryMediaFileStorage.load_and_get_id

    def record(self: Any, path_or_data: Any, mimetype: str, kind: Any, filename: str | None = None) -> str:
        if filename is not None and isinstance(path_or_data, bytes):
            seen[filename] = path_or_data
        return original(self, path_or_data, mimetype, kind, filename)

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", record)
    yield seen


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


def assert_clean(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def test_default_network_runs_and_conserves() -> None:
    at = open_page()
    assert_clean(at)
    m = metrics(at)
    # ancona-max at (3, 7): f = 7, full-backward with the exact finder
    assert m["f(x) explained"] == "7"
    assert len(page_charts(at)) == 3  # heat rows, conservation, Sankey
    assert at.latex, "the formula is shown"


def test_dtd_switch_mode_finder_and_download(downloads: dict[str, bytes]) -> None:
    at = open_page()
    use_dtd(at)
    assert_clean(at)
    preset = get_preset("dtd-mlp")
    net = preset.network()
    full = decompose(net, preset.default_input, 0, mode="full", spec=FinderSpec.of("exact"))
    assert metrics(at)["f(x) explained"] == f"{full.f_x:.6g}"
    assert metrics(at)["input relevance sum"] == f"{float(full.input_relevance.sum()):.6g}"
    got = json.loads(downloads["decomposition-full.json"])
    assert got["mode"] == "full"
    assert got["input_relevance"] == pytest.approx(full.input_relevance.tolist(), abs=1e-12)
    assert len(got["tree"]) == 5

    at.radio(key="dec_mode").set_value("train-free").run()
    assert_clean(at)
    tf = decompose(net, preset.default_input, 0, mode="train-free", spec=FinderSpec.of("exact"))
    assert metrics(at)["input relevance sum"] == f"{float(tf.input_relevance.sum()):.6g}"
    got = json.loads(downloads["decomposition-train-free.json"])
    assert got["mode"] == "train-free"
    assert got["input_relevance"] == pytest.approx(tf.input_relevance.tolist(), abs=1e-12)
    frame = pd.read_csv(io.StringIO(downloads["decomposition-train-free.csv"].decode()))
    assert len(frame) == len(tf.to_frame())
    assert set(frame["mode"]) == {"train-free"}

    # rule z+ in train-free mode conserves relevance at every layer
    at.selectbox(key="dec_a_finder").set_value("rule").run()
    assert_clean(at)
    assert at.selectbox(key="dec_a_rule").value == "z+"
    table = at.dataframe[0].value
    assert list(table["layer"]) == [4, 3, 2, 1, 0]
    assert (table["sum"] - full.f_x).abs().max() < 1e-9
    assert at.get("download_button")


def test_compare_side_by_side() -> None:
    at = open_page()
    use_dtd(at)
    at.checkbox(key="dec_compare").check().run()
    assert_clean(at)
    # the right side defaults to the other mode
    assert at.radio(key="dec_mode_b").value == "train-free"
    # comparison bars + (heat rows, conservation, Sankey) per side
    assert len(page_charts(at)) == 7
    assert len(at.dataframe) >= 2


def test_bad_rule_shows_an_error_and_nothing_breaks() -> None:
    at = open_page()
    at.selectbox(key="dec_a_finder").set_value("rule").run()
    at.selectbox(key="dec_a_rule").set_value("zB").run()
    assert not at.exception
    assert any("box" in e.value for e in at.error)
    # back to a valid rule: results come back
    at.selectbox(key="dec_a_rule").set_value("z+").run()
    assert_clean(at)
    assert metrics(at)["input relevance sum"] == "7"


def test_input_writes_back_to_the_shared_state() -> None:
    at = open_page()
    first = at.number_input[0]
    first.set_value(5.0).run()
    assert_clean(at)
    assert tuple(at.session_state["lrp_x"]) == (5.0, 7.0)
    # max(5, 7) = 7 still; move x2 below x1
    at.number_input[1].set_value(2.0).run()
    assert tuple(at.session_state["lrp_x"]) == (5.0, 2.0)
    assert metrics(at)["f(x) explained"] == "5"


def test_per_layer_override() -> None:
    at = open_page()
    use_dtd(at)
    rev = int(at.session_state["lrp_rev"])
    at.checkbox(key=f"dec_ovr0_r{rev}").check().run()
    at.selectbox(key=f"dec_l0_r{rev}_finder").set_value("rule").run()
    assert_clean(at)
    table = at.dataframe[0].value
    assert table.loc[table["layer"] == 0, "finder"].item() == "rule(rule=z+)"
    assert table.loc[table["layer"] == 1, "finder"].item() == "exact"


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
