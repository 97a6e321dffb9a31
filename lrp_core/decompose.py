"""Deep Taylor decompositions through every layer: full-backward and train-free.

Sixt & Landgraf 2022 ("A Rigorous Study of the Deep Taylor Decomposition",
TMLR) study DTD as a chain of first-order Taylor expansions, one per layer,
each taken at a *root* ã where the relevance function vanishes (Montavon et
al. 2017). With layers k = 0..L-1, ``h_0 = x`` and
``h_{k+1} = act_k(W_k h_k + b_k)``, explaining output ``o`` starts from
``R_L = h_L[o]`` and walks down.

**Full-backward.** At layer k the relevance of each output neuron j of layer k
is, on the current segment of everything above, ``R_{k,j}(h_{k+1}) = p_j h_{k+1,j} + q_j``
(at the top ``p = e_o``, ``q = 0``). As a function of layer k's input,
``g_j(h) = p_j · act(W_j h + b_j) + q_j``. A root ã_j of g_j is searched on the
segment of layers ``k .. L-1`` (p and q are constant only there) with any
finder of :data:`lrp_core.roots.FINDERS`, and the relevance is redistributed by
the first-order Taylor expansion at it,

    R_{k,i}(h) = Σ_j c_{j,i} (h_i − ã_{j,i}),   c_j = ∇g_j on h_k's segment,

so the next layer down has ``p'_i = Σ_j c_{j,i}`` and ``q'_i = −Σ_j c_{j,i} ã_{j,i}``.
The part the expansion does not move down is the relevance at the root,
``g_j(ã_j)`` evaluated with h_k's affine map (``Root.relevance_affine``): the
*unresolved* relevance. Because c_j is taken on h_k's segment, per layer

    Σ_i R_{k,i} + Σ_j g_j^aff(ã_j) = Σ_j R_{k,j}      (exactly, to rounding).

How this relates to the study's recursive full-backward: the study evaluates
the upper relevance afresh at every root (each root spawns a sub-tree of root
searches). Here p and q are those of the current point's segment. For a
segment-only finder both agree: the root of layer k is searched in the closure
of the segment of layers k..L-1, where the upper relevance is affine with
exactly these p and q (a root on the segment's boundary, where the study would
switch to the neighbouring segment's roots, keeps the point's own affine form,
the convention of ``Root.relevance_affine``). For a finder whose root moves with the point
(``rule``, ``mcmc``, ``interpolation``) the upper relevance is not affine on the
segment, and p, q are its linearisation at the current point (one root search
per neuron and layer instead of a tree).

**Train-free.** The upper relevance is held fixed at its value:
``R_{k,j}(h_{k+1}) = c'_j h_{k+1,j}`` with ``c'_j = R_{k,j} / h_{k+1,j}`` (0 if
``h_{k+1,j} = 0``; then that relevance cannot be redistributed and counts as
unresolved). Each root is searched for layer k alone (segment of layer k).
With rule z+ and zero biases this is exactly LRP-z+ (Montavon et al. 2017) and
conserves relevance at every layer.

**Exact root cache.** If a finder's root depends only on the segment (the
finder is registered with ``segment_only=True``, e.g. ``exact`` with its
segment-only tie-break) then in full-backward every R_k is affine on every
segment and one root search per (layer, activation pattern of layers k..L-1,
neuron, finder settings, explained output, head row (p_j, q_j)) suffices.
:class:`RootCache` is keyed by exactly that (the head row bit for bit), so it
changes no result. Finders that do *not* keep the property: ``rule`` (its root
moves with the point), ``mcmc`` and ``interpolation`` (random), and ``exact``
with ``tie_break="nearest"``; the cache is not used for them. A neuron whose
relevance function is constant on the segment (an inactive ReLU unit: zero
gradient) needs no search: nothing can be passed down and its value stays
unresolved.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import torch

import lrp_core.roots  # noqa: F401  (importing it registers every finder)
from lrp_core.errors import LRPError
from lrp_core.network import Network
from lrp_core.roots.base import FINDERS, Root, RootProblem

Tensor = torch.Tensor
DTYPE = torch.float64
MODES = ("full", "train-free")
MODE_LABELS = {"full": "full-backward", "train-free": "train-free"}


# --- settings -----------------------------------------------------------------


@dataclass(frozen=True)
class FinderSpec:
    """A root finder name and its parameters (hashable, so it can key caches)."""

    finder: str = "exact"
    params: tuple[tuple[str, Any], ...] = ()

    @classmethod
    def of(cls, finder: str = "exact", **params: Any) -> FinderSpec:
        """Build a spec; ``None`` parameters are dropped; the finder name is checked."""
        FINDERS.get(finder)  # raises LRPError naming the registered finders
        clean = tuple(sorted((k, v) for k, v in params.items() if v is not None))
        return cls(finder, clean)

    def kwargs(self) -> dict[str, Any]:
        return dict(self.params)

    @property
    def label(self) -> str:
        inner = ", ".join(f"{k}={v}" for k, v in self.params)
        return f"{self.finder}({inner})" if inner else self.finder

    @property
    def key(self) -> str:
        return json.dumps([self.finder, [[k, repr(v)] for k, v in self.params]])

    @property
    def segment_only(self) -> bool:
        """Whether this finder's root depends only on the segment (so caching
        by activation pattern is exact): the registry says so and no parameter
        breaks it (``tie_break="nearest"`` of ``exact`` does)."""
        from lrp_core.roots.finders import is_segment_only

        return self.finder in FINDERS and is_segment_only(self.finder, self.kwargs())


def segment_only_finders() -> list[str]:
    """Names of the registered finders whose roots depend only on the segment."""
    return [e.name for e in FINDERS if FinderSpec(e.name).segment_only]


# --- the cache ----------------------------------------------------------------


class RootCache:
    """Exact cache of roots for segment-only finders.

    Keyed by (network digest, mode, layer, activation pattern of the problem's
    segment, neuron, finder settings, explained output, head row and offset
    bit for bit, non-negativity). A fresh one is made per call unless the
    caller passes one in (e.g. to decompose several points); it is never
    module-level state. ``hits``/``misses`` count look-ups, ``searches`` the
    roots actually searched.
    """

    def __init__(self) -> None:
        self._store: dict[tuple[Any, ...], tuple[Tensor | None, str]] = {}
        self.hits = 0
        self.misses = 0
        self.searches = 0

    def __len__(self) -> int:
        return len(self._store)

    def get(self, key: tuple[Any, ...]) -> tuple[Tensor | None, str] | None:
        found = self._store.get(key)
        if found is None:
            self.misses += 1
        else:
            self.hits += 1
        return found

    def put(self, key: tuple[Any, ...], root: Tensor | None, reason: str) -> None:
        self._store[key] = (None if root is None else root.clone(), reason)

    def stats(self) -> dict[str, int]:
        return {"hits": self.hits, "misses": self.misses, "searches": self.searches, "entries": len(self)}


def _bits(v: float) -> str:
    return float(v).hex()


# --- results ------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class RootNode:
    """One explained neuron ``neuron`` of layer ``layer``'s output.

    ``upper`` is its relevance R_{k,j} at the point; ``root`` the root ã_j in
    layer k's input space (None if no search was made or no root exists:
    ``reason`` says why); ``gradient`` c_j = ∇g_j on the point's segment;
    ``passed_down`` = c_j ⊙ (h_k − ã_j), its share of each input's relevance;
    ``unresolved`` = g_j(ã_j) by the affine map (what stays behind);
    ``relevance_true`` = g_j(ã_j) through the real network.
    """

    layer: int
    neuron: int
    upper: float
    root: Tensor | None
    gradient: Tensor
    passed_down: Tensor
    unresolved: float
    relevance_true: float
    in_segment: bool
    distance: float
    reason: str
    cached: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "layer": self.layer,
            "neuron": self.neuron,
            "upper": self.upper,
            "root": None if self.root is None else self.root.tolist(),
            "gradient": self.gradient.tolist(),
            "passed_down": self.passed_down.tolist(),
            "unresolved": self.unresolved,
            "relevance_true": _num(self.relevance_true),
            "in_segment": self.in_segment,
            "distance": _num(self.distance),
            "reason": self.reason,
            "cached": self.cached,
        }


@dataclass(frozen=True, eq=False)
class LayerResult:
    """Layer k's step: relevance ``upper`` on its outputs redistributed onto
    its input ``point`` as ``relevance``; one :class:`RootNode` per neuron."""

    layer: int
    point: Tensor
    upper: Tensor
    relevance: Tensor
    nodes: tuple[RootNode, ...]
    spec: FinderSpec
    searches: int
    hits: int

    @property
    def sum(self) -> float:
        return float(self.relevance.sum())

    @property
    def upper_sum(self) -> float:
        return float(self.upper.sum())

    @property
    def unresolved(self) -> float:
        return float(sum(n.unresolved for n in self.nodes))

    @property
    def negative(self) -> float:
        """The sum of the negative relevances on this layer's input (<= 0)."""
        return float(self.relevance.clamp_max(0.0).sum())

    @property
    def step_error(self) -> float:
        """``sum + unresolved − upper_sum``: 0 up to rounding when gradients
        are taken on the point's segment."""
        return self.sum + self.unresolved - self.upper_sum


@dataclass(frozen=True, eq=False)
class Decomposition:
    """A whole decomposition; ``layers`` run from the output down (layer L-1
    first), so ``layers[-1].relevance`` is the input relevance."""

    mode: str
    output: int
    x: Tensor
    f_x: float
    layers: tuple[LayerResult, ...]
    root_searches: int
    cache_hits: int
    cache_misses: int
    cache_used: bool
    evaluations: int
    seconds: float
    digest: str
    widths: tuple[int, ...]

    @property
    def input_relevance(self) -> Tensor:
        return self.layers[-1].relevance

    def layer(self, k: int) -> LayerResult:
        for lr in self.layers:
            if lr.layer == k:
                return lr
        raise LRPError(f"no layer {k}; layers are 0..{len(self.layers) - 1}")

    def relevance_levels(self) -> list[Tensor]:
        """Relevance per level, inputs first: level 0 = input, level L = the
        output layer (f_x on the explained output, 0 elsewhere)."""
        top = torch.zeros(self.widths[-1], dtype=DTYPE)
        top[self.output] = self.f_x
        return [lr.relevance for lr in reversed(self.layers)] + [top]

    def to_json(self) -> dict[str, Any]:
        """The CLI contract."""
        return {
            "mode": self.mode,
            "output": self.output,
            "f_x": self.f_x,
            "layers": [
                {"layer": lr.layer, "relevance": lr.relevance.tolist(), "sum": lr.sum,
                 "unresolved": lr.unresolved}
                for lr in self.layers
            ],
            "input_relevance": self.input_relevance.tolist(),
            "root_searches": self.root_searches,
            "cache_hits": self.cache_hits,
            "seconds": self.seconds,
        }

    def to_full_json(self) -> dict[str, Any]:
        """The contract plus the settings, per-layer summary and the root tree."""
        out = self.to_json()
        out["x"] = self.x.tolist()
        out["cache"] = {"used": self.cache_used, "hits": self.cache_hits, "misses": self.cache_misses}
        out["evaluations"] = self.evaluations
        out["summary"] = self.layer_frame().to_dict(orient="records")
        out["tree"] = [
            {"layer": lr.layer, "finder": lr.spec.finder, "params": dict(lr.spec.params),
             "point": lr.point.tolist(), "upper": lr.upper.tolist(),
             "nodes": [n.to_json() for n in lr.nodes]}
            for lr in self.layers
        ]
        return out

    def layer_frame(self) -> pd.DataFrame:
        """Per layer: total relevance, conservation error against f(x)_o, the
        unresolved part, the negative part, searches and cache hits."""
        rows = []
        for lr in self.layers:
            rows.append({
                "layer": lr.layer, "finder": lr.spec.label, "upper_sum": lr.upper_sum, "sum": lr.sum,
                "conservation_error": lr.sum - self.f_x, "unresolved": lr.unresolved,
                "step_error": lr.step_error, "negative": lr.negative,
                "root_searches": lr.searches, "cache_hits": lr.hits,
            })
        return pd.DataFrame(rows)

    def to_frame(self) -> pd.DataFrame:
        """The tree, flat: one row per (layer, explained neuron, input unit)."""
        rows = []
        for lr in self.layers:
            for node in lr.nodes:
                for i in range(lr.point.shape[0]):
                    rows.append({
                        "mode": self.mode, "layer": lr.layer, "neuron": node.neuron, "input": i,
                        "upper": node.upper, "point": float(lr.point[i]),
                        "root": math.nan if node.root is None else float(node.root[i]),
                        "gradient": float(node.gradient[i]), "passed_down": float(node.passed_down[i]),
                        "unresolved": node.unresolved, "in_segment": node.in_segment,
                        "cached": node.cached, "reason": node.reason,
                    })
        cols = ["mode", "layer", "neuron", "input", "upper", "point", "root", "gradient",
                "passed_down", "unresolved", "in_segment", "cached", "reason"]
        return pd.DataFrame(rows, columns=cols)

    def relevance_frame(self) -> pd.DataFrame:
        """Relevance per neuron per level (level 0 = inputs, level L = outputs)."""
        rows = []
        for level, rel in enumerate(self.relevance_levels()):
            for i, v in enumerate(rel.tolist()):
                rows.append({"level": level, "neuron": i, "relevance": v})
        return pd.DataFrame(rows, columns=["level", "neuron", "relevance"])


def _num(v: float) -> float | None:
    return None if not math.isfinite(v) else v


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
