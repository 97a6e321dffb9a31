"""The "Root finding" page under AppTest: finders, diagnostics, plots, bad input."""

from __future__ import annotations

import json
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from lrp_core.presets import get_preset
from tests.conftest import open_app_page, page_charts

PAGE = "views/roots.py"


def open_page(net_name: str | None = None) -> AppTest:
    if net_name is None:
        return open_app_page(PAGE)
    preset = get_preset(net_name)
    return open_app_page(PAGE, net=preset.network(), x=preset.default_input)


def rev(at: AppTest) -> int:
    return int(at.session_state["lrp_rev"])


def charts(at: AppTest) -> list[dict[str, Any]]:
    return [json.loads(c.proto.spec) for c in page_charts(at)]


def trace_names(spec: dict[str, Any]) -> list[str]:
    return [t.get("name") for t in spec["data"]]


def table(at: AppTest) -> Any:
    assert at.dataframe, "no diagnostics table"
    return at.dataframe[0].value


def test_two_input_network_plane_and_diagnostics() -> None:
    at = open_page()  # the default network: ancona-max, 2 inputs
    specs = charts(at)
    assert len(specs) == 1
    names = trace_names(specs[0])
    for n in ["region boundaries", "x's segment", "x", "exact: root", "mcmc: chain samples", "click grid"]:
        assert n in names
    assert names[0].startswith("R")
    df = table(at)
    assert list(df["finder"]) == ["rule z+", "mcmc", "exact"]
    # the exact root lies in x's segment and its Taylor residual is tiny
    exact = df[df["finder"] == "exact"].iloc[0]
    assert exact["ã in segment"] == "✓" and exact["found"] == "root" and float(exact["Taylor residual"]) < 1e-9
    text = " ".join(m.value for m in at.markdown)
    assert "Checks in plain words" in " ".join(s.value for s in at.subheader)
    assert "Taylor identity" in text
    assert len(at.get("download_button")) == 2


def test_downloads_hold_the_diagnostics(downloads: dict[str, bytes]) -> None:
    """The files are written on a click (deferred): what a click gets is the page's results."""
    at = open_page()
    shown = list(at.dataframe[0].value["finder"])  # e.g. rule z+, mcmc, exact
    got = json.loads(downloads["roots.json"])
    assert got["digest"] == at.session_state["lrp_network"].digest
    assert [r["finder"] for r in got["results"]] == [label.split(" ")[0] for label in shown]
    rows = downloads["roots.csv"].decode().strip().splitlines()
    assert rows[0].startswith("finder,neuron,root_1")
    assert {row.split(",")[0] for row in rows[1:]} == set(shown)


def test_choose_finder_and_rule() -> None:
    at = open_page()
    r = rev(at)
    at.pills(key="roots_finders").set_value(["rule", "interpolation"]).run()
    assert not at.exception
    at.selectbox(key=f"roots_p_{r}_rule_rule").set_value("w²").run()
    assert not at.exception
    df = table(at)
    assert list(df["finder"]) == ["rule w²", "interpolation"]
    names = trace_names(charts(at)[0])
    assert "interpolation: edge points" in names and "mcmc: chain samples" not in names


def test_number_inputs_move_x() -> None:
    at = open_page()
    before = tuple(at.session_state["lrp_x"])
    key = next(n.key for n in at.text_input if n.key.startswith(f"roots_x_{rev(at)}_") and n.key.endswith("_0"))
    at.text_input(key=key).set_value("1.25").run()
    assert not at.exception
    after = tuple(at.session_state["lrp_x"])
    assert after[0] == 1.25 and after[1] == before[1]
    spec = charts(at)[0]
    x_trace = next(t for t in spec["data"] if t.get("name") == "x")
    assert x_trace["x"] == [1.25]


def test_bad_parameter_shows_error_and_keeps_the_rest() -> None:
    at = open_page()
    r = rev(at)
    # the number boxes cannot leave their declared range; a typed field can hold a refused value
    at.number_input(key=f"roots_p_{r}_mcmc_n_chains").set_value(0).run()
    assert at.number_input(key=f"roots_p_{r}_mcmc_n_chains").value == 1
    at.text_input(key=f"roots_p_{r}_mcmc_temperature").set_value("hot").run()
    assert not at.exception
    assert any(e.value.startswith("temperature must be a number > 0") for e in at.error)
    df = table(at)
    assert "mcmc" not in list(df["finder"]) and "exact" in list(df["finder"])
    assert tuple(at.session_state["lrp_x"]) == get_preset("ancona-max").default_input


def test_bad_box_falls_back() -> None:
    at = open_page()
    at.text_input(key=f"roots_box_{rev(at)}").set_value("3,1,0,1").run()
    assert not at.exception
    assert any("x0 < x1" in e.value for e in at.error)
    assert len(charts(at)) == 1
    at.text_input(key=f"roots_box_{rev(at)}").set_value("0,10,0,10").run()
    spec = charts(at)[0]
    assert spec["layout"]["xaxis"]["range"] == [0.0, 10.0]


@pytest.mark.parametrize("layer", [0, 1])
def test_dtd_mlp_projection_and_parallel(layer: int) -> None:
    at = open_page("dtd-mlp")
    assert at.selectbox(key="roots_layer").value == 0
    if layer:
        at.selectbox(key="roots_layer").set_value(layer).run()
        assert not at.exception
    specs = charts(at)
    assert len(specs) == 3
    names = trace_names(specs[0])
    assert "x" in names and any(n.startswith("exact: ") for n in names)
    assert specs[1]["data"][0]["type"] == "parcoords" and len(specs[1]["data"][0]["dimensions"]) == 10
    # the slice through the point along two axes: regions, the point's segment, R
    slice_names = trace_names(specs[2])
    assert {"region boundaries", "x's segment", "x"} <= set(slice_names)
    assert ("click grid" in slice_names) == (layer == 0)
    df = table(at)
    exact = df[df["finder"] == "exact"].iloc[0]
    assert exact["ã in segment"] == "✓"
    if layer == 0:  # no root in x's segment here: the exact finder's least R is at most mcmc's (3 digits shown)
        mcmc = df[df["finder"] == "mcmc"].iloc[0]
        assert exact["found"] == "not a root"
        assert float(exact["R(ã)"]) <= float(mcmc["R(ã)"]) * (1 + 5e-3)


def test_explain_every_neuron_of_a_layer() -> None:
    at = open_page()
    r = rev(at)
    at.selectbox(key="roots_kind").set_value("every neuron of a layer").run()
    assert not at.exception
    df = table(at)
    # ancona-max's hidden layer has 4 units: 4 rows per finder
    assert len(df) == 3 * 4
    assert sorted(set(df["explains"])) == ["h1", "h2", "h3", "h4"]
    assert at.selectbox(key=f"roots_heat_{r}_0_layer0") is not None


def test_slice_axes_must_differ() -> None:
    at = open_page("dtd-mlp")
    r = rev(at)
    at.selectbox(key=f"roots_slice_j_{r}_0").set_value(0).run()
    assert not at.exception
    assert any("different axes" in e.value for e in at.error)
    assert len(charts(at)) == 2 and at.dataframe  # the rest of the page still works


def test_zb_rule_gets_its_box() -> None:
    at = open_page()
    r = rev(at)
    at.selectbox(key=f"roots_p_{r}_rule_rule").set_value("zB").run()
    assert not at.exception and not at.error
    # x = (3, 7): the box bounds are left empty, so the box is the range of the input, 0 <= a <= 7
    assert at.text_input(key=f"roots_p_{r}_rule_low").value == ""
    assert any("uses 0 ≤ every input value ≤ 7" in c.value for c in at.caption)
    df = table(at)
    assert df["finder"].iloc[0] == "rule zB"
    assert df["found"].iloc[0] != "nothing returned"  # without a box the zB rule would refuse to run
    at.text_input(key=f"roots_p_{r}_rule_low").set_value("5").run()  # a = (3, 7) is not inside the box
    assert not at.exception
    at.text_input(key=f"roots_p_{r}_rule_low").set_value("low").run()  # refused where typed; rule not run
    assert any("low must be a number" in e.value for e in at.error)
    assert "rule zB" not in list(table(at)["finder"])


def test_one_input_network() -> None:
    from lrp_core.network import from_layers

    at = open_page()
    net = from_layers([[[1.0], [-1.0]], [[1.0, 1.0]]], [[0.0, 0.5], [0.0]], ["relu", "linear"])  # |x|-ish
    at.session_state["lrp_network"] = net
    at.session_state["lrp_x"] = (0.75,)
    at.session_state["lrp_rev"] = rev(at) + 1
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert len(charts(at)) == 2  # projection and parallel coordinates; no slice for one input
    assert "exact" in list(table(at)["finder"])
