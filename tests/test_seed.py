"""`mock-infobip seed`: realistic demo data."""

from __future__ import annotations

import re

from mock_infobip import fake
from mock_infobip.channels.messages.catalog import catalog
from mock_infobip.tools.seed import seed
from tests.servers import run_cli, serve


def test_seed_makes_lists_people_and_a_spread_of_messages():
    with fake() as infobip:
        summary = seed(infobip.runtime, accounts=3, lists=4, members=50, messages=1500, seed=3)
        assert (summary.accounts, summary.lists, summary.messages) == (2, 4, 1500)
        lists = infobip.lists()
        assert all(re.fullmatch(r"\[Amplitude\] .+: \d+", entry["name"]) for entry in lists)
        assert sum(entry["memberCount"] for entry in lists) == summary.members > 0
        assert all("@" in m for m in infobip.members(lists[0]["listId"]))
        messages = infobip.messages()
        regions = {m["region"] for m in messages}
        assert len(regions) >= 30
        assert set(catalog().countries_without_reports) & regions == (
            set(catalog().countries_without_reports) & set(regions)
        )
        now = infobip.clock.now()
        ages = [(now - _time(m["sentAt"])).total_seconds() for m in messages]
        assert max(ages) > 3 * 86400 and min(ages) < 0  # over the last 4 days, and some scheduled ahead
        statuses = {m["status"] for m in messages}
        assert {"DELIVERED_TO_HANDSET", "PENDING_WAITING_DELIVERY"} <= statuses
        assert any(m["status"] == "PENDING_ACCEPTED" for m in messages)  # reports still to come
        assert infobip.callbacks(), "some campaigns push to a dead URL, so retries show"


def test_seed_covers_every_country_without_reports_when_large_enough():
    with fake() as infobip:
        seed(infobip.runtime, accounts=1, lists=0, members=1, messages=4000, seed=5)
        regions = {m["region"] for m in infobip.messages()}
        assert set(catalog().countries_without_reports) <= regions


def test_seeding_again_adds(tmp_path):
    db = str(tmp_path / "demo.db")
    first = run_cli("seed", "--db", db, "--lists", "2", "--messages", "100", "--members", "10")
    assert first.returncode == 0, first.stderr
    assert "added" in first.stdout and "100 messages" in first.stdout
    second = run_cli("seed", "--db", db, "--lists", "2", "--messages", "100", "--members", "10")
    assert second.returncode == 0
    server = serve("--db", db)
    try:
        assert len(server.get("/__admin/lists").json()["lists"]) == 4
        assert len(server.get("/__admin/messages?limit=1000").json()["messages"]) == 200
        assert server.get("/").status_code == 200
    finally:
        server.stop()


def _time(text: str):
    from datetime import datetime

    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%f%z")


def test_seed_counts_with_plurals(tmp_path):
    result = run_cli(
        "seed", "--db", str(tmp_path / "d.db"), "--accounts", "2", "--lists", "1", "--messages", "21"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("2 accounts (1 new), added 1 list with ")
    assert "21 messages, 20 handsets that answer" in result.stdout


def test_every_page_of_the_demo_has_content_whatever_the_seed():
    """Small seeds, many of them: failing callbacks with their next retry, inbound replies, refused
    requests (429s from the per-key limits), lists and messages are there every time."""
    for demo_seed in range(25):
        with fake() as infobip:
            summary = seed(infobip.runtime, accounts=2, lists=2, members=20, messages=60, seed=demo_seed)
            attempts = infobip.callbacks()
            assert attempts and all(a["error"] and a["nextRetryAt"] for a in attempts), demo_seed
            assert any(r["text"] for r in infobip.inbound()), demo_seed
            refused = [r for r in infobip.requests() if r["status"] == 429]
            assert len(refused) == summary.refusals == 2, demo_seed
            paths = {r["path"] for r in refused}
            assert paths == {"/saas/amplitude/1/lists", "/saas/amplitude/1/lists/1/add"}
            assert len(infobip.lists()) == 2 and len(infobip.messages()) == 60, demo_seed
