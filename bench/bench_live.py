"""Benchmark (issue 15 §4): script time of the rerun after a tweak, next to today's full-page rerun.

For each case an AppTest session opens the app from a link (``?preset=`` and
a ``view=`` that names the page and its settings, so the view restore is
exercised too), then

- **tweak**: ``REPEATS`` times sets the tweak control's number box
  (``tweak_value``, the default target: the last layer's weight from the last
  hidden unit) to a new value and times the run that follows (the callback,
  ``state.set_network`` and the page script);
- **full page (today)**: ``REPEATS`` times replaces the network in session
  state by one with a new layer-0 weight and bumps the revision, exactly what
  the editor's ``state.set_network`` does, and times the page rerun (the path a
  weight edit took before the tweak control).

Every value is new, so nothing comes from a cache keyed by the network's
digest. The time is ``AppTest.run``'s wall time: the whole script, its
computations and the serialisation of its elements (the browser's rendering
is not included). Targets: tweak p50 < 50 ms on the toy networks, < 100 ms on
dtd-mlp. Run: ``python -m bench bench_live``.
"""

from __future__ import annotations

import logging
import statistics
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from streamlit.testing.v1 import AppTest

from lrp_core.presets import get_preset
from lrp_core.viewstate import View, encode_view

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "lrp_explorer" / "app.py")
REPEATS = 20


@dataclass(frozen=True)
class Case:
    label: str
    page: str
    preset: str
    target_ms: float
    settings: tuple[tuple[str, Any], ...] = ()


CASES = (
    Case("importance", "importance", "ancona-max", 50.0),
    Case("roots (exact + rule)", "roots", "plane-2-8-8-1", 50.0, (("roots_finders", ["exact", "rule"]),)),
    Case("decomposition (exact)", "decomposition", "dtd-mlp", 100.0),
)


def _open(case: Case) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=600)
    at.query_params["preset"] = case.preset
    at.query_params.update(encode_view(View(page=case.page, settings=dict(case.settings))))
    at.run()
    at.run()
    if at.exception:
        raise RuntimeError(f"{case.label}: {[e.value for e in at.exception]}")
    return at


def _time(at: AppTest) -> tuple[float, float]:
    """Wall and CPU time (ms) of one run (CPU: this process, every thread; under a
    shared machine's load the wall time is inflated, the CPU time much less)."""
    t0, c0 = time.perf_counter(), time.process_time()
    at.run()
    ms, cpu = (time.perf_counter() - t0) * 1000.0, (time.process_time() - c0) * 1000.0
    if at.exception:
        raise RuntimeError([e.value for e in at.exception])
    return ms, cpu


def tweak_times(case: Case) -> list[tuple[float, float]]:
    at = _open(case)
    out = []
    for i in range(REPEATS):
        at.number_input(key="tweak_value").set_value(0.05 + 0.01 * i)
        out.append(_time(at))
    return out


def full_page_times(case: Case) -> list[tuple[float, float]]:
    at = _open(case)
    net = get_preset(case.preset).network()
    w0 = float(net.layers[0].weight[0, 0])
    out = []
    for i in range(REPEATS):
        at.session_state["lrp_network"] = net.with_value(0, "weight", 0, 0, w0 + 0.01 * (i + 1))
        at.session_state["lrp_rev"] = at.session_state["lrp_rev"] + 1
        out.append(_time(at))
    return out


def _p50(times: list[tuple[float, float]]) -> tuple[float, float]:
    return statistics.median(t for t, _ in times), statistics.median(c for _, c in times)


def main() -> None:
    logging.getLogger("streamlit").setLevel(logging.ERROR)
    print(f"p50 of {REPEATS} reruns, ms (AppTest script time: wall / CPU of this process; a new value every time)")
    print(f"{'case':<24}{'preset':<15}{'tweak wall':>11}{'cpu':>7}{'full wall':>11}{'cpu':>7}"
          f"{'ratio':>7}{'target':>8}  met")
    for case in CASES:
        tweak, tweak_cpu = _p50(tweak_times(case))
        full, full_cpu = _p50(full_page_times(case))
        met = "yes" if tweak < case.target_ms else "no"
        print(f"{case.label:<24}{case.preset:<15}{tweak:>11.1f}{tweak_cpu:>7.1f}{full:>11.1f}{full_cpu:>7.1f}"
              f"{tweak / full:>7.2f}{case.target_ms:>8.0f}  {met}", flush=True)


if __name__ == "__main__":
    main()
