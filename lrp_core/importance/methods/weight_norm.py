"""Weight norm: the size of a unit's weights (Li et al. 2017, Pruning Filters for Efficient ConvNets)."""

from __future__ import annotations

import torch

from lrp_core.importance.base import Context, register
from lrp_core.importance.scores import DTYPE, Scores, make_scores
from lrp_core.params import Param

SCHEMA = (
    Param("norm", "str", "l1", "which norm of the weights", choices=("l1", "l2")),
    Param("direction", "str", "in", "incoming weights (W_K[i, :]) or outgoing (W_{K+1}[:, i])",
          choices=("in", "out")),
)


@register("weight-norm", label="Weight norm", cite="Li et al. 2017, Pruning Filters for Efficient ConvNets",
          schema=SCHEMA, loss=False)
def weight_norm(ctx: Context, *, norm: str = "l1", direction: str = "in") -> Scores:
    """Norm of the unit's weights: ``‖W_K[i, :]‖₁`` (incoming, default), or the
    L2 norm (``norm='l2'``), or of the outgoing weights ``W_{K+1}[:, i]``
    (``direction='out'``). Data-free; higher = more important (Li et al. 2017)."""
    net, layer = ctx.net, ctx.layer
    w = net.layers[layer].weight if direction == "in" else net.layers[layer + 1].weight.T
    values = torch.linalg.vector_norm(w.to(DTYPE), ord=1 if norm == "l1" else 2, dim=1)
    return make_scores("weight-norm", values, higher=True,
                       meaning=f"{norm.upper()} norm of the {'incoming' if direction == 'in' else 'outgoing'} weights",
                       params={"norm": norm, "direction": direction})
