"""Inbound SMS: numbers owned by accounts, and messages handsets send to them.

A message to a number with a ``forwardUrl`` is pushed in Infobip's MO format (``{"results": […],
"messageCount", "pendingMessageCount"}``) through the same delivery machinery as reports (the
``deliveries`` table, kind ``inbound``: batching, retry cycle, attempts listed); without one it can
be pulled once by ``GET /sms/1/inbox/reports``; a push whose retries are exhausted becomes pullable.
A message to a number nobody owns is stored and listed, never delivered. A message whose
``receivedAt`` is still ahead (a handset's reply scheduled on the fake's clock) is delivered then.

Keywords are matched as Infobip does: the first word of the text, case-insensitive, against the
number's keywords; ``cleanText`` is the text after the keyword.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from typing import Any

from mock_infobip.channels import search
from mock_infobip.channels.messages.destinations import read_destination
from mock_infobip.channels.messages.extract import code_in, links_in
from mock_infobip.channels.messages.lifecycle import PULL_DONE, PULL_NONE, PULL_READY
from mock_infobip.channels.messages.parts import sms_count
from mock_infobip.channels.messages.requests import check_callback_url, parse_time
from mock_infobip.channels.messages.shapes import CURRENCY
from mock_infobip.core.clock import Clock, wire_time
from mock_infobip.core.errors import Conflict, InvalidRequest, NotFound
from mock_infobip.core.randomness import Randomness
from mock_infobip.core.settings import Settings
from mock_infobip.identity.accounts import Account
from mock_infobip.storage.interface import Connection, MissingId, Row, Store, account_lock
from mock_infobip.system.redact import redact

DEFAULT_LIMIT = 50
JSON_TYPE = "application/json"
SEQUENCE = "inbound_seq"


def _digits(number: str, field: str) -> str:
    destination = read_destination(number)
    if destination.rejection is not None:
        raise InvalidRequest({field: ["must be a possible phone number in international format"]})
    return destination.digits


def _keyword(text: str, keywords: Collection[str]) -> tuple[str | None, str]:
    """(keyword, cleanText): the first word when it is one of ``keywords`` (case-insensitive)."""
    first, _, rest = text.strip().partition(" ")
    if first.upper() in keywords:
        return first.upper(), rest.strip()
    return None, text.strip()


def mo_result(row: Row, pulled: bool = False) -> dict[str, Any]:
    """One inbound message in Infobip's MO shape (no nulls): SMS, or MMS (forwarded with its
    segments; pulled with its text as ``message``)."""
    price = _price(row)
    if row["channel"] == "mms":
        common = {"messageId": row["message_id"], "from": row["sender"], "to": row["receiver"]}
        if pulled:
            return {
                **common,
                "message": row["text"],
                "receivedAt": wire_time(row["received_at"]),
                "mmsCount": 1,
                "price": price,
            }
        return {
            **common,
            "receivedAt": wire_time(row["received_at"]),
            "message": json.loads(row["segments"]),
            "price": price,
        }
    return _sms_shape(row)


def _sms_shape(row: Row) -> dict[str, Any]:
    """Infobip's SMS MO shape (also how the admin API lists MMS, with their segments beside)."""
    result: dict[str, Any] = {
        "messageId": row["message_id"],
        "from": row["sender"],
        "to": row["receiver"],
        "text": row["text"],
        "cleanText": row["clean_text"],
        **({"keyword": row["keyword"]} if row["keyword"] else {}),
        "receivedAt": wire_time(row["received_at"]),
        "smsCount": row["sms_count"],
        "price": _price(row),
    }
    return result


def _price(row: Row) -> dict[str, Any]:
    return {"pricePerMessage": round(row["price"], 6), "currency": CURRENCY}


def store_inbound(
    conn: Connection,
    random: Randomness,
    settings: Settings,
    sender: str,
    receiver: str,
    text: str,
    received_at: int,
    reply_to: str | None = None,
    segments: list[dict[str, str]] | None = None,
) -> int:
    """Store one handset message (inside the caller's transaction) and queue its push; its row id."""
    sequence = int(
        conn.execute(
            "INSERT INTO meta (key, value) VALUES (:key, '1') ON CONFLICT (key) DO UPDATE SET "
            "value = CAST(CAST(meta.value AS BIGINT) + 1 AS TEXT) RETURNING value",
            {"key": SEQUENCE},
        ).fetchone()[0]
    )
    bits = f"{random.stream(f'inbound-id:{sequence}').getrandbits(128):032x}"
    message_id = f"{bits[:8]}-{bits[8:12]}-{bits[12:16]}-{bits[16:20]}-{bits[20:]}"
    number = conn.execute("SELECT * FROM numbers WHERE number = :number", {"number": receiver}).fetchone()
    keywords = json.loads(number["keywords"]) if number else []
    keyword, clean = _keyword(text, keywords)
    region = read_destination(sender).region
    parts = 1 if segments else sms_count(text)
    price = settings.region_prices.get(region or "", settings.price_per_part) * parts
    url = number["forward_url"] if number else None
    stored = conn.execute(
        "INSERT INTO inbound (message_id, account_id, number_id, sender, receiver, text, clean_text, "
        "keyword, received_at, sms_count, price, reply_to, pull, channel, segments) "
        "VALUES (:message_id, :account_id, :number_id, :sender, :receiver, :text, :clean_text, "
        ":keyword, :received_at, :sms_count, :price, :reply_to, :pull, :channel, :segments) RETURNING *",
        {
            "message_id": message_id,
            "account_id": number["account_id"] if number else None,
            "number_id": number["id"] if number else None,
            "sender": sender,
            "receiver": receiver,
            "text": text,
            "clean_text": clean,
            "keyword": keyword,
            "received_at": received_at,
            "sms_count": parts,
            "price": price,
            "reply_to": reply_to,
            "pull": PULL_READY if number and url is None else PULL_NONE,
            "channel": "mms" if segments else "sms",
            "segments": json.dumps(segments, ensure_ascii=False) if segments else None,
        },
    ).fetchone()
    if stored is None:
        raise MissingId("the INSERT into inbound returned no row")
    if url is not None:
        conn.execute(
            "INSERT INTO deliveries (message, url, body, due_at, final, xml, kind) "
            "VALUES (:message, :url, :body, :due_at, 1, 0, 'inbound')",
            {
                "message": stored["id"],
                "url": url,
                "body": json.dumps(mo_result(stored), separators=(",", ":"), ensure_ascii=False),
                "due_at": received_at,
            },
        )
    return int(stored["id"])


class InboundService:
    def __init__(self, store: Store, clock: Clock, random: Randomness, settings: Settings) -> None:
        self._store = store
        self._clock = clock
        self._random = random
        self._settings = settings

    # --- numbers (admin API) ----------------------------------------------------------------------

    def add_number(self, body: Mapping[str, Any], account_id: int) -> dict[str, Any]:
        number = _digits(body["number"], "number")
        url = body.get("forwardUrl")
        if url is not None:
            check_callback_url(url, "forwardUrl")
        keywords = sorted({k.upper() for k in body.get("keywords", [])})
        with self._store.write() as conn:
            if conn.execute("SELECT 1 FROM accounts WHERE id = :id", {"id": account_id}).fetchone() is None:
                raise NotFound("account", account_id)
            row = conn.execute(
                "INSERT INTO numbers (number, account_id, forward_url, keywords, content_type) "
                "VALUES (:number, :account, :url, :keywords, :content_type) ON CONFLICT (number) DO NOTHING "
                "RETURNING *",
                {
                    "number": number,
                    "account": account_id,
                    "url": url,
                    "keywords": json.dumps(keywords),
                    "content_type": body.get("contentType", JSON_TYPE),
                },
            ).fetchone()
            if row is None:
                raise Conflict(f"the number {number} is registered already")
        return self._describe_number(row)

    def numbers(self) -> list[dict[str, Any]]:
        with self._store.read() as conn:
            rows = conn.execute("SELECT * FROM numbers ORDER BY id").fetchall()
        return [self._describe_number(r) for r in rows]

    def delete_number(self, number_id: int) -> int:
        deleted = self._store.delete_rows("numbers", number_id)
        if deleted == 0:
            raise NotFound("number", number_id)
        return deleted

    @staticmethod
    def _describe_number(row: Row) -> dict[str, Any]:
        return {
            "id": row["id"],
            "number": row["number"],
            "account": row["account_id"],
            **({"forwardUrl": redact(row["forward_url"])} if row["forward_url"] else {}),
            "keywords": json.loads(row["keywords"]),
            "contentType": row["content_type"],
        }

    # --- messages ---------------------------------------------------------------------------------

    def receive(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """A handset sends ``text`` (an SMS) or ``segments`` (an MMS) from ``from`` to ``to`` (now,
        or at ``at``)."""
        sender = _digits(body["from"], "from")
        receiver = _digits(body["to"], "to")
        segments = body.get("segments")
        text = body.get("text") or "\n".join(s["value"] for s in segments or [] if "value" in s)
        with self._store.write() as conn:
            at = parse_time(body["at"], "at") if "at" in body else self._clock.now_ms()
            row_id = store_inbound(
                conn, self._random, self._settings, sender, receiver, text, at, None, segments
            )
            row = conn.execute("SELECT * FROM inbound WHERE id = :id", {"id": row_id}).fetchone()
        return self._describe(row)

    def answer(self, handset: str, text: str, account: int | None = None) -> dict[str, Any]:
        """``handset`` answers the last message it got (from ``account``, when given) with an SMS
        (the dashboard's reply box): to the number that message came from when that is one of the
        fake's numbers, else to the first number of that message's account, else to its sender as
        written (no one's number: kept, never forwarded). The stored message, a reply to that one;
        a handset that got nothing has nothing to answer (an InvalidRequest naming ``to``)."""
        sender = _digits(handset, "to")
        params: dict[str, Any] = {"handset": sender}
        if account is not None:
            params["account"] = account
        with self._store.write() as conn:
            last = conn.execute(
                "SELECT message_id, account_id, sender FROM messages WHERE destination = :handset "
                + ("AND account_id = :account " if account is not None else "")
                + "ORDER BY sent_at DESC, id DESC LIMIT 1",
                params,
            ).fetchone()
            if last is None:
                raise InvalidRequest({"to": [f"{sender} has had no message to answer"]})
            own = conn.execute(
                "SELECT number FROM numbers WHERE number = :sent_from OR account_id = :account "
                "ORDER BY CASE WHEN number = :sent_from THEN 0 ELSE 1 END, id LIMIT 1",
                {"sent_from": (last["sender"] or "").removeprefix("+"), "account": last["account_id"]},
            ).fetchone()
            receiver = own["number"] if own is not None else (last["sender"] or "")
            row_id = store_inbound(
                conn,
                self._random,
                self._settings,
                sender,
                receiver,
                text,
                self._clock.now_ms(),
                last["message_id"],
            )
            row = conn.execute("SELECT * FROM inbound WHERE id = :id", {"id": row_id}).fetchone()
        return self._describe(row)

    def pull(self, account: Account, query: Mapping[str, str], channel: str = "sms") -> dict[str, Any]:
        """Inbound messages of ``channel`` not forwarded, oldest first, each once. The fake's numbers
        belong to no application, entity or campaign: a filter by one of them matches nothing."""
        limit = int(query.get("limit") or DEFAULT_LIMIT)
        if any(query.get(name) for name in ("applicationId", "entityId", "campaignReferenceId")):
            limit = 0
        where = "account_id = :account AND channel = :channel AND pull = :ready AND received_at <= :now"
        params = {"account": account.id, "channel": channel, "ready": PULL_READY, "now": self._clock.now_ms()}
        with self._store.write(account_lock(account.id)) as conn:
            rows = conn.execute(
                f"SELECT * FROM inbound WHERE {where} ORDER BY received_at, id LIMIT :limit",
                {**params, "limit": limit},
            ).fetchall()
            conn.executemany(
                "UPDATE inbound SET pull = :done WHERE id = :id",
                [{"done": PULL_DONE, "id": r["id"]} for r in rows],
            )
            left = int(conn.execute(f"SELECT count(*) FROM inbound WHERE {where}", params).fetchone()[0])
        results = [mo_result(r, pulled=True) for r in rows]
        if channel == "mms":
            return {"results": results}
        return {"results": results, "messageCount": len(rows), "pendingMessageCount": left if limit else 0}

    def listing(self, query: Mapping[str, str], account: int | None = None) -> list[dict[str, Any]]:
        """Every inbound message (``account``'s only, when given), newest first (admin API,
        dashboard)."""
        clauses = ["1 = 1"]
        params: dict[str, Any] = {"limit": int(query.get("limit") or 100)}
        if account is not None:
            clauses.append("account_id = :account_scope")
            params["account_scope"] = account
        for name, column in (("to", "receiver"), ("from", "sender")):
            if query.get(name):
                clauses.append(f"{column} = :{column}")
                params[column] = query[name].removeprefix("+")
        if query.get("q"):  # the search syntax (channels/search.py)
            terms = search.parse(query["q"])
            clauses.append(
                search.where(terms, search.INBOUND, self._store.engine, self._clock.now_ms(), params)
            )
        with self._store.read() as conn:
            if query.get("since"):  # received after a time of the fake's clock, or after a message
                after = conn.execute(
                    "SELECT id FROM inbound WHERE message_id = :since", {"since": query["since"]}
                ).fetchone()
                if after is not None:
                    clauses.append("id > :after_id")
                    params["after_id"] = after[0]
                else:
                    clauses.append("received_at > :after_time")
                    params["after_time"] = parse_time(query["since"], "since")
            rows = conn.execute(
                f"SELECT * FROM inbound WHERE {' AND '.join(clauses)} "
                "ORDER BY received_at DESC, id DESC LIMIT :limit",
                params,
            ).fetchall()
        return [self._describe(r) for r in rows]

    def _describe(self, row: Row) -> dict[str, Any]:
        now = self._clock.now_ms()
        return {
            **_sms_shape(row),
            "channel": row["channel"],
            **({"segments": json.loads(row["segments"])} if row["segments"] else {}),
            **({"account": row["account_id"]} if row["account_id"] is not None else {}),
            "owned": row["account_id"] is not None,
            "arrived": row["received_at"] <= now,
            "pulled": row["pull"] == PULL_DONE,
            **({"replyTo": row["reply_to"]} if row["reply_to"] else {}),
            "otp": code_in(row["text"]),
            "links": links_in(row["text"]),
        }
