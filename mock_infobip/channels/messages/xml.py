"""Delivery reports as XML, for messages that asked ``application/xml`` (Infobip's OpenAPI examples:
``<reportResponse>`` for v2, ``<DeliveryReports>`` for v3, each with ``<results><result>…``), written
as every XML body of the fake is (:mod:`mock_infobip.wire.xmlwire`)."""

from __future__ import annotations

from typing import Any

from mock_infobip.wire.xmlwire import XML_TYPE, render

ROOTS = {2: "reportResponse", 3: "DeliveryReports"}
JSON_TYPE = "application/json"
__all__ = ["JSON_TYPE", "ROOTS", "XML_TYPE", "reports_xml"]


def reports_xml(version: int, results: list[dict[str, Any]]) -> bytes:
    return render(ROOTS[version], {"results": results})
