"""The OpenAPI 3.1 document of the fake, built from ``contracts/``.

Each schema file becomes one component (its ``$id`` dropped, every ``$ref`` rewritten to a pointer
into ``#/components/schemas``), and every operation, parameter and response refers to those
components: the schemas are referenced, never copied per operation.
"""

from __future__ import annotations

import copy
import json
import re
from functools import cache
from typing import Any
from urllib.parse import urljoin

from mock_infobip.core.about import VERSION as __version__
from mock_infobip.http.reply import ERROR_ROOTS
from mock_infobip.wire.envelopes import ADMIN, LEGACY, NEW
from mock_infobip.wire.validation import BASE_URI, Contracts, Operation, default_contracts
from mock_infobip.wire.xmlwire import ITEMS, XML_TYPE

TAGS = [
    {"name": "lists", "description": "The Amplitude cohort lists API (Infobip People tags)"},
    {"name": "sms", "description": "Sending SMS, delivery reports and logs"},
    {"name": "admin", "description": "The fake's own admin API: inspect and steer it (not Infobip's)"},
]
STATUS_TEXT = {
    200: "OK",
    201: "Created",
    204: "No content",
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Request entity too large",
    429: "Too many requests",
    500: "Server error",
    502: "Bad gateway",
    503: "Service unavailable",
    504: "Gateway timeout",
}


def component_name(file: str) -> str:
    """``lists/create-list.request.schema.json`` -> ``lists.create-list.request``."""
    return file.removesuffix(".schema.json").replace("/", ".")


def pointer(ref: str, base: str = "") -> str:
    """A contract reference (relative to the file ``base``) as a pointer into the components."""
    absolute = urljoin(BASE_URI + base, ref)
    file, _, fragment = absolute.removeprefix(BASE_URI).partition("#")
    return f"#/components/schemas/{component_name(file)}{fragment}"


# Dropped from the published schemas: a file's own identity, and the fake's error texts (x-messages:
# keyed by keyword, "pattern" among them, which tools read as a regular expression)
_PRIVATE = frozenset({"$id", "$schema", "x-messages"})


def _rewrite(node: Any, base: str) -> Any:
    if isinstance(node, dict):
        return {
            k: (pointer(v, base) if k == "$ref" else _rewrite(v, base))
            for k, v in node.items()
            if k not in _PRIVATE
        }
    if isinstance(node, list):
        return [_rewrite(item, base) for item in node]
    return node


WEBHOOK_SUMMARY = {
    "sms.inbound": "Inbound SMS forwarded by the fake",
    "mms.inbound": "Inbound MMS forwarded by the fake",
}


def _content(ref: str, media: str = "application/json") -> dict[str, Any]:
    return {media: {"schema": {"$ref": pointer(ref)}}}


# The root element of an XML error answer (http/reply.py names it by the envelope's first member)
_ERROR_ROOT = {LEGACY: ERROR_ROOTS["requestError"], NEW: ERROR_ROOTS["errorCode"]}


def _answer(operation: Operation, status: int, ref: str) -> dict[str, Any]:
    """A response's content: JSON, and for an operation that speaks XML (``Accept`` preferring
    ``application/xml``) the same schema as XML with its root element's name."""
    content = _content(ref)
    root = operation.xml.get(status) or (_ERROR_ROOT.get(operation.envelope) if status >= 400 else None)
    if operation.xml and root is not None:
        content[XML_TYPE] = {"schema": {"$ref": pointer(ref), "xml": {"name": root}}}
    return content


def _xml_arrays(schema: Any, name: str = "") -> Any:
    """``schema`` with every array as XML writes it (wire/xmlwire.py): wrapped in an element of its
    member's name, one element an item, named as xmlwire's table names it or after the member."""
    if not isinstance(schema, dict):
        return schema
    described: dict[str, Any] = {}
    for key, value in schema.items():
        if key in ("properties", "$defs") and isinstance(value, dict):
            described[key] = {member: _xml_arrays(inner, member) for member, inner in value.items()}
        elif key in ("allOf", "anyOf", "oneOf") and isinstance(value, list):
            described[key] = [_xml_arrays(inner, name) for inner in value]
        elif key in ("items", "additionalProperties", "not", "if", "then", "else"):
            described[key] = _xml_arrays(value, name)
        else:  # values, not schemas: examples, enums, defaults
            described[key] = value
    if schema.get("type") == "array" or isinstance(schema.get("items"), dict):
        described["xml"] = {"wrapped": True}
        if isinstance(described.get("items"), dict):
            described["items"] = {**described["items"], "xml": {"name": ITEMS.get(name, name or "item")}}
    return described


def _parameters(contracts: Contracts, operation: Operation) -> list[dict[str, Any]]:
    parameters = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in re.findall(r"\{(\w+)\}", operation.path)
    ]
    for header, spec in operation.headers.items():
        parameters.append(
            {"name": header, "in": "header", "required": spec["required"], "schema": spec["schema"]}
        )
    if operation.query is not None:
        query = contracts.validator(operation.query).schema
        required = set(query.get("required", []))
        for name in query.get("properties", {}):
            parameters.append(
                {
                    "name": name,
                    "in": "query",
                    "required": name in required,
                    "schema": {"$ref": f"{pointer(operation.query)}/properties/{name}"},
                }
            )
    return parameters


def _operation(contracts: Contracts, operation: Operation) -> dict[str, Any]:
    tag = operation.id.split(".")[0]
    statuses = {**contracts.common.get(operation.envelope, {}), **operation.responses}
    described: dict[str, Any] = {
        "operationId": operation.id,
        "tags": [tag],
        "summary": operation.summary,
        "parameters": _parameters(contracts, operation),
        "responses": {
            str(status): {
                "description": STATUS_TEXT.get(status, str(status)),
                **({"content": _answer(operation, status, ref)} if ref else {}),
            }
            for status, ref in sorted(statuses.items())
        },
    }
    if operation.deprecated:
        described["deprecated"] = True
    if operation.envelope != ADMIN and operation.auth != "none":
        described["security"] = [{"App": []}, {"Basic": []}, {"Bearer": []}]
    if operation.request is not None:
        media = (
            "application/x-www-form-urlencoded" if operation.request_type == "form" else "application/json"
        )
        described["requestBody"] = {"required": True, "content": _content(operation.request, media)}
        if operation.xml:
            described["requestBody"]["content"][XML_TYPE] = _content(operation.request)["application/json"]
    if operation.request_type == "binary":
        binary = {"schema": {"type": "string", "format": "binary", "minLength": 1}}  # any bytes, not none
        described["requestBody"] = {"required": True, "content": {"application/octet-stream": binary}}
    if operation.rate_limit is not None:
        described["x-rate-limit"] = operation.rate_limit
    return described


def build(contracts: Contracts) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for operation in contracts.operations.values():
        paths.setdefault(operation.path, {})[operation.method.lower()] = _operation(contracts, operation)
    components = {}
    for file in sorted(contracts.directory.rglob("*.schema.json")):
        relative = file.relative_to(contracts.directory).as_posix()
        components[component_name(relative)] = _xml_arrays(
            _rewrite(json.loads(file.read_text(encoding="utf-8")), relative)
        )
    webhooks = {
        name: {
            "post": {
                "summary": WEBHOOK_SUMMARY.get(name, "Delivery reports pushed by the fake"),
                "requestBody": {"required": True, "content": _content(ref)},
                "responses": {"200": {"description": "Any 2xx within the timeout acknowledges"}},
            }
        }
        for name, ref in contracts.webhooks.items()
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "mock-infobip",
            "version": __version__,
            "description": "A local fake of Infobip's lists (Amplitude cohort sync) and SMS APIs.",
        },
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "tags": copy.deepcopy(TAGS),
        "paths": paths,
        "webhooks": webhooks,
        "components": {
            "schemas": components,
            "securitySchemes": {
                "App": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "Authorization",
                    "description": "App <apiKey> (the scheme keyword is case-insensitive)",
                },
                "Bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "An access token from POST /auth/1/oauth2/token",
                },
                "Basic": {
                    "type": "http",
                    "scheme": "basic",
                    "description": "<apiKey>: or <username>:<password>",
                },
            },
        },
    }


@cache
def document() -> dict[str, Any]:
    """The fake's OpenAPI document (built once per process)."""
    return build(default_contracts())
