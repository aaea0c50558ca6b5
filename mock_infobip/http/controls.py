"""The controls' guard (admin API and dashboard) and Flask's hooks for them."""

from __future__ import annotations

import hmac
import re
from urllib.parse import urlsplit

from flask import Flask, request
from werkzeug.exceptions import HTTPException

from mock_infobip.core.errors import DomainError
from mock_infobip.http.errors import error_response, flask_domain_error, flask_http_error, flask_unexpected
from mock_infobip.http.paths import ADMIN_PREFIX, HEALTH_PATH, LOGIN_PATH, LOGOUT_PATH
from mock_infobip.http.pipeline import runtime
from mock_infobip.http.reply import Reply
from mock_infobip.http.wsgi import IN_PROCESS
from mock_infobip.runtime import Runtime
from mock_infobip.system.net import is_loopback

STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
ADMIN_COOKIE = "mock_infobip_admin"
TENANT_COOKIE = "mock_infobip_tenant"  # a sign-in made with an account's API key (identity/signins.py)
# What a tenant may change: its handsets' replies (and signing in and out)
TENANT_ACTION = re.compile(r"/dashboard/handsets/[^/]+/reply")


def _host_allowed(rt: Runtime) -> bool:
    """The Host of a request to the controls: loopback, the bound host, or a configured name."""
    if request.environ.get(IN_PROCESS):
        return True
    host = request.host.lower()
    name = host[1 : host.index("]")] if host.startswith("[") and "]" in host else host.rsplit(":", 1)[0]
    settings = rt.settings
    return is_loopback(name) or name == settings.host.lower().strip("[]") or name in settings.allowed_hosts


def _cross_site() -> bool:
    """A browser says the request comes from another site (or the Origin is not this host)."""
    if request.headers.get("Sec-Fetch-Site", "same-origin") not in ("same-origin", "none"):
        return True
    origin = request.headers.get("Origin")
    if origin is None:
        return False
    return origin == "null" or urlsplit(origin).netloc.lower() != request.host.lower()


def admin_token_presented(rt: Runtime) -> bool:
    """The admin token as ``Authorization: Bearer``, or a live dashboard sign-in in the cookie."""
    token = rt.settings.admin_token
    if not token:
        return True
    given = request.headers.get("Authorization", "")
    if hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        return True
    signin = request.cookies.get(ADMIN_COOKIE, "")
    return bool(signin) and rt.signins.valid(token, signin)


def admin_token_given(rt: Runtime) -> bool:
    """The admin token, when one is set, was presented (header or sign-in): not merely unset."""
    return bool(rt.settings.admin_token) and admin_token_presented(rt)


def tenant_account(rt: Runtime) -> int | None:
    """The account of a tenant's live sign-in in the cookie, if any."""
    signin = request.cookies.get(TENANT_COOKIE, "")
    return rt.signins.tenant(signin) if signin else None


def over_https(rt: Runtime) -> bool:
    """The request came over HTTPS: to this server directly, or through a proxy in
    ``trusted_proxies`` that says so (its last ``X-Forwarded-Proto``)."""
    if request.scheme == "https":
        return True
    if request.remote_addr not in rt.settings.trusted_proxies:
        return False
    forwarded = request.headers.get("X-Forwarded-Proto", "")
    return forwarded.rsplit(",", 1)[-1].strip().lower() == "https"


def _guard_controls() -> Reply | None:
    """The admin API and the dashboard: known Host names only (DNS rebinding); state changes
    never from another site, the admin API's in JSON; with ``--admin-token``, the admin API and
    every dashboard action need the token (header, or the cookie the dashboard's sign-in sets),
    but a tenant's reply from its handset's page (``TENANT_ACTION``; the dashboard says which
    pages a tenant sees: http/dashboard/viewer.py).
    The health check is open to every Host, with no token (``paths.HEALTH_PATH``)."""
    rt = runtime()
    if request.path == HEALTH_PATH and request.method in ("GET", "HEAD"):
        return None
    if not _host_allowed(rt):
        return error_response(403)
    changing = request.method in STATE_CHANGING
    if changing and _cross_site():
        return error_response(403)
    admin = request.path.startswith(ADMIN_PREFIX)
    kind = request.mimetype
    if admin and changing and kind and kind != "application/json":
        return error_response(415)
    signing = request.path in (LOGIN_PATH, LOGOUT_PATH)
    if (admin or changing) and not signing and not admin_token_presented(rt):
        tenant = not admin and tenant_account(rt) is not None
        if not tenant:
            return error_response(401)
        if TENANT_ACTION.fullmatch(request.path) is None:  # a tenant's pages are read-only
            return error_response(403)
    return None


def install(app: Flask) -> None:
    """Flask's hooks, for the controls (the Infobip API is dispatched by :mod:`.dispatch`)."""
    app.register_error_handler(DomainError, flask_domain_error)
    app.register_error_handler(HTTPException, flask_http_error)
    app.register_error_handler(Exception, flask_unexpected)
    app.before_request(_guard_controls)
