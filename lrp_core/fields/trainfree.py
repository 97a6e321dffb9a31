"""Train-free DTD with a closed-form rule at many points in one pass.

The same formulas as :func:`lrp_core.decompose.decompose` in ``mode="train-free"``
with the ``rule`` finder (see that module's docstring and
:mod:`lrp_core.roots.rules`), vectorised over points: at layer k the upper
relevance is held fixed, ``R_{k,j}(h_{k+1}) = c'_j h_{k+1,j}`` with
``c'_j = R_{k,j} / h_{k+1,j}`` (0 where the unit is off; its relevance then stays
unresolved), so on layer k's segment ``g_j(h) = w_j·h + β_j`` with
``w_j = c'_j W_j`` and ``β_j = c'_j b_j`` (active units). The rule's direction
v gives the root ``ã_j = h − t_j v_j``, ``t_j = g_j(h) / (w_j·v_j)``, and

    R_{k,i} = Σ_j w_{j,i} (h_i − ã_{j,i}) = Σ_j g_j(h) · w_{j,i} v_{j,i} / (w_j·v_j).

With z+ this is LRP-z+ = LRP α1β0 (Montavon et al. 2017). A neuron whose line
is parallel to its hinge (``w·v = 0`` up to 1e-12 relative, as
:data:`lrp_core.roots.rules.DEGENERATE_RTOL`) passes nothing down: its
relevance stays unresolved, as in ``decompose``. Tests check this pass
against ``decompose`` point by point to 1e-9; it exists because one
``decompose`` call per grid point is ~10⁴ times slower.
"""

from __future__ import annotations

import numpy as np

from lrp_core.errors import LRPError
from lrp_core.fields.batch import forward
from lrp_core.network import Network
from lrp_core.roots import resolve_rule
from lrp_core.roots.rules import DEGENERATE_RTOL

BATCH_RULES = ("z+", "w²", "γ")


def _direction(rule: str, h: np.ndarray, w: np.ndarray, gamma: float) -> np.ndarray:
    """v (N, m, d) for every point and upper neuron (see :mod:`lrp_core.roots.rules`)."""
    if rule == "w²":
        return w
    pos = (w > 0).astype(np.float64)
    if rule == "z+":
        return h[:, None, :] * pos
    return h[:, None, :] * (1.0 + gamma * pos)


def trainfree_relevance(network: Network, points: np.ndarray, output: int, rule: str = "z+",
                        gamma: float = 0.25) -> np.ndarray:
    """The input relevance (N, n_inputs) of train-free DTD with ``rule`` at every point."""
    name = resolve_rule(rule)
    if name not in BATCH_RULES:
        raise LRPError(f"the batched train-free pass has the rules {', '.join(BATCH_RULES)}, not {rule!r}")
    if not (np.isfinite(gamma) and gamma >= 0):
        raise LRPError(f"gamma must be a finite number >= 0, not {gamma!r}")
    trace = forward(network, points)
    up = np.zeros_like(trace.output)
    up[:, output] = trace.output[:, output]
    for k in range(len(network.layers) - 1, -1, -1):
        up = _layer(network, k, trace.inputs[k], trace.post[k], trace.active[k], up, name, gamma)
    return up


def _layer(network: Network, k: int, h: np.ndarray, out: np.ndarray, active: np.ndarray, up: np.ndarray,
           rule: str, gamma: float) -> np.ndarray:
    """One layer's redistribution for every point: the relevance on layer k's input."""
    w_k, b_k = network.arrays[k]
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        head = np.where(out != 0, up / np.where(out != 0, out, 1.0), 0.0)  # c'_j
        w = head[:, :, None] * (w_k[None, :, :] * active[:, :, None])  # (N, m, d)
        beta = head * (b_k[None, :] * active)
        r = np.einsum("nmd,nd->nm", w, h) + beta  # g_j(h)
        v = _direction(rule, h, w, gamma)
        wv = (w * v).sum(axis=2)
        size = np.abs(w * v).sum(axis=2)
        ok = (head != 0) & (w != 0).any(axis=2) & (np.abs(wv) > DEGENERATE_RTOL * size) & (wv != 0)
        t = np.where(ok, r / np.where(ok, wv, 1.0), 0.0)
        root = h[:, None, :] - t[:, :, None] * v
        ok &= np.isfinite(root).all(axis=2)
        passed = np.where(ok[:, :, None], w * (h[:, None, :] - root), 0.0)
    return passed.sum(axis=1)
