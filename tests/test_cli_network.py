"""CLI: the `presets` and `network` subcommands and the error contract."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lrp_core.cli import main
from lrp_core.presets import PRESETS, get_preset, preset_names
from tests.cli_harness import run_main


def test_presets_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_main(capsys, "presets", "--json")
    assert code == 0 and err == ""
    rows = json.loads(out)["presets"]
    assert [p["name"] for p in rows] == preset_names()
    for row in rows:
        preset = get_preset(row["name"])
        assert row["description"] == preset.description
        assert row["shape"] == preset.network().describe()  # the registered widths are the network's


def test_registered_widths_are_the_networks() -> None:
    for entry in PRESETS:
        assert list(entry.extra["widths"]) == get_preset(entry.name).network().widths, entry.name


def test_presets_text(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["presets"]) == 0
    out = capsys.readouterr().out
    assert "ancona-max" in out and "2-4-1" in out


def test_network_preset_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["network", "--preset", "dtd-mlp", "--json"]) == 0
    spec = json.loads(capsys.readouterr().out)
    assert spec["format"] == "lrp-explorer.network" and spec["version"] == 1
    assert spec["layers"][0]["weight"] == get_preset("dtd-mlp").network().to_dict()["layers"][0]["weight"]


def test_network_file_round_trip(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "net.json"
    f.write_text(get_preset("xor-2-4-1").network().to_json())
    assert main(["network", "--network", str(f), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["name"] == "xor-2-4-1"


BAD = [
    (["network", "--preset", "nope"], "invalid choice"),
    (["network"], "required"),
    (["network", "--preset", "dtd-mlp", "--network", "x.json"], "not allowed"),
    (["network", "--network", "/definitely/missing.json"], "cannot read"),
    (["frobnicate"], "invalid choice"),
]


@pytest.mark.parametrize(("args", "match"), BAD, ids=[" ".join(a) for a, _ in BAD])
def test_bad_arguments_exit_2_with_one_line(args: list[str], match: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_main(capsys, *args)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert match in lines[0]
    assert out == ""


@pytest.mark.parametrize(
    ("content", "match"),
    [
        (b"{not json", "not valid JSON"),
        (b'{"format": "lrp-explorer.network", "version": 1, "layers": [{"weight": [[1e400]], "bias": [0]}]}', "too large"),
        (b"\x80\x04\x95", "pickle"),
        (json.dumps({"format": "lrp-explorer.network", "version": 1, "layers": [{"weight": [[1, 2]], "bias": [0, 1]}]}).encode(), "bias has 2 entries"),
    ],
)
def test_bad_network_files(tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes, match: str) -> None:
    f = tmp_path / "bad.json"
    f.write_bytes(content)
    assert main(["network", "--network", str(f)]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1
    assert match in err


def test_path_with_nul_byte_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["network", "--network", "bad\x00name.json"]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "cannot read" in err
