"""``python -m lrp_core decompose``: the JSON contract, good and bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from lrp_core.cli import main
from lrp_core.decompose import FinderSpec, decompose
from lrp_core.presets import get_preset
from tests.cli_harness import run_main

KEYS = ["mode", "output", "f_x", "layers", "input_relevance", "root_searches", "cache_hits", "seconds"]


def test_full_exact_dtd_mlp_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, stdout, err = run_main(capsys, "decompose", "--preset", "dtd-mlp", "--mode", "full", "--finder", "exact",
                                 "--json")
    assert code == 0, err
    out = json.loads(stdout)
    assert list(out) == KEYS
    assert out["mode"] == "full" and out["output"] == 0
    ref = get_preset("dtd-mlp")
    assert out["f_x"] == pytest.approx(float(ref.network()(torch.tensor(ref.default_input))[0]), abs=1e-12)
    assert [e["layer"] for e in out["layers"]] == [4, 3, 2, 1, 0]
    assert out["input_relevance"] == out["layers"][-1]["relevance"]
    assert len(out["input_relevance"]) == 10
    # the same numbers as the library
    lib = decompose(ref.network(), ref.default_input, 0, mode="full", spec=FinderSpec.of("exact"))
    assert out["input_relevance"] == pytest.approx(lib.input_relevance.tolist(), abs=1e-12)
    above = out["f_x"]
    for e in out["layers"]:
        assert e["sum"] + e["unresolved"] == pytest.approx(above, abs=1e-9)
        assert e["sum"] == pytest.approx(sum(e["relevance"]), abs=1e-12)
        above = e["sum"]
    assert out["root_searches"] > 0 and out["cache_hits"] == 0 and out["seconds"] >= 0


def test_unknown_finder_one_line_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_main(capsys, "decompose", "--preset", "ancona-max", "--mode", "full", "--finder", "newton",
                              "--json")
    assert code == 2
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "choose one of" in lines[0]


def test_train_free_rule_zplus_ancona(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["decompose", "--preset", "ancona-max", "--x", "3,7", "--mode", "train-free",
                 "--finder", "rule", "--rule", "z+", "--json"])
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    assert out["mode"] == "train-free" and out["f_x"] == 7.0
    # ancona-max has zero biases: z+ conserves at every layer
    assert all(e["sum"] == pytest.approx(7.0, abs=1e-12) for e in out["layers"])
    assert sum(out["input_relevance"]) == pytest.approx(7.0, abs=1e-12)


def test_network_file_output_and_seed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "net.json"
    path.write_text(get_preset("dtd-mlp").network().to_json())
    args = ["decompose", "--network", str(path), "--output", "1", "--mode", "full", "--finder", "mcmc",
            "--n-chains", "3", "--n-steps", "10", "--n-warmup", "5", "--seed", "7", "--json"]
    assert main(args) == 0
    first = json.loads(capsys.readouterr().out)
    assert main(args) == 0
    second = json.loads(capsys.readouterr().out)
    assert first["output"] == 1
    assert first["input_relevance"] == second["input_relevance"]  # same seed, same result


def test_text_output(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["decompose", "--preset", "xor-2-4-1", "--mode", "full", "--finder", "exact"]) == 0
    text = capsys.readouterr().out
    assert "full decomposition of output 0" in text and "root searches" in text


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--preset", "ancona-max", "--mode", "full", "--finder", "exact", "--output", "1"], "--output"),
        (["--preset", "ancona-max", "--mode", "full", "--finder", "exact", "--rule", "z+"], "--rule"),
        (["--preset", "ancona-max", "--mode", "full", "--finder", "rule", "--rule", "zz"], "choose one of"),
        (["--preset", "ancona-max", "--mode", "full", "--finder", "exact", "--x", "1,nan"], "finite"),
        (["--preset", "ancona-max", "--mode", "full", "--finder", "exact", "--x", "1,2,3"], "needs 2 numbers"),
        (["--preset", "ancona-max", "--mode", "full", "--finder", "exact", "--x", "1,a"], "comma-separated"),
        (["--preset", "ancona-max", "--mode", "full", "--finder", "mcmc", "--n-steps", "0"], "--n-steps"),
        (["--network", "/nonexistent/net.json", "--mode", "full", "--finder", "exact"], "cannot read"),
    ],
)
def test_bad_input_in_process(args: list[str], needle: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["decompose", *args, "--json"]) == 2
    cap = capsys.readouterr()
    assert cap.out == ""
    lines = cap.err.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0]


def test_bad_network_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bad.json"
    path.write_text('{"format": "lrp-explorer.network", "version": 1, "layers": []}')
    assert main(["decompose", "--network", str(path), "--mode", "full", "--finder", "exact"]) == 2
    assert "layers" in capsys.readouterr().err


@pytest.mark.parametrize("missing", ["--mode", "--finder"])
def test_required_arguments(missing: str, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["decompose", "--preset", "ancona-max", "--mode", "full", "--finder", "exact"]
    i = args.index(missing)
    del args[i : i + 2]
    with pytest.raises(SystemExit) as exc:
        main(args)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and missing in err
