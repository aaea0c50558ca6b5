"""The search syntax (#38, item 2): ``q=`` on the admin listings of messages and inbound messages,
on both engines."""

from __future__ import annotations

import pytest

from mock_infobip.channels.search import Term, parse
from tests.sms_helpers import KEY, rule, send_v2

BOTH_BACKENDS = True  # SQLite and PostgreSQL (tests/conftest.py)

CH, DE, SHOP = "41793026727", "4915123456789", "447491163443"


def test_a_query_is_terms_of_text_fields_and_negations():
    assert parse('code -"not this" to:+4179 is:PIN https://x.example/a note:b') == [
        Term("", "code"),
        Term("", "not this", negated=True),
        Term("to", "+4179"),
        Term("is", "PIN"),
        Term("", "https://x.example/a"),  # a prefix that is no field is text
        Term("", "note:b"),
    ]
    assert parse('from:"Shop Inc" -country:ch') == [
        Term("from", "Shop Inc"),
        Term("country", "ch", negated=True),
    ]
    assert parse("   ") == []


@pytest.mark.parametrize("query", ["is:nothing", "after:yesterday", "before:2026-13-01"])
def test_a_query_that_says_nothing_it_knows_is_a_400_naming_q(client, query):
    response = client.get("/__admin/messages", query_string={"q": query})
    assert response.status_code == 400
    assert list(response.json["fields"]) == ["q"]


@pytest.fixture
def sent(client):
    rule(client, match={"to": CH}, status="DELIVERED_TO_HANDSET")
    rule(client, match={"to": DE}, status="UNDELIVERABLE_NOT_DELIVERED", delaySeconds=60)
    send_v2(client, CH, text="Your code is 482913. Thanks for 100% of it_all")
    send_v2(client, DE, **{"from": "News", "text": "Hello world"})
    send_v2(client, CH, text="Later hello", sendAt="2026-11-23T10:00:00.000+0000")
    return client


def found(client, query, path="/__admin/messages"):
    response = client.get(path, query_string={"q": query})
    assert response.status_code == 200, response.json
    return [m["text"] for m in response.json["messages"]]


CODE, HELLO, LATER = "Your code is 482913. Thanks for 100% of it_all", "Hello world", "Later hello"


@pytest.mark.parametrize(
    ("query", "texts"),
    [
        ("", [LATER, HELLO, CODE]),
        ("HELLO", [LATER, HELLO]),  # text contains, in any case
        ('"hello world"', [HELLO]),
        ("hello -world", [LATER]),
        ("100%", [CODE]),  # % and _ are themselves, not LIKE's wildcards
        ("100_", []),
        ("it%all", []),
        ("it_all", [CODE]),
        (f"to:+{CH}", [LATER, CODE]),
        (f"-to:{CH}", [HELLO]),
        ("from:news", [HELLO]),
        ("status:delivered", [CODE]),  # a group (the scheduled one is pending)
        ("status:pending_waiting_delivery", [HELLO]),  # a status (its report is not due yet)
        ("status:PENDING", [LATER, HELLO]),
        ("country:ch", [LATER, CODE]),
        ("-country:CH", [HELLO]),
        ("account:1", [LATER, HELLO, CODE]),
        ("account:Default", [LATER, HELLO, CODE]),
        ("account:2", []),
        ("after:2026-11-23", [LATER]),  # a date's day is in: after, sent at or after its start
        ("before:2026-11-23", [HELLO, CODE]),
        ("after:2026-11-22T10:00:00Z before:2026-11-22T10:00:01Z", [HELLO, CODE]),
        ("is:pin", [CODE]),
        ("-is:pin hello", [LATER, HELLO]),
        ("is:scheduled", [LATER]),
        ("is:mms", []),
        ("is:inbound", []),
        ("-is:inbound from:news", [HELLO]),
        ("https://nowhere.example", []),
    ],
)
def test_the_outbox_finds_what_each_term_says(sent, query, texts):
    assert found(sent, query) == texts


def test_inbound_messages_are_searched_by_the_same_syntax(client):
    assert client.post("/__admin/numbers", json={"number": SHOP}).status_code == 201
    for sender, text in ((CH, "YES 4711 please"), (DE, "stop")):
        assert (
            client.post("/__admin/inbound", json={"from": sender, "to": SHOP, "text": text}).status_code
            == 201
        )
    inbox = "/__admin/inbound"
    assert found(client, "is:inbound", inbox) == ["stop", "YES 4711 please"]
    assert found(client, f"from:+{CH}", inbox) == ["YES 4711 please"]
    assert found(client, f"to:{SHOP} -yes", inbox) == ["stop"]
    assert found(client, "is:pin", inbox) == ["YES 4711 please"]
    assert found(client, "status:delivered", inbox) == []  # an inbound message has no status
    assert found(client, "-status:delivered", inbox) == ["stop", "YES 4711 please"]


def test_a_search_changes_nothing_and_needs_the_admin_api(sent):
    before = sent.get("/__admin/messages").json
    assert found(sent, "hello") and sent.get("/__admin/messages").json == before
    assert sent.get("/sms/1/logs", query_string={"q": "hello"}, headers=KEY).status_code == 200
