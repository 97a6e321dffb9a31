"""Uploads in real Chromium (issue 12 item 15): a file of the wrong kind gets a message in words, and a
new upload's message replaces the previous one (before, the browser refused a .pkl with a bare red icon
and the previous CSV error stayed on screen)."""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import open_via_nav, wait_for_app


def _upload(page: Any, path: Path) -> None:
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').first.set_input_files(str(path))
    wait_for_app(page)


@pytest.mark.browser
def test_wrong_files_are_named_and_the_last_message_wins(app_url: str, page: Any, tmp_path: Path) -> None:
    bad_csv = tmp_path / "short.csv"
    bad_csv.write_text("x1,x2\n1,2\n")  # a target column is missing
    pkl = tmp_path / "model.pkl"
    pkl.write_bytes(pickle.dumps({"weights": [1, 2, 3]}))
    open_via_nav(page, app_url, "Neuron importance", "importance")
    page.get_by_role("button", name="Data").click()
    _upload(page, bad_csv)
    page.get_by_text("short.csv:").first.wait_for()
    _upload(page, pkl)
    page.get_by_text("looks like a Python pickle").first.wait_for()
    assert page.get_by_text("short.csv:").count() == 0  # the old message is gone
