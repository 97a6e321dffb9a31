"""First-order Taylor criteria, signed and absolute (Molchanov et al. 2017)."""

from __future__ import annotations

import torch

from lrp_core.importance.base import Context, register
from lrp_core.importance.game import Game
from lrp_core.importance.methods.gradient import loss_gradient
from lrp_core.importance.scores import Scores, make_scores

MOLCHANOV = "Molchanov et al. 2017, Pruning CNNs for Resource Efficient Inference"


def taylor_sums(game: Game) -> torch.Tensor:
    """``T_i = Σ_s a_i(x_s) ∂L/∂a_i(x_s)``."""
    return (game.H * loss_gradient(game)).sum(dim=0)


@register("taylor", label="Taylor (signed)", cite=MOLCHANOV)
def taylor(ctx: Context) -> Scores:
    """First-order Taylor criterion, signed: ``T_i = Σ_s a_i(x_s) ∂L/∂a_i(x_s)``.

    Zeroing unit i moves its activations by ``−a_i``, so to first order the
    loss changes by ``L(i zeroed) − L ≈ −T_i``: the more negative ``T_i``,
    the more the loss would rise. Lower = more important (Molchanov et al.
    2017 use the absolute value, see ``taylor-abs``)."""
    return make_scores("taylor", taylor_sums(ctx.game()), higher=False,
                       meaning="Σ a·∂L/∂a; −T_i is the first-order estimate of the loss increase when unit i "
                               "is zeroed")


@register("taylor-abs", label="Taylor (absolute)", cite=MOLCHANOV)
def taylor_abs(ctx: Context) -> Scores:
    """Absolute first-order Taylor criterion: ``|T_i| = |Σ_s a_i(x_s) ∂L/∂a_i(x_s)|``,
    the size of the first-order loss change when unit i is zeroed. Higher =
    more important."""
    return make_scores("taylor-abs", taylor_sums(ctx.game()).abs(), higher=True,
                       meaning="|Σ a·∂L/∂a|, size of the first-order loss change when the unit is zeroed")
