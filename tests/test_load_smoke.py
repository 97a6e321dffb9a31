"""A short protocol load in the suite (issue 18 §3): 5 simulated sessions, one
edit each, against a real server. The full load run is ``python -m bench
load_protocol``; this only checks that concurrent sessions over the app's own
websocket protocol all finish, without an error, and see their own numbers."""

from __future__ import annotations

from typing import Any

import pytest
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from bench.load_protocol import DETAILS_KEY, NUMBERS_TAB, SEED_KEY, V_FULL, expected_v_full, run_level
from bench.stclient import Session
from tests.conftest import run_async, start_app, stop_app

SESSIONS = 5


@pytest.mark.timeout(180)
def test_five_protocol_sessions_one_edit_each() -> None:
    proc, url = start_app()
    try:
        res = run_async(run_level(url, SESSIONS, [proc.pid], edits=1, think=0.5, ramp=1.0,
                                    timeout=60.0, limit=90.0))
    finally:
        stop_app(proc)
    assert res.errors == []
    assert res.runs == 3 * SESSIONS  # every session's open, its numbers tab and its edit finished
    assert len(res.edit_times) == SESSIONS
    # each session set a seed of its own and read v(N) for that seed off its page
    assert len(res.shown) == SESSIONS
    for seed, shown in res.shown.items():
        assert shown == pytest.approx(expected_v_full(seed), rel=1e-9), seed
    assert res.cpu > 0 and res.peak_rss_mb > 0


# --- the protocol client checked against one real browser session -------------------------------

SEED_LABEL = "Seed (data and sampling)"
LINK = "/importance?preset=ancona-max"
NEW_SEED = 7
STEP_TIMEOUT_MS = 240_000
# the exact Shapley line "Σφ = …, v(N) = …" (in the numbers' tab): textContent, not innerText
IDLE_JS = """() => { const app = document.querySelector('[data-testid="stApp"]');
  return !!app && app.getAttribute('data-test-script-state') === 'notRunning'; }"""
V_FULL_JS = r"""() => {
  const m = document.body.textContent.match(/Σφ = [^,]+, v\(N\) = ([-+0-9.eE]+)/);
  return m ? m[1] : null;
}"""
# the run is over (Streamlit marks its root element) and v(N) is shown, changed from `before`
IDLE_WITH_NEW_V_JS = r"""(before) => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
  const m = document.body.textContent.match(/Σφ = [^,]+, v\(N\) = ([-+0-9.eE]+)/);
  return m !== null && m[1] !== before;
}"""


class BrowserFrames:
    """The ForwardMsgs and BackMsgs of a page's websocket, decoded with the same protobufs."""

    def __init__(self, pg: Any) -> None:
        self.finished: list[int] = []  # script_finished statuses, in order
        self.sent: list[Any] = []  # rerun_script ClientStates
        pg.on("websocket", self._attach)

    def _attach(self, ws: Any) -> None:
        ws.on("framereceived", self._received)
        ws.on("framesent", self._sent)

    def _received(self, payload: bytes | str) -> None:
        if isinstance(payload, bytes):
            fm = ForwardMsg()
            fm.ParseFromString(payload)
            if fm.WhichOneof("type") == "script_finished":
                self.finished.append(fm.script_finished)

    def _sent(self, payload: bytes | str) -> None:
        if isinstance(payload, bytes):
            bm = BackMsg()
            bm.ParseFromString(payload)
            if bm.WhichOneof("type") == "rerun_script":
                self.sent.append(bm.rerun_script)


def _browser_step(pg: Any, frames: BrowserFrames, action: Any, before: str | None) -> tuple[str, list[int]]:
    """Do ``action``; wait until a run finishes successfully and v(N) is shown
    (changed from ``before``); return v(N) and the statuses of the runs it took."""
    n0 = len(frames.finished)
    action()
    pg.wait_for_function(IDLE_WITH_NEW_V_JS, arg=before, timeout=STEP_TIMEOUT_MS)
    value = pg.evaluate(V_FULL_JS)
    return value, frames.finished[n0:]


async def _protocol_steps(url: str) -> tuple[list[str], list[list[int]], Any, Any]:
    path, query = LINK.strip("/").split("?")
    s = Session(url, path, query, timeout=120.0)
    try:
        opened = await s.open()
        tab = await s.set_widget(DETAILS_KEY, NUMBERS_TAB)
        v0 = f"{s.find_number(V_FULL):.10g}"
        tab_state = s.states[s.widget(DETAILS_KEY).id]
        edited = await s.set_widget(SEED_KEY, NEW_SEED)
        v1 = f"{s.find_number(V_FULL):.10g}"
        return [v0, v1], [opened.statuses, tab.statuses, edited.statuses], \
            (s.states[s.widget(SEED_KEY).id], s.widget(SEED_KEY).fragment), tab_state
    finally:
        await s.close()


def _sent_state(frames: BrowserFrames, key: str) -> Any:
    return next(w for w in frames.sent[-1].widget_states.widgets if w.id.endswith(f"-{key}"))


@pytest.mark.browser
@pytest.mark.timeout(900)
def test_protocol_session_matches_a_browser_session(page: Any) -> None:
    """The same link, the same tab and the same edit, once in Chromium and once over the
    protocol client: the same script runs, the same v(N) shown, and the same
    widget states sent for the tab and the edit."""
    proc, url = start_app()
    try:
        frames = BrowserFrames(page)
        n0 = len(frames.finished)
        page.goto(url + LINK)
        page.get_by_role("tab", name="Ranks").wait_for(timeout=STEP_TIMEOUT_MS)  # drawn by the page's run
        page.wait_for_function(IDLE_JS, timeout=STEP_TIMEOUT_MS)  # and the run is over
        runs_open = frames.finished[n0:]
        # the numbers' tab is lazy: its table (every digit of v(N)) is built once it is chosen
        v0, runs_tab = _browser_step(page, frames, lambda: page.get_by_role("tab", name=NUMBERS_TAB).click(), None)
        browser_tab = _sent_state(frames, DETAILS_KEY)
        page.get_by_role("button", name="Data").click()  # the data settings sit in a popover
        box = page.get_by_label(SEED_LABEL)

        def edit() -> None:
            box.fill(str(NEW_SEED), timeout=STEP_TIMEOUT_MS)  # a loaded machine renders slowly
            box.press("Enter")

        v1, runs1 = _browser_step(page, frames, edit, v0)
        browser_state = _sent_state(frames, SEED_KEY)
        browser_fragment = frames.sent[-1].fragment_id
        # Playwright's sync API holds this thread's event loop: the protocol client runs in its own thread
        values, runs, our_state, our_tab = run_async(_protocol_steps(url))
    finally:
        stop_app(proc)
    assert [v0, v1] == values  # v(N) as the DOM shows it and as the deltas carry it
    assert float(v1) == pytest.approx(expected_v_full(NEW_SEED), rel=1e-9)
    assert v0 != v1
    # one successful run of the whole page for the load, then one of the page's fragment for the edit, in both
    done, fragment_done = ForwardMsg.ScriptFinishedStatus.FINISHED_SUCCESSFULLY, \
        ForwardMsg.ScriptFinishedStatus.FINISHED_FRAGMENT_RUN_SUCCESSFULLY
    assert runs_open == runs[0] == [done], (runs_open, runs)
    assert runs_tab == runs[1] == [fragment_done] and runs1 == runs[2] == [fragment_done], (runs_tab, runs1, runs)
    assert browser_tab.string_value == our_tab.string_value == NUMBERS_TAB  # the tab chosen, sent alike
    assert browser_state == our_state[0] and browser_fragment == our_state[1] != ""
