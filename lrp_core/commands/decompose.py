"""``decompose`` subcommand: a DTD decomposition through every layer.

``python -m lrp_core decompose (--preset NAME | --network FILE) [--x "v1,…"]
[--output J] --mode full|train-free --finder rule|mcmc|interpolation|exact
[--rule R] [--seed S] [... one flag per declared finder parameter:
``lrp_core.flags``] --json`` prints
``{"mode", "output", "f_x", "layers": [{"layer", "relevance", "sum",
"unresolved"}], "input_relevance", "root_searches", "cache_hits", "seconds"}``
with ``layers`` from the output down (entry k holds the relevance on layer
k's input, so the last one is the input relevance).
"""

from __future__ import annotations

import argparse

from lrp_core.cli import CLIError, add_network_args, emit, load_network, parse_vector


def register(sub: argparse._SubParsersAction) -> None:
    from lrp_core.decompose import MODES
    from lrp_core.flags import add_param_flags
    from lrp_core.roots import FINDERS

    p = sub.add_parser("decompose", help="DTD decomposition through every layer (full-backward or train-free)")
    add_network_args(p)
    p.add_argument("--x", help="the input as comma-separated numbers (default: the preset's input)")
    p.add_argument("--output", type=int, default=0, help="the network output to explain (default 0)")
    p.add_argument("--mode", required=True, choices=MODES, help="full (full-backward) or train-free")
    p.add_argument("--finder", required=True, help=f"root finder: {', '.join(FINDERS.names())}")
    p.add_argument("--seed", type=int, default=0, help="seed of the random finders (default 0)")
    # one flag per declared finder parameter (--rule, --gamma, --n-chains, --tie-break, ...)
    add_param_flags(p, FINDERS)
    p.add_argument("--no-cache", action="store_true", help="disable the exact root cache")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=_decompose)


def _decompose(args: argparse.Namespace) -> int:
    from lrp_core.decompose import FinderSpec, decompose
    from lrp_core.flags import chosen_params
    from lrp_core.presets import default_input
    from lrp_core.roots import FINDERS

    net = load_network(args)
    x = parse_vector(args.x, net.n_inputs) if args.x is not None else list(default_input(net))
    if not 0 <= args.output < net.n_outputs:
        raise CLIError(f"--output must be in 0..{net.n_outputs - 1}, not {args.output}")
    spec = FinderSpec.of(args.finder, **chosen_params(args, FINDERS, args.finder, "--finder"))
    result = decompose(net, x, args.output, mode=args.mode, spec=spec, seed=args.seed,
                       use_cache=not args.no_cache)
    payload = result.to_json()
    lines = [
        f"{result.mode} decomposition of output {result.output} with {spec.label}: f(x) = {result.f_x:.6g}",
        f"{'layer':>5} {'sum':>12} {'unresolved':>12}  relevance on the layer's input",
    ]
    for lr in result.layers:
        rel = ", ".join(f"{v:.4g}" for v in lr.relevance.tolist())
        lines.append(f"{lr.layer:>5} {lr.sum:>12.6g} {lr.unresolved:>12.6g}  [{rel}]")
    lines.append(f"root searches: {result.root_searches}, cache hits: {result.cache_hits}, "
                 f"{result.seconds:.3f} s")
    emit(args, payload, "\n".join(lines))
    return 0
