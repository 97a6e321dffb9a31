"""``python -m lrp_core train``: the JSON contract, the written network, data sources, errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from lrp_core.cli import main
from lrp_core.datasets import to_csv
from lrp_core.io import load_network_json
from lrp_core.presets import get_preset
from lrp_core.toydata import preset_data, toy_dataset
from lrp_core.training import train

ROOT = Path(__file__).resolve().parent.parent


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(["train", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_json_contract_and_the_written_network(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out_file = tmp_path / "trained.json"
    code, out, err = run(["--preset", "xor-2-4-1", "--dataset", "moons", "--epochs", "5", "--lr", "0.05",
                          "--seed", "3", "--out", str(out_file), "--json"], capsys)
    assert code == 0 and err == ""
    payload = json.loads(out)
    assert {"loss_curve", "final_loss", "seconds"} <= set(payload)
    assert len(payload["loss_curve"]) == 6 and payload["final_loss"] == payload["loss_curve"][-1]
    assert payload["seconds"] >= 0 and payload["params"]["loss"] == "logistic"
    written = load_network_json(out_file.read_bytes())
    # the library's result from the same data and parameters
    X, y = toy_dataset("moons", 200, seed=0)
    lib = train(get_preset("xor-2-4-1").network(), X, y, epochs=5, lr=0.05, seed=3, loss="logistic")
    assert written.same_weights(lib.network) and payload["loss_curve"] == list(lib.loss_curve)


def test_preset_own_data_with_label_noise(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["--preset", "ancona-max", "--epochs", "2", "--sigma", "0.5", "--n-data", "40",
                        "--out", str(tmp_path / "a.json"), "--json"], capsys)
    payload = json.loads(out)
    assert code == 0 and payload["n_data"] == 40 and payload["params"]["loss"] == "mse"
    assert payload["loss_curve"][0] > 0.05  # the noise makes the perfect fit imperfect
    X, y = preset_data("ancona-max", 40, 0, sigma=0.5)
    assert payload["loss_curve"] == list(train(get_preset("ancona-max").network(), X, y, epochs=2).loss_curve)


def test_network_file_and_csv_data(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    net_file = tmp_path / "net.json"
    net_file.write_text(get_preset("xor-2-4-1").network().to_json())
    X = torch.tensor([[1.0, -1.0], [-1.0, 1.0], [1.0, 1.0], [-2.0, -1.0]], dtype=torch.float64)
    y = torch.tensor([[1.0], [1.0], [0.0], [0.0]], dtype=torch.float64)
    data_file = tmp_path / "d.csv"
    data_file.write_text(to_csv(X, y))
    code, out, _ = run(["--network", str(net_file), "--data", str(data_file), "--epochs", "3", "--batch-size", "2",
                        "--out", str(tmp_path / "o.json"), "--json"], capsys)
    payload = json.loads(out)
    assert code == 0 and payload["n_data"] == 4 and len(payload["loss_curve"]) == 4


@pytest.mark.parametrize(("args", "message"), [
    (["--preset", "ancona-max", "--lr", "-1"], "lr must be"),
    (["--preset", "ancona-max", "--epochs", "0"], "epochs must be"),
    (["--preset", "dtd-mlp", "--dataset", "moons"], "has 2 inputs and 1 target"),
    (["--preset", "ancona-max", "--data", "/nonexistent.csv"], "cannot read"),
    (["--preset", "ancona-max", "--loss", "logistic"], "needs targets 0 and 1"),
])
def test_errors_are_one_line_and_write_nothing(args: list[str], message: str, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    out_file = tmp_path / "never.json"
    code, out, err = run([*args, "--out", str(out_file), "--json"], capsys)
    assert code == 2 and out == "" and message in err and err.count("\n") == 1
    assert not out_file.exists()


def test_unwritable_out_is_a_one_line_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["--preset", "ancona-max", "--epochs", "1", "--out", "/nonexistent/dir/x.json"], capsys)
    assert code == 2 and "cannot write" in err


def test_subprocess_smoke(tmp_path: Path) -> None:
    out_file = tmp_path / "t.json"
    proc = subprocess.run([sys.executable, "-m", "lrp_core", "train", "--preset", "xor-2-4-1", "--dataset", "xor",
                           "--epochs", "2", "--out", str(out_file), "--json"],
                          capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["final_loss"] >= 0
    assert load_network_json(out_file.read_bytes()).widths == [2, 4, 1]
