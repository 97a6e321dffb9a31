"""The full-backward DTD field with a segment-only finder, one affine piece per region.

With a finder whose root depends only on the segment (``exact`` with its
default tie-break: ``FinderSpec.segment_only``), the full-backward
decomposition depends on x only through x's activation pattern: by induction
from the top, layer k's head row (p_j, q_j) and its roots are the same for
every point of one linear region, and the input relevance there is affine,

    R_i(x) = Σ_j c_{j,i} (x_i − ã_{j,i}) = P_i x_i + Q_i,
    P = Σ_j c_j,  Q = −Σ_j c_j ⊙ ã_j     (layer-0 nodes that have a root).

So the field runs :func:`lrp_core.decompose.decompose` once per linear region
that holds a grid point (at the region's interior point from
:func:`lrp_core.regions.linear_regions`),
sharing one :class:`~lrp_core.decompose.RootCache` (regions that agree on the
pattern of layers k..L-1 share layer k's roots), and evaluates the affine
pieces on the grid: at most one root search per region, layer and neuron, none
per grid point. A grid point is assigned to the region of its own activation
pattern (``z > 0`` active, as ``decompose`` reads it); a grid point whose
pattern is not one of the regions' (it lies on a boundary where a zero-area
pattern holds) is decomposed at itself, once per such pattern, and so is a
pattern whose region's interior point does not show that pattern in this
network's forward pass (never trusted blindly: regions of another network,
rounding on a sliver).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from lrp_core.decompose import Decomposition, FinderSpec, RootCache, decompose
from lrp_core.errors import LRPError
from lrp_core.fields.batch import forward, pattern_strings
from lrp_core.network import Network
from lrp_core.regions import Region, RegionSet


@dataclass(frozen=True)
class Piece:
    """The input relevance ``P ⊙ x + Q`` on one activation pattern."""

    pattern: str
    P: np.ndarray
    Q: np.ndarray
    in_regions: bool


def affine_piece(dec: Decomposition, pattern: str, in_regions: bool) -> Piece:
    """P and Q from a decomposition's layer-0 nodes (those with a root)."""
    d = dec.x.shape[0]
    P, Q = np.zeros(d), np.zeros(d)
    for node in dec.layer(0).nodes:
        if node.root is not None:
            c = node.gradient.numpy()
            P += c
            Q -= c * node.root.numpy()
    return Piece(pattern, P, Q, in_regions)


def full_backward_field(network: Network, points: np.ndarray, output: int, regions: RegionSet,
                        spec: FinderSpec) -> tuple[np.ndarray, int, list[Piece]]:
    """Input relevance (N, 2) of full-backward DTD at every point, the number
    of root searches that ran, and the affine pieces used."""
    if not spec.segment_only:
        raise LRPError(f"the per-region field needs a segment-only finder; {spec.label} is not")
    pats = pattern_strings(forward(network, points).patterns(network))
    by_pattern: dict[str, list[int]] = {}
    for i, p in enumerate(pats):
        by_pattern.setdefault(p, []).append(i)
    cache = RootCache()
    pieces: dict[str, Piece] = {}
    by_region = _regions_by_pattern(network, regions, set(by_pattern))
    for p, idx in by_pattern.items():  # the regions the points fall in
        region = by_region.get(p)
        x = region.point if region is not None else torch.from_numpy(points[idx[0]].copy())
        pieces[p] = _piece(network, x, output, spec, cache, p, region is not None)
    out = np.zeros((points.shape[0], network.n_inputs))
    for p, idx in by_pattern.items():
        piece = pieces[p]
        out[idx] = piece.P[None, :] * points[idx] + piece.Q[None, :]
    return out, cache.searches, list(pieces.values())


def _regions_by_pattern(network: Network, regions: RegionSet, patterns: set[str]) -> dict[str, Region]:
    """The regions holding ``patterns`` whose interior point has that pattern in
    this network's own forward pass (a region failing that — rounding on a sliver,
    or regions of another network — is left out: its points are decomposed at
    themselves). The regions must be of the whole network over its input plane."""
    if regions.slice is not None or regions.start != 0 or regions.stop != len(network.layers):
        raise LRPError("the per-region field needs the regions of the whole network over its input plane "
                       "(linear_regions(network, box) without a slice)")
    used = [r for r in regions.regions if r.pattern in patterns]
    if not used:
        return {}
    seen = pattern_strings(forward(network, np.stack([r.point.numpy() for r in used])).patterns(network))
    return {r.pattern: r for r, p in zip(used, seen, strict=True) if p == r.pattern}


def _piece(network: Network, x: Any, output: int, spec: FinderSpec, cache: RootCache, pattern: str,
           in_regions: bool) -> Piece:
    dec = decompose(network, x, output, mode="full", spec=spec, cache=cache)
    return affine_piece(dec, pattern, in_regions)
