"""Reading the ``Authorization`` header of an Infobip request (docs/decisions.md, Authentication).

``App <apiKey>``; ``Basic base64(<apiKey>:)``; ``Basic base64(<username>:<password>)``; ``Bearer
<token>`` issued by ``POST /auth/1/oauth2/token`` (``mock_infobip.identity.oauth``); ``IBSSO <token>``
of a session from ``POST /auth/1/session`` (``mock_infobip.identity.sessions``). The scheme
keyword is case-insensitive. Anything else, or credentials no account has, is :class:`Unauthorized`
with one and the same answer.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable

from mock_infobip.core.errors import Unauthorized
from mock_infobip.identity.accounts import AccountsService, Principal


def authenticate(
    accounts: AccountsService,
    header: str | None,
    bearer: Callable[[str], Principal | None] | None = None,
    session: Callable[[str], Principal | None] | None = None,
) -> Principal:
    scheme, _, value = (header or "").strip().partition(" ")
    value = value.strip()
    principal: Principal | None = None
    if not value:
        raise Unauthorized()
    if scheme.lower() == "app":
        principal = accounts.by_key(value)
    elif scheme.lower() == "bearer" and bearer is not None:
        principal = bearer(value)
    elif scheme.lower() == "ibsso" and session is not None:
        principal = session(value)
    elif scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(value, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise Unauthorized() from None
        user, colon, password = decoded.partition(":")
        if colon and user:
            principal = accounts.by_key(user) if password == "" else accounts.by_password(user, password)
    if principal is None:
        raise Unauthorized()
    return principal
