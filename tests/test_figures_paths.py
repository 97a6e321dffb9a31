"""Line pieces as one SVG path (lrp_explorer.figures.paths)."""

from __future__ import annotations

import math

from lrp_explorer.figures.paths import legend_line, path_shape, svg_path
from tests.svg import pieces


def test_a_gap_starts_a_new_piece_and_numbers_read_back_exactly() -> None:
    third = 1.0 / 3.0
    xs = [0.0, third, None, 2.0, 1e-17, math.nan, -5.5, 6.0, 7.0]
    ys = [1.0, 2.0, None, -1e300, 4.0, 0.0, 0.25, 0.5, None]
    path = svg_path(xs, ys)
    assert path.startswith("M0.0,1.0L") and path.count("M") == 3
    assert pieces(path) == [[(0.0, 1.0), (third, 2.0)], [(2.0, -1e300), (1e-17, 4.0)], [(-5.5, 0.25), (6.0, 0.5)]]
    assert svg_path([], []) == "" and svg_path([None], [None]) == ""


def test_shape_and_legend_entry() -> None:
    line = {"color": "red", "width": 2}
    shape = path_shape([0, 1], [0, 1], line, name="edges", layer="below", xref="x2", yref="y2")
    assert shape == {"type": "path", "path": "M0.0,0.0L1.0,1.0", "name": "edges", "line": line,
                     "layer": "below", "xref": "x2", "yref": "y2"}
    entry = legend_line("edges", line, legendgroup="g")
    assert entry["showlegend"] is True and entry["x"] == [None] and entry["mode"] == "lines"
    assert entry["legendgroup"] == "g" and entry["line"] == line
