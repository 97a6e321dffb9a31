"""CLI: the `roots` subcommand — the JSON contract and the error contract."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from lrp_core.cli import main
from lrp_core.presets import default_input, get_preset
from lrp_core.roots import FINDERS, explain_output
from tests.cli_harness import run_main

KEYS = {"neuron", "root", "relevance", "in_segment", "taylor_residual"}


def roots_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict:
    assert main(["roots", *args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_exact_json_matches_the_library(capsys: pytest.CaptureFixture[str]) -> None:
    code, stdout, err = run_main(capsys, "roots", "--preset", "dtd-mlp", "--output", "0", "--finder", "exact",
                                 "--json")
    assert code == 0, err
    out = json.loads(stdout)
    assert out["layer"] == 0 and out["finder"] == "exact"
    assert isinstance(out["evaluations"], int) and out["seconds"] >= 0
    (root,) = out["roots"]
    assert KEYS <= set(root)
    net = get_preset("dtd-mlp").network()
    lib = FINDERS.get("exact").func(explain_output(net, default_input(net), 0, 0)).roots[0]
    assert lib.root is not None
    assert root["root"] == lib.root.tolist() and root["relevance"] == lib.relevance
    assert root["in_segment"] is True and root["taylor_residual"] <= 1e-9


@pytest.mark.parametrize("finder", ["rule", "mcmc", "interpolation", "exact"])
def test_every_finder_explains_every_output_by_default(capsys: pytest.CaptureFixture[str], finder: str) -> None:
    extra = ["--n-chains", "4", "--n-steps", "20", "--n-warmup", "20"] if finder == "mcmc" else []
    out = roots_json(capsys, "--preset", "dtd-mlp", "--finder", finder, *extra)
    assert out["finder"] == finder
    assert [r["neuron"] for r in out["roots"]] == [0, 1]
    for r in out["roots"]:
        assert KEYS <= set(r)
        assert r["root"] is None or len(r["root"]) == 10


def test_rule_on_explicit_input_hand_checked(capsys: pytest.CaptureFixture[str]) -> None:
    # ancona-max at x = (3, 7): output = max = 7, segment gradient (0, 1) → w² root (3, 0);
    # it zeroes the segment's affine map x2 but leaves the segment x2 > x1: there max(3, 0) = 3
    out = roots_json(capsys, "--preset", "ancona-max", "--x", "3,7", "--finder", "rule", "--rule", "w2")
    (r,) = out["roots"]
    assert r["root"] == pytest.approx([3.0, 0.0], abs=1e-12)
    assert r["relevance"] == pytest.approx(3.0, abs=1e-12)
    assert r["in_segment"] is False and r["taylor_residual"] == pytest.approx(3.0, abs=1e-12)
    assert out["params"]["rule"] == "w²"


def test_negative_input_and_gamma_alias(capsys: pytest.CaptureFixture[str]) -> None:
    out = roots_json(capsys, "--preset", "xor-2-4-1", "--x", "-1.5,2", "--finder", "rule",
                     "--rule", "gamma", "--gamma", "0.5")
    assert out["params"] == {"rule": "γ", "gamma": 0.5}


def test_layer_forwards_the_input(capsys: pytest.CaptureFixture[str]) -> None:
    net = get_preset("dtd-mlp").network()
    h = net.forward(torch.tensor(default_input(net), dtype=torch.float64)).post[1]
    out = roots_json(capsys, "--preset", "dtd-mlp", "--layer", "2", "--output", "1", "--finder", "exact")
    assert out["layer"] == 2
    lib = FINDERS.get("exact").func(explain_output(net, h, 2, 1)).roots[0]
    assert lib.root is not None and out["roots"][0]["root"] == lib.root.tolist()
    assert min(out["roots"][0]["root"]) >= 0  # post-ReLU input: the LP keeps ã >= 0


def test_seed_makes_mcmc_reproducible(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["--preset", "ancona-max", "--finder", "mcmc", "--n-chains", "3", "--n-steps", "30",
            "--n-warmup", "30", "--seed", "4"]
    a = roots_json(capsys, *args)
    b = roots_json(capsys, *args)
    c = roots_json(capsys, *args[:-1], "5")
    assert a["roots"] == b["roots"] and a["roots"] != c["roots"]


def test_no_root_is_null_not_nan(capsys: pytest.CaptureFixture[str]) -> None:
    # the 0 rule on dtd-mlp: biases make the origin no root → root and relevance are null
    assert main(["roots", "--preset", "dtd-mlp", "--output", "0", "--finder", "rule", "--rule", "0", "--json"]) == 0
    text = capsys.readouterr().out
    assert "NaN" not in text
    (r,) = json.loads(text)["roots"]
    assert r["root"] is None and r["relevance"] is None and r["reason"]


def test_text_output(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["roots", "--preset", "ancona-max", "--finder", "exact"]) == 0
    out = capsys.readouterr().out
    assert "exact roots" in out and "R(root)" in out


def test_network_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "net.json"
    f.write_text(get_preset("xor-2-4-1").network().to_json())
    out = roots_json(capsys, "--network", str(f), "--x", "1,-1", "--finder", "exact")
    assert out["roots"][0]["relevance"] == pytest.approx(0.0, abs=1e-12)


BAD = [
    (["--preset", "dtd-mlp", "--finder", "exact", "--x", "1,2"], "needs 10 numbers"),
    (["--preset", "dtd-mlp", "--finder", "exact", "--x", "a,b"], "comma-separated"),
    (["--preset", "dtd-mlp", "--finder", "exact", "--layer", "9"], "--layer"),
    (["--preset", "dtd-mlp", "--finder", "exact", "--output", "2"], "--output"),
    (["--preset", "dtd-mlp", "--finder", "magic"], "invalid choice"),
    (["--preset", "dtd-mlp", "--finder", "rule", "--rule", "nope"], "choose one of"),
    (["--preset", "dtd-mlp", "--finder", "rule", "--rule", "zB"], "box"),
    (["--preset", "dtd-mlp", "--finder", "exact", "--rule", "z+"], "only to --finder rule"),
    (["--preset", "dtd-mlp", "--finder", "exact", "--n-chains", "3"], "only to --finder mcmc"),
    (["--preset", "dtd-mlp", "--finder", "mcmc", "--n-chains", "0"], "n_chains"),
    (["--preset", "dtd-mlp", "--finder", "mcmc", "--n-steps", "x"], "--n-steps: n_steps must be a whole number"),
    (["--finder", "exact"], "required"),
]


@pytest.mark.parametrize(("args", "match"), BAD, ids=[" ".join(a) for a, _ in BAD])
def test_bad_arguments_exit_2_with_one_line(
    args: list[str], match: str, capsys: pytest.CaptureFixture[str]
) -> None:
    try:
        code = main(["roots", *args])
    except SystemExit as exc:  # argparse errors
        code = int(exc.code or 0)
    captured = capsys.readouterr()
    assert code == 2
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and match in lines[0]


def test_bad_mcmc_warmup_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_main(capsys, "roots", "--preset", "dtd-mlp", "--finder", "mcmc", "--n-warmup", "-5",
                              "--json")
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1
    assert "n_warmup" in err
