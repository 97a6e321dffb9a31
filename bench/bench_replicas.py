"""Benchmark (issue 18 §2): 1 vs 2 replicas behind nginx, and a replica killed mid-run.

1. **Capacity ratio.** Two deployments run side by side (``deploy.serve``:
   1 replica behind nginx, 2 replicas behind nginx); the same closed-loop load
   (``SAT_SESSIONS`` protocol sessions editing the importance page's seed with no
   think time, so the servers are saturated) runs against each in turn,
   interleaved over ``ROUNDS`` rounds with the order swapped each round, so both
   see the same background load. The ratio of their finished runs per second is
   the capacity ratio (expected: close to the number of free cores).
2. **Replica kill.** ``KILL_SESSIONS`` students on the 2-replica deployment edit
   a weight in the network editor (each edit makes a new network, which the
   app writes into the link, ``?net=1.…``). While they edit, one replica is
   killed (SIGKILL). Every session that loses its connection opens its link
   again, as a browser does when it reconnects, lands on the other replica, and
   compares the network it gets back (the link the app writes, and the editor's
   weight tables) with the one it had after its last finished run; then it
   redoes the edit that was in flight. Networks lost must be 0.

Run: ``python -m bench bench_replicas``.
"""

from __future__ import annotations

import asyncio
import hashlib
import random
import time
from dataclasses import dataclass, field

from websockets.exceptions import ConnectionClosed

from bench.load_protocol import LoadResult, run_level, table, weight_edit
from bench.stclient import Session
from deploy.serve import Deployment
from tests.conftest import free_port

ROUNDS = 2
SAT_SESSIONS = 16
SAT_EDITS = 3
KILL_SESSIONS = 20
KILL_EDITS = 5


@dataclass
class KillResult:
    sessions: int
    affected: int = 0  # sessions whose connection the kill cut
    restored: int = 0  # of those, sessions that got their network back from the link
    lost: int = 0  # networks not restored
    opened: int = 0
    edits: int = 0
    redone: int = 0  # steps (an open or an edit) in flight at the kill, made again after reconnecting
    errors: list[str] = field(default_factory=list)


def fingerprint(s: Session) -> tuple[str, tuple[str, ...]]:
    """The network as the page shows it: the link's query and the editor's weight tables."""
    tables = sorted((w.id.split("-", 2)[2].rsplit("_r", 1)[0], hashlib.sha256(
        w.proto.arrow_data.SerializeToString()).hexdigest()) for w in s.widgets.values()
        if w.type == "dataframe" and "-editor_w" in w.id)
    return s.query, tuple(f"{k}:{h}" for k, h in tables)


def session_edit(i: int, k: int) -> dict[str, object]:
    """Session ``i``'s edit ``k``: a weight of its own into row k of layer 0, column x1."""
    return weight_edit(round(0.05 * (i + 1) + 0.001 * (k + 1), 6), k)


async def editing_student(i: int, url: str, res: KillResult, rng: random.Random, *, edits: int,
                          think: float) -> None:
    """Open the editor on the preset, then make ``edits`` weight edits; whenever
    the connection is cut, reconnect (checking the network) and redo the step."""
    s = Session(url, "editor", "preset=ancona-max", timeout=120.0)
    have: tuple[str, tuple[str, ...]] = (s.query, ())  # no tables known before the first run
    try:
        for k in range(-1, edits):
            if k >= 0:
                await asyncio.sleep(think * rng.uniform(0.5, 1.5))
            try:
                await (s.open() if k < 0 else s.set_widget("editor_w0_r*", session_edit(i, k)))
            except (ConnectionClosed, OSError) as exc:  # the replica went away under this session
                await reconnect(i, s, have, res, exc)
                if k >= 0:
                    await s.set_widget("editor_w0_r*", session_edit(i, k))
                res.redone += 1
            if k < 0:
                res.opened += 1
            else:
                res.edits += 1
            have = fingerprint(s)
    except Exception as exc:
        res.errors.append(f"session {i}: {type(exc).__name__}: {exc}")
    finally:
        await s.close()


async def reconnect(i: int, s: Session, have: tuple[str, tuple[str, ...]], res: KillResult,
                    cause: BaseException) -> None:
    """Open the session's link again on a new connection and compare the
    network with ``have``, the one after the last finished run. The link is the
    one the browser holds at the cut: a run cut short may already have written
    a newer network into it (``page_info_changed``), and then that one must
    come back (the tables of a run that never finished are not known)."""
    res.affected += 1
    s.ws = None
    link = s.query
    await s.open()
    got = fingerprint(s)
    if got == have or (got[0] == link and (link != have[0] or not have[1])):
        res.restored += 1
    else:
        res.lost += 1
        res.errors.append(f"session {i}: network not restored after {type(cause).__name__}: "
                          f"query {'same' if got[0] == have[0] else 'differs'}, "
                          f"tables {'same' if got[1] == have[1] else 'differ'}, link moved {link != have[0]}")


async def kill_run(dep: Deployment, sessions: int = KILL_SESSIONS, edits: int = KILL_EDITS,
                   think: float = 2.0) -> KillResult:
    """The editing load; the replica with the most connections is killed once
    every session has opened the page and they have made one edit each on
    average (all are connected and mid-run by then)."""
    res = KillResult(sessions)
    rng = random.Random(18)
    tasks = [asyncio.create_task(editing_student(i, dep.url, res, random.Random(rng.random()),
                                                 edits=edits, think=think)) for i in range(sessions)]
    deadline = time.monotonic() + 300
    while ((res.opened < sessions or res.edits < sessions) and time.monotonic() < deadline
           and not all(t.done() for t in tasks)):
        await asyncio.sleep(0.1)  # waiting for the load to be under way
    dep.kill_replica(dep.busiest_replica())
    await asyncio.wait_for(asyncio.gather(*tasks), timeout=600)
    return res


def kill_table(r: KillResult) -> str:
    return (f"{'sessions':>8} {'edits':>5} {'affected':>8} {'restored':>8} {'lost':>4} {'redone':>6} {'errors':>6}\n"
            f"{r.sessions:>8} {r.edits:>5} {r.affected:>8} {r.restored:>8} {r.lost:>4} {r.redone:>6} "
            f"{len(r.errors):>6}")


def capacity_ratio(one: Deployment, two: Deployment, rounds: int = ROUNDS) -> tuple[list[LoadResult], list[LoadResult]]:
    """Saturating load against each deployment in turn, interleaved."""
    res1: list[LoadResult] = []
    res2: list[LoadResult] = []
    for r in range(rounds):
        order = [(one, res1), (two, res2)] if r % 2 == 0 else [(two, res2), (one, res1)]
        for dep, out in order:
            out.append(asyncio.run(run_level(dep.url, SAT_SESSIONS, dep.replica_pids(), edits=SAT_EDITS,
                                             think=0.0, ramp=1.0, seed0=100_000 * (r + 1) + 10_000 * dep.replicas)))
            print(f"round {r + 1}, {dep.replicas} replica(s): {table([out[-1]]).splitlines()[-1]}", flush=True)
    return res1, res2


def main() -> None:
    one = Deployment(free_port(), 1, "127.0.0.1")
    two = Deployment(free_port(), 2, "127.0.0.1")
    try:
        t0 = time.perf_counter()
        one.start()
        two.start()
        print(f"started 1 + 2 replicas behind nginx in {time.perf_counter() - t0:.0f} s", flush=True)
        for dep in (one, two):  # warm-up: the first run of each replica imports and compiles
            asyncio.run(run_level(dep.url, 2 * dep.replicas, dep.replica_pids(), edits=1, think=0.0, ramp=0.5))
        res1, res2 = capacity_ratio(one, two)
        rate1 = sum(r.runs for r in res1) / sum(r.seconds for r in res1)
        rate2 = sum(r.runs for r in res2) / sum(r.seconds for r in res2)
        print()
        print(table(res1, f"1 replica, {SAT_SESSIONS} sessions editing with no think time"))
        print(table(res2, f"2 replicas, {SAT_SESSIONS} sessions editing with no think time"))
        print(f"capacity: 1 replica {rate1:.2f} runs/s, 2 replicas {rate2:.2f} runs/s, ratio {rate2 / rate1:.2f} "
              "(same run, interleaved; 2 cores shared with other work)")
        print()
        kr = asyncio.run(kill_run(two))
        print(kill_table(kr))
        for e in kr.errors[:10]:
            print("   ", e)
    finally:
        one.stop()
        two.stop()


if __name__ == "__main__":
    main()
