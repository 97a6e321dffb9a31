"""The package as a user installs it: build the wheel, install it into a fresh
virtual environment outside the checkout, and use it from there: the console
script (presets, a root computation, serve) and the notebook API (the example
in examples/, run from a temporary folder).

Installing torch, scipy, pandas and Streamlit into a new environment takes
minutes, so the new environment gets them from this test run's own
environment through one ``.pth`` line (a plain path: the checkout's editable
install, which lives there as an import hook, is not activated by it). The
wheel itself is installed with ``--no-deps --no-index``; the test then checks
that every pinned dependency the wheel declares is satisfied, and that
``lrp_core`` and ``lrp_explorer`` are imported from the new environment.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import time
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

import pytest

from tests.conftest import ROOT, free_port
from tests.test_api import check_example_output

SOURCES = ("pyproject.toml", "requirements.txt", "lrp_core", "lrp_explorer")


def _run(argv: list[str], cwd: Path, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env)


def _package_files(root: Path) -> set[str]:
    """Every file of the two packages in the checkout (not caches)."""
    out = set()
    for pkg in ("lrp_core", "lrp_explorer"):
        for path in (root / pkg).rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
                out.add(path.relative_to(root).as_posix())
    return out


@pytest.fixture(scope="module")
def src(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the sources (the build leaves the checkout clean)."""
    src = tmp_path_factory.mktemp("src")
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, src / name, ignore=ignore)
        else:
            shutil.copy2(ROOT / name, src / name)
    return src


@pytest.fixture(scope="module")
def wheel(src: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel built from the copy."""
    dist = tmp_path_factory.mktemp("dist")
    res = _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                str(src), "-w", str(dist)], cwd=src)
    assert res.returncode == 0, res.stderr
    (whl,) = dist.glob("lrp_explorer-*.whl")
    return whl


@pytest.fixture(scope="module")
def venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment, outside the checkout, with the wheel installed."""
    env_dir = tmp_path_factory.mktemp("venv") / "env"
    res = _run([sys.executable, "-m", "venv", "--without-pip", str(env_dir)], cwd=env_dir.parent)
    assert res.returncode == 0, res.stderr
    py = env_dir / "bin" / "python"
    site = _run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                cwd=env_dir.parent).stdout.strip()
    deps = sysconfig.get_paths()["purelib"]
    Path(site, "zz_test_dependencies.pth").write_text(deps + "\n")
    res = _run([sys.executable, "-m", "pip", "--python", str(py), "install", "-q", "--no-deps",
                "--no-index", str(wheel)], cwd=env_dir.parent)
    assert res.returncode == 0, res.stderr
    return env_dir


def test_the_wheel_ships_every_file_of_both_packages(src: Path, wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
    missing = _package_files(src) - names
    assert not missing, f"not in the wheel: {sorted(missing)}"
    assert {"lrp_explorer/app.py", "lrp_explorer/views/home.py", "lrp_core/data/dtd-mlp.json"} <= names
    (entry_points,) = [n for n in names if n.endswith(".dist-info/entry_points.txt")]
    with zipfile.ZipFile(wheel) as zf:
        assert "lrp-explorer = lrp_core.cli:main" in zf.read(entry_points).decode()


def test_installed_package_imports_from_the_new_environment(venv: Path) -> None:
    code = (
        "import json, importlib.metadata as md, lrp_core, lrp_explorer\n"
        "from packaging.requirements import Requirement\n"
        "reqs = md.requires('lrp-explorer')\n"
        "bad = [r for r in reqs if not Requirement(r).specifier.contains(md.version(Requirement(r).name))]\n"
        "print(json.dumps({'core': lrp_core.__file__, 'app': lrp_explorer.__file__,\n"
        "                  'reqs': reqs, 'bad': bad}))\n"
    )
    res = _run([str(venv / "bin" / "python"), "-c", code], cwd=venv.parent)
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    for key in ("core", "app"):
        assert Path(out[key]).resolve().is_relative_to(venv.resolve()), out[key]
    pins = [line.strip() for line in (ROOT / "requirements.txt").read_text().splitlines() if line.strip()]
    assert sorted(out["reqs"]) == sorted(pins)
    assert out["bad"] == []


def test_console_script_presets_and_roots_outside_the_checkout(
    venv: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    exe = str(venv / "bin" / "lrp-explorer")
    helps = [_run(argv, cwd=venv.parent).stdout for argv in ([exe, "--help"],
                                                              [str(venv / "bin" / "python"), "-m", "lrp_core", "--help"])]
    assert "{attribute,decompose," in helps[0] and "serve" in helps[0]
    # the same subcommands and help text; only the program name differs
    assert helps[0].replace("lrp-explorer", "PROG").split() == helps[1].replace("python -m lrp_core", "PROG").split()
    res = _run([exe, "presets", "--json"], cwd=venv.parent)
    assert res.returncode == 0, res.stderr
    names = [row["name"] for row in json.loads(res.stdout)["presets"]]
    assert {"ancona-max", "dtd-mlp", "plane-2-8-8-1", "xor-2-4-1"} <= set(names)

    args = ["roots", "--preset", "dtd-mlp", "--finder", "exact", "--output", "0", "--json"]
    res = _run([exe, *args], cwd=venv.parent)
    assert res.returncode == 0, res.stderr
    installed = json.loads(res.stdout)
    from lrp_core.cli import main  # the checkout's library, in this process

    assert main(args) == 0
    expected = json.loads(capsys.readouterr().out)
    for out in (installed, expected):
        out.pop("seconds", None)
    assert installed == expected
    assert installed["roots"] and installed["finder"] == "exact"

    res = _run([exe, "roots", "--preset", "no-such-net", "--json"], cwd=venv.parent)
    assert res.returncode == 2 and res.stderr.startswith("error:") and "Traceback" not in res.stderr


def test_serve_answers_health_from_the_installed_package(venv: Path) -> None:
    port = free_port()
    exe = str(venv / "bin" / "lrp-explorer")
    printed = _run([exe, "serve", "--port", str(port), "--print-command"], cwd=venv.parent).stdout
    assert str((venv / "lib").resolve()) in printed and "--server.maxUploadSize=1" in printed
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    proc = subprocess.Popen([exe, "serve", "--port", str(port), "--address", "127.0.0.1"],
                            cwd=venv.parent, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        body = b""
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as r:
                    body = r.read()
                    break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.25)  # polling until the server answers (bounded by the deadline)
        assert body == b"ok", f"no health answer; exit code {proc.poll()}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_notebook_api_outside_the_checkout(venv: Path, tmp_path: Path) -> None:
    script = tmp_path / "notebook.py"
    shutil.copy2(ROOT / "examples" / "notebook.py", script)
    probe = "import lrp_core, sys; print(lrp_core.__file__)\n"
    script.write_text(script.read_text() + "\n" + probe)
    res = _run([str(venv / "bin" / "python"), str(script)], cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    check_example_output(res.stdout)
    core_file = Path(res.stdout.splitlines()[-1])
    assert core_file.resolve().is_relative_to(venv.resolve()) and not core_file.resolve().is_relative_to(ROOT)


def test_installed_app_renders_its_home_page(venv: Path) -> None:
    """Streamlit's AppTest runs the installed app script (from site-packages) in the new environment."""
    code = (
        "import json\n"
        "from streamlit.testing.v1 import AppTest\n"
        "from lrp_core.serve import app_path\n"
        "at = AppTest.from_file(str(app_path()), default_timeout=120).run()\n"
        "print(json.dumps({'app': str(app_path()), 'exceptions': [e.value for e in at.exception],\n"
        "                  'titles': [t.value for t in at.title]}))\n"
    )
    res = _run([str(venv / "bin" / "python"), "-c", code], cwd=venv.parent)
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout.splitlines()[-1])
    assert Path(out["app"]).resolve().is_relative_to(venv.resolve())
    assert out["exceptions"] == [] and out["titles"] == ["LRP Explorer"]
