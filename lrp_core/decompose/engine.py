"""The decomposition engine: :func:`decompose`, :func:`decompose_many`, :func:`layer_problems`."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from lrp_core.decompose.cache import RootCache, _bits
from lrp_core.decompose.results import Decomposition, LayerResult, RootNode
from lrp_core.decompose.spec import MODES, FinderSpec
from lrp_core.errors import LRPError
from lrp_core.network import Network
from lrp_core.roots.base import FINDERS, Root, RootProblem

Tensor = torch.Tensor
DTYPE = torch.float64

# --- the engine -----------------------------------------------------------------


def _check_inputs(network: Network, x: Sequence[float] | Tensor, output: int, mode: str) -> Tensor:
    if mode not in MODES:
        raise LRPError(f"unknown mode {mode!r}; choose one of: {', '.join(MODES)}")
    xt = torch.as_tensor(x, dtype=DTYPE).detach().reshape(-1)  # a caller's autograd graph is never touched
    if xt.shape[0] != network.n_inputs:
        raise LRPError(f"the input needs {network.n_inputs} values, got {xt.shape[0]}")
    if not bool(torch.isfinite(xt).all()):
        raise LRPError("the input must contain finite numbers only")
    if isinstance(output, bool) or not isinstance(output, int) or not 0 <= output < network.n_outputs:
        raise LRPError(f"output must be in 0..{network.n_outputs - 1}, not {output!r}")
    return xt


def _layer_specs(
    n_layers: int, default: FinderSpec, per_layer: Mapping[int, FinderSpec] | None
) -> list[FinderSpec]:
    specs = [default] * n_layers
    for k, spec in (per_layer or {}).items():
        if isinstance(k, bool) or not isinstance(k, int) or not 0 <= k < n_layers:
            raise LRPError(f"per-layer settings name layer {k!r}; layers are 0..{n_layers - 1}")
        FINDERS.get(spec.finder)
        specs[k] = spec
    return specs


@dataclass(frozen=True, eq=False)
class _Run:
    """What every layer of one decomposition shares."""

    network: Network
    mode: str
    output: int
    generator: torch.Generator
    cache: RootCache
    use_cache: bool


def _top_head(network: Network, output: int) -> tuple[Tensor, Tensor]:
    """``(p, q)`` of the top level: ``R = h_L[output]``."""
    p = torch.zeros(network.layers[-1].n_out, dtype=DTYPE)
    p[output] = 1.0
    return p, torch.zeros_like(p)


def _train_free_head(out: Tensor, upper_rel: Tensor) -> Tensor:
    """``c'_j = R_j / h_j`` (0 where ``h_j = 0``): the upper relevance held fixed at its value."""
    safe = torch.where(out != 0, out, torch.ones_like(out))
    return torch.where(out != 0, upper_rel / safe, torch.zeros_like(out))


def _layer_progress(progress: Callable[[float], None] | None, step: int, n_layers: int) -> Callable[[float], None]:
    """Layer ``step``'s share of the overall progress (0..1)."""

    def report(frac: float) -> None:
        if progress is not None:
            progress(min(1.0, (step + max(0.0, min(1.0, frac))) / n_layers))

    return report


def decompose(
    network: Network,
    x: Sequence[float] | Tensor,
    output: int = 0,
    *,
    mode: str = "full",
    spec: FinderSpec | None = None,
    per_layer: Mapping[int, FinderSpec] | None = None,
    seed: int = 0,
    generator: torch.Generator | None = None,
    cache: RootCache | None = None,
    use_cache: bool = True,
    progress: Callable[[float], None] | None = None,
) -> Decomposition:
    """Decompose output ``output`` of ``network`` at ``x`` through every layer.

    ``mode`` is ``"full"`` (full-backward) or ``"train-free"`` (see the module
    docstring for both formulas). ``spec`` is the finder for every layer,
    ``per_layer`` overrides it for some layers (layer index -> spec). Random
    finders draw from ``generator`` (default: a new one seeded with ``seed``).
    The exact root cache is used for segment-only finders when ``use_cache``;
    pass ``cache`` to share it across calls (e.g. several points).
    """
    t0 = time.perf_counter()
    xt = _check_inputs(network, x, output, mode)
    n_layers = len(network.layers)
    specs = _layer_specs(n_layers, spec or FinderSpec.of("exact"), per_layer)
    gen = generator if generator is not None else torch.Generator().manual_seed(int(seed))
    run = _Run(network, mode, output, gen, cache if cache is not None else RootCache(), use_cache)
    hits0, misses0, searches0 = run.cache.hits, run.cache.misses, run.cache.searches

    trace = network.forward(xt)
    points = [xt, *trace.post[:-1]]  # points[k] = input of layer k
    p, q = _top_head(network, output)
    upper_rel = p * trace.output  # relevance of the top level at the point
    layers: list[LayerResult] = []
    evaluations = 0
    for step, k in enumerate(range(n_layers - 1, -1, -1)):
        report = _layer_progress(progress, step, n_layers)
        if mode == "full":
            head_diag, offset, seg_stop = p, q, n_layers
        else:
            head_diag = _train_free_head(trace.post[k], upper_rel)
            offset, seg_stop = torch.zeros_like(head_diag), k + 1
        result, p, q, evals = _layer_step(run, k, points[k], head_diag, offset, seg_stop, upper_rel, specs[k], report)
        evaluations += evals
        layers.append(result)
        upper_rel = result.relevance
        report(1.0)

    return Decomposition(
        mode=mode, output=output, x=xt, f_x=float(trace.output[output]), layers=tuple(layers),
        root_searches=run.cache.searches - searches0, cache_hits=run.cache.hits - hits0,
        cache_misses=run.cache.misses - misses0,
        cache_used=use_cache and any(s.segment_only for s in specs) and mode == "full",
        evaluations=evaluations, seconds=time.perf_counter() - t0,
        digest=network.digest, widths=tuple(network.widths),
    )


def _layer_problem(network: Network, k: int, h: Tensor, head_diag: Tensor, offset: Tensor,
                   explained: list[int], seg_stop: int) -> RootProblem:
    """Layer k's root problem: explain ``head_diag[j] · h_{k+1,j} + offset[j]``
    for the rows ``explained`` from layer k's input h, on the segment of
    layers ``k .. seg_stop-1`` (x >= 0 if h is post-ReLU)."""
    rows = np.asarray(explained, dtype=np.int64)
    hd = head_diag.to(DTYPE).numpy()
    head = np.zeros((rows.size, hd.shape[0]))
    head[np.arange(rows.size), rows] = hd[rows]  # the rows `explained` of diag(head_diag)
    return RootProblem(network, k, h, k + 1, torch.from_numpy(head), torch.from_numpy(offset.to(DTYPE).numpy()[rows]),
                       tuple(explained), seg_stop, nonnegative=k > 0 and network.layers[k - 1].is_relu)


def layer_problems(network: Network, dec: Decomposition) -> list[RootProblem]:
    """The root problem of every layer of a full-backward decomposition (every
    explained row, also those with a zero gradient), top layer first, rebuilt
    from its result exactly as :func:`decompose` states them: for running
    finders again on the same problems (benchmarks, cross-checks)."""
    if dec.mode != "full":
        raise LRPError("layer problems are rebuilt for full-backward decompositions only")
    n = len(network.layers)
    trace = network.forward(dec.x)
    points = [dec.x.to(DTYPE), *trace.post[:-1]]
    p, q = _top_head(network, dec.output)
    problems = []
    for k in range(n - 1, -1, -1):
        explained = torch.nonzero((p != 0) | (q != 0)).flatten().tolist()
        if explained:
            problems.append(_layer_problem(network, k, points[k], p, q, explained, n))
        p = torch.zeros(points[k].shape[0], dtype=DTYPE)
        q = torch.zeros_like(p)
        for node in dec.layer(k).nodes:
            if node.root is not None:
                p += node.gradient
                q -= node.gradient * node.root
    return problems


#: a found root per explained row: (root or None, reason, served from the cache)
Found = dict[int, tuple[Tensor | None, str, bool]]
CONSTANT_REASON = "constant on the segment (inactive unit): nothing to pass down"
LOST_REASON = "the unit is off at the point: its relevance cannot be passed down"


@dataclass
class _Search:
    """The roots of one layer's explained rows and what finding them cost."""

    found: Found = field(default_factory=dict)
    diagnosed: dict[int, Root] = field(default_factory=dict)  # rows whose finder result carries the diagnostics
    searches: int = 0
    hits: int = 0
    evaluations: int = 0


def _cache_keys(run: _Run, problem: RootProblem, spec: FinderSpec, hd: np.ndarray,
                off: np.ndarray) -> dict[int, tuple[Any, ...]]:
    """Per explained row, everything its root depends on for a segment-only finder."""
    pattern = problem.pattern_key()
    return {r: (run.network.digest, run.mode, problem.layer, pattern, j, spec.key, run.output,
                _bits(hd[j]), _bits(off[j]), problem.nonnegative)
            for r, j in enumerate(problem.neurons)}


def _find_roots(run: _Run, problem: RootProblem, spec: FinderSpec, hd: np.ndarray, off: np.ndarray,
                progress: Callable[[float], None]) -> _Search:
    """Roots of every explained row: none for a row constant on the segment,
    from the cache when it may serve the finder, else one finder call for the rest."""
    out = _Search()
    flat = ~(problem.affine.weight.numpy() != 0).any(axis=1)
    cacheable = run.use_cache and run.mode == "full" and spec.segment_only
    keys = _cache_keys(run, problem, spec, hd, off) if cacheable else {}
    to_search: list[int] = []  # row indices into problem.neurons
    for r in range(len(problem.neurons)):
        if flat[r]:
            out.found[r] = (None, CONSTANT_REASON, False)
            continue
        got = run.cache.get(keys[r]) if cacheable else None
        if got is not None:
            out.found[r] = (got[0], got[1], True)
            out.hits += 1
            continue
        to_search.append(r)
    if to_search:
        _search(run, problem, spec, to_search, keys, out, progress)
    return out


def _search(run: _Run, problem: RootProblem, spec: FinderSpec, rows: list[int], keys: dict[int, tuple[Any, ...]],
            out: _Search, progress: Callable[[float], None]) -> None:
    """One finder call for ``rows``; the roots go into ``out`` (and the cache when keyed)."""
    sub = problem if len(rows) == len(problem.neurons) else problem.select(rows)
    res = FINDERS.get(spec.finder).func(sub, generator=run.generator, progress=progress, **spec.kwargs())
    out.evaluations += int(res.evaluations)
    by_neuron = {root.neuron: root for root in res.roots}
    for r in rows:
        root = by_neuron.get(problem.neurons[r])
        if root is None:
            raise LRPError(f"finder {spec.finder!r} returned no entry for neuron {problem.neurons[r]}")
        out.found[r] = (root.root, root.reason, False)
        out.diagnosed[r] = root
        if r in keys:
            run.cache.put(keys[r], root.root, root.reason)
    out.searches += len(rows)
    run.cache.searches += len(rows)


@dataclass(frozen=True, eq=False)
class _Redistributed:
    """The Taylor step of one layer's explained rows, float64 NumPy (one row per explained neuron)."""

    grads: np.ndarray
    passed: np.ndarray
    here: np.ndarray
    unresolved: np.ndarray
    relevance_true: np.ndarray
    inside: np.ndarray
    distance: np.ndarray
    p: np.ndarray
    q: np.ndarray


def _redistribute(problem: RootProblem, h: Tensor, search: _Search) -> _Redistributed:
    """Pass each row's relevance down by the first-order expansion at its root
    (rows without a root pass nothing). R(ã) through the network, closure
    membership and distance come from the finder's result when it has them
    (the same formulas: base.make_roots) and are computed here for cache hits."""
    grads, biases = problem.affine.weight.numpy(), problem.affine.bias.numpy()
    n_exp = len(problem.neurons)
    h_np = h.to(DTYPE).numpy()
    roots = [search.found[r][0] for r in range(n_exp)]
    has = np.array([t is not None for t in roots])
    R = np.stack([h_np if t is None else t.to(DTYPE).numpy() for t in roots])
    here = grads @ h_np + biases
    at_root = (grads * R).sum(axis=1) + biases
    diag = search.diagnosed
    true_rel = np.array([diag[r].relevance if r in diag else math.nan for r in range(n_exp)])
    inside = np.array([diag[r].in_segment if r in diag else False for r in range(n_exp)])
    dist = np.array([diag[r].distance if r in diag else math.nan for r in range(n_exp)])
    rest = [r for r in range(n_exp) if r not in diag and has[r]]
    if rest:
        Rr = R[rest]
        true_rel[rest] = problem.relevance_np(Rr)[np.arange(len(rest)), rest]
        inside[rest] = problem.segment.closure_mask(Rr)
        dist[rest] = np.sqrt(((Rr - h_np) ** 2).sum(axis=1))
    return _Redistributed(
        grads=grads, passed=np.where(has[:, None], grads * (h_np - R), 0.0), here=here,
        unresolved=np.where(has, at_root, here), relevance_true=true_rel, inside=inside, distance=dist,
        p=grads[has].sum(axis=0), q=-(grads * R)[has].sum(axis=0) if has.any() else np.zeros(h_np.shape[0]),
    )


def _explained_nodes(k: int, problem: RootProblem, search: _Search, step: _Redistributed) -> list[RootNode]:
    # one view per row, made at once (indexing a tensor row by row costs a torch call each)
    grads_t = torch.from_numpy(step.grads.copy()).unbind(0)
    passed_t = torch.from_numpy(step.passed).unbind(0)  # zero rows where no root was found
    numbers = zip(step.here.tolist(), step.unresolved.tolist(), step.relevance_true.tolist(),
                  step.inside.tolist(), step.distance.tolist(), strict=True)
    nodes = []
    for r, (j, (here, unres, rel, ins, di)) in enumerate(zip(problem.neurons, numbers, strict=True)):
        root, reason, cached = search.found[r]
        if root is None:
            nodes.append(RootNode(k, j, here, None, grads_t[r], passed_t[r], here, math.nan, False, math.nan,
                                  reason, cached))
        else:
            nodes.append(RootNode(k, j, here, root.to(DTYPE), grads_t[r], passed_t[r], unres, rel, ins, di,
                                  reason, cached))
    return nodes


def _lost_nodes(k: int, lost: list[int], up: np.ndarray, d: int) -> list[RootNode]:
    """Units off at the point whose upper relevance is not 0 (train-free): it stays behind."""
    return [RootNode(k, j, float(up[j]), None, torch.zeros(d, dtype=DTYPE), torch.zeros(d, dtype=DTYPE),
                     float(up[j]), math.nan, False, math.nan, LOST_REASON, False) for j in lost]


def _layer_step(
    run: _Run,
    k: int,
    h: Tensor,
    head_diag: Tensor,
    offset: Tensor,
    seg_stop: int,
    upper_rel: Tensor,
    spec: FinderSpec,
    progress: Callable[[float], None],
) -> tuple[LayerResult, Tensor, Tensor, int]:
    """One layer: find roots, redistribute, return the next (p, q). The
    bookkeeping runs on float64 NumPy views (a layer has at most 64 neurons:
    a NumPy call costs a fraction of a torch call at that size)."""
    d = h.shape[0]
    hd, off, up = head_diag.numpy(), offset.numpy(), upper_rel.numpy()
    explained = np.flatnonzero((hd != 0) | (off != 0)).tolist()
    lost = np.flatnonzero((hd == 0) & (off == 0) & (up != 0)).tolist()
    nodes = _lost_nodes(k, lost, up, d)
    p_next, q_next, relevance = np.zeros(d), np.zeros(d), np.zeros(d)
    search = _Search()
    if explained:
        problem = _layer_problem(run.network, k, h, head_diag, offset, explained, seg_stop)
        search = _find_roots(run, problem, spec, hd, off, progress)
        step = _redistribute(problem, h, search)
        nodes += _explained_nodes(k, problem, search, step)
        p_next, q_next, relevance = step.p, step.q, step.passed.sum(axis=0)
    nodes.sort(key=lambda n: n.neuron)
    result = LayerResult(k, h.clone(), upper_rel.clone(), torch.from_numpy(relevance), tuple(nodes), spec,
                         search.searches, search.hits)
    return result, torch.from_numpy(p_next), torch.from_numpy(q_next), search.evaluations


def decompose_many(
    network: Network,
    xs: Tensor | Sequence[Sequence[float]],
    output: int = 0,
    *,
    cache: RootCache | None = None,
    **kwargs: Any,
) -> tuple[list[Decomposition], RootCache]:
    """Decompose several points sharing one :class:`RootCache` (points in the
    same segment then need no new root search with a segment-only finder)."""
    cache = cache if cache is not None else RootCache()
    pts = torch.as_tensor(xs, dtype=DTYPE)
    if pts.ndim != 2:
        raise LRPError("points must be a list of input vectors")
    return [decompose(network, pt, output, cache=cache, **kwargs) for pt in pts], cache

