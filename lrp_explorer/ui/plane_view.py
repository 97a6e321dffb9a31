"""The plane view of the "Root finding" page, drawn twice: the plane of a 2-D layer input, and a
slice through a higher-dimensional point along two input axes.

:func:`plane_view` shows R of one explained neuron as a heatmap over the box,
the linear regions and x's segment (cached by content: the network's digest,
the box, the layers, the slice), what the finders returned and their search
lines, and — when the plane is x's own input plane or a slice of it — an
invisible grid of click markers on round multiples (:func:`snap_grid`): a
click moves x to the nearest marker, and the caption says how fine that is.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import streamlit as st
import torch

from lrp_core.errors import LRPError
from lrp_core.network import Network
from lrp_core.plane import Box, Slice, grid_values
from lrp_core.regions import linear_regions
from lrp_core.roots import FINDERS, RootProblem, RootResult
from lrp_explorer.figures.roots import Outlines, plane_figure
from lrp_explorer.ui import page
from lrp_explorer.ui.memo import session_memo
from lrp_explorer.ui.selection import on_click, snap_grid

DTYPE = torch.float64
HEAT_N = 61  # heat grid points a side: 91 looked the same at the plane's size and cost Chromium ~25 ms a tweak


@dataclass(frozen=True, eq=False)
class Plane:
    """Where the view lies: the box, and the slice (None: the layer input's own 2-D plane)
    with ``slice_key`` naming its content for the cache."""

    box: Box
    axis_titles: tuple[str, str]
    slice: Slice | None = None
    slice_key: str = ""

    def embed(self, pts: torch.Tensor) -> torch.Tensor:
        """Plane coordinates (n, 2) to layer inputs (n, d)."""
        return pts if self.slice is None else self.slice.embed(pts)


@session_memo(32)
def _regions(digest: str, box: Box, start: int, stop: int, slice_key: str, _net: Network,
             _slice: Slice | None) -> Outlines | str:
    """The outlines of the linear regions of layers start..stop-1 in the box (on the slice), or why
    there are none to draw (plain arrays: cheap to store and to return from the cache)."""
    try:
        return Outlines.of(linear_regions(_net, box, start=start, stop=stop, slice=_slice))
    except LRPError as exc:
        return str(exc)


@session_memo(32)
def _heat(digest: str, explained: str, box: Box, neuron: int, slice_key: str, clickable: bool,
          _problem: RootProblem, _plane: Plane) -> tuple[tuple[list[float], list[float], np.ndarray], list[float]]:
    """R of explained neuron ``neuron`` on a grid over the box, and (``clickable``) at the click markers
    of :func:`snap_grid`; R depends on the network and what is explained, not on the point."""
    def r(pts: torch.Tensor) -> torch.Tensor:
        return _problem.relevance(_plane.embed(pts))[:, neuron]

    at_grid: list[float] = []
    if clickable:
        gx, gy, _ = snap_grid(box)
        at_grid = r(torch.tensor([gx, gy], dtype=DTYPE).T).tolist()
    xs, ys, values = grid_values(r, box, HEAT_N)
    return (xs, ys, values.numpy()), at_grid


def search_lines(problem: RootProblem, results: Sequence[RootResult]) -> dict[int, torch.Tensor]:
    """The search directions of every result whose finder declares ``search_lines``."""
    lines: dict[int, torch.Tensor] = {}
    for i, res in enumerate(results):
        fn = FINDERS.get(res.finder).extra.get("search_lines") if res.finder in FINDERS else None
        v = fn(problem, res.params) if fn is not None else None
        if v is not None:
            lines[i] = v
    return lines


def plane_view(net: Network, problem: RootProblem, explained: str, plane: Plane, *, point: Sequence[float],
               results: Sequence[RootResult] = (), neuron: int = 0, unit_names: Mapping[int, str] | None = None,
               key: str, move: Callable[[tuple[float, float]], None] | None = None, height: int = 480) -> None:
    """Draw the plane (see the module docstring); ``move(point)`` makes it clickable (plane coordinates)."""
    regions = _regions(net.digest, plane.box, problem.layer, problem.segment_stop, plane.slice_key, net, plane.slice)
    if isinstance(regions, str):
        st.warning(f"Region boundaries not drawn: {regions}")
        regions = None
    gx, gy, step = snap_grid(plane.box) if move is not None else ([], [], 0.0)
    heat, at_grid = _heat(net.digest, f"{problem.layer}/{explained}/{problem.segment_stop}", plane.box, neuron,
                          plane.slice_key, move is not None, problem, plane)
    name = (unit_names or {}).get(problem.neurons[neuron], f"neuron {problem.neurons[neuron]}")
    fig = plane_figure(
        list(point), results if plane.slice is None else (), regions=regions,
        segment_pattern=problem.segment.pattern_string, heat=heat, heat_label=f"R of {name}",
        grid=(gx, gy) if move is not None else None, grid_values=at_grid or None,
        search_lines=search_lines(problem, results) if plane.slice is None else None, box=plane.box,
        axis_titles=plane.axis_titles, unit_names=unit_names, height=height,
    )
    if move is None:
        page.chart(fig, key=key)
        return
    page.chart(fig, key=key, on_select=on_click(key, plane.box, move), selection_mode="points")
    st.caption(f"Click anywhere on the plane to move x there; clicks snap to a grid of {step:g}.")
