"""The four root finders: ``rule``, ``exact``, ``mcmc`` and ``interpolation``.

Each finder solves a :class:`~lrp_core.roots.base.RootProblem`: for every
explained neuron j it looks for a root ã with ``R_j(ã) = 0`` in the closure of
the linear segment that contains the point a, so that the first-order Taylor
expansion ``R_j(a) = R_j(ã) + ∇R_j·(a − ã)`` is exact (Sixt & Landgraf 2022,
"A Rigorous Study of the Deep Taylor Decomposition", Sec. 3). Inside the
segment R is affine, ``R(a') = W a' + β`` (``problem.affine``), which every
finder uses instead of autograd.

Signature (a contract): ``finder(problem, *, generator=None, progress=None,
**params) -> RootResult``. ``evaluations`` counts points at which R or the
activation pattern was evaluated (for ``exact``: linear programs solved).

Registry extras (``FINDERS.get(name).extra``): ``segment_only`` — with its
default parameters the root depends only on a's segment (its activation
pattern), never on where a lies inside it, so roots may be cached by pattern;
``stochastic`` — it draws random numbers from ``generator``; ``params`` — the
default parameters (for forms and the CLI).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

import numpy as np
import torch
from scipy.optimize import linprog

from lrp_core.errors import LRPError
from lrp_core.roots.base import DTYPE, FINDERS, Root, RootProblem, RootResult, make_root
from lrp_core.roots.rules import SIXT, apply_rule, box_bounds, resolve_rule

Tensor = torch.Tensor
Progress = Callable[[float], None] | None

#: caps that keep one call bounded in time and memory
MAX_CHAINS = 2_000
MAX_STEPS = 200_000
MAX_WARMUP = 1_000_000
MAX_STORED = 20_000_000  # stored sample coordinates (n_steps × n_chains × d)
MAX_DIRECTIONS = 100_000

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
    roots: list[Root] = []
    if candidates.shape[0] == 0:
        return [make_root(problem, j, None, f"no {what} to choose from") for j in range(len(problem.neurons))]
    rel = candidates @ problem.affine.weight.T + problem.affine.bias
    for j in range(len(problem.neurons)):
        r = rel[:, j]
        ok = r >= 0
        if not bool(ok.any()):
            roots.append(make_root(problem, j, None, f"no {what} has R >= 0 (largest R = {float(r.max()):.6g})"))
            continue
        idx = int(torch.where(ok, r, torch.full_like(r, math.inf)).argmin())
        best = float(r[idx])
        reason = "" if best == 0.0 else f"lowest R >= 0 among the {what} is {best:.6g} (not an exact zero)"
        roots.append(make_root(problem, j, candidates[idx].clone(), reason))
    return roots


# --- rule ------------------------------------------------------------------------


@FINDERS.register(
    "rule", label="Closed-form rule", cite=SIXT, segment_only=False, stochastic=False, params=RULE_DEFAULTS
)
def rule_finder(
    problem: RootProblem,
    *,
    generator: torch.Generator | None = None,
    progress: Progress = None,
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
    roots = tuple(make_root(problem, j, root, reason) for j, (root, reason) in enumerate(outcomes))
    params = {"rule": name, "gamma": gamma}
    if box is not None:
        params.update(low=box[0].tolist(), high=box[1].tolist())
    return RootResult("rule", params, roots, 1, time.perf_counter() - t0)


# --- exact -----------------------------------------------------------------------

_HIGHS: Mapping[str, float] = MappingProxyType(
    {"primal_feasibility_tolerance": 1e-10, "dual_feasibility_tolerance": 1e-10}
)


def _bounds(d: int, nonnegative: bool, box: tuple[Tensor, Tensor] | None) -> list[tuple[float | None, float | None]]:
    out: list[tuple[float | None, float | None]] = []
    for i in range(d):
        lo: float | None = 0.0 if nonnegative else None
        hi: float | None = None
        if box is not None:
            lo = float(box[0][i]) if lo is None else max(lo, float(box[0][i]))
            hi = float(box[1][i])
        out.append((lo, hi))
    return out


def _lp(c: np.ndarray, A: np.ndarray, b: np.ndarray, bounds: list[tuple[float | None, float | None]]) -> Any:
    """HiGHS with its default tolerances (fast: a vertex solution is exact to
    rounding in practice); if the answer violates a constraint by more than
    1e-12 relative, solve again with tolerances 1e-10 (checking options costs
    HiGHS about a millisecond, so only then)."""
    res = linprog(c, A_ub=A, b_ub=b, bounds=bounds, method="highs")
    if res.status != 0:
        return res
    x = res.x
    scale = np.abs(A) @ np.abs(x) + np.abs(b) + 1.0
    lo = np.array([-np.inf if v is None else v for v, _ in bounds])
    hi = np.array([np.inf if v is None else v for _, v in bounds])
    tol = 1e-12 * (1.0 + np.abs(x))
    if bool((A @ x - b <= 1e-12 * scale).all() and (x >= lo - tol).all() and (x <= hi + tol).all()):
        return res
    return linprog(c, A_ub=A, b_ub=b, bounds=bounds, method="highs", options=dict(_HIGHS))


def _tie_break_lp(
    G: np.ndarray, g: np.ndarray, w: np.ndarray, lo_r: float, hi_r: float,
    bounds: list[tuple[float | None, float | None]], centre: np.ndarray,
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
    res = _lp(c, A, b, bounds + [(0.0, None)] * d)
    return res.x[:d] if res.status == 0 else None


def _unique_optimum(res: Any, A: np.ndarray, c: np.ndarray) -> bool:
    """Whether the LP's optimum is a single point, so that no tie-break is
    needed: by complementary slackness every optimal x keeps each constraint
    with a non-zero dual value tight; if those constraints (rows of A and
    bounds) have rank d, the optimal face is one vertex. Decided from the
    solver's dual values only, so it too depends only on the LP's data."""
    d = c.shape[0]
    tol = 1e-9 * max(1.0, float(np.abs(c).max()))
    rows = [A[np.abs(res.ineqlin.marginals) > tol]]
    eye = np.eye(d)
    for side in (res.lower, res.upper):
        marg = np.asarray(side.marginals)
        if marg.shape == (d,):
            rows.append(eye[np.abs(marg) > tol])
    tight = np.vstack(rows)
    return tight.shape[0] >= d and int(np.linalg.matrix_rank(tight)) == d


@FINDERS.register(
    "exact", label="Exact (linear program)", cite=SIXT, segment_only=True, stochastic=False, params=EXACT_DEFAULTS
)
def exact_finder(
    problem: RootProblem,
    *,
    generator: torch.Generator | None = None,
    progress: Progress = None,
    tie_break: str = "l1",
    low: Any = None,
    high: Any = None,
    **unknown: Any,
) -> RootResult:
    """Per explained neuron j, the linear program over the segment's closure

        min_x  w_j·x + β_j   s.t.  G x <= g,  w_j·x + β_j >= 0  (x >= 0 if the
        layer input is post-ReLU; l <= x <= h if a box is given)

    solved with HiGHS (scipy ``linprog``). Its minimum is 0 exactly when the
    closure holds a root; otherwise the reason says so and the minimiser is
    returned (if R < 0 on the whole closure, the point with the largest R).

    Tie-break (the minimisers form a face): ``l1`` (default) a second LP picks
    the point of that face with the least L1 norm ``Σ|x_i|`` (skipped when
    the dual values show the face is a single vertex); as both LPs are
    built from the segment's inequalities only, the root depends only on a's
    activation pattern (cache roots by pattern). ``nearest`` picks the point
    with the least ``Σ|x_i − a_i|`` instead, which depends on a (not
    segment-only). ``none`` keeps the first LP's vertex (segment-only too,
    but which vertex is the solver's choice)."""
    t0 = time.perf_counter()
    _unknown("exact", unknown, {**EXACT_DEFAULTS, "low": None, "high": None})
    if tie_break not in TIE_BREAKS:
        raise LRPError(f"unknown tie_break {tie_break!r}; choose one of: {', '.join(TIE_BREAKS)}")
    box = _box(problem, low, high)
    seg = problem.segment
    G = seg.G.numpy()
    g = seg.g.numpy()
    W = problem.affine.weight.numpy()
    beta = problem.affine.bias.numpy()
    d = problem.dim
    bounds = _bounds(d, problem.nonnegative, box)
    centre = problem.point.numpy() if tie_break == "nearest" else np.zeros(d)
    roots: list[Root] = []
    n_lp = 0
    for j in range(W.shape[0]):
        w, bj = W[j], float(beta[j])
        if not w.any():
            # R is constant on the segment: every point is a root if it is 0
            if bj == 0.0:
                pick = _tie_break_lp(G, g, w, 0.0, 0.0, bounds, centre) if tie_break != "none" else None
                n_lp += tie_break != "none"
                root = problem.point.clone() if pick is None else torch.as_tensor(pick, dtype=DTYPE)
                roots.append(make_root(problem, j, root, "R is 0 on the whole segment (gradient 0): "
                                                         "every point of it is a root"))
            else:
                roots.append(make_root(problem, j, None, f"R is constant ({bj:.6g}) on this segment: no root"))
            continue
        A = np.vstack([G, -w[None, :]])
        res = _lp(w, A, np.concatenate([g, [bj]]), bounds)
        n_lp += 1
        reason = ""
        if res.status == 2:
            # R >= 0 nowhere in the closure: take the largest R (closest to 0 from below)
            A = np.vstack([G, w[None, :]])
            res = _lp(-w, A, np.concatenate([g, [-bj]]), bounds)
            n_lp += 1
            if res.status != 0:
                roots.append(make_root(problem, j, None, "the segment's closure is empty under the constraints "
                                                         "(x >= 0 or the box exclude it)"))
                continue
            lo_r, hi_r = float(w @ res.x), float(w @ res.x)
            reason = (f"R < 0 on the whole segment; no root there: returning the point with the largest "
                      f"R = {lo_r + bj:.6g}")
        elif res.status != 0:
            roots.append(make_root(problem, j, None, f"the linear program failed: {res.message}"))
            continue
        else:
            lo_r, hi_r = -bj, float(w @ res.x)
            r_min = hi_r + bj
            scale = float(np.abs(w).sum() * (1.0 + np.abs(res.x).max())) + abs(bj)
            if r_min > 1e-9 * scale:
                reason = f"no point with R = 0 in the segment's closure; returning the minimiser, R = {r_min:.6g}"
        x = res.x
        if tie_break != "none" and not _unique_optimum(res, A, w):
            better = _tie_break_lp(G, g, w, lo_r, hi_r, bounds, centre)
            n_lp += 1
            if better is not None:
                x = better
        # "+ 0.0" turns the solver's -0.0 into 0.0 (same value, cleaner output)
        roots.append(make_root(problem, j, torch.as_tensor(x, dtype=DTYPE) + 0.0, reason))
    return RootResult("exact", {"tie_break": tie_break}, tuple(roots), n_lp, time.perf_counter() - t0)


# --- mcmc ------------------------------------------------------------------------


@FINDERS.register(
    "mcmc", label="Metropolis–Hastings chains", cite=SIXT, segment_only=False, stochastic=True, params=MCMC_DEFAULTS
)
def mcmc_finder(
    problem: RootProblem,
    *,
    generator: torch.Generator | None = None,
    progress: Progress = None,
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
