"""Judge: infobip-api-python-client 6.x's TfaApi drives every 2FA call it offers: the application and
its templates, a PIN over SMS read from the handset's SMS and verified (a wrong one first), resent,
over voice and email, and the verifications of the number."""

from __future__ import annotations

from common import API_KEY, BASE_URL, Judge, admin, advance, offered_calls
from infobip_api_client import ApiClient, Configuration
from infobip_api_client.api.tfa_api import TfaApi
from infobip_api_client.models import (
    TfaApplicationConfiguration,
    TfaApplicationRequest,
    TfaCreateEmailMessageRequest,
    TfaCreateMessageRequest,
    TfaPinType,
    TfaResendPinRequest,
    TfaResendPinRequestViaEmail,
    TfaStartAuthenticationRequest,
    TfaStartEmailAuthenticationRequest,
    TfaUpdateEmailMessageRequest,
    TfaUpdateMessageRequest,
    TfaVerifyPinRequest,
)

CH, EMAIL = "41793026727", "ana@example.com"

api = TfaApi(ApiClient(Configuration(host=BASE_URL, api_key=API_KEY)))
judge = Judge(offered_calls(TfaApi))

configuration = TfaApplicationConfiguration(
    pin_attempts=3, pin_time_to_live="10m", send_pin_per_phone_number_limit="10/1d"
)
app = judge.call(
    "create_tfa_application",
    lambda: api.create_tfa_application(TfaApplicationRequest(name="Sign-up", configuration=configuration)),
)
app_id = app.application_id if app else "none"
judge.check(app is not None and app.configuration.pin_attempts == 3, f"created application: {app}")
found = judge.call("get_tfa_application", lambda: api.get_tfa_application(app_id))
judge.check(found is not None and found.name == "Sign-up", f"got application: {found}")
listed = judge.call("get_tfa_applications", lambda: api.get_tfa_applications())
judge.check(bool(listed) and listed[0].application_id == app_id, f"listed applications: {listed}")
changed = judge.call(
    "update_tfa_application",
    lambda: api.update_tfa_application(
        app_id, TfaApplicationRequest(name="Sign-up v2", configuration=configuration)
    ),
)
judge.check(changed is not None and changed.name == "Sign-up v2", f"updated application: {changed}")

sms_template = judge.call(
    "create_tfa_message_template",
    lambda: api.create_tfa_message_template(
        app_id,
        TfaCreateMessageRequest(
            message_text="Your code is {{pin}}", pin_type=TfaPinType.NUMERIC, pin_length=6, sender_id="ACME"
        ),
    ),
)
msg_id = sms_template.message_id if sms_template else "none"
updated = judge.call(
    "update_tfa_message_template",
    lambda: api.update_tfa_message_template(
        app_id,
        msg_id,
        TfaUpdateMessageRequest(message_text="ACME code: {{pin}}", pin_type=TfaPinType.NUMERIC, pin_length=6),
    ),
)
judge.check(
    updated is not None and updated.message_text == "ACME code: {{pin}}", f"updated template: {updated}"
)
got = judge.call("get_tfa_message_template", lambda: api.get_tfa_message_template(app_id, msg_id))
judge.check(got is not None and got.pin_length == 6, f"got template: {got}")
email_template = judge.call(
    "create_tfa_email_message_template",
    lambda: api.create_tfa_email_message_template(
        app_id, TfaCreateEmailMessageRequest(email_template_id=1234, var_from="company@example.com")
    ),
)
email_id = email_template.message_id if email_template else "none"
judge.call(
    "update_tfa_email_message_template",
    lambda: api.update_tfa_email_message_template(
        app_id, email_id, TfaUpdateEmailMessageRequest(pin_length=8)
    ),
)
templates = judge.call("get_tfa_message_templates", lambda: api.get_tfa_message_templates(app_id))
judge.check(templates is not None and len(templates) == 2, f"templates: {templates}")

start = TfaStartAuthenticationRequest(application_id=app_id, message_id=msg_id, to=CH)
sent = judge.call("send_tfa_pin_code_over_sms", lambda: api.send_tfa_pin_code_over_sms(start, nc_needed=True))
pin_id = sent.pin_id if sent else "none"
judge.check(sent is not None and sent.sms_status == "MESSAGE_SENT", f"sent PIN: {sent}")
handset = admin("GET", f"/__admin/messages?to={CH}")["messages"][0]["text"]
pin = handset.rsplit(" ", 1)[-1]
wrong = judge.call(
    "verify_tfa_phone_number", lambda: api.verify_tfa_phone_number(pin_id, TfaVerifyPinRequest(pin="000000"))
)
judge.check(
    wrong is not None and wrong.pin_error == "WRONG_PIN" and wrong.attempts_remaining == 2, f"wrong: {wrong}"
)
advance(3)
again = judge.call(
    "resend_tfa_pin_code_over_sms", lambda: api.resend_tfa_pin_code_over_sms(pin_id, TfaResendPinRequest())
)
judge.check(again is not None and again.pin_id == pin_id, f"resent: {again}")
right = api.verify_tfa_phone_number(pin_id, TfaVerifyPinRequest(pin=pin))
judge.check(right.verified is True, f"verify {pin}: {right}")

voice = judge.call("send_tfa_pin_code_over_voice", lambda: api.send_tfa_pin_code_over_voice(start))
judge.check(voice is not None and voice.call_status == "PENDING_ACCEPTED", f"voice: {voice}")
judge.call(
    "resend_tfa_pin_code_over_voice",
    lambda: api.resend_tfa_pin_code_over_voice(voice.pin_id if voice else "none", TfaResendPinRequest()),
)
by_email = judge.call(
    "send2fa_pin_code_over_email",
    lambda: api.send2fa_pin_code_over_email(
        TfaStartEmailAuthenticationRequest(application_id=app_id, message_id=email_id, to=EMAIL)
    ),
)
judge.check(by_email is not None and by_email.email_status.name == "PENDING_ACCEPTED", f"email: {by_email}")
judge.call(
    "resend2fa_pin_code_over_email",
    lambda: api.resend2fa_pin_code_over_email(
        by_email.pin_id if by_email else "none", TfaResendPinRequestViaEmail()
    ),
)
verifications = judge.call("get_tfa_verification_status", lambda: api.get_tfa_verification_status(CH, app_id))
judge.check(
    verifications is not None and any(v.verified for v in verifications.verifications or []),
    f"verifications: {verifications}",
)
judge.report()
