"""A short protocol load in the suite (issue 18 §3): 5 simulated sessions, one
edit each, against a real server. The full load run is ``python -m bench
load_protocol``; this only checks that concurrent sessions over the app's own
websocket protocol all finish, without an error, and see their own numbers."""

from __future__ import annotations

import asyncio

import pytest

from bench.load_protocol import expected_v_full, run_level
from tests.conftest import start_app, stop_app

SESSIONS = 5


@pytest.mark.timeout(180)
def test_five_protocol_sessions_one_edit_each() -> None:
    proc, url = start_app()
    try:
        res = asyncio.run(run_level(url, SESSIONS, [proc.pid], edits=1, think=0.5, ramp=1.0,
                                    timeout=60.0, limit=90.0))
    finally:
        stop_app(proc)
    assert res.errors == []
    assert res.runs == 2 * SESSIONS  # every session's open and its edit finished
    assert len(res.edit_times) == SESSIONS
    # each session set a seed of its own and read v(N) for that seed off its page
    assert len(res.shown) == SESSIONS
    for seed, shown in res.shown.items():
        assert shown == pytest.approx(expected_v_full(seed), rel=1e-9), seed
    assert res.cpu > 0 and res.peak_rss_mb > 0
