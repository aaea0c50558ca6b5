"""Secrets out of what the fake shows: a URL's user-info (``user:password@``, or a token as the
user, its slashes JSON-escaped or not), the values of secret parameters (``password=``,
``client_secret=``, ``token=``, ...) in a query string or a form body, and secret members
(``"password": "..."``) of a JSON body. Applied wherever URLs and requests are shown (admin
listings, the dashboard, the journal, the access log); what the fake stores to push is kept whole.
A database's connection string is shown by ``storage/locator.py`` (parsed, not by a pattern)."""

from __future__ import annotations

import re

MASK = "***"
SECRET_PARAMETERS = (
    "password",
    "passwd",
    "client_secret",
    "secret",
    "token",
    "access_token",
    "refresh_token",
    "api_key",
    "apikey",
)
# a URL's whole user-info (a user name can be a token too), its slashes JSON-escaped or not
_USERINFO = re.compile(r"(?P<head>[A-Za-z][A-Za-z0-9+.-]*:(?:\\?/){2})[^/?#@\s\"'\\<>]+@")
_PARAMETER = re.compile(
    r"(?P<head>(?:^|[?&;\s\"'])(?:" + "|".join(SECRET_PARAMETERS) + r")=)[^&;#\s\"']*",
    re.IGNORECASE,
)
_JSON_MEMBER = re.compile(
    r'(?P<head>"(?:' + "|".join(SECRET_PARAMETERS) + r')"\s*:\s*")(?:[^"\\]|\\.)*"',
    re.IGNORECASE,
)


def mask_key(key: str) -> str:
    """An API key as listings show it: the first and last four characters (two of a short key)."""
    return f"{key[:4]}…{key[-4:]}" if len(key) > 12 else f"{key[:2]}…"


def redact(text: str) -> str:
    """``text`` (a URL, a query string, a form or JSON body, a log line) with its secrets masked.
    Cheap when there is nothing to mask (most request bodies): each pattern runs only when the
    text holds what it looks for."""
    if "@" in text and ("://" in text or ":\\/\\/" in text):
        text = _USERINFO.sub(rf"\g<head>{MASK}@", text)
    lowered = text.lower()
    if any(name in lowered for name in SECRET_PARAMETERS):
        if "=" in text:
            text = _PARAMETER.sub(rf"\g<head>{MASK}", text)
        if '"' in text:
            text = _JSON_MEMBER.sub(rf'\g<head>{MASK}"', text)
    return text
