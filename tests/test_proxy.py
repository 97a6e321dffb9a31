"""The replicas behind nginx (issue 18 §2-3): the generated configuration,
``nginx -t`` on it, sticky sessions, and a replica killed under load.

The tests that run nginx skip, with the reason, when nginx is not installed
(``make test`` installs Debian's package through ``make nginx``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.bench_replicas import kill_run
from bench.stclient import Session
from deploy import nginx_conf
from deploy.serve import Deployment, established
from tests.conftest import free_port, run_async

NO_NGINX = "nginx is not installed (`make nginx` installs Debian's package)"
needs_nginx = pytest.mark.skipif(nginx_conf.nginx_binary() is None, reason=NO_NGINX)
REPLICAS = ["127.0.0.1:18601", "127.0.0.1:18602"]


def test_config_names_every_replica_sticky_and_upgrades_websockets(tmp_path: Path) -> None:
    text = nginx_conf.render("127.0.0.1:18600", REPLICAS, tmp_path)
    assert "listen 127.0.0.1:18600;" in text
    for r in REPLICAS:
        assert f"server {r} " in text
    assert "hash $lrp_route consistent;" in text
    assert "map $cookie_lrp_route $lrp_route" in text
    assert "proxy_set_header Upgrade $http_upgrade;" in text
    assert "proxy_set_header Connection $connection_upgrade;" in text
    assert f"pid {tmp_path}/nginx.pid;" in text and "__" not in text  # every placeholder filled


def test_config_needs_a_replica(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="replica"):
        nginx_conf.render("18600", [], tmp_path)


@needs_nginx
def test_nginx_accepts_the_generated_config(tmp_path: Path) -> None:
    conf = nginx_conf.write("127.0.0.1:18600", REPLICAS, tmp_path)
    checked = nginx_conf.check(conf)
    assert checked.returncode == 0, checked.stderr
    assert "test is successful" in checked.stderr
    # the check can fail: a broken directive is refused
    conf.write_text(conf.read_text().replace("hash $lrp_route consistent;", "hash;"))
    assert nginx_conf.check(conf).returncode != 0


@pytest.fixture(scope="module")
def two_replicas(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    if nginx_conf.nginx_binary() is None:
        pytest.skip(NO_NGINX)
    dep = Deployment(free_port(), 2, "127.0.0.1", run_dir=tmp_path_factory.mktemp("serve"))
    dep.start()
    try:
        yield dep
    finally:
        dep.stop()


async def _open_on(dep: Deployment, cookie: str | None) -> tuple[str | None, list[int]]:
    s = Session(dep.url, "importance", "preset=ancona-max", cookie=cookie)
    await s.open()
    try:
        return s.cookie, [established(p) for p in dep.replica_ports]
    finally:
        await s.close()


@needs_nginx
@pytest.mark.timeout(300)
def test_one_cookie_one_replica(two_replicas: Deployment) -> None:
    """The proxy's cookie pins a browser's requests, websocket included, to one replica."""
    base = [established(p) for p in two_replicas.replica_ports]
    cookie, counts = run_async(_open_on(two_replicas, None))
    assert cookie is not None and cookie.startswith("lrp_route=")
    home = max(range(2), key=lambda k: counts[k] - base[k])
    for _ in range(3):
        again, counts = run_async(_open_on(two_replicas, cookie))
        assert again == cookie
        assert counts[home] - base[home] >= 1, (counts, base)
        assert counts[1 - home] == base[1 - home], (counts, base)


@needs_nginx
@pytest.mark.timeout(400)
def test_killed_replica_loses_no_network(two_replicas: Deployment) -> None:
    """Sessions editing networks; one replica is killed; the sessions it served
    reconnect through the proxy and get their networks back from their links."""
    res = run_async(kill_run(two_replicas, sessions=6, edits=3, think=1.0))
    assert res.errors == []
    assert res.affected >= 1  # the killed replica had sessions (it had the most connections)
    assert res.restored == res.affected
    assert res.lost == 0
    assert res.edits == 6 * 3  # every edit was made, the cut ones again after reconnecting
