"""Deep Taylor roots: the problem statement, rules, finders and regions."""

from lrp_core.roots.base import (
    FINDERS,
    Root,
    RootProblem,
    RootResult,
    Segment,
    explain_layer,
    explain_output,
    make_root,
)

__all__ = [
    "FINDERS",
    "Root",
    "RootProblem",
    "RootResult",
    "Segment",
    "explain_layer",
    "explain_output",
    "make_root",
]
