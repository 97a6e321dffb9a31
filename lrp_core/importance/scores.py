"""The typed result of every importance method, and its CSV export."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import torch

from lrp_core.errors import LRPError

Tensor = torch.Tensor
DTYPE = torch.float64

OVERFLOW = "the network's outputs overflow float64 on this data; scale the weights down"

#: The header of :func:`scores_csv` (a contract: downloads and scripts read it).
CSV_HEADER = ("method", "unit", "score", "stderr", "rank", "higher_is_important")


@dataclass(frozen=True, eq=False)
class Scores:
    """One method's scores for the units of one hidden layer.

    ``scores[i]`` is unit ``i``'s value (float64), ``stderr`` its standard
    error for sampled methods (else ``None``). ``higher_is_important`` says
    which end of the scale means "keep this unit"; ``meaning`` says it in
    words. ``seconds`` is the computation's own wall time. ``extra`` holds
    diagnostics (e.g. ``v_full`` and ``efficiency_error`` for Shapley, the
    running estimate of sampled Shapley).
    """

    method: str
    scores: Tensor
    stderr: Tensor | None
    params: dict[str, Any]
    higher_is_important: bool
    meaning: str
    seconds: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def n_units(self) -> int:
        return int(self.scores.shape[0])

    def importance(self) -> Tensor:
        """Scores oriented so that larger always means more important."""
        return self.scores if self.higher_is_important else -self.scores

    def ranks(self) -> Tensor:
        """Rank of each unit, 1 = most important (ties: lower unit index first)."""
        order = torch.sort(-self.importance(), stable=True).indices
        ranks = torch.empty(self.n_units, dtype=torch.long)
        ranks[order] = torch.arange(1, self.n_units + 1)
        return ranks

    def prune_first(self) -> int:
        """The unit this method would remove first (least important)."""
        return int(prune_order(self.importance())[0])

    def to_dict(self) -> dict[str, Any]:
        """The JSON contract: method, scores, stderr (or null), params, seconds."""
        return {
            "method": self.method,
            "scores": self.scores.tolist(),
            "stderr": None if self.stderr is None else self.stderr.tolist(),
            "params": dict(self.params),
            "seconds": self.seconds,
        }


def prune_order(importance: Tensor) -> Tensor:
    """Unit indices from least to most important: exactly the reverse of the ranking
    (:meth:`Scores.ranks`, where ties go to the lower unit index), so the unit pruned first is
    always the one the rank table shows last."""
    return torch.sort(-importance.to(DTYPE), stable=True).indices.flip(0)


def make_scores(method: str, scores: Tensor, *, higher: bool, meaning: str, stderr: Tensor | None = None,
                params: Mapping[str, Any] | None = None, extra: Mapping[str, Any] | None = None) -> Scores:
    """The result, refused with :data:`OVERFLOW` if any score is not finite
    (a coalition's loss can overflow even when the unpruned one does not)."""
    if not bool(torch.isfinite(scores).all()):
        raise LRPError(f"{method} gave scores that are not finite numbers: {OVERFLOW}")
    return Scores(method, scores.to(DTYPE).detach().clone(), stderr, dict(params or {}), higher, meaning,
                  0.0, dict(extra or {}))


def scores_csv(results: Sequence[Scores]) -> str:
    """All scores as CSV: the header :data:`CSV_HEADER`, then one row per
    (method, unit) with score, stderr (empty when the method has none) and
    rank; units are numbered from 1 as on the page."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_HEADER)
    for r in results:
        ranks = r.ranks().tolist()
        for i, value in enumerate(r.scores.tolist()):
            se = "" if r.stderr is None else repr(float(r.stderr[i]))
            w.writerow([r.method, i + 1, repr(float(value)), se, ranks[i], r.higher_is_important])
    return buf.getvalue()
