"""``network`` subcommand: print a validated network in the JSON format."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    from lrp_core.cli import add_network_args

    p = sub.add_parser("network", help="print a validated network in the JSON format")
    add_network_args(p)
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=_network)


def _network(args: argparse.Namespace) -> int:
    from lrp_core.cli import emit, load_network

    net = load_network(args)
    if args.json:
        emit(args, net.to_dict(), "")
    else:
        print(net.to_json())
    return 0
