"""Property-based fuzzing of the command line (issue 6, part 1).

Contract (see :mod:`lrp_core.cli`): bad input prints exactly one line on
stderr and exits with code 2, never a traceback; good input exits 0.

The fuzzer discovers every subcommand and its options from the real parser,
so subcommands added later are fuzzed too. It calls ``lrp_core.cli.main`` in
process (1,000 subprocesses would take minutes); the real subprocess runs
of the same contract are in tests/test_cli_smoke.py.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import pickle
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lrp_core.cli import build_parser, main
from lrp_core.presets import get_preset
from tests.cli_harness import run_main

ROOT = Path(__file__).resolve().parent.parent

FUZZ = settings(
    max_examples=1000,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def _subcommands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    raise AssertionError("the CLI has no subcommands")


# ``serve`` replaces the process with a Streamlit server (os.execv): fuzzing it
# in process would replace the test run; its flags are tested in test_cli_serve.py.
SUBCOMMANDS = {name: sub for name, sub in _subcommands().items() if name != "serve"}


def _options(sub: argparse.ArgumentParser) -> list[str]:
    return sorted(s for a in sub._actions for s in a.option_strings)


def _choices(sub: argparse.ArgumentParser) -> list[str]:
    out: list[str] = []
    for a in sub._actions:
        if a.choices is not None and not isinstance(a, argparse._SubParsersAction):
            out += [str(c) for c in a.choices]
    return out


# --- files a user could point the CLI at --------------------------------------

FILE_CONTENTS: dict[str, bytes] = {
    "valid.json": get_preset("xor-2-4-1").network().to_json().encode(),
    "dtd.json": get_preset("dtd-mlp").network().to_json().encode(),
    "pickle.json": pickle.dumps({"weights": [1, 2, 3]}),
    "utf16.json": get_preset("xor-2-4-1").network().to_json().encode("utf-16"),
    "latin1.json": '{"name": "réseau", "layers": []}'.encode("latin-1"),
    "truncated.json": get_preset("xor-2-4-1").network().to_json().encode()[:57],
    "inf.json": get_preset("xor-2-4-1").network().to_json().replace("1.0", "1e400", 1).encode(),
    "nan.json": get_preset("xor-2-4-1").network().to_json().replace("1.0", "NaN", 1).encode(),
    "bool.json": get_preset("xor-2-4-1").network().to_json().replace("1.0", "true", 1).encode(),
    "deep.json": b"[" * 10_000 + b"]" * 10_000,
    "empty.json": b"",
    "random.bin": bytes(range(256)) * 4,
    "data.csv": b"x1,x2,y\n0,1,1\n1,0,1\n2,2,2\n",
    "bad.csv": b"x1,x2,y\n0,nan,1\n1,inf\n,,\ntrue,false,null\n",
    "huge-number.csv": b"x1,x2,y\n1e400,0,1\n" + b"9" * 5000 + b",1,1\n",
}


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    d = tmp_path_factory.mktemp("cli-fuzz")
    for name, content in FILE_CONTENTS.items():
        (d / name).write_bytes(content)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:  # what torch.save writes: a zip archive
        z.writestr("archive/data.pkl", pickle.dumps({"w": 1}))
    (d / "model.pt").write_bytes(buf.getvalue())
    (d / "a-directory").mkdir()
    return [*(str(d / n) for n in (*FILE_CONTENTS, "model.pt", "a-directory")), str(d / "missing.json")]


@pytest.fixture(autouse=True)
def in_temp_dir(tmp_path: Path) -> Iterator[Path]:
    """Run each test with the working directory in a temporary folder.

    ``train --out NAME`` and ``prune --out NAME`` write to relative paths the
    fuzzer invents; they must land here, never in the repository. Afterwards
    the working directory is restored and the repository root must hold no
    new entry."""
    before = set(os.listdir(ROOT))
    old = os.getcwd()
    os.chdir(tmp_path)
    try:
        yield tmp_path
    finally:
        os.chdir(old)
    gained = set(os.listdir(ROOT)) - before
    assert not gained, f"the CLI fuzz wrote into the repository root: {sorted(gained)}"


NUMBERS = [
    "0", "1", "-1", "0.5", "2", "3", "10", "-5", "1.5", "nan", "NaN", "inf", "-inf", "1e400", "-1e400",
    "1e30", "-1e30", "1e-30", "9" * 400, "", " ", "1,2", "1, 2", "0,0", "1,2,3", "nan,1", "1e400,0",
    "a,b", "true", "None", "null", "[1,2]", "100000", "1000000000", "-0", "0x10", "1_0", "²",
]
# argv can hold neither NUL bytes nor unpaired surrogates other than surrogateescape's.
ARG_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=16
)


def _value_actions(sub: argparse.ArgumentParser) -> list[argparse.Action]:
    return [a for a in sub._actions if a.option_strings and not isinstance(a, argparse._HelpAction)]


@st.composite
def argv_strategy(draw: st.DrawFn, files: list[str]) -> list[str]:
    """Mostly well-formed command lines (known options, each with a value of the
    wrong kind or range now and then), sometimes junk tokens or a junk command."""
    names = sorted(SUBCOMMANDS)
    command = draw(st.one_of(st.sampled_from(names), st.sampled_from(names), st.sampled_from(names), ARG_TEXT))
    sub = SUBCOMMANDS.get(command)
    junk = st.one_of(st.sampled_from(NUMBERS), st.sampled_from(files), ARG_TEXT, st.just("--help"),
                     st.just("--no-such-option"))
    if sub is None:
        return [command, *draw(st.lists(junk, max_size=4))]
    argv = [command]
    actions = _value_actions(sub)
    network = [a for a in actions if {"--preset", "--network"} & set(a.option_strings)]
    chosen = draw(st.lists(st.sampled_from(actions), max_size=6, unique_by=id)) if actions else []
    # Usually supply what argparse requires, with a valid choice, so the command reaches lrp_core.
    must = [a for a in actions if a.required and a not in chosen]
    if network and not any(a in chosen for a in network):
        must.insert(0, network[0])
    good = {id(a) for a in must}
    chosen = [a for a in must if draw(st.integers(0, 5)) > 0] + chosen
    for action in chosen:
        opt = draw(st.sampled_from(action.option_strings))
        if action.nargs == 0:
            argv.append(opt)
            continue
        options: list[st.SearchStrategy[str]] = [st.sampled_from(NUMBERS)] * 3 + [ARG_TEXT]
        if action.choices:
            options += [st.sampled_from([str(c) for c in action.choices])] * (30 if id(action) in good else 3)
        if action.option_strings and any(s in ("--network", "--data") for s in action.option_strings):
            options += [st.sampled_from(files)] * 3
        value = draw(st.one_of(*options))
        argv += [f"{opt}={value}"] if draw(st.integers(0, 5)) == 0 else [opt, value]
    if draw(st.integers(0, 5)) == 0:
        argv.insert(draw(st.integers(1, len(argv))), draw(junk))
    return argv


def run_in_process(argv: list[str]) -> tuple[int, str, str]:
    """``main(argv)`` with stdout/stderr captured; any exception but SystemExit propagates."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code: Any = main(argv)
        except SystemExit as exc:
            code = exc.code
    return (0 if code is None else int(code)), out.getvalue(), err.getvalue()


def assert_contract(code: int, stderr: str, argv: list[str]) -> None:
    assert "Traceback" not in stderr, f"{argv}: traceback on stderr"
    assert code in (0, 2), f"{argv}: exit code {code}"
    if code == 2:
        assert stderr.endswith("\n") and stderr.count("\n") == 1, f"{argv}: stderr is not one line: {stderr!r}"
        assert stderr.strip(), f"{argv}: exit 2 with an empty message"


@pytest.mark.timeout(120)
def test_cli_fuzz_never_crashes(files: list[str]) -> None:
    @FUZZ
    @given(argv=argv_strategy(files))
    def inner(argv: list[str]) -> None:
        code, _out, err = run_in_process(argv)
        assert_contract(code, err, argv)

    inner()


@pytest.mark.parametrize("name", [*sorted(FILE_CONTENTS), "model.pt", "a-directory", "missing.json"])
def test_network_file_contract(files: list[str], name: str) -> None:
    path = next(f for f in files if f.endswith("/" + name))
    code, out, err = run_in_process(["network", "--network", path, "--json"])
    assert_contract(code, err, ["network", path])
    if name in ("valid.json", "dtd.json"):
        assert code == 0 and json.loads(out)["layers"]
    else:
        assert code == 2


def test_file_and_parser_error_paths(files: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    """The error paths the subprocess smoke runs too (tests/test_cli_smoke.py), in process."""
    path = {Path(f).name: f for f in files}
    bad = [
        ["network", "--preset", "no-such-net"],  # argparse's own error path
        ["network", "--network", path["model.pt"]],  # a torch.save zip: refused unread
        ["network", "--network", "caf\udce9.json"],  # a non-UTF-8 file name (surrogateescape)
    ]
    for args in bad:
        code, out, err = run_main(capsys, *args)
        assert code == 2, (args, code, err)
        assert err.count("\n") == 1 and err.strip(), (args, err)
        assert out == ""
    code, out, err = run_main(capsys, "network", "--preset", "ancona-max", "--json")
    assert code == 0 and err == ""
    assert json.loads(out)["name"] == "ancona-max"
