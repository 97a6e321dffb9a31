"""Shapley values estimated from random permutations in antithetic pairs."""

from __future__ import annotations

from typing import Any

from lrp_core.importance.base import ANCONA, Context, register
from lrp_core.importance.scores import Scores, make_scores
from lrp_core.importance.shapley import sampled_shapley_values
from lrp_core.importance.work import DEFAULT_SAMPLES, MAX_SAMPLES, check_work
from lrp_core.params import Param

SCHEMA = (Param("samples", "int", DEFAULT_SAMPLES, "permutations, drawn in antithetic pairs (a permutation and "
                "its reverse)", low=2, high=MAX_SAMPLES, log=True),)


def _preflight(ctx: Context, params: dict[str, Any]) -> None:
    check_work(ctx.net, ctx.layer, ctx.n_data, "shapley-sampled", params["samples"], ctx.loss)


@register("shapley-sampled", label="Shapley (sampled)", cite=ANCONA, schema=SCHEMA, sampler=True, random=True,
          preflight=_preflight)
def shapley_sampled(ctx: Context, *, samples: int = DEFAULT_SAMPLES) -> Scores:
    """Shapley values estimated from ``samples`` random permutations in
    antithetic pairs (a permutation and its reverse):
    ``φ̂_i = (1/P) Σ_π (v(P_i^π ∪ {i}) − v(P_i^π))`` with standard errors from
    the pair means. Reproducible from the generator's seed. Higher = more
    important; the estimate sums to v(N) like the exact values."""
    out = sampled_shapley_values(ctx.game(), samples, ctx.generator, ctx.progress)
    v_full = float(out["v_full"])
    est = out["estimate"]
    return make_scores("shapley-sampled", est, higher=True, stderr=out["stderr"],
                       meaning="Shapley value of the loss-increase game, estimated from permutations",
                       params={"samples": int(out["permutations"]), "antithetic": True},
                       extra={"v_full": v_full, "efficiency_error": float(est.sum() - v_full),
                              "running_permutations": out["running_permutations"].tolist(),
                              "running_mean": out["running_mean"], "running_stderr": out["running_stderr"]})
