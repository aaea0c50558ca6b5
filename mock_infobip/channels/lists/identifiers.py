"""What makes a person identifier valid, per account kind, and the key people are matched by.

Decisions (docs/lists.md): an email is valid with one ``@``, a non-empty local part, a domain
with a dot, no white space and at most 254 characters; emails match case-insensitively. A phone is
valid when ``phonenumbers.is_valid_number`` says so (with or without the leading ``+``) and is
matched in E.164. An externalId is any non-blank string of at most 256 characters, matched exactly.
"""

from __future__ import annotations

import re
from collections.abc import Callable

EMAIL_MAX = 254
EXTERNAL_ID_MAX = 256


# one @, a non-empty local part, a dot in the domain, no white space anywhere
_EMAIL = re.compile(r"[^@\s]+@[^@\s]*\.[^@\s]*")


def email_key(identifier: str) -> str | None:
    if len(identifier) > EMAIL_MAX or not _EMAIL.fullmatch(identifier):
        return None
    return identifier.lower()


def phone_key(identifier: str) -> str | None:
    import phonenumbers  # at first use: its import is ~20 ms of start-up (benchmarks/bench_http.py)

    text = identifier.strip()
    if not text or len(text) > 32:
        return None
    if not text.startswith("+"):
        text = "+" + text
    try:
        number = phonenumbers.parse(text, None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


def external_id_key(identifier: str) -> str | None:
    if not identifier.strip() or len(identifier) > EXTERNAL_ID_MAX:
        return None
    return identifier


KEYS: dict[str, Callable[[str], str | None]] = {
    "email": email_key,
    "phone": phone_key,
    "externalId": external_id_key,
}


def key_function(kind: str) -> Callable[[str], str | None]:
    return KEYS[kind]
