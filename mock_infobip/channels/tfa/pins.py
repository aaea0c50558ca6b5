"""One-time PINs: generated from the seeded random source (or forced for a number by the admin
API), sent as an SMS through the SMS engine (it is in the logs, reports, outbox and dashboard like
any SMS), over voice or email (recorded, no call or email made), and verified on the fake's clock.

The limits of the application (``sendPinPerApplicationLimit``, ``sendPinPerPhoneNumberLimit``,
``verifyPinLimit``) are sliding windows counted in one write transaction, so they are exact across
threads and processes sharing the database. Decisions where Infobip's document is silent are in
docs/2fa.md.
"""

from __future__ import annotations

import json
import re
import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from mock_infobip.channels.messages.catalog import REJECTED
from mock_infobip.channels.messages.destinations import read_destination
from mock_infobip.channels.messages.requests import MAX_VALIDITY_MS, Outgoing, SendRequest
from mock_infobip.channels.tfa.config import (
    PIN_PLACEHOLDER,
    Application,
    Template,
    TfaConfig,
    limit,
    period_ms,
)
from mock_infobip.core.clock import Clock, wire_time
from mock_infobip.core.errors import ApiNotFound, InvalidRequest, RateLimited
from mock_infobip.core.randomness import Randomness
from mock_infobip.identity.accounts import Account
from mock_infobip.storage.interface import Store, account_lock, inserted_id

ALPHABETS = {
    "NUMERIC": string.digits,
    "ALPHA": string.ascii_uppercase,
    "HEX": string.digits + "ABCDEF",
    "ALPHANUMERIC": string.digits + string.ascii_uppercase,
}
EMAIL_STATUS = {"name": "PENDING_ACCEPTED", "description": "Message accepted, pending for delivery."}
_PLACEHOLDER = re.compile(r"\{\{\s*([^{}\s]+)\s*\}\}")


class SmsResult(Protocol):
    @property
    def messages(self) -> list[Any]: ...


SendSms = Callable[[Account, SendRequest], SmsResult]


@dataclass(frozen=True)
class Pin:
    pin_id: str
    app_id: str
    message_id: str
    channel: str  # sms | voice | email
    to: str
    pin: str
    sent_at: int
    expires_at: int
    attempts_left: int
    verified_at: int | None
    sms_sent: bool
    sender: str | None = None  # the request's from (else the template's senderId)
    placeholders: Mapping[str, str] = field(default_factory=dict)


class Pins:
    def __init__(
        self, store: Store, clock: Clock, random: Randomness, config: TfaConfig, send_sms: SendSms
    ) -> None:
        self._store = store
        self._clock = clock
        self._random = random
        self._config = config
        self._send_sms = send_sms

    # --- sending ----------------------------------------------------------------------------------

    def send(
        self, account: Account, body: Mapping[str, Any], channel: str, lookup: bool = True
    ) -> dict[str, Any]:
        """A new PIN for ``body["to"]`` over ``channel`` (sms, voice, email); the answer."""
        app = self._config.application(account, body["applicationId"])
        template = self._config.template(account, app.app_id, body["messageId"])
        _usable(app, template, channel)
        placeholders = _placeholders(body.get("placeholders", {}))
        to = body["to"]
        with self._store.write(account_lock(account.id)) as conn:
            self._admit_send(conn, app, to)
            now = self._clock.now_ms()
            expires_at = now + period_ms(app.configuration["pinTimeToLive"])
            attempts = app.configuration["pinAttempts"]
            row_id = inserted_id(
                conn.execute(
                    "INSERT INTO tfa_pins (pin_id, account_id, app_id, message_id, channel, destination, "
                    "pin, sender, placeholders, sent_at, expires_at, attempts_left, verified_at, "
                    "sms_message_id, sms_sent) VALUES ('', :account, :app_id, :message_id, :channel, :to, "
                    "'', :sender, :placeholders, :now, :expires_at, :attempts, NULL, NULL, 0) RETURNING id",
                    {
                        "account": account.id,
                        "app_id": app.app_id,
                        "message_id": template.message_id,
                        "channel": channel,
                        "to": to,
                        "sender": body.get("from"),
                        "placeholders": json.dumps(placeholders),
                        "now": now,
                        "expires_at": expires_at,
                        "attempts": attempts,
                    },
                )
            )
            pin_id = self._random.token(f"tfa-pin:{row_id}", 32, "0123456789ABCDEF")
            pin = self._forced(conn, to) or self._random.token(
                f"tfa-pin-value:{row_id}", template.pin_length, ALPHABETS[template.pin_type]
            )
            conn.execute(
                "UPDATE tfa_pins SET pin_id = :pin_id, pin = :pin WHERE id = :id",
                {"pin_id": pin_id, "pin": pin, "id": row_id},
            )
        made = Pin(
            pin_id, app.app_id, template.message_id, channel, to, pin, now, expires_at, attempts, None, False,
            body.get("from"), placeholders,
        )  # fmt: skip
        return self._deliver(account, made, template, body, lookup)

    def resend(self, account: Account, pin_id: str, body: Mapping[str, Any], channel: str) -> dict[str, Any]:
        """The same PIN again, over ``channel`` (its time to live is not extended)."""
        found = self.pin(account, pin_id)
        app = self._config.application(account, found.app_id)
        template = self._config.template(account, app.app_id, found.message_id)
        _usable(app, template, channel)
        if found.verified_at is not None:
            raise InvalidRequest({"pinId": ["is verified already: send a new PIN"]})
        placeholders = _placeholders(body.get("placeholders", {}))
        with self._store.write(account_lock(account.id)) as conn:
            self._admit_send(conn, app, found.to)
            if placeholders:
                conn.execute(
                    "UPDATE tfa_pins SET placeholders = :placeholders WHERE pin_id = :pin_id",
                    {"placeholders": json.dumps(placeholders), "pin_id": pin_id},
                )
                found = replace(found, placeholders=placeholders)
        return self._deliver(account, found, template, body, lookup=False)

    def _deliver(
        self, account: Account, pin: Pin, template: Template, body: Mapping[str, Any], lookup: bool
    ) -> dict[str, Any]:
        if pin.channel == "email":
            return {"pinId": pin.pin_id, "to": pin.to, "emailStatus": dict(EMAIL_STATUS)}
        if pin.channel == "voice":
            return {"pinId": pin.pin_id, "to": pin.to, "callStatus": "PENDING_ACCEPTED"}
        text = render(template.fields["messageText"], pin.pin, pin.placeholders)
        sender = pin.sender or template.fields.get("senderId")
        outgoing = Outgoing(
            to=pin.to,
            message_id=None,
            sender=sender,
            text=text,
            callback_url=None,
            callback_data=None,
            intermediate=False,
            validity_ms=min(MAX_VALIDITY_MS, max(1000, pin.expires_at - pin.sent_at)),
            send_at=None,
        )
        (sent,) = self._send_sms(account, SendRequest(3, None, False, [outgoing])).messages
        delivered = sent.status.group_id != REJECTED
        with self._store.write(account_lock(account.id)) as conn:
            conn.execute(
                "UPDATE tfa_pins SET sms_message_id = :message_id, "
                "sms_sent = CASE WHEN :sent > sms_sent THEN :sent ELSE sms_sent END WHERE pin_id = :pin_id",
                {"message_id": sent.message_id, "sent": int(delivered), "pin_id": pin.pin_id},
            )
        answer: dict[str, Any] = {"pinId": pin.pin_id, "to": pin.to}
        if lookup:
            reachable = read_destination(pin.to).rejection is None
            answer["ncStatus"] = "NC_DESTINATION_REACHABLE" if reachable else "NC_DESTINATION_UNKNOWN"
        answer["smsStatus"] = "MESSAGE_SENT" if delivered else "MESSAGE_NOT_SENT"
        if body.get("trackDelivery"):
            answer["externalMessageId"] = sent.message_id
        return answer

    def _admit_send(self, conn: Any, app: Application, to: str) -> None:
        """Count this send against the application's two send limits (or refuse it with a 429)."""
        config = app.configuration
        self._admit(conn, "send", app.app_id, None, config["sendPinPerApplicationLimit"])
        self._admit(conn, "send", app.app_id, to, config["sendPinPerPhoneNumberLimit"])
        conn.execute(
            "INSERT INTO tfa_events (kind, app_id, destination, at) VALUES ('send', :app_id, :to, :now)",
            {"app_id": app.app_id, "to": to, "now": self._clock.now_ms()},
        )

    def _admit(self, conn: Any, kind: str, app_id: str, to: str | None, rule: str) -> None:
        attempts, window = limit(rule)
        now = self._clock.now_ms()
        where = "kind = :kind AND app_id = :app_id AND at > :since" + (
            "" if to is None else " AND destination = :to"
        )
        params = {"kind": kind, "app_id": app_id, "since": now - window, **({} if to is None else {"to": to})}
        count, oldest = conn.execute(
            f"SELECT count(*), min(at) FROM tfa_events WHERE {where}", params
        ).fetchone()
        if count >= attempts:
            raise RateLimited(f"2fa.{kind}", max(0.001, (oldest + window - now) / 1000))

    # --- verifying --------------------------------------------------------------------------------

    def verify(self, account: Account, pin_id: str, given: str) -> dict[str, Any]:
        found = self.pin(account, pin_id)
        app = self._config.application(account, found.app_id)
        config = app.configuration
        with self._store.write(account_lock(account.id)) as conn:
            self._admit(conn, "verify", app.app_id, found.to, config["verifyPinLimit"])
            now = self._clock.now_ms()
            conn.execute(
                "INSERT INTO tfa_events (kind, app_id, destination, at) "
                "VALUES ('verify', :app_id, :to, :now)",
                {"app_id": app.app_id, "to": found.to, "now": now},
            )
            row = conn.execute("SELECT * FROM tfa_pins WHERE pin_id = :pin_id", {"pin_id": pin_id}).fetchone()
            left, verified_at = row["attempts_left"], row["verified_at"]
            error: str | None = None
            if verified_at is not None and not config["allowMultiplePinVerifications"]:
                error = "PIN_ALREADY_VERIFIED"
            elif now >= row["expires_at"]:
                error = "TTL_EXPIRED"
            elif left <= 0:
                error = "NO_MORE_PIN_ATTEMPTS"
            elif given.upper() != row["pin"].upper():
                error = "WRONG_PIN"
                left = max(0, left - 1)
                conn.execute(
                    "UPDATE tfa_pins SET attempts_left = :left WHERE pin_id = :pin_id",
                    {"left": left, "pin_id": pin_id},
                )
            elif verified_at is None:
                conn.execute(
                    "UPDATE tfa_pins SET verified_at = :now WHERE pin_id = :pin_id",
                    {"now": now, "pin_id": pin_id},
                )
        answer: dict[str, Any] = {
            "pinId": pin_id,
            "msisdn": found.to,
            "verified": error is None,
            "attemptsRemaining": left,
        }
        if error is not None:
            answer["pinError"] = error
        return answer

    def verifications(self, account: Account, app_id: str, query: Mapping[str, str]) -> list[dict[str, Any]]:
        """The PINs sent to ``msisdn`` for the application, newest first, as Infobip lists them."""
        self._config.application(account, app_id)
        clauses = ["account_id = :account", "app_id = :app_id", "destination = :to"]
        params: dict[str, Any] = {"account": account.id, "app_id": app_id, "to": query["msisdn"]}
        if "verified" in query:
            clauses.append(
                "verified_at IS NOT NULL" if query["verified"].lower() == "true" else "verified_at IS NULL"
            )
        if "sent" in query:
            clauses.append("sms_sent = :sent")
            params["sent"] = int(query["sent"].lower() == "true")
        with self._store.read() as conn:
            rows = conn.execute(
                f"SELECT * FROM tfa_pins WHERE {' AND '.join(clauses)} ORDER BY sent_at DESC, id DESC", params
            ).fetchall()
        found = []
        for row in rows:
            item: dict[str, Any] = {"msisdn": row["destination"], "verified": row["verified_at"] is not None}
            if row["verified_at"] is not None:
                item["verifiedAt"] = row["verified_at"]
            item["sentAt"] = row["sent_at"]
            found.append(item)
        return found

    # --- PINs: reading, forcing, generating ----------------------------------------------------------

    def pin(self, account: Account, pin_id: str) -> Pin:
        with self._store.read() as conn:
            row = conn.execute(
                "SELECT * FROM tfa_pins WHERE pin_id = :pin_id AND account_id = :account",
                {"pin_id": pin_id, "account": account.id},
            ).fetchone()
        if row is None:
            raise ApiNotFound("PIN not found")
        return _pin(row)

    def listing(self, query: Mapping[str, str]) -> list[dict[str, Any]]:
        """Every PIN (the admin API and ``last_pin``), newest first, with its value."""
        clauses = ["1 = 1"]
        params: dict[str, Any] = {"limit": int(query.get("limit") or 100)}
        for name, column in (
            ("to", "destination"),
            ("applicationId", "app_id"),
            ("pinId", "pin_id"),
            ("smsMessageId", "sms_message_id"),
        ):
            if query.get(name):
                clauses.append(f"{column} = :{column}")
                params[column] = query[name]
        with self._store.read() as conn:
            rows = conn.execute(
                f"SELECT * FROM tfa_pins WHERE {' AND '.join(clauses)} ORDER BY id DESC LIMIT :limit",
                params,
            ).fetchall()
        return [_describe(r) for r in rows]

    def force(self, to: str, pin: str) -> None:
        """Every PIN sent to ``to`` from now on is ``pin`` (until :meth:`unforce`)."""
        with self._store.write() as conn:
            conn.execute(
                "INSERT INTO tfa_forced (destination, pin) VALUES (:to, :pin) "
                "ON CONFLICT (destination) DO UPDATE SET pin = excluded.pin",
                {"to": to, "pin": pin},
            )

    def unforce(self, to: str | None = None) -> int:
        with self._store.write() as conn:
            if to is None:
                return int(conn.execute("DELETE FROM tfa_forced").rowcount)
            return int(conn.execute("DELETE FROM tfa_forced WHERE destination = :to", {"to": to}).rowcount)

    @staticmethod
    def _forced(conn: Any, to: str) -> str | None:
        row = conn.execute("SELECT pin FROM tfa_forced WHERE destination = :to", {"to": to}).fetchone()
        return None if row is None else str(row["pin"])


def render(text: str, pin: str, placeholders: Mapping[str, str]) -> str:
    """The template's text with ``{{pin}}`` and the request's placeholders filled in; a placeholder
    the request does not give stays as written."""

    def fill(found: re.Match[str]) -> str:
        name = found.group(1)
        if name == "pin":
            return pin
        return placeholders.get(name, found.group(0))

    return _PLACEHOLDER.sub(fill, text.replace(PIN_PLACEHOLDER, pin))


def _placeholders(given: Mapping[str, str]) -> dict[str, str]:
    for name in given:
        if name == "pin" or "{" in name or "}" in name:
            raise InvalidRequest({f"placeholders.{name}": ["must not be pin nor contain curly brackets"]})
    return dict(given)


def _usable(app: Application, template: Template, channel: str) -> None:
    if not app.enabled:
        raise InvalidRequest({"applicationId": ["is disabled"]})
    if (template.kind == "email") != (channel == "email"):
        wanted = "an email" if channel == "email" else "an SMS or voice"
        raise InvalidRequest({"messageId": [f"must be {wanted} message template"]})


def _pin(row: Any) -> Pin:
    return Pin(
        row["pin_id"],
        row["app_id"],
        row["message_id"],
        row["channel"],
        row["destination"],
        row["pin"],
        row["sent_at"],
        row["expires_at"],
        row["attempts_left"],
        row["verified_at"],
        bool(row["sms_sent"]),
        row["sender"],
        json.loads(row["placeholders"]),
    )


def _describe(row: Any) -> dict[str, Any]:
    described: dict[str, Any] = {
        "pinId": row["pin_id"],
        "accountId": row["account_id"],
        "applicationId": row["app_id"],
        "messageId": row["message_id"],
        "channel": row["channel"],
        "to": row["destination"],
        "pin": row["pin"],
        "sentAt": wire_time(row["sent_at"]),
        "expiresAt": wire_time(row["expires_at"]),
        "attemptsRemaining": row["attempts_left"],
        "verified": row["verified_at"] is not None,
    }
    if row["verified_at"] is not None:
        described["verifiedAt"] = wire_time(row["verified_at"])
    if row["sms_message_id"] is not None:
        described["smsMessageId"] = row["sms_message_id"]
    return described
