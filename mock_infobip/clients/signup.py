"""A sign-up phone verification as an application writes it on Infobip's 2FA API: a user gives a
phone number, gets a PIN by SMS, types it; a wrong PIN may be typed again while attempts are left,
a PIN that expired or ran out of attempts is forgotten (the user starts again), a resend sends the
same PIN, and Infobip's limits (429) are told to the user as "try later". It talks HTTP to any
Infobip and imports nothing of the fake.

    verifier = SignupVerifier(base_url, api_key)
    verifier.setup()                     # the 2FA application and its SMS template, once
    verifier.start("41793026727")        # → Outcome(ok=True)
    verifier.confirm("41793026727", pin) # → Outcome(ok=True): the number is verified
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import requests

TEMPLATE = "Your {{appName}} code is {{pin}}. It expires in 10 minutes."
# pinError values after which the PIN is of no more use: the user has to start again
FINAL_ERRORS = frozenset({"TTL_EXPIRED", "NO_MORE_PIN_ATTEMPTS", "PIN_ALREADY_VERIFIED"})


@dataclass(frozen=True)
class Outcome:
    ok: bool
    reason: str | None = None  # a pinError, "rate_limited", "no_pending_pin", "not_sent", "error <status>"
    attempts_left: int | None = None


@dataclass
class SignupVerifier:
    base_url: str
    api_key: str
    app_name: str = "Sign-up"
    configuration: dict[str, Any] = field(
        default_factory=lambda: {"pinAttempts": 3, "pinTimeToLive": "10m", "verifyPinLimit": "1/3s"}
    )
    session: requests.Session = field(default_factory=requests.Session)
    application_id: str | None = None
    template_id: str | None = None
    pending: dict[str, str] = field(default_factory=dict)  # phone -> pinId waiting to be typed
    verified: set[str] = field(default_factory=set)

    def _call(self, method: str, path: str, body: Any = None) -> requests.Response:
        headers = {"Authorization": f"App {self.api_key}", "Accept": "application/json"}
        return self.session.request(method, self.base_url + path, json=body, headers=headers, timeout=30)

    def setup(self) -> None:
        """The application and its SMS template (made once, the ids kept)."""
        made = self._call(
            "POST", "/2fa/2/applications", {"name": self.app_name, "configuration": self.configuration}
        )
        made.raise_for_status()
        self.application_id = made.json()["applicationId"]
        template = {"messageText": TEMPLATE, "pinType": "NUMERIC", "pinLength": 6, "senderId": "ACME"}
        created = self._call("POST", f"/2fa/2/applications/{self.application_id}/messages", template)
        created.raise_for_status()
        self.template_id = created.json()["messageId"]

    def start(self, phone: str) -> Outcome:
        """Send a new PIN to ``phone`` (a PIN sent before is forgotten)."""
        body = {
            "applicationId": self.application_id,
            "messageId": self.template_id,
            "to": phone,
            "placeholders": {"appName": self.app_name},
        }
        answer = self._call("POST", "/2fa/2/pin", body)
        if answer.status_code == 429:
            return Outcome(False, "rate_limited")
        if answer.status_code != 200:
            return Outcome(False, f"error {answer.status_code}")
        sent = answer.json()
        if sent.get("smsStatus") != "MESSAGE_SENT":
            return Outcome(False, "not_sent")
        self.pending[phone] = sent["pinId"]
        return Outcome(True)

    def resend(self, phone: str) -> Outcome:
        pin_id = self.pending.get(phone)
        if pin_id is None:
            return Outcome(False, "no_pending_pin")
        answer = self._call(
            "POST", f"/2fa/2/pin/{pin_id}/resend", {"placeholders": {"appName": self.app_name}}
        )
        if answer.status_code == 429:
            return Outcome(False, "rate_limited")
        if answer.status_code != 200:
            return Outcome(False, f"error {answer.status_code}")
        return Outcome(answer.json().get("smsStatus") == "MESSAGE_SENT", None)

    def confirm(self, phone: str, pin: str) -> Outcome:
        """The user typed ``pin``: verified, or why not."""
        pin_id = self.pending.get(phone)
        if pin_id is None:
            return Outcome(False, "no_pending_pin")
        answer = self._call("POST", f"/2fa/2/pin/{pin_id}/verify", {"pin": pin})
        if answer.status_code == 429:
            return Outcome(False, "rate_limited")
        if answer.status_code != 200:
            return Outcome(False, f"error {answer.status_code}")
        result = answer.json()
        if result["verified"]:
            self.verified.add(phone)
            del self.pending[phone]
            return Outcome(True, None, result.get("attemptsRemaining"))
        if result.get("pinError") in FINAL_ERRORS:
            del self.pending[phone]
        return Outcome(False, result.get("pinError"), result.get("attemptsRemaining"))
