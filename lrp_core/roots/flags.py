"""Command-line flags generated from the finders' declared parameters.

Every parameter of every registered finder (``FINDERS.get(name).schema``)
becomes one flag (``Param.flag``: ``n_chains`` -> ``--n-chains``); a name
declared by several finders is one flag. A flag given for a finder that does
not declare it is refused, naming the finders it applies to. Numbers are
checked by the parameter (``Param.check``: a one-line message naming the
flag and the range); strings go to the finder unchanged (the rule finder
accepts aliases such as ``w2`` for ``w²``), booleans are parsed
(``true``/``false``). A finder registered later (a test's toy finder) gets its
flags the next time a parser is built.
"""

from __future__ import annotations

import argparse
from typing import Any

from lrp_core.errors import LRPError
from lrp_core.params import Param
from lrp_core.roots.base import FINDERS

_TYPES = {"int": int, "float": float}


def finder_flags() -> dict[str, list[tuple[str, Param]]]:
    """``{parameter name: [(finder, its declaration), ...]}`` over every registered finder."""
    out: dict[str, list[tuple[str, Param]]] = {}
    for entry in FINDERS:
        for prm in entry.schema:
            out.setdefault(prm.name, []).append((entry.name, prm))
    return out


def _help(decls: list[tuple[str, Param]]) -> str:
    parts = []
    for owner, prm in decls:
        default = "unset" if prm.default is None else prm.default
        parts.append(f"{owner}: {prm.help}; {prm.describe()} (default {default})")
    return " | ".join(parts)


def add_finder_flags(p: argparse.ArgumentParser) -> None:
    """One flag per declared finder parameter (default: unset, i.e. the finder's own default)."""
    for name, decls in finder_flags().items():
        prm = decls[0][1]
        p.add_argument(prm.flag, dest=name, type=_TYPES.get(prm.kind, str), default=None, help=_help(decls))


def finder_params(args: argparse.Namespace, finder: str) -> dict[str, Any]:
    """The parameters of ``finder`` given as flags, checked; a flag of another
    finder raises :class:`LRPError` naming the finders it applies to."""
    entry = FINDERS.get(finder)
    declared = {prm.name: prm for prm in entry.schema}
    params: dict[str, Any] = {}
    for name, decls in finder_flags().items():
        value = getattr(args, name, None)
        if value is None:
            continue
        if name not in declared:
            owners = " or ".join(owner for owner, _ in decls)
            raise LRPError(f"{decls[0][1].flag} applies only to --finder {owners}")
        own = declared[name]
        try:
            if own.kind == "bool":
                value = own.parse(str(value))
            elif own.kind != "str":
                value = own.check(value)
        except LRPError as exc:
            raise LRPError(f"{own.flag}: {exc}") from None
        params[name] = value
    return params
