"""The demo dashboard, served by the fake at ``/``: server-rendered, no assets from the internet,
live (:mod:`.live`: a page is updated in place when what it shows changes). Thin routes over
:class:`DashboardQueries`."""

from __future__ import annotations

import hmac
import json
from urllib.parse import urlsplit

from flask import Blueprint, Response, abort, current_app, g, redirect, render_template, request, url_for
from markupsafe import Markup

from mock_infobip.channels.sms import testnumbers
from mock_infobip.core.clock import wire_time
from mock_infobip.core.errors import Conflict, InvalidRequest
from mock_infobip.http.controls import ADMIN_COOKIE, STATE_CHANGING, TENANT_COOKIE, over_https
from mock_infobip.http.dashboard import live
from mock_infobip.http.dashboard.charts import COLOURS, country_bars, stacked_bars
from mock_infobip.http.dashboard.queries import GROUPS, DashboardQueries
from mock_infobip.http.dashboard.viewer import VIEW_COOKIE, Viewer, viewer
from mock_infobip.http.errors import error_response
from mock_infobip.http.paths import LOGIN_PATH, LOGOUT_PATH
from mock_infobip.http.pipeline import runtime
from mock_infobip.http.reply import Reply
from mock_infobip.http.signals import STREAM, Stream
from mock_infobip.runtime import Runtime
from mock_infobip.storage.sqlite import MAX_ID
from mock_infobip.system.redact import mask_key, redact

blueprint = Blueprint("dashboard", __name__, template_folder="templates")
PREFIX = "/dashboard"


def queries() -> DashboardQueries:
    """What this request's viewer sees (one account's rows, or every account's)."""
    return DashboardQueries(runtime(), who().account)


def who() -> Viewer:
    found = g.viewer
    assert isinstance(found, Viewer)
    return found


OPEN = frozenset({"dashboard.login_form", "dashboard.login", "dashboard.logout"})
TENANT_MAY = frozenset({"dashboard.reply"})  # what a tenant may change


# What each page shows, of live.KINDS: it is updated when one of them changes
LIVE = {
    "dashboard.overview": live.KINDS,
    "dashboard.lists": ("requests",),
    "dashboard.members": ("requests",),
    "dashboard.messages": ("messages", "statuses", "clock"),
    "dashboard.message": ("statuses", "callbacks", "inbound"),
    "dashboard.inbound": ("inbound", "requests"),
    "dashboard.handset": ("messages", "statuses", "inbound"),
    "dashboard.callbacks": ("callbacks",),
    "dashboard.refusals": ("requests",),
}


def live_marks() -> live.LiveMarks:
    """This process's marks (one reader for all its pages and streams)."""
    found = current_app.extensions.get("mock_infobip.live")
    if found is None:
        found = current_app.extensions["mock_infobip.live"] = live.LiveMarks(runtime().store)
    assert isinstance(found, live.LiveMarks)
    return found


@blueprint.before_request
def gate() -> Response | Reply | None:
    """Who is looking (http/dashboard/viewer.py): off loopback a page needs a sign-in first (its
    events a 401), and a tenant changes nothing but its replies (403). Then a live page's marks,
    read before what it shows: a change made meanwhile is never missed."""
    if request.endpoint in OPEN:
        return None
    found = viewer(runtime())
    if found is None:
        if request.endpoint == "dashboard.events" or request.method in STATE_CHANGING:
            return error_response(401)
        return redirect(url_for("dashboard.login_form"))  # type: ignore[return-value]
    if found.tenant and request.method in STATE_CHANGING and request.endpoint not in TENANT_MAY:
        return error_response(403)
    g.viewer = found
    if request.method == "GET" and request.endpoint in LIVE:
        g.marks = live_marks().now()
    return None


MAX_PAGE = 10**9  # pages are 50 rows: an offset past any table, and well inside SQLite's integers


def page_number() -> int:
    """``?page=``: 1 when absent or not a number; a number past MAX_PAGE is a 400 naming it."""
    text = request.args.get("page", "1")
    if not (text.isascii() and text.isdigit()):
        return 1
    if int(text) > MAX_PAGE:
        raise InvalidRequest({"page": [f"must be a whole number from 1 to {MAX_PAGE}"]})
    return max(1, int(text))


blueprint.add_app_template_filter(redact, "redact")


@blueprint.app_template_filter("wire")
def wire(ms: int | None) -> Markup:
    """An instant as a ``<time>``: the page shows it in the browser's zone, UTC on hover."""
    if ms is None:
        return Markup("")
    text = wire_time(int(ms))
    return Markup('<time datetime="{0}" title="{0} (UTC)">{0}</time>').format(text)


@blueprint.app_template_filter("masked")
def masked(key: str | None) -> str:
    return "" if not key else mask_key(key)


@blueprint.app_template_filter("ids")
def ids(message_ids: str) -> list[str]:
    """The message ids of a callback attempt (stored as a JSON list)."""
    found: list[str] = json.loads(message_ids)
    return found


@blueprint.app_template_filter("status_name")
def status_name(key: str) -> str:
    return key.split("/", 1)[-1]


@blueprint.app_template_filter("group")
def group(key: str) -> str:
    return key.split("/", 1)[0]


@blueprint.context_processor
def common() -> dict[str, object]:
    return {
        "colours": COLOURS,
        "groups": GROUPS,
        "live_kinds": " ".join(LIVE.get(request.endpoint or "", ())),
        "live_marks": live.text(g.marks) if "marks" in g else "",
        "viewer": g.get("viewer"),
        "now_ms": runtime().clock.now_ms(),
        "account_names": {a["id"]: a["name"] for a in runtime().accounts.describe_all()},
    }


@blueprint.get(LOGIN_PATH)
def login_form() -> str:
    return render_template("login.html", failed=False)


@blueprint.post(LOGIN_PATH)
def login() -> Response | tuple[str, int]:
    """The admin token, or an account's API key (a tenant: that account's pages only), once; the
    browser keeps a random sign-in id (never the token or the key) in a same-site, HTTP-only
    cookie, ``Secure`` over HTTPS (identity/signins.py). Signing in as one ends the other."""
    rt = runtime()
    token = rt.settings.admin_token
    given = request.form.get("token", "")
    if token and hmac.compare_digest(given.encode(), token.encode()):
        cookie, signin, other = ADMIN_COOKIE, rt.signins.create(token), TENANT_COOKIE
    else:
        tenant = rt.signins.create_tenant(given) if given and len(given) <= 512 else None
        if tenant is None:
            return render_template("login.html", failed=True), 401
        cookie, signin, other = TENANT_COOKIE, tenant, ADMIN_COOKIE
    response: Response = redirect(url_for("dashboard.overview"))  # type: ignore[assignment]
    _forget(response, rt, other)
    response.set_cookie(
        cookie,
        signin,
        max_age=rt.signins.seconds,
        httponly=True,
        samesite="Strict",
        secure=over_https(rt),
        path="/",
    )
    return response


@blueprint.post(LOGOUT_PATH)
def logout() -> Response:
    """Ends this browser's sign-ins at once (every host), and forgets the cookies."""
    rt = runtime()
    token = rt.settings.admin_token
    signin = request.cookies.get(ADMIN_COOKIE, "")
    if token and signin:
        rt.signins.end(token, signin)
    tenant = request.cookies.get(TENANT_COOKIE, "")
    if tenant:
        rt.signins.end_tenant(tenant)
    response: Response = redirect(url_for("dashboard.login_form"))  # type: ignore[assignment]
    for cookie in (ADMIN_COOKIE, TENANT_COOKIE, VIEW_COOKIE):
        _forget(response, rt, cookie)
    return response


def _forget(response: Response, rt: Runtime, cookie: str) -> None:
    if cookie in request.cookies:
        response.delete_cookie(cookie, path="/", httponly=True, samesite="Strict", secure=over_https(rt))


@blueprint.post(PREFIX + "/view")
def switch() -> Response:
    """The admin switches to one account's view (``account``: its id) or back to all (empty)."""
    chosen = request.form.get("account", "")
    back = urlsplit(request.referrer or "")  # the page it came from, on this host only
    target = back.path + (f"?{back.query}" if back.query else "") if back.path.startswith("/") else "/"
    response: Response = redirect(target if not target.startswith("//") else "/", 303)  # type: ignore[assignment]
    if chosen.isascii() and chosen.isdigit() and len(chosen) < 12:
        response.set_cookie(
            VIEW_COOKIE, chosen, httponly=True, samesite="Strict", secure=over_https(runtime()), path="/"
        )
    else:
        _forget(response, runtime(), VIEW_COOKIE)
    return response


@blueprint.get("/")
def overview() -> str:
    q = queries()
    return render_template(
        "overview.html",
        info=q.overview(),
        time_chart=stacked_bars(q.outcomes_over_time()),
        country_chart=country_bars(q.outcomes_by_country()),
    )


@blueprint.get(PREFIX + "/lists")
def lists() -> str:
    return render_template("lists.html", page=queries().lists(page_number()))


@blueprint.get(PREFIX + "/lists/<int:list_id>")
def members(list_id: int) -> str:
    search = request.args.get("q", "")
    q = queries()
    heading = q.list_heading(list_id) if list_id <= MAX_ID else None
    if heading is None:
        abort(404)
    return render_template(
        "members.html",
        list_id=list_id,
        heading=heading,
        search=search,
        page=q.members(list_id, search, page_number()),
    )


@blueprint.get(PREFIX + "/messages")
def messages() -> str:
    status, country = request.args.get("status", ""), request.args.get("country", "")
    no_reports, q = request.args.get("noreports") == "1", request.args.get("q", "")
    return render_template(
        "messages.html",
        status=status,
        country=country,
        no_reports=no_reports,
        q=q,
        page=queries().messages(status, country, no_reports, page_number(), q),
    )


@blueprint.get(PREFIX + "/messages/<message_id>")
def message(message_id: str) -> str:
    found = queries().message(message_id)
    if found is None:
        abort(404)
    return render_template("message.html", message=found)


@blueprint.get(PREFIX + "/inbound")
def inbound() -> str:
    number, search = request.args.get("number", ""), request.args.get("q", "")
    q = queries()
    return render_template(
        "inbound.html",
        number=number,
        q=search,
        numbers=q.numbers(),
        page=q.inbound(number, page_number(), search),
    )


@blueprint.get(PREFIX + "/handsets/<number>")
def handset(number: str) -> str:
    """A handset's conversation, oldest first, and a reply box (live: a reply being typed stays)."""
    return render_template(
        "handset.html", number=number.removeprefix("+"), messages=queries().conversation(number)
    )


@blueprint.post(PREFIX + "/handsets/<number>/reply")
def reply(number: str) -> Response:
    """The handset answers the last message it got (channels/inbound.py ``answer``: whom to)."""
    text = request.form.get("text", "")
    if not text.strip():
        abort(400)
    rt = runtime()
    rt.inbound.answer(number, text, who().account)  # a tenant answers its own messages only
    rt.kick()  # its forward goes now, as any inbound message's
    return redirect(url_for("dashboard.handset", number=number.removeprefix("+")), 303)  # type: ignore[return-value]


@blueprint.get(PREFIX + "/callbacks")
def callbacks() -> str:
    return render_template("callbacks.html", page=queries().callbacks(page_number()))


@blueprint.post(PREFIX + "/callbacks/redeliver")
def redeliver() -> Response:
    """An attempt's reports pushed again now (delivery/scheduler.py ``redeliver``): the page
    shows the new attempt. Nothing to push (an inbound forward, a report in flight) is a 404."""
    rt = runtime()
    wanted = request.form.getlist("message")
    if who().account is not None:  # the admin in one account's view: that account's messages
        wanted = [m for m in wanted if queries().message(m) is not None]
    if rt.scheduler.redeliver(wanted) == 0:
        abort(404)
    rt.kick()
    return redirect(url_for("dashboard.callbacks"), 303)  # type: ignore[return-value]


@blueprint.get(PREFIX + "/events")
def events() -> Response:
    """Server-Sent Events: ``change`` when what a page shows (``since``: the marks it was drawn
    at, or the ``Last-Event-ID`` of a browser that reconnects) has changed; :mod:`.live`."""
    since = request.headers.get("Last-Event-ID") or request.args.get("since", "")
    listener = live.Listener(live_marks(), live.parse(since))
    headers = [
        ("Content-Type", "text/event-stream; charset=utf-8"),
        ("Cache-Control", "no-store"),
        ("X-Accel-Buffering", "no"),  # a proxy that buffers answers (nginx) passes these on at once
    ]
    if request.environ.get(STREAM) and request.method == "GET":
        raise Stream(headers, listener.first(), listener.look, live.EVERY)
    return Response(listener.first(), headers=headers)  # once: the browser comes back (retry)


@blueprint.get(PREFIX + "/test-numbers")
def test_numbers() -> str:
    on = runtime().settings.test_numbers
    return render_template("test_numbers.html", numbers=testnumbers.describe() if on else [])


@blueprint.get(PREFIX + "/refusals")
def refusals() -> str:
    return render_template("refusals.html", page=queries().refusals(page_number()))


@blueprint.post(PREFIX + "/advance")
def advance() -> Response:
    seconds = request.form.get("seconds", "")
    try:
        amount = float(seconds)
        if not 0 <= amount <= 10 * 365 * 86400:
            raise ValueError
        runtime().advance(amount)
    except (ValueError, Conflict):
        abort(400)
    return redirect(url_for("dashboard.overview"))  # type: ignore[return-value]
