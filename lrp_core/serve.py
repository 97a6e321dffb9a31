"""``lrp-explorer serve``: start the Streamlit app from the installed package.

An installed package has no checkout, so Streamlit would not find the
checkout's ``.streamlit/config.toml``; the same settings are passed as
command-line flags instead (``SETTINGS``; a test keeps them equal to the
checkout's file). Streamlit is started as its own process image (``exec`` of
``python -m streamlit run``), so ``lrp_core`` itself never imports Streamlit.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

from lrp_core.errors import LRPError

# The app's settings, flattened as ``section.key``: the same as .streamlit/config.toml.
SETTINGS: dict[str, object] = {
    "server.maxUploadSize": 1,
    "server.enableXsrfProtection": True,
    "server.headless": True,
    "browser.gatherUsageStats": False,
    "runner.magicEnabled": False,
    "runner.postScriptGC": False,
    "theme.primaryColor": "#1f6feb",
    "client.toolbarMode": "viewer",
}
# Only for the installed app: nobody edits site-packages, so no file watcher.
INSTALLED_ONLY: dict[str, object] = {"server.fileWatcherType": "none"}


def _flag_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def app_path() -> Path:
    """The installed ``lrp_explorer/app.py`` (found without importing the app)."""
    spec = importlib.util.find_spec("lrp_explorer")
    if spec is None or not spec.submodule_search_locations:
        raise LRPError("the lrp_explorer package is not installed")
    path = Path(next(iter(spec.submodule_search_locations))) / "app.py"
    if not path.is_file():
        raise LRPError(f"the app's entry point is missing: {path}")
    return path


def command(port: int, address: str | None = None) -> list[str]:
    """The ``python -m streamlit run`` command line that serves the app."""
    if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
        raise LRPError(f"--port must be a whole number from 1 to 65535, not {port!r}")
    argv = [sys.executable, "-m", "streamlit", "run", str(app_path())]
    settings = {**SETTINGS, **INSTALLED_ONLY, "server.port": port}
    if address is not None:
        settings["server.address"] = address
    for key, value in settings.items():
        argv.append(f"--{key}={_flag_value(value)}")
    return argv


def serve(port: int, address: str | None = None) -> None:
    """Replace this process with the Streamlit server (returns only on failure)."""
    argv = command(port, address)
    if importlib.util.find_spec("streamlit") is None:
        raise LRPError("serving the app needs streamlit; install the package with its dependencies")
    sys.stdout.flush()
    sys.stderr.flush()
    try:
        os.execv(argv[0], argv)
    except OSError as exc:
        raise LRPError(f"cannot start streamlit: {exc.strerror or exc}") from None
