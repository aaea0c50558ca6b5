"""Test helpers: a Flask test client that checks every response against its contract."""

from __future__ import annotations

import json
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.exceptions import HTTPException
from werkzeug.test import TestResponse

from mock_infobip.wire.envelopes import ADMIN, LEGACY
from mock_infobip.wire.validation import Operation, default_contracts
from mock_infobip.wire.xmlwire import read

JSON_TYPE = "application/json;charset=UTF-8"
XML_TYPE = "application/xml;charset=UTF-8"


def operation_for(app: Flask, method: str, path: str) -> Operation | None:
    adapter = app.url_map.bind("localhost")
    try:
        endpoint, _ = adapter.match(path, method=method)
    except HTTPException:
        return None
    return default_contracts().operations.get(str(endpoint))


def contract_problems(app: Flask, method: str, path: str, response: TestResponse) -> list[str]:
    """Why ``response`` breaks the contract of the operation it answered (empty when it doesn't)."""
    if response.status_code == 204:  # no body, nothing else to check
        return [] if not response.get_data() else [f"{method} {path}: a 204 with a body"]
    operation = operation_for(app, method, path)
    envelope = operation.envelope if operation else (ADMIN if path.startswith("/__admin") else LEGACY)
    xml = response.content_type == XML_TYPE and operation is not None and bool(operation.xml)
    if response.content_type != JSON_TYPE and not xml:
        return [f"{method} {path}: content type {response.content_type!r}"]
    if method == "HEAD":
        return []
    contracts = default_contracts()
    if xml:  # read as its contract describes it: then valid against it, as the JSON would be
        ref = contracts.response_ref(operation, envelope, response.status_code)
        if not ref:
            return [f"{method} {path}: an XML answer of status {response.status_code}"]
        schema = contracts.resolved(ref)
        body = read(response.get_data(), schema.contents, schema.resolver)
    else:
        try:
            body = json.loads(response.get_data())
        except ValueError:
            return [f"{method} {path}: body is not JSON: {response.get_data()[:200]!r}"]
    return contracts.response_problems(operation, envelope, response.status_code, body)


class ContractClient(FlaskClient):
    """Every response must be JSON, valid against its contract, and never a 5xx."""

    def open(self, *args: Any, **kwargs: Any) -> TestResponse:
        response = super().open(*args, **kwargs)
        request = response.request
        method, path = request.method, request.path
        if path == "/" or path.startswith("/dashboard"):  # the dashboard's HTML pages
            assert response.status_code < 500, (method, path, response.status_code)
            return response
        assert response.status_code < 500, (method, path, response.status_code, response.get_data())
        problems = contract_problems(self.application, method, path, response)
        assert not problems, problems
        return response
