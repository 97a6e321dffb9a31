"""Random scores: the baseline any real criterion should beat on the pruning curve."""

from __future__ import annotations

import torch

from lrp_core.importance.base import Context, register
from lrp_core.importance.scores import DTYPE, Scores, make_scores


@register("random", label="Random (baseline)", loss=False, random=True)
def random_scores(ctx: Context) -> Scores:
    """Uniform random scores ``u_i ~ U[0, 1)`` from the seeded generator: the
    baseline any real criterion should beat on the pruning curve."""
    values = torch.rand(ctx.n_units, generator=ctx.generator, dtype=DTYPE)
    return make_scores("random", values, higher=True, meaning="a seeded random number (baseline)")
