"""A delivery-report receiver that turns Infobip reports into campaign events, as a marketing
platform does (docs/clients.md, after Bloomreach's Infobip SMS integration).

``POST /dlr`` takes v2 and v3 callback bodies and answers 200 fast; each final report becomes one
event (``delivered``, ``failed``, ``rejected``); intermediate reports make none; a report done more
than 4 days after sending is acknowledged but not tracked; a report delivered twice gives one event.
A malformed body gets a 400 and stores nothing. ``GET /events`` lists the events, oldest first
(``?format=jsonl`` for JSON lines).

``POST /inbound`` takes Infobip's inbound SMS and MMS bodies (``{"results": [...], "messageCount",
"pendingMessageCount"}``): each message becomes one ``inbound``-phase event (double opt-in, STOP and
NPS answers as ``mock_infobip.clients.events`` says); a message forwarded twice gives one event.
``GET /subscriptions`` lists the subscription state of every number asked to confirm.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import Flask, Response, jsonify, request

from mock_infobip.clients.events import REPORT, Event, EventStore

WINDOW = timedelta(days=4)
FINAL = {"DELIVERED": "delivered", "REJECTED": "rejected", "UNDELIVERABLE": "failed", "EXPIRED": "failed"}
INTERMEDIATE = {"DELIVERED_TO_OPERATOR"}


class Malformed(ValueError):
    pass


def _time(result: dict[str, Any], field: str) -> datetime:
    value = result.get(field)
    try:
        return datetime.strptime(str(value), "%Y-%m-%dT%H:%M:%S.%f%z")
    except ValueError:
        raise Malformed(f"{field} {value!r} is not a time like 2026-11-22T10:15:00.000+0000") from None


def event_of(result: Any) -> Event | None:
    """The campaign event of one report, or None when it makes none."""
    if not isinstance(result, dict) or not isinstance(result.get("messageId"), str):
        raise Malformed("each result needs a messageId")
    status = result.get("status")
    if not isinstance(status, dict) or not isinstance(status.get("groupName"), str):
        raise Malformed("each result needs a status with a groupName")
    error = result.get("error") or {}
    if not isinstance(error, dict):
        raise Malformed("error must be an object")
    sent_at, done_at = _time(result, "sentAt"), _time(result, "doneAt")
    kind = FINAL.get(status["groupName"].upper())
    if kind is None or status.get("name") in INTERMEDIATE or done_at > sent_at + WINDOW:
        return None
    parts = result.get("smsCount", result.get("messageCount"))
    failed = error.get("name") not in (None, "NO_ERROR")
    return Event(
        phase=REPORT,
        message_id=result["messageId"],
        to=str(result.get("to", "")),
        status=kind,
        status_code=int(error.get("id", 0)),
        number_of_message_parts=parts if isinstance(parts, int) else None,
        sent_at=result["sentAt"],
        done_at=result["doneAt"],
        error=error["name"] if failed else None,
        comment=error.get("description") if failed else None,
    )


def inbound_of(result: Any) -> tuple[str, str, str, datetime]:
    """(messageId, from, text, receivedAt) of one inbound SMS or MMS (the text of its segments)."""
    if not isinstance(result, dict) or not all(isinstance(result.get(k), str) for k in ("messageId", "from")):
        raise Malformed("each result needs a messageId and a from")
    message = result.get("message")
    if isinstance(message, list):  # an MMS: its text segments
        text = " ".join(str(s.get("value", "")) for s in message if isinstance(s, dict) and "value" in s)
    else:
        text = str(result.get("text", message or ""))
    return result["messageId"], result["from"], text, _time(result, "receivedAt")


def create_receiver_app(db_path: str) -> Flask:
    store = EventStore(db_path)
    app = Flask("mock_infobip_receiver")
    app.extensions["events"] = store

    @app.post("/dlr")
    def dlr() -> tuple[Response, int]:
        body = request.get_json(silent=True)
        try:
            if not isinstance(body, dict) or not isinstance(body.get("results"), list):
                raise Malformed('the body must be {"results": [...]}')
            events = [event_of(result) for result in body["results"]]
        except Malformed as exc:
            return jsonify({"error": str(exc)}), 400
        stored = store.add([e for e in events if e is not None])
        return jsonify({"received": len(events), "stored": stored}), 200

    @app.post("/inbound")
    def inbound() -> tuple[Response, int]:
        body = request.get_json(silent=True)
        try:
            if not isinstance(body, dict) or not isinstance(body.get("results"), list):
                raise Malformed('the body must be {"results": [...]}')
            messages = [inbound_of(result) for result in body["results"]]
        except Malformed as exc:
            return jsonify({"error": str(exc)}), 400
        stored = [store.take_inbound(*message) for message in messages]
        return jsonify({"received": len(messages), "stored": sum(e is not None for e in stored)}), 200

    @app.get("/subscriptions")
    def subscriptions() -> Response:
        return jsonify(store.subscriptions())

    @app.get("/events")
    def events() -> Response:
        if request.args.get("format") == "jsonl":
            return Response(store.json_lines(), content_type="application/x-ndjson")
        return jsonify([event.wire() for event in store.events()])

    return app
