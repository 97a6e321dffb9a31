"""The decomposition engine: :func:`decompose`, :func:`decompose_many`, :func:`layer_problems`."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence
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
    xt = torch.as_tensor(x, dtype=DTYPE).reshape(-1)
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
    cache = cache if cache is not None else RootCache()
    hits0, misses0, searches0 = cache.hits, cache.misses, cache.searches

    trace = network.forward(xt)
    points = [xt, *trace.post[:-1]]  # points[k] = input of layer k
    f_x = float(trace.output[output])

    width_top = network.layers[-1].n_out
    p = torch.zeros(width_top, dtype=DTYPE)
    p[output] = 1.0
    q = torch.zeros(width_top, dtype=DTYPE)
    upper_rel = p * trace.output  # relevance of the top level at the point

    layers: list[LayerResult] = []
    evaluations = 0
    for step, k in enumerate(range(n_layers - 1, -1, -1)):
        def sub_progress(frac: float, step: int = step) -> None:
            if progress is not None:
                progress(min(1.0, (step + max(0.0, min(1.0, frac))) / n_layers))

        h = points[k]
        if mode == "full":
            head_diag, offset, seg_stop = p, q, n_layers
        else:
            out = trace.post[k]
            safe = torch.where(out != 0, out, torch.ones_like(out))
            head_diag = torch.where(out != 0, upper_rel / safe, torch.zeros_like(out))
            offset, seg_stop = torch.zeros_like(head_diag), k + 1
        result, p, q, evals = _layer_step(
            network, k, h, head_diag, offset, seg_stop, upper_rel, specs[k], mode, output,
            gen, cache, use_cache, sub_progress,
        )
        evaluations += evals
        layers.append(result)
        upper_rel = result.relevance
        sub_progress(1.0)

    return Decomposition(
        mode=mode, output=output, x=xt, f_x=f_x, layers=tuple(layers),
        root_searches=cache.searches - searches0, cache_hits=cache.hits - hits0,
        cache_misses=cache.misses - misses0,
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
    p = torch.zeros(network.layers[-1].n_out, dtype=DTYPE)
    p[dec.output] = 1.0
    q = torch.zeros_like(p)
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


def _layer_step(
    network: Network,
    k: int,
    h: Tensor,
    head_diag: Tensor,
    offset: Tensor,
    seg_stop: int,
    upper_rel: Tensor,
    spec: FinderSpec,
    mode: str,
    output: int,
    gen: torch.Generator,
    cache: RootCache,
    use_cache: bool,
    progress: Callable[[float], None],
) -> tuple[LayerResult, Tensor, Tensor, int]:
    """One layer: find roots, redistribute, return the next (p, q). The
    bookkeeping runs on float64 NumPy views (a layer has at most 64 neurons:
    a NumPy call costs a fraction of a torch call at that size)."""
    d = h.shape[0]
    nonneg = k > 0 and network.layers[k - 1].is_relu
    hd, off, up = head_diag.numpy(), offset.numpy(), upper_rel.numpy()
    explained = np.flatnonzero((hd != 0) | (off != 0)).tolist()
    lost = np.flatnonzero((hd == 0) & (off == 0) & (up != 0)).tolist()
    p_next = np.zeros(d)
    q_next = np.zeros(d)
    relevance = np.zeros(d)
    nodes: list[RootNode] = []
    searches = hits = evals = 0
    zero = np.zeros(d)

    if explained:
        problem = _layer_problem(network, k, h, head_diag, offset, explained, seg_stop)
        grads = problem.affine.weight.numpy()  # (n_explained, d): c_j on h's segment
        biases = problem.affine.bias.numpy()
        flat = ~(grads != 0).any(axis=1)
        cacheable = use_cache and mode == "full" and spec.segment_only
        pattern = problem.pattern_key() if cacheable else ""
        found: dict[int, tuple[Tensor | None, str, bool]] = {}
        diagnosed: dict[int, Root] = {}  # rows whose finder result carries the root's diagnostics
        to_search: list[int] = []  # row indices into `explained`
        keys: dict[int, tuple[Any, ...]] = {}
        spec_key = spec.key if cacheable else ""
        for r, j in enumerate(explained):
            if flat[r]:
                found[r] = (None, "constant on the segment (inactive unit): nothing to pass down", False)
                continue
            if cacheable:
                keys[r] = (network.digest, mode, k, pattern, j, spec_key, output,
                           _bits(hd[j]), _bits(off[j]), nonneg)
                got = cache.get(keys[r])
                if got is not None:
                    found[r] = (got[0], got[1], True)
                    hits += 1
                    continue
            to_search.append(r)
        if to_search:
            sub = problem if len(to_search) == len(explained) else problem.select(to_search)
            entry = FINDERS.get(spec.finder)
            res = entry.func(sub, generator=gen, progress=progress, **spec.kwargs())
            evals += int(res.evaluations)
            by_neuron = {root.neuron: root for root in res.roots}
            for r in to_search:
                j = explained[r]
                root = by_neuron.get(j)
                if root is None:
                    raise LRPError(f"finder {spec.finder!r} returned no entry for neuron {j}")
                found[r] = (root.root, root.reason, False)
                diagnosed[r] = root
                if cacheable:
                    cache.put(keys[r], root.root, root.reason)
            searches += len(to_search)
            cache.searches += len(to_search)

        n_exp = len(explained)
        h_np = h.to(DTYPE).numpy()
        root_rows = [found[r][0] for r in range(n_exp)]
        has = np.array([t is not None for t in root_rows])
        R = np.stack([h_np if t is None else (t if t.dtype == DTYPE else t.to(DTYPE)).numpy() for t in root_rows])
        value_here = grads @ h_np + biases
        passed = np.where(has[:, None], grads * (h_np - R), 0.0)
        at_root = (grads * R).sum(axis=1) + biases
        unresolved = np.where(has, at_root, value_here)
        p_next = grads[has].sum(axis=0) if has.any() else p_next
        q_next = -(grads * R)[has].sum(axis=0) if has.any() else q_next
        relevance = passed.sum(axis=0)
        # R(ã) through the network, closure membership and distance: from the finder's result when
        # it has them (the same formulas: base.make_roots), computed here for cache hits only
        true_rel = np.array([diagnosed[r].relevance if r in diagnosed else math.nan for r in range(n_exp)])
        inside = np.array([diagnosed[r].in_segment if r in diagnosed else False for r in range(n_exp)])
        dist = np.array([diagnosed[r].distance if r in diagnosed else math.nan for r in range(n_exp)])
        rest = [r for r in range(n_exp) if r not in diagnosed and has[r]]
        if rest:
            Rr = R[rest]
            true_rel[rest] = problem.relevance_np(Rr)[np.arange(len(rest)), rest]
            inside[rest] = problem.segment.closure_mask(Rr)
            dist[rest] = np.sqrt(((Rr - h_np) ** 2).sum(axis=1))
        # one view per row, made at once (indexing a tensor row by row costs a torch call each)
        grads_t = torch.from_numpy(grads.copy()).unbind(0)
        passed_t = torch.from_numpy(passed).unbind(0)  # zero rows where no root was found
        numbers = zip(value_here.tolist(), unresolved.tolist(), true_rel.tolist(), inside.tolist(), dist.tolist(),
                      strict=True)
        for r, (j, (here, unres, rel, ins, di)) in enumerate(zip(explained, numbers, strict=True)):
            root_t, reason, cached = found[r]
            if root_t is None:
                nodes.append(RootNode(k, j, here, None, grads_t[r], passed_t[r], here, math.nan, False, math.nan,
                                      reason, cached))
            else:
                root_t = root_t if root_t.dtype == DTYPE else root_t.to(DTYPE)
                nodes.append(RootNode(k, j, here, root_t, grads_t[r], passed_t[r], unres, rel, ins, di, reason,
                                      cached))
    for j in lost:
        nodes.append(RootNode(k, j, float(up[j]), None, torch.from_numpy(zero.copy()), torch.from_numpy(zero.copy()),
                              float(up[j]), math.nan, False, math.nan,
                              "the unit is off at the point: its relevance cannot be passed down", False))
    nodes.sort(key=lambda n: n.neuron)
    result = LayerResult(k, h.clone(), upper_rel.clone(), torch.from_numpy(relevance), tuple(nodes), spec,
                         searches, hits)
    return result, torch.from_numpy(p_next), torch.from_numpy(q_next), evals


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

