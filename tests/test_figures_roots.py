"""Figures of the root-finding page, built without a browser."""

from __future__ import annotations

import plotly.graph_objects as go
import pytest
import torch

from lrp_core.plane import click_grid, grid_values
from lrp_core.presets import get_preset
from lrp_core.regions import linear_regions
from lrp_core.roots import FINDERS, RootResult, explain_output, make_root, search_direction
from lrp_explorer.figures.roots import (
    NOT_ROOT,
    NOTHING,
    PIECE,
    ROOT,
    line_in_box,
    outcome,
    plane_figure,
    result_label,
)
from lrp_explorer.figures.roots_highd import parallel_figure, projection_figure
from lrp_explorer.ui.roots_tables import Found, check_sentences, diagnostics_rows, fmt
from tests.svg import pieces

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
    x = (-1.0, -1.0)  # R(x) > 0 here, and x's segment holds a root
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
    kinds = [outcome(r.roots[0]) for r in results]
    assert kinds[3] == ROOT  # the exact finder finds a root in x's segment here
    for n in ["R", "region boundaries", "x's segment", "x", f"rule z+: {kinds[0]}", "rule z+: search line",
              "mcmc: chain samples", f"mcmc: {kinds[1]}", "interpolation: edge points",
              f"interpolation: {kinds[2]}", "exact: root", "click grid"]:
        assert n in got
    hm = trace(fig, "R")
    assert isinstance(hm, go.Heatmap) and len(hm.z) == 31 and len(hm.z[0]) == 31
    assert hm.zmid == 0.0
    # one closed outline per region, all in one path shape above the heat (the trace is its legend entry)
    (outline,) = [s for s in fig.layout.shapes if s.name == "region boundaries"]
    drawn = pieces(outline.path)
    assert len(drawn) == len(rs.regions) and all(p[0] == p[-1] and len(p) >= 4 for p in drawn)
    assert outline.layer == "above" and (outline.xref, outline.yref) == ("x", "y")
    # x's segment is the region with x's pattern; it contains x's coordinates in its bounding box
    seg = trace(fig, "x's segment")
    assert min(seg.x) <= -1.0 <= max(seg.x) and min(seg.y) <= -1.0 <= max(seg.y)
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
    grid = trace(fig, "click grid")
    assert len(grid.x) == 121 and grid.customdata is None
    # invisible: no stipple over the heatmap, and a click keeps it invisible (selected or not)
    assert grid.marker.opacity == 0.0 and grid.selected.marker.opacity == 0.0 == grid.unselected.marker.opacity
    # every point catches clicks, one is drawn (drawing them all made each tweak ~250 ms slower in Chromium)
    assert grid.marker.maxdisplayed == 1
    assert names(fig).index("click grid") < names(fig).index("x")  # under the points
    assert fig.layout.legend.y >= 1.0  # the legend sits above the plot, clear of the x axis title
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
    assert {"x", f"exact: {outcome(results[0].roots[0])}", f"mcmc: {outcome(results[1].roots[0])}",
            "mcmc: chain samples"} <= set(names(fig))
    # x, roots and samples are all placed (PCA keeps the count)
    assert len(trace(fig, "mcmc: chain samples").x) == results[1].samples.shape[0]
    par = parallel_figure(problem.point, results, max_samples=25)
    pc = par.data[0]
    assert isinstance(pc, go.Parcoords) and len(pc.dimensions) == 10
    assert [d.label for d in pc.dimensions] == [f"x{i}" for i in range(1, 11)]
    # the colour key is in the plot: one legend line per colour the lines use
    key = {t.name: t.line.color for t in par.data[1:]}
    assert key == {"x": "gold", "exact: points found": pc.line.colorscale[2][1],
                   "mcmc: points found": pc.line.colorscale[4][1], "chain samples": pc.line.colorscale[0][1]}
    assert parallel_figure(problem.point, results, names=[f"h{i}" for i in range(1, 11)]).data[0].dimensions[0].label == "h1"
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
    rows = diagnostics_rows([Found(r) for r in results], rx, {0: "y1"})
    assert [r["finder"] for r in rows] == [result_label(r) for r in results]
    exact = rows[3]
    assert exact["ã in segment"] == "✓" and exact["R(x)"] == fmt(rx[0]) and exact["explains"] == "y1"
    assert exact["Taylor residual"] == fmt(results[3].roots[0].taylor_residual)
    assert exact["found"] == "root" and not exact["time"].startswith("cached")
    assert diagnostics_rows([Found(results[3], cached=True)])[0]["time"] == "cached"
    text = " ".join(check_sentences(results[3], {0: "y1"}))
    assert text.startswith("**exact**, y1: root") and "✓" in text and "Taylor expansion at ã is exact" in text
    assert "Taylor identity" in text
    # a missing root is reported in words
    res = results[3]
    none = type(res)("exact", {}, (make_root(plane_case["problem"], 0, None, "infeasible"),), 1, 0.0)
    assert "nothing returned — infeasible" in check_sentences(none)[0]
    assert diagnostics_rows([Found(none)])[0]["ã in segment"] == "–"


def test_fmt_reads() -> None:
    assert [fmt(v) for v in (0.0, 6.18777e-06, -0.11587, 7.0, 12345.6, float("nan"), None)] == \
        ["0", "6.19e-06", "-0.116", "7", "1.23e+04", "–", "–"]


def test_outcome_names_what_the_point_is() -> None:
    net = get_preset("plane-2-8-8-1").network()
    # (0.5, -1): R < 0 on the whole segment, the exact finder returns a certificate
    cert = FINDERS.get("exact").func(explain_output(net, (0.5, -1.0), 0, 0))
    assert outcome(cert.roots[0]) == NOT_ROOT and cert.roots[0].in_segment and cert.roots[0].relevance < 0
    text = check_sentences(cert)[0]
    assert text.startswith("**exact**, neuron 0: not a root (R < 0 on the whole segment")
    assert "leaves unexplained" in text and "root lies" not in text and "expansion at ã is exact" not in text
    # the legend says the same: no "root" trace for a certificate
    fig = plane_figure((0.5, -1.0), [cert])
    assert "exact: not a root" in names(fig) and "exact: root" not in names(fig)
    # (-1, -1): the z+ rule's point zeroes x's linear piece but lies outside x's segment
    rule = FINDERS.get("rule").func(explain_output(net, (-1.0, -1.0), 0, 0), rule="z+")
    assert outcome(rule.roots[0]) == PIECE and not rule.roots[0].in_segment
    assert "✗ ã lies outside x's linear segment" in check_sentences(rule)[0]
    assert "rule z+: root of x's piece only" in names(plane_figure((-1.0, -1.0), [rule]))
    none = RootResult("exact", {}, (make_root(explain_output(net, (-1.0, -1.0), 0, 0), 0, None, "why"),), 1, 0.0)
    assert outcome(none.roots[0]) == NOTHING
