"""The CLI imports lazily (issue 13): ``main`` builds only the parser of the
subcommand it runs, and ``presets`` runs without torch, NumPy, SciPy, pandas
or Streamlit. Import state is per process, so the import checks run in one
fresh interpreter each."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

import pytest

from lrp_core.cli import build_parser, command_names
from tests.conftest import ROOT

HEAVY = ("torch", "numpy", "scipy", "pandas", "streamlit")


def _subcommands(parser: argparse.ArgumentParser) -> set[str]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return set(action.choices)
    raise AssertionError("no subcommands")


@pytest.mark.parametrize("name", command_names())
def test_every_command_module_registers_its_own_name(name: str) -> None:
    """``main`` picks a module by the subcommand's name: module and subcommand must match one to one."""
    assert _subcommands(build_parser(only=name)) == {name}


def test_the_full_parser_has_every_command() -> None:
    assert _subcommands(build_parser()) == set(command_names())


def _heavy_after(code: str) -> list[str]:
    script = f"import sys\n{code}\nprint(sorted(m for m in {HEAVY!r} if m in sys.modules))"
    res = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout.strip().splitlines()[-1].replace("'", '"'))


def test_presets_imports_nothing_heavy() -> None:
    code = ("import contextlib, io\nfrom lrp_core.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n    assert main(['presets', '--json']) == 0")
    assert _heavy_after(code) == []


def test_command_modules_import_nothing_heavy_at_module_level() -> None:
    code = ("import importlib\nfrom lrp_core.cli import command_names\n"
            "for n in command_names():\n    importlib.import_module('lrp_core.commands.' + n)")
    assert _heavy_after(code) == []
