"""``field`` subcommand: an explanation method's relevance over a grid of the plane.

``python -m lrp_core field (--preset NAME | --network FILE) --box x0,x1,y0,y1
[--n N] [--output J] --method M [--gamma G] --json`` with M one of
``gradient``, ``gradient-x-input``, ``z+``, ``w2``, ``gamma``,
``full-backward``, ``shapley`` prints ``{"x": [n values], "y": [n values],
"relevance": [[[R1, R2] for each x] for each y], "unresolved": [[u for each
x] for each y], "root_searches": n, "seconds": t}`` (``unresolved`` is
f − R1 − R2; ``root_searches`` counts the root searches that ran). The
network needs 2 inputs. Heavy modules are imported inside the run function.
"""

from __future__ import annotations

import argparse
import re

FIELD_METHOD_NAMES = ("gradient", "gradient-x-input", "z+", "w2", "gamma", "full-backward", "shapley")


def register(sub: argparse._SubParsersAction) -> None:
    from lrp_core.cli import add_network_args

    p = sub.add_parser("field", help="an explanation method's relevance over a grid of the plane (2 inputs)")
    add_network_args(p)
    p.add_argument("--box", required=True, help="the box as x0,x1,y0,y1")
    p.add_argument("--n", type=int, default=61, help="grid points per axis (default 61)")
    p.add_argument("--output", type=int, default=0, help="the network output to explain (default 0)")
    p.add_argument("--method", required=True, choices=FIELD_METHOD_NAMES, help="the explanation method")
    p.add_argument("--gamma", help="γ for --method gamma (default 0.25)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p._negative_number_matcher = re.compile(r"^-\.?\d")  # let "-3,3,-3,3" follow --box
    p.set_defaults(func=_field)


def _field(args: argparse.Namespace) -> int:
    from lrp_core.cli import CLIError, emit, load_network
    from lrp_core.fields import FIELD_METHODS, explanation_field
    from lrp_core.plane import parse_box

    net = load_network(args)
    box = parse_box(args.box)
    if net.n_inputs != 2:
        raise CLIError(f"field needs a 2-input network, this one has {net.n_inputs} inputs")
    if not 0 <= args.output < net.n_outputs:
        raise CLIError(f"--output must be in 0..{net.n_outputs - 1}, not {args.output}")
    entry = FIELD_METHODS.get(args.method)
    params = {}
    if args.gamma is not None:
        known = {p.name: p for p in entry.schema}
        if "gamma" not in known:
            raise CLIError("--gamma applies only to --method gamma")
        params["gamma"] = known["gamma"].parse(args.gamma)
    result = explanation_field(net, box, args.method, n=args.n, output=args.output, **params)
    u = result.unresolved
    text = (f"{entry.label} field of output {args.output} on a {args.n} × {args.n} grid over "
            f"[{box[0]:g}, {box[1]:g}] × [{box[2]:g}, {box[3]:g}]: R1 in [{result.relevance[..., 0].min():.4g}, "
            f"{result.relevance[..., 0].max():.4g}], R2 in [{result.relevance[..., 1].min():.4g}, "
            f"{result.relevance[..., 1].max():.4g}], |unresolved| <= {abs(u).max():.4g}; "
            f"{result.root_searches} root searches, {result.seconds:.3f} s")
    emit(args, result.to_json(), text)
    return 0
