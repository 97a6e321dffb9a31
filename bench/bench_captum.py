"""Train-free z+ (LRP-α1β0 without biases) on dtd-mlp: Captum's ``LRP`` vs ours.

Issue 14 §3: on a single input and on a batch of 1,000 inputs, ours
(``lrp_core.explain(..., method="train-free")``, one vectorised pass) must be
≥ 3× faster than Captum 0.9.0's ``LRP`` with ``Alpha1_Beta0_Rule`` set freshly
on every Linear before every call (Captum deletes the rules after a call), and
equal to 1e-9 (Captum's 1e-9 denominator stabiliser replaced by 1e-300 for the
equality check only; the timed Captum runs use its defaults).

Both run in the same process in interleaved rounds: each round times a block
of calls of Captum, then of ours, then of the core function (warm, as in a loop
over inputs; call by call instead, whichever runs right after Captum finds the
caches cold), and rounds alternate so that both meet the same load. The table
shows the median times (ms) and the median over rounds of the ratio of the
round medians, Captum / ours. ``python -m bench bench_captum``. The machine may be shared: trust the ratios, not the absolute
times. torch runs on one thread
here, Captum's best setting on this shared 2-core machine: with two threads
its batch of 1,000 took 45–180 ms instead of 6–13 ms (measured), waiting for
the second thread; ours runs on NumPy either way.
"""

from __future__ import annotations

import os
import statistics
import time
import warnings
from collections.abc import Callable, Sequence

import torch

import lrp_core
from lrp_core.presets import get_preset
from lrp_core.trainfree import train_free

DTYPE = torch.float64
TARGET = 3.0


def captum_lrp(seq: torch.nn.Sequential, X: torch.Tensor, target: int, eps: float | None = None) -> torch.Tensor:
    from captum.attr import LRP
    from captum.attr._utils.lrp_rules import Alpha1_Beta0_Rule

    for module in seq:
        if isinstance(module, torch.nn.Linear):
            module.rule = Alpha1_Beta0_Rule(set_bias_to_zero=True)
            if eps is not None:
                module.rule.STABILITY_FACTOR = eps
    return LRP(seq).attribute(X.clone(), target=target).detach()


def rounds(fns: Sequence[Callable[[], object]], n_rounds: int, block: int) -> list[list[list[float]]]:
    """Per function, per round, the times (ms) of ``block`` consecutive calls;
    the functions take turns, round after round."""
    out: list[list[list[float]]] = [[] for _ in fns]
    for _ in range(n_rounds):
        for times, fn in zip(out, fns):
            block_times = []
            for _ in range(block):
                t0 = time.perf_counter()
                fn()
                block_times.append(1e3 * (time.perf_counter() - t0))
            times.append(block_times)
    return out


def main() -> None:
    try:
        import captum  # noqa: F401
    except ImportError:
        print("captum is not installed (pip install -r requirements-dev.txt); nothing to compare")
        return
    warnings.filterwarnings("ignore", category=UserWarning)
    torch.set_num_threads(1)
    preset = get_preset("dtd-mlp")
    net = preset.network()
    seq = net.to_sequential(DTYPE)
    x1 = torch.tensor([preset.default_input], dtype=DTYPE)
    xb = torch.randn(1000, net.n_inputs, generator=torch.Generator().manual_seed(0), dtype=DTYPE)
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores, torch on {torch.get_num_threads()} "
          f"thread; dtd-mlp {net.describe()}, target 0")
    print(f"{'case':<14} {'captum ms':>10} {'ours ms':>9} {'core ms':>9} {'ratio':>7} {'max |diff|':>11}  target")
    ok = True
    diffs: dict[str, float] = {}
    for label, X, block in (("single input", x1, 20), ("batch 1,000", xb, 6)):
        ours = lrp_core.explain(seq, X, method="train-free", rule="z+", target=0).relevance
        diff = float((ours - captum_lrp(seq, X, 0, eps=1e-300)).abs().max())
        diffs[label] = float((ours - captum_lrp(seq, X, 0)).abs().max())
        cap_r, api_r, core_r = rounds([lambda X=X: captum_lrp(seq, X, 0),
                                       lambda X=X: lrp_core.explain(seq, X, method="train-free", target=0),
                                       lambda X=X: train_free(net, X, 0, rule="z+")], 15, block)
        cap, api, core = (statistics.median(t for r in runs for t in r) for runs in (cap_r, api_r, core_r))
        ratio = statistics.median(statistics.median(c) / statistics.median(a) for c, a in zip(cap_r, api_r))
        met = ratio >= TARGET and diff <= 1e-9
        ok &= met
        print(f"{label:<14} {cap:>10.3f} {api:>9.3f} {core:>9.3f} {ratio:>6.1f}× {diff:>11.2e}  "
              f"≥ {TARGET:.0f}×, ≤ 1e-9: {'met' if met else 'NOT met'}")
    print("ours = lrp_core.explain(nn.Sequential, x, method='train-free') including the input/model "
          "normalisation; core = lrp_core.trainfree.train_free on a Network; ratio = median over 15 rounds of captum / ours")
    print("max |diff| is against Captum with its 1e-9 stabiliser set to 1e-300; with its default 1e-9: "
          + ", ".join(f"{k} {v:.1e}" for k, v in diffs.items()))
    print("all targets met" if ok else "a target is NOT met")


if __name__ == "__main__":
    main()
