"""Region enumeration of a seeded random 2-16-16-16-1 ReLU network in [-3, 3]².

Exact enumeration (:func:`lrp_core.regions.linear_regions`, target < 0.5 s)
against the baseline named in the issue: a dense grid scan of activation
patterns (one batched forward pass over an N × N grid, counting distinct
patterns). The scan is approximate: it misses regions thinner than the grid
step, and says nothing about their shapes. Both run in the same process.
"""

from __future__ import annotations

import itertools

import torch

from bench.timing import best_time
from lrp_core.network import Network, from_layers
from lrp_core.regions import linear_regions

BOX = (-3.0, 3.0, -3.0, 3.0)
WIDTHS = [2, 16, 16, 16, 1]
SEED = 0
REPEATS = 5


def bench_network(seed: int = SEED) -> Network:
    """The seeded random 2-16-16-16-1 network (weights N(0, 1/fan_in), biases N(0, 0.5²))."""
    gen = torch.Generator().manual_seed(seed)
    weights, biases = [], []
    for n_in, n_out in itertools.pairwise(WIDTHS):
        weights.append(torch.randn(n_out, n_in, generator=gen, dtype=torch.float64) / n_in**0.5)
        biases.append(0.5 * torch.randn(n_out, generator=gen, dtype=torch.float64))
    return from_layers(weights, biases, ["relu"] * (len(WIDTHS) - 2) + ["linear"], name="bench-2-16-16-16-1")


def grid_scan(net: Network, n: int) -> int:
    """Distinct activation patterns on an n × n grid over BOX (the baseline)."""
    xs = torch.linspace(BOX[0], BOX[1], n, dtype=torch.float64)
    ys = torch.linspace(BOX[2], BOX[3], n, dtype=torch.float64)
    pts = torch.stack([xs.repeat(n), ys.repeat_interleave(n)], dim=1)
    masks = [m for layer, m in zip(net.layers, net.pattern(pts), strict=True) if layer.is_relu]
    bits = torch.cat(masks, dim=1)
    return int(torch.unique(bits, dim=0).shape[0])


def main() -> None:
    net = bench_network()
    t_exact, rs = best_time(lambda: linear_regions(net, BOX), REPEATS)
    n_exact = len(rs.regions)
    rows = [("exact enumeration (polygon splitting)", t_exact, n_exact, abs(rs.total_area - 36.0))]
    for n in (250, 500):
        t, count = best_time(lambda n=n: grid_scan(net, n), 3)
        rows.append((f"grid scan {n}×{n} (baseline)", t, count, float("nan")))
    base = rows[-1][1]
    print(f"network {net.describe()} (seed {SEED}), box [-3, 3]², best of {REPEATS} (grid: best of 3)")
    print(f"{'method':<40} {'time [s]':>10} {'regions':>8} {'|Σarea − 36|':>13} {'speed-up vs 500² scan':>23}")
    for name, t, count, err in rows:
        err_s = f"{err:.1e}" if err == err else "–"
        print(f"{name:<40} {t:>10.4f} {count:>8d} {err_s:>13} {base / t:>22.1f}×")
    verdict = "met" if t_exact < 0.5 else "NOT met"
    print(f"target: exact enumeration under 0.5 s -> {verdict} ({t_exact:.3f} s); "
          f"the 500² scan finds {rows[-1][2]} of the {n_exact} regions")
    print("note: timed on a shared 2-core machine while other jobs ran")


if __name__ == "__main__":
    main()
