"""The ``field`` command: JSON contract, agreement with the library, one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from lrp_core.fields import FIELD_METHODS, explanation_field
from lrp_core.params import Param
from lrp_core.presets import get_preset
from tests.cli_harness import run_main as run

ROOT = Path(__file__).resolve().parent.parent


def test_cli_choices_and_flags_are_the_registry(capsys: pytest.CaptureFixture[str]) -> None:
    """A method registered later gets its --method choice and its parameter's flag
    (the command reads the registry, it lists no method or parameter itself)."""
    toy = Param("scale", "float", 1.0, "factor on the gradient", low=0.0, high=10.0)

    @FIELD_METHODS.register("toy-scaled-gradient", label="toy", schema=(toy,))
    def _toy(network, points, output, regions, scale=1.0):  # type: ignore[no-untyped-def]
        return FIELD_METHODS.get("gradient").func(network, points, output, regions)[0] * scale, 0

    try:
        base = ["field", "--preset", "xor-2-4-1", "--box", "0,1,0,1", "--n", "2", "--json"]
        code, out, err = run(capsys, *base, "--method", "toy-scaled-gradient", "--scale", "2")
        assert code == 0, err
        grad = explanation_field(get_preset("xor-2-4-1").network(), (0, 1, 0, 1), "gradient", n=2)
        np.testing.assert_array_equal(np.array(json.loads(out)["relevance"]), 2 * grad.relevance)
        code, _, err = run(capsys, *base, "--method", "gradient", "--scale", "2")
        assert code == 2 and "--scale applies only to --method toy-scaled-gradient" in err
        code, _, err = run(capsys, *base, "--method", "toy-scaled-gradient", "--scale", "11")
        assert code == 2 and "scale must be a number from 0 to 10" in err
    finally:
        FIELD_METHODS.unregister("toy-scaled-gradient")
    code, _, err = run(capsys, *base, "--method", "toy-scaled-gradient")
    assert code == 2 and "invalid choice" in err


@pytest.mark.parametrize("method", ["gradient", "gradient-x-input", "z+", "w2", "gamma", "shapley"])
def test_json_contract_matches_library(capsys: pytest.CaptureFixture[str], method: str) -> None:
    code, out, err = run(capsys, "field", "--preset", "plane-2-8-8-1", "--box", "-3,3,-2,2", "--n", "5",
                         "--method", method, "--json")
    assert code == 0 and err == ""
    data = json.loads(out)
    assert list(data) == ["x", "y", "relevance", "unresolved", "root_searches", "seconds"]
    assert data["x"] == [-3.0, -1.5, 0.0, 1.5, 3.0] and data["y"] == [-2.0, -1.0, 0.0, 1.0, 2.0]
    rel = np.array(data["relevance"])
    assert rel.shape == (5, 5, 2) and np.array(data["unresolved"]).shape == (5, 5)
    fld = explanation_field(get_preset("plane-2-8-8-1").network(), (-3, 3, -2, 2), method, n=5)
    np.testing.assert_allclose(rel, fld.relevance, rtol=0, atol=1e-12)
    np.testing.assert_allclose(data["unresolved"], fld.unresolved, rtol=0, atol=1e-12)
    assert data["root_searches"] == 0 and data["seconds"] >= 0


def test_full_backward_counts_root_searches(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "field", "--preset", "xor-2-4-1", "--box", "-1,1,-1,1", "--n", "9",
                       "--method", "full-backward", "--json")
    assert code == 0
    data = json.loads(out)
    assert 0 < data["root_searches"] <= 4 * 5  # 4 regions × (4 hidden + 1 output) neurons
    fld = explanation_field(get_preset("xor-2-4-1").network(), (-1, 1, -1, 1), "full-backward", n=9)
    np.testing.assert_allclose(np.array(data["relevance"]), fld.relevance, rtol=0, atol=1e-12)
    assert data["root_searches"] == fld.root_searches
    f = np.array([[abs(x - y) - abs(x + y) for x in data["x"]] for y in data["y"]])
    np.testing.assert_allclose(np.array(data["relevance"]).sum(axis=2) + data["unresolved"], f, atol=1e-12)


def test_gamma_flag_and_text_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "net.json"
    f.write_text(get_preset("xor-2-4-1").network().to_json())
    a = json.loads(run(capsys, "field", "--network", str(f), "--box", "-1,2,-1,1", "--n", "3",
                       "--method", "gamma", "--gamma", "0", "--json")[1])
    b = json.loads(run(capsys, "field", "--network", str(f), "--box", "-1,2,-1,1", "--n", "3",
                       "--method", "gamma", "--gamma", "3", "--json")[1])
    assert a["relevance"] != b["relevance"]
    code, out, _ = run(capsys, "field", "--network", str(f), "--box", "-1,1,-1,1", "--n", "3", "--method", "z+")
    assert code == 0 and "grid 3 × 3 = 9 points; 0 root searches" in out and out.count("\n") == 1


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["--preset", "dtd-mlp", "--box", "-1,1,-1,1", "--method", "z+"], "2-input"),
        (["--preset", "xor-2-4-1", "--box", "1,-1,0,1", "--method", "z+"], "x0 < x1"),
        (["--preset", "xor-2-4-1", "--box", "0,1,0,1", "--method", "z+", "--n", "1"], "grid size"),
        (["--preset", "xor-2-4-1", "--box", "0,1,0,1", "--method", "z+", "--n", "100000"], "grid size"),
        (["--preset", "xor-2-4-1", "--box", "0,1,0,1", "--method", "z+", "--output", "1"], "--output"),
        (["--preset", "xor-2-4-1", "--box", "0,1,0,1", "--method", "z+", "--gamma", "1"], "only to --method gamma"),
        (["--preset", "xor-2-4-1", "--box", "0,1,0,1", "--method", "gamma", "--gamma", "-1"], "gamma must"),
        (["--preset", "xor-2-4-1", "--box", "0,1,0,1", "--method", "gamma", "--gamma", "x"], "gamma must"),
        (["--preset", "xor-2-4-1", "--box", "0,1,0,1", "--method", "lime"], "invalid choice"),
        (["--preset", "xor-2-4-1", "--box", "0,1,0", "--method", "z+"], "4 comma-separated numbers"),
        (["--preset", "xor-2-4-1", "--box", "0,1,0,inf", "--method", "z+"], "finite"),
        (["--preset", "xor-2-4-1", "--method", "z+"], "--box"),
        (["--preset", "xor-2-4-1", "--box", "0,1,0,1"], "--method"),
        (["--network", "/nonexistent/net.json", "--box", "0,1,0,1", "--method", "z+"], "cannot read"),
    ],
)
def test_bad_input_one_line_exit_2(capsys: pytest.CaptureFixture[str], argv: list[str], needle: str) -> None:
    code, out, err = run(capsys, "field", *argv, "--json")
    assert code == 2 and out == ""
    assert err.startswith("error: ") and err.count("\n") == 1
    assert needle in err


def test_subprocess_smoke() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "lrp_core", "field", "--preset", "xor-2-4-1", "--box", "-1,1,-1,1", "--n", "3",
         "--method", "shapley", "--json"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    # f = |x1 − x2| − |x1 + x2| vanishes on both axes, so each Shapley value is f(x)/2
    assert data["relevance"][0][0] == [-1.0, -1.0]  # f(−1, −1) = −2
    assert data["relevance"][0][2] == [1.0, 1.0]  # f(1, −1) = 2
