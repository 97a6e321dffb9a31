"""All linear regions of a ReLU network inside a box of the plane, exactly.

A ReLU network is affine on each *activation region* (the points sharing one
activation pattern); those regions are convex polygons in the plane. They
are found by exact splitting, layer by layer:

1. start with the box as one polygon, where the input of the first layer is
   the identity map of the plane coordinates;
2. for each layer, on each current polygon the layer's pre-activations are
   affine, ``z = A p + a`` (the earlier layers' pattern is fixed there). Every
   ReLU unit whose zero line ``A_j p + a_j = 0`` crosses the polygon splits it
   in two (clipping a convex polygon by a half-plane, float64); pieces of
   zero area are dropped;
3. each piece records the layer's pattern (``z > 0``, read at an interior
   point) and passes ``diag(pattern) (A p + a)`` on as the next layer's input.

After the last layer each region carries its polygon, its pattern (as
:meth:`Network.pattern_string`: '0'/'1' over the ReLU units, layer by layer)
and the network's output as an affine map of the plane coordinates.

For inputs of any dimension the same runs on a 2-D slice ``a + s·u + t·v``
(:class:`lrp_core.plane.Slice`): the slice's affine map is composed into the
first layer, and polygons live in ``(s, t)`` coordinates.

Regions tile the box: their areas sum to the box's area (up to dropped
zero-area slivers), and every interior point of a region has its pattern.
Background: Montúfar et al. 2014 (counting linear regions); the segments are
those of Sixt & Landgraf 2022, §3.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from lrp_core.errors import LRPError
from lrp_core.network import AffineMap, Network
from lrp_core.network.segment import Map, evaluate, layer_map, masked
from lrp_core.plane import Box, Slice, check_box

Tensor = torch.Tensor
DTYPE = torch.float64
MAX_REGIONS = 20_000
SIGN_TOL = 1e-12  # relative: a vertex within this of a zero line lies on it
SLIVER_TOL = 1e-13  # relative to the box's area: smaller pieces are dropped


@dataclass(frozen=True, eq=False)
class Region:
    """One linear region: a convex polygon (counter-clockwise vertices), its
    activation pattern, its area, an interior point, and the (sub-)network's
    output on it as ``affine.weight @ p + affine.bias`` in plane coordinates."""

    pattern: str
    polygon: Tensor
    area: float
    point: Tensor
    affine: AffineMap

    def to_json(self) -> dict[str, Any]:
        return {"pattern": self.pattern, "polygon": self.polygon.tolist(), "area": self.area}


@dataclass(frozen=True, eq=False)
class RegionSet:
    """Every linear region of layers ``start .. stop-1`` inside ``box`` (plane
    coordinates; with a ``slice``, the coordinates ``(s, t)`` on it)."""

    regions: tuple[Region, ...]
    box: Box
    start: int
    stop: int
    slice: Slice | None = None

    @property
    def box_area(self) -> float:
        x0, x1, y0, y1 = self.box
        return (x1 - x0) * (y1 - y0)

    @property
    def total_area(self) -> float:
        return float(sum(r.area for r in self.regions))

    def find(self, pattern: str) -> Region | None:
        """The region with this pattern, if it meets the box (patterns are unique:
        each activation region is convex)."""
        for r in self.regions:
            if r.pattern == pattern:
                return r
        return None

    def to_json(self) -> dict[str, Any]:
        return {"regions": [r.to_json() for r in self.regions]}


Poly = list[tuple[float, float]]


def _polygon_area(poly: Poly) -> float:
    """Signed area (shoelace; positive for counter-clockwise vertices)."""
    total = 0.0
    px, py = poly[-1]
    for qx, qy in poly:
        total += px * qy - qx * py
        px, py = qx, qy
    return 0.5 * total


def _split(poly: Poly, a0: float, a1: float, c: float, tol: float) -> tuple[Poly, Poly]:
    """Clip a convex polygon by the line ``a0·x + a1·y + c = 0``: the pieces with
    ``z >= 0`` and ``z <= 0`` (vertices within ``tol`` of the line go to both).
    Plain floats: polygons are small, and this is the hot loop."""
    z = [a0 * x + a1 * y + c for x, y in poly]
    s = [1 if v > tol else (-1 if v < -tol else 0) for v in z]
    pos: Poly = []
    neg: Poly = []
    n = len(poly)
    for i in range(n):
        j = i + 1 if i + 1 < n else 0
        p = poly[i]
        si = s[i]
        if si >= 0:
            pos.append(p)
        if si <= 0:
            neg.append(p)
        if si * s[j] < 0:
            t = z[i] / (z[i] - z[j])
            q = poly[j]
            r = (p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1]))
            pos.append(r)
            neg.append(r)
    return pos, neg


def _plane_map(network: Network, start: int, slice_: Slice | None) -> Map | None:
    """The plane's coordinates as layer ``start``'s input: the slice's affine
    map ``a + s·u + t·v``, or None (the identity) for a 2-input layer."""
    d = network.layers[start].n_in
    if slice_ is not None:
        if slice_.dim != d:
            raise LRPError(f"the slice lives in {slice_.dim} dimensions, layer {start} has {d} inputs")
        return slice_.basis.to(DTYPE).numpy(), slice_.origin.to(DTYPE).numpy()
    if d != 2:
        raise LRPError(
            f"regions in the plane need 2 inputs, but layer {start} has {d}; "
            "give a 2-D slice (a point and two directions)"
        )
    return None


#: a polygon during the splitting: (vertices, the previous layer's output as an affine map of the
#: plane coordinates (None: the coordinates themselves), pattern masks so far)
Piece = tuple[Poly, Map | None, list[np.ndarray]]


@dataclass(frozen=True)
class _Tolerances:
    extent: float  # the largest coordinate magnitude of the box
    sliver: float  # pieces with a smaller area are dropped
    max_regions: int


def _cut(pieces: list[Poly], a_mat: np.ndarray, a_vec: np.ndarray, tol: np.ndarray, crossing: list[int],
         tols: _Tolerances, n_done: int) -> list[Poly]:
    """Split ``pieces`` by the zero line of every unit in ``crossing``."""
    rows, offs, tl = a_mat.tolist(), a_vec.tolist(), tol.tolist()
    for j in crossing:
        (u0, u1), cj, tj = rows[j], offs[j], tl[j]
        split: list[Poly] = []
        for piece in pieces:
            pos, neg = _split(piece, u0, u1, cj, tj)
            if len(pos) < 3 or len(neg) < 3:
                # a real crossing leaves a strict vertex and two boundary points on
                # each side; a side with fewer means the line misses (or only touches)
                split.append(piece)
                continue
            split += [half for half in (pos, neg) if len(half) >= 3 and abs(_polygon_area(half)) > tols.sliver]
        pieces = split
        if n_done + len(pieces) > tols.max_regions:
            _too_many(tols.max_regions)
    return pieces


def _through_layer(item: Piece, w: np.ndarray, b: np.ndarray, relu: bool, tols: _Tolerances,
                   n_done: int) -> list[Piece]:
    """One polygon through one layer: split where a unit's zero line crosses
    it, then each piece's pattern (read at an interior point) and the next map."""
    poly, below, bits = item
    a_mat, a_vec = layer_map(w, b, below)
    if not relu:
        return [(poly, (a_mat, a_vec), bits)]
    tol = SIGN_TOL * (np.abs(a_mat).sum(axis=1) * tols.extent + np.abs(a_vec))
    z = np.array(poly) @ a_mat.T + a_vec
    crossing = np.nonzero((z.max(axis=0) > tol) & (z.min(axis=0) < -tol))[0].tolist()
    pieces = _cut([poly], a_mat, a_vec, tol, crossing, tols, n_done) if crossing else [poly]
    out: list[Piece] = []
    for piece in pieces:
        k = len(piece)
        inner = np.array((sum(p[0] for p in piece) / k, sum(p[1] for p in piece) / k))
        active = evaluate((a_mat, a_vec), inner) > 0
        out.append((piece, masked((a_mat, a_vec), active), [*bits, active]))
    return out


def _region(item: Piece) -> Region:
    """A finished piece as a :class:`Region` (counter-clockwise vertices)."""
    poly, below, bits = item
    m, c = below if below is not None else (np.eye(2), np.zeros(2))
    # counter-clockwise by construction: the box is listed counter-clockwise and clipping keeps the order
    area = _polygon_area(poly)
    arr = np.array(poly, dtype=np.float64)
    pattern = (np.concatenate(bits).astype(np.uint8) + ord("0")).tobytes().decode("ascii") if bits else ""
    return Region(pattern, torch.from_numpy(arr), area, torch.from_numpy(arr.sum(axis=0) / len(arr)),
                  AffineMap(torch.from_numpy(m.copy()), torch.from_numpy(c.copy())))


def linear_regions(
    network: Network,
    box: Sequence[float],
    *,
    start: int = 0,
    stop: int | None = None,
    slice: Slice | None = None,
    max_regions: int = MAX_REGIONS,
) -> RegionSet:
    """Enumerate every linear region of layers ``start .. stop-1`` of ``network``
    inside ``box = (x0, x1, y0, y1)`` exactly (see the module docstring).

    Raises :class:`LRPError` for a bad box, a non-2-input layer without a
    slice, or more than ``max_regions`` regions.
    """
    box = check_box(box)
    n_layers = len(network.layers)
    stop_ = n_layers if stop is None else stop
    if not 0 <= start < stop_ <= n_layers:
        raise LRPError(f"layer range {start}..{stop_ - 1} is outside 0..{n_layers - 1}")
    x0, x1, y0, y1 = box
    tols = _Tolerances(max(abs(x0), abs(x1), abs(y0), abs(y1)), SLIVER_TOL * (x1 - x0) * (y1 - y0), max_regions)
    current: list[Piece] = [([(x0, y0), (x1, y0), (x1, y1), (x0, y1)], _plane_map(network, start, slice), [])]
    layers = zip(network.layers[start:stop_], network.arrays[start:stop_], strict=True)
    for w, b, relu in ((w, b, layer.is_relu) for layer, (w, b) in layers):
        nxt: list[Piece] = []
        for item in current:
            nxt += _through_layer(item, w, b, relu, tols, len(nxt))
            if len(nxt) > max_regions:
                _too_many(max_regions)
        current = nxt
    return RegionSet(tuple(_region(item) for item in current), box, start, stop_, slice)


def _too_many(cap: int) -> None:
    raise LRPError(
        f"more than {cap:,} linear regions in the box; choose a smaller box or a smaller network"
    )


def interior_samples(region: Region, n: int, generator: torch.Generator) -> Tensor:
    """``n`` random points strictly inside a region (random convex combinations
    of its vertices, pulled 10% toward the interior point)."""
    k = int(region.polygon.shape[0])
    w = -torch.log(torch.rand(n, k, generator=generator, dtype=DTYPE))  # Dirichlet(1, …, 1)
    w = w / w.sum(dim=1, keepdim=True)
    pts = w @ region.polygon
    return region.point + 0.9 * (pts - region.point)
