"""The container image for the container tier: ``localhost/mock-infobip:dev``, built by ``bash
.ci/build-image`` (podman, runc and a Debian base made from Debian's packages). Containers started
here are removed at the end, with their volumes. Where podman or the image is absent the tests that
need it say so in one line (the README's test command builds it)."""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

IMAGE = "localhost/mock-infobip:dev"
SERVICES = "localhost/debian-services:bookworm"  # PostgreSQL and nginx for docs/compose/compose.ci.yaml
EXAMPLES = Path(__file__).parents[1] / "docs" / "compose"
CONF = Path(__file__).parents[1] / ".ci" / "containers.conf"
ABSENT = "podman is absent: bash .ci/build-image installs it (Debian's packages) and builds the image"
NO_IMAGE = f"the image {IMAGE} is absent: bash .ci/build-image builds it"


def environment() -> dict[str, str]:
    return {**os.environ, "CONTAINERS_CONF": os.environ.get("CONTAINERS_CONF", str(CONF))}


def podman(*args: str, check: bool = True, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["podman", *args], capture_output=True, text=True, env=environment(), check=check, timeout=timeout
    )


def unavailable() -> str | None:
    """Why the container tier cannot run here, or None."""
    if shutil.which("podman") is None:
        return ABSENT
    if podman("image", "exists", IMAGE, check=False).returncode != 0:
        return NO_IMAGE
    return None


def compose_unavailable() -> str | None:
    """Why the compose example cannot run here, or None."""
    if shutil.which("podman-compose") is None or podman("image", "exists", SERVICES, check=False).returncode:
        return (
            "podman-compose or its images are absent: bash .ci/build-image --compose installs and makes them"
        )
    return None


@contextmanager
def compose_project(env: dict[str, str]) -> Iterator[str]:
    """docs/compose/compose.yaml with compose.ci.yaml, up as a project of its own; its name. Down, with
    its volumes, at the end."""
    project = f"mi-compose-{uuid.uuid4().hex[:8]}"
    files = ["-f", str(EXAMPLES / "compose.yaml"), "-f", str(EXAMPLES / "compose.ci.yaml")]
    run = {"capture_output": True, "text": True, "env": {**environment(), **env}, "timeout": 300}

    def compose(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["podman-compose", "-p", project, *files, *args], **run)  # type: ignore[call-overload]

    try:
        up = compose("up", "-d")
        assert up.returncode == 0, up.stdout + up.stderr
        yield project
    finally:
        # podman-compose 1.0.3's down -v leaves the containers' anonymous volumes (/data) and the
        # project's network: removed here
        found = podman("ps", "--all", "--quiet", "--filter", f"label=io.podman.compose.project={project}")
        for container in found.stdout.split():
            podman("rm", "--force", "--volumes", "--time", "0", container, check=False)
        compose("down", "-v")
        podman("network", "rm", "--force", f"{project}_default", check=False)


def address(name: str) -> str:
    """A container's address on its network (this machine reaches it)."""
    return podman(
        "inspect", "--format", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}", name
    ).stdout.strip()


@dataclass
class Containers:
    """Containers and volumes of one test, named apart from anything else on the machine."""

    prefix: str = field(default_factory=lambda: f"mi-test-{uuid.uuid4().hex[:8]}")
    names: list[str] = field(default_factory=list)
    volumes: list[str] = field(default_factory=list)

    def volume(self) -> str:
        name = f"{self.prefix}-v{len(self.volumes)}"
        podman("volume", "create", name)
        self.volumes.append(name)
        return name

    def run(self, *args: str, env: dict[str, str] | None = None, command: tuple[str, ...] = ()) -> str:
        """``podman run -d`` of the image: its name."""
        name = f"{self.prefix}-c{len(self.names)}"
        options = [f"--env={key}={value}" for key, value in (env or {}).items()]
        podman("run", "--detach", "--name", name, *options, *args, IMAGE, *command)
        self.names.append(name)
        return name

    def remove(self) -> None:
        for name in self.names:
            podman("rm", "--force", "--volumes", "--time", "0", name, check=False)
        for volume in self.volumes:
            podman("volume", "rm", "--force", volume, check=False)


@contextmanager
def containers() -> Iterator[Containers]:
    made = Containers()
    try:
        yield made
    finally:
        made.remove()
