"""The ``regions`` command: JSON contract, tiling, and one-line errors with exit code 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lrp_core.cli import main
from lrp_core.presets import get_preset
from tests.cli_harness import run_main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_json_contract_and_tiling(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "regions", "--preset", "plane-2-8-8-1", "--box", "-3,3,-3,3", "--json")
    assert code == 0 and err == ""
    data = json.loads(out)
    assert list(data) == ["regions"]
    regions = data["regions"]
    assert len(regions) > 5
    assert abs(sum(r["area"] for r in regions) - 36.0) < 1e-9
    net = get_preset("plane-2-8-8-1").network()
    for r in regions:
        assert set(r) == {"pattern", "polygon", "area"}
        assert len(r["pattern"]) == 16 and set(r["pattern"]) <= {"0", "1"}
        # the vertex mean of a convex polygon is interior: it has the region's pattern
        n = len(r["polygon"])
        c = [sum(p[0] for p in r["polygon"]) / n, sum(p[1] for p in r["polygon"]) / n]
        assert net.pattern_string(c) == r["pattern"]


def test_network_file_and_text_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "net.json"
    f.write_text(get_preset("xor-2-4-1").network().to_json())
    code, out, _ = run(capsys, "regions", "--network", str(f), "--box", "-1,1,-1,1")
    assert code == 0
    assert out.startswith("4 linear regions")


def test_slice_of_dtd_mlp(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "regions", "--preset", "dtd-mlp", "--box", "-0.5,0.5,-0.5,0.5",
                       "--slice-axes", "0,1", "--json")
    assert code == 0
    assert abs(sum(r["area"] for r in json.loads(out)["regions"]) - 1.0) < 1e-9


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["--preset", "dtd-mlp", "--box", "-1,1,-1,1"], "2-input"),
        (["--preset", "xor-2-4-1", "--box", "1,-1,0,1"], "x0 < x1"),
        (["--preset", "xor-2-4-1", "--box", "1,2,3"], "4 comma-separated"),
        (["--preset", "xor-2-4-1", "--box", "a,b,c,d"], "4 comma-separated"),
        (["--preset", "xor-2-4-1", "--box", "0,nan,0,1"], "finite"),
        (["--preset", "dtd-mlp", "--box", "0,1,0,1", "--slice-axes", "0,0"], "different axes"),
        (["--preset", "dtd-mlp", "--box", "0,1,0,1", "--slice-axes", "x"], "two whole numbers"),
        (["--preset", "dtd-mlp", "--box", "0,1,0,1", "--slice-x", "1,2"], "--slice-axes"),
    ],
)
def test_bad_input_one_line_exit_2(capsys: pytest.CaptureFixture[str], argv: list[str], needle: str) -> None:
    code, out, err = run(capsys, "regions", *argv, "--json")
    assert code == 2 and out == ""
    assert err.startswith("error: ") and err.count("\n") == 1
    assert needle in err


def test_missing_file(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_main(capsys, "regions", "--network", "/nonexistent.json", "--box", "0,1,0,1", "--json")
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "cannot read" in err
