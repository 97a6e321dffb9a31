"""The notebook API: three functions with one uniform shape.

    explain(model, x, method="full-backward", target=0, finder="exact", rule="z+", **params)
    find_roots(model, x, layer=0, target=0, finder="exact", **params)
    neuron_importance(model, X, y, methods="all", layer=0, loss="mse", **options)

Inputs are normalised at the door, once (:mod:`lrp_core.api_inputs`):

- ``model``: a :class:`lrp_core.Network`, an ``nn.Sequential`` of ``Linear`` /
  ``ReLU`` modules of any floating dtype (read and copied to float64, never
  run or modified: no hook, attribute, ``requires_grad`` flag, dtype or value
  changes), or the path of a network JSON file (never unpickled).
- ``x``: one point (d,) or a batch (N, d) as a list, a NumPy array or a tensor
  of any real dtype, with or without ``requires_grad``; it is detached and
  copied to float64. Results are float64 tensors shaped like ``x`` (a point
  gives 0-d ``unresolved``/``output``, a batch gives (N,)).

Library limits, each refused with a one-line :class:`LRPError` (the app and
the CLI apply their own, smaller caps on top):

- the network caps of :mod:`lrp_core.network`: at most 8 layers, 64 units a
  layer, 64 inputs, every weight and bias finite and at most 1e32 in
  magnitude; a network file at most 1 MB (``MAX_FILE_BYTES``);
- at most ``MAX_ROWS`` (100,000) input rows a call, every input finite;
- the finders' and methods' own parameter ranges and work caps (their
  registry schemas; e.g. exact Shapley values need MSE and a layer feeding a
  linear output, or at most 20 units);
- no argument is silently ignored: a ``finder`` or ``rule`` the chosen method
  does not use must keep its default.

``full-backward`` and :func:`find_roots` solve one root problem per row (the
exact finder takes a few ms a row on ``dtd-mlp``); ``train-free`` and
``gradient-x-input`` are one batched pass.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from lrp_core.api_inputs import (
    MAX_FILE_BYTES,
    MAX_ROWS,
    as_float64,
    as_inputs,
    as_network,
    check_index,
    check_seed,
)
from lrp_core.errors import LRPError

if TYPE_CHECKING:
    import torch

    from lrp_core.importance import Scores
    from lrp_core.network import Network
    from lrp_core.roots import RootResult

__all__ = ["MAX_FILE_BYTES", "MAX_ROWS", "METHODS", "Explanation", "Roots", "as_network", "explain", "find_roots",
           "neuron_importance"]

METHODS = ("full-backward", "train-free", "gradient-x-input")


@dataclass(frozen=True, eq=False)
class Explanation:
    """What :func:`explain` returns.

    ``relevance`` has the shape of ``x``; ``unresolved`` is what each input row
    leaves unexplained and ``output`` is f(x)_target (0-d for a point, (N,) for
    a batch); ``completeness_error = relevance.sum(-1) + unresolved − output``
    is the completeness check (0 up to rounding). ``params`` are the settings
    used; ``decompositions`` holds the full-backward root trees (one per
    row), empty for the other methods."""

    method: str
    target: int
    relevance: torch.Tensor
    unresolved: torch.Tensor
    output: torch.Tensor
    completeness_error: torch.Tensor
    params: Mapping[str, Any] = field(default_factory=dict)
    decompositions: tuple[Any, ...] = ()

    @property
    def max_completeness_error(self) -> float:
        return float(self.completeness_error.abs().max())


@dataclass(frozen=True, eq=False)
class Roots:
    """What :func:`find_roots` returns: one root per input row of layer
    ``layer``'s input space. ``roots`` is (d_layer,) for a point, (N, d_layer)
    for a batch, NaN where the finder found none (``found`` False, ``reasons``
    says why); ``relevance`` is R(root) through the network; ``results`` are
    the finders' own results (diagnostics per root)."""

    layer: int
    target: int
    finder: str
    roots: torch.Tensor
    found: torch.Tensor
    relevance: torch.Tensor
    in_segment: torch.Tensor
    reasons: tuple[str, ...]
    results: tuple[RootResult, ...]


def _shaped(t: torch.Tensor, single: bool) -> torch.Tensor:
    return t[0] if single else t


# --- explain ------------------------------------------------------------------


def explain(
    model: Any,
    x: Any,
    method: str = "full-backward",
    target: int = 0,
    finder: str = "exact",
    rule: str = "z+",
    **params: Any,
) -> Explanation:
    """Relevance of each input for output ``target`` of ``model`` at ``x``.

    - ``"full-backward"``: the deep Taylor decomposition through every layer
      with root finder ``finder`` (:func:`lrp_core.decompose.decompose`, mode
      ``full``, row by row); with ``finder="rule"`` the closed-form rule
      ``rule``. ``params`` are the finder's parameters (its registry schema)
      and ``seed`` (random finders; each row starts from this seed).
    - ``"train-free"``: the train-free rule ``rule`` (``z+``, ``w²``, ``γ``,
      ``x``, ``0``; :func:`lrp_core.trainfree.train_free`, one vectorised
      pass over the batch, no root diagnostics; with z+ this is LRP-α1β0
      without biases); ``params``: ``gamma`` (γ rule only).
    - ``"gradient-x-input"``: ``x ⊙ ∇f_target(x)`` on x's linear segment;
      ``unresolved`` is then the bias part of the segment's affine map.

    Returns an :class:`Explanation` (``relevance`` shaped like ``x``, the
    completeness check as ``completeness_error``). Limits (module docstring):
    the network caps, at most ``MAX_ROWS`` finite rows, the finder's
    parameter ranges; ``finder`` and ``rule`` must keep their defaults where
    the method does not use them. Each refusal is a one-line :class:`LRPError`.
    """
    if method not in METHODS:
        raise LRPError(f"unknown method {method!r}; choose one of: {', '.join(METHODS)}")
    _check_unused(method, finder, rule)
    net = as_network(model)
    X, single = as_inputs(x, net.n_inputs)
    target = check_index(target, net.n_outputs, "target")
    if method == "train-free":
        rel, unres, out, used, decs = _train_free(net, X, target, rule, params)
    elif method == "full-backward":
        rel, unres, out, used, decs = _full_backward(net, X, target, finder, rule, params)
    else:
        if params:
            raise LRPError(f"gradient-x-input takes no parameters, got: {', '.join(sorted(params))}")
        rel, unres, out, used, decs = (*_gradient_x_input(net, X, target), {}, ())
    error = rel.sum(dim=1) + unres - out
    return Explanation(method, target, _shaped(rel, single), _shaped(unres, single), _shaped(out, single),
                       _shaped(error, single), used, decs)


def _check_unused(method: str, finder: str, rule: str) -> None:
    """Refuse a ``finder`` or ``rule`` that ``method`` would ignore."""
    uses_finder = method == "full-backward"
    uses_rule = method == "train-free" or finder == "rule"
    if not uses_finder and finder != "exact":
        raise LRPError(f"method {method!r} does not use a root finder (finder={finder!r}); "
                       "finders belong to full-backward and find_roots")
    if not uses_rule and rule != "z+":
        where = "method='train-free' or finder='rule'" if uses_finder else "method='train-free'"
        raise LRPError(f"rule={rule!r} is used only with {where}")


def _train_free(net: Network, X: torch.Tensor, target: int, rule: str, params: Mapping[str, Any]) -> tuple:
    from lrp_core.roots.rules import resolve_rule
    from lrp_core.trainfree import train_free

    name = resolve_rule(str(rule))
    allowed = {"gamma"} if name == "γ" else set()
    unknown = set(params) - allowed
    if unknown:
        takes = "only gamma" if allowed else "no parameters"
        raise LRPError(f"train-free with rule {name} takes {takes}, not: {', '.join(sorted(unknown))}")
    gamma = params.get("gamma", 0.25)
    res = train_free(net, X, target, rule=name, gamma=gamma)
    used = {"rule": name, "gamma": gamma} if allowed else {"rule": name}
    return res.relevance, res.unresolved, res.output, used, ()


def _full_backward(net: Network, X: torch.Tensor, target: int, finder: str, rule: str,
                   params: Mapping[str, Any]) -> tuple:
    import torch

    from lrp_core.decompose import FinderSpec, RootCache, decompose

    values = dict(params)
    seed = check_seed(values.pop("seed", 0))
    if finder == "rule":
        values.setdefault("rule", rule)
    spec = FinderSpec.of(finder, **values)
    cache = RootCache()
    decs = tuple(decompose(net, row, target, mode="full", spec=spec, seed=seed, cache=cache) for row in X)
    rel = torch.stack([d.input_relevance for d in decs])
    unres = torch.tensor([sum(lr.unresolved for lr in d.layers) for d in decs], dtype=torch.float64)
    out = torch.tensor([d.f_x for d in decs], dtype=torch.float64)
    return rel, unres, out, {"finder": finder, **spec.kwargs(), "seed": seed}, decs


def _gradient_x_input(net: Network, X: torch.Tensor, target: int) -> tuple:
    amap = net.affine_map(X)
    grad = amap.weight[:, target, :]
    return X * grad, amap.bias[:, target].clone(), net(X)[:, target].clone()


# --- roots --------------------------------------------------------------------


def find_roots(
    model: Any,
    x: Any,
    layer: int = 0,
    target: int = 0,
    finder: str = "exact",
    **params: Any,
) -> Roots:
    """A root of output ``target`` in layer ``layer``'s input space, per input row.

    ``x`` is the network input (forwarded to layer ``layer``'s input when
    ``layer > 0``, as the CLI does); ``finder`` is a name of
    :data:`lrp_core.roots.FINDERS` and ``params`` its parameters (its schema),
    plus ``seed`` for the random finders (one generator for the whole batch,
    rows in order). Returns :class:`Roots`, shaped like ``x``. Limits as for
    :func:`explain` (module docstring); one root problem is solved per row."""
    import torch

    from lrp_core.roots import FINDERS, explain_output

    net = as_network(model)
    X, single = as_inputs(x, net.n_inputs)
    target = check_index(target, net.n_outputs, "target")
    layer = check_index(layer, len(net.layers), "layer")
    values = dict(params)
    gen = torch.Generator().manual_seed(check_seed(values.pop("seed", 0)))
    entry = FINDERS.get(finder)
    points = X if layer == 0 else net.forward(X).post[layer - 1]
    results = tuple(entry.func(explain_output(net, p, layer, target), generator=gen, **values) for p in points)
    return _roots(layer, target, finder, points.shape[1], results, single)


def _roots(layer: int, target: int, finder: str, dim: int, results: tuple[RootResult, ...], single: bool) -> Roots:
    import math

    import torch

    roots = torch.full((len(results), dim), math.nan, dtype=torch.float64)
    rel = torch.full((len(results),), math.nan, dtype=torch.float64)
    inside = torch.zeros(len(results), dtype=torch.bool)
    reasons = []
    for i, res in enumerate(results):
        (root,) = res.roots
        if root.root is not None:
            roots[i] = root.root.to(torch.float64)
            rel[i] = float(root.relevance)
            inside[i] = bool(root.in_segment)
        reasons.append(root.reason)
    found = ~torch.isnan(roots).any(dim=1)
    return Roots(layer, target, finder, _shaped(roots, single), _shaped(found, single), _shaped(rel, single),
                 _shaped(inside, single), tuple(reasons), results)


# --- neuron importance ------------------------------------------------------------

#: the keyword options :func:`neuron_importance` passes to :func:`lrp_core.importance.attribute`
IMPORTANCE_OPTIONS = ("seed", "samples", "options")


def neuron_importance(
    model: Any,
    X: Any,
    y: Any,
    methods: str | Sequence[str] = "all",
    layer: int = 0,
    loss: str = "mse",
    **options: Any,
) -> list[Scores]:
    """Scores of the units of hidden layer ``layer`` for the loss on ``(X, y)``.

    ``methods``: names of :data:`lrp_core.importance.METHODS` or ``"all"``;
    ``loss``: ``"mse"`` or ``"l1"``; ``options``: ``seed``, ``samples`` and
    per-method parameters as ``options={name: {...}}`` (see
    :func:`lrp_core.importance.attribute`). ``X`` is (N, n_inputs), ``y`` is
    (N,) or (N, n_outputs), both normalised like ``x`` in :func:`explain`.
    Returns one :class:`~lrp_core.importance.Scores` per method, in order.
    Limits: as for :func:`explain`, plus each method's own (exact Shapley
    values need MSE and a layer feeding a linear output, or at most 20
    units; the Shapley work caps of :mod:`lrp_core.importance.work`)."""
    from lrp_core.importance import attribute

    unknown = set(options) - set(IMPORTANCE_OPTIONS)
    if unknown:
        raise LRPError(f"neuron_importance takes {', '.join(IMPORTANCE_OPTIONS)} as options, "
                       f"not: {', '.join(sorted(unknown))}")
    net = as_network(model)
    Xt, _ = as_inputs(X, net.n_inputs, "X")
    yt = as_float64(y, "y")
    if yt.ndim == 1 and net.n_outputs == 1:
        yt = yt.unsqueeze(1)
    if yt.ndim != 2 or yt.shape != (Xt.shape[0], net.n_outputs):
        raise LRPError(f"y must have shape ({Xt.shape[0]}, {net.n_outputs}) for this X and network"
                       f"{' (or (N,) for one output)' if net.n_outputs == 1 else ''}, got {tuple(yt.shape)}")
    if "seed" in options:
        options["seed"] = check_seed(options["seed"])
    return attribute(net, Xt, yt, methods, layer=layer, loss=loss, **options)
