"""The container image (``bash .ci/build-image``): with no arguments it serves on 0.0.0.0:8080 as PID
1 with the default workers, as a user that is not root, healthy; its state outlives the container on
its volume; ``podman stop`` (SIGTERM) and SIGINT end it cleanly (exit 0: within podman's 10 s, or it
would have been killed); two containers on one PostgreSQL database are one fake."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator

import pytest
import requests

from tests.containers import (
    IMAGE,
    Containers,
    address,
    compose_project,
    compose_unavailable,
    containers,
    environment,
    podman,
    unavailable,
)
from tests.postgres import free_port
from tests.servers import wait_until

pytestmark = pytest.mark.container

LISTS = "/saas/amplitude/1/lists"
KEY = "team-key-1"
UID = "10001"


# A digest of the package's Python source: the image's must be this checkout's
SOURCE_DIGEST = (
    "import hashlib, pathlib, mock_infobip; root = pathlib.Path(mock_infobip.__file__).parent; "
    "print(hashlib.sha256(b''.join(p.relative_to(root).as_posix().encode() + p.read_bytes() "
    "for p in sorted(root.rglob('*.py')))).hexdigest())"
)


@pytest.fixture(scope="module", autouse=True)
def image() -> None:
    reason = unavailable()
    if reason is not None:
        pytest.skip(reason)
    mine = subprocess.run([sys.executable, "-c", SOURCE_DIGEST], capture_output=True, text=True, check=True)
    theirs = podman(
        "run",
        "--rm",
        "--network",
        "none",
        "--entrypoint",
        "/opt/mock-infobip/bin/python",
        IMAGE,
        "-c",
        SOURCE_DIGEST,
    )
    assert theirs.stdout == mine.stdout, (
        f"{IMAGE} is not this checkout's code: bash .ci/build-image builds it"
    )


@pytest.fixture
def made() -> Iterator[Containers]:
    with containers() as made:
        yield made


def logs(name: str) -> str:
    """What the container wrote, stdout and stderr in their order."""
    return subprocess.run(
        ["podman", "logs", name],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=environment(),
    ).stdout


def started(name: str) -> str:
    """The container's output once ``serve`` listens (the banner's last line), or a failure."""

    def listening() -> bool:
        text = logs(name)
        if "error" in text and "listening on" not in text:
            raise AssertionError(text)
        return "/saas/amplitude/1/lists" in text

    assert wait_until(listening, 60), logs(name)
    return logs(name)


def in_container(name: str, *command: str) -> str:
    return podman("exec", name, *command).stdout


def children(name: str, pid: int = 1) -> list[int]:
    return [int(p) for p in in_container(name, "cat", f"/proc/{pid}/task/{pid}/children").split()]


def state_and_uid(name: str, pid: int) -> tuple[str, str]:
    status = dict(
        line.split(":", 1)
        for line in in_container(name, "cat", f"/proc/{pid}/status").splitlines()
        if ":" in line
    )
    return status["State"].split()[0], status["Uid"].split()[0]


def stop(name: str, *, signal: str = "TERM") -> int:
    """Stop as ``podman stop`` does (SIGTERM, then SIGKILL after 10 s), or send ``signal`` and wait;
    the container's exit code."""
    if signal == "TERM":
        podman("stop", "--time", "10", name, timeout=60)
    else:
        podman("kill", "--signal", signal, name)
        podman("wait", name, timeout=60)
    return int(podman("inspect", "--format", "{{.State.ExitCode}}", name).stdout)


def health(base: str) -> str | None:
    """The engine a fake's health check names, or None if it does not answer."""
    try:
        return str(requests.get(base + "/__admin/health", timeout=5).json()["database"])
    except (requests.RequestException, ValueError):
        return None


def burst(bases: list[str], key: str) -> list[int]:
    """Creates at once, one to each of ``bases``, a connection each: their statuses."""
    barrier = threading.Barrier(len(bases))
    statuses: list[int] = []

    def create(base: str) -> None:
        with requests.Session() as session:
            barrier.wait()
            answer = session.post(
                base + LISTS, json={"name": "burst"}, headers={"Authorization": f"App {key}"}
            )
            statuses.append(answer.status_code)

    threads = [threading.Thread(target=create, args=(base,)) for base in bases]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


def test_with_no_arguments_it_serves_on_8080_as_pid_1_with_the_default_workers_not_as_root(made):
    name = made.run("--network", "none")  # no network to share: port 8080 is the container's own
    out = started(name)
    assert "mock-infobip 0.1.0 listening on http://0.0.0.0:8080\n" in out
    cpus = os.cpu_count() or 1
    if cpus > 1:
        assert f"workers: {cpus} processes on one port, one runs the scheduler\n" in out
    assert in_container(name, "cat", "/proc/1/cmdline").split("\0")[1:3] == [
        "/opt/mock-infobip/bin/mock-infobip",
        "serve",
    ]
    workers = children(name)
    assert len(workers) == (cpus if cpus > 1 else 0)
    for pid in [1, *workers]:
        assert state_and_uid(name, pid)[1] == UID  # not root
    assert podman("healthcheck", "run", name, check=False).returncode == 0
    assert in_container(name, "mock-infobip", "health").startswith("ok: sqlite, scheduler ")
    token = in_container(name, "mock-infobip", "admin-token").strip()
    assert len(token) == 32 and token not in out  # generated, kept, never printed
    if workers:  # a worker killed is started again, and the dead one reaped
        in_container(name, "sh", "-c", f"kill -9 {workers[0]}")
        assert wait_until(lambda: len(set(children(name)) - set(workers)) == 1)
        assert all(state_and_uid(name, pid)[0] != "Z" for pid in children(name))
        assert len(children(name)) == len(workers)
    assert stop(name) == 0
    assert logs(name).rstrip().endswith("mock-infobip stopped")


@pytest.mark.parametrize("signal", ["TERM", "INT"])
def test_state_outlives_the_container_on_its_volume_and_a_stop_is_clean(made, signal):
    port = str(free_port())
    volume = made.volume()
    env = {"MOCK_INFOBIP_PORT": port, "MOCK_INFOBIP_API_KEYS": KEY}
    first = made.run("--network", "host", "--volume", f"{volume}:/data", env=env)
    started(first)
    base = f"http://127.0.0.1:{port}"
    made_list = requests.post(base + LISTS, json={"name": "kept"}, headers={"Authorization": f"App {KEY}"})
    assert made_list.status_code == 200
    token = in_container(first, "mock-infobip", "admin-token").strip()
    assert stop(first, signal=signal) == 0
    assert logs(first).rstrip().endswith("mock-infobip stopped")

    second = made.run("--network", "host", "--volume", f"{volume}:/data", env=env)  # a new container
    started(second)
    assert in_container(second, "mock-infobip", "admin-token").strip() == token
    lists = requests.get(base + "/__admin/lists", headers={"Authorization": f"Bearer {token}"}).json()[
        "lists"
    ]
    assert [(item["listId"], item["name"]) for item in lists] == [(made_list.json()["listId"], "kept")]
    assert stop(second) == 0


@pytest.mark.postgres
def test_two_containers_on_one_postgresql_database_are_one_fake(made, postgres_url):
    from tests.postgres import empty_database

    url = empty_database(postgres_url)
    ports = [str(free_port()), str(free_port())]
    names = [
        made.run(
            "--network",
            "host",
            env={"DATABASE_URL": url, "MOCK_INFOBIP_PORT": port, "MOCK_INFOBIP_API_KEYS": KEY},
        )
        for port in ports
    ]
    for name in names:
        assert "database: postgresql://" in started(name)
    bases = [f"http://127.0.0.1:{port}" for port in ports]
    for base in bases:
        assert requests.get(base + "/__admin/health").json()["database"] == "postgresql"

    statuses = burst(bases * 10, KEY)
    assert sorted(statuses) == [200] + [429] * 19  # one create a 2 s window, across both containers

    tokens = {in_container(name, "mock-infobip", "admin-token").strip() for name in names}
    assert len(tokens) == 1  # one token for the database, whichever container made it
    (token,) = tokens
    seen = [
        requests.get(base + "/__admin/lists", headers={"Authorization": f"Bearer {token}"}).json()["lists"]
        for base in bases
    ]
    assert len(seen[0]) == 1 and seen[0] == seen[1]  # made through one, seen through the other
    assert [stop(name) for name in names] == [0, 0]


@pytest.mark.postgres
def test_the_compose_example_is_one_fake_behind_a_proxy():
    """docs/compose/compose.yaml (PostgreSQL, two replicas, nginx), with compose.ci.yaml's images."""
    reason = compose_unavailable()
    if reason is not None:
        pytest.skip(reason)
    port = free_port()
    env = {"PROXY_PORT": str(port), "MOCK_INFOBIP_API_KEYS": "key-a key-b", "MOCK_INFOBIP_IMAGE": IMAGE}
    with compose_project(env) as project:
        replicas = [f"{project}_fake_1", f"{project}_fake_2"]
        for name in replicas:
            assert "database: postgresql://mock:***@postgres:5432/mock_infobip\n" in started(name)
        proxy = f"http://127.0.0.1:{port}"
        assert wait_until(lambda: health(proxy) == "postgresql", 60)

        statuses = burst([proxy] * 10, "key-a")
        assert sorted(statuses) == [200] + [429] * 9  # one create a 2 s window, over both replicas
        direct = [f"http://{address(name)}:8080" for name in replicas]
        assert [health(base) for base in direct] == ["postgresql", "postgresql"]
        made = requests.post(direct[0] + LISTS, json={"name": "one"}, headers={"Authorization": "App key-b"})
        again = requests.post(direct[1] + LISTS, json={"name": "two"}, headers={"Authorization": "App key-b"})
        assert (made.status_code, again.status_code) == (200, 429)  # the limit across replicas

        def token() -> str:
            found = podman("exec", replicas[1], "mock-infobip", "admin-token", check=False)
            return found.stdout.strip() if found.returncode == 0 else ""

        assert wait_until(lambda: bool(token()))
        admin = {"Authorization": f"Bearer {token()}"}
        for _ in range(4):  # through the proxy: both replicas in turn, one state
            lists = requests.get(proxy + "/__admin/lists", headers=admin).json()["lists"]
            assert len(lists) == 2 and made.json()["listId"] in [item["listId"] for item in lists]
