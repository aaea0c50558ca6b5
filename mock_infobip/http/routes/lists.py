"""The three endpoints Amplitude's cohort sync calls (docs/lists.md). Thin: the pipeline in
``mock_infobip.http.pipeline`` has authenticated, rate-limited and validated the request already."""

from __future__ import annotations

from typing import Any

from mock_infobip.http.pipeline import Call, Handler
from mock_infobip.http.reply import Reply, json_response


def create_list(call: Call) -> Reply:
    list_id = call.runtime.lists.create_list(call.account, call.body["name"])
    return json_response({"listId": list_id})


def add_people(call: Call) -> Reply:
    result = call.runtime.lists.add_people(call.account, call.path["listId"], call.body["userIds"])
    body: dict[str, Any] = {"modifiedCount": result.modified, "createdCount": result.created}
    if result.failed:
        count = sum(len(ids) for ids in result.failed.values())
        body["errors"] = {"count": count, "failed": result.failed}
    return json_response(body)


def remove_people(call: Call) -> Reply:
    call.runtime.lists.remove_people(call.account, call.path["listId"], call.body["userIds"])
    return json_response({})


HANDLERS: dict[str, Handler] = {
    "lists.create": create_list,
    "lists.add": add_people,
    "lists.remove": remove_people,
}
