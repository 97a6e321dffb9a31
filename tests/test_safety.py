"""Safety checks over the code base and the loaders (issue 6, sections 2 and 4).

- a pickle or a ``.pt`` (zip) upload is refused without being deserialised
  (a booby-trapped pickle would create a directory if it were ever loaded,
  and every unpickling entry point is replaced by a tripwire);
- no ``eval``/``exec``/``compile`` and no unpickling anywhere in the app code;
- nothing writes files (the app has no reason to);
- ``.streamlit/config.toml`` keeps XSRF protection on and caps uploads;
  every ``st.file_uploader`` restricts its types to JSON/CSV text;
- ``lrp_core`` (and ``figures``) never import Streamlit (checked in a fresh
  interpreter);
- no global seeding, no global-RNG draws, no ``st.cache_resource``, no
  ``global`` statements, and module-level containers are never mutated.
"""

from __future__ import annotations

import ast
import base64
import io
import json
import os
import pickle
import subprocess
import sys
import tomllib
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import torch

from lrp_core.errors import LRPError
from lrp_core.io import load_network_json, parse_json

ROOT = Path(__file__).resolve().parent.parent
APP_DIRS = ("lrp_core", "lrp_explorer/views", "lrp_explorer/ui", "lrp_explorer/figures")
LIBRARY_DIRS = ("lrp_core", "lrp_explorer/ui", "lrp_explorer/figures")  # imported once per server: shared by every session


def app_files(dirs: tuple[str, ...] = APP_DIRS) -> list[Path]:
    missing = [d for d in dirs if not (ROOT / d).is_dir()]
    assert not missing, f"the scan would silently skip {missing}: a folder was moved"
    files = [p for d in dirs for p in sorted((ROOT / d).rglob("*.py"))]
    if "lrp_explorer/views" in dirs:
        files.append(ROOT / "lrp_explorer" / "app.py")
    return files


def parsed(dirs: tuple[str, ...] = APP_DIRS) -> Iterator[tuple[Path, ast.Module]]:
    for path in app_files(dirs):
        yield path, ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def calls(tree: ast.AST) -> Iterator[tuple[ast.Call, str]]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            yield node, ast.unparse(node.func)


def where(path: Path, node: ast.AST) -> str:
    return f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', '?')}"


# --- pickles and .pt files ---------------------------------------------------------


class _Trap:
    """Unpickling this creates ``marker`` (a directory): proof that a pickle was loaded."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, tuple[str]]:
        return (os.mkdir, (self.marker,))


@pytest.fixture
def tripwires(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every way to deserialise a pickle now fails the test loudly."""

    def boom(*_a: Any, **_k: Any) -> Any:
        raise AssertionError("something tried to unpickle user data")

    monkeypatch.setattr(pickle, "loads", boom)
    monkeypatch.setattr(pickle, "load", boom)
    monkeypatch.setattr(pickle, "Unpickler", boom)
    monkeypatch.setattr(torch, "load", boom)


def hostile_uploads(marker: Path) -> dict[str, bytes]:
    trap = pickle.dumps(_Trap(str(marker)), protocol=2)
    buf = io.BytesIO()
    torch.save({"weight": torch.eye(2), "trap": _Trap(str(marker))}, buf)  # a real .pt archive
    zbuf = io.BytesIO()
    with zipfile.ZipFile(zbuf, "w") as z:
        z.writestr("net.json", "{}")
    return {
        "pickle": trap,
        "pickle-protocol-0": pickle.dumps(_Trap(str(marker)), protocol=0),  # text-like, no \x80 header
        "pt": buf.getvalue(),
        "zip": zbuf.getvalue(),
        "npy": b"\x93NUMPY\x01\x00" + b"{'descr': '|O'}",
    }


def test_pickle_and_pt_uploads_are_refused_unread(tmp_path: Path, tripwires: None) -> None:
    from lrp_core.datasets import parse_csv
    from lrp_core.urlstate import decode_network

    marker = tmp_path / "unpickled"
    for name, data in hostile_uploads(marker).items():
        with pytest.raises(LRPError) as info:
            load_network_json(data)
        assert str(info.value), name
        with pytest.raises(LRPError):
            parse_csv(data, 2, 1)
        link = "1." + base64.urlsafe_b64encode(zlib.compress(data)).rstrip(b"=").decode()
        with pytest.raises(LRPError):
            decode_network({"net": link})
    assert not marker.exists()


def test_binary_uploads_name_what_they_are() -> None:
    uploads = hostile_uploads(Path("/nonexistent/never-created"))
    with pytest.raises(LRPError, match="pickle"):
        load_network_json(uploads["pickle"])
    with pytest.raises(LRPError, match=r"\.pt"):
        load_network_json(uploads["pt"])


def test_cli_refuses_a_pt_file_unread(tmp_path: Path, tripwires: None, capsys: pytest.CaptureFixture[str]) -> None:
    from lrp_core.cli import main

    marker = tmp_path / "unpickled"
    uploads = hostile_uploads(marker)
    for name in ("pt", "pickle"):
        path = tmp_path / f"evil.{name}"
        path.write_bytes(uploads[name])
        assert main(["network", "--network", str(path)]) == 2
        assert main(["attribute", "--preset", "ancona-max", "--method", "apoz", "--data", str(path)]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 2 and "Traceback" not in err
    assert not marker.exists()


def test_nothing_in_the_app_can_unpickle_or_eval() -> None:
    banned = {"eval", "exec", "compile", "__import__", "pickle.load", "pickle.loads", "pickle.Unpickler",
              "torch.load", "np.load", "numpy.load", "joblib.load", "yaml.load", "marshal.loads", "os.system",
              "os.popen", "dill.load", "dill.loads", "shelve.open"}
    found = [f"{where(p, n)} {name}" for p, tree in parsed() for n, name in calls(tree) if name in banned]
    imports = [
        where(p, n)
        for p, tree in parsed()
        for n in ast.walk(tree)
        if (isinstance(n, ast.Import)
            and any(a.name.split(".")[0] in ("pickle", "dill", "joblib", "marshal", "shelve") for a in n.names))
        or (isinstance(n, ast.ImportFrom) and (n.module or "").split(".")[0] in ("pickle", "dill", "joblib"))
    ]
    assert not found, found
    assert not imports, imports


# The places that write: ``lrp-explorer train --out FILE`` writes the trained network where the
# user asked (a CLI run, never the app), and the benchmarks' script-time log is appended to the file
# the operator's environment variable LRP_EXPLORER_TIMING names (unset: nothing is written).
ALLOWED_WRITERS = {"lrp_core/commands/train.py", "lrp_explorer/ui/timing.py"}


def test_nothing_in_the_app_writes_files() -> None:
    bad: list[str] = []
    for path, tree in parsed():
        if str(path.relative_to(ROOT)) in ALLOWED_WRITERS:
            continue
        for node, name in calls(tree):
            last = name.split(".")[-1]
            if last in ("write_text", "write_bytes", "save", "savez", "mkdir", "rmtree", "unlink"):
                bad.append(f"{where(path, node)} {name}")
            if "." in name and last in ("to_csv", "to_json", "write_image", "write_html") and (
                node.args or any(k.arg in ("path_or_buf", "file") for k in node.keywords)
            ):  # without a path these return text for st.download_button
                bad.append(f"{where(path, node)} {name} to a file")
            if last == "open":
                mode = node.args[1] if len(node.args) > 1 else next(
                    (k.value for k in node.keywords if k.arg == "mode"), None)
                text = mode.value if isinstance(mode, ast.Constant) and isinstance(mode.value, str) else "r"
                if (mode is not None and not isinstance(mode, ast.Constant)) or any(c in text for c in "wax+"):
                    bad.append(f"{where(path, node)} open(mode={ast.unparse(mode) if mode else 'r'})")
    assert not bad, bad


# --- configuration -------------------------------------------------------------------


def test_streamlit_config_keeps_xsrf_on_and_caps_uploads() -> None:
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    server = config.get("server", {})
    assert server.get("enableXsrfProtection", True) is True
    assert server.get("enableCORS", True) is True
    assert isinstance(server.get("maxUploadSize"), int) and 1 <= server["maxUploadSize"] <= 5


LOADERS = {"load_network_json", "update_data", "parse_csv"}


def test_every_uploader_feeds_a_text_loader() -> None:
    """Uploaders take any file (a browser-side type filter would refuse a .pkl with a bare red icon,
    issue 12 item 15): what protects the app is that an upload's bytes only ever reach our JSON/CSV
    loaders, which refuse pickles, zip archives and binary data by their first bytes with a message
    (tests/test_io.py, the loaders' fuzzing). A type filter, where one is set, names text types only."""
    found = 0
    for path, tree in parsed(("lrp_explorer/views", "lrp_explorer/ui")):
        names = {name.split(".")[-1] for _, name in calls(tree)}
        for node, name in calls(tree):
            if name.endswith("file_uploader"):
                found += 1
                assert names & LOADERS, f"{where(path, node)}: an uploader whose bytes reach none of {LOADERS}"
                kw = {k.arg: k.value for k in node.keywords}
                if "type" in kw:
                    assert set(ast.literal_eval(kw["type"])) <= {"json", "csv", "txt"}, where(path, node)
    assert found >= 2  # the editor's network import and the importance page's CSV


def test_json_nesting_and_size_are_capped_before_parsing() -> None:
    with pytest.raises(LRPError, match="nested"):
        parse_json("[" * 200_000)  # never reaches json.loads (no RecursionError)
    with pytest.raises(LRPError, match="cap"):
        parse_json(b"1" * 2_000_000)


# --- Streamlit stays out of the library ---------------------------------------------


def test_lrp_core_and_figures_never_import_streamlit() -> None:
    code = """
import importlib, json, pkgutil, sys
import lrp_core
import lrp_explorer.figures as figures
names = []
for pkg in (lrp_core, figures):
    for info in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + "."):
        if info.name == "lrp_core.__main__":
            continue
        importlib.import_module(info.name)
        names.append(info.name)
print(json.dumps({"modules": names, "streamlit": sorted(m for m in sys.modules if m.split(".")[0] == "streamlit")}))
"""
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=180)
    assert r.returncode == 0, r.stderr
    result = json.loads(r.stdout.strip().splitlines()[-1])
    assert "lrp_core.network" in result["modules"] and "lrp_core.cli" in result["modules"]
    assert result["streamlit"] == []


# --- shared state and randomness ------------------------------------------------------------

MUTATORS = {"append", "extend", "insert", "pop", "popitem", "remove", "clear", "update", "setdefault", "add",
            "discard", "sort", "reverse", "__setitem__", "__delitem__"}
RNG_DRAWS = {"rand", "randn", "randint", "randperm", "normal", "bernoulli", "multinomial", "poisson",
             "rand_like", "randn_like", "randint_like"}


def _module_containers(tree: ast.Module) -> set[str]:
    names: set[str] = set()
    for node in tree.body:
        value = node.value if isinstance(node, (ast.Assign, ast.AnnAssign)) else None
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) else []
        mutable = isinstance(value, (ast.List, ast.Dict, ast.Set, ast.ListComp, ast.DictComp, ast.SetComp)) or (
            isinstance(value, ast.Call) and ast.unparse(value.func).split(".")[-1]
            in ("list", "dict", "set", "defaultdict", "deque", "Counter", "OrderedDict", "bytearray")
        )
        if mutable:
            names |= {t.id for t in targets if isinstance(t, ast.Name)}
    return names


def test_no_module_level_state_is_mutated() -> None:
    """Library modules are imported once per server and shared by every session:
    their module-level containers must be constants (never mutated, never rebound)."""
    containers: dict[str, set[str]] = {}
    for path, tree in parsed(LIBRARY_DIRS):
        containers[path.stem] = _module_containers(tree)
        for node in ast.walk(tree):
            assert not isinstance(node, ast.Global), f"{where(path, node)}: 'global' rebinds module state"
    every_name = set().union(*containers.values()) - {"__all__"}
    bad: list[str] = []
    for path, tree in parsed():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                base = node.func.value
                if isinstance(base, ast.Name) and base.id in every_name and node.func.attr in MUTATORS:
                    bad.append(f"{where(path, node)} {ast.unparse(node)[:60]}")
            targets: list[ast.expr] = []
            if isinstance(node, (ast.Assign, ast.Delete)):
                targets = list(node.targets)
            elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
                targets = [node.target]
            for t in targets:
                if isinstance(t, ast.Subscript) and isinstance(t.value, ast.Name) and t.value.id in every_name:
                    bad.append(f"{where(path, node)} {ast.unparse(node)[:60]}")
    assert not bad, bad


def test_no_global_seeding_and_every_draw_has_a_generator() -> None:
    bad: list[str] = []
    for path, tree in parsed():
        for node, name in calls(tree):
            parts = name.split(".")
            if name in ("torch.manual_seed", "torch.random.manual_seed", "torch.seed", "torch.cuda.manual_seed",
                        "np.random.seed", "numpy.random.seed", "random.seed", "torch.set_rng_state"):
                bad.append(f"{where(path, node)} {name}: global seeding")
            elif parts[0] == "torch" and parts[-1] in RNG_DRAWS and not any(k.arg == "generator" for k in node.keywords):
                bad.append(f"{where(path, node)} {name} without generator=")
            elif parts[:2] in (["np", "random"], ["numpy", "random"]) and parts[-1] not in ("default_rng", "Generator",
                                                                                           "PCG64", "SeedSequence"):
                bad.append(f"{where(path, node)} {name}: numpy's global RNG")
            elif parts[0] == "random" and len(parts) == 2 and parts[1] != "Random":
                bad.append(f"{where(path, node)} {name}: Python's global RNG")
            elif name in ("np.random.default_rng", "numpy.random.default_rng") and not node.args and not node.keywords:
                bad.append(f"{where(path, node)} {name}() unseeded")
    assert not bad, bad


def test_nothing_is_kept_in_cache_resource() -> None:
    used = [
        where(p, n) for p, tree in parsed() for n in ast.walk(tree)
        if isinstance(n, ast.Attribute) and n.attr in ("cache_resource", "experimental_singleton")
    ]
    assert not used, f"st.cache_resource holds one object shared by all sessions: {used}"
