"""Explanation fields: an explanation method as a map from the plane to (R₁, R₂).

For a 2-input network and a method M, :func:`explanation_field` evaluates M's
input relevance ``R(x) = (R₁(x), R₂(x))`` on an ``n × n`` grid over a box, with
the part it leaves unexplained, ``f(x) − R₁(x) − R₂(x)``. Methods live in
:data:`FIELD_METHODS` (one entry each, parameters declared once):

- ``gradient``, ``gradient-x-input``, ``shapley`` — closed forms
  (:mod:`lrp_core.fields.closed_form`);
- ``z+``, ``w2``, ``gamma`` — train-free DTD with that rule, batched by
  :func:`lrp_core.trainfree.train_free` (z+ is LRP α1β0);
- ``full-backward`` — full-backward DTD with the exact finder, one affine
  piece per linear region (:mod:`lrp_core.fields.exact`).

Grid layout: ``relevance[iy, ix] = (R₁, R₂)`` at ``(xs[ix], ys[iy])``, corners
included (rows are y, as a heatmap draws them).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from lrp_core.errors import LRPError
from lrp_core.fields.batch import forward
from lrp_core.fields.closed_form import gradient_field, gradient_x_input_field, shapley_field
from lrp_core.network import Network
from lrp_core.params import Param
from lrp_core.plane import Box, check_box
from lrp_core.regions import RegionSet, linear_regions
from lrp_core.registry import Registry

MAX_N = 401
DEFAULT_N = 61

#: ``func(network, points (N, 2), output, regions, **params) -> (relevance (N, 2), root searches)``
FieldFunc = Callable[..., tuple[np.ndarray, int]]
FIELD_METHODS: Registry[FieldFunc] = Registry("field method")

GAMMA = Param("gamma", "float", 0.25, "γ of the gamma rule (weight of the positive part)", low=0.0, high=1e6)


def _train_free(network: Network, points: np.ndarray, output: int, rule: str, gamma: float = 0.25) -> np.ndarray:
    from lrp_core.trainfree import train_free

    return train_free(network, torch.from_numpy(points), output, rule=rule, gamma=gamma).relevance.numpy()


@FIELD_METHODS.register("gradient", label="Gradient", cite="Simonyan et al. 2014, Deep Inside Convolutional Networks")
def _gradient(network: Network, points: np.ndarray, output: int, regions: RegionSet | None) -> tuple[np.ndarray, int]:
    return gradient_field(network, points, output), 0


@FIELD_METHODS.register("gradient-x-input", label="Gradient × input",
                        cite="Shrikumar et al. 2016, Not Just a Black Box")
def _gxi(network: Network, points: np.ndarray, output: int, regions: RegionSet | None) -> tuple[np.ndarray, int]:
    return gradient_x_input_field(network, points, output), 0


@FIELD_METHODS.register("z+", label="Train-free z+ (LRP α1β0)",
                        cite="Montavon et al. 2017, Explaining nonlinear classification decisions with DTD")
def _zplus(network: Network, points: np.ndarray, output: int, regions: RegionSet | None) -> tuple[np.ndarray, int]:
    return _train_free(network, points, output, "z+"), 0


@FIELD_METHODS.register("w2", label="Train-free w²",
                        cite="Montavon et al. 2017, Explaining nonlinear classification decisions with DTD")
def _w2(network: Network, points: np.ndarray, output: int, regions: RegionSet | None) -> tuple[np.ndarray, int]:
    return _train_free(network, points, output, "w²"), 0


@FIELD_METHODS.register("gamma", label="Train-free γ", schema=(GAMMA,),
                        cite="Montavon et al. 2019, Layer-wise relevance propagation: an overview")
def _gamma(network: Network, points: np.ndarray, output: int, regions: RegionSet | None,
           gamma: float = 0.25) -> tuple[np.ndarray, int]:
    return _train_free(network, points, output, "γ", gamma=gamma), 0


@FIELD_METHODS.register("full-backward", label="Full-backward DTD (exact finder)", needs_regions=True,
                        cite="Sixt & Landgraf 2022, A Rigorous Study of the Deep Taylor Decomposition")
def _full(network: Network, points: np.ndarray, output: int, regions: RegionSet | None) -> tuple[np.ndarray, int]:
    from lrp_core.decompose import FinderSpec
    from lrp_core.fields.exact import full_backward_field

    assert regions is not None  # relevance_at checks it (needs_regions)
    rel, searches, _ = full_backward_field(network, points, output, regions, FinderSpec.of("exact"))
    return rel, searches


@FIELD_METHODS.register("shapley", label="Shapley values (zero baseline, exact)",
                        cite="Shapley 1953; Lundberg & Lee 2017, A Unified Approach to Interpreting Model Predictions")
def _shapley(network: Network, points: np.ndarray, output: int, regions: RegionSet | None) -> tuple[np.ndarray, int]:
    return shapley_field(network, points, output), 0


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
    def n_points(self) -> int:
        return int(self.xs.size * self.ys.size)

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


def method_names() -> list[str]:
    return FIELD_METHODS.names()
