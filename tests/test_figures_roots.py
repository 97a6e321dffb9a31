"""Figures of the root-finding page, built without a browser."""

from __future__ import annotations

import plotly.graph_objects as go
import pytest
import torch

from lrp_core.plane import click_grid, grid_values
from lrp_core.presets import get_preset
from lrp_core.regions import linear_regions
from lrp_core.roots import FINDERS, explain_output, search_direction
from lrp_explorer.figures.roots import (
    check_sentences,
    diagnostics_rows,
    line_in_box,
    parallel_figure,
    plane_figure,
    projection_figure,
    result_label,
)

BOX = (-3.0, 3.0, -3.0, 3.0)


def names(fig: go.Figure) -> list[str]:
    return [t.name for t in fig.data]


def trace(fig: go.Figure, name: str) -> go.BaseTraceType:
    matches = [t for t in fig.data if t.name == name]
    assert len(matches) == 1, f"{name!r} not in {names(fig)}"
    return matches[0]


@pytest.fixture(scope="module")
def plane_case() -> dict:
    net = get_preset("plane-2-8-8-1").network()
    x = (-1.0, 1.0)  # R(x) > 0 here
    problem = explain_output(net, x, 0, 0)
    gen = torch.Generator().manual_seed(0)
    results = [
        FINDERS.get("rule").func(problem, rule="z+"),
        FINDERS.get("mcmc").func(problem, generator=gen, n_chains=4, n_steps=50, n_warmup=20),
        FINDERS.get("interpolation").func(problem, generator=gen, n_directions=10),
        FINDERS.get("exact").func(problem),
    ]
    return {"net": net, "x": x, "problem": problem, "results": results,
            "regions": linear_regions(net, BOX)}


def test_line_in_box() -> None:
    xs, ys = line_in_box((0.0, 0.0), (1.0, 1.0), BOX)
    assert xs == [-3.0, 3.0] and ys == [-3.0, 3.0]
    xs, ys = line_in_box((1.0, 0.0), (0.0, 2.0), BOX)
    assert xs == [1.0, 1.0] and ys == [-3.0, 3.0]
    assert line_in_box((5.0, 0.0), (0.0, 1.0), BOX) is None
    assert line_in_box((0.0, 0.0), (0.0, 0.0), BOX) is None


def test_plane_figure_traces(plane_case: dict) -> None:
    problem, results, rs = plane_case["problem"], plane_case["results"], plane_case["regions"]
    heat = grid_values(lambda p: problem.relevance(p)[:, 0], BOX, 31)
    v = search_direction("z+", problem.point, problem.affine.weight)
    fig = plane_figure(plane_case["x"], results, regions=rs, segment_pattern=problem.segment.pattern_string,
                       heat=heat, grid=click_grid(BOX, 11), search_lines={0: v}, box=BOX)
    got = names(fig)
    for n in ["R", "region boundaries", "x's segment", "x", "rule z+: root", "rule z+: search line",
              "mcmc: chain samples", "mcmc: root", "interpolation: edge points", "interpolation: root",
              "exact: root", "click grid"]:
        assert n in got
    hm = trace(fig, "R")
    assert isinstance(hm, go.Heatmap) and len(hm.z) == 31 and len(hm.z[0]) == 31
    assert hm.zmid == 0.0
    # one closed outline per region, separated by None
    outline = trace(fig, "region boundaries")
    assert list(outline.x).count(None) == len(rs.regions)
    # x's segment is the region with x's pattern; it contains x's coordinates in its bounding box
    seg = trace(fig, "x's segment")
    assert min(seg.x) <= -1.0 <= max(seg.x) and min(seg.y) <= 1.0 <= max(seg.y)
    assert tuple(trace(fig, "x").x) == (-1.0,)
    # roots plotted where the finders put them
    exact_root = results[3].roots[0].root
    assert tuple(trace(fig, "exact: root").x) == (float(exact_root[0]),)
    # the search line passes through x and the rule's root
    line = trace(fig, "rule z+: search line")
    (ax, bx), (ay, by) = line.x[:2], line.y[:2]
    root = results[0].roots[0].root
    if root is not None:
        cross = (bx - ax) * (float(root[1]) - ay) - (by - ay) * (float(root[0]) - ax)
        assert abs(cross) < 1e-9
    n_chain = len(trace(fig, "mcmc: chain samples").x)
    assert n_chain == results[1].samples.shape[0]
    assert len(trace(fig, "click grid").x) == 121
    assert trace(fig, "click grid").customdata is None
    gx, gy = click_grid(BOX, 3)
    vals = [float(v) for v in problem.relevance(torch.tensor([gx, gy], dtype=torch.float64).T)[:, 0]]
    fig2 = plane_figure(plane_case["x"], (), grid=(gx, gy), grid_values=vals, heat_label="R")
    g = trace(fig2, "click grid")
    assert list(g.customdata) == vals and "R = %{customdata" in g.hovertemplate
    assert list(fig.layout.xaxis.range) == [-3.0, 3.0]


def test_plane_figure_thins_samples(plane_case: dict) -> None:
    fig = plane_figure(plane_case["x"], plane_case["results"][1:2], max_samples=17)
    assert len(trace(fig, "mcmc: chain samples").x) == 17
    # no regions, no heat: still a valid figure with x
    assert "R" not in names(fig) and "x" in names(fig)


def test_high_dimensional_figures() -> None:
    preset = get_preset("dtd-mlp")
    problem = explain_output(preset.network(), preset.default_input, 0, 0)
    gen = torch.Generator().manual_seed(1)
    results = [FINDERS.get("exact").func(problem),
               FINDERS.get("mcmc").func(problem, generator=gen, n_chains=3, n_steps=40, n_warmup=10)]
    fig = projection_figure(problem.point, results)
    assert {"x", "exact: root", "mcmc: root", "mcmc: chain samples"} <= set(names(fig))
    # x, roots and samples are all placed (PCA keeps the count)
    assert len(trace(fig, "mcmc: chain samples").x) == results[1].samples.shape[0]
    par = parallel_figure(problem.point, results, max_samples=25)
    pc = par.data[0]
    assert isinstance(pc, go.Parcoords) and len(pc.dimensions) == 10
    n_lines = 1 + 2 + 25
    assert len(pc.dimensions[0].values) == n_lines
    colors = list(pc.line.color)
    assert colors.count(3.0) == 1 and colors.count(0.0) == 25  # x is the top code, samples 0
    # the x line carries x's coordinates
    i = colors.index(3.0)
    assert [d.values[i] for d in pc.dimensions] == pytest.approx(problem.point.tolist())


def test_diagnostics_and_sentences(plane_case: dict) -> None:
    results = plane_case["results"]
    rx = plane_case["problem"].relevance(plane_case["problem"].point).tolist()
    rows = diagnostics_rows(results, rx)
    assert [r["finder"] for r in rows] == [result_label(r) for r in results]
    exact = rows[3]
    assert exact["in segment"] == "✓" and exact["R(x)"] == pytest.approx(rx[0])
    assert exact["Taylor residual"] == results[3].roots[0].taylor_residual
    text = " ".join(check_sentences(results[3]))
    assert "exact" in text and ("✓" in text)
    assert "Taylor identity" in text
    # a missing root is reported in words
    from lrp_core.roots import make_root

    res = results[3]
    none = type(res)("exact", {}, (make_root(plane_case["problem"], 0, None, "infeasible"),), 1, 0.0)
    assert "no root — infeasible" in check_sentences(none)[0]
    assert diagnostics_rows([none])[0]["in segment"] == "–"
