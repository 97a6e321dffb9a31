"""The ``interpolation`` finder: random rays from a to the edge of its segment."""

from __future__ import annotations

import time
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import torch

from lrp_core.errors import LRPError
from lrp_core.params import Param, defaults
from lrp_core.roots.base import DTYPE, FINDERS, RootProblem, RootResult, make_root
from lrp_core.roots.common import Progress, Region, check_params, default_generator, finder_box, pick_lowest
from lrp_core.roots.rules import SIXT

Tensor = torch.Tensor

MAX_DIRECTIONS = 100_000
#: n_directions × (1 + max_doublings + n_bisect) × segment constraints (~20 ns each); the defaults
#: with the largest n_directions on dtd-mlp (40 constraints) need 4e8
MAX_INTERPOLATION_WORK = 500_000_000

SCHEMA = (
    Param("n_directions", "int", 50, "random directions (rays from a)", low=1, high=MAX_DIRECTIONS),
    Param("init_scale", "float", 1.0, "first step along a ray (doubled until it leaves the segment)",
          low=0.0, high=1e12, open_low=True, log=True, advanced=True),
    Param("n_bisect", "int", 60, "bisection steps per ray", low=1, high=200, advanced=True),
    Param("max_doublings", "int", 40, "doublings of the step before a ray counts as unbounded",
          low=0, high=200, advanced=True),
    Param("nonnegative", "bool", None, "bound the segment by x >= 0 (unset: the layer input is post-ReLU)",
          optional=True, advanced=True),
)


def interpolation_work(params: Mapping[str, Any], n_constraints: int) -> int:
    """The work capped by ``MAX_INTERPOLATION_WORK``."""
    steps = 1 + int(params["max_doublings"]) + int(params["n_bisect"])
    return int(params["n_directions"]) * steps * max(1, n_constraints)


def _edges(region: Region, a: Tensor, u: Tensor, p: dict[str, Any], progress: Progress) -> tuple[Tensor, Tensor, int]:
    """Per ray ``a + t u``: bracket the largest t inside (t = init_scale,
    doubled at most max_doublings times), then bisect. Returns (t of the last
    point inside, whether the ray left the segment, evaluations)."""
    n = u.shape[0]
    lo = torch.zeros(n, dtype=DTYPE)
    hi = torch.full((n,), p["init_scale"], dtype=DTYPE)
    inside = region(a + hi.unsqueeze(1) * u)
    evals = 1 + n
    for _ in range(p["max_doublings"]):
        if not bool(inside.any()):
            break
        lo = torch.where(inside, hi, lo)
        hi = torch.where(inside, hi * 2, hi)
        inside = region(a + hi.unsqueeze(1) * u)
        evals += n
    bounded = ~inside
    for k in range(p["n_bisect"]):
        mid = 0.5 * (lo + hi)
        ins = region(a + mid.unsqueeze(1) * u)
        evals += n
        lo = torch.where(ins, mid, lo)
        hi = torch.where(ins, hi, mid)
        if progress is not None:
            progress((k + 1) / p["n_bisect"])
    return lo, bounded, evals


@FINDERS.register(
    "interpolation", label="Interpolation to the edge", cite=SIXT, schema=SCHEMA, params=MappingProxyType(defaults(SCHEMA)), segment_only=False,
    stochastic=True, samples_name="edge points",
)
def interpolation_finder(
    problem: RootProblem,
    *,
    generator: torch.Generator | None = None,
    progress: Progress = None,
    **values: Any,
) -> RootResult:
    """Random unit directions u from a; along each ray ``a + t u`` the largest t
    that keeps a's activation pattern is bracketed (t = init_scale, doubled
    until the ray leaves the segment, at most ``max_doublings`` times; rays
    that never leave are dropped as unbounded) and then found by ``n_bisect``
    bisection steps; the edge point is the last point inside, so it lies in the
    segment and within ``t·2^-n_bisect`` of its boundary. With ``nonnegative``
    (default ``problem.nonnegative``) the orthant x >= 0 — and a box, if
    given — bounds the segment too. The root of neuron j is the edge point
    with the lowest ``R_j >= 0``; ``samples`` are the edge points (the study's
    interpolation root finder; there a grid of 10 points is refined 10 times)."""
    t0 = time.perf_counter()
    p, box_args = check_params("interpolation", values)
    n_constraints = int(problem.segment.G.shape[0])
    work = interpolation_work(p, n_constraints)
    if work > MAX_INTERPOLATION_WORK:
        raise LRPError(f"n_directions × (1 + max_doublings + n_bisect) × segment constraints must be at most "
                       f"{MAX_INTERPOLATION_WORK:,}; got {p['n_directions']:,} × "
                       f"{1 + p['max_doublings'] + p['n_bisect']:,} × {n_constraints:,} = {work:,}: "
                       f"use fewer directions or steps")
    nonneg = problem.nonnegative if p["nonnegative"] is None else bool(p["nonnegative"])
    # bisection homes in on the boundary, so membership comes from the network itself
    region = Region(problem, nonneg, finder_box(problem, box_args.get("low"), box_args.get("high")), network=True)
    a, d = problem.point.to(DTYPE), problem.dim
    params = {**p, "nonnegative": nonneg}
    if not bool(region(a.unsqueeze(0))[0]):
        roots = [make_root(problem, j, None, "a itself violates x >= 0 or the box")
                 for j in range(len(problem.neurons))]
        return RootResult("interpolation", params, tuple(roots), 1, time.perf_counter() - t0,
                          samples=torch.zeros(0, d, dtype=DTYPE))
    u = torch.randn(p["n_directions"], d, generator=default_generator(generator), dtype=DTYPE)
    u = u / u.norm(dim=1, keepdim=True).clamp_min(1e-300)
    t, bounded, evals = _edges(region, a, u, p, progress)
    edges = (a + t.unsqueeze(1) * u)[bounded]
    keep = problem.in_segment(edges)
    edges = edges[keep]
    roots = pick_lowest(problem, edges, "edge points")
    extra = {"unbounded": int((~bounded).sum()), "dropped": int((~keep).sum()), "directions": u[bounded][keep]}
    return RootResult("interpolation", params, tuple(roots), evals, time.perf_counter() - t0,
                      samples=edges, extra=extra)
