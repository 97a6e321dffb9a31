"""``python -m lrp_core``: a thin command line over the library.

Contract for every subcommand: ``--json`` prints machine-readable output on
stdout; a bad argument or file prints a one-line reason on stderr and exits
with code 2, never a traceback.

Subcommands live in ``lrp_core/commands/<name>.py``, one per module, the
module named as the subcommand; each defines ``register(subparsers)`` that
adds its parser and sets ``func`` to a function ``(args) -> int``. They are
discovered in name order.

Start-up is light (issue 13: ``presets --json`` in ≤ 1 s): :func:`main`
imports only the module of the subcommand it runs (the full parser, every
module, is built only for ``--help`` at the top or an unknown command), and
the command modules import torch, numpy, scipy and the heavy ``lrp_core``
modules inside ``register`` (for what their parser needs, e.g. the finder
registry) or inside the function that runs the command.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import pkgutil
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NoReturn

from lrp_core.errors import LRPError, one_line

if TYPE_CHECKING:
    from lrp_core.network import Network


class CLIError(LRPError):
    """A bad command-line argument."""


class Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line on stderr and exit code 2."""

    def error(self, message: str) -> NoReturn:
        sys.stderr.write(f"error: {one_line(message)}\n")
        raise SystemExit(2)


def add_network_args(p: argparse.ArgumentParser) -> None:
    """``--preset NAME | --network FILE`` (exactly one)."""
    from lrp_core.presets import preset_names  # light: the names, no network is built

    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--preset", choices=preset_names(), help="a built-in network")
    g.add_argument("--network", metavar="FILE", help="a network JSON file")


def load_network(args: argparse.Namespace) -> Network:
    from lrp_core.io import load_network_json
    from lrp_core.presets import get_preset

    if getattr(args, "preset", None):
        return get_preset(args.preset).network()
    try:
        with open(args.network, "rb") as fh:
            data = fh.read(10_000_001)
    except (OSError, ValueError) as exc:  # ValueError: a path with a NUL byte
        reason = getattr(exc, "strerror", None) or str(exc)
        raise CLIError(f"cannot read {args.network!r}: {reason}") from None
    return load_network_json(data)


def parse_vector(text: str, n: int, what: str = "--x") -> list[float]:
    """A comma-separated list of ``n`` finite numbers."""
    parts = [p.strip() for p in text.split(",")]
    try:
        values = [float(p) for p in parts]
    except ValueError:
        raise CLIError(f"{what} must be {n} comma-separated numbers, got {text[:80]!r}") from None
    if len(values) != n:
        raise CLIError(f"{what} needs {n} numbers for this network, got {len(values)}")
    if any(v != v or v in (float("inf"), float("-inf")) for v in values):
        raise CLIError(f"{what} must contain finite numbers only")
    return values


def emit(args: argparse.Namespace, payload: Any, text: str) -> None:
    """Print ``payload`` as JSON with ``--json``, else the human-readable ``text``."""
    if getattr(args, "json", False):
        sys.stdout.write(json.dumps(payload, indent=1) + "\n")
    else:
        sys.stdout.write(text.rstrip("\n") + "\n")


def command_names() -> list[str]:
    """The subcommands, in name order: the modules of ``lrp_core.commands`` (listed, not imported)."""
    import lrp_core.commands as commands

    return sorted(info.name for info in pkgutil.iter_modules(commands.__path__))


def build_parser(only: str | None = None) -> Parser:
    """The parser of every subcommand, or of subcommand ``only`` alone (its module only is imported)."""
    prog = "lrp-explorer" if os.path.basename(sys.argv[0]) == "lrp-explorer" else "python -m lrp_core"
    parser = Parser(prog=prog, description="LRP Explorer command line")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    for name in command_names():
        if only is None or name == only:
            importlib.import_module(f"lrp_core.commands.{name}").register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    first = args_list[0] if args_list else None
    parser = build_parser(only=first if first in command_names() else None)
    args = parser.parse_args(args_list)
    try:
        return int(args.func(args))
    except LRPError as exc:
        sys.stderr.write(f"error: {one_line(str(exc))}\n")
        return 2
    except BrokenPipeError:
        return 1
