"""The API key an ``Authorization`` header presents, read without checking it: ``App <apiKey>`` or
``Basic base64(<apiKey>:)`` (identity/auth.py checks credentials; faults and the journal only need
to know which key a request names)."""

from __future__ import annotations

import base64
import binascii


def presented_key(header: str | None) -> str | None:
    """The API key a header presents (App, or Basic with an empty password), checked or not."""
    scheme, _, value = (header or "").strip().partition(" ")
    value = value.strip()
    if scheme.lower() == "app" and value:
        return value
    if scheme.lower() == "basic":
        try:
            user, colon, password = base64.b64decode(value, validate=True).decode("utf-8").partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return None
        return user if colon and user and not password else None
    return None
