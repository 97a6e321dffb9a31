"""Train-free z+ (LRP-α1β0 without biases) on dtd-mlp: Captum's ``LRP`` vs ours.

Issue 14 §3: on a single input and on a batch of 1,000 inputs, ours
(``lrp_core.explain(..., method="train-free")``, one vectorised pass) must be
≥ 3× faster than Captum 0.9.0's ``LRP`` with ``Alpha1_Beta0_Rule`` set freshly
on every Linear before every call (Captum deletes the rules after a call), and
equal to 1e-9 (Captum's 1e-9 denominator stabiliser replaced by 1e-300 for the
equality check only; the timed Captum runs use its defaults).

Both run in the same process, interleaved; the table shows the median of the
repeats (ms) and the ratio. ``python -m bench bench_captum``. The machine may
be shared: trust the ratios, not the absolute times.
"""

from __future__ import annotations

import os
import statistics
import time
import warnings
from collections.abc import Callable

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


def timed(fn: Callable[[], object], repeats: int) -> list[float]:
    out = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        out.append(1e3 * (time.perf_counter() - t0))
    return out


def main() -> None:
    try:
        import captum  # noqa: F401
    except ImportError:
        print("captum is not installed (pip install -r requirements-dev.txt); nothing to compare")
        return
    warnings.filterwarnings("ignore", category=UserWarning)
    preset = get_preset("dtd-mlp")
    net = preset.network()
    seq = net.to_sequential(DTYPE)
    x1 = torch.tensor([preset.default_input], dtype=DTYPE)
    xb = torch.randn(1000, net.n_inputs, generator=torch.Generator().manual_seed(0), dtype=DTYPE)
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; dtd-mlp {net.describe()}, target 0")
    print(f"{'case':<14} {'captum ms':>10} {'ours ms':>9} {'core ms':>9} {'ratio':>7} {'max |diff|':>11}  target")
    ok = True
    for label, X, repeats in (("single input", x1, 200), ("batch 1,000", xb, 60)):
        ours = lrp_core.explain(seq, X, method="train-free", rule="z+", target=0).relevance
        diff = float((ours - captum_lrp(seq, X, 0, eps=1e-300)).abs().max())
        cap_t, api_t, core_t = [], [], []
        for _ in range(3):  # interleaved rounds
            cap_t += timed(lambda X=X: captum_lrp(seq, X, 0), repeats // 3)
            api_t += timed(lambda X=X: lrp_core.explain(seq, X, method="train-free", target=0), repeats // 3)
            core_t += timed(lambda X=X: train_free(net, X, 0, rule="z+"), repeats // 3)
        cap, api, core = (statistics.median(t) for t in (cap_t, api_t, core_t))
        ratio = cap / api
        met = ratio >= TARGET and diff <= 1e-9
        ok &= met
        print(f"{label:<14} {cap:>10.3f} {api:>9.3f} {core:>9.3f} {ratio:>6.1f}× {diff:>11.2e}  "
              f"≥ {TARGET:.0f}×, ≤ 1e-9: {'met' if met else 'NOT met'}")
    print("ours = lrp_core.explain(nn.Sequential, x, method='train-free') including the input/model "
          "normalisation; core = lrp_core.trainfree.train_free on a Network; ratio = captum / ours")
    print("all targets met" if ok else "a target is NOT met")


if __name__ == "__main__":
    main()
