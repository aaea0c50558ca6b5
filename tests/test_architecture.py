"""The rules of ARCHITECTURE.md that import-linter does not check, on the source."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "mock_infobip"
CLIENTS = PACKAGE / "clients"
SOURCES = sorted(p for p in PACKAGE.rglob("*.py") if CLIENTS not in p.parents)  # the fake

# Only these modules may read the wall clock or the operating system's entropy.
TIME_READERS = {"wall.py"}
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
    ("secrets", "token_urlsafe"): ENTROPY_READERS,
    ("secrets", "choice"): ENTROPY_READERS,
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


def test_no_import_cycle_between_modules():
    """import-linter's contracts (pyproject.toml, run by .ci/run) keep the folders in layers; within
    a folder, no two modules import each other, directly or through others."""
    import grimp

    graph = grimp.build_graph("mock_infobip", exclude_type_checking_imports=True)
    cycles = []
    for module in sorted(graph.modules):
        for imported_module in graph.find_modules_directly_imported_by(module):
            if imported_module == module or not imported_module.startswith("mock_infobip."):
                continue
            back = graph.find_shortest_chain(importer=imported_module, imported=module)
            if back is not None:
                cycles.append(" -> ".join([module, *back]))
    assert cycles == []
