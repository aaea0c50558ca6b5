"""2FA configuration: applications (how many attempts, how long a PIN lives, the send and verify
limits) and message templates (SMS or voice: text with ``{{pin}}``; email), per account, as
Infobip's 2FA document describes them. The contracts have checked shapes and formats already."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mock_infobip.core.clock import Clock
from mock_infobip.core.errors import ApiNotFound, InvalidRequest
from mock_infobip.core.randomness import Randomness
from mock_infobip.identity.accounts import Account
from mock_infobip.storage.interface import Store, account_lock, inserted_id

# Infobip's documented defaults (ApplicationConfiguration, the template requests)
DEFAULTS: dict[str, Any] = {
    "pinAttempts": 10,
    "allowMultiplePinVerifications": True,
    "pinTimeToLive": "15m",
    "verifyPinLimit": "1/3s",
    "sendPinPerApplicationLimit": "10000/1d",
    "sendPinPerPhoneNumberLimit": "3/1d",
}
PIN_PLACEHOLDER = "{{pin}}"
DEFAULT_PIN_LENGTH = 4
UNIT_MS = {"ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000}
YEAR_MS, DAY_MS = 365 * UNIT_MS["d"], UNIT_MS["d"]
# the longest period each setting may have (Infobip: "must not exceed one year / one day")
LONGEST = {
    "pinTimeToLive": YEAR_MS,
    "verifyPinLimit": DAY_MS,
    "sendPinPerApplicationLimit": YEAR_MS,
    "sendPinPerPhoneNumberLimit": YEAR_MS,
}
_PERIOD = re.compile(r"^([0-9]*)(ms|s|m|h|d)$")
_LIMIT = re.compile(r"^([0-9]+)/([0-9]*)(ms|s|m|h|d)$")
SMS_FIELDS = ("messageText", "pinLength", "pinType", "language", "senderId", "repeatDTMF", "speechRate",
              "voiceName", "regional")  # fmt: skip
EMAIL_FIELDS = ("from", "emailTemplateId", "landingPageId", "pinLength", "pinType")


def period_ms(text: str) -> int:
    """``15m``, ``3s``, ``d`` (a length of 1) in milliseconds."""
    found = _PERIOD.match(text)
    assert found is not None, text  # the contract's pattern
    return int(found.group(1) or 1) * UNIT_MS[found.group(2)]


def limit(text: str) -> tuple[int, int]:
    """``3/1d``: (3 requests, per 86,400,000 ms)."""
    found = _LIMIT.match(text)
    assert found is not None, text  # the contract's pattern
    return int(found.group(1)), int(found.group(2) or 1) * UNIT_MS[found.group(3)]


def _checked(configuration: Mapping[str, Any]) -> dict[str, Any]:
    for name, longest in LONGEST.items():
        window = period_ms(configuration[name]) if name == "pinTimeToLive" else limit(configuration[name])[1]
        if not 0 < window <= longest:
            bound = "one year" if longest == YEAR_MS else "one day"
            raise InvalidRequest({f"configuration.{name}": [f"must be more than 0 and at most {bound}"]})
    return dict(configuration)


@dataclass(frozen=True)
class Application:
    app_id: str
    account_id: int
    name: str
    configuration: dict[str, Any]
    enabled: bool

    def wire(self) -> dict[str, Any]:
        return {
            "applicationId": self.app_id,
            "name": self.name,
            "configuration": self.configuration,
            "enabled": self.enabled,
        }


@dataclass(frozen=True)
class Template:
    message_id: str
    app_id: str
    kind: str  # sms (SMS or voice) | email
    fields: dict[str, Any]

    @property
    def pin_type(self) -> str:
        return str(self.fields.get("pinType", "NUMERIC"))

    @property
    def pin_length(self) -> int:
        return int(self.fields.get("pinLength", DEFAULT_PIN_LENGTH))

    def wire(self) -> dict[str, Any]:
        head = {"messageId": self.message_id, "applicationId": self.app_id}
        if self.kind == "email":
            return {**head, "pinLength": self.pin_length, "pinType": self.pin_type, **_given(self.fields)}
        return {
            **head,
            "pinPlaceholder": PIN_PLACEHOLDER,
            "pinLength": self.pin_length,
            **_given(self.fields),
        }


def _given(fields: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in fields.items() if k not in ("pinLength",)}


def _hex_id(random: Randomness, key: str) -> str:
    return random.token(key, 32, "0123456789ABCDEF")


class TfaConfig:
    def __init__(self, store: Store, clock: Clock, random: Randomness) -> None:
        self._store = store
        self._clock = clock
        self._random = random

    # --- applications ---------------------------------------------------------------------------

    def create_application(self, account: Account, body: Mapping[str, Any]) -> Application:
        configuration = _checked({**DEFAULTS, **body.get("configuration", {})})
        with self._store.write(account_lock(account.id)) as conn:
            row_id = inserted_id(
                conn.execute(
                    "INSERT INTO tfa_applications (app_id, account_id, name, configuration, enabled, "
                    "created_at) VALUES ('', :account, :name, :configuration, :enabled, :now) RETURNING id",
                    {
                        "account": account.id,
                        "name": body["name"],
                        "configuration": json.dumps(configuration),
                        "enabled": int(body.get("enabled", True)),
                        "now": self._clock.now_ms(),
                    },
                )
            )
            app_id = _hex_id(self._random, f"tfa-application:{row_id}")
            conn.execute(
                "UPDATE tfa_applications SET app_id = :app_id WHERE id = :id",
                {"app_id": app_id, "id": row_id},
            )
        return self.application(account, app_id)

    def update_application(self, account: Account, app_id: str, body: Mapping[str, Any]) -> Application:
        current = self.application(account, app_id)
        configuration = _checked({**current.configuration, **body.get("configuration", {})})
        enabled = body.get("enabled", current.enabled)
        with self._store.write(account_lock(account.id)) as conn:
            conn.execute(
                "UPDATE tfa_applications SET name = :name, configuration = :configuration, "
                "enabled = :enabled WHERE app_id = :app_id",
                {
                    "name": body["name"],
                    "configuration": json.dumps(configuration),
                    "enabled": int(enabled),
                    "app_id": app_id,
                },
            )
        return self.application(account, app_id)

    def application(self, account: Account, app_id: str) -> Application:
        with self._store.read() as conn:
            row = conn.execute(
                "SELECT * FROM tfa_applications WHERE app_id = :app_id AND account_id = :account",
                {"app_id": app_id, "account": account.id},
            ).fetchone()
        if row is None:
            raise ApiNotFound("Application not found")
        return _application(row)

    def applications(self, account: Account) -> list[Application]:
        with self._store.read() as conn:
            rows = conn.execute(
                "SELECT * FROM tfa_applications WHERE account_id = :account ORDER BY id",
                {"account": account.id},
            ).fetchall()
        return [_application(r) for r in rows]

    # --- templates --------------------------------------------------------------------------------

    def create_template(self, account: Account, app_id: str, body: Mapping[str, Any], kind: str) -> Template:
        self.application(account, app_id)
        fields = _template_fields(body, kind, {})
        with self._store.write(account_lock(account.id)) as conn:
            row_id = inserted_id(
                conn.execute(
                    "INSERT INTO tfa_templates (message_id, app_id, account_id, kind, fields) "
                    "VALUES ('', :app_id, :account, :kind, :fields) RETURNING id",
                    {"app_id": app_id, "account": account.id, "kind": kind, "fields": json.dumps(fields)},
                )
            )
            message_id = _hex_id(self._random, f"tfa-template:{row_id}")
            conn.execute(
                "UPDATE tfa_templates SET message_id = :message_id WHERE id = :id",
                {"message_id": message_id, "id": row_id},
            )
        return self.template(account, app_id, message_id)

    def update_template(
        self, account: Account, app_id: str, message_id: str, body: Mapping[str, Any], kind: str
    ) -> Template:
        current = self.template(account, app_id, message_id)
        if current.kind != kind:
            which = "an email" if current.kind == "email" else "an SMS or voice"
            raise InvalidRequest({"messageId": [f"is {which} message template: update it at its own path"]})
        fields = _template_fields(body, kind, current.fields)
        with self._store.write(account_lock(account.id)) as conn:
            conn.execute(
                "UPDATE tfa_templates SET fields = :fields WHERE message_id = :message_id",
                {"fields": json.dumps(fields), "message_id": message_id},
            )
        return self.template(account, app_id, message_id)

    def template(self, account: Account, app_id: str, message_id: str) -> Template:
        self.application(account, app_id)
        with self._store.read() as conn:
            row = conn.execute(
                "SELECT * FROM tfa_templates WHERE message_id = :message_id AND app_id = :app_id "
                "AND account_id = :account",
                {"message_id": message_id, "app_id": app_id, "account": account.id},
            ).fetchone()
        if row is None:
            raise ApiNotFound("Message not found")
        return _template(row)

    def templates(self, account: Account, app_id: str) -> list[Template]:
        self.application(account, app_id)
        with self._store.read() as conn:
            rows = conn.execute(
                "SELECT * FROM tfa_templates WHERE app_id = :app_id AND account_id = :account ORDER BY id",
                {"app_id": app_id, "account": account.id},
            ).fetchall()
        return [_template(r) for r in rows]


def _template_fields(body: Mapping[str, Any], kind: str, current: Mapping[str, Any]) -> dict[str, Any]:
    names = EMAIL_FIELDS if kind == "email" else SMS_FIELDS
    fields = {**current, **{k: v for k, v in body.items() if k in names}}
    if kind == "email":
        fields.setdefault("pinType", "NUMERIC")
    elif PIN_PLACEHOLDER not in fields.get("messageText", ""):
        raise InvalidRequest({"messageText": [f"must contain the PIN placeholder {PIN_PLACEHOLDER}"]})
    fields.setdefault("pinLength", DEFAULT_PIN_LENGTH)
    return fields


def _application(row: Any) -> Application:
    return Application(
        row["app_id"], row["account_id"], row["name"], json.loads(row["configuration"]), bool(row["enabled"])
    )


def _template(row: Any) -> Template:
    return Template(row["message_id"], row["app_id"], row["kind"], json.loads(row["fields"]))
