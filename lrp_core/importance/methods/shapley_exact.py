"""Exact Shapley values of the pruning game: in closed form when the game is quadratic, else over all 2ⁿ coalitions."""

from __future__ import annotations

from typing import Any

from lrp_core.errors import LRPError
from lrp_core.importance.base import ANCONA, Context, register
from lrp_core.importance.scores import Scores, make_scores
from lrp_core.importance.shapley import exact_shapley_values, quadratic_shapley_values
from lrp_core.importance.work import check_work, closed_form_applies, exact_unavailable


def _preflight(ctx: Context, params: dict[str, Any]) -> None:
    reason = exact_unavailable(ctx.net, ctx.layer, ctx.loss)
    if reason is not None:
        raise LRPError(reason)
    check_work(ctx.net, ctx.layer, ctx.n_data, "shapley-exact", loss=ctx.loss)


@register("shapley-exact", label="Shapley (exact)", cite=ANCONA, unavailable=exact_unavailable,
          preflight=_preflight, closed_form=closed_form_applies)
def shapley_exact(ctx: Context) -> Scores:
    """Exact Shapley values of the pruning game ``v(S) = L(S zeroed) − L(∅ zeroed)``:

    ``φ_i = Σ_{S ⊆ N∖{i}} |S|! (n − |S| − 1)! / n! · (v(S ∪ {i}) − v(S))``.

    With MSE and a layer that feeds a linear output layer, ``v`` is
    quadratic in the zeroed units and ``φ_i = −m_i·(s + 2c)/W`` in closed
    form at any width (see :func:`quadratic_shapley_values`). Otherwise all
    ``2^n`` coalitions are evaluated as batched masks through the rest of
    the network (in chunks), then combined by vectorised index arithmetic;
    ``n ≤ 20``. Higher = more important; Σ φ_i = v(N) (Ancona et al. 2020)."""
    check_work(ctx.net, ctx.layer, ctx.n_data, "shapley-exact", loss=ctx.loss)
    game = ctx.game()
    extra: dict[str, Any] = {"closed_form": closed_form_applies(ctx.net, ctx.layer, ctx.loss)}
    if extra["closed_form"]:
        phi, v_full_t = quadratic_shapley_values(game)
        v_full = float(v_full_t)
    else:
        phi, v = exact_shapley_values(game, ctx.progress)
        v_full = float(v[-1])
        extra["coalitions"] = int(v.shape[0])
    extra.update(v_full=v_full, efficiency_error=float(phi.sum() - v_full))
    return make_scores("shapley-exact", phi, higher=True, meaning="Shapley value of the loss-increase game",
                       extra=extra)
