"""XML on the wire, as Infobip's documents show it (their XML examples; they state no ``xml``
names): the same bodies as JSON, an object's members as elements, an array as an element of the
member's name holding one element an item (``<messages><message>…``; the item's name is the
member's own unless a table names it, as Jackson writes it), true/false, numbers as written.

Reading is guided by the JSON Schema of the body (a contract): XML text has no types, so the
schema says which elements are arrays, numbers and booleans; what does not fit is left a string,
and the contract names the field as it would for JSON. Parsed with defusedxml: no entities, no
external references, no DTD tricks.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any, Protocol
from xml.etree import ElementTree

from mock_infobip.wire.nesting import TOO_DEEP, TooDeep, xml_deeper_than

XML_TYPE = "application/xml"
# Jackson's default item name is the member's own; Infobip's examples name these items in the singular
ITEMS = {
    "messages": "message",
    "results": "result",
    "destinations": "destination",
    "violations": "violation",
    "resources": "resource",
}
# members whose keys are data (field paths), not names: JAXB's entry form, <entry><key>…</key>
# <value>…</value></entry>, one <value> a message
MAPS = frozenset({"validationErrors"})
_NAME = re.compile(r"^[A-Za-z_][\w.-]*$")
_INTEGER = re.compile(r"^\s*[+-]?[0-9]+\s*$")
_NUMBER = re.compile(r"^\s*[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?\s*$")
_APPLICATORS = ("allOf", "anyOf", "oneOf")


class NotXml(ValueError):
    """A body that is not a well-formed XML document (or uses what defusedxml forbids)."""


# --- writing ---------------------------------------------------------------------------------------


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _fill(element: ElementTree.Element, value: Any, items: Mapping[str, str]) -> None:
    if isinstance(value, dict):
        for key, inner in value.items():
            if inner is None:
                continue
            if _NAME.match(key):
                _member(element, key, inner, items)
            else:  # a key no element may be named after: an entry
                _entries(element, {key: inner})
    elif value is not None:
        element.text = _text(value)


def _entries(element: ElementTree.Element, value: Mapping[str, Any]) -> None:
    for key, inner in value.items():
        entry = ElementTree.SubElement(element, "entry")
        ElementTree.SubElement(entry, "key").text = key
        for item in inner if isinstance(inner, list) else [inner]:
            ElementTree.SubElement(entry, "value").text = _text(item)


def _member(parent: ElementTree.Element, key: str, value: Any, items: Mapping[str, str]) -> None:
    child = ElementTree.SubElement(parent, key)
    if key in MAPS and isinstance(value, dict):
        _entries(child, value)
    elif isinstance(value, list):
        name = items.get(key, key)
        for item in value:
            _fill(ElementTree.SubElement(child, name), item, items)
    else:
        _fill(child, value, items)


def render(root: str, value: Any, items: Mapping[str, str] | None = None) -> bytes:
    """``value`` (a JSON body) as an XML document whose root element is ``root``; a body that is an
    array has an ``<item>`` element an item (Infobip's 2FA examples)."""
    element = ElementTree.Element(root)
    names = {**ITEMS, **(items or {})}
    for item in value if isinstance(value, list) else []:
        _fill(ElementTree.SubElement(element, "item"), item, names)
    if not isinstance(value, list):
        _fill(element, value, names)
    text = ElementTree.tostring(element, encoding="unicode")
    return ('<?xml version="1.0" encoding="UTF-8"?>' + text).encode("utf-8")


# --- reading ---------------------------------------------------------------------------------------


class Resolved(Protocol):
    contents: Any
    resolver: Resolver


class Resolver(Protocol):
    """What ``referencing``'s resolver offers (``lookup``): the schema a ``$ref`` points at."""

    def lookup(self, ref: str) -> Resolved: ...


def _alternatives(schema: Any, resolver: Resolver, depth: int = 0) -> Iterator[tuple[Any, Resolver]]:
    """``schema`` and every schema that applies to the same value (``$ref``, allOf/anyOf/oneOf)."""
    if not isinstance(schema, Mapping) or depth > 16:
        return
    if "$ref" in schema:
        found = resolver.lookup(schema["$ref"])
        yield from _alternatives(found.contents, found.resolver, depth + 1)
    yield schema, resolver
    for keyword in _APPLICATORS:
        for sub in schema.get(keyword, []):
            yield from _alternatives(sub, resolver, depth + 1)


def _types(candidates: list[tuple[Any, Resolver]]) -> set[str]:
    types: set[str] = set()
    for schema, _ in candidates:
        kind = schema.get("type")
        types.update([kind] if isinstance(kind, str) else kind or [])
        if "properties" in schema:
            types.add("object")
        if "items" in schema:
            types.add("array")
    return types


def _member_schema(candidates: list[tuple[Any, Resolver]], name: str) -> tuple[Any, Resolver] | None:
    for schema, resolver in candidates:
        if name in schema.get("properties", {}):
            return schema["properties"][name], resolver
    for schema, resolver in candidates:
        extra = schema.get("additionalProperties")
        if isinstance(extra, Mapping):
            return extra, resolver
    return None


def _items_schema(candidates: list[tuple[Any, Resolver]]) -> tuple[Any, Resolver] | None:
    for schema, resolver in candidates:
        if isinstance(schema.get("items"), Mapping):
            return schema["items"], resolver
    return None


def _scalar(text: str, types: set[str]) -> Any:
    if "string" in types or not types:
        return text
    if "boolean" in types and text.strip() in ("true", "false"):
        return text.strip() == "true"
    if ("integer" in types or "number" in types) and _INTEGER.match(text):
        return int(text)
    if "number" in types and _NUMBER.match(text):
        return float(text)
    return text  # not what the schema wants: the contract names the field


def _value(element: ElementTree.Element, schema: Any, resolver: Resolver | None) -> Any:
    candidates = list(_alternatives(schema, resolver)) if resolver is not None else []
    types = _types(candidates)
    children = list(element)
    if not children:
        text = element.text or ""
        if not text.strip() and "string" not in types:
            if "object" in types:
                return {}
            if "array" in types:
                return []
        return _scalar(text, types)
    if "array" in types and not ("object" in types and _member_schema(candidates, children[0].tag)):
        inner = _items_schema(candidates)
        return [_value(child, *(inner or (None, None))) for child in children]
    members: dict[str, Any] = {}
    for child in children:
        inner = _member_schema(candidates, child.tag)
        value = _value(child, *(inner or (None, None)))
        if child.tag in members:  # a repeated element: the values, in order
            previous = members[child.tag]
            members[child.tag] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            members[child.tag] = value
    return members


def read(raw: bytes, schema: Any, resolver: Resolver) -> Any:
    """The JSON body that the XML document ``raw`` stands for, read as ``schema`` describes it (the
    root element's name is not checked: Infobip's examples name it after their own classes)."""
    from defusedxml import DefusedXmlException  # at first use: an XML body is rare
    from defusedxml.ElementTree import fromstring

    try:
        root = fromstring(raw)
    except (ElementTree.ParseError, DefusedXmlException, ValueError) as error:
        raise NotXml(str(error)) from None
    if xml_deeper_than(root):
        raise TooDeep(TOO_DEEP)
    return _value(root, schema, resolver)
