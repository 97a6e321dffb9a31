"""``train`` subcommand: fit a network to its data set with Adam.

``python -m lrp_core train (--preset NAME | --network FILE) [--data FILE.csv | --dataset NAME]
[--epochs N] [--lr LR] [--batch-size B] [--seed S] [--loss mse|logistic] [--reinit] --out FILE --json``
prints ``{"loss_curve": [...], "final_loss": L, "seconds": t, ...}`` and writes the
trained network (the network JSON format) to FILE.
"""

from __future__ import annotations

import argparse
from typing import Any

TOY_SETS = ("moons", "circles", "xor", "spiral", "gaussians")  # lrp_core.toydata.TOY_SETS (checked by a test)


def add_data_args(p: argparse.ArgumentParser) -> None:
    """``--data FILE.csv | --dataset NAME`` and the preset data knobs (shared with ``prune``)."""
    g = p.add_mutually_exclusive_group()
    g.add_argument("--data", metavar="FILE.csv", help="CSV: input columns, then one target column per output")
    g.add_argument("--dataset", choices=TOY_SETS,
                   help="a 2-D toy data set (default: the preset's own data set)")
    p.add_argument("--n-data", type=int, default=None,
                   help="number of samples (default 200 for a toy set, 100 for a preset's own set)")
    p.add_argument("--data-seed", type=int, default=0, help="seed of the data set (default 0)")
    p.add_argument("--noise", type=float, default=0.1, help="a toy set's input jitter (default 0.1)")
    p.add_argument("--sigma", type=float, default=0.0,
                   help="label noise σ on a preset's own data set: y = f*(x) + σ·ε (default 0)")


def load_data(args: argparse.Namespace, net: Any) -> tuple[Any, Any]:
    """The data named by :func:`add_data_args` for ``net``."""
    from lrp_core.cli import CLIError
    from lrp_core.datasets import MAX_CSV_BYTES, parse_csv_for
    from lrp_core.toydata import data_for

    if args.data:
        try:
            with open(args.data, "rb") as fh:
                raw = fh.read(MAX_CSV_BYTES + 1)
        except (OSError, ValueError) as exc:  # ValueError: a path with a NUL byte
            raise CLIError(f"cannot read {args.data!r}: {getattr(exc, 'strerror', None) or exc}") from None
        data = parse_csv_for(net, raw, source=args.data)
        return data.X, data.y
    return data_for(net, args.dataset, n=args.n_data, seed=args.data_seed, noise=args.noise, sigma=args.sigma)


def write_network(path: str, net: Any) -> None:
    from lrp_core.cli import CLIError

    try:
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(net.to_json() + "\n")
    except (OSError, ValueError) as exc:
        raise CLIError(f"cannot write {path!r}: {getattr(exc, 'strerror', None) or exc}") from None


def register(sub: argparse._SubParsersAction) -> None:
    from lrp_core.cli import add_network_args

    p = sub.add_parser("train", help="train a network on its data set (Adam, deterministic given --seed)")
    add_network_args(p)
    add_data_args(p)
    p.add_argument("--epochs", type=int, default=None, help="passes over the data (default 200)")
    p.add_argument("--lr", type=float, default=None, help="Adam's learning rate (default 0.01)")
    p.add_argument("--batch-size", type=int, default=None, help="samples per step (default 32)")
    p.add_argument("--seed", type=int, default=None, help="seed of the batch order and fresh weights (default 0)")
    p.add_argument("--loss", choices=["mse", "logistic"], default=None,
                   help="mse (default), or logistic for labels 0/1")
    p.add_argument("--reinit", action="store_true", help="start from seeded random weights")
    p.add_argument("--out", required=True, metavar="FILE", help="where to write the trained network (JSON)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=_train)


def _train(args: argparse.Namespace) -> int:
    from lrp_core.cli import emit, load_network
    from lrp_core.training import train

    net = load_network(args)
    X, y = load_data(args, net)
    params = {k: getattr(args, k) for k in ("epochs", "lr", "batch_size", "seed", "loss")
              if getattr(args, k) is not None}
    if args.reinit:
        params["reinit"] = True
    if args.dataset and "loss" not in params:
        params["loss"] = "logistic"
    res = train(net, X, y, **params)
    write_network(args.out, res.network)
    payload = {**res.to_dict(), "n_data": int(X.shape[0]), "out": args.out}
    text = (f"trained {net.describe()} on {payload['n_data']} samples for {res.epochs_run} epochs "
            f"({res.params['loss']} loss {res.initial_loss:.6g} -> {res.final_loss:.6g}, {res.seconds:.2f} s); "
            f"wrote {args.out}")
    emit(args, payload, text)
    return 0



