"""Gradient (sensitivity): how strongly the loss reacts to a unit's activation (Mozer & Smolensky 1989)."""

from __future__ import annotations

import torch

from lrp_core.importance.base import Context, register
from lrp_core.importance.game import Game, loss_value
from lrp_core.importance.scores import Scores, make_scores
from lrp_core.params import Param

Tensor = torch.Tensor

SCHEMA = (Param("reduce", "str", "sum", "sum or mean over samples of |∂L/∂a_i|", choices=("sum", "mean")),)


def loss_gradient(game: Game) -> Tensor:
    """``∂L/∂H`` (N × n), where L is the loss averaged over samples and outputs."""
    h = game.H.clone().requires_grad_(True)
    with torch.enable_grad():
        pred = game.net.forward(h, start=game.layer + 1).output
        value = loss_value(pred, game.y, game.loss)
        (grad,) = torch.autograd.grad(value, h)
    return grad


@register("gradient", label="Gradient (sensitivity)", cite="Mozer & Smolensky 1989, Skeletonization",
          schema=SCHEMA)
def gradient(ctx: Context, *, reduce: str = "sum") -> Scores:
    """Sensitivity of the loss to the unit's activation:
    ``G_i = Σ_s |∂L/∂a_i(x_s)|`` with ``L`` the loss averaged over samples and
    outputs (``reduce='mean'`` divides by N). The absolute value is taken per
    sample, before the sum. Higher = more important. At a perfect fit the
    gradient of MSE vanishes, so every unit scores 0."""
    game = ctx.game()
    values = loss_gradient(game).abs().sum(dim=0)
    if reduce == "mean":
        values = values / game.n_samples
    return make_scores("gradient", values, higher=True, meaning=f"{reduce} over samples of |∂L/∂a_i|",
                       params={"reduce": reduce})
