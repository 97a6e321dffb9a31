"""Structured pruning: remove the k least important hidden units of a layer.

A unit is removed with its incoming weights, its bias and its outgoing
weights (:meth:`Network.with_unit_removed`), so the pruned network is
smaller and computes exactly what the unpruned one computes with that unit's
activation set to 0: the coalition ``S`` of the pruning game
(:func:`lrp_core.importance.make_game`, Ancona et al. 2020, Sec. 3). Its
loss is therefore ``L(S zeroed)`` and ``loss_after − loss_before = v(S)``.

The ranking comes from any method's :class:`~lrp_core.importance.Scores`
(least important first, ties by unit index, as in
:func:`lrp_core.importance.prune_order`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import torch

from lrp_core.errors import LRPError
from lrp_core.network import Network

Tensor = torch.Tensor


@dataclass(frozen=True, eq=False)
class PruneResult:
    """The pruned network, the removed units (original indices, least
    important first), the losses before and after, and the wall time."""

    network: Network
    layer: int
    method: str
    removed: tuple[int, ...]
    loss_before: float
    loss_after: float
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        """The CLI's JSON keys: removed, loss_before, loss_after, seconds."""
        return {"removed": list(self.removed), "loss_before": self.loss_before, "loss_after": self.loss_after,
                "seconds": self.seconds, "layer": self.layer, "method": self.method,
                "units_left": self.network.layers[self.layer].n_out}


def remove_units(net: Network, layer: int, units: list[int] | tuple[int, ...]) -> Network:
    """``net`` without the given units of hidden layer ``layer`` (a new network).
    At least one unit must stay; indices are the unpruned network's."""
    from lrp_core.importance import check_layer

    check_layer(net, layer)
    n = net.layers[layer].n_out
    bad = [u for u in units if isinstance(u, bool) or not isinstance(u, int) or not 0 <= u < n]
    if bad:
        raise LRPError(f"layer {layer} has units 0..{n - 1}; cannot remove {bad[0]!r}")
    if len(set(units)) != len(units):
        raise LRPError("each unit can be removed only once")
    if len(units) >= n:
        raise LRPError(f"layer {layer} has {n} units; removing {len(units)} would leave none (at most {n - 1})")
    out = net
    for u in sorted(units, reverse=True):  # from the highest index, so the lower ones keep their numbers
        out = out.with_unit_removed(layer, u)
    return out


def prune(net: Network, X: Tensor, y: Tensor, scores: Any, k: int, *, layer: int = 0,
          loss: str = "mse") -> PruneResult:
    """Remove the ``k`` units that ``scores`` (a :class:`~lrp_core.importance.Scores`
    of this layer) ranks least important; report the loss on ``(X, y)``
    before and after (the importance code's loss, :func:`lrp_core.importance.loss_value`)."""
    from lrp_core.importance import check_data, check_layer, check_loss, loss_value, prune_order

    t0 = time.perf_counter()
    check_loss(loss)
    check_layer(net, layer)
    X, y = check_data(net, X, y)
    n = net.layers[layer].n_out
    if scores.n_units != n:
        raise LRPError(f"the scores cover {scores.n_units} units but hidden layer {layer} has {n}")
    if isinstance(k, bool) or not isinstance(k, int) or not 0 <= k < n:
        raise LRPError(f"k must be a whole number from 0 to {n - 1} (at least one unit stays), not {k!r}")
    removed = tuple(int(u) for u in prune_order(scores.importance())[:k].tolist())
    pruned = remove_units(net, layer, removed)
    before = float(loss_value(net(X), y, loss))
    after = float(loss_value(pruned(X), y, loss))
    return PruneResult(pruned, layer, scores.method, removed, before, after, time.perf_counter() - t0)


def prune_by(net: Network, X: Tensor, y: Tensor, method: str, k: int, *, layer: int = 0, loss: str = "mse",
             seed: int = 0, options: dict[str, dict[str, Any]] | None = None) -> PruneResult:
    """Score the layer with ``method`` (:func:`lrp_core.importance.attribute`)
    and :func:`prune` by its ranking; ``seconds`` covers both."""
    from lrp_core.importance import attribute

    t0 = time.perf_counter()
    (scores,) = attribute(net, X, y, [method], layer=layer, loss=loss, seed=seed, options=options)
    res = prune(net, X, y, scores, k, layer=layer, loss=loss)
    return PruneResult(res.network, layer, method, res.removed, res.loss_before, res.loss_after,
                       time.perf_counter() - t0)
