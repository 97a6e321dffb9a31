"""``decompose`` subcommand: a DTD decomposition through every layer.

``python -m lrp_core decompose (--preset NAME | --network FILE) [--x "v1,…"]
[--output J] --mode full|train-free --finder rule|mcmc|interpolation|exact
[--rule R] [--seed S] --json`` prints
``{"mode", "output", "f_x", "layers": [{"layer", "relevance", "sum",
"unresolved"}], "input_relevance", "root_searches", "cache_hits", "seconds"}``
with ``layers`` from the output down (entry k holds the relevance on layer
k's input, so the last one is the input relevance).
"""

from __future__ import annotations

import argparse
from typing import Any

from lrp_core.cli import CLIError, add_network_args, emit, load_network, parse_vector
from lrp_core.decompose import MODES, FinderSpec, decompose
from lrp_core.presets import default_input


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("decompose", help="DTD decomposition through every layer (full-backward or train-free)")
    add_network_args(p)
    p.add_argument("--x", help="the input as comma-separated numbers (default: the preset's input)")
    p.add_argument("--output", type=int, default=0, help="the network output to explain (default 0)")
    p.add_argument("--mode", required=True, choices=MODES, help="full (full-backward) or train-free")
    p.add_argument("--finder", required=True, help="root finder: rule, mcmc, interpolation or exact")
    p.add_argument("--rule", help="the rule for --finder rule (e.g. z+, 0, w2, gamma, zB)")
    p.add_argument("--gamma", type=float, help="γ for the gamma rule")
    p.add_argument("--seed", type=int, default=0, help="seed of the random finders (default 0)")
    p.add_argument("--n-chains", type=int, help="mcmc: number of chains")
    p.add_argument("--n-steps", type=int, help="mcmc: steps per chain")
    p.add_argument("--n-warmup", type=int, help="mcmc: warm-up steps")
    p.add_argument("--no-cache", action="store_true", help="disable the exact root cache")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=_decompose)


def _params(args: argparse.Namespace) -> dict[str, Any]:
    params: dict[str, Any] = {}
    if args.rule is not None or args.gamma is not None:
        if args.finder != "rule":
            raise CLIError("--rule and --gamma apply only to --finder rule")
        params["rule"] = args.rule
        params["gamma"] = args.gamma
    mcmc = {"n_chains": args.n_chains, "n_steps": args.n_steps, "n_warmup": args.n_warmup}
    if any(v is not None for v in mcmc.values()):
        if args.finder != "mcmc":
            raise CLIError("--n-chains, --n-steps and --n-warmup apply only to --finder mcmc")
        for name, v in mcmc.items():
            if v is not None and v < (0 if name == "n_warmup" else 1):
                raise CLIError(f"--{name.replace('_', '-')} must be a positive whole number, not {v}")
        params.update(mcmc)
    return params


def _decompose(args: argparse.Namespace) -> int:
    net = load_network(args)
    x = parse_vector(args.x, net.n_inputs) if args.x is not None else list(default_input(net))
    if not 0 <= args.output < net.n_outputs:
        raise CLIError(f"--output must be in 0..{net.n_outputs - 1}, not {args.output}")
    spec = FinderSpec.of(args.finder, **_params(args))
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
