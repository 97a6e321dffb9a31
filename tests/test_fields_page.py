"""The "Explanation fields" page under AppTest: one figure per method with the
regions that ``linear_regions`` returns, x marked, and the numbers at x."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
from streamlit.testing.v1 import AppTest

from lrp_core.decompose import FinderSpec, decompose
from lrp_core.plane import box_around
from lrp_core.presets import get_preset
from lrp_core.regions import linear_regions
from lrp_explorer.figures.fields import boundary_lines
from lrp_explorer.figures.paths import svg_path
from tests.conftest import open_app_page, page_charts

PAGE = "views/fields.py"


def charts(at: AppTest) -> list[dict[str, Any]]:
    return [json.loads(c.proto.spec) for c in page_charts(at)]


def open_plane(x: tuple[float, float] = (0.5, -1.0)) -> AppTest:
    return open_app_page(PAGE, net=get_preset("plane-2-8-8-1").network(), x=x)


def test_default_methods_figures_regions_and_values_at_x() -> None:
    at = open_plane()
    specs = charts(at)
    assert len(specs) == 4  # gradient × input, z+, full-backward, Shapley
    net = get_preset("plane-2-8-8-1").network()
    regions = linear_regions(net, box_around([(0.5, -1.0)]))  # the page's automatic box
    bx, by = boundary_lines(regions)
    for spec in specs:
        names = [t.get("name") for t in spec["data"]]
        for n in ["R₁", "R₂", "unresolved", "region boundaries", "x", "click grid"]:
            assert n in names
        shapes = [s for s in spec["layout"]["shapes"] if s.get("name") == "region boundaries"]
        assert len(shapes) == 3  # one per panel, all the same: the regions' polygons
        for shape in shapes:
            assert shape["path"] == svg_path(bx, by)
        star = next(t for t in spec["data"] if t.get("name") == "x")
        assert star["x"] == [0.5] and star["y"] == [-1.0]
    df = at.dataframe[0].value
    assert list(df["method"]) == ["Gradient × input", "Train-free z+ (LRP α1β0)",
                                  "Full-backward DTD (exact finder)", "Shapley values (zero baseline, exact)"]
    full = df.iloc[2]
    dec = decompose(net, [0.5, -1.0], 0, mode="full", spec=FinderSpec.of("exact"))
    assert abs(full["R₁"] - float(dec.input_relevance[0])) <= 1e-9
    assert abs(full["R₂"] - float(dec.input_relevance[1])) <= 1e-9
    assert abs(full["unresolved"] - (dec.f_x - float(dec.input_relevance.sum()))) <= 1e-9
    zp = decompose(net, [0.5, -1.0], 0, mode="train-free", spec=FinderSpec.of("rule", rule="z+"))
    assert abs(df.iloc[1]["R₁"] - float(zp.input_relevance[0])) <= 1e-9
    captions = " ".join(c.value for c in at.caption)
    assert "Grid 61 × 61 = 3,721 points" in captions and "root searches" in captions


def test_heatmap_values_are_the_field() -> None:
    at = open_plane()
    at.pills(key="fields_methods").set_value(["gradient"]).run()
    assert not at.exception
    spec = charts(at)[0]
    heat = {t["name"]: t for t in spec["data"] if t.get("type") == "heatmap"}
    net = get_preset("plane-2-8-8-1").network()
    xs, ys = heat["R₁"]["x"], heat["R₁"]["y"]
    assert len(xs) == 61 and xs[0] == -4.0 and xs[-1] == 4.0
    # the gradient is the segment's slope: compare with autograd-free finite differences inside a region
    iy, ix = 40, 17
    p = np.array([xs[ix], ys[iy]])
    h = 1e-7
    f = lambda q: float(net(list(q))[0])  # noqa: E731
    step = np.array([h, 0.0])
    g1 = (f(p + step) - f(p - step)) / (2 * h)
    assert abs(heat["R₁"]["z"][iy][ix] - g1) < 1e-5


def test_move_x_and_non_two_input_network() -> None:
    at = open_plane((1.0, 2.0))
    at.pills(key="fields_methods").set_value(["shapley"]).run()
    df = at.dataframe[0].value
    net = get_preset("plane-2-8-8-1").network()
    f = lambda a, b: float(net([a, b])[0])  # noqa: E731
    phi1 = 0.5 * (f(1, 0) - f(0, 0)) + 0.5 * (f(1, 2) - f(0, 2))
    assert abs(df.iloc[0]["R₁"] - phi1) <= 1e-12
    at2 = open_app_page(PAGE, net=get_preset("dtd-mlp").network())
    assert "2 inputs" in " ".join(i.value for i in at2.info)
    assert not charts(at2)


def test_bad_box_falls_back() -> None:
    at = open_plane()
    at.text_input(key="fields_box").set_value("1,0,0,1").run()
    assert not at.exception
    assert "x0 < x1" in " ".join(e.value for e in at.error)
    assert len(charts(at)) == 4
