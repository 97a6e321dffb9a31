"""What the root finders share: parameter checks, the box, segment membership
for batches, and the choice of the lowest non-negative relevance.

A finder's parameters are declared once in its registry entry
(``FINDERS.register(..., schema=(Param, ...))``); :func:`check_params` checks
a call's keyword arguments against that declaration. The box bounds ``low`` /
``high`` (numbers or per-coordinate vectors) are accepted by every finder and
checked by :func:`~lrp_core.roots.rules.box_bounds`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from lrp_core.roots.base import FINDERS, Root, RootProblem, make_roots
from lrp_core.roots.rules import box_bounds

Tensor = torch.Tensor
Progress = Callable[[float], None] | None
#: the box bounds every finder accepts besides its declared parameters
BOX = ("low", "high")


def check_params(finder: str, values: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(params, box)``: the declared parameters of ``finder`` checked
    (``Entry.validate``: one-line errors naming the range, unknown names
    refused) with defaults filled in, and the box bounds set aside."""
    entry = FINDERS.get(finder)
    declared = {p.name for p in entry.schema}
    box = {k: values.pop(k) for k in BOX if k in values and (k not in declared or _is_vector(values[k]))}
    params = entry.validate(values, "finder")
    for k in BOX:
        if k in declared and k in box:
            params[k] = box.pop(k)
    return params, box


def _is_vector(v: Any) -> bool:
    return v is not None and not isinstance(v, (int, float))


def finder_box(problem: RootProblem, low: Any = None, high: Any = None) -> tuple[Tensor, Tensor] | None:
    """The box ``low <= x <= high`` (both tensors of the problem's dimension):
    the given bounds, else ``problem.box``, else None."""
    if low is None and high is None:
        if problem.box is None:
            return None
        low, high = problem.box
    return box_bounds(problem.dim, low, high)


def default_generator(generator: torch.Generator | None) -> torch.Generator:
    """``generator``, or a fresh one seeded 0 (never the global RNG)."""
    return generator if generator is not None else torch.Generator().manual_seed(0)


class Region:
    """Membership for batches: a's activation pattern — either fast, via the
    segment's inequalities (active units need z > 0, inactive z <= 0), or,
    with ``network=True``, through the network's own layer-by-layer pass (the
    two can differ by float rounding within ~1e-16 of a boundary) — plus
    ``a' >= 0`` and the box when asked. No autograd."""

    def __init__(self, problem: RootProblem, nonnegative: bool, box: tuple[Tensor, Tensor] | None, *,
                 network: bool = False) -> None:
        self.problem = problem
        self.network = network
        seg = problem.segment
        self.G, self.g = seg.G, seg.g
        active = [m.reshape(-1) for m in seg.pattern]
        self.active = torch.cat(active) if active else torch.zeros(0, dtype=torch.bool)
        self.nonnegative = nonnegative
        self.box = box

    def __call__(self, x: Tensor) -> Tensor:
        if self.network:
            ok = self.problem.in_segment(x)
        else:
            ok = torch.from_numpy(pattern_holds((self.g - x @ self.G.T).numpy(), self.active.numpy()))
        if self.nonnegative:
            ok &= (x >= 0).all(dim=-1)
        if self.box is not None:
            ok &= ((x >= self.box[0]) & (x <= self.box[1])).all(dim=-1)
        return ok


def pattern_holds(slack: np.ndarray, active: np.ndarray) -> np.ndarray:
    """Whether the slacks ``sign · z`` (one per unit, batched) keep the
    pattern: an active unit needs z > 0 strictly, an inactive one z <= 0
    (z = 0 is inactive: ReLU(0) = 0 and its pattern bit is 0). Used by
    :class:`Region` and by the mcmc chains."""
    return np.where(active, slack > 0, slack >= 0).all(axis=-1)


def pick_lowest(problem: RootProblem, candidates: Tensor, what: str) -> list[Root]:
    """Per explained neuron, the candidate with the lowest relevance ``R >= 0``
    (R from the segment's affine map: candidates are in the segment's
    closure). ``R = 0`` counts as non-negative: a candidate with R = 0 is an
    exact root and wins."""
    n = len(problem.neurons)
    if candidates.shape[0] == 0:
        return list(make_roots(problem, [(j, None, f"no {what} to choose from") for j in range(n)]))
    rel = candidates @ problem.affine.weight.T + problem.affine.bias
    items: list[tuple[int, Tensor | None, str]] = []
    for j in range(n):
        r = rel[:, j]
        ok = r >= 0
        if not bool(ok.any()):
            items.append((j, None, f"no {what} has R >= 0 (largest R = {float(r.max()):.6g})"))
            continue
        idx = int(torch.where(ok, r, torch.full_like(r, math.inf)).argmin())
        best = float(r[idx])
        reason = "" if best == 0.0 else f"lowest R >= 0 among the {what} is {best:.6g} (not an exact zero)"
        items.append((j, candidates[idx].clone(), reason))
    return list(make_roots(problem, items))
