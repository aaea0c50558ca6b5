"""Every dependency through its public API: the package's source is scanned (AST) for private names
of other packages and for subclasses of their classes.

- ``from pkg import _x`` and ``<imported name>._x`` (a module's or class's private name);
- a class whose base comes from another package must be a documented extension point
  (``EXTENSION_POINTS``), and may not use a private attribute its base's own source defines (so a
  subclass never reads or replaces the base's internals through ``self._x``).
"""

from __future__ import annotations

import ast
import importlib
from functools import cache
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "mock_infobip"
SOURCES = sorted(PACKAGE.rglob("*.py"))

# Names with a leading underscore that their package documents as public.
DOCUMENTED = {
    "os._exit",  # https://docs.python.org/3/library/os.html#os._exit
}

# External classes the package subclasses, each a documented way to extend its package.
EXTENSION_POINTS = {
    "typing.Protocol": "structural types",
    "asyncio.Protocol": "asyncio's protocols are written by subclassing (Transports and Protocols)",
    "asyncio.Transport": "asyncio documents implementing transports for custom I/O",
    "flask.Flask": "Flask documents subclassing Flask to change its classes",
    "http.client.HTTPConnection": "http.client's connection classes are meant to be subclassed",
    "urllib.request.HTTPHandler": "urllib.request's handlers are BaseHandler subclasses",
    "urllib.request.HTTPSHandler": "urllib.request's handlers are BaseHandler subclasses",
    "urllib3.connection.HTTPConnection": "urllib3's ConnectionCls is its documented hook",
    "urllib3.connection.HTTPSConnection": "urllib3's ConnectionCls is its documented hook",
    "httpcore.NetworkStream": "httpcore's network backends are its documented extension point",
    "httpcore.AsyncNetworkStream": "httpcore's network backends are its documented extension point",
    "httpx.BaseTransport": "httpx documents custom transports",
    "httpx.AsyncBaseTransport": "httpx documents custom transports",
    "httpx.SyncByteStream": "the body stream of a custom transport's response",
    "httpx.AsyncByteStream": "the body stream of a custom transport's response",
    "aiohttp.TCPConnector": "aiohttp's connectors (UnixConnector is one)",
}

# Known uses of other packages' internals, left to be replaced (issue #23's note): each entry is
# "module: name". The scan fails on any use not listed here, and on any entry no longer found.
KNOWN: set[str] = set()


def external_imports(tree: ast.AST) -> dict[str, str]:
    """Local name -> the dotted name it stands for, for names imported from other packages."""
    found: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module.split(".")[0] in ("mock_infobip", "__future__"):
                continue
            for alias in node.names:
                found[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] != "mock_infobip":
                    local = alias.asname or alias.name.split(".")[0]
                    found[local] = alias.name if alias.asname else alias.name.split(".")[0]
    return found


def dotted(node: ast.expr, names: dict[str, str]) -> str | None:
    """The dotted external name an expression stands for (``aiohttp.TCPConnector``), if any."""
    if isinstance(node, ast.Name):
        return names.get(node.id)
    if isinstance(node, ast.Attribute):
        base = dotted(node.value, names)
        return f"{base}.{node.attr}" if base else None
    return None


@cache
def resolve(name: str) -> object:
    module, _, attr = name.rpartition(".")
    try:
        return getattr(importlib.import_module(module), attr)
    except (ImportError, AttributeError):
        return importlib.import_module(name)


def class_source(klass: type) -> ast.ClassDef | None:
    """The class's definition, from the file its methods were compiled from."""
    for value in vars(klass).values():
        code = getattr(getattr(value, "__func__", value), "__code__", None)
        if code is None:
            continue
        tree = ast.parse(Path(code.co_filename).read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef) and node.name == klass.__name__:
                return node
    return None


@cache
def private_names_of(name: str) -> frozenset[str]:
    """Private attributes an external class's own source (its MRO outside this package) defines."""
    cls = resolve(name)
    assert isinstance(cls, type), name
    found: set[str] = set()
    for klass in cls.__mro__:
        if klass is object or klass.__module__.startswith("mock_infobip"):
            continue
        found.update(n for n in vars(klass) if n.startswith("_") and not n.startswith("__"))
        definition = class_source(klass)
        for node in ast.walk(definition) if definition is not None else ():
            on_self = (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id == "self"
            )
            if on_self and node.attr.startswith("_") and not node.attr.startswith("__"):
                found.add(node.attr)
    return frozenset(found)


def internals_used(scope: ast.AST, full: str, where: str) -> set[str]:
    """``self._x`` uses in ``scope`` (a subclass of ``full``, or a function taking one as ``self``)
    of private names ``full``'s own source defines."""
    internals = private_names_of(full)
    found = set()
    for inner in ast.walk(scope):
        if (
            isinstance(inner, ast.Attribute)
            and isinstance(inner.value, ast.Name)
            and inner.value.id in ("self", "cls")
            and inner.attr in internals
        ):
            found.add(f"{where}: self.{inner.attr} ({full})")
        if isinstance(inner, ast.FunctionDef | ast.AsyncFunctionDef) and inner.name in internals:
            found.add(f"{where}: self.{inner.name} ({full})")
    return found


@cache
def own_private_names() -> frozenset[str]:
    """Private names this package defines: functions, classes, module names, and attributes it
    sets on ``self`` (so ``other._x`` of one of its own objects is its own business)."""
    found: set[str] = set()
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                found.add(node.name)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                found.add(node.id)
            elif (
                isinstance(node, ast.Attribute)
                and isinstance(node.ctx, ast.Store)
                and isinstance(node.value, ast.Name)
                and node.value.id in ("self", "cls")
            ):
                found.add(node.attr)
    return frozenset(name for name in found if name.startswith("_"))


def violations(path: Path, root: Path = PACKAGE.parent) -> set[str]:
    tree = ast.parse(path.read_text())
    names = external_imports(tree)
    where = str(path.relative_to(root))
    found: set[str] = set()
    for node in ast.walk(tree):
        external = isinstance(node, ast.ImportFrom) and node.module and node.level == 0
        if external and node.module.split(".")[0] not in ("mock_infobip", "__future__"):
            found.update(f"{where}: {node.module}.{a.name}" for a in node.names if a.name.startswith("_"))
        if isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__"):
            full = dotted(node, names)
            if full is not None and full not in DOCUMENTED:
                found.add(f"{where}: {full}")
            elif full is None and node.attr not in own_private_names():  # on an object of another package
                found.add(f"{where}: {ast.unparse(node.value)}.{node.attr}")
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in ("getattr", "setattr", "hasattr")
            and len(node.args) >= 2
            and isinstance(node.args[1], ast.Constant)
            and isinstance(node.args[1].value, str)
            and node.args[1].value.startswith("_")
            and not node.args[1].value.startswith("__")
            and node.args[1].value not in own_private_names()
        ):
            found.add(f"{where}: {node.func.id}({ast.unparse(node.args[0])}, {node.args[1].value!r})")
        if isinstance(node, ast.ClassDef):
            for base in node.bases:
                full = dotted(base, names)
                if full is None:
                    continue
                if full not in EXTENSION_POINTS:
                    found.add(f"{where}: class {node.name}({full})")
                    continue
                if full != "typing.Protocol":
                    found |= internals_used(node, full, where)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.args.args:
            first = node.args.args[0]
            full = dotted(first.annotation, names) if first.annotation is not None else None
            if first.arg == "self" and full is not None and isinstance(resolve(full), type):
                found |= internals_used(node, full, where)
    return found


def test_no_private_name_of_another_package_and_no_subclass_of_its_internals():
    found = set().union(*(violations(path) for path in SOURCES))
    assert sorted(found - KNOWN) == [], "private names or internals of other packages"
    assert sorted(KNOWN - found) == [], "no longer used: take them off KNOWN"


def test_the_scan_finds_what_it_is_for(tmp_path):
    """The scan itself: each kind of use is found."""
    sample = tmp_path / "mock_infobip" / "_scan_sample.py"  # read as a module of the package
    sample.parent.mkdir()
    sample.write_text(
        "import waitress.server\n"
        "from werkzeug.wrappers import Request\n"
        "from waitress.task import _private\n"
        "from asyncio import Protocol\n"
        "import asyncio\n"
        "class Channel(waitress.server.BaseWSGIServer):\n"
        "    pass\n"
        "class Transport(asyncio.Transport):\n"
        "    def write(self, data):\n"
        "        return self._extra\n"
        "def read(req: Request):\n"
        "    return req._cached_data, getattr(req, '_parsed_content_type', None)\n"
    )
    found = violations(sample, tmp_path)
    where = "mock_infobip/_scan_sample.py"
    assert found == {
        f"{where}: waitress.task._private",
        f"{where}: class Channel(waitress.server.BaseWSGIServer)",
        f"{where}: self._extra (asyncio.Transport)",
        f"{where}: self._extra",
        f"{where}: req._cached_data",
        f"{where}: getattr(req, '_parsed_content_type')",
    }


# What the in-process harness sets on other packages' classes while it is installed (and puts back
# when it is not), each with the reason it is the public way, or the only one. A patch not listed
# here fails the scan below, and so does an entry no longer found.
PATCHES = {
    "mock_infobip/inprocess/stdlib.py: pool.ConnectionCls": (
        "urllib3 documents ConnectionCls as the pool's hook for its connection class"
    ),
    "mock_infobip/inprocess/stdlib.py: _HANDLER.do_open": (
        "urllib.request's AbstractHTTPHandler: every opener's handlers call do_open; the openers "
        "a program already built cannot be given a handler of ours"
    ),
    "mock_infobip/inprocess/stdlib.py: _SESSION.merge_environment_settings": (
        "requests.Session: not reading every proxy variable for the fake's origin (public method)"
    ),
    "mock_infobip/inprocess/stdlib.py: state.is_verified": (
        "urllib3's connection attribute (public) on our own routed connection: no TLS to verify"
    ),
    "mock_infobip/inprocess/stdlib.py: state.proxy_is_verified": (
        "urllib3's connection attribute (public) on our own routed connection: no proxy"
    ),
    "mock_infobip/inprocess/httpx_support.py: httpx.HTTPTransport.handle_request": (
        "httpx's transport API; clients made before install have their transport already"
    ),
    "mock_infobip/inprocess/httpx_support.py: httpx.AsyncHTTPTransport.handle_async_request": (
        "httpx's transport API, async; clients made before install have their transport already"
    ),
    "mock_infobip/inprocess/aiohttp_support.py: aiohttp.TCPConnector.connect": (
        "aiohttp's connector API (public method); sessions made before install keep their connector"
    ),
    "mock_infobip/inprocess/__init__.py: ROUTER.on_change": "our own router's callback",
}


def attribute_assignments(path: Path, root: Path = PACKAGE.parent) -> set[str]:
    """``module: target`` of each assignment to an attribute of anything but ``self``/``cls``."""
    where = str(path.relative_to(root))
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        targets = node.targets if isinstance(node, ast.Assign) else []
        for target in targets:
            if isinstance(target, ast.Attribute) and ast.unparse(target.value).split(".")[0] not in (
                "self",
                "cls",
            ):
                found.add(f"{where}: {ast.unparse(target)}")
    return found


def test_the_in_process_harness_patches_only_what_is_listed_with_its_reason():
    found = set().union(
        *(attribute_assignments(path) for path in sorted((PACKAGE / "inprocess").glob("*.py")))
    )
    assert sorted(found - PATCHES.keys()) == [], "a patch of another package not on PATCHES"
    assert sorted(PATCHES.keys() - found) == [], "no longer patched: take it off PATCHES"


def test_importing_a_module_of_the_package_does_not_import_the_in_process_harness():
    import subprocess
    import sys

    probe = (
        "import sys, mock_infobip.core.clock\n"
        "assert not [m for m in sys.modules if m.startswith('mock_infobip.inprocess')], 'imported'\n"
        "from mock_infobip import RealInfobipBlocked\n"
        "assert RealInfobipBlocked.__module__ == 'mock_infobip.inprocess.router'\n"
        "from mock_infobip import FakeError, NoReportsWarning\n"  # named in the docs (issue #37)
        "assert issubclass(NoReportsWarning, UserWarning) and issubclass(FakeError, Exception)\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
