"""``python -m lrp_core prune``: the JSON contract, the written network, errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from lrp_core.cli import main
from lrp_core.io import load_network_json
from lrp_core.presets import get_preset
from lrp_core.pruning import prune_by

ROOT = Path(__file__).resolve().parent.parent


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(["prune", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_shapley_prunes_unit_4_for_free(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out_file = tmp_path / "p.json"
    code, out, err = run(["--preset", "ancona-max", "--layer", "0", "--method", "shapley-exact", "--k", "1",
                          "--out", str(out_file), "--json"], capsys)
    assert code == 0 and err == ""
    payload = json.loads(out)
    assert {"removed", "loss_before", "loss_after", "seconds"} <= set(payload)
    assert payload["removed"] == [3] and payload["loss_after"] == payload["loss_before"]
    written = load_network_json(out_file.read_bytes())
    assert written.widths == [2, 3, 1]


def test_apoz_costs_loss_and_matches_the_library(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out_file = tmp_path / "p.json"
    code, out, _ = run(["--preset", "ancona-max", "--method", "apoz", "--k", "2", "--sigma", "0.5",
                        "--out", str(out_file), "--json"], capsys)
    payload = json.loads(out)
    from lrp_core.toydata import preset_data

    X, y = preset_data("ancona-max", 100, 0, sigma=0.5)
    lib = prune_by(get_preset("ancona-max").network(), X, y, "apoz", 2)
    assert code == 0 and payload["removed"] == list(lib.removed) and payload["loss_after"] == lib.loss_after
    assert payload["loss_after"] > payload["loss_before"]
    assert load_network_json(out_file.read_bytes()).same_weights(lib.network)


@pytest.mark.parametrize(("args", "message"), [
    (["--method", "nope", "--k", "1"], "unknown attribution method 'nope'"),
    (["--method", "apoz", "--k", "4"], "k must be a whole number from 0 to 3"),
    (["--method", "apoz", "--k", "1", "--layer", "2"], "hidden layers are 0..0"),
])
def test_errors_are_one_line_and_write_nothing(args: list[str], message: str, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    out_file = tmp_path / "never.json"
    code, out, err = run(["--preset", "ancona-max", *args, "--out", str(out_file)], capsys)
    assert code == 2 and out == "" and message in err and err.count("\n") == 1
    assert not out_file.exists()


def test_subprocess_smoke(tmp_path: Path) -> None:
    out_file = tmp_path / "p.json"
    proc = subprocess.run([sys.executable, "-m", "lrp_core", "prune", "--preset", "ancona-max", "--method",
                           "weight-norm", "--k", "1", "--out", str(out_file), "--json"],
                          capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["removed"] == [0]
    assert load_network_json(out_file.read_bytes()).widths == [2, 3, 1]
