"""The four root finders: ``rule``, ``exact``, ``mcmc`` and ``interpolation``.

Each finder solves a :class:`~lrp_core.roots.base.RootProblem`: for every
explained neuron j it looks for a root ã with ``R_j(ã) = 0`` in the closure of
the linear segment that contains the point a, so that the first-order Taylor
expansion ``R_j(a) = R_j(ã) + ∇R_j·(a − ã)`` is exact (Sixt & Landgraf 2022,
"A Rigorous Study of the Deep Taylor Decomposition", Sec. 3). Inside the
segment R is affine, ``R(a') = W a' + β`` (``problem.affine``), which every
finder uses instead of autograd.

Signature (a contract): ``finder(problem, *, generator=None, progress=None,
workspace=None, **params) -> RootResult`` (the workspace only lends reusable
solver instances: see :class:`~lrp_core.roots.base.Workspace`).
``evaluations`` counts points at which R or the activation pattern was
evaluated (for ``exact``: linear programs solved).

Registry extras (``FINDERS.get(name).extra``): ``segment_only`` — with its
default parameters the root depends only on a's segment (its activation
pattern), never on where a lies inside it, so roots may be cached by pattern;
``stochastic`` — it draws random numbers from ``generator``; ``params`` — the
default parameters (for forms and the CLI).

Caps: every parameter has a range, and the total work of one ``mcmc`` or
``interpolation`` call is capped (``MAX_MCMC_WORK``, ``MAX_MCMC_TOTAL_STEPS``,
``MAX_MCMC_FLOPS``, ``MAX_INTERPOLATION_WORK``; each kept a call under ~20 s
when measured); a call over a cap raises :class:`LRPError` naming the limit
before any work. ``exact`` solves scale-invariant copies of its LPs (see
:func:`_scaled_linprog`), so weights of 1e10 or 1e-10 find the same roots.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, NamedTuple

import numpy as np
import torch
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, linprog, milp, nnls

try:  # the HiGHS binding that ships inside scipy (what scipy's milp and linprog call): see highs_lp
    from scipy.optimize._highspy import _core as _HIGHS_CORE
except ImportError:  # pragma: no cover - another scipy layout: highs_lp falls back to scipy's milp
    _HIGHS_CORE = None

from lrp_core.errors import LRPError
from lrp_core.roots.base import (
    DTYPE,
    FINDERS,
    Root,
    RootProblem,
    RootResult,
    Workspace,
    make_root,
    make_roots,
)
from lrp_core.roots.rules import SIXT, apply_rule, box_bounds, resolve_rule

Tensor = torch.Tensor
Progress = Callable[[float], None] | None

#: caps that keep one call bounded in time and memory
MAX_CHAINS = 2_000
MAX_STEPS = 200_000
MAX_WARMUP = 1_000_000
MAX_STORED = 20_000_000  # stored sample coordinates (n_steps × n_chains × d)
MAX_DIRECTIONS = 100_000
# Caps on the total work of one call (measured here, 2 shared cores: each keeps a call under ~20 s).
#: mcmc: n_chains × (n_steps + n_warmup) × explained neurons (~120 ns each on dtd-mlp); the study's
#: heaviest setting, 50 chains × (2,000 + 20,000) steps, explains 10 neurons for 1.1e7
MAX_MCMC_WORK = 150_000_000
#: mcmc: n_steps + n_warmup (each step costs ~35 µs of fixed overhead whatever the chains)
MAX_MCMC_TOTAL_STEPS = 300_000
#: mcmc: n_chains × (n_steps + n_warmup) × inputs × (segment constraints + explained neurons), the
#: multiply-adds of the chains' steps (~2 ns each)
MAX_MCMC_FLOPS = 8_000_000_000
#: interpolation: n_directions × (1 + max_doublings + n_bisect) × segment constraints (~20 ns each);
#: the defaults with the largest n_directions on dtd-mlp (40 constraints) need 4e8
MAX_INTERPOLATION_WORK = 500_000_000

RULE_DEFAULTS: Mapping[str, Any] = MappingProxyType({"rule": "z+", "gamma": 0.25, "low": None, "high": None})
EXACT_DEFAULTS: Mapping[str, Any] = MappingProxyType({"tie_break": "l1"})
MCMC_DEFAULTS: Mapping[str, Any] = MappingProxyType({
    "n_chains": 10,
    "n_steps": 1_000,
    "n_warmup": 100,
    "init_scale": 1e-6,
    "temperature": 0.1,
    "target_accept": 0.5,
    "nonnegative": None,
})
INTERPOLATION_DEFAULTS: Mapping[str, Any] = MappingProxyType({
    "n_directions": 50,
    "init_scale": 1.0,
    "n_bisect": 60,
    "max_doublings": 40,
    "nonnegative": None,
})
TIE_BREAKS = ("l1", "nearest", "none")


# --- helpers -------------------------------------------------------------------


def _unknown(finder: str, unknown: dict[str, Any], defaults: Mapping[str, Any]) -> None:
    if unknown:
        names = ", ".join(sorted(unknown))
        raise LRPError(f"unknown parameter(s) {names} for finder {finder!r}; valid: {', '.join(defaults)}")


def _int_param(name: str, value: Any, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not lo <= int(value) <= hi:
        raise LRPError(f"{name} must be a whole number from {lo:,} to {hi:,}, not {value!r}")
    return int(value)


def _float_param(name: str, value: Any, lo: float, hi: float = math.inf, *, open_low: bool = False) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise LRPError(f"{name} must be a number, not {value!r}") from None
    bad = v != v or v > hi or (v <= lo if open_low else v < lo)
    if bad:
        bound = f"> {lo}" if open_low else f">= {lo}"
        raise LRPError(f"{name} must be a number {bound}" + (f" and <= {hi}" if hi < math.inf else "")
                       + f", not {value!r}")
    return v


def _box(problem: RootProblem, low: Any = None, high: Any = None) -> tuple[Tensor, Tensor] | None:
    if low is None and high is None:
        if problem.box is None:
            return None
        low, high = problem.box
    return box_bounds(problem.dim, low, high)


class _Region:
    """Membership for batches: a's activation pattern — either fast, via the
    segment's composed preactivation maps (active units need z > 0, inactive
    z <= 0), or, with ``network=True``, through the network's own
    layer-by-layer pass (the two can differ by float rounding within ~1e-16 of
    a boundary) — plus ``a' >= 0`` and the box when asked. No autograd."""

    def __init__(
        self, problem: RootProblem, nonnegative: bool, box: tuple[Tensor, Tensor] | None, *, network: bool = False
    ) -> None:
        self.problem = problem
        self.network = network
        seg = problem.segment
        self.G = seg.G
        self.g = seg.g
        active = [m.reshape(-1) for m in seg.pattern]
        self.active = torch.cat(active) if active else torch.zeros(0, dtype=torch.bool)
        self.nonnegative = nonnegative
        self.box = box

    def __call__(self, x: Tensor) -> Tensor:
        if self.network:
            ok = self.problem.in_segment(x)
        else:
            s = self.g - x @ self.G.T  # = sign · z per unit
            ok = torch.where(self.active, s > 0, s >= 0).all(dim=-1)
        if self.nonnegative:
            ok &= (x >= 0).all(dim=-1)
        if self.box is not None:
            ok &= ((x >= self.box[0]) & (x <= self.box[1])).all(dim=-1)
        return ok


def _pick_lowest(problem: RootProblem, candidates: Tensor, what: str) -> list[Root]:
    """Per explained neuron, the candidate with the lowest relevance ``R >= 0``
    (R from the segment's affine map: candidates are in the segment's closure)."""
    n = len(problem.neurons)
    if candidates.shape[0] == 0:
        return list(make_roots(problem, [(j, None, f"no {what} to choose from") for j in range(n)]))
    rel = candidates @ problem.affine.weight.T + problem.affine.bias
    items: list[tuple[int, Tensor | None, str]] = []
    for j in range(n):
        r = rel[:, j]
        ok = r >= 0
        if not bool(ok.any()):
            items.append((j, None, f"no {what} has R >= 0 (largest R = {float(r.max()):.6g})"))
            continue
        idx = int(torch.where(ok, r, torch.full_like(r, math.inf)).argmin())
        best = float(r[idx])
        reason = "" if best == 0.0 else f"lowest R >= 0 among the {what} is {best:.6g} (not an exact zero)"
        items.append((j, candidates[idx].clone(), reason))
    return list(make_roots(problem, items))


# --- rule ------------------------------------------------------------------------


@FINDERS.register(
    "rule", label="Closed-form rule", cite=SIXT, segment_only=False, stochastic=False, params=RULE_DEFAULTS
)
def rule_finder(
    problem: RootProblem,
    *,
    generator: torch.Generator | None = None,
    progress: Progress = None,
    workspace: Workspace | None = None,
    rule: str = "z+",
    gamma: float = 0.25,
    low: Any = None,
    high: Any = None,
    **unknown: Any,
) -> RootResult:
    """Closed-form roots ``ã = a − t v`` with ``t = R(a)/(w·v)`` along the rule's
    direction v (see :mod:`lrp_core.roots.rules`); ``pinv`` takes one root for
    all explained neurons. ``low``/``high`` (the zB box) default to
    ``problem.box``."""
    t0 = time.perf_counter()
    _unknown("rule", unknown, RULE_DEFAULTS)
    name = resolve_rule(str(rule))
    gamma = _float_param("gamma", gamma, 0.0)
    box = _box(problem, low, high) if name == "zB" else None
    w = problem.affine.weight
    r = problem.affine.weight @ problem.point + problem.affine.bias
    outcomes = apply_rule(name, problem.point, w, r, gamma=gamma,
                          low=None if box is None else box[0], high=None if box is None else box[1])
    roots = make_roots(problem, [(j, root, reason) for j, (root, reason) in enumerate(outcomes)])
    params = {"rule": name, "gamma": gamma}
    if box is not None:
        params.update(low=box[0].tolist(), high=box[1].tolist())
    return RootResult("rule", params, roots, 1, time.perf_counter() - t0)


# --- exact -----------------------------------------------------------------------

_HIGHS: Mapping[str, float] = MappingProxyType(
    {"primal_feasibility_tolerance": 1e-10, "dual_feasibility_tolerance": 1e-10}
)


def _bounds(d: int, nonnegative: bool, box: tuple[Tensor, Tensor] | None) -> tuple[np.ndarray, np.ndarray]:
    """The variables' bounds as arrays (lo, hi), ±inf = none: x >= 0 for a
    post-ReLU layer input, and the box if given."""
    lo = np.zeros(d) if nonnegative else np.full(d, -np.inf)
    hi = np.full(d, np.inf)
    if box is not None:
        lo = np.maximum(lo, box[0].to(DTYPE).numpy())
        hi = box[1].to(DTYPE).numpy().copy()
    return lo, hi


def _lp(c: np.ndarray, A: np.ndarray, b: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> Any:
    """HiGHS with its default tolerances (fast: a vertex solution is exact to
    rounding in practice); if the answer violates a constraint by more than
    1e-12 relative, solve again with tolerances 1e-10 (checking options costs
    HiGHS about a millisecond, so only then)."""
    res = _scaled_linprog(c, A, b, lo, hi, {})
    if res.status != 0:
        return res
    x = res.x
    scale = np.abs(A) @ np.abs(x) + np.abs(b) + 1.0
    tol = 1e-12 * (1.0 + np.abs(x))
    if bool((A @ x - b <= 1e-12 * scale).all() and (x >= lo - tol).all() and (x <= hi + tol).all()):
        return res
    return _scaled_linprog(c, A, b, lo, hi, dict(_HIGHS))


def _pow2(v: np.ndarray) -> np.ndarray:
    """The power of two nearest to each ``v > 0`` (1 where v is 0 or not finite)."""
    ok = np.isfinite(v) & (v > 0)
    e = np.round(np.log2(np.where(ok, v, 1.0)))
    return np.where(ok, np.exp2(e), 1.0)


def _abs_max(A: Any, axis: int) -> np.ndarray:
    if sparse.issparse(A):
        m = abs(A).max(axis=axis)
        return np.asarray(m.toarray() if sparse.issparse(m) else m, dtype=float).ravel()
    if A.size == 0:
        return np.zeros(A.shape[1 - axis])
    return np.abs(A).max(axis=axis)


@dataclass
class LPResult:
    """The answer of :func:`highs_lp`: ``status`` 0 = optimal (as scipy's
    milp: 2 infeasible, 3 unbounded, 4 anything else), ``x`` and ``fun``
    only when optimal."""

    status: int
    x: np.ndarray | None
    fun: float | None
    message: str


class CSC(NamedTuple):
    """A matrix column by column, as HiGHS takes it: ``start`` (columns + 1),
    row ``index`` and ``value`` per entry (int32 indices, no zeros)."""

    start: np.ndarray
    index: np.ndarray
    value: np.ndarray
    shape: tuple[int, int]


def _csc(A: Any) -> CSC:
    """:class:`CSC` of a dense or sparse A (duplicates summed, zeros dropped)."""
    if isinstance(A, CSC):
        return A
    if sparse.issparse(A):
        C = sparse.csc_array(A, copy=True)
        C.sum_duplicates()
        C.eliminate_zeros()
        return CSC(C.indptr.astype(np.int32), C.indices.astype(np.int32),
                   np.ascontiguousarray(C.data, dtype=np.float64), (int(C.shape[0]), int(C.shape[1])))
    A = np.asarray(A, dtype=np.float64)
    cols, rows = np.nonzero(A.T)  # column by column, rows ascending within a column
    start = np.zeros(A.shape[1] + 1, dtype=np.int32)
    np.cumsum(np.bincount(cols, minlength=A.shape[1]), out=start[1:])
    return CSC(start, rows.astype(np.int32), A[rows, cols], (int(A.shape[0]), int(A.shape[1])))


def _blocks_csc(blocks_t: np.ndarray) -> CSC:
    """:class:`CSC` of the block-diagonal matrix of blocks given transposed
    (``blocks_t``: k × n × m, block i's columns as rows, C-contiguous): its
    entries in memory order are the assembled matrix's, column by column."""
    k, n, m = blocks_t.shape
    flat_all = blocks_t.reshape(-1)
    flat = np.flatnonzero(flat_all != 0)
    col = flat // m  # block * n + column within the block = the assembled matrix's column
    start = np.zeros(k * n + 1, dtype=np.int32)
    np.cumsum(np.bincount(col, minlength=k * n), out=start[1:])
    index = (col // n) * m + flat % m
    return CSC(start, index.astype(np.int32), flat_all[flat], (k * m, k * n))


_STATUS = {"kOptimal": 0, "kInfeasible": 2, "kUnbounded": 3}


def _new_highs() -> Any:
    h = _HIGHS_CORE._Highs()
    h.setOptionValue("output_flag", False)
    return h


def highs_lp(c: np.ndarray, A: Any, b: np.ndarray, lo: np.ndarray, hi: np.ndarray, *,
             presolve: bool = False, workspace: Workspace | None = None) -> LPResult:
    """``min c·x  s.t.  A x <= b,  lo <= x <= hi`` (±inf = no bound) by the
    HiGHS that ships inside scipy, primal solution only. ``A`` is a dense or
    sparse matrix or a :class:`CSC`.

    It makes the calls scipy's ``milp`` makes for an LP (a HiGHS instance,
    the options, ``passModel``, ``run``, the column values), through the
    binding ``milp`` itself uses (``scipy.optimize._highspy._core``), without
    ``milp``'s Python-side work: its option checks, its conversions, and a
    per-column Python loop that reads bound marginals for every column.
    That work cost about 1.3 ms per call on the exact finder's LPs of 100
    columns, more than half of some solves. The solver, its options and its
    answer are the same (checked against ``milp`` and ``linprog`` in the
    tests). The binding is private to scipy, which requirements.txt pins; if
    it cannot be imported this falls back to ``milp``.

    With a ``workspace`` the HiGHS instance is the workspace's, its model
    cleared first (``clearModel`` drops the model, basis and solution; the
    options are set again): a new instance costs more than its solve on the
    smallest LPs, because HiGHS allocates its work arrays afresh. The answer
    is the same bit for bit (tested on sequences of LPs)."""
    csc = _csc(A)
    m, n = csc.shape
    if _HIGHS_CORE is None:  # see the import (tested by monkeypatching it away)
        mat = sparse.csc_array((csc.value, csc.index, csc.start), shape=csc.shape)
        res = milp(c, constraints=LinearConstraint(mat, -np.inf, b), bounds=Bounds(lo, hi),
                   options={"presolve": presolve})
        return LPResult(int(res.status), res.x, None if res.x is None else float(res.fun), str(res.message))
    core = _HIGHS_CORE
    if workspace is None:
        h = _new_highs()
    else:
        h = workspace.get("highs", _new_highs)
        h.clearModel()
    h.setOptionValue("presolve", "on" if presolve else "off")
    f64 = np.ascontiguousarray
    loaded = h.passModel(n, m, int(csc.value.size), int(core.MatrixFormat.kColwise), int(core.ObjSense.kMinimize),
                         0.0, f64(c, dtype=np.float64), f64(lo, dtype=np.float64), f64(hi, dtype=np.float64),
                         np.full(m, -np.inf), f64(b, dtype=np.float64), csc.start, csc.index,
                         f64(csc.value, dtype=np.float64), np.zeros(n, dtype=np.int32))
    if loaded == core.HighsStatus.kError:
        return LPResult(4, None, None, "HiGHS refused the model")
    if h.run() == core.HighsStatus.kError:
        return LPResult(4, None, None, h.modelStatusToString(h.getModelStatus()))
    status = h.getModelStatus()
    if status != core.HighsModelStatus.kOptimal:
        return LPResult(_STATUS.get(status.name, 4), None, None, h.modelStatusToString(status))
    x = np.array(h.getSolution().col_value)
    return LPResult(0, x, float(c @ x), h.modelStatusToString(status))


#: uniform variable scaling kicks in when the right-hand sides and bounds leave [2^-16, 2^16]
_RHS_RANGE = 2.0**16


def _scaled_linprog(c: np.ndarray, A: Any, b: np.ndarray, lo: np.ndarray, hi: np.ndarray,
                    options: Mapping[str, Any], *, duals: bool = True) -> Any:
    """HiGHS on a scale-invariant copy of ``min c·x s.t. A x <= b, lo <= x <= hi``.

    HiGHS's tolerances are absolute (feasibility 1e-7) and it refuses matrix
    entries above 1e15 and treats bounds and right-hand sides beyond 1e20 as
    infinite, so a network with weights 1e10 (relevance rows of order 1e20)
    would be a "model error". The copy is ``A' = R A C``, ``b' = R b / σ``,
    ``x = σ C y``, bounds ``/ (σ C)``, objective ``c C / ‖c C‖_∞``: R and C
    scale rows, then columns, then rows again to largest entry ~1 (rows first,
    so that a row of identity entries next to a 1e20 relevance row is left
    alone; the columns then catch a variable such as ``u >= |R|`` whose
    entries the row step made tiny), and a uniform σ brings the
    right-hand sides and finite bounds to ~1 when they leave [2^-16, 2^16]. Every
    factor is a power of two, so the copy holds the same LP exactly (no
    rounding) and its optimum maps back to the same point. The returned
    ``x`` is in the original variables; the dual values (marginals) stay in
    the normalised copy's units, where a tolerance of 1e-9 is relative.

    With ``duals=False`` (the caller reads no dual values) and no options
    but ``presolve``, the same LP goes to the same HiGHS through
    :func:`highs_lp`, which skips ``linprog``'s Python-side set-up (about
    2 ms per call here); its result has ``x``, ``fun`` and ``status``
    (0 = optimal) but no marginals. The finders' block LPs take that route
    without assembling their matrix (:func:`_scaled_blocks`); this one is
    their assembled-matrix reference in the tests."""
    A1, row, col = _equilibrate(A)
    c1, b1, lo1, hi1, sigma = _scale_vectors(c, b, lo, hi, row, col)
    res: Any
    if not duals and set(options) <= {"presolve"}:
        res = highs_lp(c1, A1, b1, lo1, hi1, presolve=bool(options.get("presolve", True)))
    else:
        res = linprog(c1, A_ub=A1, b_ub=b1, bounds=np.column_stack([lo1, hi1]), method="highs",
                      options=dict(options) or None)
    if res.status == 0:
        res.x = res.x / col * sigma
        res.fun = float(c @ res.x)
    return res


def _equilibrate(A: Any) -> tuple[Any, np.ndarray, np.ndarray]:
    """Max-norm equilibration in powers of two: rows, columns, rows again.
    Returns ``(R A C, row factors, column factors)`` with ``R = diag(1/row)``,
    ``C = diag(1/col)``."""
    sp = sparse.issparse(A)
    row = np.ones(A.shape[0])
    col = np.ones(A.shape[1])
    A1 = A
    for axis in (1, 0, 1):
        f = _pow2(_abs_max(A1, axis))
        if axis == 1:
            row *= f
            A1 = sparse.csr_array(sparse.diags_array(1.0 / f) @ A1) if sp else A1 / f[:, None]
        else:
            col *= f
            A1 = sparse.csr_array(A1 @ sparse.diags_array(1.0 / f)) if sp else A1 / f
    return A1, row, col


def _block_factors(blocks: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`_equilibrate` for the block-diagonal matrix of ``blocks``
    (k × m × n), on the blocks: a row's or column's other entries are zero,
    so its factor is the assembled matrix's. Returns the scaled blocks
    transposed (k × n × m, C-contiguous: :func:`_blocks_csc`'s input) and
    the row (k·m) and column (k·n) factors. On the transposed blocks a
    row's maximum is a reduction over a middle axis, several times faster
    than over a short last one; every factor is a power of two, so dividing
    by a product of factors gives exactly the successive divisions."""
    Bt = np.ascontiguousarray(blocks.transpose(0, 2, 1))
    At = np.abs(Bt)
    r1 = _pow2(At.max(axis=1))  # (k, m): rows
    col = _pow2((At / r1[:, None, :]).max(axis=2))  # (k, n): columns
    r2 = _pow2((At / (r1[:, None, :] * col[:, :, None])).max(axis=1))  # rows again
    row = r1 * r2
    return Bt / (row[:, None, :] * col[:, :, None]), row.reshape(-1), col.reshape(-1)


def _scale_vectors(c: np.ndarray, b: np.ndarray, lo: np.ndarray, hi: np.ndarray, row: np.ndarray,
                   col: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, float]:
    """The vectors of :func:`_scaled_linprog`'s copy for row and column
    factors ``row``, ``col``: (c', b', lo', hi', σ)."""
    b1 = b / row
    lo1, hi1 = lo * col, hi * col
    mags = np.concatenate([np.abs(b1), np.abs(lo1[np.isfinite(lo1)]), np.abs(hi1[np.isfinite(hi1)])])
    m = float(mags.max()) if mags.size else 0.0
    sigma = float(_pow2(np.array([m]))[0]) if m > _RHS_RANGE or 0.0 < m < 1.0 / _RHS_RANGE else 1.0
    c1 = c / col
    c1 = c1 / float(_pow2(np.array([float(np.abs(c1).max()) if c1.size else 0.0]))[0])
    return c1, b1 / sigma, lo1 / sigma, hi1 / sigma, sigma


def _scaled_blocks(cost: np.ndarray, blocks: np.ndarray, rhs: np.ndarray, lo: np.ndarray,
                   hi: np.ndarray, workspace: Workspace | None = None) -> LPResult:
    """:func:`_scaled_linprog` without duals (:func:`highs_lp`) for the
    block-diagonal matrix of ``blocks`` (k × m × n), never assembled: the
    row and column factors are computed on the blocks (a row's or column's
    other entries are zero, so they are the assembled matrix's factors and
    the copy is the same LP) and the CSC arrays come straight from them."""
    Bt, row_f, col_f = _block_factors(blocks)
    c1, b1, lo1, hi1, sigma = _scale_vectors(cost, rhs, lo, hi, row_f, col_f)
    res = highs_lp(c1, _blocks_csc(Bt), b1, lo1, hi1, presolve=False, workspace=workspace)
    if res.status == 0 and res.x is not None:
        res.x = res.x / col_f * sigma
        res.fun = float(cost @ res.x)
    return res


def _tie_break_lp(
    G: np.ndarray, g: np.ndarray, w: np.ndarray, lo_r: float, hi_r: float,
    lo: np.ndarray, hi: np.ndarray, centre: np.ndarray,
) -> np.ndarray | None:
    """Among closure points with ``lo_r <= w·x <= hi_r``, the one with the least
    ``Σ|x_i − centre_i|`` (variables x and s with ``s >= |x − centre|``)."""
    d = w.shape[0]
    eye = np.eye(d)
    A = np.vstack([
        np.hstack([G, np.zeros((G.shape[0], d))]),
        np.hstack([w[None, :], np.zeros((1, d))]),
        np.hstack([-w[None, :], np.zeros((1, d))]),
        np.hstack([eye, -eye]),
        np.hstack([-eye, -eye]),
    ])
    b = np.concatenate([g, [hi_r], [-lo_r], centre, -centre])
    c = np.concatenate([np.zeros(d), np.ones(d)])
    res = _lp(c, A, b, np.concatenate([lo, np.zeros(d)]), np.concatenate([hi, np.full(d, np.inf)]))
    return res.x[:d] if res.status == 0 else None


def _unique_optimum(res: Any, A: np.ndarray, c: np.ndarray) -> bool:
    """Whether the LP's optimum is a single point, so that no tie-break is
    needed: by complementary slackness every optimal x keeps each constraint
    with a non-zero dual value tight; if those constraints (rows of A and
    bounds) have rank d, the optimal face is one vertex. Decided from the
    solver's dual values only, so it too depends only on the LP's data."""
    d = c.shape[0]
    tol = 1e-9  # the marginals are in the normalised LP's units (see _scaled_linprog)
    rows = [A[np.abs(res.ineqlin.marginals) > tol]]
    eye = np.eye(d)
    for side in (res.lower, res.upper):
        marg = np.asarray(side.marginals)
        if marg.shape == (d,):
            rows.append(eye[np.abs(marg) > tol])
    tight = np.vstack(rows)
    return tight.shape[0] >= d and int(np.linalg.matrix_rank(tight)) == d


def _solve_neuron(
    problem: RootProblem, j: int, G: np.ndarray, g: np.ndarray, w: np.ndarray, bj: float,
    lo: np.ndarray, hi: np.ndarray, centre: np.ndarray, tie_break: str,
) -> tuple[Tensor | None, str, int]:
    """One explained neuron by its own LPs (the reference path, and the
    fallback of the batched one): (root or None, reason, LPs solved)."""
    n_lp = 0
    if not w.any():
        # R is constant on the segment: every point is a root if it is 0
        if bj != 0.0:
            return None, f"R is constant ({bj:.6g}) on this segment: no root", 0
        pick = _tie_break_lp(G, g, w, 0.0, 0.0, lo, hi, centre) if tie_break != "none" else None
        root = problem.point.clone() if pick is None else torch.as_tensor(pick, dtype=DTYPE)
        return root, _ZERO_REASON, int(tie_break != "none")
    A = np.vstack([G, -w[None, :]])
    res = _lp(w, A, np.concatenate([g, [bj]]), lo, hi)
    n_lp += 1
    reason = ""
    if res.status == 2:
        # R >= 0 nowhere in the closure: take the largest R (closest to 0 from below)
        A = np.vstack([G, w[None, :]])
        res = _lp(-w, A, np.concatenate([g, [-bj]]), lo, hi)
        n_lp += 1
        if res.status != 0:
            return None, _EMPTY_REASON, n_lp
        lo_r, hi_r = float(w @ res.x), float(w @ res.x)
        reason = _negative_reason(lo_r + bj)
    elif res.status != 0:
        return None, f"the linear program failed: {res.message}", n_lp
    else:
        lo_r, hi_r = -bj, float(w @ res.x)
        r_min = hi_r + bj
        if r_min > _ZERO_TOL * _scale(w, bj, res.x):
            reason = _positive_reason(r_min)
    x = res.x
    if tie_break != "none" and not _unique_optimum(res, A, w):
        better = _tie_break_lp(G, g, w, lo_r, hi_r, lo, hi, centre)
        n_lp += 1
        if better is not None:
            x = better
    # "+ 0.0" turns the solver's -0.0 into 0.0 (same value, cleaner output)
    return _tensor(x), reason, n_lp


_ZERO_TOL = 1e-9
_ZERO_REASON = "R is 0 on the whole segment (gradient 0): every point of it is a root"
_EMPTY_REASON = "the segment's closure is empty under the constraints (x >= 0 or the box exclude it)"


def _tensor(x: np.ndarray) -> Tensor:
    """A root as a float64 tensor of its own (``+ 0.0`` turns -0.0 into 0.0)."""
    return torch.from_numpy(np.asarray(x, dtype=np.float64) + 0.0)


def _scale(w: np.ndarray, bj: float, x: np.ndarray) -> float:
    return float(np.abs(w).sum() * (1.0 + np.abs(x).max())) + abs(bj)


def _negative_reason(r_max: float) -> str:
    return f"R < 0 on the whole segment; no root there: returning the point with the largest R = {r_max:.6g}"


def _positive_reason(r_min: float) -> str:
    return f"no point with R = 0 in the segment's closure; returning the minimiser, R = {r_min:.6g}"


def _exact_setup(
    problem: RootProblem, tie_break: str, low: Any, high: Any, unknown: dict[str, Any]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The exact finders' data: (G, g, W, β, lo, hi, centre)."""
    _unknown("exact", unknown, {**EXACT_DEFAULTS, "low": None, "high": None})
    if tie_break not in TIE_BREAKS:
        raise LRPError(f"unknown tie_break {tie_break!r}; choose one of: {', '.join(TIE_BREAKS)}")
    box = _box(problem, low, high)
    seg = problem.segment
    d = problem.dim
    lo, hi = _bounds(d, problem.nonnegative, box)
    centre = problem.point.numpy() if tie_break == "nearest" else np.zeros(d)
    amap = problem.affine
    return seg.G.numpy(), seg.g.numpy(), amap.weight.numpy(), amap.bias.numpy(), lo, hi, centre


def exact_per_neuron(
    problem: RootProblem,
    *,
    generator: torch.Generator | None = None,
    progress: Progress = None,
    workspace: Workspace | None = None,
    tie_break: str = "l1",
    low: Any = None,
    high: Any = None,
    **unknown: Any,
) -> RootResult:
    """The ``exact`` finder with one LP (and one tie-break LP) per explained
    neuron — the reference the batched :func:`exact_finder` is checked
    against, same parameters and the same answers (for ``tie_break="none"``
    the vertex may differ where the optimum is not unique)."""
    t0 = time.perf_counter()
    G, g, W, beta, lo, hi, centre = _exact_setup(problem, tie_break, low, high, unknown)
    roots: list[Root] = []
    n_lp = 0
    for j in range(W.shape[0]):
        root, reason, k = _solve_neuron(problem, j, G, g, W[j], float(beta[j]), lo, hi, centre, tie_break)
        n_lp += k
        roots.append(make_root(problem, j, root, reason))
    return RootResult("exact", {"tie_break": tie_break}, tuple(roots), n_lp, time.perf_counter() - t0,
                      extra={"blocks": n_lp})


#: HiGHS options of the batched solves: presolve only costs time on LPs this small
_BATCH_OPTIONS: Mapping[str, Any] = MappingProxyType({"presolve": False})
#: the penalty on |R| of a tie-break block is PENALTY · √d / ‖w_j‖ (see exact_finder)
PENALTY = 1e3
#: batched LPs with at most this many matrix entries go to HiGHS as dense arrays
DENSE_LIMIT = 40_000


def _solve(c: np.ndarray, A: Any, b: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> Any:
    """:func:`_lp` for a sparse ``A`` (passed dense when small) and bounds as
    arrays (±inf = none): HiGHS (presolve off), solved again with tolerances
    1e-10 only if the answer violates a constraint by more than 1e-12
    relative."""
    if sparse.issparse(A) and A.shape[0] * A.shape[1] <= DENSE_LIMIT:
        A = A.toarray()  # scipy's sparse input checks cost more than the conversion of a small matrix
    res = _scaled_linprog(c, A, b, lo, hi, _BATCH_OPTIONS)
    if res.status != 0:
        return res
    if _satisfies(A @ res.x, abs(A) @ np.abs(res.x), b, res.x, lo, hi):
        return res
    return _scaled_linprog(c, A, b, lo, hi, {**_BATCH_OPTIONS, **_HIGHS})


def _satisfies(ax: np.ndarray, abs_ax: np.ndarray, b: np.ndarray, x: np.ndarray, lo: np.ndarray,
               hi: np.ndarray) -> bool:
    """Whether a solver's x meets ``A x <= b`` and its bounds to 1e-12
    relative (``ax`` = A x, ``abs_ax`` = |A| |x|): else the LP is solved
    again with tighter tolerances."""
    tol = 1e-12 * (1.0 + np.abs(x))
    return bool((ax - b <= 1e-12 * (abs_ax + np.abs(b) + 1.0)).all()
                and (x >= lo - tol).all() and (x <= hi + tol).all())


def _solve_blocks(cost: np.ndarray, blocks: np.ndarray, rhs: np.ndarray, lo: np.ndarray,
                  hi: np.ndarray, workspace: Workspace | None = None) -> Any:
    """:func:`_solve` without duals for the block-diagonal matrix of
    ``blocks`` (k × m × n), kept as blocks (:func:`_scaled_blocks`); the
    retry with tolerances 1e-10 assembles it."""
    res = _scaled_blocks(cost, blocks, rhs, lo, hi, workspace)
    if res.status != 0:
        return res
    k, _, n = blocks.shape
    X = res.x.reshape(k, n)
    ax = np.einsum("kmn,kn->km", blocks, X).reshape(-1)
    abs_ax = np.einsum("kmn,kn->km", np.abs(blocks), np.abs(X)).reshape(-1)
    if _satisfies(ax, abs_ax, rhs, res.x, lo, hi):
        return res
    return _scaled_linprog(cost, _block_matrix(blocks), rhs, lo, hi, {**_BATCH_OPTIONS, **_HIGHS})


def _block_diag(groups: Sequence[np.ndarray]) -> sparse.csr_array:
    """The block-diagonal matrix of every block of ``groups`` (each k × m × n:
    k blocks of one shape), in order, as CSR with the zeros dropped."""
    rows, cols, vals = [], [], []
    r0 = c0 = 0
    for blocks in groups:
        k, m, n = blocks.shape
        kk, rr, cc = np.nonzero(blocks)
        rows.append(r0 + kk * m + rr)
        cols.append(c0 + kk * n + cc)
        vals.append(blocks[kk, rr, cc])
        r0, c0 = r0 + k * m, c0 + k * n
    row = np.concatenate(rows)
    indptr = np.zeros(r0 + 1, dtype=np.int64)
    np.cumsum(np.bincount(row, minlength=r0), out=indptr[1:])
    return sparse.csr_array((np.concatenate(vals), np.concatenate(cols).astype(np.int64), indptr), shape=(r0, c0))


def _block_matrix(blocks: np.ndarray) -> Any:
    """The block-diagonal matrix of ``blocks`` (k × m × n): a dense array when
    it has at most ``DENSE_LIMIT`` entries (built directly), else
    :func:`_block_diag`'s CSR."""
    k, m, n = blocks.shape
    if k * m * k * n > DENSE_LIMIT:
        return _block_diag([blocks])
    if k == 1:
        return blocks[0]
    out = np.zeros((k * m, k * n))
    for i in range(k):
        out[i * m : (i + 1) * m, i * n : (i + 1) * n] = blocks[i]
    return out


def _unique_block(A: np.ndarray, row_marg: np.ndarray, lo_marg: np.ndarray, hi_marg: np.ndarray,
                  tol: float) -> bool:
    """:func:`_unique_optimum` for one block of a batched LP: tight rows (non-zero
    dual) of A and tight bounds of rank = the block's number of variables."""
    n = A.shape[1]
    eye = np.eye(n)
    tight = np.vstack([A[np.abs(row_marg) > tol], eye[np.abs(lo_marg) > tol], eye[np.abs(hi_marg) > tol]])
    return tight.shape[0] >= n and int(np.linalg.matrix_rank(tight)) == n


def _l1_change(lo: np.ndarray, hi: np.ndarray, centre: np.ndarray) -> tuple[np.ndarray, ...]:
    """Variables y with ``x = c + M y`` that make ``Σ|x_i − c_i|`` linear,
    ``cost·y``, without rows: a coordinate whose bounds keep it on one side of
    the centre (``l_i >= c_i``, e.g. x >= 0 with c = 0, or ``h_i <= c_i``) is
    one variable ``y_i = x_i − c_i`` with ``|y_i| = ±y_i``; any other is split,
    ``x_i = c_i + p_i − n_i`` with ``0 <= p_i <= h_i − c_i``,
    ``0 <= n_i <= c_i − l_i`` and cost ``p_i + n_i`` (= |x_i − c_i| at an
    optimum). Returns (M, cost, lower and upper bounds of y)."""
    d = lo.shape[0]
    split = (lo < centre) & (centre < hi)
    if not split.any():  # every coordinate keeps to one side of the centre (x >= 0 with c = 0): M = I
        return np.eye(d), np.where(lo >= centre, 1.0, -1.0), lo - centre, hi - centre
    idx = np.flatnonzero(split)
    n_var = d + idx.size
    M = np.zeros((d, n_var))
    M[np.arange(d), np.arange(d)] = 1.0
    M[idx, d + np.arange(idx.size)] = -1.0
    cost = np.ones(n_var)
    cost[:d] = np.where(split | (lo >= centre), 1.0, -1.0)
    y_lo = np.concatenate([np.where(split, 0.0, lo - centre), np.zeros(idx.size)])
    y_hi = np.concatenate([hi - centre, (centre - lo)[idx]])
    return M, cost, y_lo, y_hi


def _batched_tie_break(
    G: np.ndarray, g: np.ndarray, jobs: list[tuple[np.ndarray, float, float]], lo: np.ndarray,
    hi: np.ndarray, centre: np.ndarray, workspace: Workspace | None = None,
) -> np.ndarray | None:
    """:func:`_tie_break_lp` for several (w, lo_r, hi_r) at once: one LP with a
    block per job and the sum of the blocks' objectives (separable, so each
    block's optimum is its own tie-break optimum), the L1 norm in the
    variables of :func:`_l1_change` (no rows for it). Returns x per job, or
    None if the solve failed."""
    k, m = len(jobs), G.shape[0]
    M, cost, y_lo, y_hi = _l1_change(lo, hi, centre)
    n_var = M.shape[1]
    blocks = np.zeros((k, m + 2, n_var))
    blocks[:, :m] = G @ M
    rhs = np.zeros((k, m + 2))
    rhs[:, :m] = g - G @ centre
    for i, (w, lo_r, hi_r) in enumerate(jobs):
        wM, wc = w @ M, float(w @ centre)
        blocks[i, m], blocks[i, m + 1] = wM, -wM
        rhs[i, m], rhs[i, m + 1] = hi_r - wc, wc - lo_r
    res = _solve_blocks(np.tile(cost, k), blocks, rhs.reshape(-1), np.tile(y_lo, k), np.tile(y_hi, k), workspace)
    if res.status != 0:
        return None
    return centre + res.x.reshape(k, n_var) @ M.T


def _certified_minima(G: np.ndarray, g: np.ndarray, lo: np.ndarray, hi: np.ndarray, V: np.ndarray,
                      X: np.ndarray) -> np.ndarray:
    """Per row i, whether ``X[i]`` minimises ``V[i]·x`` over ``{G x <= g,
    lo <= x <= hi}``, by the KKT conditions: ``−V[i]`` is a non-negative
    combination of the outward normals of the constraints tight at X[i]
    (rows with slack <= 1e-9 relative; the combination by non-negative least
    squares, residual <= 1e-9 ‖V[i]‖). The tight sets in one pass, then one
    non-negative least squares per point."""
    n, d = X.shape
    xs = 1.0 + np.abs(X).max(axis=1, keepdims=True)
    eye = np.eye(d)
    normals = np.concatenate([G, -eye, eye])  # outward normals of G x <= g, x >= lo, x <= hi
    tight = np.concatenate([
        g - X @ G.T <= 1e-9 * (np.abs(G).sum(axis=1) * xs + np.abs(g)),
        X - lo <= 1e-9 * xs,
        hi - X <= 1e-9 * xs,
    ], axis=1)
    norms = np.sqrt((V * V).sum(axis=1))
    out = np.zeros(n, dtype=bool)
    for i in range(n):
        T = normals[tight[i]]
        if T.shape[0] == 0:
            out[i] = norms[i] == 0.0
        else:
            out[i] = nnls(T.T, -V[i])[1] <= 1e-9 * norms[i]
    return out


def _q_blocks(G: np.ndarray, g: np.ndarray, W: np.ndarray, beta: np.ndarray, lo: np.ndarray,
              hi: np.ndarray) -> tuple[np.ndarray, ...]:
    """The blocks ``min u  s.t. G x <= g, −u <= w_j·x + β_j <= u, u >= 0`` (the
    least |R_j| over the closure): (blocks, rhs, cost, lower, upper)."""
    k, d = W.shape
    m = G.shape[0]
    blocks = np.zeros((k, m + 2, d + 1))
    blocks[:, :m, :d] = G
    blocks[:, m, :d], blocks[:, m + 1, :d] = W, -W
    blocks[:, m:, d] = -1.0
    rhs = np.zeros((k, m + 2))
    rhs[:, :m] = g
    rhs[:, m], rhs[:, m + 1] = -beta, beta
    cost = np.tile(np.concatenate([np.zeros(d), [1.0]]), k)
    return (blocks, rhs.reshape(-1), cost, np.tile(np.concatenate([lo, [0.0]]), k),
            np.tile(np.concatenate([hi, [np.inf]]), k))


def _p_blocks(G: np.ndarray, g: np.ndarray, W: np.ndarray, beta: np.ndarray, lo: np.ndarray,
              hi: np.ndarray, centre: np.ndarray) -> tuple[np.ndarray, ...]:
    """The blocks ``min Σ|x_i − c_i| + μ_j u  s.t. G x <= g, −u <= w_j·x + β_j <= u,
    u >= 0`` in the variables of :func:`_l1_change` (``μ_j = PENALTY·√d/‖w_j‖``,
    1 for w_j = 0): (blocks, rhs, cost, lower, upper, M)."""
    k, d = W.shape
    m = G.shape[0]
    M, cost, y_lo, y_hi = _l1_change(lo, hi, centre)
    nv = M.shape[1]
    GM, WM = (G, W) if nv == d else (G @ M, W @ M)  # no split variable: M is the identity
    wc = W @ centre
    norms = np.sqrt((W * W).sum(axis=1))
    blocks = np.zeros((k, m + 2, nv + 1))
    blocks[:, :m, :nv] = GM
    blocks[:, m, :nv] = WM
    blocks[:, m + 1, :nv] = -WM
    blocks[:, m:, nv] = -1.0
    rhs = np.empty((k, m + 2))
    rhs[:, :m] = g - G @ centre
    rhs[:, m] = -beta - wc
    rhs[:, m + 1] = beta + wc
    per = np.empty((3, k, nv + 1))  # cost, lower, upper per block
    per[0, :, :nv] = cost
    per[0, :, nv] = np.where(norms > 0, PENALTY * math.sqrt(d) / np.where(norms > 0, norms, 1.0), 1.0)
    per[1, :, :nv] = y_lo
    per[1, :, nv] = 0.0
    per[2, :, :nv] = y_hi
    per[2, :, nv] = np.inf
    return blocks, rhs.reshape(-1), per[0].reshape(-1), per[1].reshape(-1), per[2].reshape(-1), M


def _axis_roots(G: np.ndarray, g: np.ndarray, W: np.ndarray, beta: np.ndarray, lo: np.ndarray,
                hi: np.ndarray, centre: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The P blocks (:func:`_p_blocks`) whose answer is known without an LP:
    (done mask, X with the answers in the rows marked done).

    Drop the segment's rows G x <= g from block j and what is left,
    ``min Σ|x_l − c_l| + μ|w·x + β|`` over the bounds, has a closed form. Let
    c lie within the bounds, r = w·c + β, and i be the one coordinate with
    the largest |w_i| (strictly larger than every other). With
    ``s = Σ|x_l − c_l|``, Hölder gives ``|w·x + β| >= |r| − |w_i| s``, so the
    objective is at least ``s + μ·max(0, |r| − |w_i| s) >= |r| / |w_i|``
    whenever ``μ|w_i| > 1`` — which holds, since the blocks hold ŵ = w/‖w‖
    with ``|ŵ_i| >= 1/√d`` and μ = PENALTY·√d. The point
    ``x* = c − (r / w_i) e_i`` attains the bound, and only it: equality needs
    R = 0, ``s = |r| / |w_i|`` and x − c on axis i. (r = 0: x* = c, objective
    0.) If x* is within the bounds and also meets ``G x <= g`` (to 1e-12 of
    each row's own size ``|G||x| + |g|``, so that the test is scale-free), it
    is the unique answer of the full block — a root, found with no LP. This
    is how the top layer of a decomposition and small networks such as
    ``ancona-max`` are solved."""
    k, d = W.shape
    X = np.repeat(centre[None, :], k, axis=0)
    done = np.zeros(k, dtype=bool)
    if k == 0 or d == 0 or not bool(((lo <= centre) & (centre <= hi)).all()):
        return done, X
    rows = np.arange(k)
    r = W @ centre + beta
    A = np.abs(W)
    i = A.argmax(axis=1)
    top = A[rows, i]
    A[rows, i] = -1.0
    unique = top > A.max(axis=1)  # strictly the largest |w_i| (also false for a zero row)
    move = r != 0
    ok = ~move | unique
    if not ok.any():
        return done, X
    wi = W[rows, i]
    xi = centre[i] - r / np.where(unique, wi, 1.0)
    ok &= ~move | ((xi >= lo[i]) & (xi <= hi[i]))
    X[rows, i] = np.where(move & ok, xi, centre[i]) + 0.0  # + 0.0: no -0.0 (see _tensor)
    ax = X @ G.T
    done = ok & (ax - g <= 1e-12 * (np.abs(X) @ np.abs(G).T + np.abs(g))).all(axis=1)
    return done, X


def _classify(w: np.ndarray, bj: float, x: np.ndarray) -> tuple[float, float, str]:
    """From a point x of least |R| over the closure: the band ``[lo_r, hi_r]``
    of ``w·x`` on the face of per-neuron minimisers, and the reason."""
    wx = float(w @ x)
    r = wx + bj
    zero_tol = _ZERO_TOL * _scale(w, bj, x)
    if r < -zero_tol:
        return wx, wx, _negative_reason(r)
    return min(-bj, wx), wx, (_positive_reason(r) if r > zero_tol else "")


@FINDERS.register(
    "exact", label="Exact (linear program)", cite=SIXT, segment_only=True, stochastic=False, params=EXACT_DEFAULTS
)
def exact_finder(
    problem: RootProblem,
    *,
    generator: torch.Generator | None = None,
    progress: Progress = None,
    workspace: Workspace | None = None,
    tie_break: str = "l1",
    low: Any = None,
    high: Any = None,
    **unknown: Any,
) -> RootResult:
    """Per explained neuron j, the linear program over the segment's closure

        min_x  w_j·x + β_j   s.t.  G x <= g,  w_j·x + β_j >= 0  (x >= 0 if the
        layer input is post-ReLU; l <= x <= h if a box is given)

    solved with HiGHS (through scipy: see :func:`_scaled_linprog`). Its minimum is 0 exactly when the
    closure holds a root; otherwise the reason says so and the minimiser is
    returned (if R < 0 on the whole closure, the point with the largest R).

    Tie-break (the minimisers form a face): ``l1`` (default) a second LP picks
    the point of that face with the least L1 norm ``Σ|x_i|`` (skipped when
    the dual values show the face is a single vertex); as both LPs are
    built from the segment's inequalities only, the root depends only on a's
    activation pattern (cache roots by pattern). ``nearest`` picks the point
    with the least ``Σ|x_i − a_i|`` instead, which depends on a (not
    segment-only). ``none`` keeps the first LP's vertex (segment-only too,
    but which vertex is the solver's choice).

    **Batched** (what runs; :func:`exact_per_neuron` is the one-LP-per-neuron
    reference). The neurons' LPs are solved together as ONE linear program,
    block-diagonal: variables stacked per block, objective the sum of the
    blocks' objectives, so it is separable and each block's optimum is its
    own. With C the closure (with the bounds), R_j = w_j·x + β_j, c the
    tie-break centre (0 for ``l1``, a for ``nearest``):

    0. a block whose relaxation without the segment's rows has a unique
       answer on an axis through c that C holds needs no LP: that point is
       the block's answer, a root (:func:`_axis_roots`; the top layer of
       ``dtd-mlp``, every layer of ``ancona-max``).
    1. one block per neuron ``P_j: min Σ|x_i − c_i| + μ_j u  s.t. x ∈ C,
       −u <= R_j(x) <= u`` (μ_j = PENALTY·√d/‖w_j‖; the L1 norm as bounded
       split variables, no extra rows). Its answer x is the tie-break LP's
       answer whenever x has the least |R_j| over C, because x minimises
       ``L1 + μ|R|`` over all of C and |R| is constant on the face of least
       |R|. That face is the per-neuron LP's face of minimisers: if C holds a
       point with R >= 0 the least |R| is the least R >= 0 (C is convex, R
       affine); else it is the largest R (the no-root case). Least |R| is
       proven either by |R_j(x)| = 0 (a root: reason "") or by the KKT
       conditions of ``min s·R_j`` over C at x (s = sign R_j(x): −s w_j is a
       non-negative combination of the normals of the constraints tight at
       x, non-negative least squares) — then no point of C has R = 0 and the
       sign gives the reason (tolerance 1e-9 relative, as per neuron).
    2. only for the neurons neither proves (μ_j too small for that face), a
       second LP of blocks ``Q_j: min u  s.t. x ∈ C, −u <= R_j(x) <= u``
       gives the least |R_j| (x of step 1 is kept if its |R_j| matches it);
       then, unless Q_j's dual values show a single vertex, a third LP solves
       those tie-breaks on the face. With ``none`` only the Q blocks are
       solved (one LP).

    A layer of a decomposition costs one HiGHS solve in practice (none when
    step 0 answers every block), instead of one or two per neuron. Same
    answers: ``l1`` and ``nearest`` give the per-neuron roots (to solver
    tolerance; checked to 1e-9 in the tests) whenever the tie-break's own
    optimum is unique, which it is in practice;
    with ``none`` the batched LP may stop at another vertex of the same face.
    The LPs hold this problem's data only (G, g, the bounds, W, β; a only for
    ``nearest``) and which path a neuron takes depends on their solutions
    only, so the segment-only property stands. If a batched solve fails (e.g.
    x >= 0 or the box leave the closure empty) every neuron falls back to its
    own LPs, with the same reasons as before. ``evaluations`` counts the
    linear programs solved (HiGHS calls), ``extra["blocks"]`` the per-neuron
    blocks they held, ``extra["closed_form"]`` the blocks of step 0. A
    ``workspace`` lends its HiGHS instance to the solves (:func:`highs_lp`)."""
    t0 = time.perf_counter()
    G, g, W, beta, lo, hi, centre = _exact_setup(problem, tie_break, low, high, unknown)
    n_rows, d = W.shape
    # the blocks hold R_j / ‖w_j‖ (same minimisers, same faces; μ_j becomes PENALTY·√d), so that a
    # block's row [w_j, -1] has entries of one size whatever the weights' scale (see _scaled_linprog)
    norms = np.linalg.norm(W, axis=1)
    safe = np.where(norms > 0, norms, 1.0)
    Wn, beta_n = W / safe[:, None], beta / safe
    out: list[tuple[Tensor | None, str] | None] = [None] * n_rows
    nonzero = W.any(axis=1)
    search = np.flatnonzero(nonzero).tolist()
    flat = np.flatnonzero(~nonzero).tolist()
    zero_rows: list[int] = []  # zero gradient and R = 0: the L1-least point of C (a P block)
    for j in flat:
        bj = float(beta[j])
        if bj != 0.0:
            out[j] = (None, f"R is constant ({bj:.6g}) on this segment: no root")
        elif tie_break == "none":
            out[j] = (problem.point.clone(), _ZERO_REASON)
        else:
            zero_rows.append(j)
    calls = n_blocks = 0
    failed = False
    need_q = search if tie_break == "none" else []
    x_pen: dict[int, np.ndarray] = {}
    pen_rows = [] if tie_break == "none" else search + zero_rows
    n_axis = 0
    zero_set = set(zero_rows)
    if pen_rows:
        # step 0: blocks whose relaxation without the segment's rows has its answer inside C
        done, X0 = _axis_roots(G, g, W[pen_rows], beta[pen_rows], lo, hi, centre)
        if done.any():
            X0_t = torch.from_numpy(X0)
            for i in np.flatnonzero(done).tolist():
                j = pen_rows[i]
                x_pen[j] = X0[i]
                out[j] = (X0_t[i], _ZERO_REASON if j in zero_set else "")
            n_axis = int(done.sum())
            pen_rows = [j for i, j in enumerate(pen_rows) if not done[i]]
    if pen_rows:
        blocks, rhs, cost, v_lo, v_hi, M = _p_blocks(G, g, Wn[pen_rows], beta_n[pen_rows], lo, hi, centre)
        res = _solve_blocks(cost, blocks, rhs, v_lo, v_hi, workspace)
        calls += 1
        n_blocks += len(pen_rows)
        if res.status != 0:
            failed = True
        else:
            X = centre + res.x.reshape(len(pen_rows), -1)[:, :-1] @ M.T + 0.0  # + 0.0: no -0.0 (see _tensor)
            Wp, bp = W[pen_rows], beta[pen_rows]
            r_all = (Wp * X).sum(axis=1) + bp
            # _scale per row, at once: roots (|R| <= 1e-12 relative) need no certificate
            is_root = np.abs(r_all) <= 1e-12 * (np.abs(Wp).sum(axis=1) * (1.0 + np.abs(X).max(axis=1)) + np.abs(bp))
            X_t = torch.from_numpy(X)
            # the rest need a certificate of least |R| (KKT of min sign(R)·R over C at x)
            unproven = [i for i, j in enumerate(pen_rows) if j not in zero_set and not is_root[i]]
            certified = dict(zip(unproven, _certified_minima(
                G, g, lo, hi, np.sign(r_all[unproven])[:, None] * Wp[unproven], X[unproven]).tolist(),
                strict=True)) if unproven else {}
            for i, j in enumerate(pen_rows):
                x_pen[j] = X[i]
                if j in zero_set:
                    out[j] = (X_t[i], _ZERO_REASON)
                elif is_root[i]:
                    out[j] = (X_t[i], "")  # |R| <= 1e-12 relative: _classify's reason is "" too
                elif certified[i]:
                    out[j] = (X_t[i], _classify(W[j], float(beta[j]), X[i])[2])
                else:
                    need_q.append(j)
    pending: list[tuple[int, np.ndarray, float, float, np.ndarray, str]] = []
    if need_q and not failed:
        blocks, rhs, cost, v_lo, v_hi = _q_blocks(G, g, Wn[need_q], beta_n[need_q], lo, hi)
        res = _solve(cost, _block_matrix(blocks), rhs, v_lo, v_hi)
        calls += 1
        n_blocks += len(need_q)
        if res.status != 0:
            failed = True
        else:
            k, m = len(need_q), G.shape[0]
            Xq = res.x.reshape(k, d + 1)[:, :d]
            row_m = np.asarray(res.ineqlin.marginals).reshape(k, m + 2)
            lo_m = np.asarray(res.lower.marginals).reshape(k, d + 1)
            hi_m = np.asarray(res.upper.marginals).reshape(k, d + 1)
            for i, j in enumerate(need_q):
                w, bj, x = W[j], float(beta[j]), Xq[i]
                lo_r, hi_r, reason = _classify(w, bj, x)
                xp = x_pen.get(j)
                if xp is not None and abs(float(w @ xp) + bj) <= abs(float(w @ x) + bj) + 1e-12 * _scale(w, bj, xp):
                    out[j] = (_tensor(xp), reason)
                elif tie_break == "none" or _unique_block(blocks[i], row_m[i], lo_m[i], hi_m[i], 1e-9):
                    out[j] = (_tensor(x), reason)
                else:
                    pending.append((j, w, lo_r, hi_r, x, reason))
    if failed:
        # per-neuron LPs for everything (they say which neuron has which problem)
        for j in search + zero_rows:
            root, reason, n = _solve_neuron(problem, j, G, g, W[j], float(beta[j]), lo, hi, centre, tie_break)
            out[j] = (root, reason)
            n_blocks += n
            calls += n
        pending = []
    if pending:
        picks = _batched_tie_break(G, g, [(w, lo_r, hi_r) for _, w, lo_r, hi_r, _, _ in pending], lo, hi, centre,
                                   workspace)
        calls += 1
        for i, (j, w, lo_r, hi_r, x, reason) in enumerate(pending):
            if picks is None:  # the batch failed: each on its own
                pick = _tie_break_lp(G, g, w, lo_r, hi_r, lo, hi, centre)
                calls += 1
            else:
                pick = picks[i]
            n_blocks += 1
            out[j] = (_tensor(x if pick is None else pick), reason)
    items: list[tuple[int, Tensor | None, str]] = []
    for j, found in enumerate(out):
        assert found is not None
        items.append((j, found[0], found[1]))
    return RootResult("exact", {"tie_break": tie_break}, make_roots(problem, items), calls, time.perf_counter() - t0,
                      extra={"blocks": n_blocks, "closed_form": n_axis})


# --- mcmc ------------------------------------------------------------------------


@FINDERS.register(
    "mcmc", label="Metropolis–Hastings chains", cite=SIXT, segment_only=False, stochastic=True, params=MCMC_DEFAULTS
)
def mcmc_finder(
    problem: RootProblem,
    *,
    generator: torch.Generator | None = None,
    progress: Progress = None,
    workspace: Workspace | None = None,
    n_chains: int = 10,
    n_steps: int = 1_000,
    n_warmup: int = 100,
    init_scale: float = 1e-6,
    temperature: float = 0.1,
    target_accept: float = 0.5,
    nonnegative: bool | None = None,
    low: Any = None,
    high: Any = None,
    **unknown: Any,
) -> RootResult:
    """Metropolis–Hastings chains confined to a's segment (the study's
    ``LocalSegmentRoots``; defaults n_chains=10, n_steps=1000, n_warmup=100,
    init_scale=1e-6 as in its code), all vectorised over chains.

    Every chain starts at a. A proposal ``x' = x + s·ε``, ``ε ~ N(0, I)``, is
    accepted with probability ``min(1, π(x')/π(x))`` for the target

        π(x) ∝ 1[x has a's pattern] · exp(−E(x)/T),   E(x) = Σ_j |R_j(x)| / |R_j(a)|

    (R from the segment's affine map, exact inside the segment; membership by
    the activation pattern, no gradient tolerance and no autograd; with
    ``nonnegative`` proposals with a negative coordinate are rejected, and so
    are proposals outside the box). ``temperature=inf`` samples the segment
    uniformly, like the study, whose chains accept any move that keeps the
    gradient. The step s of each chain adapts as ``log s += η (accepted −
    target_accept)`` with η = 0.5 during warmup and η = 0.5/√(1+k) after
    (diminishing adaptation). The root of neuron j is the post-warmup sample
    with the lowest ``R_j >= 0``; ``samples`` holds all post-warmup samples
    (n_steps·n_chains × d, step-major). ``nonnegative`` defaults to
    ``problem.nonnegative``."""
    t0 = time.perf_counter()
    _unknown("mcmc", unknown, {**MCMC_DEFAULTS, "low": None, "high": None})
    n_chains = _int_param("n_chains", n_chains, 1, MAX_CHAINS)
    n_steps = _int_param("n_steps", n_steps, 1, MAX_STEPS)
    n_warmup = _int_param("n_warmup", n_warmup, 0, MAX_WARMUP)
    init_scale = _float_param("init_scale", init_scale, 0.0, 1e6, open_low=True)
    temperature = _float_param("temperature", temperature, 0.0, math.inf, open_low=True)
    target_accept = _float_param("target_accept", target_accept, 0.0, 1.0, open_low=True)
    d = problem.dim
    if n_steps * n_chains * d > MAX_STORED:
        raise LRPError(f"n_steps × n_chains × inputs must be at most {MAX_STORED:,} stored numbers; "
                       f"got {n_steps * n_chains * d:,}")
    _mcmc_work(n_chains, n_steps, n_warmup, len(problem.neurons), d, int(problem.segment.G.shape[0]))
    nonneg = problem.nonnegative if nonnegative is None else bool(nonnegative)
    box = _box(problem, low, high)
    region = _Region(problem, nonneg, box)
    gen = generator if generator is not None else torch.Generator().manual_seed(0)

    a = problem.point.to(DTYPE)
    W, beta = problem.affine.weight, problem.affine.bias
    r_a = W @ a + beta
    norm = r_a.abs().clamp_min(1e-12 * (1.0 + float((W.abs() @ a.abs()).max())))

    inv_norm = 1.0 / norm
    # one matmul per step gives every unit's slack (sign · z) and every R
    n_c = region.G.shape[0]
    fused = torch.cat([-region.G, W]).T.contiguous()
    fused_off = torch.cat([region.g, beta])
    active = region.active

    # The loop runs on NumPy views of float64 tensors: for arrays this small a
    # NumPy call costs a fraction of a torch call. Random numbers still come
    # from the torch generator, in blocks, so runs are reproducible from it.
    m_fused, m_off = fused.numpy(), fused_off.numpy()
    act, inv = active.numpy(), inv_norm.numpy()
    box_np = None if box is None else (box[0].numpy(), box[1].numpy())
    x = np.repeat(a.numpy()[None, :], n_chains, axis=0)
    e = np.full(n_chains, float(((W @ a + beta).abs() * inv_norm).sum()))
    log_s = np.full(n_chains, math.log(init_scale))
    samples = torch.empty(n_steps, n_chains, d, dtype=DTYPE)
    samples_np = samples.numpy()
    accepted_after = np.zeros(n_chains)
    total = n_warmup + n_steps
    every = max(1, total // 100)
    start_inside = bool(region(a.unsqueeze(0))[0])
    block = 256
    noise = log_u = np.empty(0)
    lo_log, hi_log = math.log(1e-12), math.log(1e6)
    for i in range(total):
        b = i % block
        if b == 0:
            m = min(block, total - i)
            noise = torch.randn(m, n_chains, d, generator=gen, dtype=DTYPE).numpy()
            log_u = torch.rand(m, n_chains, generator=gen, dtype=DTYPE).log_().mul_(temperature).numpy()
        prop = x + np.exp(log_s)[:, None] * noise[b]
        out = prop @ m_fused + m_off
        slack = out[:, :n_c]
        e_prop = (np.abs(out[:, n_c:]) * inv).sum(axis=1)
        ok = np.where(act, slack > 0, slack >= 0).all(axis=1)
        if nonneg:
            ok &= (prop >= 0).all(axis=1)
        if box_np is not None:
            ok &= ((prop >= box_np[0]) & (prop <= box_np[1])).all(axis=1)
        ok &= log_u[b] < e - e_prop
        x = np.where(ok[:, None], prop, x)
        e = np.where(ok, e_prop, e)
        eta = 0.5 if i < n_warmup else 0.5 / math.sqrt(1.0 + i - n_warmup)
        log_s += np.where(ok, eta * (1.0 - target_accept), -eta * target_accept)
        np.clip(log_s, lo_log, hi_log, out=log_s)
        if i >= n_warmup:
            samples_np[i - n_warmup] = x
            accepted_after += ok
        if progress is not None and (i % every == 0 or i == total - 1):
            progress((i + 1) / total)
    flat = samples.reshape(n_steps * n_chains, d)
    # verify every stored sample with the network's own pattern (float rounding
    # of the composed maps could differ at 1e-16 from the layer-by-layer pass)
    keep = problem.in_segment(flat) if start_inside else torch.zeros(flat.shape[0], dtype=torch.bool)
    dropped = int((~keep).sum())
    if start_inside and dropped:
        flat = flat[keep]
    roots = (
        _pick_lowest(problem, flat, "chain samples")
        if start_inside
        else [make_root(problem, j, None, "a itself violates x >= 0 or the box; the chains cannot start")
              for j in range(len(problem.neurons))]
    )
    extra = {
        "acceptance": float(accepted_after.sum()) / (n_steps * n_chains),
        "final_step": np.exp(log_s).tolist(),
        "dropped": dropped,
        "n_chains": n_chains,
    }
    params = {"n_chains": n_chains, "n_steps": n_steps, "n_warmup": n_warmup, "init_scale": init_scale,
              "temperature": temperature, "target_accept": target_accept, "nonnegative": nonneg}
    return RootResult("mcmc", params, tuple(roots), total * n_chains + flat.shape[0],
                      time.perf_counter() - t0, samples=flat, extra=extra)


def _mcmc_work(n_chains: int, n_steps: int, n_warmup: int, n_explained: int, d: int, n_constraints: int) -> None:
    """Refuse a run whose total work exceeds the caps (each named in the message)."""
    steps = n_steps + n_warmup
    if steps > MAX_MCMC_TOTAL_STEPS:
        raise LRPError(f"n_steps + n_warmup must be at most {MAX_MCMC_TOTAL_STEPS:,}; got {steps:,}")
    work = n_chains * steps * max(1, n_explained)
    if work > MAX_MCMC_WORK:
        raise LRPError(f"n_chains × (n_steps + n_warmup) × explained neurons must be at most {MAX_MCMC_WORK:,}; "
                       f"got {n_chains:,} × {steps:,} × {n_explained:,} = {work:,}: use fewer chains or steps")
    flops = n_chains * steps * d * (n_constraints + n_explained)
    if flops > MAX_MCMC_FLOPS:
        limit = MAX_MCMC_FLOPS // max(1, d * (n_constraints + n_explained))
        raise LRPError(f"with {d} inputs, {n_constraints} segment constraints and {n_explained} explained "
                       f"neurons, n_chains × (n_steps + n_warmup) must be at most {limit:,}; "
                       f"got {n_chains * steps:,}")


# --- interpolation -------------------------------------------------------------


@FINDERS.register(
    "interpolation", label="Interpolation to the edge", cite=SIXT, segment_only=False, stochastic=True,
    params=INTERPOLATION_DEFAULTS,
)
def interpolation_finder(
    problem: RootProblem,
    *,
    generator: torch.Generator | None = None,
    progress: Progress = None,
    workspace: Workspace | None = None,
    n_directions: int = 50,
    init_scale: float = 1.0,
    n_bisect: int = 60,
    max_doublings: int = 40,
    nonnegative: bool | None = None,
    low: Any = None,
    high: Any = None,
    **unknown: Any,
) -> RootResult:
    """Random unit directions u from a; along each ray ``a + t u`` the largest t
    that keeps a's activation pattern is bracketed (t = init_scale, doubled
    until the ray leaves the segment, at most ``max_doublings`` times; rays
    that never leave are dropped as unbounded) and then found by ``n_bisect``
    bisection steps; the edge point is the last point inside, so it lies in the
    segment and within ``t·2^-n_bisect`` of its boundary. With ``nonnegative``
    (default ``problem.nonnegative``) the orthant x >= 0 — and a box, if
    given — bounds the segment too. The root of neuron j is the edge point
    with the lowest ``R_j >= 0``; ``samples`` are the edge points (the study's
    interpolation root finder; there a grid of 10 points is refined 10 times)."""
    t0 = time.perf_counter()
    _unknown("interpolation", unknown, {**INTERPOLATION_DEFAULTS, "low": None, "high": None})
    n = _int_param("n_directions", n_directions, 1, MAX_DIRECTIONS)
    init_scale = _float_param("init_scale", init_scale, 0.0, 1e12, open_low=True)
    n_bisect = _int_param("n_bisect", n_bisect, 1, 200)
    max_doublings = _int_param("max_doublings", max_doublings, 0, 200)
    n_constraints = int(problem.segment.G.shape[0])
    work = n * (1 + max_doublings + n_bisect) * max(1, n_constraints)
    if work > MAX_INTERPOLATION_WORK:
        raise LRPError(f"n_directions × (1 + max_doublings + n_bisect) × segment constraints must be at most "
                       f"{MAX_INTERPOLATION_WORK:,}; got {n:,} × {1 + max_doublings + n_bisect:,} × "
                       f"{n_constraints:,} = {work:,}: use fewer directions or steps")
    nonneg = problem.nonnegative if nonnegative is None else bool(nonnegative)
    box = _box(problem, low, high)
    # bisection homes in on the boundary, so membership comes from the network itself
    region = _Region(problem, nonneg, box, network=True)
    gen = generator if generator is not None else torch.Generator().manual_seed(0)
    a = problem.point.to(DTYPE)
    d = problem.dim
    params = {"n_directions": n, "init_scale": init_scale, "n_bisect": n_bisect,
              "max_doublings": max_doublings, "nonnegative": nonneg}
    if not bool(region(a.unsqueeze(0))[0]):
        roots = [make_root(problem, j, None, "a itself violates x >= 0 or the box")
                 for j in range(len(problem.neurons))]
        return RootResult("interpolation", params, tuple(roots), 1, time.perf_counter() - t0,
                          samples=torch.zeros(0, d, dtype=DTYPE))
    u = torch.randn(n, d, generator=gen, dtype=DTYPE)
    u = u / u.norm(dim=1, keepdim=True).clamp_min(1e-300)
    lo = torch.zeros(n, dtype=DTYPE)
    hi = torch.full((n,), init_scale, dtype=DTYPE)
    evals = 1
    inside = region(a + hi.unsqueeze(1) * u)
    evals += n
    for _ in range(max_doublings):
        if not bool(inside.any()):
            break
        lo = torch.where(inside, hi, lo)
        hi = torch.where(inside, hi * 2, hi)
        inside = region(a + hi.unsqueeze(1) * u)
        evals += n
    bounded = ~inside
    total = n_bisect
    for k in range(n_bisect):
        mid = 0.5 * (lo + hi)
        ins = region(a + mid.unsqueeze(1) * u)
        evals += n
        lo = torch.where(ins, mid, lo)
        hi = torch.where(ins, hi, mid)
        if progress is not None:
            progress((k + 1) / total)
    edges = (a + lo.unsqueeze(1) * u)[bounded]
    keep = problem.in_segment(edges)
    edges = edges[keep]
    roots = _pick_lowest(problem, edges, "edge points")
    extra = {"unbounded": int((~bounded).sum()), "dropped": int((~keep).sum()), "directions": u[bounded][keep]}
    return RootResult("interpolation", params, tuple(roots), evals, time.perf_counter() - t0,
                      samples=edges, extra=extra)


def is_segment_only(name: str, params: dict[str, Any] | None = None) -> bool:
    """Whether finder ``name`` with ``params`` gives a root that depends only on
    a's segment (so that it can be cached by activation pattern)."""
    entry = FINDERS.get(name)
    if name == "exact":
        return (params or {}).get("tie_break", "l1") != "nearest"
    return bool(entry.extra.get("segment_only", False))
