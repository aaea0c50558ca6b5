"""The admin API (``/__admin``): inspect and steer the fake (docs/admin-api.md)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, cast

from mock_infobip.channels.lists.service import parse_list_id
from mock_infobip.channels.sms import testnumbers
from mock_infobip.core.clock import wire_time
from mock_infobip.core.errors import NotFound
from mock_infobip.http.pipeline import Call, Handler
from mock_infobip.http.reply import Reply, json_response
from mock_infobip.http.signals import AGAIN, WAIT_UNTIL, Again
from mock_infobip.system.wall import elapsed, pause


def health(call: Call) -> Reply:
    """Which engine, and whether this process runs the scheduler (``leading``), waits to take it
    over (``standby``: another process holds it) or runs none (``off``: a worker of ``serve
    --workers`` but the first, or the in-process harness carrying out work inline)."""
    rt = call.runtime
    worker = rt.worker
    scheduler = ("leading" if worker.leading else "standby") if worker.running else "off"
    database = "postgresql" if rt.store.shared_by_hosts else "sqlite"
    return json_response(
        {"status": "ok", "version": rt.version, "database": database, "scheduler": scheduler}
    )


def reset(call: Call) -> Reply:
    call.runtime.reset()
    return json_response({"status": "ok"})


def list_accounts(call: Call) -> Reply:
    """Keys masked unless ``?reveal=true`` (behind the admin token when one is set)."""
    reveal = call.query.get("reveal") == "true"
    return json_response({"accounts": call.runtime.accounts.describe_all(reveal)})


def create_account(call: Call) -> Reply:
    body = call.body
    account, keys = call.runtime.add_account(
        body["name"],
        body.get("apiKeys"),
        body.get("identifier", "email"),
        body.get("username"),
        body.get("password"),
    )
    created = {
        "id": account.id,
        "name": account.name,
        "identifier": account.identifier,
        "apiKeys": keys,
        **({"username": account.username} if account.username else {}),
    }
    return json_response(created, 201)


def update_account(call: Call) -> Reply:
    """``{"floodingFilter": false}`` turns Infobip's flooding mechanism off for the account (true:
    on again)."""
    ident = call.path["accountId"]
    if not ident.isdigit():
        raise NotFound("account", ident)
    account_id = int(ident)
    if "floodingFilter" in call.body:
        call.runtime.accounts.set_flooding(account_id, call.body["floodingFilter"])
    return json_response(call.runtime.accounts.describe(account_id))


def list_test_numbers(call: Call) -> Reply:
    """The test numbers' table (an empty list when the setting ``test_numbers`` is off)."""
    return json_response(testnumbers.describe() if call.runtime.settings.test_numbers else [])


def _set_key(call: Call, revoked: bool) -> Reply:
    key = call.path["apiKey"]
    call.runtime.accounts.set_revoked(key, revoked)
    return json_response({"apiKey": key, "revoked": revoked})


def revoke_key(call: Call) -> Reply:
    return _set_key(call, True)


def restore_key(call: Call) -> Reply:
    return _set_key(call, False)


def get_clock(call: Call) -> Reply:
    clock = call.runtime.clock
    return json_response({"now": wire_time(clock.now_ms()), "mode": clock.mode, "speed": clock.speed})


def advance_clock(call: Call) -> Reply:
    now = call.runtime.advance(float(call.body["seconds"]))
    return json_response({"now": wire_time(now)})


def list_lists(call: Call) -> Reply:
    return json_response({"lists": call.runtime.lists.summaries()})


def _path_id(call: Call, name: str, what: str) -> int:
    """A numeric id from the path; anything else is a 404 for ``what``."""
    found = parse_list_id(call.path[name])
    if found is None:
        raise NotFound(what, call.path[name])
    return found


def get_list(call: Call) -> Reply:
    limit = call.query.get("limit")
    offset = int(call.query.get("offset") or 0)
    described = call.runtime.lists.describe(
        _path_id(call, "listId", "list"), int(limit) if limit else None, offset
    )
    return json_response(described)


def delete_list(call: Call) -> Reply:
    list_id = _path_id(call, "listId", "list")
    call.runtime.lists.delete(list_id)
    return json_response({"listId": list_id, "deleted": True})


def journal(call: Call) -> Reply:
    limit = call.query.get("limit")
    entries = call.runtime.journal.entries(
        path=call.query.get("path"),
        api_key=call.query.get("apiKey"),
        limit=int(limit) if limit else None,
    )
    return json_response({"requests": entries})


def add_outcome(call: Call) -> Reply:
    rule = call.runtime.outcomes.add(call.body)
    return json_response(rule.describe(call.runtime.catalog, call.runtime.messaging.no_dlr), 201)


def list_outcomes(call: Call) -> Reply:
    rt = call.runtime
    return json_response(
        {"outcomes": [rule.describe(rt.catalog, rt.messaging.no_dlr) for rule in rt.outcomes.all()]}
    )


def clear_outcomes(call: Call) -> Reply:
    return json_response({"deleted": call.runtime.outcomes.delete()})


def delete_outcome(call: Call) -> Reply:
    rule_id = _path_id(call, "ruleId", "outcome rule")
    return json_response({"deleted": call.runtime.outcomes.delete(rule_id)})


WAIT_POLL = 0.25  # seconds between two looks of a waiting request (any worker, any host)


def messages(call: Call) -> Reply:
    """The outbox (``since``, ``wait``: :func:`waited`)."""
    return json_response({"messages": waited(call, call.runtime.reports.outbox)})


def waited(call: Call, listing: Callable[[Mapping[str, str]], list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """``listing(query)``; with ``wait`` (seconds, at most 60) a request that finds nothing waits
    until a matching message comes or ``wait`` ends: on the server holding no thread (served again
    every :data:`WAIT_POLL` s on its event loop, or sooner when the server hears that a message
    may have come: ``Server.wake``), in process in the caller's thread."""
    found = listing(call.query)
    wait = min(float(call.query.get("wait") or 0), call.runtime.settings.max_wait_seconds)
    if found or wait <= 0:
        return found
    environ = cast(dict[str, Any], call.environ)
    until = environ.setdefault(WAIT_UNTIL, elapsed() + wait)
    while (left := until - elapsed()) > 0:
        if environ.get(AGAIN):
            raise Again(min(WAIT_POLL, left))
        pause(min(WAIT_POLL, left))  # in process: the caller waits anyway
        found = listing(call.query)
        if found:
            break
    return found


def redeliver(call: Call) -> Reply:
    """A message's delivery report pushed again at once (delivery/scheduler.py ``redeliver``); a
    message with no report to push (unknown, or its reports are pulled) is a 404."""
    message_id = call.path["messageId"]
    count = call.runtime.scheduler.redeliver([message_id])
    if count == 0:
        raise NotFound("delivery report of message", message_id)
    call.runtime.kick()
    return json_response({"redelivered": count})


def pins(call: Call) -> Reply:
    return json_response({"pins": call.runtime.pins.listing(call.query)})


def force_pin(call: Call) -> Reply:
    call.runtime.pins.force(call.body["to"], call.body["pin"])
    return json_response({"to": call.body["to"], "pin": call.body["pin"]}, 201)


def unforce_pins(call: Call) -> Reply:
    return json_response({"deleted": call.runtime.pins.unforce(call.query.get("to"))})


def uploads(call: Call) -> Reply:
    return json_response({"uploads": call.runtime.media.listing(call.query)})


def callbacks(call: Call) -> Reply:
    return json_response({"callbacks": call.runtime.reports.attempts(call.query)})


def add_fault(call: Call) -> Reply:
    return json_response(call.runtime.faults.add(call.body).describe(), 201)


def list_faults(call: Call) -> Reply:
    return json_response({"faults": [fault.describe() for fault in call.runtime.faults.all()]})


def clear_faults(call: Call) -> Reply:
    return json_response({"deleted": call.runtime.faults.delete()})


def delete_fault(call: Call) -> Reply:
    return json_response({"deleted": call.runtime.faults.delete(_path_id(call, "faultId", "fault"))})


def openapi_document(call: Call) -> Reply:
    from mock_infobip.http.openapi import document

    return json_response(document())


def add_number(call: Call) -> Reply:
    rt = call.runtime
    account = call.body.get("account", rt.default_account.id)
    return json_response(rt.inbound.add_number(call.body, account), 201)


def list_numbers(call: Call) -> Reply:
    return json_response({"numbers": call.runtime.inbound.numbers()})


def delete_number(call: Call) -> Reply:
    deleted = call.runtime.inbound.delete_number(_path_id(call, "numberId", "number"))
    return json_response({"deleted": deleted})


def add_inbound(call: Call) -> Reply:
    message = call.runtime.inbound.receive(call.body)
    call.runtime.kick()
    return json_response(message, 201)


def list_inbound(call: Call) -> Reply:
    """Inbound messages (``since``, ``wait``: :func:`waited`)."""
    return json_response({"messages": waited(call, call.runtime.inbound.listing)})


HANDLERS: dict[str, Handler] = {
    "admin.numbers.create": add_number,
    "admin.numbers.list": list_numbers,
    "admin.numbers.delete": delete_number,
    "admin.inbound.create": add_inbound,
    "admin.inbound.list": list_inbound,
    "admin.openapi": openapi_document,
    "admin.faults.create": add_fault,
    "admin.faults.list": list_faults,
    "admin.faults.clear": clear_faults,
    "admin.faults.delete": delete_fault,
    "admin.outcomes.create": add_outcome,
    "admin.outcomes.list": list_outcomes,
    "admin.outcomes.clear": clear_outcomes,
    "admin.outcomes.delete": delete_outcome,
    "admin.messages.redeliver": redeliver,
    "admin.messages": messages,
    "admin.uploads": uploads,
    "admin.tfa.pins": pins,
    "admin.tfa.force": force_pin,
    "admin.tfa.unforce": unforce_pins,
    "admin.callbacks": callbacks,
    "admin.health": health,
    "admin.reset": reset,
    "admin.accounts.list": list_accounts,
    "admin.accounts.create": create_account,
    "admin.accounts.update": update_account,
    "admin.testNumbers.list": list_test_numbers,
    "admin.keys.revoke": revoke_key,
    "admin.keys.restore": restore_key,
    "admin.clock.get": get_clock,
    "admin.clock.advance": advance_clock,
    "admin.lists.list": list_lists,
    "admin.lists.get": get_list,
    "admin.lists.delete": delete_list,
    "admin.requests": journal,
}
