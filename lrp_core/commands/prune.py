"""``prune`` subcommand: remove the k least important units of a hidden layer.

``python -m lrp_core prune (--preset NAME | --network FILE) [--data FILE.csv | --dataset NAME]
--layer K --method M --k N [--loss mse|l1] --out FILE --json`` prints
``{"removed": [unit indices], "loss_before": L0, "loss_after": L1, "seconds": t, ...}``
and writes the pruned network to FILE. Unit indices count from 0.
"""

from __future__ import annotations

import argparse

from lrp_core.commands.train import add_data_args, load_data, write_network


def register(sub: argparse._SubParsersAction) -> None:
    from lrp_core.cli import add_network_args

    p = sub.add_parser("prune", help="remove the k lowest-ranked hidden units of a layer by a method's scores")
    add_network_args(p)
    add_data_args(p)
    p.add_argument("--layer", type=int, default=0, help="hidden layer, counted from 0 (default 0)")
    p.add_argument("--method", required=True, help="the importance method whose ranking decides (see attribute)")
    p.add_argument("--k", type=int, required=True, help="how many units to remove")
    p.add_argument("--loss", default="mse", choices=["mse", "l1"], help="loss for scores and report (default mse)")
    p.add_argument("--seed", type=int, default=0, help="seed of sampled methods (default 0)")
    p.add_argument("--out", required=True, metavar="FILE", help="where to write the pruned network (JSON)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=_prune)


def _prune(args: argparse.Namespace) -> int:
    from lrp_core.cli import emit, load_network
    from lrp_core.pruning import prune_by

    net = load_network(args)
    X, y = load_data(args, net)
    res = prune_by(net, X, y, args.method, args.k, layer=args.layer, loss=args.loss, seed=args.seed)
    write_network(args.out, res.network)
    payload = {**res.to_dict(), "n_data": int(X.shape[0]), "out": args.out}
    text = (f"removed units {list(res.removed)} of layer {args.layer} by {args.method}: {args.loss} loss "
            f"{res.loss_before:.6g} -> {res.loss_after:.6g} ({res.seconds:.3f} s); wrote {args.out}")
    emit(args, payload, text)
    return 0
