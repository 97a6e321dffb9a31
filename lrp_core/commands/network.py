"""``presets`` and ``network`` subcommands."""

from __future__ import annotations

import argparse

from lrp_core.cli import add_network_args, emit, load_network


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("presets", help="list the built-in networks")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=_presets)

    p = sub.add_parser("network", help="print a validated network in the JSON format")
    add_network_args(p)
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=_network)


def _presets(args: argparse.Namespace) -> int:
    from lrp_core.presets import PRESETS, get_preset

    rows = []
    for entry in PRESETS:  # the registered widths: no network is built, torch is not imported
        preset = get_preset(entry.name)
        rows.append({"name": entry.name, "description": preset.description,
                     "shape": "-".join(str(w) for w in entry.extra["widths"])})
    text = "\n".join(f"{r['name']:<16} {r['shape']:<22} {r['description']}" for r in rows)
    emit(args, {"presets": rows}, text)
    return 0


def _network(args: argparse.Namespace) -> int:
    net = load_network(args)
    if args.json:
        emit(args, net.to_dict(), "")
    else:
        print(net.to_json())
    return 0
