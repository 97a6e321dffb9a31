"""APoZ: the fraction of samples on which a unit is active (Hu et al. 2016, Network Trimming)."""

from __future__ import annotations

from lrp_core.importance.base import Context, register
from lrp_core.importance.scores import DTYPE, Scores, make_scores


@register("apoz", label="APoZ (1 − fraction of zeros)", cite="Hu et al. 2016, Network Trimming", loss=False)
def apoz(ctx: Context) -> Scores:
    """Average Percentage of Zeros: ``APoZ_i = (1/N) Σ_s [a_i(x_s) = 0]``.

    A unit that is rarely zero is busy, so the seed counted the samples where
    the unit is active; the score here is ``1 − APoZ_i``, the fraction of
    samples with ``a_i ≠ 0`` (the count is in ``extra``). Higher = more
    important. It ignores the weights leaving the unit, so a busy but useless
    unit scores high (Hu et al. 2016)."""
    game = ctx.game(need_loss=False)
    active = (game.H != 0).sum(dim=0)
    frac = active.to(DTYPE) / game.n_samples
    return make_scores("apoz", frac, higher=True, meaning="fraction of samples where the unit is active (1 − APoZ)",
                       extra={"active_count": active.tolist(), "apoz": (1 - frac).tolist()})
