"""The ``rule`` finder: closed-form roots along a rule's direction (see :mod:`lrp_core.roots.rules`)."""

from __future__ import annotations

import time
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import torch

from lrp_core.errors import LRPError
from lrp_core.params import Param, defaults
from lrp_core.roots.base import FINDERS, RootProblem, RootResult, make_roots
from lrp_core.roots.common import Progress, check_params, finder_box
from lrp_core.roots.rules import RULES, SIXT, apply_rule, resolve_rule, search_direction

SCHEMA = (
    Param("rule", "str", "z+", "the rule whose direction the root is searched along", choices=tuple(RULES.names())),
    Param("gamma", "float", 0.25, "γ of the γ rule", low=0.0),
    Param("low", "float", None, "lower box bound of the zB rule (every coordinate)", optional=True, advanced=True),
    Param("high", "float", None, "upper box bound of the zB rule (every coordinate)", optional=True, advanced=True),
)


def search_lines(problem: RootProblem, params: Mapping[str, Any]) -> torch.Tensor | None:
    """The directions (n, d) a result with ``params`` searched along (for drawing its lines), or None."""
    try:
        return search_direction(str(params["rule"]), problem.point, problem.affine.weight,
                                gamma=float(params.get("gamma", 0.25)), low=params.get("low"), high=params.get("high"))
    except (KeyError, LRPError):
        return None


@FINDERS.register(
    "rule", label="Closed-form rule", cite=SIXT, schema=SCHEMA, params=MappingProxyType(defaults(SCHEMA)), segment_only=False, stochastic=False,
    label_param="rule", search_lines=search_lines,
)
def rule_finder(
    problem: RootProblem,
    *,
    generator: torch.Generator | None = None,
    progress: Progress = None,
    **values: Any,
) -> RootResult:
    """Closed-form roots ``ã = a − t v`` with ``t = R(a)/(w·v)`` along the rule's
    direction v (see :mod:`lrp_core.roots.rules`); ``pinv`` takes one root for
    all explained neurons. ``low``/``high`` (the zB box) default to
    ``problem.box``; aliases of the rule names (``w2``, ``gamma``…) are accepted."""
    t0 = time.perf_counter()
    if "rule" in values:
        values["rule"] = resolve_rule(str(values["rule"]))
    p, _ = check_params("rule", values)
    name = p["rule"]
    box = finder_box(problem, p["low"], p["high"]) if RULES.get(name).extra["needs_box"] else None
    w = problem.affine.weight
    r = w @ problem.point + problem.affine.bias
    outcomes = apply_rule(name, problem.point, w, r, gamma=p["gamma"],
                          low=None if box is None else box[0], high=None if box is None else box[1])
    roots = make_roots(problem, [(j, root, reason) for j, (root, reason) in enumerate(outcomes)])
    params: dict[str, Any] = {"rule": name, "gamma": p["gamma"]}
    if box is not None:
        params.update(low=box[0].tolist(), high=box[1].tolist())
    return RootResult("rule", params, roots, 1, time.perf_counter() - t0)
