"""``serve`` subcommand: start the app (see :mod:`lrp_core.serve`)."""

from __future__ import annotations

import argparse
import shlex
import sys


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("serve", help="start the LRP Explorer app (Streamlit) from the installed package")
    p.add_argument("--port", type=int, default=8501, help="port to listen on (default 8501)")
    p.add_argument("--address", default=None, help="address to bind (Streamlit's default if omitted)")
    p.add_argument("--print-command", action="store_true",
                   help="print the streamlit command line instead of running it")
    p.set_defaults(func=_serve)


def _serve(args: argparse.Namespace) -> int:
    from lrp_core import serve

    if args.print_command:
        sys.stdout.write(shlex.join(serve.command(args.port, args.address)) + "\n")
        return 0
    serve.serve(args.port, args.address)
    return 1  # only reached if exec returned without raising
