"""The one linear-program entry point of the root finders: :func:`solve_lp`.

``min c·x  s.t.  A x <= b,  lo <= x <= hi`` (±inf = no bound), solved by HiGHS
through scipy's public API (``scipy.optimize.milp``; the retry with tighter
tolerances through ``scipy.optimize.linprog``, which takes them).

Two things make the answer trustworthy on any network the app accepts:

- **Scale invariance.** HiGHS's tolerances are absolute (feasibility 1e-7),
  it refuses matrix entries above 1e15 and it treats bounds and right-hand
  sides beyond 1e20 as infinite, so a network with weights 1e10 (relevance
  rows of order 1e20) or 1e-10 would fail or be solved loosely. The solver
  gets the copy ``A' = R A C``, ``b' = R b / σ``, ``x = σ C y``, bounds
  ``/ (σ C)``, objective ``c C / ‖c C‖_∞``, where R and C scale the rows, then
  the columns, then the rows again to largest entry ~1, and σ brings the
  right-hand sides and finite bounds to ~1 when they leave [2^-16, 2^16].
  Every factor is a power of two, so the copy holds the same LP exactly (no
  rounding) and its optimum maps back to the same point.
- **Tolerance retry.** HiGHS's default tolerances give a vertex exact to
  rounding in practice; if the answer violates a constraint by more than
  1e-12 relative, the LP is solved again with tolerances 1e-10.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

#: uniform variable scaling when the right-hand sides and bounds leave [2^-16, 2^16]
RHS_RANGE = 2.0**16
#: tolerances of the retry (HiGHS's defaults are 1e-7)
TIGHT = {"primal_feasibility_tolerance": 1e-10, "dual_feasibility_tolerance": 1e-10}


@dataclass(frozen=True)
class LPResult:
    """``status`` as scipy's: 0 optimal, 2 infeasible, 3 unbounded, other =
    failed; ``x`` and ``fun`` (in the original variables) only when optimal."""

    status: int
    x: np.ndarray | None
    fun: float | None
    message: str


def pow2(v: np.ndarray) -> np.ndarray:
    """The power of two nearest to each ``v > 0`` (1 where v is 0 or not finite)."""
    ok = np.isfinite(v) & (v > 0)
    return np.where(ok, np.exp2(np.round(np.log2(np.where(ok, v, 1.0)))), 1.0)


def _abs_max(A: Any, axis: int) -> np.ndarray:
    if sparse.issparse(A):
        if A.nnz == 0:
            return np.zeros(A.shape[1 - axis])
        return np.asarray(abs(A).max(axis=axis).toarray()).ravel()
    return np.abs(A).max(axis=axis, initial=0.0)


def equilibrate(A: Any) -> tuple[Any, np.ndarray, np.ndarray]:
    """Max-norm equilibration in powers of two: rows, columns, rows again
    (rows first, so that a row of identity entries next to a 1e20 relevance
    row is left alone). Returns ``(R A C, row, col)`` with ``R = diag(1/row)``,
    ``C = diag(1/col)``; a sparse A stays sparse (CSR), a dense one dense."""
    sp = sparse.issparse(A)
    A1 = sparse.csr_array(A, dtype=np.float64) if sp else np.asarray(A, dtype=np.float64)
    row, col = np.ones(A1.shape[0]), np.ones(A1.shape[1])
    for axis in (1, 0, 1):
        f = pow2(_abs_max(A1, axis))
        if axis == 1:
            row *= f
            A1 = sparse.csr_array(sparse.diags_array(1.0 / f) @ A1) if sp else A1 / f[:, None]
        else:
            col *= f
            A1 = sparse.csr_array(A1 @ sparse.diags_array(1.0 / f)) if sp else A1 / f
    return A1, row, col


def _sigma(b1: np.ndarray, lo1: np.ndarray, hi1: np.ndarray) -> float:
    mags = np.concatenate([np.abs(b1), np.abs(lo1[np.isfinite(lo1)]), np.abs(hi1[np.isfinite(hi1)])])
    m = float(mags.max()) if mags.size else 0.0
    return float(pow2(np.array([m]))[0]) if m > RHS_RANGE or 0.0 < m < 1.0 / RHS_RANGE else 1.0


def satisfies(A: Any, b: np.ndarray, lo: np.ndarray, hi: np.ndarray, x: np.ndarray, rtol: float = 1e-12) -> bool:
    """Whether ``x`` meets ``A x <= b`` and its bounds to ``rtol`` relative."""
    ax, abs_ax = A @ x, abs(A) @ np.abs(x)
    tol = rtol * (1.0 + np.abs(x))
    return bool((ax - b <= rtol * (abs_ax + np.abs(b) + 1.0)).all()
                and (x >= lo - tol).all() and (x <= hi + tol).all())


def solve_lp(c: np.ndarray, A: Any, b: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> LPResult:
    """``min c·x  s.t.  A x <= b,  lo <= x <= hi`` (dense or sparse A) on the
    scale-invariant copy described in the module docstring, with the
    tolerance retry."""
    A1, row, col = equilibrate(A)
    b1, lo1, hi1 = b / row, lo * col, hi * col
    sigma = _sigma(b1, lo1, hi1)
    b1, lo1, hi1 = b1 / sigma, lo1 / sigma, hi1 / sigma
    c1 = c / col
    c1 = c1 / float(pow2(np.array([float(np.abs(c1).max()) if c1.size else 0.0]))[0])
    res = milp(c1, constraints=LinearConstraint(A1, -np.inf, b1), bounds=Bounds(lo1, hi1),
               options={"presolve": False})
    if res.status == 0:
        x = res.x / col * sigma
        if satisfies(A, b, lo, hi, x):
            return LPResult(0, x, float(c @ x), str(res.message))
    elif res.status in (2, 3):
        return LPResult(int(res.status), None, None, str(res.message))
    res = linprog(c1, A_ub=A1, b_ub=b1, bounds=np.column_stack([lo1, hi1]), method="highs", options=TIGHT)
    if res.status != 0:
        return LPResult(int(res.status), None, None, str(res.message))
    x = res.x / col * sigma
    return LPResult(0, x, float(c @ x), str(res.message))
