"""Contracts: the JSON Schemas in ``contracts/`` and the manifest of operations that uses them.

One mechanism validates every incoming body and query before a route runs, and names each failing
field with the message the schema gives for the failing keyword (``x-messages``), so the texts of
``validationErrors`` live in the contract files, not in code. Tests and ``check`` use the same
objects to validate responses.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from dataclasses import field as default
from functools import cache, cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jsonschema_rs

if TYPE_CHECKING:
    from jsonschema import ValidationError
    from referencing import Registry

BASE_URI = "https://mock-infobip.invalid/contracts/"
ROOT_FIELD = "body"

# Messages for keywords a schema gives no ``x-messages`` text for.
_DEFAULT_MESSAGES: dict[str, str] = {
    "required": "property not found or blank",
    "null": "must not be null",
    "minLength": "size must be between {minLength} and {maxLength}",
    "maxLength": "size must be between {minLength} and {maxLength}",
    "minItems": "size must be between {minItems} and {maxItems}",
    "maxItems": "size must be between {minItems} and {maxItems}",
    "minimum": "must be greater than or equal to {minimum}",
    "maximum": "must be less than or equal to {maximum}",
    "exclusiveMinimum": "must be greater than {exclusiveMinimum}",
    "exclusiveMaximum": "must be less than {exclusiveMaximum}",
    "pattern": 'must match "{pattern}"',
    "additionalProperties": "unknown property",
    "uniqueItems": "must not contain duplicates",
    "dependentRequired": "must be given together with {dependentRequired}",
    "minProperties": "must not be empty",
}
_TYPE_NAMES = {
    "object": "a JSON object",
    "array": "an array",
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "a boolean",
    "null": "null",
}


_ANNOTATIONS = frozenset({"type", "title", "description", "x-messages"})


@cache
def contract_validator() -> Any:
    """jsonschema's 2020-12 validator with an ``items`` fast path for an array of plain strings
    (10,000 user ids): the same answer, without descending into each element unless one of them
    fails. Imported at first use (jsonschema is ~60 ms of start-up): a valid request never needs
    it (:meth:`Contracts.errors`)."""
    from jsonschema import Draft202012Validator, validators

    items_keyword = Draft202012Validator.VALIDATORS["items"]

    def items(
        validator: Any, items: Any, instance: Any, schema: Mapping[str, Any]
    ) -> Iterator[ValidationError]:
        if (
            isinstance(items, Mapping)
            and items.get("type") == "string"
            and _ANNOTATIONS.issuperset(items)
            and "prefixItems" not in schema
            and isinstance(instance, list)
            and all(type(item) is str for item in instance)
        ):
            return iter(())
        found: Iterator[ValidationError] = items_keyword(validator, items, instance, schema)
        return found

    return validators.extend(Draft202012Validator, {"items": items})  # type: ignore[no-untyped-call]


def contracts_dir() -> Path:
    """``contracts/`` inside the installed package, or beside it in a source checkout."""
    package = Path(__file__).resolve().parent.parent
    installed = package / "contracts"
    return installed if installed.is_dir() else package.parent / "contracts"


@dataclass(frozen=True)
class Operation:
    id: str
    summary: str
    method: str
    path: str  # OpenAPI template, e.g. /saas/amplitude/1/lists/{listId}/add
    envelope: str  # legacy | new | admin
    rate_limit: str | None
    request: str | None
    query: str | None
    responses: Mapping[int, str]
    auth: str = "header"  # header | query (username and password parameters, or the header) | none
    request_type: str = "json"  # json | form (application/x-www-form-urlencoded) | binary (any bytes)
    trailing_slash: bool = False  # the path with a trailing slash is this operation too
    deprecated: bool = False  # a legacy endpoint Infobip no longer documents (still served)
    # request headers it reads: {name: {"required": bool, "schema": the value's JSON Schema}}
    headers: Mapping[str, Mapping[str, Any]] = default(default_factory=dict)
    xml: Mapping[int, str] = default(default_factory=dict)  # XML too: the answers' root element a status
    xml_items: Mapping[str, str] = default(default_factory=dict)  # array item names in its XML answers

    @property
    def flask_rule(self) -> str:
        return re.sub(r"\{(\w+)\}", r"<\1>", self.path)


def field_name(path: Iterable[str | int]) -> str:
    """``messages[0].destinations[0].to``; an error about an array element names the array."""
    parts = list(path)
    while parts and isinstance(parts[-1], int):
        parts.pop()
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or ROOT_FIELD


def _message(keyword: str, schema: Mapping[str, Any], instance: Any) -> str:
    custom = schema.get("x-messages", {})
    if instance is None and keyword == "type":
        return str(custom.get("null", custom.get("type", _DEFAULT_MESSAGES["null"])))
    if keyword in custom:
        return str(custom[keyword])
    if keyword == "type":
        kinds = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        return "must be " + " or ".join(_TYPE_NAMES.get(str(k), str(k)) for k in kinds)
    if keyword in ("enum", "const"):
        values = schema["enum"] if keyword == "enum" else [schema["const"]]
        return "must be one of " + ", ".join(json.dumps(v) for v in values)
    template = _DEFAULT_MESSAGES.get(keyword, "is not valid")
    limits = {"minLength": 0, "maxLength": "∞", "minItems": 0, "maxItems": "∞", **schema}
    return template.format_map(
        {k: (json.dumps(v) if isinstance(v, list) else v) for k, v in limits.items() if isinstance(k, str)}
    )


def _problems(error: ValidationError) -> Iterable[tuple[str, str]]:
    """(field, message) pairs for one schema error."""
    path = list(error.absolute_path)
    schema = error.schema if isinstance(error.schema, Mapping) else {}
    instance = error.instance
    value: Any = error.validator_value
    if error.validator == "required" and isinstance(instance, Mapping):
        properties = schema.get("properties", {})
        for name in value:
            if name not in instance:
                yield field_name([*path, name]), _message("required", properties.get(name, {}), instance)
    elif error.validator == "additionalProperties" and isinstance(instance, Mapping):
        known = set(schema.get("properties", {}))
        for name in instance:
            if name not in known:
                yield field_name([*path, name]), _message("additionalProperties", schema, instance)
    elif error.validator == "dependentRequired" and isinstance(instance, Mapping):
        for name, needed in value.items():
            if name in instance and any(n not in instance for n in needed):
                message = _DEFAULT_MESSAGES["dependentRequired"].format(dependentRequired=", ".join(needed))
                yield field_name([*path, name]), message
    else:
        yield field_name(path), _message(str(error.validator), schema, instance)


class Contracts:
    """The schemas of one ``contracts/`` folder, with cached validators."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory or contracts_dir()
        self.schemas: dict[str, dict[str, Any]] = {}
        for file in sorted(self.directory.rglob("*.schema.json")):
            schema = json.loads(file.read_text(encoding="utf-8"))
            # Every contract is 2020-12. Without "$schema" in the registered copy, following a
            # $ref keeps the contract validator instead of switching to the stock class.
            self.schemas[schema["$id"]] = {k: v for k, v in schema.items() if k != "$schema"}
        manifest = json.loads((self.directory / "operations.json").read_text(encoding="utf-8"))
        self.common: dict[str, dict[int, str]] = {
            envelope: {int(k): v for k, v in refs.items()} for envelope, refs in manifest["common"].items()
        }
        self.operations: dict[str, Operation] = {
            op_id: Operation(
                id=op_id,
                summary=spec.get("summary", ""),
                method=spec["method"],
                path=spec["path"],
                envelope=spec["envelope"],
                rate_limit=spec.get("rateLimit"),
                request=spec.get("request"),
                query=spec.get("query"),
                responses={int(k): v for k, v in spec["responses"].items()},
                auth=spec.get("auth", "header"),
                request_type=spec.get("requestType", "json"),
                trailing_slash=spec.get("trailingSlash", False),
                deprecated=spec.get("deprecated", False),
                headers=spec.get("headers", {}),
                xml={int(k): v for k, v in spec.get("xml", {}).items()},
                xml_items=spec.get("xmlItems", {}),
            )
            for op_id, spec in manifest["operations"].items()
        }
        self.webhooks: dict[str, str] = dict(manifest.get("webhooks", {}))
        self._validators: dict[str, Any] = {}
        self._fast: dict[str, Any] = {}

    @cached_property
    def registry(self) -> Registry[Any]:
        from referencing import Registry
        from referencing.jsonschema import DRAFT202012

        return Registry().with_resources(
            (uri, DRAFT202012.create_resource(contents)) for uri, contents in self.schemas.items()
        )

    def resolved(self, ref: str) -> Any:
        """The schema ``ref`` names, with the resolver of the references inside it (``referencing``'s
        ``Resolved``: ``contents`` and ``resolver``)."""
        return self.registry.resolver().lookup(BASE_URI + ref)

    def validator(self, ref: str) -> Any:
        found = self._validators.get(ref)
        if found is None:
            # Bound to the resolved schema (and its base URI), so no $ref is followed per call.
            resolved = self.resolved(ref)
            found = contract_validator()(
                resolved.contents, registry=self.registry, _resolver=resolved.resolver
            )
            self._validators[ref] = found
        return found

    def fast_validator(self, ref: str) -> Any:
        """``ref`` in jsonschema-rs: a yes or no ~50 times sooner than jsonschema's answer."""
        found = self._fast.get(ref)
        if found is None:
            found = jsonschema_rs.Draft202012Validator(
                {"$ref": BASE_URI + ref}, retriever=self._retrieve, validate_formats=False
            )
            self._fast[ref] = found
        return found

    def _retrieve(self, uri: str) -> dict[str, Any]:
        return self.schemas[uri]

    def errors(self, ref: str, instance: Any, *, plain: bool = False) -> dict[str, list[str]]:
        """Field -> messages for ``instance`` against ``ref``; empty when it is valid.

        ``plain``: the caller knows every string in ``instance`` is printable ASCII. Then
        jsonschema-rs answers first, and only an instance it finds invalid goes through jsonschema
        (which names the fields, and has the last word: where the two could differ, on regular
        expressions over other characters — Python's ``$`` before a final newline, ``\\s`` and
        ``\\d`` over Unicode — rs is never asked). tests/test_validation_agreement.py holds them
        to the same answers."""
        if plain:
            try:
                if self.fast_validator(ref).is_valid(instance):
                    return {}
            except ValueError:  # a value rs cannot take in: jsonschema decides
                pass
        validator = self.validator(ref)
        found: dict[str, list[str]] = {}
        for error in validator.iter_errors(instance):
            for field, message in _problems(error):
                messages = found.setdefault(field, [])
                if message not in messages:
                    messages.append(message)
        return found

    def response_ref(self, operation: Operation | None, envelope: str, status: int) -> str | None:
        if operation is not None and status in operation.responses:
            return operation.responses[status]
        return self.common.get(envelope, {}).get(status)

    def response_problems(
        self, operation: Operation | None, envelope: str, status: int, body: Any
    ) -> list[str]:
        """Why a response breaks its contract (empty when it does not)."""
        ref = self.response_ref(operation, envelope, status)
        where = operation.id if operation else "unmatched path"
        if ref is None:
            return [f"{where}: status {status} is not documented"]
        if ref == NO_BODY:
            return [] if body is None else [f"{where} {status}: must have no body"]
        return [
            f"{where} {status} {'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}"
            for e in self.validator(ref).iter_errors(body)
        ]


NO_BODY = ""  # a response contract that is no body at all (204)


@cache
def default_contracts() -> Contracts:
    """The package's contracts, loaded once per process."""
    return Contracts()
