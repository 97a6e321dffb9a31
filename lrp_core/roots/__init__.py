"""Deep Taylor roots: the problem statement, rules, finders and regions.

Importing this package registers every rule (:data:`RULES`) and every root
finder (:data:`FINDERS`: ``rule``, ``exact``, ``mcmc``, ``interpolation``; one
file each, see :mod:`lrp_core.roots.finders`).
"""

from lrp_core.roots import finders as finders
from lrp_core.roots import rules as rules
from lrp_core.roots.base import (
    FINDERS,
    Root,
    RootProblem,
    RootResult,
    Segment,
    explain_layer,
    explain_output,
    make_root,
    make_roots,
)
from lrp_core.roots.finders import is_segment_only, is_stochastic
from lrp_core.roots.rules import RULE_ALIASES, RULES, apply_rule, resolve_rule, search_direction

__all__ = [
    "FINDERS",
    "RULES",
    "RULE_ALIASES",
    "Root",
    "RootProblem",
    "RootResult",
    "Segment",
    "apply_rule",
    "explain_layer",
    "explain_output",
    "finders",
    "is_segment_only",
    "is_stochastic",
    "make_root",
    "make_roots",
    "resolve_rule",
    "rules",
    "search_direction",
]
