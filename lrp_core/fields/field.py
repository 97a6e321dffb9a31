"""Explanation fields: an explanation method as a map from the plane to (R₁, R₂).

For a 2-input network and a method M, :func:`explanation_field` evaluates M's
input relevance ``R(x) = (R₁(x), R₂(x))`` on an ``n × n`` grid over a box, with
the part it leaves unexplained, ``f(x) − R₁(x) − R₂(x)``. Methods live in
:data:`FIELD_METHODS` (:mod:`lrp_core.fields.methods`: one entry each,
parameters declared once). A :class:`Field` states its grid size and how many
root searches ran (:meth:`Field.summary`).

Grid layout: ``relevance[iy, ix] = (R₁, R₂)`` at ``(xs[ix], ys[iy])``, corners
included (rows are y, as a heatmap draws them).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from lrp_core.errors import LRPError
from lrp_core.fields.batch import forward
from lrp_core.fields.methods import FIELD_METHODS, method_names
from lrp_core.network import Network
from lrp_core.plane import Box, check_box
from lrp_core.regions import RegionSet, linear_regions

__all__ = ["DEFAULT_N", "FIELD_METHODS", "MAX_N", "Field", "explanation_field", "grid", "method_names",
           "relevance_at"]

MAX_N = 401
DEFAULT_N = 61


@dataclass(frozen=True, eq=False)
class Field:
    """One method's explanation field on an ``n × n`` grid (see the module docstring)."""

    method: str
    params: dict[str, Any]
    output: int
    box: Box
    xs: np.ndarray
    ys: np.ndarray
    relevance: np.ndarray  # (n_y, n_x, 2)
    f: np.ndarray  # (n_y, n_x)
    root_searches: int
    seconds: float
    regions: RegionSet | None = field(default=None)

    @property
    def unresolved(self) -> np.ndarray:
        """``f(x) − R₁(x) − R₂(x)`` per grid point (n_y, n_x)."""
        return self.f - self.relevance.sum(axis=2)

    @property
    def n(self) -> int:
        """Grid points per axis."""
        return int(self.xs.size)

    @property
    def n_points(self) -> int:
        return int(self.xs.size * self.ys.size)

    def summary(self) -> str:
        """Grid size, root searches (and regions, when the method used them) and time, in one line."""
        text = f"grid {self.n} × {self.n} = {self.n_points:,} points; {self.root_searches:,} root searches"
        if self.regions is not None and FIELD_METHODS.get(self.method).extra.get("needs_regions"):
            text += f" for {len(self.regions.regions):,} linear regions (none per grid point)"
        return text + f"; {self.seconds:.3f} s"

    def to_json(self) -> dict[str, Any]:
        """The CLI contract."""
        return {
            "x": self.xs.tolist(), "y": self.ys.tolist(), "relevance": self.relevance.tolist(),
            "unresolved": self.unresolved.tolist(), "root_searches": self.root_searches,
            "seconds": self.seconds,
        }


def grid(box: Sequence[float], n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``xs``, ``ys`` (n each, corners included) and the points (n², 2), x fastest."""
    x0, x1, y0, y1 = check_box(box)
    if isinstance(n, bool) or not isinstance(n, int) or not 2 <= n <= MAX_N:
        raise LRPError(f"the grid size must be a whole number from 2 to {MAX_N}, not {n!r}")
    xs, ys = np.linspace(x0, x1, n), np.linspace(y0, y1, n)
    gx, gy = np.meshgrid(xs, ys)
    return xs, ys, np.stack([gx.ravel(), gy.ravel()], axis=1)


def explanation_field(network: Network, box: Sequence[float], method: str, *, n: int = DEFAULT_N,
                      output: int = 0, regions: RegionSet | None = None, **params: Any) -> Field:
    """The field of ``method`` on an ``n × n`` grid over ``box`` (see the module
    docstring). ``regions`` (the box's :func:`linear_regions`) is computed when
    the method needs it and not given."""
    t0 = time.perf_counter()
    entry = FIELD_METHODS.get(method)
    values = entry.validate(params, FIELD_METHODS.family)
    if network.n_inputs != 2:
        raise LRPError(f"explanation fields need a 2-input network, this one has {network.n_inputs} inputs")
    if isinstance(output, bool) or not isinstance(output, int) or not 0 <= output < network.n_outputs:
        raise LRPError(f"output must be in 0..{network.n_outputs - 1}, not {output!r}")
    box = check_box(box)
    xs, ys, points = grid(box, n)
    if entry.extra.get("needs_regions") and regions is None:
        regions = linear_regions(network, box)
    rel, searches = relevance_at(network, points, method, output=output, regions=regions, **values)
    f = forward(network, points).output[:, output]
    return Field(method, values, output, box, xs, ys, rel.reshape(n, n, 2), f.reshape(n, n), int(searches),
                 time.perf_counter() - t0, regions)


def relevance_at(network: Network, points: np.ndarray, method: str, *, output: int = 0,
                 regions: RegionSet | None = None, **params: Any) -> tuple[np.ndarray, int]:
    """``method``'s input relevance (N, 2) at any points (N, 2) and the number of
    root searches that ran. ``regions`` (a :class:`RegionSet`) is needed by the
    methods registered with ``needs_regions``: their interior points represent
    the regions (a point in none of them represents its own pattern)."""
    entry = FIELD_METHODS.get(method)
    values = entry.validate(params, FIELD_METHODS.family)
    pts = np.asarray(points, dtype=np.float64).reshape(-1, network.n_inputs)
    if not np.isfinite(pts).all():
        raise LRPError("the points must contain finite numbers only")
    if entry.extra.get("needs_regions"):
        if regions is None:
            raise LRPError(f"the {method} field needs the linear regions of a box holding the points")
    rel, searches = entry.func(network, pts, output, regions, **values)
    return rel, int(searches)
