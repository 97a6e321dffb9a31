"""``roots`` subcommand: Deep Taylor roots of a network output from one finder.

``python -m lrp_core roots (--preset NAME | --network FILE) [--x "v1,v2,…"]
[--layer K] [--output J] --finder rule|mcmc|interpolation|exact [--rule R]
[--gamma G] [--seed S] [--n-chains N --n-steps N --n-warmup N] [--tie-break T]
[... one flag per declared finder parameter: ``lrp_core.flags``] --json`` prints
``{"layer": K, "finder": F, "roots": [{"neuron": j, "root": [...],
"relevance": r, "in_segment": bool, "taylor_residual": e, ...}],
"evaluations": n, "seconds": t}``. ``--x`` is the network input (default: the
preset's input); with ``--layer K > 0`` it is forwarded to layer K's input.
Without ``--output`` every output is explained. Numbers that do not exist
(no root) are written as null.
"""

from __future__ import annotations

import argparse
import math
import re
from typing import TYPE_CHECKING, Any

from lrp_core.cli import CLIError, add_network_args, emit, load_network, parse_vector

if TYPE_CHECKING:
    from lrp_core.roots import RootResult


def register(sub: argparse._SubParsersAction) -> None:
    from lrp_core.flags import add_param_flags
    from lrp_core.roots import FINDERS

    p = sub.add_parser("roots", help=f"Deep Taylor roots of a network output ({', '.join(FINDERS.names())})")
    add_network_args(p)
    p.add_argument("--x", help="the network input as comma-separated numbers (default: the preset's input)")
    p.add_argument("--layer", type=int, default=0, help="explain from this layer's input (default 0)")
    p.add_argument("--output", type=int, help="the output to explain (default: every output)")
    p.add_argument("--finder", required=True, choices=FINDERS.names(), help="the root finder")
    p.add_argument("--seed", type=int, default=0, help="random seed of the random finders (default 0)")
    # one flag per declared finder parameter (--rule, --gamma, --low, --high, --n-chains, --tie-break, ...)
    add_param_flags(p, FINDERS)
    p.add_argument("--json", action="store_true", help="machine-readable output")
    # let values such as "-1.5,2" follow --x (argparse takes them for options otherwise)
    p._negative_number_matcher = re.compile(r"^-\.?\d")
    p.set_defaults(func=_roots)


def _finite_or_none(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def finder_params(args: argparse.Namespace) -> dict[str, Any]:
    """The finder's parameters from the flags; flags of another finder are refused."""
    from lrp_core.flags import chosen_params
    from lrp_core.roots import FINDERS

    params = chosen_params(args, FINDERS, args.finder, "--finder")
    if ("low" in params) != ("high" in params):
        raise CLIError("give both --low and --high for the zB box")
    return params


def result_payload(layer: int, result: RootResult) -> dict[str, Any]:
    roots = []
    for r in result.roots:
        entry = {k: _finite_or_none(v) for k, v in r.to_json().items()}
        roots.append(entry)
    return {
        "layer": layer,
        "finder": result.finder,
        "roots": roots,
        "evaluations": int(result.evaluations),
        "seconds": float(result.seconds),
        "params": result.params,
    }


def _roots(args: argparse.Namespace) -> int:
    import torch

    from lrp_core.presets import default_input
    from lrp_core.roots import FINDERS, explain_output

    net = load_network(args)
    n_layers = len(net.layers)
    if not 0 <= args.layer < n_layers:
        raise CLIError(f"--layer must be in 0..{n_layers - 1} for this network, not {args.layer}")
    if args.output is not None and not 0 <= args.output < net.n_outputs:
        raise CLIError(f"--output must be in 0..{net.n_outputs - 1} for this network, not {args.output}")
    params = finder_params(args)
    x = parse_vector(args.x, net.n_inputs) if args.x is not None else list(default_input(net))
    point = torch.tensor(x, dtype=torch.float64)
    if args.layer > 0:
        point = net.forward(point).post[args.layer - 1]
    problem = explain_output(net, point, args.layer, args.output)
    gen = torch.Generator().manual_seed(args.seed)
    result = FINDERS.get(args.finder).func(problem, generator=gen, **params)
    payload = result_payload(args.layer, result)
    lines = [f"{args.finder} roots at layer {args.layer}'s input ({result.evaluations} evaluations, "
             f"{result.seconds:.3g} s)"]
    for r in result.roots:
        if r.root is None:
            lines.append(f"output {r.neuron}: no root — {r.reason}")
            continue
        where = "in the segment" if r.in_segment else "OUTSIDE the segment"
        lines.append(f"output {r.neuron}: R(root) = {r.relevance:.6g}, {where}, "
                     f"Taylor residual {r.taylor_residual:.3g}, distance {r.distance:.4g}")
        lines.append("  root = [" + ", ".join(f"{v:.6g}" for v in r.root.tolist()) + "]")
        if r.reason:
            lines.append(f"  note: {r.reason}")
    emit(args, payload, "\n".join(lines))
    return 0
