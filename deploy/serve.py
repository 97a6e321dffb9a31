"""N app replicas behind nginx on one port: ``make serve REPLICAS=N`` / ``make stop``.

``python deploy/serve.py start --replicas N --port P`` starts N ``streamlit run
lrp_explorer/app.py`` processes on loopback ports P+1 … P+N, writes the nginx
configuration (:mod:`deploy.nginx_conf`), checks it with ``nginx -t``, starts
nginx on port P in the foreground of its own session (not the system's nginx:
its own prefix, pid file and logs in the run folder), waits until the app
answers through the proxy, and returns. Every process's pid is in a
``*.pid`` file in the run folder; ``python deploy/serve.py stop --port P``
ends them. The replicas share one cookie secret (made per start), so a cookie
signed by one replica is valid on the others after a failover.
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from deploy import nginx_conf

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "lrp_explorer" / "app.py"
START_TIMEOUT = 120.0


def run_dir_for(port: int) -> Path:
    return Path(os.environ.get("LRP_RUN_DIR") or Path(tempfile.gettempdir()) / f"lrp-explorer-serve-{port}")


def replica_command(port: int) -> list[str]:
    return [sys.executable, "-m", "streamlit", "run", str(APP),
            "--server.port", str(port), "--server.address", "127.0.0.1",
            "--server.headless", "true", "--browser.gatherUsageStats", "false",
            "--server.fileWatcherType", "none"]


@dataclass
class Deployment:
    """``replicas`` app processes and one nginx, all under ``run_dir``."""

    port: int
    replicas: int = 1
    listen_host: str = ""  # "" = every interface, "127.0.0.1" for tests and benchmarks
    run_dir: Path = field(default_factory=Path)
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.run_dir == Path():
            self.run_dir = run_dir_for(self.port)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def replica_ports(self) -> list[int]:
        return [self.port + 1 + k for k in range(self.replicas)]

    def start(self) -> None:
        if live_pids(self.run_dir):
            raise RuntimeError(f"already running (pid files in {self.run_dir}); `make stop PORT={self.port}` first")
        self.run_dir.mkdir(parents=True, exist_ok=True)
        # Streamlit takes the secret only from its config file or the environment
        env = {"STREAMLIT_SERVER_COOKIE_SECRET": secrets.token_hex(32)}
        try:
            for p in self.replica_ports:
                self._spawn(f"replica-{p}", replica_command(p), cwd=ROOT, env=env)
            for p in self.replica_ports:
                wait_healthy(f"http://127.0.0.1:{p}", self.procs[f"replica-{p}"])
            listen = f"{self.listen_host}:{self.port}" if self.listen_host else str(self.port)
            conf = nginx_conf.write(listen, [f"127.0.0.1:{p}" for p in self.replica_ports], self.run_dir)
            checked = nginx_conf.check(conf)
            if checked.returncode != 0:
                raise RuntimeError(f"nginx -t failed:\n{checked.stderr}")
            self._spawn("proxy", nginx_conf.command(conf), cwd=self.run_dir)
            wait_healthy(self.url, self.procs["proxy"])
        except BaseException:
            self.stop()
            raise

    def _spawn(self, name: str, cmd: list[str], *, cwd: Path, env: dict[str, str] | None = None) -> None:
        log = open(self.run_dir / f"{name}.log", "wb")
        env = dict(os.environ, PYTHONUNBUFFERED="1", **(env or {}))
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
        log.close()
        self.procs[name] = proc
        (self.run_dir / f"{name}.pid").write_text(f"{proc.pid}\n")

    def replica_pids(self) -> list[int]:
        return [self.procs[f"replica-{p}"].pid for p in self.replica_ports if f"replica-{p}" in self.procs]

    def busiest_replica(self) -> int:
        """The index of the replica with the most open connections (its websockets)."""
        counts = [established(p) for p in self.replica_ports]
        return counts.index(max(counts))

    def kill_replica(self, index: int) -> int:
        """SIGKILL replica ``index`` (as a crash would); return its pid."""
        name = f"replica-{self.replica_ports[index]}"
        proc = self.procs.pop(name)
        proc.kill()
        proc.wait(timeout=10)
        (self.run_dir / f"{name}.pid").unlink(missing_ok=True)
        return proc.pid

    def stop(self) -> None:
        stop_dir(self.run_dir)
        for proc in self.procs.values():
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
        self.procs.clear()


def established(port: int) -> int:
    """Open TCP connections to local ``port`` (from ``/proc/net/tcp``, state 01)."""
    n = 0
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        local, _remote, st = line.split()[1:4]
        if st == "01" and int(local.rsplit(":", 1)[1], 16) == port:
            n += 1
    return n


def wait_healthy(url: str, proc: subprocess.Popen[bytes], timeout: float = START_TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args[0]} exited during start-up (code {proc.returncode})")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)  # polling the health endpoint until it answers
    raise RuntimeError(f"{url} did not become healthy within {timeout:.0f} s")


def _ours(pid: int) -> bool:
    """The pid is still one of our processes (not a recycled number)."""
    try:
        cmd = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    return b"streamlit" in cmd or b"nginx" in cmd


def live_pids(run_dir: Path) -> dict[Path, int]:
    out = {}
    for f in sorted(run_dir.glob("*.pid")) if run_dir.is_dir() else []:
        try:
            pid = int(f.read_text().split()[0])
        except (ValueError, IndexError):
            continue
        if _ours(pid):
            out[f] = pid
    return out


def stop_dir(run_dir: Path, timeout: float = 15.0) -> list[int]:
    """End every process named by a pid file in ``run_dir`` (TERM, then KILL)."""
    pids = sorted(set(live_pids(run_dir).values()))  # nginx.pid and proxy.pid name the same process
    _signal(pids, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and any(_ours(p) and not _zombie(p) for p in pids):
        time.sleep(0.1)  # waiting for the processes to exit
    _signal([p for p in pids if _ours(p) and not _zombie(p)], signal.SIGKILL)
    for f in run_dir.glob("*.pid") if run_dir.is_dir() else []:
        f.unlink(missing_ok=True)
    return pids


def _signal(pids: list[int], sig: int) -> None:
    for pid in pids:
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            pass


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="deploy/serve.py", description=__doc__.split("\n")[0])
    ap.add_argument("action", choices=["start", "stop"])
    ap.add_argument("--port", type=int, default=8501, help="the public port (nginx)")
    ap.add_argument("--replicas", type=int, default=1, help="app processes behind nginx (ports PORT+1 …)")
    ap.add_argument("--listen-host", default="", help="address nginx listens on (default: every interface)")
    args = ap.parse_args(argv)
    if args.action == "stop":
        pids = stop_dir(run_dir_for(args.port))
        print(f"stopped {len(pids)} process(es)" if pids else f"nothing running on port {args.port}")
        return 0
    if not 1 <= args.replicas <= 32:
        ap.error("--replicas must be between 1 and 32")
    dep = Deployment(args.port, args.replicas, args.listen_host)
    dep.start()
    print(f"LRP Explorer: {args.replicas} replica(s) behind nginx at http://localhost:{args.port} "
          f"(run folder {dep.run_dir}; `make stop PORT={args.port}` ends them)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
