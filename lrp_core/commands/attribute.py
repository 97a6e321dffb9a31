"""``attribute`` subcommand: neuron importance of one hidden layer.

``python -m lrp_core attribute (--preset NAME | --network FILE) [--data FILE.csv]
[--layer K] --method M [--loss mse|l1] [--n-data N] [--seed S] [--samples N] --json``

Only light modules are imported at module level (the CLI builds every
subcommand's parser on each call); the method names and losses are read
from :mod:`lrp_core.importance` only when ``--method``/``--loss`` is parsed.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from lrp_core.cli import CLIError, add_network_args, emit, load_network

if TYPE_CHECKING:
    import torch

    from lrp_core.network import Network


class _LazyChoices:
    """Argparse ``choices`` computed on first use (membership, iteration, messages)."""

    def __init__(self, make: Callable[[], list[str]]) -> None:
        self._make = make

    def __iter__(self) -> Iterator[str]:
        return iter(self._make())

    def __contains__(self, value: object) -> bool:
        return value in self._make()


def _method_choices() -> list[str]:
    from lrp_core.importance import METHODS

    return [*METHODS.names(), "all"]


def _loss_choices() -> list[str]:
    from lrp_core.importance import LOSSES

    return list(LOSSES)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("attribute", help="score the units of a hidden layer (APoZ, ..., Shapley)")
    add_network_args(p)
    p.add_argument("--data", metavar="FILE.csv", help="CSV: input columns, then one target column per output")
    p.add_argument("--layer", type=int, default=0, help="hidden layer, counted from 0 (default 0)")
    p.add_argument("--method", required=True, metavar="METHOD", choices=_LazyChoices(_method_choices),
                   help="one of: %(choices)s")
    p.add_argument("--loss", default="mse", metavar="LOSS", choices=_LazyChoices(_loss_choices),
                   help="loss averaged over samples, one of: %(choices)s (default %(default)s)")
    p.add_argument("--n-data", type=int, default=100, help="size of the preset's data set (default 100)")
    p.add_argument("--seed", type=int, default=0, help="seed for the data set and sampled methods (default 0)")
    p.add_argument("--samples", type=int, default=None,
                   help="permutations for shapley-sampled (default: its declared default)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=_attribute)


def _load_data(args: argparse.Namespace, net: Network) -> tuple[torch.Tensor, torch.Tensor]:
    from lrp_core.datasets import MAX_CSV_BYTES, parse_csv_for
    from lrp_core.presets import default_dataset, get_preset, matching_preset

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
    from lrp_core.importance import DEFAULT_SAMPLES, attribute

    net = load_network(args)
    X, y = _load_data(args, net)
    samples = DEFAULT_SAMPLES if args.samples is None else args.samples
    results = attribute(net, X, y, args.method, layer=args.layer, loss=args.loss, seed=args.seed,
                        samples=samples)
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
