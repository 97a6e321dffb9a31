"""Explanation fields (issue 17): a 121 × 121 field of every method on
plane-2-8-8-1 in [-3, 3]².

Targets: all methods together under 1 s, and the exact full-backward field at
least 100× faster than running :func:`lrp_core.decompose.decompose` at each of
the 14,641 grid points. That baseline is measured on an 11 × 11 sub-grid of
the same grid (every 12th point per axis: 121 calls, each with its own root
cache, as a caller looping over points would run it) and extrapolated
linearly to 14,641 points; the table says so. The field's values on the
sub-grid are compared with the baseline's (max |difference|). Field times are
the best of REPEATS runs; the regions are enumerated inside each
full-backward run (part of its time). Torch runs on one thread here (set
below): on the loaded 2-core machine two threads made the batched train-free
pass several times slower, by contention, not by work.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import torch

from bench.timing import best_time
from lrp_core.decompose import FinderSpec, decompose
from lrp_core.fields import explanation_field, method_names
from lrp_core.presets import get_preset

BOX = (-3.0, 3.0, -3.0, 3.0)
N = 121
SUB = 12  # sub-grid step for the baseline: indices 0, 12, …, 120 per axis
REPEATS = 3


def baseline(net: Any, fld: Any) -> tuple[float, int, float, int]:
    """``decompose`` at each point of the sub-grid: seconds, points, max |field − decompose|, searches."""
    idx = range(0, N, SUB)
    spec = FinderSpec.of("exact")
    err, searches = 0.0, 0
    t0 = time.perf_counter()
    for iy in idx:
        for ix in idx:
            dec = decompose(net, [fld.xs[ix], fld.ys[iy]], 0, mode="full", spec=spec)
            err = max(err, float(np.abs(dec.input_relevance.numpy() - fld.relevance[iy, ix]).max()))
            searches += dec.root_searches
    return time.perf_counter() - t0, len(idx) ** 2, err, searches


def main() -> None:
    torch.set_num_threads(1)
    net = get_preset("plane-2-8-8-1").network()
    explanation_field(net, BOX, "full-backward", n=5)  # warm-up: imports, solver set-up
    rows = []
    fields = {}
    for m in method_names():
        t, fld = best_time(lambda m=m: explanation_field(net, BOX, m, n=N), REPEATS)
        fields[m] = fld
        rows.append((m, t, fld.root_searches))
    total = sum(t for _, t, _ in rows)
    fb = fields["full-backward"]
    t_base, n_base, err, base_searches = baseline(net, fb)
    t_extra = t_base / n_base * N * N
    t_fb = next(t for m, t, _ in rows if m == "full-backward")
    n_regions = len(fb.regions.regions) if fb.regions is not None else 0

    print(f"network {net.describe()}, box [-3, 3]², grid {N} × {N} = {N * N:,} points, "
          f"{n_regions} linear regions; field times: best of {REPEATS} (full-backward's includes enumerating "
          "the regions)")
    print(f"{'method':<20} {'time [s]':>10} {'root searches':>14}")
    for m, t, s in rows:
        print(f"{m:<20} {t:>10.4f} {s:>14,}")
    print(f"{'all methods':<20} {total:>10.4f}")
    print()
    print(f"{'full-backward':<44} {'time [s]':>10} {'root searches':>14} {'ratio':>9}")
    print(f"{'per-region field (121 × 121)':<44} {t_fb:>10.4f} {fb.root_searches:>14,} {'1.0×':>9}")
    print(f"{'decompose per point, 11 × 11 sub-grid (ran)':<44} {t_base:>10.4f} {base_searches:>14,} {'–':>9}")
    print(f"{'decompose per point, 14,641 (extrapolated)':<44} {t_extra:>10.2f} "
          f"{base_searches * N * N // n_base:>14,} {t_extra / t_fb:>8.0f}×")
    print(f"max |field − decompose| on the sub-grid: {err:.2e}")
    print(f"target: all methods under 1 s -> {'met' if total < 1.0 else 'NOT met'} ({total:.3f} s); "
          f"full-backward field ≥ 100× faster than decompose per point -> "
          f"{'met' if t_extra / t_fb >= 100 else 'NOT met'} ({t_extra / t_fb:.0f}×, baseline extrapolated "
          f"linearly from {n_base} points)")
    print("note: timed on a shared 2-core machine while other jobs ran (torch on 1 thread); trust the ratio "
          "more than the seconds")


if __name__ == "__main__":
    main()
