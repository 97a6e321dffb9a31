"""Exact Shapley values of the pruning game vs the seed notebook's estimator.

Part 1 (ancona-max, 100 samples, MSE): the seed-style estimator — 20,000
random permutations, zeroing the units one at a time in a plain Python loop
with one forward pass per step, one consistent loss — against
``shapley-exact`` (all 2^4 coalitions at once), in the same run. Target:
exact ≥ 1,000× faster, with zero sampling error.

Part 2: ``shapley-exact`` on random 2-n-1 ReLU networks with 1,000 samples,
n = 8, 12, 16, 20 (MSE, the default; L1 for comparison). Targets on a 2-core
machine: n = 16 under 0.5 s, n = 20 under 10 s.

``python -m bench bench_shapley``. Times are wall-clock best of a few runs
(one run for the slow ones); the machine may be shared, see the load shown.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import TypeVar

import torch

from lrp_core.importance import attribute
from lrp_core.network import Network, from_layers
from lrp_core.presets import get_preset

DTYPE = torch.float64
T = TypeVar("T")


def seed_style_shapley(net: Network, X: torch.Tensor, y: torch.Tensor, permutations: int, seed: int) -> torch.Tensor:
    """The seed notebook's estimator, rewritten with one loss (MSE): for each
    random permutation, zero the hidden units one at a time and credit each
    unit with the loss increase at its step. A plain Python loop."""
    gen = torch.Generator().manual_seed(seed)
    H = net.forward(X, stop=1).output
    n = H.shape[1]
    base = float(((net.forward(H, start=1).output - y) ** 2).mean())
    total = torch.zeros(n, dtype=DTYPE)
    for _ in range(permutations):
        perm = torch.randperm(n, generator=gen).tolist()
        h = H.clone()
        prev = base
        for unit in perm:
            h[:, unit] = 0.0
            value = float(((net.forward(h, start=1).output - y) ** 2).mean())
            total[unit] += value - prev
            prev = value
    return total / permutations


def best_of(fn: Callable[[], T], repeats: int) -> tuple[float, T]:
    """The fastest of ``repeats`` runs and the last result."""
    t0 = time.perf_counter()
    out = fn()
    best = time.perf_counter() - t0
    for _ in range(repeats - 1):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def random_2n1(n: int, seed: int) -> Network:
    gen = torch.Generator().manual_seed(seed)
    return from_layers(
        [torch.randn(n, 2, generator=gen, dtype=DTYPE), torch.randn(1, n, generator=gen, dtype=DTYPE) / n**0.5],
        [0.5 * torch.randn(n, generator=gen, dtype=DTYPE), torch.zeros(1, dtype=DTYPE)],
        ["relu", "linear"],
    )


def main() -> None:
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, load average {load:.2f} "
          "(the machine may be shared with other jobs)")

    # --- part 1: ancona-max, exact vs the seed-style estimator ---------------------------------
    p = get_preset("ancona-max")
    net = p.network()
    X, y = p.dataset(100, 0)
    t_exact, res = best_of(lambda: attribute(net, X, y, "shapley-exact")[0], 5)
    exact = res.scores
    t_seed, est = best_of(lambda: seed_style_shapley(net, X, y, 20_000, seed=0), 1)
    err = float((est - exact).abs().max())
    print("\nancona-max, 100 samples, MSE")
    print(f"{'method':<42} {'time (s)':>10} {'ratio':>10}   max |φ − φ_exact|")
    print(f"{'seed-style loop, 20,000 permutations':<42} {t_seed:>10.4f} {1.0:>10.1f}   {err:.2e}")
    print(f"{'shapley-exact (16 coalitions, batched)':<42} {t_exact:>10.5f} {t_seed / t_exact:>10.0f}x   0 "
          f"(efficiency error {abs(res.extra['efficiency_error']):.1e})")
    t_samp, _ = best_of(lambda: attribute(net, X, y, "shapley-sampled", samples=200)[0], 3)
    print(f"{'shapley-sampled (200 permutations, batched)':<42} {t_samp:>10.5f} {t_seed / t_samp:>10.0f}x")
    print(f"exact φ = {[round(v, 6) for v in exact.tolist()]}; target: exact ≥ 1,000x faster than the loop")

    # --- part 2: exact Shapley on random 2-n-1 networks, 1,000 samples ------------------------
    print("\nshapley-exact on random 2-n-1 networks, 1,000 samples")
    print(f"{'n':>3} {'coalitions':>11} {'loss':>5} {'time (s)':>10} {'target (s)':>11}  efficiency error")
    targets = {16: 0.5, 20: 10.0}
    for n in (8, 12, 16, 20):
        for loss in ("mse", "l1"):
            net_n = random_2n1(n, seed=n)
            gen = torch.Generator().manual_seed(100 + n)
            Xn = torch.randn(1000, 2, generator=gen, dtype=DTYPE)
            yn = net_n(Xn) + 0.1 * torch.randn(1000, 1, generator=gen, dtype=DTYPE)
            repeats = 3 if n <= 16 else 1
            t, r = best_of(lambda net_n=net_n, Xn=Xn, yn=yn, loss=loss: attribute(
                net_n, Xn, yn, "shapley-exact", loss=loss)[0], repeats)
            target = f"{targets[n]:.1f}" if (n in targets and loss == "mse") else "-"
            print(f"{n:>3} {2**n:>11,} {loss:>5} {t:>10.4f} {target:>11}  "
                  f"{abs(r.extra['efficiency_error']):.1e}")


if __name__ == "__main__":
    main()
