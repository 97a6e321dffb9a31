"""Pure helpers for working in a plane: boxes, 2-D slices, click grids,
and 2-D projections.

A *slice* through a point ``a`` along two directions ``u`` and ``v`` is the
plane ``{a + s·u + t·v}``; on it every network is a function of ``(s, t)``,
so the exact region enumeration of :mod:`lrp_core.regions` applies to
inputs of any dimension.

Reading a clicked point from a chart's selection event is the app's business
(:mod:`lrp_explorer.ui.selection`), not the library's.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch

from lrp_core.errors import LRPError

Tensor = torch.Tensor
DTYPE = torch.float64
Box = tuple[float, float, float, float]
MAX_GRID = 400


def check_box(box: Sequence[float]) -> Box:
    """A box ``(x0, x1, y0, y1)`` with finite numbers, ``x0 < x1`` and ``y0 < y1``."""
    if len(box) != 4:
        raise LRPError(f"a box needs 4 numbers x0,x1,y0,y1, got {len(box)}")
    try:
        x0, x1, y0, y1 = (float(v) for v in box)
    except (TypeError, ValueError):
        raise LRPError("a box needs 4 numbers x0,x1,y0,y1") from None
    if not all(math.isfinite(v) for v in (x0, x1, y0, y1)):
        raise LRPError("a box must contain finite numbers only")
    if not (x0 < x1 and y0 < y1):
        raise LRPError(f"a box needs x0 < x1 and y0 < y1, got {x0:g},{x1:g},{y0:g},{y1:g}")
    if max(abs(x0), abs(x1), abs(y0), abs(y1)) > 1e12:
        raise LRPError("a box's corners must lie within ±1e12")
    return (x0, x1, y0, y1)


def parse_box(text: str) -> Box:
    """Parse ``"x0,x1,y0,y1"`` into a checked box."""
    parts = [p.strip() for p in str(text).split(",")]
    if len(parts) != 4:
        raise LRPError(f"a box is 4 comma-separated numbers x0,x1,y0,y1, got {str(text)[:60]!r}")
    try:
        values = [float(p) for p in parts]
    except ValueError:
        raise LRPError(f"a box is 4 comma-separated numbers x0,x1,y0,y1, got {str(text)[:60]!r}") from None
    return check_box(values)


def box_around(points: Sequence[Sequence[float]], *, min_half: float = 3.0, margin: float = 0.15) -> Box:
    """A box with whole-number corners holding every finite 2-D point, at
    least ``[-min_half, min_half]²``, with a relative ``margin`` around them."""
    xs = [float(p[0]) for p in points if all(math.isfinite(float(c)) for c in p[:2])]
    ys = [float(p[1]) for p in points if all(math.isfinite(float(c)) for c in p[:2])]
    lo_x, hi_x = min([-min_half, *xs]), max([min_half, *xs])
    lo_y, hi_y = min([-min_half, *ys]), max([min_half, *ys])
    mx, my = margin * (hi_x - lo_x), margin * (hi_y - lo_y)
    return check_box(
        (math.floor(lo_x - mx), math.ceil(hi_x + mx), math.floor(lo_y - my), math.ceil(hi_y + my))
    )


def click_grid(box: Sequence[float], n: int = 41) -> tuple[list[float], list[float]]:
    """``n × n`` marker positions (flattened, x varying fastest) covering the box
    evenly, corners included. These are the clickable points of the plane."""
    x0, x1, y0, y1 = check_box(box)
    if isinstance(n, bool) or not isinstance(n, int) or not 2 <= n <= MAX_GRID:
        raise LRPError(f"the grid size must be a whole number from 2 to {MAX_GRID}, not {n!r}")
    xs = torch.linspace(x0, x1, n, dtype=DTYPE)
    ys = torch.linspace(y0, y1, n, dtype=DTYPE)
    gx = xs.repeat(n)
    gy = ys.repeat_interleave(n)
    return gx.tolist(), gy.tolist()


def grid_values(
    fn: Callable[[Tensor], Tensor], box: Sequence[float], n: int = 101
) -> tuple[list[float], list[float], Tensor]:
    """Evaluate a batched function ``fn((m, 2)) -> (m,)`` on an ``n × n`` grid;
    returns the axis values and the values as an (n_y, n_x) tensor (heatmap layout)."""
    x0, x1, y0, y1 = check_box(box)
    if isinstance(n, bool) or not isinstance(n, int) or not 2 <= n <= MAX_GRID:
        raise LRPError(f"the grid size must be a whole number from 2 to {MAX_GRID}, not {n!r}")
    xs = torch.linspace(x0, x1, n, dtype=DTYPE)
    ys = torch.linspace(y0, y1, n, dtype=DTYPE)
    pts = torch.stack([xs.repeat(n), ys.repeat_interleave(n)], dim=1)
    values = fn(pts).reshape(n, n)
    return xs.tolist(), ys.tolist(), values


@dataclass(frozen=True, eq=False)
class Slice:
    """The plane ``origin + s·u + t·v`` in a d-dimensional input space."""

    origin: Tensor
    u: Tensor
    v: Tensor

    @property
    def dim(self) -> int:
        return int(self.origin.shape[0])

    @property
    def basis(self) -> Tensor:
        """The (d × 2) matrix ``[u v]``."""
        return torch.stack([self.u, self.v], dim=1)

    def embed(self, st: Tensor | Sequence[float]) -> Tensor:
        """Plane coordinates (..., 2) to input points (..., d)."""
        c = torch.as_tensor(st, dtype=DTYPE)
        return self.origin + c @ self.basis.T

    def coords(self, x: Tensor | Sequence[float]) -> Tensor:
        """Least-squares plane coordinates (..., 2) of input points (..., d)
        (exact for points on the plane)."""
        b = self.basis
        gram = b.T @ b
        rhs = (torch.as_tensor(x, dtype=DTYPE) - self.origin) @ b
        return torch.linalg.solve(gram, rhs.unsqueeze(-1)).squeeze(-1)


def make_slice(
    origin: Sequence[float] | Tensor, u: Sequence[float] | Tensor, v: Sequence[float] | Tensor
) -> Slice:
    """A checked slice: equal lengths, finite numbers, ``u`` and ``v`` linearly independent."""
    a, du, dv = (torch.as_tensor(t, dtype=DTYPE).reshape(-1) for t in (origin, u, v))
    if not (a.shape == du.shape == dv.shape):
        raise LRPError(
            f"the slice's point and directions need equal lengths, got {a.numel()}, {du.numel()}, {dv.numel()}"
        )
    if not all(bool(torch.isfinite(t).all()) for t in (a, du, dv)):
        raise LRPError("the slice's point and directions must contain finite numbers only")
    nu, nv = float(du.norm()), float(dv.norm())
    if nu == 0.0 or nv == 0.0:
        raise LRPError("the slice's directions must be non-zero")
    cos = float(du @ dv) / (nu * nv)
    if abs(cos) > 1 - 1e-9:
        raise LRPError("the slice's two directions must not be parallel")
    return Slice(a, du, dv)


def axis_slice(origin: Sequence[float] | Tensor, i: int = 0, j: int = 1) -> Slice:
    """The slice through ``origin`` along input axes ``i`` and ``j``."""
    a = torch.as_tensor(origin, dtype=DTYPE).reshape(-1)
    d = int(a.shape[0])
    if not (0 <= i < d and 0 <= j < d) or i == j:
        raise LRPError(f"choose two different axes in 0..{d - 1}, not {i} and {j}")
    eye = torch.eye(d, dtype=DTYPE)
    return make_slice(a, eye[i], eye[j])


def pca_2d(points: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """Project (n, d) points on their first two principal components.

    Returns ``(coords (n, 2), components (2, d), mean (d,))``. Components are
    orthonormal and sign-fixed (largest-magnitude entry positive) so the
    picture is deterministic; missing components (rank < 2 or d < 2) are 0.
    """
    x = torch.as_tensor(points, dtype=DTYPE)
    if x.ndim != 2 or x.shape[0] == 0:
        raise LRPError("a projection needs a non-empty (n, d) array of points")
    mean = x.mean(dim=0)
    centred = x - mean
    d = int(x.shape[1])
    comps = torch.zeros(2, d, dtype=DTYPE)
    if x.shape[0] > 1:
        _, s, vh = torch.linalg.svd(centred, full_matrices=False)
        k = min(2, int(vh.shape[0]))
        for r in range(k):
            if float(s[r]) <= 1e-12 * max(float(s[0]), 1e-300):
                continue
            c = vh[r]
            if float(c[int(c.abs().argmax())]) < 0:
                c = -c
            comps[r] = c
    return centred @ comps.T, comps, mean
