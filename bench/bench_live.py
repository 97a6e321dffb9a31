"""Benchmark (issue 15 §4): the rerun after a tweak, today's full-page rerun beside it.

Two servers run side by side on loopback: this checkout, and the code of the
session start (``BEFORE``, a git worktree at ``BEFORE_DIR``, default
``/tmp/live-before``: ``git worktree add /tmp/live-before 7412a16``), where a
tweak reran the whole page. A protocol client (:mod:`bench.stclient`: the
websocket messages a browser sends, no rendering) opens each case's link,
then ``REPEATS`` times types a new value into the tweak control's number box
(``tweak_value``: the last layer's weight from the last hidden unit) and
times the run it causes: from sending the change to the server's
``script_finished``. On this checkout that run is the page's fragment (the
browser sends the fragment's id, and so does the client); on the old code it
is the whole page. Every value is new, so nothing comes from a cache keyed by
the network. The two servers are measured in turns, case by case.

The server of this checkout also writes the script time of every fragment run
(``LRP_EXPLORER_TIMING``, :mod:`lrp_explorer.ui.timing`: from the tweak's
callback to the end of the page's body): the issue's measure. The round trip
adds sending each element to the client and, on a 2-core machine, the CPU the
client and the server's other threads take (with the server pinned to one
core and the client to the other, the round trip follows the script's end by
a few ms; sharing both cores it lags by up to ~40 ms).

Targets (script time): p50 < 50 ms on the toy networks, < 100 ms on dtd-mlp. Run:
``python -m bench bench_live`` (the browser's side, slider to updated chart,
is ``bench_live_browser``).
"""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from bench.stclient import Session
from lrp_core.viewstate import View, encode_view

ROOT = Path(__file__).resolve().parent.parent
BEFORE = "7412a16"
REPEATS = 20


@dataclass(frozen=True)
class Case:
    label: str
    page: str
    preset: str
    target_ms: float
    settings: tuple[tuple[str, Any], ...] = ()

    def query(self) -> str:
        view = encode_view(View(page=self.page, settings=dict(self.settings)))
        return urlencode({"preset": self.preset, **view})


CASES = (
    Case("importance", "importance", "ancona-max", 50.0),
    Case("roots (exact + rule)", "roots", "plane-2-8-8-1", 50.0, (("roots_finders", ["exact", "rule"]),)),
    Case("decomposition (exact)", "decomposition", "dtd-mlp", 100.0),
)


def start_server(checkout: Path, port: int, timing: Path | None = None) -> subprocess.Popen[bytes]:
    """``streamlit run`` of ``checkout``'s app on ``port`` (its own packages first on the path);
    with ``timing``, the pages write each body run's script time there (:mod:`lrp_explorer.ui.timing`)."""
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    if timing is not None:
        env["LRP_EXPLORER_TIMING"] = str(timing)
    cmd = [sys.executable, "-m", "streamlit", "run", str(checkout / "lrp_explorer" / "app.py"),
           "--server.headless", "true", "--server.port", str(port), "--server.address", "127.0.0.1",
           "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false"]
    proc = subprocess.Popen(cmd, env=env, cwd=checkout, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as r:
                if r.read() == b"ok":
                    return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError(f"the server of {checkout} did not start")


async def tweak_times(base: str, case: Case) -> list[float]:
    """Open the case's link, then time REPEATS tweaks (ms, each a new value)."""
    s = Session(base, case.page, case.query(), timeout=300.0)
    first = await s.open()
    if first.exceptions:
        raise RuntimeError(f"{case.label}: {first.exceptions}")
    await s.set_widget("tweak_value", 0.05)  # warm-up: the first tweak builds caches of the page
    times = []
    for i in range(REPEATS):
        r = await s.set_widget("tweak_value", 0.06 + 0.01 * i)
        if r.exceptions or r.errors:
            raise RuntimeError(f"{case.label}: {r.exceptions or r.errors}")
        times.append(r.seconds * 1000.0)
    await s.close()
    return times


def main() -> None:
    before_dir = Path(os.environ.get("BEFORE_DIR", "/tmp/live-before"))
    if not (before_dir / "lrp_explorer").is_dir():
        print(f"no checkout of {BEFORE} at {before_dir}: run `git worktree add {before_dir} {BEFORE}`")
        return
    timing = Path(tempfile.mkdtemp(prefix="bench-live-")) / "script-ms.txt"
    servers = {"before": start_server(before_dir, 8711), "now": start_server(ROOT, 8712, timing)}
    try:
        print(f"p50 of {REPEATS} tweaks, ms. 'round trip': send the new value -> the run's end at the client "
              "(protocol client, loopback; includes sending every element and the client's share of the CPU).")
        print("'script': the server's script time of the fragment rerun (the tweak's callback and the page's "
              "body, or its network part where it has one; LRP_EXPLORER_TIMING), the target's measure.")
        print(f"'before' = {BEFORE} (the whole page reruns), 'now' = this checkout (the page's fragment reruns).")
        print(f"{'case':<24}{'preset':<15}{'before':>8}{'now':>7}{'now/before':>11}{'script p50':>11}"
              f"{'script p95':>11}{'target':>7}  met")
        for case in CASES:
            before = asyncio.run(tweak_times("http://127.0.0.1:8711", case))
            now = asyncio.run(tweak_times("http://127.0.0.1:8712", case))
            script = script_times(timing, case.page)[-REPEATS:]
            b50, n50, s50 = statistics.median(before), statistics.median(now), statistics.median(script)
            s95 = sorted(script)[int(0.95 * (len(script) - 1))]
            print(f"{case.label:<24}{case.preset:<15}{b50:>8.1f}{n50:>7.1f}{n50 / b50:>11.2f}{s50:>11.1f}"
                  f"{s95:>11.1f}{case.target_ms:>7.0f}  {'yes' if s50 < case.target_ms else 'no'}", flush=True)
        print("round trip and script time both in ms; 'met' compares the script p50 with the target.")
    finally:
        for proc in servers.values():
            proc.terminate()
            proc.wait(timeout=20)


def script_times(path: Path, page: str) -> list[float]:
    """The script times (ms) the server wrote for ``page``, in order."""
    rows = [line.split() for line in path.read_text(encoding="utf-8").splitlines()]
    return [float(ms) for name, ms in rows if name == page]


if __name__ == "__main__":
    main()
