"""A tweak reruns only the page's network part (``page.network_part``), not its settings row; an
undo that changes the architecture runs the whole page again. Checked over the app's own websocket
protocol (the browser's view of which elements a rerun sends; AppTest always runs whole pages)."""

from __future__ import annotations

import pytest

from bench.stclient import FINISHED, Session
from tests.conftest import run_async

FRAGMENT_RUN = FINISHED.FINISHED_FRAGMENT_RUN_SUCCESSFULLY
FULL_RUN = FINISHED.FINISHED_SUCCESSFULLY


async def _undo_an_architecture_change_then_tweak(url: str) -> dict[str, object]:
    s = Session(url, "editor", "preset=ancona-max", timeout=120.0)
    await s.open()
    out: dict[str, object] = {"grown": await s.set_widget("editor_addu0_r*", True)}  # a fifth hidden unit
    s.page_hash, s.path = "", "decomposition"
    await s.rerun(page_name="decomposition")
    mode = s.widget("dec_mode")
    out["undo"] = await s.set_widget("tweak_undo", True)  # back to 2-4-1: the settings row is drawn again
    out["settings_sent"] = s.widget("dec_mode") is not mode
    mode, value = s.widget("dec_mode"), s.widget("tweak_value")
    out["separate"] = bool(mode.fragment) and mode.fragment != value.fragment
    out["tweak"] = await s.set_widget("tweak_value", float(value.proto.default) + 0.25)
    out["settings_kept"] = s.widget("dec_mode") is mode  # not sent again: the client kept the old one
    out["panel_sent"] = s.widget("tweak_value") is not value
    await s.close()
    return out


@pytest.mark.timeout(240)
def test_a_tweak_reruns_the_network_part_and_an_architecture_change_the_page(app_url: str) -> None:
    got = run_async(_undo_an_architecture_change_then_tweak(app_url))
    assert not got["grown"].exceptions  # type: ignore[attr-defined]
    undo = got["undo"]
    assert not undo.exceptions  # type: ignore[attr-defined]
    # the undo ran in the network part, which saw another architecture and ran the whole page
    assert undo.statuses[-1] == FULL_RUN and got["settings_sent"]  # type: ignore[attr-defined]
    assert got["separate"]  # the settings row and the tweak control are in different fragments
    tweak = got["tweak"]
    assert not tweak.exceptions and not tweak.errors  # type: ignore[attr-defined]
    assert tweak.statuses == [FRAGMENT_RUN]  # type: ignore[attr-defined]
    assert got["settings_kept"] and got["panel_sent"]
