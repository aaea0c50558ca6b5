"""One search syntax for the admin listings (``q=``) and the dashboard's search box (docs/search.md).

A query is terms separated by spaces: free words and ``"quoted phrases"`` (the text contains them,
in any case), ``field:value`` (``to:``, ``from:``, ``status:``, ``country:``, ``account:``,
``after:``, ``before:``, ``is:pin|mms|scheduled|inbound``; a value may be quoted), and ``-`` before
any term negates it. Every term must hold. A prefix that is no field (``https://…``) is text.

:func:`parse` reads a query into :class:`Term` s (pure); :func:`where` turns them into one SQL
condition over a :class:`Source` (the outbox's table or the inbound one), with named parameters,
written once for both engines but for the one test each says in its own words (:data:`MATCHES`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from mock_infobip.core.errors import InvalidRequest
from mock_infobip.storage.sql import LIKE_ESCAPE, like_text

FIELD = "q"
FIELDS = frozenset({"to", "from", "status", "country", "account", "after", "before", "is"})
KINDS = frozenset({"pin", "mms", "scheduled", "inbound"})
_TERM = re.compile(r'(-?)(?:([A-Za-z]+):)?(?:"([^"]*)"?|(\S+))')
# A one-time code standing alone in a text (as the listing's otp: channels/messages/extract.py),
# a POSIX regular expression both engines read the same; how each says "matches" differs
CODE_PATTERN = "(^|[^0-9])[0-9]{4,10}([^0-9]|$)"
MATCHES = {"sqlite": "{column} REGEXP :{param}", "postgresql": "{column} ~ :{param}"}


@dataclass(frozen=True)
class Term:
    field: str  # "" for text
    value: str
    negated: bool = False


def parse(query: str) -> list[Term]:
    """The terms of ``query``; an ``is:`` of no kind, or an ``after:``/``before:`` that is no time,
    is an InvalidRequest naming ``q``."""
    terms = []
    for found in _TERM.finditer(query):
        negated, field, quoted, bare = found.groups()
        value = quoted if quoted is not None else bare
        field = (field or "").lower()
        if field and field not in FIELDS:  # "https://…", "note:": text, prefix and all
            value, field = f"{found.group(2)}:{value}", ""
        if not value and not field:
            continue
        term = Term(field, value, bool(negated))
        if field == "is" and value.lower() not in KINDS:
            raise InvalidRequest({FIELD: [f"is: takes {', '.join(sorted(KINDS))}, not {value!r}"]})
        if field in ("after", "before"):
            moment(term)
        terms.append(term)
    return terms


def moment(term: Term) -> int:
    """An ``after:``/``before:`` value in ms: a date (its start, UTC; ``after:`` takes the day in,
    ``before:`` leaves it out) or a time (ISO 8601, UTC when it gives no offset)."""
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", term.value):
            day = date.fromisoformat(term.value)
            start = datetime(day.year, day.month, day.day, tzinfo=UTC)
            return int(start.timestamp() * 1000)
        at = datetime.fromisoformat(term.value.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidRequest(
            {FIELD: [f"{term.field}: takes a date (2026-11-22) or a time (2026-11-22T10:15:00Z)"]}
        ) from None
    return int((at if at.tzinfo else at.replace(tzinfo=UTC)).timestamp() * 1000)


@dataclass(frozen=True)
class Source:
    """Where a listing's terms look: its columns (None: no such thing there, the term holds for no
    row) and the kinds its rows are."""

    text: str
    to: str
    sender: str
    time: str
    account: str
    channel: str
    status: str | None = None
    region: str | None = None
    sent_after_now: bool = False  # rows can be scheduled: time later than now
    pins: bool = False  # rows can be 2FA messages (tfa_pins.sms_message_id)
    inbound: bool = False


OUTBOX = Source("text", "destination", "sender", "sent_at", "account_id", "channel", status="status",
                region="region", sent_after_now=True, pins=True)  # fmt: skip
INBOUND = Source("text", "receiver", "sender", "received_at", "account_id", "channel", inbound=True)
NONE = "1 = 0"


def where(terms: list[Term], source: Source, engine: str, now: int, params: dict[str, Any]) -> str:
    """One condition that holds for the rows every term matches (``1 = 1`` for none); the values
    are added to ``params`` as ``q0``, ``q1``…"""
    clauses = []
    for i, term in enumerate(terms):
        name = f"q{i}"
        clause = _clause(term, source, engine, now, name, params)
        clauses.append(f"(({clause}) IS NOT TRUE)" if term.negated else f"({clause})")
    return " AND ".join(clauses) or "1 = 1"


def _clause(term: Term, source: Source, engine: str, now: int, name: str, params: dict[str, Any]) -> str:
    clause = _BUILDERS[term.field](term.value, source, engine, now, name)
    if clause.params:
        params.update(clause.params)
    return clause.sql


@dataclass(frozen=True)
class _Clause:
    sql: str
    params: dict[str, Any] | None = None


def _text(value: str, source: Source, engine: str, now: int, name: str) -> _Clause:
    return _Clause(
        f"lower({source.text}) LIKE :{name} {LIKE_ESCAPE}", {name: f"%{like_text(value.lower())}%"}
    )


def _to(value: str, source: Source, engine: str, now: int, name: str) -> _Clause:
    return _Clause(f"{source.to} = :{name}", {name: value.removeprefix("+")})


def _from(value: str, source: Source, engine: str, now: int, name: str) -> _Clause:
    return _Clause(f"lower({source.sender}) = :{name}", {name: value.removeprefix("+").lower()})


def _status(value: str, source: Source, engine: str, now: int, name: str) -> _Clause:
    if source.status is None:
        return _Clause(NONE)
    wanted = like_text(value.upper())  # a group (DELIVERED) or a status (DELIVERED_TO_HANDSET)
    return _Clause(
        f"({source.status} LIKE :{name}g {LIKE_ESCAPE} OR {source.status} LIKE :{name}s {LIKE_ESCAPE})",
        {f"{name}g": wanted + "/%", f"{name}s": "%/" + wanted},
    )


# A few countries and accounts hold most messages: a page of the newest is found sooner by walking
# the messages in time order than through an index of the column (an expression, + or || '', keeps
# SQLite's planner off it; PostgreSQL's plans by its statistics)


def _country(value: str, source: Source, engine: str, now: int, name: str) -> _Clause:
    if source.region is None:
        return _Clause(NONE)
    return _Clause(f"{source.region} || '' = :{name}", {name: value.upper()})


def _account(value: str, source: Source, engine: str, now: int, name: str) -> _Clause:
    """An account by its id or its name (in any case)."""
    by_id = int(value) if value.isdigit() and len(value) < 19 else -1
    return _Clause(
        f"+{source.account} IN (SELECT id FROM accounts WHERE id = :{name}i OR lower(name) = :{name}n)",
        {f"{name}i": by_id, f"{name}n": value.lower()},
    )


def _after(value: str, source: Source, engine: str, now: int, name: str) -> _Clause:
    return _Clause(f"{source.time} >= :{name}", {name: moment(Term("after", value))})


def _before(value: str, source: Source, engine: str, now: int, name: str) -> _Clause:
    return _Clause(f"{source.time} < :{name}", {name: moment(Term("before", value))})


def _is(value: str, source: Source, engine: str, now: int, name: str) -> _Clause:
    kind = value.lower()
    if kind == "inbound":
        return _Clause("1 = 1" if source.inbound else NONE)
    if kind == "mms":
        return _Clause(f"{source.channel} = 'mms'")
    if kind == "scheduled":
        return _Clause(f"{source.time} > :{name}", {name: now}) if source.sent_after_now else _Clause(NONE)
    code = MATCHES[engine].format(column=source.text, param=name)  # kind == "pin"
    if source.pins:
        code += " OR message_id IN (SELECT sms_message_id FROM tfa_pins WHERE sms_message_id IS NOT NULL)"
    return _Clause(code, {name: CODE_PATTERN})


_BUILDERS: dict[str, Callable[[str, Source, str, int, str], _Clause]] = {
    "": _text,
    "to": _to,
    "from": _from,
    "status": _status,
    "country": _country,
    "account": _account,
    "after": _after,
    "before": _before,
    "is": _is,
}
