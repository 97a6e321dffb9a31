"""The root-finding interface shared by every finder and by the decompositions.

Deep Taylor Decomposition explains a relevance function R at a layer input a by
a first-order Taylor expansion at a root ã with R(ã) = 0:
``R_i = ∂R/∂a_i(ã) · (a_i − ã_i)`` (Montavon et al. 2017; Sixt & Landgraf 2022).
For a ReLU network this is exact only if ã lies in the closure of the linear
segment that contains a.

A :class:`RootProblem` states one such search, general enough for both the
root-finding page and the layer-by-layer decompositions:

- the point ``a`` is the input of layer ``layer`` (k) of ``network``;
- the explained functions are ``R(a') = head @ f(a') + offset`` where ``f`` is
  the sub-network of layers ``k .. stop-1``; each row of ``head`` is one
  explained neuron (labelled by ``neurons``);
- the *segment* is the set of points with a's activation pattern in layers
  ``k .. segment_stop-1`` (``segment_stop >= stop``). Inside it R is affine.
  (The decompositions use ``segment_stop > stop`` when the head holds values
  that are constant only on the segment of everything above.)

The segment and the affine map on it come from the point's
:class:`~lrp_core.network.SegmentMap` (:func:`lrp_core.network.segment_map`,
the one implementation of that map), built once per problem.

Every finder in :data:`FINDERS` has the signature
``finder(problem, *, generator=None, progress=None, **params) -> RootResult``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Protocol

import numpy as np
import torch

from lrp_core.errors import LRPError
from lrp_core.network import AffineMap, Network, Segment, SegmentMap
from lrp_core.network import segment_map as map_segment
from lrp_core.registry import Registry

Tensor = torch.Tensor
DTYPE = torch.float64


@dataclass(frozen=True, eq=False)
class RootProblem:
    """One root search; see the module docstring for the meaning of each field."""

    network: Network
    layer: int
    point: Tensor
    stop: int
    head: Tensor
    offset: Tensor
    neurons: tuple[int, ...]
    segment_stop: int
    nonnegative: bool = False
    box: tuple[Tensor, Tensor] | None = None
    #: the point's segment map (layers ``layer .. segment_stop-1``) when it is already known
    #: (:meth:`select` passes its own); computed on first use otherwise
    known_map: SegmentMap | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        n = len(self.network.layers)
        if not 0 <= self.layer < self.stop <= self.segment_stop <= n:
            raise LRPError(
                f"need 0 <= layer < stop <= segment_stop <= {n}, got "
                f"{self.layer}, {self.stop}, {self.segment_stop}"
            )
        d = self.network.layers[self.layer].n_in
        if self.point.shape != (d,):
            raise LRPError(f"the point must have {d} values for layer {self.layer}'s input")
        if not np.isfinite(self.point.detach().to(DTYPE).numpy()).all():
            raise LRPError("the point must contain finite numbers only")
        n_out = self.network.layers[self.stop - 1].n_out
        if self.head.shape[1] != n_out or self.head.shape[0] != len(self.neurons):
            raise LRPError("head must be (explained neurons × outputs of layer stop-1)")
        known = self.known_map
        if known is not None and (known.start, known.stop, known.point.shape) != (self.layer, self.segment_stop, (d,)):
            raise LRPError("the known segment map belongs to other layers or another point shape")

    @property
    def dim(self) -> int:
        return int(self.point.shape[0])

    def relevance(self, a: Tensor) -> Tensor:
        """R at points ``a`` (..., d) -> (..., n_explained), through the real
        sub-network (exact; inside the segment it equals the affine map; by
        :meth:`relevance_np`)."""
        flat = a.detach().to(DTYPE).reshape(-1, a.shape[-1]).numpy()
        return torch.from_numpy(self.relevance_np(flat)).reshape(*a.shape[:-1], len(self.neurons))

    @cached_property
    def relevance_at_point(self) -> Tensor:
        """``relevance(point)`` (n_explained,), computed once."""
        return self.relevance(self.point)

    @cached_property
    def segment_map(self) -> SegmentMap:
        """Layers ``layer .. segment_stop-1`` on a's segment (:func:`lrp_core.network.segment_map`):
        the segment and the output map are both read from it."""
        if self.known_map is not None:
            return self.known_map
        return map_segment(self.network, self.point, start=self.layer, stop=self.segment_stop)

    @property
    def segment(self) -> Segment:
        """The closure of a's segment as inequalities ``G a' <= g``."""
        return self.segment_map.segment

    @cached_property
    def output_map(self) -> AffineMap:
        """The sub-network's output (layers ``layer .. stop-1``) on a's segment
        as an affine map of the layer input (computed once)."""
        return self.segment_map.output(self.stop)

    @cached_property
    def affine(self) -> AffineMap:
        """R on a's segment as ``weight @ a' + bias`` (weight: n_explained × d).
        Gradients at roots are taken from here, never from autograd at a
        boundary point (whose one-sided derivative may belong to a neighbour)."""
        amap = self.output_map
        head = self.head.to(DTYPE).numpy()
        return AffineMap(torch.from_numpy(head @ amap.weight.numpy()),
                         torch.from_numpy(head @ amap.bias.numpy() + self.offset.to(DTYPE).numpy()))

    def select(self, rows: Sequence[int]) -> RootProblem:
        """The same problem for the explained rows ``rows`` only (in that
        order). It shares this problem's segment map (it does not depend on
        the head), so it gives exactly the results of a freshly built problem."""
        idx = [int(r) for r in rows]
        return RootProblem(
            self.network, self.layer, self.point, self.stop, self.head[idx], self.offset[idx],
            tuple(self.neurons[r] for r in idx), self.segment_stop, nonnegative=self.nonnegative, box=self.box,
            known_map=self.segment_map,
        )

    def relevance_np(self, a: np.ndarray) -> np.ndarray:
        """:meth:`relevance` for float64 NumPy points (n, d) -> (n, n_explained)."""
        out = a
        layers = self.network.layers[self.layer : self.stop]
        for layer, (w, b) in zip(layers, self.network.arrays[self.layer : self.stop], strict=True):
            out = out @ w.T + b
            if layer.is_relu:
                out = np.maximum(out, 0.0)
        return out @ self.head.numpy().T + self.offset.numpy()

    def pattern_key(self) -> str:
        """The segment's pattern as a string (a cache key for segment-only finders)."""
        return self.segment.pattern_string

    def in_segment(self, a: Tensor) -> Tensor:
        """Exact membership by activation pattern (batched), no tolerance."""
        pats = self.network.pattern(a.to(DTYPE), start=self.layer, stop=self.segment_stop)
        layers = self.network.layers[self.layer : self.segment_stop]
        ok = torch.ones(a.shape[:-1], dtype=torch.bool)
        it = iter(self.segment.pattern)
        for layer, p in zip(layers, pats, strict=True):
            if layer.is_relu:
                ok &= (p == next(it)).all(dim=-1)
        return ok


@dataclass(frozen=True, eq=False)
class Root:
    """The root found for one explained neuron, with its diagnostics.

    ``root`` is None when there is no root (``reason`` says why).
    ``relevance`` is R(ã) through the real network; ``relevance_affine`` is the
    value of a's affine map at ã (what a decomposition leaves unresolved);
    ``taylor_residual`` is |R(a) − R(ã) − ∇R·(a − ã)| with ∇R from a's segment.
    """

    neuron: int
    root: Tensor | None
    relevance: float
    relevance_affine: float
    in_segment: bool
    distance: float
    taylor_residual: float
    gradient: Tensor
    reason: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "neuron": self.neuron,
            "root": None if self.root is None else self.root.tolist(),
            "relevance": self.relevance,
            "in_segment": self.in_segment,
            "taylor_residual": self.taylor_residual,
            "distance": self.distance,
            "reason": self.reason,
        }


@dataclass(frozen=True, eq=False)
class RootResult:
    """What a finder returns: one :class:`Root` per explained neuron, the number
    of function evaluations, wall time, and what it looked at (for plots)."""

    finder: str
    params: dict[str, Any]
    roots: tuple[Root, ...]
    evaluations: int
    seconds: float
    samples: Tensor | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class Finder(Protocol):
    def __call__(
        self,
        problem: RootProblem,
        *,
        generator: torch.Generator | None = None,
        progress: Callable[[float], None] | None = None,
        **params: Any,
    ) -> RootResult: ...


FINDERS: Registry[Finder] = Registry("root finder")


def make_root(problem: RootProblem, index: int, root: Tensor | None, reason: str = "") -> Root:
    """Diagnostics for a candidate root of explained neuron ``index``."""
    return make_roots(problem, [(index, root, reason)])[0]


def make_roots(problem: RootProblem, items: Sequence[tuple[int, Tensor | None, str]]) -> tuple[Root, ...]:
    """:func:`make_root` for several ``(index, root or None, reason)`` at once:
    one pass of the network over all roots, in float64 NumPy. Per root: R(ã)
    through the real network, R on a's segment at ã (affine map), whether ã
    lies in the segment's closure, its distance to a, and the Taylor residual
    ``|R(a) − R(ã) − ∇R·(a − ã)|`` with ∇R from a's segment."""
    weight = problem.affine.weight
    rows_w = weight.unbind(0)  # one view per explained row, made at once
    roots: list[Root | None] = [None] * len(items)
    found = []
    for n, (index, root, reason) in enumerate(items):
        if root is None:
            roots[n] = Root(problem.neurons[index], None, math.nan, math.nan, False, math.nan, math.nan,
                            rows_w[index], reason or "no root")
        else:
            found.append((n, index, root if root.dtype == DTYPE else root.to(DTYPE), reason))
    if found:
        w_np, b_np = weight.numpy(), problem.affine.bias.numpy()
        a = problem.point.to(DTYPE).numpy()
        X = torch.stack([r for _, _, r, _ in found]).numpy()
        rows = np.array([index for _, index, _, _ in found])
        picks = np.arange(len(found))
        rel = problem.relevance_np(np.vstack([X, a[None, :]]))  # the roots and a in one pass
        r_true = rel[picks, rows]
        r_at_a = rel[-1, rows]
        grads = w_np[rows]
        r_aff = (grads * X).sum(axis=1) + b_np[rows]
        residual = np.abs(r_at_a - r_true - (grads * (a - X)).sum(axis=1))
        inside = problem.segment.closure_mask(X)
        dist = np.sqrt(((X - a) ** 2).sum(axis=1))
        numbers = zip(r_true.tolist(), r_aff.tolist(), inside.tolist(), dist.tolist(), residual.tolist(), strict=True)
        for (n, index, root, reason), (rt, ra, ins, di, re) in zip(found, numbers, strict=True):
            roots[n] = Root(problem.neurons[index], root, rt, ra, ins, di, re, rows_w[index], reason)
    return tuple(r for r in roots if r is not None)


def explain_output(
    network: Network,
    point: Sequence[float] | Tensor,
    layer: int = 0,
    output: int | None = None,
    *,
    box: tuple[Tensor, Tensor] | None = None,
) -> RootProblem:
    """Explain network output ``output`` (all outputs if None) from layer ``layer``'s input."""
    n_layers = len(network.layers)
    if not 0 <= layer < n_layers:
        raise LRPError(f"layer must be in 0..{n_layers - 1}, not {layer}")
    n_out = network.n_outputs
    outs = list(range(n_out)) if output is None else [output]
    for o in outs:
        if not 0 <= o < n_out:
            raise LRPError(f"output must be in 0..{n_out - 1}, not {o}")
    head = torch.from_numpy(np.eye(n_out)[outs])
    return RootProblem(
        network, layer, torch.as_tensor(point, dtype=DTYPE).detach().reshape(-1), n_layers,
        head, torch.from_numpy(np.zeros(len(outs))), tuple(outs), n_layers,
        nonnegative=layer > 0 and network.layers[layer - 1].is_relu, box=box,
    )


def explain_layer(
    network: Network,
    point: Sequence[float] | Tensor,
    layer: int,
    target_layer: int,
    *,
    box: tuple[Tensor, Tensor] | None = None,
) -> RootProblem:
    """Explain every neuron of layer ``target_layer`` (>= layer) from layer ``layer``'s input."""
    n_layers = len(network.layers)
    if not 0 <= layer <= target_layer < n_layers:
        raise LRPError(f"need 0 <= layer <= target layer < {n_layers}")
    n = network.layers[target_layer].n_out
    return RootProblem(
        network, layer, torch.as_tensor(point, dtype=DTYPE).detach().reshape(-1), target_layer + 1,
        torch.eye(n, dtype=DTYPE), torch.zeros(n, dtype=DTYPE), tuple(range(n)), target_layer + 1,
        nonnegative=layer > 0 and network.layers[layer - 1].is_relu, box=box,
    )
