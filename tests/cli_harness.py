"""Run the command line in-process (``lrp_core.cli.main``), as a subprocess would see it."""

from __future__ import annotations

import pytest

from lrp_core.cli import main


def run_main(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """``(exit code, stdout, stderr)`` of ``python -m lrp_core ARGS``, in this process.

    argparse's own errors raise SystemExit; its code is the exit code. Any
    other exception propagates and fails the test (a subprocess would print a
    traceback)."""
    capsys.readouterr()  # drop anything printed before
    try:
        code = main(list(args))
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    out, err = capsys.readouterr()
    return code, out, err
