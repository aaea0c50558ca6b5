"""What the dashboard shows, read from the store: every query paginated or aggregated in SQL, so a
page stays fast with 100,000 messages stored. Scoped to one account (``account``: a tenant's, or
the one an admin switched to), every query reads that account's rows only."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mock_infobip.channels import search
from mock_infobip.core.clock import wire_time
from mock_infobip.runtime import Runtime
from mock_infobip.storage.sql import LIKE_ESCAPE, in_list, like_text

PAGE = 50
GROUPS = ["PENDING", "DELIVERED", "UNDELIVERABLE", "EXPIRED", "REJECTED"]
BUCKET_MS = 4 * 3_600_000  # outcomes over time: 4-hour bars
WINDOW_MS = 4 * 86_400_000

# The aggregates, each engine's words side by side: SQLite is told the covering index to walk (its
# planner otherwise reads the table); PostgreSQL's planner chooses on its own and has no such hint.
BY_STATUS = {
    "sqlite": "SELECT status, count(*) FROM messages INDEXED BY messages_by_status GROUP BY status",
    "postgresql": "SELECT status, count(*) FROM messages GROUP BY status",
}
BY_TIME = {
    engine: f"SELECT (sent_at - :start) / :bucket AS bar, status, count(*) FROM messages{hint} "
    "WHERE sent_at >= :start GROUP BY bar, status"
    for engine, hint in (("sqlite", " INDEXED BY messages_by_time"), ("postgresql", ""))
}
BY_REGION = {
    engine: f"SELECT coalesce(region, '??'), status, count(*), max(no_reports) FROM messages{hint} "
    "GROUP BY region, status"
    for engine, hint in (("sqlite", " INDEXED BY messages_by_region"), ("postgresql", ""))
}
# One account's: the same on both engines (its messages found by messages_by_account)
OF_ACCOUNT = {
    "by_status": "SELECT status, count(*) FROM messages WHERE account_id = :account GROUP BY status",
    "by_time": "SELECT (sent_at - :start) / :bucket AS bar, status, count(*) FROM messages "
    "WHERE account_id = :account AND sent_at >= :start GROUP BY bar, status",
    "by_region": "SELECT coalesce(region, '??'), status, count(*), max(no_reports) FROM messages "
    "WHERE account_id = :account GROUP BY region, status",
}
# The deliveries waiting, of one account's messages and inbound messages
PENDING_OF_ACCOUNT = (
    "SELECT count(*) FROM deliveries d "
    "LEFT JOIN messages m ON m.id = d.message AND d.kind = 'report' "
    "LEFT JOIN inbound i ON i.id = d.message AND d.kind = 'inbound' "
    "WHERE d.state = 'pending' AND coalesce(m.account_id, i.account_id) = :account"
)


NO_REPORTS_BEYOND_TOP = 5
CONVERSATION = 200  # messages each way a handset's page shows


@dataclass
class Page:
    rows: list[dict[str, Any]]
    page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PAGE))


class DashboardQueries:
    def __init__(self, runtime: Runtime, account: int | None = None) -> None:
        self.runtime = runtime
        self.store = runtime.store
        self.account = account  # None: every account's

    def _of(self, column: str, params: dict[str, Any]) -> str:
        """`` AND column = :account`` when scoped to an account (and its parameter set)."""
        if self.account is None:
            return ""
        params["account"] = self.account
        return f" AND {column} = :account"

    def _by(self, aggregate: str, params: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        if self.account is None:
            return {"by_status": BY_STATUS, "by_time": BY_TIME, "by_region": BY_REGION}[aggregate][
                self.store.engine
            ], params
        return OF_ACCOUNT[aggregate], {**params, "account": self.account}

    def _page(self, sql: str, count_sql: str, params: dict[str, Any], page: int) -> Page:
        with self.store.read() as conn:
            total = int(conn.execute(count_sql, params).fetchone()[0])
            rows = conn.execute(
                f"{sql} LIMIT :page_size OFFSET :skipped",
                {**params, "page_size": PAGE, "skipped": (page - 1) * PAGE},
            ).fetchall()
        return Page([dict(r) for r in rows], page, total)

    def overview(self) -> dict[str, Any]:
        p: dict[str, Any] = {}
        of = self._of("account_id", p)
        pending = "SELECT count(*) FROM deliveries WHERE state = 'pending'" if not of else PENDING_OF_ACCOUNT
        with self.store.read() as conn:
            counts = {
                "lists": conn.execute(f"SELECT count(*) FROM lists WHERE true{of}", p).fetchone()[0],
                "people": conn.execute(f"SELECT count(*) FROM people WHERE true{of}", p).fetchone()[0],
                "messages": conn.execute(f"SELECT count(*) FROM messages WHERE true{of}", p).fetchone()[0],
                "mms": conn.execute(f"SELECT count(*) FROM messages WHERE channel = 'mms'{of}", p).fetchone()[
                    0
                ],
                "inbound": conn.execute(f"SELECT count(*) FROM inbound WHERE true{of}", p).fetchone()[0],
                "refusals": conn.execute(
                    f"SELECT count(*) FROM journal WHERE status = 429{of}", p
                ).fetchone()[0],
                "pending_callbacks": conn.execute(pending, p).fetchone()[0],
            }
            by_status = conn.execute(*self._by("by_status", {})).fetchall()
        by_group = dict.fromkeys(GROUPS, 0)
        for status, count in by_status:
            if _group(status) in by_group:
                by_group[_group(status)] += count
        clock = self.runtime.clock
        return {
            "counts": counts,
            "by_group": by_group,
            "accounts": [a for a in self.runtime.accounts.describe_all() if self.account in (None, a["id"])],
            "clock": {"mode": clock.mode, "speed": clock.speed, "now": wire_time(clock.now_ms())},
        }

    def outcomes_over_time(self) -> list[dict[str, Any]]:
        """Messages sent in each 4-hour bar of the last 4 days, by status group (a covering index)."""
        now = self.runtime.clock.now_ms()
        start = now - WINDOW_MS
        with self.store.read() as conn:
            rows = conn.execute(*self._by("by_time", {"start": start, "bucket": BUCKET_MS})).fetchall()
        bars = [
            {"start": wire_time(start + i * BUCKET_MS), **dict.fromkeys(GROUPS, 0)}
            for i in range(WINDOW_MS // BUCKET_MS + 1)
        ]
        for bar, status, count in rows:
            if 0 <= bar < len(bars) and _group(status) in GROUPS:
                bars[bar][_group(status)] += count
        return bars

    def outcomes_by_country(self, top: int = 15) -> list[dict[str, Any]]:
        """The ``top`` countries by messages, then up to 5 more without delivery reports."""
        with self.store.read() as conn:
            rows = conn.execute(*self._by("by_region", {})).fetchall()
        countries: dict[str, dict[str, Any]] = {}
        for region, status, count, no_reports in rows:
            entry = countries.setdefault(
                region, {"region": region, "total": 0, "noReports": False, **dict.fromkeys(GROUPS, 0)}
            )
            entry["total"] += count
            entry["noReports"] = entry["noReports"] or bool(no_reports)
            if _group(status) in GROUPS:
                entry[_group(status)] += count
        ranked = sorted(countries.values(), key=lambda c: -c["total"])
        # countries without reports that had messages are shown beyond the top too: their marker is
        # what the chart is for there (#37: it never showed when none was in the top 15)
        return ranked[:top] + [c for c in ranked[top:] if c["noReports"]][:NO_REPORTS_BEYOND_TOP]

    def lists(self, page: int) -> Page:
        params: dict[str, Any] = {}
        of = self._of("l.account_id", params)
        return self._page(
            "SELECT l.id, l.name, l.account_id, a.name AS account, l.created_at, "
            "(SELECT count(*) FROM memberships m WHERE m.list_id = l.id) AS members "
            f"FROM lists l JOIN accounts a ON a.id = l.account_id WHERE true{of} ORDER BY l.id DESC",
            f"SELECT count(*) FROM lists l WHERE true{of}",
            params,
            page,
        )

    def list_heading(self, list_id: int) -> dict[str, Any] | None:
        """A list's name and its account's name."""
        params: dict[str, Any] = {"id": list_id}
        of = self._of("l.account_id", params)
        with self.store.read() as conn:
            row = conn.execute(
                "SELECT l.name, a.name AS account FROM lists l JOIN accounts a ON a.id = l.account_id "
                f"WHERE l.id = :id{of}",
                params,
            ).fetchone()
        return None if row is None else dict(row)

    def members(self, list_id: int, search: str, page: int) -> Page:
        like = f"%{like_text(search.lower())}%"  # any case, on both engines (external ids keep theirs)
        return self._page(
            "SELECT p.identifier FROM memberships m JOIN people p ON p.id = m.person_id "
            f"WHERE m.list_id = :list AND lower(p.key) LIKE :like {LIKE_ESCAPE} ORDER BY p.id",
            "SELECT count(*) FROM memberships m JOIN people p ON p.id = m.person_id "
            f"WHERE m.list_id = :list AND lower(p.key) LIKE :like {LIKE_ESCAPE}",
            {"list": list_id, "like": like},
            page,
        )

    def messages(self, status: str, country: str, no_reports: bool, page: int, q: str = "") -> Page:
        params: dict[str, Any] = {}
        clauses = ["1 = 1" + self._of("account_id", params)]
        if q:  # the search syntax (channels/search.py), as the admin listing's q=
            now = self.runtime.clock.now_ms()
            clauses.append(search.where(search.parse(q), search.OUTBOX, self.store.engine, now, params))
        if status:
            clauses.append(f"status LIKE :group {LIKE_ESCAPE}")
            params["group"] = like_text(status.upper()) + "/%"
        if country:
            clauses.append("region = :region")
            params["region"] = country.upper()
        if no_reports:
            clauses.append("no_reports = 1")
        where = " AND ".join(clauses)
        # The page's ids first (an index walk, no rows read for the pages skipped), then its rows.
        ids = self._page(
            f"SELECT id FROM messages WHERE {where} ORDER BY sent_at DESC",
            f"SELECT count(*) FROM messages WHERE {where}",
            params,
            page,
        )
        marks, wanted = in_list("id", [row["id"] for row in ids.rows])
        with self.store.read() as conn:
            rows = conn.execute(
                f"SELECT * FROM messages WHERE id IN {marks} ORDER BY sent_at DESC", wanted
            ).fetchall()
        return Page([dict(r) for r in rows], ids.page, ids.total)

    def message(self, message_id: str) -> dict[str, Any] | None:
        """A message with its history, its callback attempts and the handset's replies."""
        found = self.runtime.reports.outbox({"messageId": message_id, "limit": "1"}, account=self.account)
        if not found:
            return None
        with self.store.read() as conn:
            attempts = conn.execute(
                f"SELECT * FROM callback_attempts WHERE message_ids LIKE :like {LIKE_ESCAPE} ORDER BY id",
                {"like": '%"' + like_text(message_id) + '"%'},
            ).fetchall()
            replies = conn.execute(
                "SELECT * FROM inbound WHERE reply_to = :id ORDER BY received_at, id", {"id": message_id}
            ).fetchall()
        pins = self.runtime.pins.listing({"smsMessageId": message_id})
        return {
            **found[0],
            "attempts": [dict(a) for a in attempts],
            "replies": [dict(r) for r in replies],
            "pins": pins,
        }

    def numbers(self) -> list[dict[str, Any]]:
        """Every number with its account and inbound counts, and the messages to nobody's number
        (an account's view: its numbers only)."""
        params: dict[str, Any] = {}
        of = self._of("n.account_id", params)
        with self.store.read() as conn:
            rows = conn.execute(
                "SELECT n.number, n.forward_url, n.keywords, a.name AS account, "
                "(SELECT count(*) FROM inbound i WHERE i.receiver = n.number AND i.channel = 'sms') AS sms, "
                "(SELECT count(*) FROM inbound i WHERE i.receiver = n.number AND i.channel = 'mms') AS mms "
                f"FROM numbers n JOIN accounts a ON a.id = n.account_id WHERE true{of} ORDER BY n.number",
                params,
            ).fetchall()
            unowned = 0
            if self.account is None:
                unowned = conn.execute("SELECT count(*) FROM inbound WHERE account_id IS NULL").fetchone()[0]
        return [dict(r) for r in rows] + (
            [
                {
                    "number": "(nobody's)",
                    "forward_url": None,
                    "keywords": "[]",
                    "account": "",
                    "sms": unowned,
                    "mms": 0,
                }
            ]
            if unowned
            else []
        )

    def inbound(self, number: str, page: int, q: str = "") -> Page:
        params: dict[str, Any] = {"number": number} if number else {}
        where = ("receiver = :number" if number else "1 = 1") + self._of("account_id", params)
        if q:
            now = self.runtime.clock.now_ms()
            where += " AND " + search.where(search.parse(q), search.INBOUND, self.store.engine, now, params)
        return self._page(
            f"SELECT * FROM inbound WHERE {where} ORDER BY received_at DESC, id DESC",
            f"SELECT count(*) FROM inbound WHERE {where}",
            params,
            page,
        )

    def conversation(self, handset: str) -> list[dict[str, Any]]:
        """Every message to and from ``handset`` (the last 200 of each), oldest first: sent ones
        as the admin listing has them (``"out"``), received ones (``"in"``)."""
        number = handset.removeprefix("+")
        query = {"limit": str(CONVERSATION)}
        sent = self.runtime.reports.outbox({**query, "to": number}, account=self.account)
        received = self.runtime.inbound.listing({**query, "from": number}, account=self.account)
        messages = [{**m, "direction": "out", "at": m["sentAt"]} for m in sent]
        messages += [{**m, "direction": "in", "at": m["receivedAt"]} for m in received]
        return sorted(messages, key=lambda m: (m["at"], m["direction"] == "in"))  # same-width UTC times

    def callbacks(self, page: int) -> Page:
        params: dict[str, Any] = {}
        of = self._of("account_id", params)
        return self._page(
            f"SELECT * FROM callback_attempts WHERE true{of} ORDER BY id DESC",
            f"SELECT count(*) FROM callback_attempts WHERE true{of}",
            params,
            page,
        )

    def refusals(self, page: int) -> Page:
        params: dict[str, Any] = {}
        of = self._of("account_id", params)
        return self._page(
            f"SELECT * FROM journal WHERE status = 429{of} ORDER BY id DESC",
            f"SELECT count(*) FROM journal WHERE status = 429{of}",
            params,
            page,
        )


def _group(status_key: str) -> str:
    return status_key.split("/", 1)[0]
