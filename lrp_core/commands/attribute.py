"""``attribute`` subcommand: neuron importance of one hidden layer.

``python -m lrp_core attribute (--preset NAME | --network FILE) [--data FILE.csv]
[--layer K] --method M [--loss mse|l1] [--n-data N] [--seed S] [--samples N] --json``
"""

from __future__ import annotations

import argparse

import torch

from lrp_core.cli import CLIError, add_network_args, emit, load_network
from lrp_core.datasets import MAX_CSV_BYTES, parse_csv_for
from lrp_core.importance import DEFAULT_SAMPLES, LOSSES, METHODS, attribute
from lrp_core.network import Network
from lrp_core.presets import default_dataset, get_preset, matching_preset


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("attribute", help="score the units of a hidden layer (APoZ, ..., Shapley)")
    add_network_args(p)
    p.add_argument("--data", metavar="FILE.csv", help="CSV: input columns, then one target column per output")
    p.add_argument("--layer", type=int, default=0, help="hidden layer, counted from 0 (default 0)")
    p.add_argument("--method", required=True, choices=[*METHODS.names(), "all"], help="the method, or all")
    p.add_argument("--loss", default="mse", choices=list(LOSSES), help="loss averaged over samples (default mse)")
    p.add_argument("--n-data", type=int, default=100, help="size of the preset's data set (default 100)")
    p.add_argument("--seed", type=int, default=0, help="seed for the data set and sampled methods (default 0)")
    p.add_argument("--samples", type=int, default=DEFAULT_SAMPLES,
                   help=f"permutations for shapley-sampled (default {DEFAULT_SAMPLES})")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=_attribute)


def _load_data(args: argparse.Namespace, net: Network) -> tuple[torch.Tensor, torch.Tensor]:
    if args.data:
        try:
            with open(args.data, "rb") as fh:
                raw = fh.read(MAX_CSV_BYTES + 1)
        except OSError as exc:
            raise CLIError(f"cannot read {args.data!r}: {exc.strerror or exc}") from None
        except ValueError as exc:  # e.g. a path with a NUL byte ("embedded null byte")
            raise CLIError(f"cannot read {args.data!r}: {exc}") from None
        data = parse_csv_for(net, raw, source=args.data)
        return data.X, data.y
    name = matching_preset(net)
    if name is not None:
        return get_preset(name).dataset(args.n_data, args.seed)
    return default_dataset(net, args.n_data, args.seed)


def _attribute(args: argparse.Namespace) -> int:
    net = load_network(args)
    X, y = _load_data(args, net)
    results = attribute(net, X, y, args.method, layer=args.layer, loss=args.loss, seed=args.seed,
                        samples=args.samples)
    payload = {
        "layer": args.layer,
        "loss": args.loss,
        "n_data": int(X.shape[0]),
        "results": [r.to_dict() for r in results],
    }
    lines = [f"layer {args.layer}, loss {args.loss}, {payload['n_data']} samples; units numbered from 0"]
    for r in results:
        values = "  ".join(f"{v:+.6g}" for v in r.scores.tolist())
        lines.append(f"{r.method:<16} {values}   (prune first: unit {r.prune_first()}; {r.seconds:.4f} s)")
        if r.stderr is not None:
            lines.append(f"{'  ± stderr':<16} " + "  ".join(f"{v:.2g}" for v in r.stderr.tolist()))
    emit(args, payload, "\n".join(lines))
    return 0
