"""2FA endpoints (Infobip's 2FA document): applications, message templates, PINs over SMS (on
the SMS engine), voice and email (recorded), verification. Thin: ``channels/tfa`` decides."""

from __future__ import annotations

from mock_infobip.http.pipeline import Call, Handler
from mock_infobip.http.reply import Reply, json_response


def applications(call: Call) -> Reply:
    return json_response([app.wire() for app in call.runtime.tfa.applications(call.account)])


def create_application(call: Call) -> Reply:
    """200, as Infobip's SDKs read it (its document says 201: docs/2fa.md)."""
    return json_response(call.runtime.tfa.create_application(call.account, call.body).wire())


def application(call: Call) -> Reply:
    return json_response(call.runtime.tfa.application(call.account, call.path["appId"]).wire())


def update_application(call: Call) -> Reply:
    found = call.runtime.tfa.update_application(call.account, call.path["appId"], call.body)
    return json_response(found.wire())


def templates(call: Call) -> Reply:
    found = call.runtime.tfa.templates(call.account, call.path["appId"])
    return json_response([template.wire() for template in found])


def _create(call: Call, kind: str) -> Reply:
    found = call.runtime.tfa.create_template(call.account, call.path["appId"], call.body, kind)
    return json_response(found.wire())


def _update(call: Call, kind: str) -> Reply:
    tfa, path = call.runtime.tfa, call.path
    return json_response(
        tfa.update_template(call.account, path["appId"], path["msgId"], call.body, kind).wire()
    )


def template(call: Call) -> Reply:
    return json_response(
        call.runtime.tfa.template(call.account, call.path["appId"], call.path["msgId"]).wire()
    )


def _send(call: Call, channel: str) -> Reply:
    lookup = call.query.get("ncNeeded", "true").lower() != "false"
    answer = call.runtime.pins.send(call.account, call.body, channel, lookup)
    call.runtime.kick()
    return json_response(answer)


def _resend(call: Call, channel: str) -> Reply:
    answer = call.runtime.pins.resend(call.account, call.path["pinId"], call.body or {}, channel)
    call.runtime.kick()
    return json_response(answer)


def verify(call: Call) -> Reply:
    return json_response(call.runtime.pins.verify(call.account, call.path["pinId"], call.body["pin"]))


def verifications(call: Call) -> Reply:
    found = call.runtime.pins.verifications(call.account, call.path["appId"], call.query)
    return json_response({"verifications": found})


HANDLERS: dict[str, Handler] = {
    "tfa.applications.list": applications,
    "tfa.applications.create": create_application,
    "tfa.applications.get": application,
    "tfa.applications.update": update_application,
    "tfa.templates.list": templates,
    "tfa.templates.create": lambda call: _create(call, "sms"),
    "tfa.templates.get": template,
    "tfa.templates.update": lambda call: _update(call, "sms"),
    "tfa.email-templates.create": lambda call: _create(call, "email"),
    "tfa.email-templates.update": lambda call: _update(call, "email"),
    "tfa.pin.send": lambda call: _send(call, "sms"),
    "tfa.pin.resend": lambda call: _resend(call, "sms"),
    "tfa.pin.voice": lambda call: _send(call, "voice"),
    "tfa.pin.resend.voice": lambda call: _resend(call, "voice"),
    "tfa.pin.email": lambda call: _send(call, "email"),
    "tfa.pin.resend.email": lambda call: _resend(call, "email"),
    "tfa.pin.verify": verify,
    "tfa.verifications": verifications,
}
