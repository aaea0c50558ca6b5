"""Delivery reports as XML, for messages that asked ``application/xml`` (Infobip's OpenAPI examples:
``<reportResponse>`` for v2, ``<DeliveryReports>`` for v3, each with ``<results><result>…``)."""

from __future__ import annotations

from typing import Any
from xml.etree import ElementTree

ROOTS = {2: "reportResponse", 3: "DeliveryReports"}
XML_TYPE = "application/xml"
JSON_TYPE = "application/json"


def _fill(element: ElementTree.Element, value: Any) -> None:
    if isinstance(value, dict):
        for key, inner in value.items():
            _fill(ElementTree.SubElement(element, key), inner)
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    else:
        element.text = str(value)


def reports_xml(version: int, results: list[dict[str, Any]]) -> bytes:
    root = ElementTree.Element(ROOTS[version])
    container = ElementTree.SubElement(root, "results")
    for result in results:
        _fill(ElementTree.SubElement(container, "result"), result)
    text = ElementTree.tostring(root, encoding="unicode")
    return ('<?xml version="1.0" encoding="UTF-8"?>' + text).encode("utf-8")
