"""``field`` subcommand: an explanation method's relevance over a grid of the plane.

``python -m lrp_core field (--preset NAME | --network FILE) --box x0,x1,y0,y1
[--n N] [--output J] --method M [... one flag per declared method parameter,
e.g. --gamma G] --json`` with M one of the registered field methods
(:data:`lrp_core.fields.methods.FIELD_METHODS`: ``gradient``,
``gradient-x-input``, ``z+``, ``w2``, ``gamma``, ``full-backward``,
``shapley``) prints ``{"x": [n values], "y": [n values], "relevance": [[[R1,
R2] for each x] for each y], "unresolved": [[u for each x] for each y],
"root_searches": n, "seconds": t}`` (``unresolved`` is f − R1 − R2;
``root_searches`` counts the root searches that ran). The network needs 2
inputs.

The choices and flags are read from the registry (a light module); NumPy,
torch and the field computation are imported inside the run function.
"""

from __future__ import annotations

import argparse
import re

from lrp_core.cli import CLIError, add_network_args
from lrp_core.fields.methods import FIELD_METHODS
from lrp_core.flags import add_param_flags, chosen_params


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("field", help="an explanation method's relevance over a grid of the plane (2 inputs)")
    add_network_args(p)
    p.add_argument("--box", required=True, help="the box as x0,x1,y0,y1")
    p.add_argument("--n", type=int, default=61, help="grid points per axis (default 61)")
    p.add_argument("--output", type=int, default=0, help="the network output to explain (default 0)")
    p.add_argument("--method", required=True, metavar="METHOD", choices=FIELD_METHODS.names(),
                   help="the explanation method, one of: %(choices)s")
    add_param_flags(p, FIELD_METHODS)
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p._negative_number_matcher = re.compile(r"^-\.?\d")  # let "-3,3,-3,3" follow --box
    p.set_defaults(func=_field)


def _field(args: argparse.Namespace) -> int:
    from lrp_core.cli import emit, load_network
    from lrp_core.fields.field import explanation_field
    from lrp_core.plane import parse_box

    net = load_network(args)
    box = parse_box(args.box)
    if net.n_inputs != 2:
        raise CLIError(f"field needs a 2-input network, this one has {net.n_inputs} inputs")
    if not 0 <= args.output < net.n_outputs:
        raise CLIError(f"--output must be in 0..{net.n_outputs - 1}, not {args.output}")
    params = chosen_params(args, FIELD_METHODS, args.method, "--method")
    result = explanation_field(net, box, args.method, n=args.n, output=args.output, **params)
    rel, u = result.relevance, result.unresolved
    text = (f"{FIELD_METHODS.get(args.method).label} field of output {args.output} over "
            f"[{box[0]:g}, {box[1]:g}] × [{box[2]:g}, {box[3]:g}]: R1 in [{rel[..., 0].min():.4g}, "
            f"{rel[..., 0].max():.4g}], R2 in [{rel[..., 1].min():.4g}, {rel[..., 1].max():.4g}], "
            f"|unresolved| <= {abs(u).max():.4g}; {result.summary()}")
    emit(args, result.to_json(), text)
    return 0
