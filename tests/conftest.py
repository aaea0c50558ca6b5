from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask import Flask

from mock_infobip.core.settings import Settings
from mock_infobip.http.app import create_app
from mock_infobip.runtime import Runtime
from mock_infobip.storage.engines import open_store
from mock_infobip.storage.interface import Store
from tests.receivers import Receiver
from tests.support import ContractClient

START = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
KEY = "test-key-1"


def make_settings(**changes: object) -> Settings:
    base = Settings(db=":memory:", clock="manual", start=START, seed=7, api_keys=(KEY,), dispatch="inline")
    return base.replace(**changes) if changes else base


@pytest.fixture
def settings() -> Settings:
    return make_settings()


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """A module with ``BOTH_BACKENDS = True`` runs its tests of a ``runtime`` on SQLite and on
    PostgreSQL (a server the tests start: tests/postgres.py)."""
    engines = {"runtime", "database"} & set(metafunc.fixturenames)
    if engines and getattr(metafunc.module, "BOTH_BACKENDS", False):
        metafunc.parametrize(
            "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
        )


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    return str(getattr(request, "param", "sqlite"))


@pytest.fixture
def runtime(settings: Settings, backend: str, request: pytest.FixtureRequest) -> Iterator[Runtime]:
    if backend == "postgres":
        from tests.postgres import empty_database

        settings = settings.replace(db=empty_database(request.getfixturevalue("postgres_url")))
    rt = Runtime(settings)
    yield rt
    rt.close()


@pytest.fixture
def database(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """A new database for the test: a SQLite file, or an emptied PostgreSQL database."""
    if backend == "postgres":
        from tests.postgres import empty_database

        return empty_database(request.getfixturevalue("postgres_url"))
    return str(tmp_path / "test.db")


@pytest.fixture
def stores(database: str) -> Iterator[Callable[[], Store]]:
    """Opens stores on the test's ``database`` (as several processes or hosts would), closed after."""
    opened: list[Store] = []

    def open_one() -> Store:
        opened.append(open_store(database))
        return opened[-1]

    yield open_one
    for store in opened:
        store.close()


@pytest.fixture
def app(runtime: Runtime) -> Flask:
    app = create_app(runtime)
    app.test_client_class = ContractClient
    return app


@pytest.fixture
def client(app: Flask) -> ContractClient:
    client = app.test_client()
    assert isinstance(client, ContractClient)
    return client


@pytest.fixture
def auth() -> dict[str, str]:
    return {"Authorization": f"App {KEY}"}


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    found = Receiver()
    yield found
    found.close()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--hostile-long",
        action="store_true",
        help="the hostile-input campaign with 100,000 requests instead of CI's few thousand",
    )


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """The URL of a database on a PostgreSQL server the tests start (tests/postgres.py)."""
    from tests.postgres import ABSENT, binaries, postgres_server

    if binaries() is None:
        pytest.skip(ABSENT)
    with postgres_server() as url:
        yield url
