"""Benchmark (issue 15 §4, the browser's side): from the tweak slider's change to the updated main chart.

Debian's Chromium (Playwright, one user, 1280 × 800) opens each case's page on
two servers side by side — this checkout and the session start (``BEFORE``,
see :mod:`bench.bench_live`; there the tweak control sat in an expander at the
top and every tweak reran the whole page) — then ``REPEATS`` times moves the
tweak slider one step with the keyboard (the slider's value is sent when the
key is released, as after a drag) and times, in the page, from the key press
to the moment the page's main chart shows new data. Target: p50 < 300 ms.
Run: ``python -m bench bench_live_browser``.
"""

from __future__ import annotations

import os
import statistics
from pathlib import Path
from typing import Any

from playwright.sync_api import sync_playwright

from bench.bench_live import BEFORE, CASES, ROOT, Case, start_server

REPEATS = 15
TARGET_MS = 300.0
CHROMIUM = "/usr/bin/chromium"

# the data of the first chart (not the tweak diagram) whose traces are of the case's main kind
SIGNATURE_JS = """(kind) => {
  for (const el of document.querySelectorAll('.js-plotly-plot')) {
    if (el.closest('[class*="st-key-tweak"]')) continue;
    const traces = (el._fullData || []).filter(t => t.type === kind);
    if (traces.length) return JSON.stringify(traces.map(t => [t.y, t.z]).slice(0, 40));
  }
  return null;
}"""
MAIN_KIND = {"importance": "bar", "roots": "heatmap", "decomposition": "heatmap"}


def _settle(page: Any) -> None:
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=120_000)


def _times(page: Any, base: str, case: Case) -> list[float]:
    page.goto(f"{base}/{case.page}?{case.query()}")
    page.wait_for_selector('[data-testid="stMain"]', timeout=120_000)
    kind = MAIN_KIND[case.page]
    page.wait_for_function(f"() => ({SIGNATURE_JS})('{kind}') !== null", timeout=120_000)
    _settle(page)
    slider = page.locator('[class*="st-key-tweak_slider"] input[type="range"]')
    if not slider.is_visible():  # the old page: the tweak control in an expander
        page.get_by_text("Tweak a weight or bias").first.click()
    out = []
    for i in range(REPEATS + 1):
        before = page.evaluate(f"({SIGNATURE_JS})('{kind}')")
        slider.focus()
        t0 = page.evaluate("() => performance.now()")
        slider.press("ArrowRight" if i % 2 == 0 else "ArrowLeft")
        page.wait_for_function(f"(b) => {{ const s = ({SIGNATURE_JS})('{kind}'); return s !== null && s !== b; }}",
                               arg=before, timeout=120_000, polling="raf")
        t1 = page.evaluate("() => performance.now()")
        _settle(page)
        if i:  # the first change warms the page's caches
            out.append(t1 - t0)
    return out


def main() -> None:
    before_dir = Path(os.environ.get("BEFORE_DIR", "/tmp/live-before"))
    if not (before_dir / "lrp_explorer").is_dir():
        print(f"no checkout of {BEFORE} at {before_dir}: run `git worktree add {before_dir} {BEFORE}`")
        return
    servers = [start_server(before_dir, 8721), start_server(ROOT, 8722)]
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM)
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            print(f"p50 of {REPEATS} slider steps, ms: key press -> the main chart shows new data (Chromium, one user)")
            print(f"{'case':<24}{'preset':<15}{'before p50':>11}{'now p50':>9}{'now p95':>9}{'now/before':>11}"
                  f"{'target':>8}  met")
            for case in CASES:
                before = _times(page, "http://127.0.0.1:8721", case)
                now = _times(page, "http://127.0.0.1:8722", case)
                b50, n50 = statistics.median(before), statistics.median(now)
                n95 = sorted(now)[int(0.95 * (len(now) - 1))]
                print(f"{case.label:<24}{case.preset:<15}{b50:>11.0f}{n50:>9.0f}{n95:>9.0f}{n50 / b50:>11.2f}"
                      f"{TARGET_MS:>8.0f}  {'yes' if n50 < TARGET_MS else 'no'}", flush=True)
            browser.close()
    finally:
        for proc in servers:
            proc.terminate()
            proc.wait(timeout=20)


if __name__ == "__main__":
    main()
