"""CLI: the `serve` subcommand's command line (the server itself: tests/test_wheel.py)."""

from __future__ import annotations

import shlex
import sys
import tomllib

import pytest

from lrp_core import serve
from lrp_core.cli import main
from tests.conftest import ROOT


def _flatten(table: dict, prefix: str = "") -> dict[str, object]:
    out: dict[str, object] = {}
    for key, value in table.items():
        if isinstance(value, dict):
            out.update(_flatten(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def test_settings_are_the_checkouts_streamlit_config() -> None:
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert serve.SETTINGS == _flatten(config)


def test_print_command_runs_the_installed_app_with_every_setting(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--port", "8765", "--address", "127.0.0.1", "--print-command"]) == 0
    argv = shlex.split(capsys.readouterr().out)
    assert argv[:5] == [sys.executable, "-m", "streamlit", "run", str(ROOT / "lrp_explorer" / "app.py")]
    flags = dict(a[2:].split("=", 1) for a in argv[5:])
    assert flags["server.port"] == "8765" and flags["server.address"] == "127.0.0.1"
    assert flags["server.maxUploadSize"] == "1" and flags["runner.magicEnabled"] == "false"
    for key in serve.SETTINGS:
        assert key in flags


@pytest.mark.parametrize("port", ["0", "70000", "x"])
def test_bad_port_is_one_line_exit_2(port: str, capsys: pytest.CaptureFixture[str]) -> None:
    try:
        code = main(["serve", "--port", port, "--print-command"])
    except SystemExit as exc:
        code = exc.code
    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith("error:") and err.count("\n") == 1
