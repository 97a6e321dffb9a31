"""One real subprocess per subcommand (the other CLI tests call ``main`` in process)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from lrp_core.presets import preset_names
from tests.conftest import ROOT


def run_cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "lrp_core", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=180)


def _one_line_error(res: subprocess.CompletedProcess[str]) -> None:
    assert res.returncode == 2 and res.stdout == ""
    assert res.stderr.count("\n") == 1 and res.stderr.startswith("error:"), res.stderr
    assert "Traceback" not in res.stderr


def test_presets_and_network() -> None:
    res = run_cli("presets", "--json")
    assert res.returncode == 0, res.stderr
    assert [p["name"] for p in json.loads(res.stdout)["presets"]] == preset_names()
    res = run_cli("network", "--preset", "ancona-max", "--json")
    assert res.returncode == 0 and json.loads(res.stdout)["name"] == "ancona-max"
    _one_line_error(run_cli("network", "--network", "caf\udce9.json"))  # non-UTF-8 name via argv


def test_roots() -> None:
    res = run_cli("roots", "--preset", "dtd-mlp", "--output", "0", "--finder", "exact", "--json")
    assert res.returncode == 0, res.stderr
    (root,) = json.loads(res.stdout)["roots"]
    assert root["in_segment"] is True and root["taylor_residual"] <= 1e-9
    _one_line_error(run_cli("roots", "--preset", "dtd-mlp", "--finder", "mcmc", "--n-warmup", "-5", "--json"))


def test_decompose() -> None:
    res = run_cli("decompose", "--preset", "dtd-mlp", "--mode", "full", "--finder", "exact", "--json")
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    assert len(out["input_relevance"]) == 10 and [e["layer"] for e in out["layers"]] == [4, 3, 2, 1, 0]
    _one_line_error(run_cli("decompose", "--preset", "ancona-max", "--finder", "newton", "--json"))


def test_regions() -> None:
    res = run_cli("regions", "--preset", "xor-2-4-1", "--box", "-1,1,-1,1", "--json")
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)
    _one_line_error(run_cli("regions", "--network", "/nonexistent.json", "--box", "0,1,0,1", "--json"))


def test_attribute() -> None:
    res = run_cli("attribute", "--preset", "ancona-max", "--method", "shapley-exact", "--json")
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["results"][0]["method"] == "shapley-exact"
    _one_line_error(run_cli("attribute", "--preset", "ancona-max", "--method", "apoz", "--layer", "-1"))


@pytest.mark.parametrize("where", ["checkout", "elsewhere"])
def test_serve_print_command(where: str, tmp_path: Path) -> None:
    res = run_cli("serve", "--port", "8999", "--print-command", cwd=ROOT if where == "checkout" else tmp_path)
    assert res.returncode == 0, res.stderr
    assert "-m streamlit run" in res.stdout and "--server.port=8999" in res.stdout
    _one_line_error(run_cli("serve", "--port", "0"))
