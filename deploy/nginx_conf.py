"""The nginx configuration in front of the app's replicas, generated.

``render`` fills ``deploy/nginx.conf.template``: one public port, an upstream
of the replicas' loopback ports with sticky sessions (a cookie the proxy sets;
see the template) and websocket upgrade. Everything nginx writes (pid, error
log, temp files) goes to ``run_dir``, so it never touches the system's nginx.
``check`` runs ``nginx -t`` on a written file.
"""

from __future__ import annotations

import grp
import os
import pwd
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

TEMPLATE = Path(__file__).with_name("nginx.conf.template")
COOKIE = "lrp_route"
TEMP_DIRS = ("body", "proxy", "fastcgi", "uwsgi", "scgi")
WORKER_USER = "nobody"


def nginx_binary() -> str | None:
    """The nginx executable (``/usr/sbin`` is not always on a user's PATH)."""
    return shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(p, os.X_OK)), None)


def render(listen: str, replicas: Sequence[str], run_dir: Path) -> str:
    """The configuration text: ``listen`` (e.g. ``"8501"`` or ``"127.0.0.1:8501"``)
    in front of ``replicas`` (``host:port`` each)."""
    if not replicas:
        raise ValueError("at least one replica is needed")
    servers = "\n".join(f"        server {r} max_fails=1 fail_timeout=5s;" for r in replicas)
    # as root the workers drop to an unprivileged user, which must own the temp dirs
    user = f"user {WORKER_USER} {_group_of(WORKER_USER)};" if os.geteuid() == 0 else ""
    text = TEMPLATE.read_text()
    for name, value in {"__USER__": user, "__RUN__": str(run_dir), "__LISTEN__": listen,
                        "__SERVERS__": servers, "__COOKIE__": COOKIE,
                        "__REPLICAS__": str(len(replicas))}.items():
        text = text.replace(name, value)
    return text


def write(listen: str, replicas: Sequence[str], run_dir: Path) -> Path:
    """Write ``run_dir/nginx.conf`` and the temp folders it names; return its path."""
    run_dir.mkdir(parents=True, exist_ok=True)
    for d in TEMP_DIRS:
        (run_dir / "tmp" / d).mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            entry = pwd.getpwnam(WORKER_USER)
            os.chown(run_dir / "tmp" / d, entry.pw_uid, entry.pw_gid)
    path = run_dir / "nginx.conf"
    path.write_text(render(listen, replicas, run_dir))
    return path


def command(conf: Path, *args: str) -> list[str]:
    """``nginx`` with its prefix and start-up error log in the run folder."""
    binary = nginx_binary()
    if binary is None:
        raise FileNotFoundError("nginx is not installed (make nginx installs Debian's package)")
    run_dir = conf.parent
    return [binary, "-p", str(run_dir), "-e", str(run_dir / "error.log"), "-c", str(conf), *args]


def check(conf: Path) -> subprocess.CompletedProcess[str]:
    """``nginx -t`` on ``conf`` (returncode 0 when the configuration is valid)."""
    return subprocess.run(command(conf, "-t"), capture_output=True, text=True, timeout=30)


def _group_of(user: str) -> str:
    return grp.getgrgid(pwd.getpwnam(user).pw_gid).gr_name
