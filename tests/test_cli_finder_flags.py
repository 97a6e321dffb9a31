"""CLI flags generated from the finders' declared parameters (lrp_core.flags)."""

from __future__ import annotations

import json

import pytest

from lrp_core.cli import main
from lrp_core.roots import FINDERS


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.mark.parametrize("command", ["roots", "decompose"])
def test_every_declared_parameter_has_a_flag(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main([command, "--help"])
    text = capsys.readouterr().out
    for entry in FINDERS:
        for prm in entry.schema:
            assert prm.flag in text, (entry.name, prm.name)


def test_new_flags_reach_the_finder(capsys: pytest.CaptureFixture[str]) -> None:
    """--tie-break (never a flag before) reaches the exact finder; the JSON echoes it."""
    code, out, _ = run(capsys, "roots", "--preset", "ancona-max", "--finder", "exact", "--tie-break", "nearest",
                       "--json")
    assert code == 0 and json.loads(out)["params"] == {"tie_break": "nearest"}
    code, out, _ = run(capsys, "roots", "--preset", "ancona-max", "--finder", "interpolation",
                       "--n-directions", "7", "--nonnegative", "true", "--json")
    params = json.loads(out)["params"]
    assert code == 0 and params["n_directions"] == 7 and params["nonnegative"] is True


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--finder", "exact", "--n-directions", "3"], "--n-directions applies only to --finder interpolation"),
        (["--finder", "rule", "--init-scale", "1"], "--init-scale applies only to --finder mcmc or interpolation"),
        (["--finder", "exact", "--tie-break", "far"], "tie_break must be one of l1, nearest, none, not 'far'"),
        (["--finder", "interpolation", "--n-bisect", "500"], "--n-bisect: n_bisect must be a whole number from 1 "
                                                             "to 200, not 500"),
        (["--finder", "mcmc", "--target-accept", "0"], "--target-accept: target_accept must be a number > 0 and "
                                                       "<= 1, not 0.0"),
        (["--finder", "mcmc", "--nonnegative", "maybe"], "--nonnegative: nonnegative must be true or false"),
    ],
)
@pytest.mark.parametrize("command", ["roots", "decompose"])
def test_bad_flags_one_line_exit_2(command: str, args: list[str], needle: str,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    extra = ["--mode", "full"] if command == "decompose" else []
    code, out, err = run(capsys, command, "--preset", "ancona-max", *extra, *args, "--json")
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and needle in err, err
