"""Pruning curves: the loss after removing the k least important units, k = 0..n."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch

from lrp_core.errors import LRPError
from lrp_core.importance.game import Game, make_game
from lrp_core.importance.scores import OVERFLOW, Scores, prune_order
from lrp_core.network import Network

Tensor = torch.Tensor


@dataclass(frozen=True, eq=False)
class PruningCurve:
    """Loss after removing the k least important units, k = 0..n."""

    method: str
    order: Tensor
    losses: Tensor


def pruning_curve(game: Game, scores: Scores) -> PruningCurve:
    """``losses[k] = L(the k least important units by ``scores`` zeroed)``, k = 0..n
    (ties broken by unit index); ``losses[0]`` is the unpruned loss. A loss that
    overflows float64 raises :class:`LRPError`."""
    n = game.n_units
    if scores.n_units != n:
        raise LRPError(f"the scores cover {scores.n_units} units but the layer has {n}")
    order = prune_order(scores.importance())
    place = torch.empty(n, dtype=torch.long)
    place[order] = torch.arange(n)
    zeroed = place.unsqueeze(0) < torch.arange(n + 1).unsqueeze(1)
    losses = game.losses(zeroed)
    if not bool(torch.isfinite(losses).all()):
        raise LRPError(f"the pruning curve of {scores.method} is not finite: {OVERFLOW}")
    return PruningCurve(scores.method, order, losses)


def pruning_curves(net: Network, X: Tensor, y: Tensor, results: Sequence[Scores], *, layer: int = 0,
                   loss: str = "mse") -> list[PruningCurve]:
    """:func:`pruning_curve` of every result on one game."""
    game = make_game(net, X, y, layer=layer, loss=loss)
    return [pruning_curve(game, r) for r in results]
