"""The ``exact`` finder: a root in the closure of a's segment by linear programming.

Inside the segment C (``G x <= g``, plus ``x >= 0`` for a post-ReLU layer input
and the box if given) the relevance of explained neuron j is affine,
``R_j(x) = w_j·x + β_j``. C holds a root exactly when ``min |R_j|`` over C is 0
(C is convex and R_j affine), so one LP per neuron settles it:

    Q_j:  min u   s.t.  x ∈ C,  −u <= w_j·x + β_j <= u          (u >= 0)

If the least |R_j| is positive no point of C is a root, and the LP's optimum
is the certificate: the reason says whether R > 0 or R < 0 on all of C, and
the minimiser (the point closest to a root) is returned.

Tie-break (the minimisers form a face): ``l1`` (default) a second LP picks
the point of that face with the least L1 norm ``Σ|x_i|``; as both LPs are
built from the segment's inequalities only, the root depends only on a's
activation pattern (cache roots by pattern). ``nearest`` picks the least
``Σ|x_i − a_i|`` instead, which depends on a (not segment-only). ``none``
keeps the first LP's vertex (segment-only too, but which vertex is the
solver's choice).

A layer's neurons are solved together: the Q_j are the blocks of ONE
block-diagonal LP (its objective the sum of theirs, so it is separable and
each block's optimum is its own), and so are the tie-breaks. If a batched
solve fails, each neuron is solved on its own so that the reasons say which
one fails. ``evaluations`` counts the LPs solved, ``extra["blocks"]`` the
per-neuron blocks they held. Every LP goes through
:func:`lrp_core.roots.lp.solve_lp` (scale-invariant: weights of 1e±30 find
the same roots).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import numpy as np
import torch
from scipy import sparse

from lrp_core.params import Param, defaults
from lrp_core.roots.base import DTYPE, FINDERS, RootProblem, RootResult, make_roots
from lrp_core.roots.common import Progress, check_params, finder_box
from lrp_core.roots.lp import LPResult, solve_lp
from lrp_core.roots.rules import SIXT

Tensor = torch.Tensor
TIE_BREAKS = ("l1", "nearest", "none")
SCHEMA = (
    Param("tie_break", "str", "l1", "which point of the face of minimisers: least L1 norm, nearest to a "
          "(L1), or the solver's vertex", choices=TIE_BREAKS),
)
#: |R| below this, relative to |w|·(1 + |x|) + |β|, counts as a root
ZERO_TOL = 1e-9
ZERO_REASON = "R is 0 on the whole segment (gradient 0): every point of it is a root"
EMPTY_REASON = "the segment's closure is empty under the constraints (x >= 0 or the box exclude it)"


def exact_segment_only(params: Mapping[str, Any]) -> bool:
    """``tie_break="nearest"`` makes the root depend on a itself."""
    return params.get("tie_break", "l1") != "nearest"


#: a batched LP with at most this many matrix entries is passed dense (sparse matrix operations cost
#: more than dense ones at the sizes of a small layer)
DENSE_LIMIT = 250_000


def block_diag(blocks: np.ndarray) -> Any:
    """The block-diagonal matrix of ``blocks`` (k × m × n): dense up to
    ``DENSE_LIMIT`` entries, else sparse (CSR)."""
    k, m, n = blocks.shape
    if k * m * k * n > DENSE_LIMIT:
        return sparse.block_diag(list(blocks), format="csr")
    out = np.zeros((k, m, k, n))
    out[np.arange(k), :, np.arange(k), :] = blocks
    return out.reshape(k * m, k * n)


def _least_abs_r(G: np.ndarray, g: np.ndarray, W: np.ndarray, beta: np.ndarray, lo: np.ndarray,
                 hi: np.ndarray) -> LPResult:
    """The Q_j of the rows of W as one block-diagonal LP; x per block in
    ``res.x.reshape(k, d + 1)[:, :d]``. The blocks hold R_j / ‖w_j‖ (same
    minimisers), so that a row ``[w_j, −1]`` has entries of one size whatever
    the weights' scale: else the row scaling of :func:`solve_lp` cannot lift
    a w_j of 1e-20 next to the −1 of u, and u would be 0 within tolerance."""
    k, d = W.shape
    m = G.shape[0]
    norms = np.linalg.norm(W, axis=1, keepdims=True)
    W, beta = W / norms, beta / norms[:, 0]
    blocks = np.zeros((k, m + 2, d + 1))
    blocks[:, :m, :d] = G
    blocks[:, m, :d], blocks[:, m + 1, :d] = W, -W
    blocks[:, m:, d] = -1.0
    rhs = np.zeros((k, m + 2))
    rhs[:, :m] = g
    rhs[:, m], rhs[:, m + 1] = -beta, beta
    cost = np.tile(np.r_[np.zeros(d), 1.0], k)
    return solve_lp(cost, block_diag(blocks), rhs.reshape(-1),
                    np.tile(np.r_[lo, 0.0], k), np.tile(np.r_[hi, np.inf], k))


def _l1_least(G: np.ndarray, g: np.ndarray, jobs: list[tuple[np.ndarray, float, float]], lo: np.ndarray,
              hi: np.ndarray, centre: np.ndarray) -> np.ndarray | None:
    """Per job (w, lo_r, hi_r): among the points of C with ``lo_r <= w·x <=
    hi_r`` the one with the least ``Σ|x_i − c_i|``, all jobs as one
    block-diagonal LP. A coordinate whose bounds keep it on one side of c
    (``lo_i >= c_i``, e.g. x >= 0 with c = 0, or ``hi_i <= c_i``) has
    ``|x_i − c_i| = ±(x_i − c_i)``, a linear cost; only the others get a
    variable ``s_i >= |x_i − c_i|`` (two rows). Returns X (jobs × d) or None."""
    k, d, m = len(jobs), G.shape[1], G.shape[0]
    up = lo >= centre
    two = np.flatnonzero(~(up | (hi <= centre)))
    q = two.size
    n = d + q
    blocks = np.zeros((k, m + 2 + 2 * q, n))
    blocks[:, :m, :d] = G
    rows = np.arange(q)
    blocks[:, m + 2 + rows, two], blocks[:, m + 2 + rows, d + rows] = 1.0, -1.0
    blocks[:, m + 2 + q + rows, two], blocks[:, m + 2 + q + rows, d + rows] = -1.0, -1.0
    rhs = np.zeros((k, m + 2 + 2 * q))
    rhs[:, :m] = g
    rhs[:, m + 2 : m + 2 + q], rhs[:, m + 2 + q :] = centre[two], -centre[two]
    for i, (w, lo_r, hi_r) in enumerate(jobs):
        blocks[i, m, :d], blocks[i, m + 1, :d] = w, -w
        rhs[i, m], rhs[i, m + 1] = hi_r, -lo_r
    per = np.r_[np.where(up, 1.0, -1.0), np.ones(q)]
    per[two] = 0.0
    res = solve_lp(np.tile(per, k), block_diag(blocks), rhs.reshape(-1),
                   np.tile(np.r_[lo, np.zeros(q)], k), np.tile(np.r_[hi, np.full(q, np.inf)], k))
    return None if res.x is None else res.x.reshape(k, n)[:, :d]


def _face(w: np.ndarray, bj: float, x: np.ndarray) -> tuple[float, float, str]:
    """From a point x of least |R| over C: the band ``[lo_r, hi_r]`` of ``w·x``
    on the face of minimisers, and the reason (empty for a root)."""
    wx = float(w @ x)
    r = wx + bj
    tol = ZERO_TOL * (float(np.abs(w).sum() * (1.0 + np.abs(x).max())) + abs(bj))
    if r < -tol:
        return wx, wx, f"R < 0 on the whole segment; no root there: returning the point with the largest R = {r:.6g}"
    reason = f"no point with R = 0 in the segment's closure; returning the minimiser, R = {r:.6g}" if r > tol else ""
    return min(-bj, wx), wx, reason


def _minimisers(G: np.ndarray, g: np.ndarray, W: np.ndarray, beta: np.ndarray, lo: np.ndarray,
                hi: np.ndarray, rows: list[int]) -> tuple[dict[int, tuple[np.ndarray | None, str]], int]:
    """Per row j, a point of least |R_j| over C (None: the reason says why);
    batched, each row alone if the batch fails. Returns (answers, LPs solved)."""
    out: dict[int, tuple[np.ndarray | None, str]] = {}
    if not rows:
        return out, 0
    d = G.shape[1]
    res = _least_abs_r(G, g, W[rows], beta[rows], lo, hi)
    if res.x is not None:
        X = res.x.reshape(len(rows), d + 1)[:, :d]
        return {j: (X[i], "") for i, j in enumerate(rows)}, 1
    if res.status == 2:  # C itself is empty (every block has the same C)
        return {j: (None, EMPTY_REASON) for j in rows}, 1
    calls = 1
    for j in rows:
        one = _least_abs_r(G, g, W[[j]], beta[[j]], lo, hi)
        calls += 1
        out[j] = (one.x[:d], "") if one.x is not None else (None, f"the linear program failed: {one.message}")
    return out, calls


def _tie_breaks(G: np.ndarray, g: np.ndarray, jobs: dict[int, tuple[np.ndarray, float, float, np.ndarray]],
                lo: np.ndarray, hi: np.ndarray, centre: np.ndarray) -> tuple[dict[int, np.ndarray], int]:
    """The tie-break of every job ``j: (w, lo_r, hi_r, x)``, batched (each alone
    if the batch fails; a job whose LP fails keeps its x)."""
    if not jobs:
        return {}, 0
    keys = list(jobs)
    X = _l1_least(G, g, [jobs[j][:3] for j in keys], lo, hi, centre)
    if X is not None:
        return dict(zip(keys, X, strict=True)), 1
    out = {}
    for j in keys:
        one = _l1_least(G, g, [jobs[j][:3]], lo, hi, centre)
        out[j] = jobs[j][3] if one is None else one[0]
    return out, 1 + len(keys)


def _bounds(d: int, nonnegative: bool, box: tuple[Tensor, Tensor] | None) -> tuple[np.ndarray, np.ndarray]:
    """The variables' bounds (±inf = none): x >= 0 for a post-ReLU layer input, and the box."""
    lo = np.zeros(d) if nonnegative else np.full(d, -np.inf)
    hi = np.full(d, np.inf)
    if box is not None:
        lo = np.maximum(lo, box[0].to(DTYPE).numpy())
        hi = box[1].to(DTYPE).numpy().copy()
    return lo, hi


def _tensor(x: np.ndarray) -> Tensor:
    """A root as a float64 tensor of its own (``+ 0.0`` turns the solver's -0.0 into 0.0)."""
    return torch.from_numpy(np.asarray(x, dtype=np.float64) + 0.0)


@FINDERS.register(
    "exact", label="Exact (linear program)", cite=SIXT, schema=SCHEMA, params=MappingProxyType(defaults(SCHEMA)), segment_only=exact_segment_only,
    stochastic=False,
)
def exact_finder(
    problem: RootProblem,
    *,
    generator: torch.Generator | None = None,
    progress: Progress = None,
    **values: Any,
) -> RootResult:
    """Per explained neuron, a root in the closure of a's segment by the LPs
    of the module docstring (min |R| over C, then the tie-break)."""
    t0 = time.perf_counter()
    p, box_args = check_params("exact", values)
    tie = p["tie_break"]
    lo, hi = _bounds(problem.dim, problem.nonnegative,
                     finder_box(problem, box_args.get("low"), box_args.get("high")))
    centre = problem.point.to(DTYPE).numpy() if tie == "nearest" else np.zeros(problem.dim)
    G, g = problem.segment.G.numpy(), problem.segment.g.numpy()
    W, beta = problem.affine.weight.numpy(), problem.affine.bias.numpy()
    n = W.shape[0]
    answers: dict[int, tuple[np.ndarray | None, str]] = {}
    jobs: dict[int, tuple[np.ndarray, float, float, np.ndarray]] = {}
    search = [j for j in range(n) if W[j].any()]
    for j in sorted(set(range(n)) - set(search)):  # R constant on the segment
        bj = float(beta[j])
        if bj != 0.0:
            answers[j] = (None, f"R is constant ({bj:.6g}) on this segment: no root")
        else:
            answers[j] = (problem.point.to(DTYPE).numpy(), ZERO_REASON)
            jobs[j] = (W[j], 0.0, 0.0, answers[j][0])
    found, calls = _minimisers(G, g, W, beta, lo, hi, search)
    for j, (x, reason) in found.items():
        if x is None:
            answers[j] = (None, reason)
            continue
        lo_r, hi_r, why = _face(W[j], float(beta[j]), x)
        answers[j] = (x, why)
        jobs[j] = (W[j], lo_r, hi_r, x)
    n_blocks = len(search)
    if tie != "none":
        picks, k = _tie_breaks(G, g, jobs, lo, hi, centre)
        calls, n_blocks = calls + k, n_blocks + len(jobs)
        answers.update({j: (x, answers[j][1]) for j, x in picks.items()})
    items = [(j, None if answers[j][0] is None else _tensor(answers[j][0]), answers[j][1]) for j in range(n)]
    return RootResult("exact", {"tie_break": tie}, make_roots(problem, items), calls, time.perf_counter() - t0,
                      extra={"blocks": n_blocks})
