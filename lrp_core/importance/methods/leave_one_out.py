"""Leave-one-out: the loss increase when a unit alone is zeroed (Ancona et al. 2020's baseline)."""

from __future__ import annotations

import torch

from lrp_core.importance.base import ANCONA, Context, register
from lrp_core.importance.scores import Scores, make_scores


@register("leave-one-out", label="Leave-one-out", cite=ANCONA)
def leave_one_out(ctx: Context) -> Scores:
    """Loss increase when the unit alone is zeroed: ``v({i}) = L(i zeroed) − L(nothing zeroed)``.
    Higher = more important. It misses units that matter only together
    (redundant units each look unimportant)."""
    game = ctx.game()
    n = game.n_units
    masks = torch.cat([torch.zeros(1, n, dtype=torch.bool), torch.eye(n, dtype=torch.bool)])
    losses = game.losses(masks, ctx.progress)
    return make_scores("leave-one-out", losses[1:] - losses[0], higher=True,
                       meaning="loss increase when only this unit is zeroed")
