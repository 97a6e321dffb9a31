"""Reference implementations that only check the library's finders.

``exact_per_neuron``: the ``exact`` finder's answer computed the slow, plain
way — one neuron at a time, straight from the definition (Sixt & Landgraf
2022, Sec. 3): first ``min R s.t. x ∈ C, R >= 0`` (if C holds a point with
R >= 0 its least R is 0 exactly when C holds a root); if that is infeasible,
R < 0 on all of C and ``max R`` is the point closest to a root. Then the
tie-break LP picks the point of least ``Σ|x_i − c_i|`` on that face (c = 0
for ``l1``, a for ``nearest``; ``none`` keeps the first vertex). Every LP goes
through :func:`lrp_core.roots.lp.solve_lp` (scaling included) with the
L1 norm written with extra variables ``s >= |x − c|``.
"""

from __future__ import annotations

import numpy as np
import torch

from lrp_core.roots import RootProblem, RootResult, make_root
from lrp_core.roots.exact import EMPTY_REASON, ZERO_REASON, ZERO_TOL
from lrp_core.roots.lp import solve_lp


def _tie_break(G: np.ndarray, g: np.ndarray, w: np.ndarray, lo_r: float, hi_r: float, lo: np.ndarray,
               hi: np.ndarray, centre: np.ndarray) -> np.ndarray | None:
    d = w.shape[0]
    eye, zero = np.eye(d), np.zeros((1, d))
    A = np.vstack([np.hstack([G, np.zeros((G.shape[0], d))]), np.hstack([w[None, :], zero]),
                   np.hstack([-w[None, :], zero]), np.hstack([eye, -eye]), np.hstack([-eye, -eye])])
    b = np.concatenate([g, [hi_r, -lo_r], centre, -centre])
    res = solve_lp(np.r_[np.zeros(d), np.ones(d)], A, b, np.r_[lo, np.zeros(d)], np.r_[hi, np.full(d, np.inf)])
    return None if res.x is None else res.x[:d]


def _one(problem: RootProblem, G: np.ndarray, g: np.ndarray, w: np.ndarray, bj: float, lo: np.ndarray,
         hi: np.ndarray, centre: np.ndarray, tie_break: str) -> tuple[np.ndarray | None, str]:
    if not w.any():
        if bj != 0.0:
            return None, f"R is constant ({bj:.6g}) on this segment: no root"
        pick = _tie_break(G, g, w, 0.0, 0.0, lo, hi, centre) if tie_break != "none" else None
        return (problem.point.numpy() if pick is None else pick), ZERO_REASON
    res = solve_lp(w, np.vstack([G, -w[None, :]]), np.r_[g, bj], lo, hi)  # min R s.t. R >= 0
    if res.status == 2:  # R < 0 on all of C: the largest R
        res = solve_lp(-w, np.vstack([G, w[None, :]]), np.r_[g, -bj], lo, hi)
        if res.x is None:
            return None, EMPTY_REASON
        lo_r = hi_r = float(w @ res.x)
        reason = (f"R < 0 on the whole segment; no root there: returning the point with the largest "
                  f"R = {lo_r + bj:.6g}")
    elif res.x is None:
        return None, f"the linear program failed: {res.message}"
    else:
        lo_r, hi_r = -bj, float(w @ res.x)
        r_min = hi_r + bj
        scale = float(np.abs(w).sum() * (1.0 + np.abs(res.x).max())) + abs(bj)
        reason = "" if r_min <= ZERO_TOL * scale else (
            f"no point with R = 0 in the segment's closure; returning the minimiser, R = {r_min:.6g}")
    x = res.x
    if tie_break != "none":
        better = _tie_break(G, g, w, lo_r, hi_r, lo, hi, centre)
        x = x if better is None else better
    return x, reason


def exact_per_neuron(problem: RootProblem, *, tie_break: str = "l1") -> RootResult:
    """The ``exact`` finder's roots, one neuron and two or three LPs at a time."""
    d = problem.dim
    lo = np.zeros(d) if problem.nonnegative else np.full(d, -np.inf)
    hi = np.full(d, np.inf)
    if problem.box is not None:
        lo, hi = np.maximum(lo, problem.box[0].numpy()), problem.box[1].numpy().copy()
    centre = problem.point.numpy() if tie_break == "nearest" else np.zeros(d)
    G, g = problem.segment.G.numpy(), problem.segment.g.numpy()
    W, beta = problem.affine.weight.numpy(), problem.affine.bias.numpy()
    roots = []
    for j in range(W.shape[0]):
        x, reason = _one(problem, G, g, W[j], float(beta[j]), lo, hi, centre, tie_break)
        root = None if x is None else torch.from_numpy(np.asarray(x, dtype=np.float64) + 0.0)
        roots.append(make_root(problem, j, root, reason))
    return RootResult("exact", {"tie_break": tie_break}, tuple(roots), 0, 0.0)
