"""``presets`` subcommand: the built-in networks, listed from the preset registry (no network is built)."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("presets", help="list the built-in networks")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=_presets)


def _presets(args: argparse.Namespace) -> int:
    from lrp_core.cli import emit
    from lrp_core.presets import PRESETS, get_preset

    rows = []
    for entry in PRESETS:  # the registered widths: no network is built, torch is not imported
        preset = get_preset(entry.name)
        rows.append({"name": entry.name, "description": preset.description,
                     "shape": "-".join(str(w) for w in entry.extra["widths"])})
    text = "\n".join(f"{r['name']:<16} {r['shape']:<22} {r['description']}" for r in rows)
    emit(args, {"presets": rows}, text)
    return 0
