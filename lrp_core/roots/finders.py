"""The root finders, one file each, and the segment-only policy.

Every finder solves a :class:`~lrp_core.roots.base.RootProblem`: for every
explained neuron j it looks for a root ã with ``R_j(ã) = 0`` in the closure of
the linear segment that contains the point a, so that the first-order Taylor
expansion ``R_j(a) = R_j(ã) + ∇R_j·(a − ã)`` is exact (Sixt & Landgraf 2022,
"A Rigorous Study of the Deep Taylor Decomposition", Sec. 3). Inside the
segment R is affine, ``R(a') = W a' + β`` (``problem.affine``), which every
finder uses instead of autograd.

- ``rule`` — :mod:`lrp_core.roots.rule_finder` (closed-form rules)
- ``exact`` — :mod:`lrp_core.roots.exact` (linear programs, :mod:`lrp_core.roots.lp`)
- ``mcmc`` — :mod:`lrp_core.roots.mcmc`
- ``interpolation`` — :mod:`lrp_core.roots.interpolation`

Signature (a contract): ``finder(problem, *, generator=None, progress=None,
**params) -> RootResult``; ``params`` are the entry's declared parameters
(``FINDERS.get(name).schema``) plus the box bounds ``low``/``high``.
``evaluations`` counts points at which R or the activation pattern was
evaluated (for ``exact``: linear programs solved).

Registry metadata (``FINDERS.get(name).extra``): ``segment_only`` — a bool or
a function of the parameters: whether the root depends only on a's segment
(its activation pattern), never on where a lies inside it, so roots may be
cached by pattern; ``stochastic`` — it draws random numbers from
``generator``; ``work``/``max_work``/``work_formula`` — a work estimate
``work(params, explained neurons)`` and its cap (for the caps over several
calls); ``params`` — the default parameters (read from the schema). For the
pages' figures: ``label_param`` — the parameter whose value completes a
result's label (``rule z+``); ``search_lines`` — ``(problem, result params)
-> directions (n, d) or None``, the lines a result searched along;
``samples_name`` — what its ``samples`` are (``chain samples``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# isort: off
# registration order = the order the CLI and the pages list the finders in
from lrp_core.roots import rule_finder
from lrp_core.roots import exact
from lrp_core.roots import mcmc
from lrp_core.roots import interpolation

# isort: on
from lrp_core.roots.base import FINDERS
from lrp_core.roots.exact import TIE_BREAKS, exact_finder
from lrp_core.roots.interpolation import MAX_DIRECTIONS, MAX_INTERPOLATION_WORK, interpolation_finder
from lrp_core.roots.mcmc import (
    MAX_CHAINS,
    MAX_MCMC_FLOPS,
    MAX_MCMC_TOTAL_STEPS,
    MAX_MCMC_WORK,
    MAX_STEPS,
    MAX_STORED,
    MAX_WARMUP,
    mcmc_finder,
)
from lrp_core.roots.rule_finder import rule_finder as rule_finder_func

__all__ = [
    "MAX_CHAINS", "MAX_DIRECTIONS", "MAX_INTERPOLATION_WORK", "MAX_MCMC_FLOPS", "MAX_MCMC_TOTAL_STEPS",
    "MAX_MCMC_WORK", "MAX_STEPS", "MAX_STORED", "MAX_WARMUP", "MCMC_DEFAULTS", "TIE_BREAKS", "defaults_of",
    "exact", "exact_finder", "interpolation", "interpolation_finder", "is_segment_only", "is_stochastic",
    "mcmc", "mcmc_finder", "rule_finder", "rule_finder_func",
]


def defaults_of(name: str) -> dict[str, Any]:
    """The declared defaults of finder ``name`` (from its schema)."""
    return FINDERS.get(name).defaults()


def is_segment_only(name: str, params: Mapping[str, Any] | None = None) -> bool:
    """Whether finder ``name`` with ``params`` gives a root that depends only on
    a's segment (so that it can be cached by activation pattern): the
    registry's ``segment_only`` metadata, a bool or a function of the
    parameters (defaults filled in)."""
    entry = FINDERS.get(name)
    flag = entry.extra.get("segment_only", False)
    if callable(flag):
        return bool(flag({**entry.defaults(), **dict(params or {})}))
    return bool(flag)


def is_stochastic(name: str) -> bool:
    """Whether finder ``name`` draws random numbers (from its ``generator``)."""
    return bool(FINDERS.get(name).extra.get("stochastic", False))


#: the mcmc defaults (read from its one declaration)
MCMC_DEFAULTS: Mapping[str, Any] = defaults_of("mcmc")
