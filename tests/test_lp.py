"""lrp_core.roots.lp.solve_lp: the plain LP's answer, scale invariance at 1e±30,
infeasible/unbounded statuses and the tolerance retry."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import linprog

from lrp_core.roots import lp


def random_lp(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    n, m = 6, 12
    A = rng.normal(size=(m, n)) * (rng.random(size=(m, n)) < 0.7)
    x0 = rng.normal(size=n)
    b = A @ x0 + rng.uniform(0.1, 1.0, size=m)
    return rng.normal(size=n), A, b, x0 - 3.0, x0 + 3.0


@pytest.mark.parametrize("seed", range(6))
def test_solve_lp_is_the_plain_lp(seed: int) -> None:
    c, A, b, lo, hi = random_lp(seed)
    ours = lp.solve_lp(c, A, b, lo, hi)
    ref = linprog(c, A_ub=A, b_ub=b, bounds=np.column_stack([lo, hi]), method="highs")
    assert ours.status == ref.status == 0
    assert ours.fun == pytest.approx(ref.fun, rel=1e-9, abs=1e-9)
    np.testing.assert_allclose(ours.x, ref.x, rtol=1e-7, atol=1e-7)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("s", [1e30, 1e-30])
def test_solve_lp_is_scale_invariant(seed: int, s: float) -> None:
    """Rows × 1e±30 and variables × 1e±30 (rows of 1e60 or 1e-60 entries): the
    same optimum, scaled; the plain LP fails or is wrong here."""
    c, A, b, lo, hi = random_lp(seed)
    ref = lp.solve_lp(c, A, b, lo, hi)
    rng = np.random.default_rng(seed)
    rows = s ** rng.integers(0, 2, size=A.shape[0])
    # x' = s x: A' = rows · A / s, b' = rows · b, bounds × s
    ours = lp.solve_lp(c / s, rows[:, None] * A / s, rows * b, lo * s, hi * s)
    assert ours.status == 0 and ref.x is not None and ours.x is not None
    np.testing.assert_allclose(ours.x / s, ref.x, rtol=1e-7, atol=1e-7)


def test_solve_lp_statuses() -> None:
    A = np.array([[1.0, 1.0]])
    infeasible = lp.solve_lp(np.ones(2), A, np.array([-1.0]), np.zeros(2), np.full(2, np.inf))
    unbounded = lp.solve_lp(np.array([-1.0, 0.0]), A, np.array([np.inf]), np.zeros(2), np.full(2, np.inf))
    assert infeasible.status == 2 and infeasible.x is None
    assert unbounded.status == 3 and unbounded.x is None


def test_solve_lp_retries_with_tight_tolerances(monkeypatch: pytest.MonkeyPatch) -> None:
    """An answer 1e-6 outside its bounds is not accepted: the LP is solved
    again by linprog with tolerances 1e-10."""
    c, A, b, lo, hi = random_lp(3)
    real_milp = lp.milp

    def off(*args: object, **kwargs: object) -> object:
        res = real_milp(*args, **kwargs)
        res.x = res.x + 1e-6 * (1.0 + np.abs(res.x))
        return res

    calls: list[object] = []
    real_linprog = lp.linprog

    def spy(*args: object, **kwargs: object) -> object:
        calls.append(kwargs.get("options"))
        return real_linprog(*args, **kwargs)

    monkeypatch.setattr(lp, "milp", off)
    monkeypatch.setattr(lp, "linprog", spy)
    res = lp.solve_lp(c, A, b, lo, hi)
    assert calls == [lp.TIGHT]
    assert res.x is not None and lp.satisfies(A, b, lo, hi, res.x, rtol=1e-9)


def test_satisfies_is_relative() -> None:
    A, b = np.array([[1.0]]), np.array([1.0])
    assert lp.satisfies(A, b, -np.ones(1), np.ones(1), np.array([1.0]))
    assert not lp.satisfies(A, b, -np.ones(1), np.full(1, 2.0), np.array([1.0 + 1e-9]))
    assert not lp.satisfies(A, np.array([5.0]), -np.ones(1), np.ones(1), np.array([1.0 + 1e-9]))
