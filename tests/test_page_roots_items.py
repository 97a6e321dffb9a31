"""Issue 12 items on the "Root finding" page (AppTest), each written to fail before its fix:
5 (no root is never called a root), 6 (a readable diagnostics table), 10 (a cached result says so),
11 (one naming scheme: x1…, h1…, y1…), 12 (no stippling click grid, the legend clear of the axis,
the click snap stated), 17 (default points that show something), and issue 15's colour key in the
parallel coordinates (no hex codes in prose)."""

from __future__ import annotations

import base64
import json
import re
from typing import Any

import numpy as np
import streamlit as st
from streamlit.testing.v1 import AppTest

from lrp_core.presets import get_preset
from lrp_core.roots import explain_output
from tests.conftest import open_app_page, page_charts

PAGE = "views/roots.py"
#: how a number is shown in the diagnostics: at most 3 significant digits, plain or scientific
READABLE = re.compile(r"^-?(\d+(\.\d+)?|\d(\.\d{1,2})?e[-+]\d{2})$")


def open_page(preset: str | None = None, x: tuple[float, ...] | None = None) -> AppTest:
    net = get_preset(preset).network() if preset else None
    if net is not None and x is None:
        x = get_preset(preset).default_input  # type: ignore[arg-type]
    return open_app_page(PAGE, net=net, x=x)


def finders(at: AppTest, names: list[str]) -> None:
    at.pills(key="roots_finders").set_value(names).run()
    assert not at.exception, [e.value for e in at.exception]


def specs(at: AppTest) -> list[dict[str, Any]]:
    return [json.loads(c.proto.spec) for c in page_charts(at)]


def names(spec: dict[str, Any]) -> list[str]:
    return [str(t.get("name")) for t in spec["data"]]


def values(arr: Any) -> list[float]:
    """A chart's data array: a plain list, or Plotly's typed array ``{"dtype", "bdata"}``."""
    if isinstance(arr, dict):
        return np.frombuffer(base64.b64decode(arr["bdata"]), dtype=np.dtype(arr["dtype"])).tolist()
    return list(arr)


def words(at: AppTest) -> str:
    return " ".join(str(m.value) for m in [*at.markdown, *at.caption])


def checks(at: AppTest) -> str:
    """The checks in plain words (a list of sentences, one per finder and neuron)."""
    return " ".join(str(m.value) for m in at.markdown if str(m.value).startswith("- **"))


def table(at: AppTest) -> Any:
    assert at.dataframe, "no diagnostics table"
    return at.dataframe[0].value


# --- item 5 ---------------------------------------------------------------------------------------


def test_a_certificate_is_never_called_a_root() -> None:
    # plane-2-8-8-1 at (0.5, -1): R < 0 on x's whole segment, so the exact finder returns a certificate
    at = open_page("plane-2-8-8-1", (0.5, -1.0))
    finders(at, ["exact"])
    legend = names(specs(at)[0])
    assert "exact: root" not in legend and "exact: not a root" in legend
    row = table(at).iloc[0]
    assert row["found"] == "not a root"
    text = checks(at)
    assert "the root lies" not in text and "R at the root" not in text
    assert "exact**, y1: not a root" in text
    assert "R < 0 on the whole segment" in text  # the finder's own reason, in full


def test_a_true_root_is_called_a_root() -> None:
    at = open_page("plane-2-8-8-1", (-1.0, -1.0))
    finders(at, ["exact", "rule"])
    legend = names(specs(at)[0])
    assert "exact: root" in legend
    # the z+ rule's point zeroes x's linear piece, not R: it says so
    assert "rule z+: root of x's piece only" in legend
    found = dict(zip(table(at)["finder"], table(at)["found"], strict=True))
    assert found == {"exact": "root", "rule z+": "root of x's piece only"}


# --- item 6 ---------------------------------------------------------------------------------------


def test_diagnostics_numbers_are_readable() -> None:
    at = open_page("ancona-max")
    df = table(at)
    for col in ("R(x)", "R(ã)", "‖x − ã‖", "Taylor residual"):
        for v in df[col]:
            assert isinstance(v, str) and (v == "–" or READABLE.match(v)), (col, v)
    mcmc = df[df["finder"] == "mcmc"].iloc[0]
    assert "e-" in mcmc["R(ã)"] or float(mcmc["R(ã)"]) != 0.0
    # every note is shown in full in the plain-words checks
    for note in df["note"]:
        assert not note or note in checks(at)


# --- item 10 --------------------------------------------------------------------------------------


def test_a_cached_result_says_it_is_cached() -> None:
    st.cache_data.clear()
    at = open_page("ancona-max")
    first = list(table(at)["time"])
    assert first and not any("cached" in t for t in first), first
    at.run()
    again = list(table(at)["time"])
    assert again == ["cached"] * len(first), again


# --- item 11 --------------------------------------------------------------------------------------


def test_one_naming_scheme_x_h_y() -> None:
    at = open_page("dtd-mlp")
    par = next(s for s in specs(at) if any(t["type"] == "parcoords" for t in s["data"]))
    dims = next(t for t in par["data"] if t["type"] == "parcoords")["dimensions"]
    assert [d["label"] for d in dims] == [f"x{i}" for i in range(1, 11)]
    assert set(table(at)["explains"]) == {"y1"}
    assert at.selectbox(key="roots_output").format_func(0) == "y1"
    at.selectbox(key="roots_layer").set_value(1).run()
    par = next(s for s in specs(at) if any(t["type"] == "parcoords" for t in s["data"]))
    dims = next(t for t in par["data"] if t["type"] == "parcoords")["dimensions"]
    assert [d["label"] for d in dims] == [f"h{i}" for i in range(1, 11)]


def test_layer_neurons_are_named_h() -> None:
    at = open_page("ancona-max")
    at.selectbox(key="roots_kind").set_value("every neuron of a layer").run()
    assert sorted(set(table(at)["explains"])) == ["h1", "h2", "h3", "h4"]


# --- item 12 --------------------------------------------------------------------------------------


def test_click_grid_is_invisible_the_legend_clear_and_the_snap_stated() -> None:
    at = open_page("ancona-max")
    spec = specs(at)[0]
    grid = next(t for t in spec["data"] if t.get("name") == "click grid")
    marker = grid["marker"]
    assert marker.get("opacity") == 0 or re.search(r"rgba\([^)]*,\s*0\)$", str(marker.get("color", ""))), marker
    legend = spec["layout"]["legend"]
    assert legend.get("y", 0) >= 1.0  # above the plot, clear of the x₁ axis title
    gx = values(grid["x"])
    step = gx[1] - gx[0]
    width = max(gx) - min(gx)
    assert width / step >= 25  # at least 26 click positions a side (each an SVG marker the browser redraws)
    assert re.search(rf"snap to a grid of {step:g}\b", words(at)), words(at)  # and the page says so


# --- item 17 --------------------------------------------------------------------------------------


def test_plane_default_point_shows_a_root_inside_and_a_rule_root_outside() -> None:
    preset = get_preset("plane-2-8-8-1")
    problem = explain_output(preset.network(), preset.default_input, 0, 0)
    assert float(problem.relevance_at_point[0]) > 0.0  # a positive output to explain
    at = open_page("plane-2-8-8-1")
    finders(at, ["rule", "exact"])
    df = table(at)
    exact = df[df["finder"] == "exact"].iloc[0]
    rule = df[df["finder"] == "rule z+"].iloc[0]
    assert exact["found"] == "root" and exact["ã in segment"] == "✓"
    assert rule["ã in segment"] == "✗"  # the point of the page: the rule's root can leave the segment


def test_xor_note_says_z_plus_cannot_leave_the_segment() -> None:
    at = open_page("xor-2-4-1")
    assert "xor-2-4-1" in words(at) and "cannot leave" in words(at)


# --- issue 15: colour keys in the plots, not hex codes in prose -------------------------------------


def test_parallel_coordinates_have_a_legend_and_no_hex_codes_in_prose() -> None:
    at = open_page("dtd-mlp")
    par = next(s for s in specs(at) if any(t["type"] == "parcoords" for t in s["data"]))
    keyed = [t["name"] for t in par["data"] if t["type"] != "parcoords" and t.get("showlegend", True)]
    assert "x" in keyed and "exact" in " ".join(keyed) and "samples" in " ".join(keyed)
    assert not re.search(r"#[0-9a-fA-F]{6}", words(at))
