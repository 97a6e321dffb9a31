"""The affine map of a sub-network on a point's linear segment: the one implementation.

A ReLU network is affine on the *segment* of a point a (the points sharing
a's activation pattern in layers ``start .. stop-1``). On it every layer's
pre-activation is an affine function of layer ``start``'s input,
``z_m = W'_m a' + b'_m``, built layer by layer:

    W'_start = W_start,            b'_start = b_start
    W'_m = W_m D_{m-1} W'_{m-1},   b'_m = W_m D_{m-1} b'_{m-1} + b_m

with ``D_m = diag(z_m(a) > 0)`` for a ReLU layer (``z = 0`` is inactive, as
``relu'(0) = 0`` in torch) and the identity for a linear one.

Everything that needs this map reads it from here: the root problems of
every finder (:class:`lrp_core.roots.RootProblem`: gradients, the segment's
inequalities), the decompositions (through their root problems), the linear
regions (:func:`layer_map` and :func:`masked`, the two steps of the
recursion, on each polygon, with the pattern read at its interior point), the guards (:func:`segment_map`'s output map)
and :meth:`Network.affine_map`.

Float64 NumPy: the networks here are small, and a NumPy call costs a
fraction of a torch call at that size. Points may be batched, ``(..., d)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import torch

from lrp_core.errors import LRPError
from lrp_core.network.model import AffineMap, Network

Tensor = torch.Tensor
DTYPE = torch.float64
#: an affine map ``(weight (..., out, d), bias (..., out))`` of layer ``start``'s input
Map = tuple[np.ndarray, np.ndarray]


def layer_map(w: np.ndarray, b: np.ndarray, below: Map | None, batch: tuple[int, ...] = ()) -> Map:
    """Layer m's pre-activation ``W_m h + b_m`` as an affine map of layer
    ``start``'s input, given ``h = below`` (the map after the previous
    layer's activation; None: h is that input itself, for ``batch`` points).
    Batched maps broadcast."""
    if below is None:
        # writable copies; + 0.0 turns -0.0 into 0.0 (as the product with the identity does)
        return np.broadcast_to(w, (*batch, *w.shape)) + 0.0, np.broadcast_to(b, (*batch, *b.shape)) + 0.0
    m, c = below
    return w @ m, c @ w.T + b


def evaluate(amap: Map, a: np.ndarray) -> np.ndarray:
    """``weight @ a + bias`` for one point (d,) or a batch (..., d) with a batched map."""
    wm, bm = amap
    return (wm @ a if a.ndim == 1 else (wm @ a[..., None])[..., 0]) + bm


def masked(pre: Map, active: np.ndarray) -> Map:
    """The map after a ReLU whose units ``active`` (bools, batched like the map) are on."""
    wm, bm = pre
    return wm * active[..., None], bm * active


@dataclass(frozen=True, eq=False)
class Segment:
    """The closure of a linear segment as ``G a <= g`` (one row per ReLU unit of
    layers ``start .. stop-1``), with the pattern that defines it."""

    start: int
    stop: int
    pattern: tuple[Tensor, ...]
    G: Tensor
    g: Tensor

    @property
    def pattern_string(self) -> str:
        if not self.pattern:
            return ""
        bits = np.concatenate([m.reshape(-1).numpy() for m in self.pattern]).astype(np.uint8)
        return (bits + ord("0")).tobytes().decode("ascii")

    @cached_property
    def row_scale(self) -> np.ndarray:
        """``max(‖G_c‖, 1)`` per constraint row (computed once; used by :meth:`closure_mask`)."""
        G = self.G.numpy()
        return np.maximum(np.sqrt((G * G).sum(axis=1)), 1.0)

    def closure_mask(self, X: np.ndarray, tol: float = 1e-9) -> np.ndarray:
        """Whether float64 points ``X`` (n, d) lie in the closure -> (n,) bools,
        up to ``tol`` scaled by each constraint row's norm and the point's size."""
        G, g = self.G.numpy(), self.g.numpy()
        if G.shape[0] == 0:
            return np.ones(X.shape[0], dtype=bool)
        scale = self.row_scale[None, :] * (1.0 + np.abs(X).max(axis=1, keepdims=True))
        return (g - X @ G.T >= -tol * scale).all(axis=1)

    def contains_closure(self, a: Tensor, tol: float = 1e-9) -> Tensor:
        """:meth:`closure_mask` for a tensor of points (batched)."""
        flat = a.detach().to(DTYPE).reshape(-1, a.shape[-1]).numpy()
        return torch.from_numpy(self.closure_mask(flat, tol)).reshape(a.shape[:-1])


@dataclass(frozen=True, eq=False)
class SegmentMap:
    """Layers ``start .. stop-1`` on the segment of ``point``: per layer m,
    ``pre[m - start]`` is its pre-activation as an affine map of layer
    ``start``'s input and ``active[m - start]`` the units with ``z > 0`` at the
    point (None for a linear layer). Batched like the point."""

    start: int
    stop: int
    point: np.ndarray
    pre: tuple[Map, ...]
    active: tuple[np.ndarray | None, ...]

    def post(self, m: int) -> Map:
        """Layer m's output (after its activation) as an affine map of layer ``start``'s input."""
        i = m - self.start
        if not 0 <= i < len(self.pre):
            raise LRPError(f"layer {m} is outside this map's layers {self.start}..{self.stop - 1}")
        act = self.active[i]
        return self.pre[i] if act is None else masked(self.pre[i], act)

    def output(self, stop: int | None = None) -> AffineMap:
        """The output of layer ``stop-1`` (default: the last) as an :class:`AffineMap` of torch tensors."""
        wm, bm = self.post((self.stop if stop is None else stop) - 1)
        return AffineMap(torch.from_numpy(wm), torch.from_numpy(bm))

    @cached_property
    def segment(self) -> Segment:
        """The closure of the point's segment as inequalities (one point, not a batch):
        ``−sign · z <= 0`` per ReLU unit, sign +1 active (z >= 0), −1 inactive (z <= 0)."""
        if self.point.ndim != 1:
            raise LRPError("the segment's inequalities are built for one point, not a batch")
        pattern, rows, rhs = [], [], []
        for (wm, bm), act in zip(self.pre, self.active, strict=True):
            if act is None:
                continue
            pattern.append(torch.from_numpy(act))
            sign = np.where(act, 1.0, -1.0)
            rows.append(-sign[:, None] * wm)
            rhs.append(sign * bm)
        d = self.point.shape[0]
        G = torch.from_numpy(np.concatenate(rows)) if rows else torch.zeros(0, d, dtype=DTYPE)
        g = torch.from_numpy(np.concatenate(rhs)) if rhs else torch.zeros(0, dtype=DTYPE)
        return Segment(self.start, self.stop, tuple(pattern), G, g)


def segment_map(network: Network, x: Tensor | Sequence[float] | np.ndarray, *, start: int = 0,
                stop: int | None = None) -> SegmentMap:
    """The affine maps of layers ``start .. stop-1`` on the segment of ``x``
    (the input of layer ``start``, shape (..., d)); see the module docstring."""
    n = len(network.layers)
    stop = n if stop is None else stop
    if not 0 <= start < stop <= n:
        raise LRPError(f"layer range {start}..{stop - 1} is outside 0..{n - 1}")
    a = x.detach().to(DTYPE).numpy() if isinstance(x, torch.Tensor) else np.asarray(x, dtype=np.float64)
    d = network.layers[start].n_in
    if a.shape[-1:] != (d,):
        raise LRPError(f"input has {a.shape[-1] if a.ndim else 1} values, layer {start} expects {d}")
    below: Map | None = None
    pre: list[Map] = []
    active: list[np.ndarray | None] = []
    for layer, (w, b) in zip(network.layers[start:stop], network.arrays[start:stop], strict=True):
        here = layer_map(w, b, below, a.shape[:-1])
        if layer.is_relu:
            on = evaluate(here, a) > 0
            below = masked(here, on)
        else:
            on, below = None, here
        pre.append(here)
        active.append(on)
    return SegmentMap(start, stop, a, tuple(pre), tuple(active))
