"""Who is looking at the dashboard, and what they see and may do (docs/demo.md, "Tenants").

- **The admin** (the admin token, as a header or a sign-in; anyone when no token is set) sees every
  account, or the one it switched to (:data:`VIEW_COOKIE`), and may act: advance the clock,
  redeliver a callback, reply as a handset.
- **A tenant** signed in with one of its account's API keys sees that account's lists, messages,
  inbound messages, handsets, callbacks and refusals only, and may change nothing but reply as a
  handset to its own messages. A tenant's sign-in wins over an admin that is merely unset (a fake
  on loopback with no admin token), never over the admin token given.
- **No one signed in**: on loopback (or in process) the pages are read as the admin's, its actions
  refused without the token; off loopback every page needs one of the two sign-ins first.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import request

from mock_infobip.http.controls import ADMIN_COOKIE, admin_token_given, admin_token_presented, tenant_account
from mock_infobip.http.wsgi import IN_PROCESS
from mock_infobip.runtime import Runtime
from mock_infobip.system.net import is_loopback

VIEW_COOKIE = "mock_infobip_view"  # the account an admin switched to: its id, no secret


@dataclass(frozen=True)
class Viewer:
    account: int | None  # the one account shown (a tenant's, or the admin's choice); None: all
    admin: bool  # may act and switch between accounts
    tenant: bool  # signed in with an API key: read-only but its handsets' replies
    signed_in: bool  # has a sign-in to end


def viewer(rt: Runtime) -> Viewer | None:
    """This request's viewer; None when the page needs a sign-in first."""
    if not admin_token_given(rt):
        account = tenant_account(rt)
        if account is not None:
            return Viewer(account, admin=False, tenant=True, signed_in=True)
    if admin_token_presented(rt):
        signed_in = admin_token_given(rt) and bool(request.cookies.get(ADMIN_COOKIE))
        return Viewer(switched_to(rt), admin=True, tenant=False, signed_in=signed_in)
    if request.environ.get(IN_PROCESS) or is_loopback(rt.settings.host):
        return Viewer(None, admin=False, tenant=False, signed_in=False)
    return None


def switched_to(rt: Runtime) -> int | None:
    """The account the admin switched to, if it (still) exists."""
    text = request.cookies.get(VIEW_COOKIE, "")
    if not (text.isascii() and text.isdigit() and len(text) < 12):
        return None
    wanted = int(text)
    return wanted if any(a["id"] == wanted for a in rt.accounts.describe_all()) else None
