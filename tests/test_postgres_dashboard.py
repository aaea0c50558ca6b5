"""The dashboard and the admin listings on PostgreSQL: seeded demo data (every kind of row the seed
makes) and every page renders, as on SQLite (tests/test_dashboard.py)."""

from __future__ import annotations

import pytest

from mock_infobip.core.settings import Settings
from mock_infobip.http.app import create_app
from mock_infobip.runtime import Runtime
from mock_infobip.tools.seed import seed
from tests.postgres import empty_database
from tests.test_dashboard import PAGES as DASHBOARD_PAGES

PAGES = [
    *DASHBOARD_PAGES,
    "/__admin/messages",
    "/__admin/callbacks",
    "/__admin/requests",
    "/__admin/lists",
    "/__admin/inbound",
    "/__admin/uploads",
    "/__admin/2fa/pins",
]


@pytest.mark.postgres
def test_every_page_renders_seeded_data_on_postgresql(postgres_url):
    runtime = Runtime(Settings(clock="manual", db=empty_database(postgres_url)))
    try:
        summary = seed(runtime, accounts=2, lists=3, members=20, messages=300, seed=5)
        assert summary.messages == 300 and summary.replies > 0 and summary.refusals > 0
        client = create_app(runtime).test_client()
        for path in PAGES:
            response = client.get(path)
            assert response.status_code == 200, (path, response.data[:300])
        assert b"messages" in client.get("/").data
    finally:
        runtime.close()
