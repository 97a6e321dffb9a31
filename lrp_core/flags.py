"""Command-line flags generated from a registry's declared parameters.

Every parameter of every entry of a registry (finders, field methods, …:
``entry.schema``) becomes one flag (``Param.flag``: ``n_chains`` ->
``--n-chains``); a name declared by several entries is one flag, its help
naming each. The flags of the entry a command runs are read back by
:func:`chosen_params`: a flag of another entry is refused, naming the
entries it applies to; numbers and booleans are parsed and checked by the
declaration (``Param.parse``: a one-line message naming the flag and the
range); a string goes to the entry unchanged, which checks it itself (the
rule finder accepts aliases such as ``w2`` for ``w²``). An entry registered
later (a test's toy finder) gets its flags the next time a parser is built.

Light on purpose (argparse and the parameter declarations only): the CLI
builds these parsers on every call.
"""

from __future__ import annotations

import argparse
from typing import Any

from lrp_core.errors import LRPError
from lrp_core.params import Param
from lrp_core.registry import Registry


def declared(registry: Registry[Any]) -> dict[str, list[tuple[str, Param]]]:
    """``{parameter name: [(entry name, its declaration), ...]}`` over every entry of ``registry``."""
    out: dict[str, list[tuple[str, Param]]] = {}
    for entry in registry:
        for prm in entry.schema:
            out.setdefault(prm.name, []).append((entry.name, prm))
    return out


def _help(decls: list[tuple[str, Param]]) -> str:
    parts = []
    for owner, prm in decls:
        default = "unset" if prm.default is None else prm.default
        parts.append(f"{owner}: {prm.help}; {prm.describe()} (default {default})")
    return " | ".join(parts)


def add_param_flags(p: argparse.ArgumentParser, registry: Registry[Any]) -> None:
    """One flag per declared parameter (default: unset, i.e. the entry's own default)."""
    for name, decls in declared(registry).items():
        p.add_argument(decls[0][1].flag, dest=f"param_{name}", metavar=name.upper(), default=None, help=_help(decls))


def chosen_params(args: argparse.Namespace, registry: Registry[Any], name: str, option: str) -> dict[str, Any]:
    """The parameters of entry ``name`` given as flags, checked; a flag of
    another entry raises :class:`LRPError` naming them (``option`` is the flag
    that chose the entry, e.g. ``--finder``)."""
    own = {prm.name: prm for prm in registry.get(name).schema}
    params: dict[str, Any] = {}
    for pname, decls in declared(registry).items():
        text = getattr(args, f"param_{pname}", None)
        if text is None:
            continue
        if pname not in own:
            owners = " or ".join(owner for owner, _ in decls)
            raise LRPError(f"{decls[0][1].flag} applies only to {option} {owners}")
        prm = own[pname]
        try:
            params[pname] = text if prm.kind == "str" else prm.parse(text)
        except LRPError as exc:
            raise LRPError(f"{prm.flag}: {exc}") from None
    return params
