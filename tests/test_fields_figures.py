"""The explanation-field figure builder: panels, shared colour scale, the regions drawn, x and the click grid."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from lrp_core.fields import explanation_field
from lrp_core.plane import click_grid
from lrp_core.presets import get_preset
from lrp_core.regions import Region, linear_regions
from lrp_explorer.figures.fields import field_figure
from tests.svg import pieces

BOX = (-1.0, 1.0, -1.0, 1.0)


def _polygons(regions: Sequence[Region]) -> list[list[tuple[float, float]]]:
    """Each region's vertices, in order."""
    return [[(float(a), float(b)) for a, b in r.polygon.tolist()] for r in regions]


def test_panels_colour_scales_regions_and_marks() -> None:
    net = get_preset("xor-2-4-1").network()
    fld = explanation_field(net, BOX, "full-backward", n=11)
    grid = click_grid(BOX, 5)
    fig = field_figure(fld, (0.25, -0.5), grid=grid, title="full-backward")
    heat = [t for t in fig.data if t.type == "heatmap"]
    assert [t.name for t in heat] == ["R₁", "R₂", "unresolved"]
    np.testing.assert_array_equal(np.array(heat[0].z), fld.relevance[..., 0])
    np.testing.assert_array_equal(np.array(heat[2].z), fld.unresolved)
    lim = float(np.abs(fld.relevance).max())
    assert heat[0].zmin == heat[1].zmin == -lim and heat[0].zmax == heat[1].zmax == lim  # one scale for R₁, R₂
    assert all(t.colorbar.title.text == t.name for t in heat)  # every panel has its colour bar
    # the boundaries drawn are the polygons linear_regions returns, on every panel, one legend entry
    entries = [t for t in fig.data if t.name == "region boundaries"]
    assert len(entries) == 1 and entries[0].showlegend  # one legend entry; the outlines are path shapes
    shapes = [s for s in fig.layout.shapes if s.name == "region boundaries"]
    assert sorted((s.xref, s.yref) for s in shapes) == [("x", "y"), ("x2", "y2"), ("x3", "y3")]  # every panel
    expected = _polygons(linear_regions(net, BOX).regions)
    assert len(expected) == 4  # xor-2-4-1: the box cut by the two diagonals
    for s in shapes:
        drawn = pieces(s.path)
        assert all(p[0] == p[-1] for p in drawn)  # closed
        assert [p[:-1] for p in drawn] == expected
    stars = [t for t in fig.data if t.name == "x"]
    assert all(list(t.x) == [0.25] and list(t.y) == [-0.5] for t in stars)
    clicks = [t for t in fig.data if t.name == "click grid"]
    assert len(clicks) == 3 and list(clicks[0].x) == list(grid[0])
    assert fig.layout.title.text == "full-backward"
    assert list(fig.layout.xaxis.range) == [-1.0, 1.0]


def test_no_regions_no_grid() -> None:
    net = get_preset("xor-2-4-1").network()
    fld = explanation_field(net, BOX, "gradient", n=5)
    fig = field_figure(fld, (0.0, 0.0))
    names = {t.name for t in fig.data}
    assert "region boundaries" not in names and "click grid" not in names and "x" in names
