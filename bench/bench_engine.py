"""Benchmark (issue 13): the redesigned root engine against the code before it.

Speed floors of issue 13, on ``dtd-mlp`` at the reference input:

- one exact root (layer 0, output 0; a fresh problem each run, so the
  segment and the affine map are part of the time) <= 5 ms;
- the exact full-backward decomposition (output 0, a fresh cache each run)
  <= 50 ms.

"Before" is the checkout at commit ``BEFORE`` (private HiGHS binding,
Workspace, closed-form step 0, penalty LP with NNLS certificates), "after"
this checkout (public ``scipy.optimize.milp``/``linprog``, two batched LPs a
layer). Each side runs in its own fresh process (``PYTHONPATH`` = its
checkout), the two taking turns ROUNDS times; each time is the best over all
its runs, and the ratio after/before is also given per round (the machine is
shared: trust ratios of one run, not absolute times).

Run: ``python -m bench bench_engine`` (``BEFORE_DIR`` names the old checkout;
default ``/tmp/before``, made with ``git worktree add /tmp/before c286463``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

BEFORE = "c286463"
ROUNDS = 3
REPEATS = 50

WORKER = r"""
import json, sys, time
import torch
from lrp_core.decompose import FinderSpec, decompose
from lrp_core.presets import default_input, get_preset
from lrp_core.roots import FINDERS, explain_output
net = get_preset("dtd-mlp").network()
x = default_input(net)
xt = torch.tensor(x, dtype=torch.float64)
exact = FINDERS.get("exact").func
spec = FinderSpec.of("exact")
def best(run, n):
    run()
    out = float("inf")
    for _ in range(n):
        t0 = time.perf_counter(); run(); out = min(out, time.perf_counter() - t0)
    return out
root = exact(explain_output(net, x, 0, 0)).roots[0]
dec = decompose(net, xt, 0, mode="full", spec=spec)
print(json.dumps({
    "root_s": best(lambda: exact(explain_output(net, x, 0, 0)), int(sys.argv[1])),
    "decompose_s": best(lambda: decompose(net, xt, 0, mode="full", spec=spec), int(sys.argv[1])),
    "root_R": root.relevance, "root": root.root.tolist(),
    "input_relevance": dec.input_relevance.tolist(), "evaluations": dec.evaluations,
}))
"""


def run_side(path: Path) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(path)}
    out = subprocess.run([sys.executable, "-c", WORKER, str(REPEATS)], env=env, cwd=path, capture_output=True,
                         text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    here = Path(__file__).resolve().parents[1]
    before_dir = Path(os.environ.get("BEFORE_DIR", "/tmp/before"))
    if not (before_dir / "lrp_core").is_dir():
        print(f"no checkout of {BEFORE} at {before_dir}: run `git worktree add {before_dir} {BEFORE}`")
        return
    rounds = []
    for _ in range(ROUNDS):
        rounds.append((run_side(before_dir), run_side(here)))
    b = {k: min(r[0][k] for r in rounds) for k in ("root_s", "decompose_s")}
    a = {k: min(r[1][k] for r in rounds) for k in ("root_s", "decompose_s")}
    before, after = rounds[-1]
    same_root = max(abs(u - v) for u, v in zip(before["root"], after["root"], strict=True))
    same_rel = max(abs(u - v) for u, v in zip(before["input_relevance"], after["input_relevance"], strict=True))
    print(f"dtd-mlp, reference input (best of {ROUNDS} processes × {REPEATS} runs each side; machine shared)")
    print(f"{'measure':<40} {'before [ms]':>12} {'after [ms]':>11} {'after/before':>13} {'floor':>8}")
    for key, label, floor in (("root_s", "one exact root (layer 0, output 0)", 5.0),
                              ("decompose_s", "exact full-backward decomposition", 50.0)):
        ok = "met" if a[key] * 1e3 <= floor else "NOT met"
        print(f"{label:<40} {b[key] * 1e3:>12.2f} {a[key] * 1e3:>11.2f} {a[key] / b[key]:>12.2f}× "
              f"{'<= ' + str(int(floor)) + ' ms':>8} {ok}")
    print("per round (after/before): root " + ", ".join(f"{r[1]['root_s'] / r[0]['root_s']:.2f}×" for r in rounds)
          + "; decomposition " + ", ".join(f"{r[1]['decompose_s'] / r[0]['decompose_s']:.2f}×" for r in rounds))
    print(f"LPs of the decomposition: before {before['evaluations']}, after {after['evaluations']}")
    print(f"same answers: root max |Δ| = {same_root:.1e}, input relevance max |Δ| = {same_rel:.1e}")


if __name__ == "__main__":
    main()
