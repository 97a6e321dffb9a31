"""Benchmark (issue 6 §5): 20 concurrent users against one local server.

Starts ``streamlit run app.py`` on localhost (``tests.conftest.start_app``),
then drives Debian's Chromium through ``playwright.async_api``: ``SESSIONS``
browser contexts (separate cookies, so separate Streamlit sessions) run at
once, each of them

1. loads a preset (``/editor?preset=ancona-max``) and waits for its diagram;
2. edits a weight — W0[h1, x1] gets a value of its own — by typing it into
   the editor's first table, and times it from the Enter key until the network
   diagram shows the new weight ("edit → updated chart", a rerun in the same
   session);
3. opens the link that carries the edited network (``/editor?net=1.…``) in the
   same tab and times it until the diagram shows the weight (a full page load:
   "link → chart");
4. opens the neuron-importance page for that network, waits for its exact
   Shapley values and reads ``v(N)`` off the page, and checks it against the
   value computed here with ``lrp_core`` (a mismatch counts as an error).

A lone session runs first (it also warms the server up); its edit → chart
time is the baseline for the ratio column. Everything is bounded: ``SESSIONS``
contexts, a time limit per step and an overall limit. The server's peak
resident memory is its ``VmHWM`` from ``/proc/<pid>/status``.

Run: ``python -m bench bench_load``.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from lrp_core.importance import attribute
from lrp_core.network import Network
from lrp_core.presets import default_dataset, get_preset, matching_preset
from lrp_core.urlstate import encode_network
from tests.grid import TYPE_DELAY_MS, WEIGHT_JS, cell_point

SESSIONS = 20
STEP_TIMEOUT_MS = 180_000
OVERALL_TIMEOUT_S = 900.0
PRESET = "ancona-max"

IDLE_JS = ("() => !!document.querySelector('[data-testid=\"stApp\"]') && (!document.querySelector("
           "'[data-testid=\"stStatusWidget\"]') || !document.querySelector('[data-testid=\"stStatusWidget\"]')"
           ".innerText.includes('Running'))")
VFULL_JS = """() => {
  const m = document.body.innerText.match(/v\\(N\\) = ([-+0-9.eE]+)/);
  return m ? m[1] : null;
}"""


@dataclass
class Outcome:
    index: int
    edit_to_chart: float | None = None
    link_to_chart: float | None = None
    compute: float | None = None
    retries: int = 0
    errors: list[str] = field(default_factory=list)


def session_network(i: int) -> Network:
    """The preset with W0[h1, x1] set to a value of session i's own."""
    return get_preset(PRESET).network().with_value(0, "weight", 0, 0, round(-0.2 + 0.05 * (i + 1), 4))


def expected_v_full(net: Network) -> str:
    """v(N) as the importance page shows it (its default data, layer 0, MSE, 10 significant digits)."""
    match = matching_preset(net)
    X, y = get_preset(match).dataset(100, 0) if match is not None else default_dataset(net, 100, 0)
    (res,) = attribute(net, X, y, ["shapley-exact"])
    return f"{res.extra['v_full']:.10g}"


def peak_rss_mb(pid: int) -> tuple[float, float]:
    """(VmHWM, VmRSS) of a process in MB, read from /proc."""
    values = {"VmHWM": 0.0, "VmRSS": 0.0}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key = line.split(":")[0]
        if key in values:
            values[key] = int(line.split()[1]) / 1024
    return values["VmHWM"], values["VmRSS"]


async def open_cell_editor(page: Any, out: Outcome) -> None:
    """Click layer 0's cell (h1, x1) and open its editor; a click that lands while the
    grid is still being laid out is retried (counted in ``out.retries``), at most 3 times."""
    for attempt in range(3):
        grid = page.locator('[data-testid="stDataFrame"]').first
        await grid.scroll_into_view_if_needed()
        box = await grid.bounding_box()
        assert box is not None
        await page.mouse.click(*cell_point(box, 0))
        await page.keyboard.press("Enter")
        try:
            await page.locator(".gdg-input").wait_for(timeout=20_000)
            return
        except Exception:
            if attempt == 2:
                raise
            out.retries += 1


async def run_session(browser: Any, url: str, i: int) -> Outcome:
    out = Outcome(i)
    net = session_network(i)
    value = float(net.layers[0].weight[0, 0])
    ctx = await browser.new_context(viewport={"width": 1400, "height": 1000})
    step = "load the preset"
    try:
        page = await ctx.new_page()
        page.set_default_timeout(STEP_TIMEOUT_MS)
        await page.goto(f"{url}/editor?preset={PRESET}")
        await page.wait_for_function(f"() => ({WEIGHT_JS})([0, 0, 0]) !== null", polling=100)
        await page.wait_for_function(IDLE_JS, polling=100)
        # the edit: type the value into layer 0's table, cell (h1, x1)
        step = "type the edit"
        await open_cell_editor(page, out)
        await page.keyboard.press("Control+a")
        await page.keyboard.type(repr(value), delay=TYPE_DELAY_MS)
        await page.wait_for_function("t => document.querySelector('.gdg-input')?.value === t",
                                     arg=repr(value), polling=50)
        step = "wait for the edited chart"
        t0 = time.perf_counter()
        await page.keyboard.press("Enter")
        await page.wait_for_function(f"() => ({WEIGHT_JS})([0, 0, 0]) === {value!r}", polling=50)
        out.edit_to_chart = time.perf_counter() - t0
        await page.wait_for_function(IDLE_JS, polling=100)
        # the link that carries the edited network, opened in the same tab (a full page load)
        step = "open the edited link"
        await page.goto(f"{url}/editor?preset={PRESET}")
        await page.wait_for_function(f"() => ({WEIGHT_JS})([0, 0, 0]) === -0.25", polling=100)
        t0 = time.perf_counter()
        await page.goto(f"{url}/editor?net={encode_network(net)['net']}")
        await page.wait_for_function(f"() => ({WEIGHT_JS})([0, 0, 0]) === {value!r}", polling=50)
        out.link_to_chart = time.perf_counter() - t0
        # the computation: neuron importance for this network
        step = "importance page"
        t1 = time.perf_counter()
        await page.goto(f"{url}/importance?net={encode_network(net)['net']}")
        await page.wait_for_function(f"() => ({VFULL_JS})() !== null", polling=50)
        await page.wait_for_function(IDLE_JS, polling=100)
        out.compute = time.perf_counter() - t1
        shown = await page.evaluate(VFULL_JS)
        want = await asyncio.to_thread(expected_v_full, net)
        if shown != want:
            out.errors.append(f"session {i}: the page shows v(N) = {shown}, lrp_core gives {want}")
    except Exception as exc:  # counted and reported, never hidden
        out.errors.append(f"session {i}, step '{step}': {type(exc).__name__}: {str(exc).splitlines()[0][:160]}")
    finally:
        await ctx.close()
    return out


async def warm_up(browser: Any, url: str) -> None:
    """Let app.py run once so /editor and /importance are served through st.navigation."""
    ctx = await browser.new_context()
    try:
        page = await ctx.new_page()
        page.set_default_timeout(STEP_TIMEOUT_MS)
        await page.goto(f"{url}/?preset={PRESET}")
        await page.get_by_text("Network editor", exact=True).first.wait_for()
    finally:
        await ctx.close()


async def run_load(url: str, n: int) -> tuple[Outcome, list[Outcome], float]:
    from playwright.async_api import async_playwright

    from tests.conftest import CHROMIUM, CHROMIUM_ARGS

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            await warm_up(browser, url)
            alone = await run_session(browser, url, n)  # the baseline: one user
            t0 = time.perf_counter()
            outcomes = await asyncio.wait_for(
                asyncio.gather(*(run_session(browser, url, i) for i in range(n))), OVERALL_TIMEOUT_S
            )
            return alone, list(outcomes), time.perf_counter() - t0
        finally:
            await browser.close()


def _pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[max(0, min(len(s) - 1, round(q * (len(s) - 1))))]


def main() -> None:
    from tests.conftest import start_app, stop_app

    torch.set_num_threads(1)  # this process only checks results; leave the cores to the server and browser
    proc, url = start_app()
    try:
        alone, outcomes, wall = asyncio.run(run_load(url, SESSIONS))
        hwm, rss = peak_rss_mb(proc.pid)
    finally:
        stop_app(proc)
    errors = [e for o in (alone, *outcomes) for e in o.errors]
    print(f"{SESSIONS} concurrent browser sessions (Chromium contexts) on one server, preset {PRESET}; "
          f"all done in {wall:.1f} s.")
    print(f"{'measure':<30} {'users':>5} {'p50 (s)':>9} {'p95 (s)':>9} {'n':>4} {'p50 vs 1 user':>14}")
    for label, attr in (("edit -> updated chart", "edit_to_chart"), ("link -> chart (page load)", "link_to_chart"),
                        ("importance page -> v(N)", "compute")):
        one = getattr(alone, attr)
        many = [getattr(o, attr) for o in outcomes if getattr(o, attr) is not None]
        if one is not None:
            print(f"{label:<30} {1:>5} {one:9.2f} {one:9.2f} {1:>4} {'1.00 (base)':>14}")
        if many:
            ratio = f"{statistics.median(many) / one:.2f}" if one else "-"
            print(f"{label:<30} {SESSIONS:>5} {statistics.median(many):9.2f} {_pct(many, 0.95):9.2f} "
                  f"{len(many):>4} {ratio:>14}")
    retries = sum(o.retries for o in (alone, *outcomes))
    print(f"errors: {len(errors)} (cell clicks retried: {retries})")
    for e in errors[:10]:
        print(f"  {e}")
    print(f"server peak RSS (VmHWM): {hwm:.0f} MB; RSS at the end: {rss:.0f} MB")


if __name__ == "__main__":
    main()
