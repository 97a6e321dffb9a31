"""Exact Shapley values of the pruning game vs the seed notebook's estimator (issue 14 §3).

Part 1 (ancona-max, the seed's 100 samples, MSE): the seed-style estimator —
20,000 random permutations, zeroing the units one at a time in a plain
Python loop with one forward pass per step, one consistent loss — against
``shapley-exact``, which here takes the closed form (the layer feeds a
linear output and the loss is MSE), in the same run. Target: exact
≥ 10,000× faster, with zero sampling error.

Part 2: ``shapley-exact`` on random 2-n-1 ReLU networks with 1,000 samples.
MSE takes the closed form at any width; target n = 64 under 50 ms. L1 takes
the 2ⁿ path (shown for comparison), and at n = 16 the closed form is checked
against the 2ⁿ table.

``python -m bench bench_shapley``. Times are wall-clock best of a few runs;
in part 1 three rounds each run the seed loop once and exact 20 times, and the
ratio is between the fastest of each. torch runs single-threaded here: on the shared
2-core machine a small float64 matrix product on 2 threads stalls 30–60 ms
waiting for the second thread (measured), which would swamp both sides; the
load average is printed, and only the ratios measured in one run count.
"""

from __future__ import annotations

import os

import torch

from bench.timing import best_time
from lrp_core.importance import attribute, make_game, shapley_from_values
from lrp_core.network import Network, from_layers
from lrp_core.presets import get_preset

DTYPE = torch.float64


def seed_style_shapley(net: Network, X: torch.Tensor, y: torch.Tensor, permutations: int, seed: int) -> torch.Tensor:
    """The seed notebook's estimator, rewritten with one loss (MSE): for each
    random permutation, zero the hidden units one at a time and credit each
    unit with the loss increase at its step. A plain Python loop (the forward
    pass of the layers after hidden layer 0 through ``Network.forward``, which
    ran about 7 % faster here than the same layers as an ``nn.Sequential``:
    the conservative baseline)."""
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


def random_2n1(n: int, seed: int) -> Network:
    gen = torch.Generator().manual_seed(seed)
    return from_layers(
        [torch.randn(n, 2, generator=gen, dtype=DTYPE), torch.randn(1, n, generator=gen, dtype=DTYPE) / n**0.5],
        [0.5 * torch.randn(n, generator=gen, dtype=DTYPE), torch.zeros(1, dtype=DTYPE)],
        ["relu", "linear"],
    )


def part1() -> None:
    p = get_preset("ancona-max")
    net = p.network()
    X, y = p.dataset(100, 0)
    t_exact, t_seed = [], []
    for _ in range(3):  # rounds: the loop once, then exact 20 times; the fastest of each
        t, est = best_time(lambda: seed_style_shapley(net, X, y, 20_000, seed=0), 1)
        t_seed.append(t)
        t, res = best_time(lambda: attribute(net, X, y, "shapley-exact")[0], 20)
        t_exact.append(t)
    exact = res.scores
    err = float((est - exact).abs().max())
    ratio = min(t_seed) / min(t_exact)
    print("\nancona-max, the seed's 100 samples, MSE (3 rounds, fastest of each: the loop 3 runs, exact 60)")
    print(f"{'method':<44} {'time (s)':>10} {'ratio':>10}   max |φ − φ_exact|")
    print(f"{'seed-style loop, 20,000 permutations':<44} {min(t_seed):>10.4f} {1.0:>10.1f}   {err:.2e}")
    print(f"{'shapley-exact (closed form)':<44} {min(t_exact):>10.6f} {ratio:>10,.0f}x   0 "
          f"(efficiency error {abs(res.extra['efficiency_error']):.1e})")
    t_samp, _ = best_time(lambda: attribute(net, X, y, "shapley-sampled", samples=200)[0], 3)
    print(f"{'shapley-sampled (200 permutations, batched)':<44} {t_samp:>10.5f} {min(t_seed) / t_samp:>10,.0f}x")
    print(f"exact φ = {[round(v, 6) for v in exact.tolist()]}; closed form: {res.extra['closed_form']}")
    print("per round (loop s / exact ms): "
          + ", ".join(f"{a:.2f} / {1e3 * b:.3f}" for a, b in zip(t_seed, t_exact)))
    print(f"target: exact ≥ 10,000x faster than the loop -> {ratio:,.0f}x: {'met' if ratio >= 10_000 else 'NOT met'}")


def random_data(net: Network, n: int) -> tuple[torch.Tensor, torch.Tensor]:
    gen = torch.Generator().manual_seed(100 + n)
    X = torch.randn(1000, 2, generator=gen, dtype=DTYPE)
    return X, net(X) + 0.1 * torch.randn(1000, 1, generator=gen, dtype=DTYPE)


def part2() -> None:
    print("\nshapley-exact on random 2-n-1 networks, 1,000 samples")
    print(f"{'n':>3} {'loss':>5} {'path':>12} {'time (s)':>10} {'target (s)':>11}  efficiency error")
    rows = [(n, "mse") for n in (8, 16, 32, 64)] + [(n, "l1") for n in (8, 12, 16)]
    for n, loss in rows:
        net_n = random_2n1(n, seed=n)
        Xn, yn = random_data(net_n, n)
        repeats = 10 if loss == "mse" else 3
        t, r = best_time(lambda net_n=net_n, Xn=Xn, yn=yn, loss=loss: attribute(
            net_n, Xn, yn, "shapley-exact", loss=loss)[0], repeats)
        path = "closed form" if r.extra["closed_form"] else f"{2**n:,} coal."
        target = "0.050" if (n == 64 and loss == "mse") else "-"
        verdict = ("  met" if t < 0.05 else "  NOT met") if target != "-" else ""
        print(f"{n:>3} {loss:>5} {path:>12} {t:>10.5f} {target:>11}  {abs(r.extra['efficiency_error']):.1e}{verdict}")
    net16 = random_2n1(16, seed=16)
    X16, y16 = random_data(net16, 16)
    closed = attribute(net16, X16, y16, "shapley-exact")[0].scores
    game = make_game(net16, X16, y16)
    losses = game.all_coalition_losses()
    table = shapley_from_values(losses - losses[0], 16)
    print(f"n = 16, MSE: max |closed form − 2^16 table| = {float((closed - table).abs().max()):.1e}")


def main() -> None:
    torch.set_num_threads(1)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"torch {torch.__version__}, {torch.get_num_threads()} thread (set by this bench), load average "
          f"{load:.2f} (the machine may be shared with other jobs)")
    part1()
    part2()


if __name__ == "__main__":
    main()
