"""Load generator (issue 18 §1): simulated students over Streamlit's own protocol.

Each simulated session is a :class:`bench.stclient.Session` (a websocket and
the protobufs ``streamlit`` ships; no browser), so a client costs the load
machine little CPU and the numbers are the server's. A session

1. opens ``/importance?preset=ancona-max`` (arrivals spread over ``ramp`` s, as
   a class opens a link within a minute) and its "Scores as numbers" tab (one
   more run; the tab shows every digit of v(N), which the smoke test checks),
2. makes ``edits`` edits, one every ``think`` s on average (uniform in
   [0.5, 1.5] × think): each sets the importance page's *Seed* to a value of
   its own, so every edit is a real recomputation (no cache hit), and is timed
   from the widget change to the run's ``script_finished``; a second table
   does the same on the network editor (``/editor?preset=ancona-max``), each
   edit a weight of its own typed into the first table (a new network);
3. closes.

An error is a run that raised (an exception element), showed an ``st.error``,
timed out, or lost its connection. The server's CPU seconds come from
``/proc/PID/stat`` (utime + stime), its resident memory is sampled from
``/proc/PID/status`` while the level runs (peak ``VmRSS``). Everything is
bounded: sessions per level, edits per session, a time limit per run and per
level; on loopback only.

Run: ``python -m bench load_protocol`` (the levels 1, 10, 30, 60, 100 against
one fresh server, then the capacity of one core; then the editor at 1, 10, 30). The replica comparison and
the replica-kill test are in :mod:`bench.bench_replicas`.
"""

from __future__ import annotations

import asyncio
import os
import random
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from bench.stclient import RunResult, Session

LEVELS = (1, 10, 30, 60, 100)
EDITOR_LEVELS = (1, 10, 30)
PAGE, QUERY = "importance", "preset=ancona-max"
SEED_KEY = "imp_seed"
DETAILS_KEY, NUMBERS_TAB = "imp_details", "Scores as numbers"  # the importance page's lazy tabs
V_FULL = r"Σφ = [^,]+, v\(N\) = ([-+0-9.eE]+)"  # the exact Shapley line: every digit of v(N)
CLK_TCK = os.sysconf("SC_CLK_TCK")


@dataclass
class LoadResult:
    sessions: int
    seconds: float = 0.0
    runs: int = 0  # every finished script run: opens and edits
    edit_times: list[float] = field(default_factory=list)
    open_times: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    cpu: float = 0.0  # server CPU seconds over the level
    peak_rss_mb: float = 0.0
    shown: dict[int, float | None] = field(default_factory=dict)  # seed -> v(N) the page showed after it

    @property
    def reruns_per_s(self) -> float:
        return self.runs / self.seconds if self.seconds else 0.0

    @property
    def cpu_per_run(self) -> float:
        return self.cpu / self.runs if self.runs else float("nan")

    def pct(self, q: float) -> float:
        return percentile(self.edit_times, q)


def percentile(values: Sequence[float], q: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def cpu_seconds(pids: Sequence[int]) -> float:
    total = 0.0
    for pid in pids:
        try:
            fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime, stime
    return total


def rss_mb(pids: Sequence[int]) -> float:
    total = 0.0
    for pid in pids:
        try:
            for line in open(f"/proc/{pid}/status"):
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) / 1024
        except OSError:
            continue
    return total


def check_run(r: RunResult, what: str, errors: list[str]) -> None:
    for e in r.exceptions:
        errors.append(f"{what}: exception {e}")
    for e in r.errors:
        errors.append(f"{what}: st.error {e[:120]}")


def weight_edit(value: float, row: int = 0) -> dict[str, object]:
    """A network-editor table edit (``st.data_editor`` state): W0[row, x1] = value."""
    return {"edited_rows": {str(row % 4): {"x1": value}}, "added_rows": [], "deleted_rows": []}


async def student(i: int, base: Callable[[int], str], res: LoadResult, *, edits: int, think: float,
                  delay: float, seed0: int, rng: random.Random, timeout: float, editor: bool = False) -> None:
    """One simulated student: open the link, make ``edits`` edits, leave. An
    edit sets the importance page's seed, or (``editor``) a weight in the
    network editor's first table (a new network each time)."""
    await asyncio.sleep(delay)
    s = Session(base(i), "editor" if editor else PAGE, QUERY, timeout=timeout)
    try:
        r = await s.open()
        res.runs += 1
        res.open_times.append(r.seconds)
        check_run(r, f"session {i} open", res.errors)
        if not editor:  # the numbers' tab, where every digit of v(N) is shown (a run, not timed as an edit)
            r = await s.set_widget(DETAILS_KEY, NUMBERS_TAB)
            res.runs += 1
            check_run(r, f"session {i} numbers tab", res.errors)
        for k in range(edits):
            await asyncio.sleep(think * rng.uniform(0.5, 1.5))
            seed = seed0 + i * edits + k + 1
            if editor:
                r = await s.set_widget("editor_w0_r*", weight_edit(round(1e-4 * seed, 6), k))
            else:
                r = await s.set_widget(SEED_KEY, seed)
                res.shown[seed] = s.find_number(V_FULL)
            res.runs += 1
            res.edit_times.append(r.seconds)
            check_run(r, f"session {i} edit {k}", res.errors)
    except Exception as exc:  # a ProtocolError, a timeout, a closed websocket: counted, never hidden
        res.errors.append(f"session {i}: {type(exc).__name__}: {exc}")
    finally:
        await s.close()


async def run_level(base: str | Callable[[int], str], sessions: int, pids: Sequence[int], *, edits: int = 2,
                    think: float = 10.0, ramp: float = 10.0, seed0: int = 1000, timeout: float = 240.0,
                    limit: float = 600.0, rng_seed: int = 0, editor: bool = False) -> LoadResult:
    """``sessions`` students at once against ``base`` (an URL, or a function of
    the session index for several servers); ``pids`` are the server processes."""
    pick = base if callable(base) else (lambda _i, b=base: b)
    res = LoadResult(sessions)
    rng = random.Random(rng_seed)
    cpu0, t0 = cpu_seconds(pids), time.perf_counter()
    tasks = [asyncio.create_task(student(i, pick, res, edits=edits, think=think,
                                         delay=rng.uniform(0, ramp) if sessions > 1 else 0.0,
                                         seed0=seed0, rng=random.Random(rng.random()), timeout=timeout,
                                         editor=editor))
             for i in range(sessions)]

    async def sample_rss() -> None:
        while True:
            res.peak_rss_mb = max(res.peak_rss_mb, rss_mb(pids))
            await asyncio.sleep(0.25)

    sampler = asyncio.create_task(sample_rss())
    _done, pending = await asyncio.wait(tasks, timeout=limit)
    for t in pending:
        t.cancel()
    if pending:
        res.errors.append(f"{len(pending)} sessions still running at the level's limit of {limit:.0f} s")
        await asyncio.gather(*pending, return_exceptions=True)
    sampler.cancel()
    res.seconds = time.perf_counter() - t0
    res.cpu = cpu_seconds(pids) - cpu0
    return res


def expected_v_full(seed: int) -> float:
    """v(N) as the importance page computes it for the ancona-max preset's data
    set with ``seed`` (100 samples, layer 0, MSE), straight from lrp_core."""
    from lrp_core.importance import attribute
    from lrp_core.presets import get_preset

    preset = get_preset("ancona-max")
    X, y = preset.dataset(100, seed)
    (res,) = attribute(preset.network(), X, y, ["shapley-exact"])
    return float(res.extra["v_full"])


def table(results: Sequence[LoadResult], title: str = "") -> str:
    head = (f"{'sessions':>8} {'runs':>5} {'runs/s':>7} {'edit p50':>9} {'edit p95':>9} {'open p50':>9} "
            f"{'errors':>6} {'CPU s/run':>9} {'peak RSS':>9}")
    lines = [title, head] if title else [head]
    for r in results:
        lines.append(f"{r.sessions:>8} {r.runs:>5} {r.reruns_per_s:>7.2f} {r.pct(50):>8.2f}s {r.pct(95):>8.2f}s "
                     f"{percentile(r.open_times, 50):>8.2f}s {len(r.errors):>6} {r.cpu_per_run:>9.3f} "
                     f"{r.peak_rss_mb:>7.0f}MB")
    return "\n".join(lines)


def capacity(results: Sequence[LoadResult], think: float = 10.0) -> str:
    """Students (one edit every ``think`` s) one core serves with p95 < 1 s: the
    largest level that met it, and the CPU bound ``think / (CPU s per edit run)``."""
    ok = [r.sessions for r in results if not r.errors and r.pct(95) < 1.0]
    lone = results[0]
    cpu_edit = min((r.cpu_per_run for r in results if r.runs), default=float("nan"))
    bound = think / cpu_edit if cpu_edit == cpu_edit and cpu_edit > 0 else float("nan")
    return (f"p95 < 1 s held up to {max(ok) if ok else 0} sessions (levels {', '.join(map(str, ok)) or 'none'}); "
            f"lone session edit p50 {lone.pct(50):.2f} s; CPU per run {cpu_edit:.3f} s, so one core at 100% "
            f"runs {1 / cpu_edit:.1f} runs/s = {bound:.0f} students editing every {think:.0f} s")


def levels_on_fresh_server(levels: Sequence[int], *, editor: bool) -> list[LoadResult]:
    from tests.conftest import start_app, stop_app

    proc, url = start_app()
    try:  # warm-up: imports, first compile
        asyncio.run(run_level(url, 1, [proc.pid], edits=1, think=0.0, editor=editor))
        results = []
        for n in levels:
            r = asyncio.run(run_level(url, n, [proc.pid], seed0=1000 * n, editor=editor))
            results.append(r)
            print(table([r]).splitlines()[-1], flush=True)
            for e in r.errors[:5]:
                print("   ", e)
        return results
    finally:
        stop_app(proc)


def main(levels: Sequence[int] = LEVELS, editor_levels: Sequence[int] = EDITOR_LEVELS) -> None:
    for editor, lv, what in ((False, levels, "importance page, seed edits"),
                             (True, editor_levels, "network editor, weight edits")):
        results = levels_on_fresh_server(lv, editor=editor)
        print()
        print(table(results, f"Protocol load, one server process, {what} (loopback; machine shared with other work)"))
        print(capacity(results))
        print()


if __name__ == "__main__":
    main()
