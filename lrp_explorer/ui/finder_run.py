"""Run root finders on a problem with a progress bar; finished runs are cached by their content.

:func:`run_finders` runs each :class:`Job` (a finder, its parameters and, for a
random finder, its seed) through one cached function keyed by everything the
result depends on: the network's digest, the explained layer and functions,
the point, the finder and its parameters, the seed. A run shows a progress
bar while it works; a run interrupted by a new setting stores nothing (the
cache keeps only returned results). A result that came from the cache is
marked ``cached`` (:class:`~lrp_explorer.ui.roots_tables.Found`), so the page
never shows a first run's time as if it were new. A finder that refuses its
parameters or its work is reported as one line, ``<label>: <message>``, and the
other finders still run.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import torch

from lrp_core.errors import LRPError
from lrp_core.roots import FINDERS, RootProblem, RootResult
from lrp_explorer.ui.memo import session_memo
from lrp_explorer.ui.progress import progress_bar
from lrp_explorer.ui.roots_tables import Found


@dataclass(frozen=True)
class Job:
    """One finder run: its name, its parameters and its seed (None for a deterministic finder)."""

    finder: str
    params: dict[str, Any] = field(default_factory=dict)
    seed: int | None = None


@session_memo(48)
def _found(digest: str, layer: int, explained: str, point: tuple[float, ...], finder: str, params: str,
           seed: int | None, _problem: RootProblem, _fresh: list[bool]) -> RootResult:
    """One finder's result (keyed by every argument but the unhashed problem, which they determine)."""
    _fresh.append(True)
    entry = FINDERS.get(finder)
    generator = torch.Generator().manual_seed(seed) if seed is not None else None
    with progress_bar(entry.label) as tick:
        return entry.func(_problem, generator=generator, progress=tick, **json.loads(params))


def run_finders(digest: str, problem: RootProblem, explained: str,
                jobs: Sequence[Job]) -> tuple[list[Found], list[str]]:
    """Every job's result (cached or new) and the one-line errors of those that failed.

    ``explained`` names the explained functions (e.g. ``output0``); with the
    digest, the problem's layer and point it is the content the results depend on."""
    point = tuple(float(v) for v in problem.point.tolist())
    found: list[Found] = []
    errors: list[str] = []
    for job in jobs:
        fresh: list[bool] = []
        params = json.dumps(job.params, sort_keys=True, default=str)
        try:
            res = _found(digest, problem.layer, explained, point, job.finder, params, job.seed, problem, fresh)
        except LRPError as exc:
            errors.append(f"{FINDERS.get(job.finder).label}: {exc}")
            continue
        found.append(Found(res, cached=not fresh))
    return found, errors
