"""Train-free LRP rules in one vectorised pass over a batch.

This computes exactly what :func:`lrp_core.decompose.decompose` computes in
``mode="train-free"`` with the closed-form ``rule`` finder (see that module
and :mod:`lrp_core.roots.rules`), for a batch of N inputs at once and without
the per-root diagnostics (closure membership, distance, R(ã) through the
network) that the decomposition records.

At layer k (input ``a``, pre-activation ``z = W a + b``, output ``h = act(z)``)
the upper relevance ``R_j`` is held fixed as ``c_j h_j`` with
``c_j = R_j / h_j`` (0 where ``h_j = 0``). Neuron j's relevance function on
layer k's segment has gradient ``w = c_j W_j`` and value ``r_j = c_j z_j``
at a; a directional rule puts the root at ``ã = a − t v`` with
``t = r_j / (w·v)``, and the relevance passed to input i is
``w_i (a_i − ã_i) = w_i t v_i``. For the rules whose direction is
``v_i = a_i · m(w_i)`` this is ``(r_j / D_j) · a_i M_ji`` with the modified
weights ``M = W ⊙ m`` and ``D_j = Σ_i M_ji a_i``:

- ``z+``: ``M = W ⊙ 1[c_j W > 0]`` — with ``R ≥ 0`` this is LRP-z+ on the
  weights, i.e. LRP-α1β0 with the biases left out of the denominator
  (Montavon et al. 2017; Bach et al. 2015);
- ``γ``: ``M = W + γ W ⊙ 1[c_j W > 0]`` (LRP-γ, Montavon et al. 2019);
- ``x``: ``M = W`` (LRP-0 without the bias term);
- ``w²``: ``v = w``, passing ``R_j W_ji² / Σ_i W_ji²``;
- ``0``: ``ã = 0`` where the neuron has no bias on its segment (then
  ``w ⊙ a`` is passed down), else nothing.

What is not passed down is *unresolved*: ``r_j`` of a neuron whose rule gives
no root (``w·v = 0`` relative to ``Σ|w_i v_i|`` below 1e-12, a non-finite
step, a bias for the ``0`` rule), the value at the root (0 up to rounding),
and the relevance of a unit that is off (``h_j = 0``). So, row by row,
``Σ_i R_i + unresolved = f(x)_target`` to rounding.

Limits: the rules above (``zB`` needs a box and ``pinv`` couples the neurons of
a layer: use :func:`lrp_core.decompose.decompose` for those); inputs are
float64 of shape (N, n_inputs).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import torch

from lrp_core.errors import LRPError
from lrp_core.network import Network

Tensor = torch.Tensor
DTYPE = torch.float64
#: the rules this module computes (registered names)
TRAIN_FREE_RULES = ("z+", "w²", "γ", "x", "0")
#: as in lrp_core.roots.rules: ``w·v`` counts as zero below this fraction of ``Σ|w_i v_i|``
DEGENERATE_RTOL = 1e-12
#: arrays up to this size select with np.where (see ``_keep``)
SMALL = 256


@dataclass(frozen=True, eq=False)
class TrainFree:
    """A batch's train-free relevance: ``relevance`` (N, n_inputs), ``unresolved``
    (N,) and the explained output ``output`` (N,) = f(x)_target."""

    rule: str
    target: int
    relevance: Tensor
    unresolved: Tensor
    output: Tensor

    @property
    def completeness_error(self) -> Tensor:
        """``Σ_i R_i + unresolved − f(x)_target`` per row (0 up to rounding)."""
        return self.relevance.sum(dim=1) + self.unresolved - self.output


def _modified(weight: np.ndarray, rule: str, gamma: float) -> tuple[np.ndarray, np.ndarray]:
    """``(M⁺, M⁻)``: the modified weights for neurons with ``c > 0`` and ``c < 0``."""
    if rule == "x":
        return weight, weight
    pos, neg = np.maximum(weight, 0.0), np.minimum(weight, 0.0)
    if rule == "z+":
        return pos, neg
    return weight + gamma * pos, weight + gamma * neg  # γ


def _keep(x: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """``np.where(mask, x, 0.0)``. On a batch, as the product ``x * mask``:
    np.where branches per element and mispredicts on a batch's irregular masks
    (about 5× slower at 10⁴ elements, measured); where a non-finite ``x`` makes
    ``x * 0`` NaN, np.where runs after all. Small arrays (one input) take
    np.where directly: one NumPy call instead of three."""
    if x.size <= SMALL:
        return np.where(mask, x, 0.0)
    out = x * mask
    return out if np.isfinite(out).all() else np.where(mask, x, 0.0)


def _row_sums(x: np.ndarray) -> np.ndarray:
    """``x.sum(axis=1)`` as a matrix-vector product (NumPy's row reduction of a
    (1000, 10) array takes 10× longer, measured)."""
    return x @ np.ones(x.shape[1])


def _row_max(x: np.ndarray) -> np.ndarray:
    """``x.max(axis=1, keepdims=True)``; on a batch folded over the columns
    (NumPy's row reduction of a (1000, 10) array takes 4× longer, measured)."""
    if x.size <= SMALL:
        return x.max(axis=1, keepdims=True)
    return functools.reduce(np.maximum, x.T)[:, None]


def _directional(a: np.ndarray, c: np.ndarray, r: np.ndarray, weight: np.ndarray, rule: str, gamma: float
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Relevance passed down (N, d) and the unresolved part (N, n) of the explained neurons.

    Neurons with ``c > 0`` use ``M⁺``, those with ``c < 0`` use ``M⁻``; when no
    neuron has ``c < 0`` (z+ below a positive output) the ``M⁻`` terms are skipped."""
    m_pos, m_neg = _modified(weight, rule, gamma)
    pos, neg = c > 0, c < 0
    both = bool(neg.any())
    abs_a = np.abs(a)
    d = _keep(a @ m_pos.T, pos) + (_keep(a @ m_neg.T, neg) if both else 0.0)
    size = _keep(abs_a @ np.abs(m_pos).T, pos) + (_keep(abs_a @ np.abs(m_neg).T, neg) if both else 0.0)
    wv, size = c * d, np.abs(c) * size
    t = r / (wv + (wv == 0))  # w·v, or 1 where it is 0
    # a root: w·v not degenerate (so not 0) and a finite distance |t|·|v| (|v_i| ≤ (1 + γ)·max|a|)
    reach = (1.0 + gamma if rule == "γ" else 1.0) * _row_max(abs_a)
    found = (np.abs(wv) > DEGENERATE_RTOL * size) & np.isfinite(t * reach)
    q = _keep(t * c, found)
    passed = _keep(q, pos) @ m_pos + (_keep(q, neg) @ m_neg if both else 0.0)
    return a * passed, r - _keep(t * wv, found)


def _w2(a: np.ndarray, c: np.ndarray, r: np.ndarray, weight: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    w2 = weight * weight
    wv = c * c * w2.sum(axis=1)
    t = r / np.where(wv == 0, 1.0, wv)
    found = (wv != 0) & np.isfinite(np.abs(t * c) * np.abs(weight).max(axis=1))
    return np.where(found, t * c * c, 0.0) @ w2, np.where(found, r - t * wv, r)


def _zero(a: np.ndarray, c: np.ndarray, r: np.ndarray, weight: np.ndarray, bias: np.ndarray
          ) -> tuple[np.ndarray, np.ndarray]:
    beta = r - c * (a @ weight.T)
    scale = np.abs(r) + np.abs(c) * (np.abs(a) @ np.abs(weight).T) + 1.0
    found = (c != 0) & (weight != 0).any(axis=1) & (np.abs(beta) <= 1e-12 * scale)
    return a * (np.where(found, c, 0.0) @ weight), np.where(found, c * bias, r)


@dataclass(frozen=True)
class _Step:
    """Layer k's forward values at the batch and what its rule needs."""

    a: np.ndarray  # input (N, d)
    z: np.ndarray  # pre-activation (N, n)
    out: np.ndarray  # output (N, n)
    weight: np.ndarray
    bias: np.ndarray


def _layer(step: _Step, upper: np.ndarray, rule: str, gamma: float) -> tuple[np.ndarray, np.ndarray]:
    """One layer down: relevance on the layer's input (N, d) and what stays behind (N,):
    the unresolved part of each explained neuron, and all of a unit's R where ``c = 0``
    (the unit is off)."""
    live = step.out != 0
    c = _keep(upper / (step.out + ~live), live)  # R / h, 0 where the unit is off
    r = c * step.z
    if rule == "w²":
        passed, unres = _w2(step.a, c, r, step.weight)
    elif rule == "0":
        passed, unres = _zero(step.a, c, r, step.weight, step.bias)
    else:
        passed, unres = _directional(step.a, c, r, step.weight, rule, gamma)
    explained = c != 0
    return passed, _row_sums(_keep(unres, explained) + _keep(upper, ~explained))


def _forward(arrays: tuple[tuple[np.ndarray, np.ndarray], ...], relu: list[bool], x: np.ndarray) -> list[_Step]:
    steps = []
    a = x
    for (w, b), is_relu in zip(arrays, relu, strict=True):
        z = a @ w.T + b
        out = np.maximum(z, 0.0) if is_relu else z
        steps.append(_Step(a, z, out, w, b))
        a = out
    return steps


def _check(network: Network, x: Tensor, target: int, rule: str, gamma: float) -> None:
    if rule not in TRAIN_FREE_RULES:
        raise LRPError(f"train-free rule must be one of: {', '.join(TRAIN_FREE_RULES)} (not {rule!r}); "
                       "zB and pinv run through lrp_core.decompose")
    if not (isinstance(gamma, (int, float)) and not isinstance(gamma, bool) and 0 <= gamma < float("inf")):
        raise LRPError(f"gamma must be a finite number >= 0, not {gamma!r}")
    if not isinstance(x, Tensor) or x.dtype != DTYPE or x.ndim != 2 or x.shape[1] != network.n_inputs:
        raise LRPError(f"x must be a float64 tensor of shape (N, {network.n_inputs})")
    if isinstance(target, bool) or not isinstance(target, int) or not 0 <= target < network.n_outputs:
        raise LRPError(f"target must be in 0..{network.n_outputs - 1}, not {target!r}")


def train_free(network: Network, x: Tensor, target: int = 0, *, rule: str = "z+",
               gamma: float = 0.25) -> TrainFree:
    """Train-free relevance of output ``target`` for every row of ``x`` (N, n_inputs).

    ``rule`` is one of :data:`TRAIN_FREE_RULES` (registered names; see the
    module docstring for each formula); ``gamma`` is γ of the γ rule. The
    arithmetic runs on float64 NumPy arrays (``network.arrays``; one call
    per step for the whole batch: at these widths a NumPy call costs a
    fraction of a torch call). Nothing else is computed: no root
    diagnostics, no per-neuron tables."""
    _check(network, x, target, rule, gamma)
    steps = _forward(network.arrays, [layer.is_relu for layer in network.layers], x.detach().numpy())
    output = steps[-1].out[:, target].copy()
    upper = np.zeros_like(steps[-1].out)
    upper[:, target] = output
    unresolved = np.zeros(x.shape[0])
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        for step in reversed(steps):
            upper, lost = _layer(step, upper, rule, float(gamma))
            unresolved += lost
    return TrainFree(rule, target, torch.from_numpy(upper), torch.from_numpy(unresolved), torch.from_numpy(output))
