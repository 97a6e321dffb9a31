"""Benchmark (issue 6 §5): latency of one page rerun after a weight edit.

For each page and for the ``ancona-max`` and ``dtd-mlp`` presets, an AppTest
session opens the page, then ``REPEATS`` times changes one weight of layer 0
(a new value every time, so nothing comes from a cache keyed by the network's
digest) and times the script run that follows (``AppTest.run``: the whole
script, its computations and the serialisation of its elements, as the server
would do it; the browser's rendering is not included — see ``bench_load``).

- editor: the edit is typed into the layer-0 table (``st.data_editor``), so the
  run includes ``state.set_network`` and the ``st.rerun`` it triggers;
- the other pages: the network in session state is replaced and its revision
  bumped, exactly what ``state.set_network`` does when the editor changes it;
- roots (exact): the root-finding page with only the exact (LP) finder chosen;
  roots (default): its default finders (rule, MCMC, exact).

Targets (the baseline each ratio is measured against): p50 < 150 ms for the
editor and neuron-importance pages, < 300 ms for root finding with the exact
finder on the toy networks. Run: ``python -m bench bench_latency``.
"""

from __future__ import annotations

import logging
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from streamlit.testing.v1 import AppTest

from lrp_core.network import Network
from lrp_core.presets import get_preset

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "lrp_explorer" / "app.py")
REPEATS = 20
PRESETS = ("ancona-max", "dtd-mlp")


@dataclass(frozen=True)
class PageCase:
    label: str
    path: str
    target_ms: float | None
    prepare: Callable[[AppTest, int], None] | None = None


def _exact_only(at: AppTest, rev: int) -> None:
    at.session_state["roots_finders"] = ["exact"]


CASES = (
    PageCase("editor", "views/editor.py", 150.0),
    PageCase("importance", "views/importance.py", 150.0),
    PageCase("roots (exact)", "views/roots.py", 300.0, _exact_only),
    PageCase("roots (default)", "views/roots.py", None),
    PageCase("decomposition", "views/decomposition.py", None),
)


def _open(case: PageCase, net: Network) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=300)
    at.run()
    at.session_state["lrp_network"] = net
    at.session_state["lrp_rev"] = int(at.session_state["lrp_rev"]) + 1
    at.switch_page(case.path)
    if case.prepare is not None:
        case.prepare(at, int(at.session_state["lrp_rev"]))
    at.run()
    _check(at, case)
    return at


def _check(at: AppTest, case: PageCase) -> None:
    if at.exception:
        raise RuntimeError(f"{case.label}: {at.exception[0].value}")


def _edit(at: AppTest, case: PageCase, i: int) -> float:
    """Change W0[0, 0] to a new value, then time the run that follows (seconds)."""
    net: Network = at.session_state["lrp_network"]
    value = round(0.5 + 0.01 * (i + 1), 4)
    rev = int(at.session_state["lrp_rev"])
    if case.path == "views/editor.py":
        from lrp_explorer.ui.tables import input_names, table_key

        col = input_names(net, 0)[0]
        at.session_state[table_key(0, rev)] = {"edited_rows": {0: {col: value}}, "added_rows": [], "deleted_rows": []}
    else:
        at.session_state["lrp_network"] = net.with_value(0, "weight", 0, 0, value)
        at.session_state["lrp_rev"] = rev + 1
        if case.prepare is not None:
            case.prepare(at, rev + 1)
    t0 = time.perf_counter()
    at.run()
    dt = time.perf_counter() - t0
    _check(at, case)
    if float(at.session_state["lrp_network"].layers[0].weight[0, 0]) != value:
        raise RuntimeError(f"{case.label}: the edit did not take")
    return dt


def _pct(values: list[float], q: float) -> float:
    s = sorted(values)
    k = max(0, min(len(s) - 1, round(q * (len(s) - 1))))
    return s[k]


def measure(case: PageCase, preset: str, repeats: int = REPEATS) -> list[float]:
    at = _open(case, get_preset(preset).network())
    return [_edit(at, case, i) for i in range(repeats)]


def _quiet_streamlit() -> None:
    """AppTest outside a server logs 'missing ScriptRunContext' warnings; keep the table readable."""
    import streamlit.logger

    streamlit.logger.set_log_level("error")  # also the level of loggers created later
    for name in list(logging.root.manager.loggerDict):
        if name.startswith("streamlit"):
            logging.getLogger(name).setLevel(logging.ERROR)


def main() -> None:
    _quiet_streamlit()
    print(f"One script rerun after a weight edit (AppTest, {REPEATS} edits each; ms).")
    print(f"{'page':<18} {'preset':<11} {'p50':>8} {'p95':>8} {'min':>8} {'target':>8} {'p50/target':>11}")
    for case in CASES:
        if not (ROOT / "lrp_explorer" / case.path).exists():
            print(f"{case.label:<18} (page missing: {case.path})")
            continue
        for preset in PRESETS:
            try:
                times = [1000 * t for t in measure(case, preset)]
                _quiet_streamlit()
            except Exception as exc:  # report and go on with the other pages
                print(f"{case.label:<18} {preset:<11} ERROR {type(exc).__name__}: {exc}")
                continue
            p50, p95 = statistics.median(times), _pct(times, 0.95)
            target = f"{case.target_ms:.0f}" if case.target_ms else "-"
            ratio = f"{p50 / case.target_ms:.2f}" if case.target_ms else "-"
            print(f"{case.label:<18} {preset:<11} {p50:8.1f} {p95:8.1f} {min(times):8.1f} {target:>8} {ratio:>11}")


if __name__ == "__main__":
    main()
