"""Running methods: :func:`attribute` validates once at the door, then calls each registered method."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

import torch

from lrp_core.errors import LRPError
from lrp_core.importance.base import METHODS, Context
from lrp_core.importance.game import Progress
from lrp_core.importance.scores import Scores
from lrp_core.importance.work import DEFAULT_SAMPLES, check_samples
from lrp_core.network import Network

Tensor = torch.Tensor


def method_names(spec: str | Sequence[str]) -> list[str]:
    """``'all'`` → every registered method; a name or list of names → validated list."""
    names = [spec] if isinstance(spec, str) else list(spec)
    if names == ["all"]:
        return METHODS.names()
    if not names:
        raise LRPError(f"choose at least one method: {', '.join(METHODS.names())} or all")
    for name in names:
        METHODS.get(name)
    return names


def prepare(name: str, ctx: Context, values: Mapping[str, Any]) -> dict[str, Any]:
    """Method ``name``'s parameters checked against its schema (defaults filled
    in), then its cheap pre-flight check (availability, work caps) on ``ctx``."""
    entry = METHODS.get(name)
    params = entry.validate(dict(values), "method")
    if entry.extra.get("preflight") is not None:
        entry.extra["preflight"](ctx, params)
    return params


def run_method(name: str, ctx: Context, **params: Any) -> Scores:
    """One method on a validated :class:`Context` (see :func:`prepare`)."""
    return METHODS.get(name).func(ctx, **prepare(name, ctx, params))


def attribute(
    net: Network,
    X: Tensor,
    y: Tensor,
    methods: str | Sequence[str],
    *,
    layer: int = 0,
    loss: str = "mse",
    seed: int = 0,
    samples: int = DEFAULT_SAMPLES,
    options: Mapping[str, Mapping[str, Any]] | None = None,
    progress: Progress | None = None,
) -> list[Scores]:
    """Run the named methods (or ``'all'``) on hidden layer ``layer``.

    Each method gets its own ``torch.Generator().manual_seed(seed)``, so a
    method's result does not depend on which others ran. ``samples`` goes to
    every method registered with ``sampler=True`` (``shapley-sampled``);
    ``options[name]`` holds any method's other parameters (its schema).
    Every request is checked (parameters, availability, work caps) before
    anything runs. ``seconds`` is each method's own wall time."""
    names = method_names(methods)
    ctx = Context.build(net, X, y, layer=layer, loss=loss, seed=seed)
    check_samples(samples)
    options = options or {}
    plan: list[tuple[str, dict[str, Any]]] = []
    for name in names:  # before anything runs, so an over-long request costs nothing
        values = dict(options.get(name, {}))
        if METHODS.get(name).extra.get("sampler"):
            values.setdefault("samples", samples)
        plan.append((name, prepare(name, ctx, values)))
    return [_timed(name, params, ctx, seed, progress, j, len(plan)) for j, (name, params) in enumerate(plan)]


def _timed(name: str, params: dict[str, Any], ctx: Context, seed: int, progress: Progress | None, j: int,
           total: int) -> Scores:
    """Method ``j`` of ``total`` with a fresh generator and its progress scaled into [j, j+1]/total."""
    sub: Progress | None = None
    if progress is not None:
        def sub(f: float) -> None:
            progress((j + f) / total)
    entry = METHODS.get(name)
    one = Context(ctx.net, ctx.X, ctx.y, ctx.layer, ctx.loss, torch.Generator().manual_seed(int(seed)), sub)
    t0 = time.perf_counter()
    res = entry.func(one, **params)
    seconds = time.perf_counter() - t0
    res_params = dict(res.params)
    if entry.extra.get("random"):
        res_params["seed"] = int(seed)
    if progress is not None:
        progress((j + 1) / total)
    return Scores(res.method, res.scores, res.stderr, res_params, res.higher_is_important, res.meaning,
                  seconds, res.extra)
