"""Shared fixtures: the reference data, a live Streamlit server, and Chromium.

Browser tests use Debian's Chromium (``/usr/bin/chromium``) through the
``playwright`` package with ``executable_path``; nothing downloads a browser.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
SHARED_REFERENCE = ROOT.parent / "shared" / "reference"
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
APPTEST_TIMEOUT = 60.0
APP_FILE = str(ROOT / "lrp_explorer" / "app.py")  # AppTest resolves relative paths against the calling file


def open_app_page(page: str, *, net: Any = None, x: Sequence[float] | None = None,
                  query: Mapping[str, str] | None = None) -> AppTest:
    """A fresh AppTest session of the whole app on ``page``: app.py runs first
    (with ``query`` as URL parameters), then the network ``net`` and/or the
    input point ``x`` go into session state as the editor puts them there
    (revision bumped), then the page runs; it must raise nothing."""
    at = AppTest.from_file(APP_FILE, default_timeout=APPTEST_TIMEOUT)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    at.run()
    if net is not None:
        at.session_state["lrp_network"] = net
    if x is not None:
        at.session_state["lrp_x"] = x
    if net is not None or x is not None:
        at.session_state["lrp_rev"] = at.session_state["lrp_rev"] + 1
    at.switch_page(page)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def reference_file(name: str) -> dict[str, Any]:
    """A file from ``../shared/reference`` (skips if that folder is absent)."""
    path = SHARED_REFERENCE / name
    if not path.exists():
        pytest.skip(f"{path} not available")
    return json.loads(path.read_text())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_app(port: int | None = None) -> tuple[subprocess.Popen[bytes], str]:
    """Start ``streamlit run app.py`` headless on a free loopback port; wait for health."""
    port = port or free_port()
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    proc = subprocess.Popen(
        [
            sys.executable, "-m", "streamlit", "run", str(ROOT / "lrp_explorer" / "app.py"),
            "--server.headless", "true",
            "--server.port", str(port),
            "--server.address", "127.0.0.1",
            "--browser.gatherUsageStats", "false",
            "--server.fileWatcherType", "none",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("streamlit exited during start-up")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return proc, url
        except OSError:
            pass
        time.sleep(0.2)  # polling the health endpoint until the server answers
    proc.kill()
    raise RuntimeError("streamlit did not become healthy within 90 s")


def stop_app(proc: subprocess.Popen[bytes]) -> None:
    """Stop a server started by :func:`start_app` (kill it if it lingers)."""
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="session")
def app_url() -> Iterator[str]:
    proc, url = start_app()
    try:
        yield url
    finally:
        stop_app(proc)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = ctx.new_page()
    pg.set_default_timeout(30_000)
    try:
        yield pg
    finally:
        ctx.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


def wait_for_app(pg: Any) -> None:
    """Wait until Streamlit has finished running the script: the status widget
    (which shows "Running…"/"Stop" while a script runs) is gone."""
    pg.wait_for_selector('[data-testid="stApp"]')
    pg.wait_for_selector('[data-testid="stMain"]')
    pg.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')")


def open_via_nav(pg: Any, app_url: str, link: str, path: str) -> None:
    """Open the app, then follow the navigation link ``link`` to the page's
    URL path ``path`` and wait for its run (a deep link on a fresh server is
    tested on its own in test_browser_deeplink.py)."""
    pg.goto(app_url)
    wait_for_app(pg)
    pg.get_by_role("link", name=link).first.click()
    pg.wait_for_url(f"**/{path}*")
    wait_for_app(pg)


def page_charts(at: AppTest) -> list[Any]:
    """The page's own Plotly charts (the live-loop tweak panel's diagram, keys ``tweak…``, left out)."""
    return [c for c in at.get("plotly_chart") if not str(getattr(c, "key", "") or "").startswith("tweak")]


@pytest.fixture
def downloads(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, bytes]]:
    """Record every file the page hands to Streamlit's media storage, by name: stored files, and the
    deferred downloads' callables, called here as a click on their button would (their file is
    written only then)."""
    seen: dict[str, bytes] = {}
    original = MemoryMediaFileStorage.load_and_get_id
    original_deferred = MediaFileManager.add_deferred

    def record(self: Any, path_or_data: Any, mimetype: str, kind: Any, filename: str | None = None) -> str:
        if filename is not None and isinstance(path_or_data, bytes):
            seen[filename] = path_or_data
        return original(self, path_or_data, mimetype, kind, filename)

    def record_deferred(self: Any, data_callable: Any, mimetype: Any, coordinates: str,
                        file_name: str | None = None, **kwargs: Any) -> str:
        if file_name is not None:
            data = data_callable()
            seen[file_name] = data.encode() if isinstance(data, str) else data
        return original_deferred(self, data_callable, mimetype, coordinates, file_name, **kwargs)

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", record)
    monkeypatch.setattr(MediaFileManager, "add_deferred", record_deferred)
    yield seen


def open_tab(at: AppTest, key: str, label: str) -> AppTest:
    """Select the lazy ``st.tabs`` ``key``'s tab ``label`` (only the open tab's content is computed) and rerun."""
    if at.session_state[key] != label:
        at.session_state[key] = label
        at.run()
    return at


def importance_numbers(at: AppTest) -> Any:
    """The importance page's scores table (its "Scores as numbers" tab opened first)."""
    return open_tab(at, "imp_details", "Scores as numbers").dataframe[0].value


@pytest.fixture(scope="module")
def dtd() -> Any:
    """The DTD study's network (dtd-mlp)."""
    from lrp_core.presets import get_preset

    return get_preset("dtd-mlp").network()


def run_async(coro: Any) -> Any:
    """``asyncio.run(coro)`` on a thread of its own: Playwright's sync API (the session's browser)
    keeps an event loop running on the main thread, where ``asyncio.run`` is refused."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()
