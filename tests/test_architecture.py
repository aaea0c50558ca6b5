"""The layering rules of ARCHITECTURE.md, checked on the source."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "mock_infobip"
CLIENTS = PACKAGE / "clients"
SOURCES = sorted(p for p in PACKAGE.rglob("*.py") if CLIENTS not in p.parents)  # the fake

# Only these modules may read the wall clock or the operating system's entropy.
TIME_READERS = {"clock.py"}
ENTROPY_READERS = {"randomness.py"}
FORBIDDEN_CALLS = {
    ("time", "time"): TIME_READERS,
    ("time", "monotonic"): TIME_READERS,
    ("time", "sleep"): TIME_READERS,
    ("datetime", "now"): TIME_READERS,
    ("datetime", "utcnow"): TIME_READERS,
    ("date", "today"): TIME_READERS,
    ("os", "urandom"): ENTROPY_READERS,
    ("uuid", "uuid4"): ENTROPY_READERS,
    ("secrets", "token_hex"): ENTROPY_READERS,
}
# Modules below the HTTP layer: no Flask, no werkzeug.
DOMAIN = {
    "store.py",
    "schema.py",
    "versions.py",
    "clock.py",
    "randomness.py",
    "settings.py",
    "errors.py",
    "envelopes.py",
    "validation.py",
    "accounts.py",
    "ratelimit.py",
    "journal.py",
    "auth.py",
    "runtime.py",
    "service.py",
    "identifiers.py",
}


def imported(tree: ast.AST) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_wall_clock_or_entropy_outside_their_modules(path):
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner = node.func.value
            name = owner.id if isinstance(owner, ast.Name) else getattr(owner, "attr", "")
            allowed = FORBIDDEN_CALLS.get((name, node.func.attr))
            assert allowed is None or path.name in allowed, (
                f"{path.name}:{node.lineno} calls {name}.{node.func.attr}"
            )
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "Random":
            assert path.name in ENTROPY_READERS, f"{path.name}:{node.lineno} makes its own random.Random"


@pytest.mark.parametrize("path", [p for p in SOURCES if p.name in DOMAIN], ids=lambda p: p.name)
def test_domain_modules_do_not_import_flask(path):
    assert not imported(ast.parse(path.read_text())) & {"flask", "werkzeug", "waitress"}


@pytest.mark.parametrize("path", sorted(CLIENTS.glob("*.py")), ids=lambda p: p.name)
def test_clients_import_nothing_of_the_fake(path):
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("mock_infobip"):
            assert node.module.startswith("mock_infobip.clients"), f"{path.name} imports {node.module}"
