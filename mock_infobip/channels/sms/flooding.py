"""Infobip's flooding mechanism (DCL, "Destination Counter Limitator"), on by default for every
account: per account and destination, within the sliding hour of the fake's clock before a message
goes out, the 21st message (any texts) and the 7th with identical text are rejected at once with
``REJECTED_FLOODING_FILTER`` and not charged: ``EC_DESTINATION_FLOODING`` for the first case,
``EC_DESTINATION_TXT_FLOODING`` for the second (docs/sms.md, "Flooding").

Decisions where Infobip is silent (docs/decisions.md): only messages the platform accepted count (a
rejected one counts for nothing, so a destination is never locked out by its own rejections); SMS
of every operation and 2FA PIN messages count, MMS do not; "identical" is the text exactly as sent;
the hour is the one before the message's own moment (its ``sendAt``, for a scheduled one). A send
counts under its account's lock (``account_lock``): exact across ``--workers`` and hosts.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from mock_infobip.storage.interface import Connection
from mock_infobip.storage.sql import IN_CHUNK, in_list

HOUR_MS = 3_600_000
MAX_MESSAGES = 20  # in an hour: the 21st is rejected
MAX_IDENTICAL = 6  # with the same text in an hour: the 7th is rejected
FLOODING = "REJECTED/REJECTED_FLOODING_FILTER"
TOO_MANY = "USER_ERRORS/EC_DESTINATION_FLOODING"
SAME_TEXT = "USER_ERRORS/EC_DESTINATION_TXT_FLOODING"

RECENT = (
    "SELECT destination, sent_at, text FROM messages "
    "WHERE account_id = :account AND destination IN {marks} AND sent_at > :since AND sent_at <= :until "
    "AND channel <> 'mms' AND substr(status, 1, 9) <> 'REJECTED/'"
)


@dataclass
class Counter:
    """The messages each destination was sent (accepted), read once for a send and kept up to date
    as the send accepts its own."""

    sent: dict[str, list[tuple[int, str | None]]] = field(default_factory=dict)

    @classmethod
    def read(
        cls, conn: Connection, account_id: int, destinations: Iterable[str], since: int, until: int
    ) -> Counter:
        """What ``destinations`` were sent between ``since`` and ``until`` (the hour before the
        earliest message of the send, to its latest)."""
        counter = cls()
        wanted = sorted(set(destinations))
        for start in range(0, len(wanted), IN_CHUNK):
            marks, params = in_list("to", wanted[start : start + IN_CHUNK])
            rows = conn.execute(
                RECENT.format(marks=marks), {"account": account_id, "since": since, "until": until, **params}
            )
            for row in rows:
                counter.sent.setdefault(row["destination"], []).append((row["sent_at"], row["text"]))
        return counter

    def refusal(self, destination: str, text: str | None, at: int) -> str | None:
        """The error a message to ``destination`` at ``at`` is rejected with, or None."""
        sent = self.sent.get(destination, ())
        recent = [sent_text for sent_at, sent_text in sent if at - HOUR_MS < sent_at <= at]
        if len(recent) >= MAX_MESSAGES:
            return TOO_MANY
        if text is not None and sum(1 for sent_text in recent if sent_text == text) >= MAX_IDENTICAL:
            return SAME_TEXT
        return None

    def accepted(self, destination: str, text: str | None, at: int) -> None:
        self.sent.setdefault(destination, []).append((at, text))
