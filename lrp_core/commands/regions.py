"""``regions`` subcommand: every linear region of a 2-input network in a box.

``python -m lrp_core regions (--preset NAME | --network FILE) --box x0,x1,y0,y1
[--slice-x "v1,…" --slice-axes I,J] --json`` prints
``{"regions": [{"pattern": "0101…", "polygon": [[x, y], …], "area": A}]}``
(pattern: '0'/'1' over the ReLU units, layer by layer). A network with more
than 2 inputs needs a slice: ``--slice-x`` (the point; default the preset's
input) and ``--slice-axes`` (two input axes), and the box is then in the
slice's coordinates around that point.
"""

from __future__ import annotations

import argparse
import re

from lrp_core.cli import CLIError, add_network_args, emit, load_network, parse_vector


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("regions", help="all linear regions of a 2-input network inside a box (exact)")
    add_network_args(p)
    p.add_argument("--box", required=True, help="the box as x0,x1,y0,y1")
    p.add_argument("--slice-x", help="for >2 inputs: the slice's point (default: the network's default input)")
    p.add_argument("--slice-axes", help="for >2 inputs: the two input axes of the slice, as I,J")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    # let values such as "-3,3,-3,3" follow --box (argparse takes them for options otherwise)
    p._negative_number_matcher = re.compile(r"^-\.?\d")
    p.set_defaults(func=_regions)


def _regions(args: argparse.Namespace) -> int:
    from lrp_core.plane import axis_slice, parse_box
    from lrp_core.presets import default_input
    from lrp_core.regions import linear_regions

    net = load_network(args)
    box = parse_box(args.box)
    sl = None
    if args.slice_axes is not None or args.slice_x is not None:
        if args.slice_axes is None:
            raise CLIError("--slice-x needs --slice-axes I,J (two input axes)")
        parts = args.slice_axes.split(",")
        try:
            i, j = (int(v) for v in parts)
        except ValueError:
            raise CLIError(f"--slice-axes must be two whole numbers I,J, got {args.slice_axes[:40]!r}") from None
        x = (parse_vector(args.slice_x, net.n_inputs, "--slice-x") if args.slice_x is not None
             else list(default_input(net)))
        sl = axis_slice(x, i, j)
    elif net.n_inputs != 2:
        raise CLIError(
            f"regions need a 2-input network, this one has {net.n_inputs} inputs; "
            "give a slice with --slice-axes I,J (and --slice-x)"
        )
    rs = linear_regions(net, box, slice=sl)
    lines = [f"{len(rs.regions)} linear regions in [{box[0]:g}, {box[1]:g}] × [{box[2]:g}, {box[3]:g}]"]
    for r in rs.regions:
        lines.append(f"{r.pattern}  area {r.area:.6g}  {len(r.polygon)} vertices")
    emit(args, rs.to_json(), "\n".join(lines))
    return 0
