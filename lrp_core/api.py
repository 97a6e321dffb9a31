"""The notebook API: three functions with one uniform shape.

    explain(model, x, method="full-backward", target=0, finder="exact", rule="z+", **params)
    find_roots(model, x, layer=0, target=0, finder="exact", **params)
    neuron_importance(model, X, y, methods="all", layer=0, loss="mse", **options)

Inputs are normalised at the door, once:

- ``model``: a :class:`lrp_core.Network`, an ``nn.Sequential`` of ``Linear`` /
  ``ReLU`` modules of any floating dtype (read, converted to float64, never
  modified: no hooks, no attributes, no ``requires_grad`` change), or the path
  of a network JSON file (at most 1 MB; never unpickled).
- ``x``: one point (d,) or a batch (N, d) as a list, a NumPy array or a tensor
  of any real dtype, with or without ``requires_grad``; it is detached and
  copied to float64. Results are float64 tensors shaped like ``x`` (a point
  gives 0-d ``unresolved``/``output``, a batch gives (N,)).

Library limits (refused with :class:`LRPError`): the network caps of
:mod:`lrp_core.network` (at most 8 layers, 64 units a layer, 64 inputs, every
number finite and at most 1e32 in magnitude), at most ``MAX_ROWS`` input rows
a call, finite inputs. The app and the CLI apply their own caps on top.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from lrp_core.errors import LRPError

if TYPE_CHECKING:
    import torch

    from lrp_core.importance import Scores
    from lrp_core.network import Network
    from lrp_core.roots import RootResult

METHODS = ("full-backward", "train-free", "gradient-x-input")
MAX_ROWS = 100_000
MAX_FILE_BYTES = 1_000_000


@dataclass(frozen=True, eq=False)
class Explanation:
    """What :func:`explain` returns.

    ``relevance`` has the shape of ``x``; ``unresolved`` is what each input row
    leaves unexplained and ``output`` is f(x)_target (0-d for a point, (N,) for
    a batch); ``completeness_error = relevance.sum(-1) + unresolved − output``
    is the completeness check (0 up to rounding). ``decompositions`` holds the
    full-backward root trees (one per row), empty for the other methods."""

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


# --- the door -----------------------------------------------------------------


def as_network(model: Any) -> Network:
    """A :class:`Network` from a Network, an ``nn.Sequential`` or a file path."""
    import torch

    from lrp_core.network import Network, from_sequential

    if isinstance(model, Network):
        return model
    if isinstance(model, torch.nn.Module):
        if not isinstance(model, torch.nn.Sequential):
            raise LRPError(f"model must be an nn.Sequential of Linear and ReLU modules, not {type(model).__name__}")
        for idx, mod in enumerate(model):
            if isinstance(mod, torch.nn.Linear) and not mod.weight.dtype.is_floating_point:
                raise LRPError(f"module {idx} (Linear) has non-floating weights ({mod.weight.dtype})")
        return _sequential_within_caps(model) or from_sequential(model)
    if isinstance(model, (str, os.PathLike)):
        from lrp_core.io import load_network_json

        try:
            with open(model, "rb") as fh:
                data = fh.read(MAX_FILE_BYTES + 1)
        except (OSError, ValueError) as exc:
            raise LRPError(f"cannot read {str(model)!r}: {getattr(exc, 'strerror', None) or exc}") from None
        if len(data) > MAX_FILE_BYTES:
            raise LRPError(f"{str(model)!r} is larger than {MAX_FILE_BYTES:,} bytes")
        return load_network_json(data)
    raise LRPError(f"model must be a Network, an nn.Sequential or a network file path, not {type(model).__name__}")


def _sequential_within_caps(model: torch.nn.Sequential) -> Network | None:
    """The network of a Sequential that passes every check of
    :func:`lrp_core.network.from_sequential` (checked on whole tensors), else
    None, and ``from_sequential`` then names the problem. Same weights as
    ``from_sequential``, without its number-by-number validation."""
    import torch

    from lrp_core import network as nw

    layers: list[Any] = []
    for mod in model:
        if isinstance(mod, torch.nn.Linear):
            w = mod.weight.detach().to(torch.float64, copy=True)
            b = (mod.bias.detach().to(torch.float64, copy=True) if mod.bias is not None
                 else torch.zeros(mod.out_features, dtype=torch.float64))
            if w.ndim != 2 or b.shape != (w.shape[0],) or (layers and layers[-1].n_out != w.shape[1]):
                return None
            layers.append(nw.Layer(w, b, "linear"))
        elif isinstance(mod, torch.nn.ReLU) and layers and layers[-1].activation == "linear":
            layers[-1] = nw.Layer(layers[-1].weight, layers[-1].bias, "relu")
        else:
            return None
    if not 1 <= len(layers) <= nw.MAX_LAYERS or not 1 <= layers[0].n_in <= nw.MAX_INPUTS:
        return None
    if any(not 1 <= layer.n_out <= nw.MAX_UNITS for layer in layers):
        return None
    values = torch.cat([t.reshape(-1) for layer in layers for t in (layer.weight, layer.bias)])
    if not bool((values.abs() <= nw.MAX_ABS_VALUE).all()):  # False for NaN and inf too
        return None
    return nw.Network(tuple(layers), "network", {})


def as_float64(v: Any, what: str = "x") -> torch.Tensor:
    """A detached float64 copy of a list, NumPy array or tensor of real numbers."""
    import numpy as np
    import torch

    if isinstance(v, torch.Tensor):
        t = v.detach()
    else:
        try:
            arr = np.asarray(v)
        except (ValueError, TypeError):
            raise LRPError(f"{what} must be a list, array or tensor of numbers") from None
        if arr.dtype == object or arr.dtype.kind not in "biuf":
            raise LRPError(f"{what} must hold real numbers, not {arr.dtype}")
        t = torch.from_numpy(arr.astype(np.float64))
    if t.is_complex() or t.dtype == torch.bool:
        raise LRPError(f"{what} must hold real numbers, not {t.dtype}")
    t = t.to(torch.float64, copy=True)
    if not bool(torch.isfinite(t).all()):
        raise LRPError(f"{what} must contain finite numbers only")
    return t


def as_inputs(x: Any, n_inputs: int, what: str = "x") -> tuple[torch.Tensor, bool]:
    """``x`` as a detached float64 (N, n_inputs) copy, and whether it was one point."""
    t = as_float64(x, what)
    single = t.ndim == 1
    if single:
        t = t.unsqueeze(0)
    if t.ndim != 2 or t.shape[1] != n_inputs:
        shape = tuple(t.shape[1:]) if single else tuple(t.shape)
        raise LRPError(f"{what} must be one point of {n_inputs} values or a batch (N, {n_inputs}), "
                       f"got shape {shape}")
    if not 1 <= t.shape[0] <= MAX_ROWS:
        raise LRPError(f"{what} must have 1 to {MAX_ROWS:,} rows, not {t.shape[0]}")
    return t, single


def _check_target(net: Network, target: Any) -> int:
    if isinstance(target, bool) or not isinstance(target, int) or not 0 <= target < net.n_outputs:
        raise LRPError(f"target must be an output index in 0..{net.n_outputs - 1}, not {target!r}")
    return target


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
      with root finder ``finder`` (``lrp_core.decompose``, mode ``full``); with
      ``finder="rule"`` the closed-form rule ``rule``. ``params`` are the
      finder's parameters (its registry schema) and ``seed`` (random finders).
    - ``"train-free"``: the train-free rule ``rule`` (``z+``, ``w²``, ``γ``,
      ``x``, ``0``; :mod:`lrp_core.trainfree`, one batched pass; with z+ this
      is LRP-α1β0 without biases); ``params``: ``gamma``. ``finder`` is not used.
    - ``"gradient-x-input"``: ``x ⊙ ∇f_target(x)`` on x's linear segment;
      ``unresolved`` is then the bias part of the segment's affine map.
    """
    net = as_network(model)
    X, single = as_inputs(x, net.n_inputs)
    target = _check_target(net, target)
    if method == "train-free":
        rel, unres, out, used, decs = _train_free(net, X, target, rule, params)
    elif method == "full-backward":
        rel, unres, out, used, decs = _full_backward(net, X, target, finder, rule, params)
    elif method == "gradient-x-input":
        if params:
            raise LRPError(f"gradient-x-input takes no parameters, got: {', '.join(sorted(params))}")
        rel, unres, out, used, decs = (*_gradient_x_input(net, X, target), {}, ())
    else:
        raise LRPError(f"unknown method {method!r}; choose one of: {', '.join(METHODS)}")
    error = rel.sum(dim=1) + unres - out
    return Explanation(method, target, _shaped(rel, single), _shaped(unres, single), _shaped(out, single),
                       _shaped(error, single), used, decs)


def _train_free(net: Network, X: torch.Tensor, target: int, rule: str, params: Mapping[str, Any]) -> tuple:
    from lrp_core.roots.rules import resolve_rule
    from lrp_core.trainfree import train_free

    unknown = set(params) - {"gamma"}
    if unknown:
        raise LRPError(f"train-free takes only gamma, not: {', '.join(sorted(unknown))}")
    name = resolve_rule(str(rule))
    gamma = params.get("gamma", 0.25)
    res = train_free(net, X, target, rule=name, gamma=gamma)
    return res.relevance, res.unresolved, res.output, {"rule": name, "gamma": gamma}, ()


def _full_backward(net: Network, X: torch.Tensor, target: int, finder: str, rule: str,
                   params: Mapping[str, Any]) -> tuple:
    import torch

    from lrp_core.decompose import FinderSpec, RootCache, decompose

    values = dict(params)
    seed = values.pop("seed", 0)
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
    plus ``seed`` for the random finders (one generator for the whole batch)."""
    import math

    import torch

    from lrp_core.roots import FINDERS, explain_output

    net = as_network(model)
    X, single = as_inputs(x, net.n_inputs)
    target = _check_target(net, target)
    n_layers = len(net.layers)
    if isinstance(layer, bool) or not isinstance(layer, int) or not 0 <= layer < n_layers:
        raise LRPError(f"layer must be in 0..{n_layers - 1}, not {layer!r}")
    values = dict(params)
    seed = values.pop("seed", 0)
    entry = FINDERS.get(finder)
    points = X if layer == 0 else net.forward(X).post[layer - 1]
    gen = torch.Generator().manual_seed(int(seed))
    results = tuple(entry.func(explain_output(net, p, layer, target), generator=gen, **values) for p in points)
    roots = torch.full((len(results), points.shape[1]), math.nan, dtype=torch.float64)
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
    (N,) or (N, n_outputs), both normalised like ``x`` in :func:`explain`."""
    from lrp_core.importance import attribute

    net = as_network(model)
    Xt, _ = as_inputs(X, net.n_inputs, "X")
    yt = as_float64(y, "y")
    if yt.ndim == 1 and net.n_outputs == 1:
        yt = yt.unsqueeze(1)
    if yt.ndim != 2 or yt.shape != (Xt.shape[0], net.n_outputs):
        raise LRPError(f"y must have shape ({Xt.shape[0]}, {net.n_outputs}) for this X and network"
                       f"{' (or (N,) for one output)' if net.n_outputs == 1 else ''}, got {tuple(yt.shape)}")
    return attribute(net, Xt, yt, methods, layer=layer, loss=loss, **options)
