"""``python -m lrp_core attribute``: the JSON contract, data sources and one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from lrp_core.cli import main
from lrp_core.datasets import to_csv
from lrp_core.importance import MAX_WORK, METHODS, attribute
from lrp_core.presets import get_preset

# dtd-mlp, layer 0 (10 units, tail 3·10·10 + 10·2 multiply-adds, + 10 mask products), 100 data points:
# the largest even permutation count under the cap (work = P · 9 · 100 · 330)
DTD_MAX_PERMS = int(MAX_WORK // (9 * 100 * 330)) // 2 * 2


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(["attribute", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_all_methods_json_contract(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["--preset", "ancona-max", "--method", "all", "--json"], capsys)
    assert code == 0 and err == ""
    payload = json.loads(out)
    assert set(payload) == {"layer", "loss", "n_data", "results"}
    assert payload["layer"] == 0 and payload["loss"] == "mse" and payload["n_data"] == 100
    assert [r["method"] for r in payload["results"]] == METHODS.names()
    for r in payload["results"]:
        assert set(r) == {"method", "scores", "stderr", "params", "seconds"}
        assert len(r["scores"]) == 4 and r["seconds"] >= 0
    by = {r["method"]: r for r in payload["results"]}
    assert abs(by["shapley-exact"]["scores"][3]) <= 1e-12
    assert by["shapley-exact"]["stderr"] is None
    assert len(by["shapley-sampled"]["stderr"]) == 4
    assert by["shapley-sampled"]["params"]["samples"] == 200
    # the numbers are the library's, on the preset's data set with the default size and seed
    X, y = get_preset("ancona-max").dataset(100, 0)
    lib = attribute(get_preset("ancona-max").network(), X, y, "shapley-exact")[0]
    assert by["shapley-exact"]["scores"] == lib.scores.tolist()


def test_options_are_passed_through(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["--preset", "ancona-max", "--method", "shapley-sampled", "--loss", "l1",
                        "--n-data", "30", "--seed", "4", "--samples", "10", "--json"], capsys)
    payload = json.loads(out)
    assert code == 0 and payload["loss"] == "l1" and payload["n_data"] == 30
    (r,) = payload["results"]
    assert r["params"] == {"samples": 10, "antithetic": True, "seed": 4}
    X, y = get_preset("ancona-max").dataset(30, 4)
    lib = attribute(get_preset("ancona-max").network(), X, y, "shapley-sampled", loss="l1", seed=4, samples=10)[0]
    assert r["scores"] == lib.scores.tolist()


def test_network_file_layer_and_csv_data(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    net = get_preset("plane-2-8-8-1").network()
    net_file = tmp_path / "net.json"
    net_file.write_text(net.to_json())
    g = torch.Generator().manual_seed(0)
    X = torch.randn(25, 2, generator=g, dtype=torch.float64)
    y = torch.randn(25, 1, generator=g, dtype=torch.float64)
    data = tmp_path / "data.csv"
    data.write_text(to_csv(X, y))
    code, out, _ = run(["--network", str(net_file), "--data", str(data), "--layer", "1",
                        "--method", "leave-one-out", "--json"], capsys)
    payload = json.loads(out)
    assert code == 0 and payload["layer"] == 1 and payload["n_data"] == 25
    lib = attribute(net, X, y, "leave-one-out", layer=1)[0]
    assert payload["results"][0]["scores"] == pytest.approx(lib.scores.tolist(), abs=1e-15)


def test_human_readable_output(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["--preset", "ancona-max", "--method", "shapley-exact"], capsys)
    assert code == 0
    assert "shapley-exact" in out and "prune first: unit 3" in out


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--preset", "ancona-max", "--method", "nope"], "invalid choice"),
        (["--preset", "ancona-max", "--method", "apoz", "--layer", "2"], "hidden layers are 0..0"),
        (["--preset", "ancona-max", "--method", "apoz", "--n-data", "0"], "data size"),
        (["--preset", "ancona-max", "--method", "shapley-sampled", "--samples", "1"], "from 2 to"),
        (["--preset", "ancona-max", "--method", "apoz", "--data", "/nonexistent.csv"], "cannot read"),
        (["--preset", "ancona-max", "--method", "apoz", "--loss", "l3"], "invalid choice"),
    ],
)
def test_errors_are_one_line_exit_2(args: list[str], fragment: str, capsys: pytest.CaptureFixture[str]) -> None:
    try:
        code = main(["attribute", *args])
    except SystemExit as exc:  # argparse errors
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert err.startswith("error:") and fragment in err and err.count("\n") == 1


def test_bad_csv_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("1,2\n3,4\n")
    code, out, err = run(["--preset", "ancona-max", "--method", "apoz", "--data", str(bad)], capsys)
    assert code == 2 and out == "" and "needs 3" in err and err.count("\n") == 1


def test_shapley_exact_json_and_a_bad_layer(capsys: pytest.CaptureFixture[str]) -> None:
    # (the same two runs as a real subprocess: tests/test_cli_smoke.py)
    code, out, err = run(["--preset", "ancona-max", "--method", "shapley-exact", "--json"], capsys)
    assert code == 0, err
    assert json.loads(out)["results"][0]["method"] == "shapley-exact"
    code, out, err = run(["--preset", "ancona-max", "--method", "apoz", "--layer", "-1"], capsys)
    assert code == 2 and out == "" and err.count("\n") == 1


@pytest.mark.parametrize("option", ["--data", "--network"])
def test_path_with_a_nul_byte_is_one_line(option: str, capsys: pytest.CaptureFixture[str]) -> None:
    """A NUL byte makes open() raise ValueError, not OSError (only reachable in-process: argv cannot hold one)."""
    net = ["--preset", "ancona-max"] if option == "--data" else []
    code, out, err = run([*net, "--method", "apoz", option, "bad\x00name.csv"], capsys)
    assert code == 2 and out == "" and err.startswith("error:") and err.count("\n") == 1
    assert "Traceback" not in err


def test_work_cap_exit_2_with_one_line_naming_the_limit(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["--preset", "dtd-mlp", "--method", "shapley-sampled", "--samples", "100000"], capsys)
    assert code == 2 and out == "" and err.count("\n") == 1
    assert "100,000 permutations" in err and "cap of" in err
    assert f"use at most {DTD_MAX_PERMS:,} permutations" in err
    code, out, err = run(["--preset", "dtd-mlp", "--method", "shapley-exact", "--n-data", "100000"], capsys)
    assert code == 2 and out == "" and err.count("\n") == 1
    assert "(1,024 coalitions)" in err and "or shapley-sampled" in err


def test_overflowing_network_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from lrp_core.network import from_layers

    deep = from_layers([[[1e32, 0.0], [0.0, 1e32]]] * 7 + [[[1e32, 1e32]]], [[0.0, 0.0]] * 7 + [[0.0]],
                       ["relu"] * 7 + ["linear"])
    path = tmp_path / "deep.json"
    path.write_text(deep.to_json())
    data = tmp_path / "d.csv"
    data.write_text("x1,x2,y\r0.5,0.5,1\r1,0,1\r")  # old-Mac line breaks are fine
    code, out, err = run(["--network", str(path), "--data", str(data), "--method", "gradient"], capsys)
    assert code == 2 and out == "" and err.count("\n") == 1 and "overflow float64" in err
    code, out, err = run(["--network", str(path), "--data", str(data), "--method", "gradient", "--loss", "l1",
                          "--json"], capsys)
    assert code == 0 and json.loads(out)["n_data"] == 2
