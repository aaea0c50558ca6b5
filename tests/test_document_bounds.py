"""Every bound Infobip's SMS document states on a request field is enforced: for each ``minimum``,
``maximum``, ``minLength``, ``maxLength``, ``minItems``, ``maxItems``, ``enum`` and ``int32``/``int64``
format, a value just outside is a 400 naming the field, and the bound itself is not refused for it.
The requests are the document's own examples with that one field changed. The bounds and examples
are facts taken from the document into ``tests/data/infobip-sms-bounds.json`` by
``tests/data/extract_bounds.py`` (run it again when the document changes)."""

from __future__ import annotations

import copy
import itertools
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from mock_infobip import fake

DOCUMENTS = ("sms", "mms")
FACTS = {
    name: json.loads((Path(__file__).parent / "data" / f"infobip-{name}-bounds.json").read_text())
    for name in DOCUMENTS
}


def _cases() -> Iterator[Any]:
    for name, facts in FACTS.items():
        for case in facts["cases"]:
            value = case["value"]
            if isinstance(value, dict):  # {"characters": N}: a string of N characters
                value = "7" * value["characters"]
            base = facts["examples"][f"{case['method']} {case['url']}"]
            where, path, refused = case["where"], tuple(case["path"]), case["refused"]
            yield pytest.param(
                case["method"], case["url"], where, path, base, value, refused, id=f"{name}: {case['id']}"
            )


def _set(body: Any, path: tuple, value: Any) -> Any:
    body = copy.deepcopy(body) if body is not None else {}
    node = body
    for step, following in itertools.pairwise(path):
        if isinstance(step, int):
            while len(node) <= step:
                node.append({} if not isinstance(following, int) else [])
            node = node[step]
        else:
            if not isinstance(node.get(step), dict | list):
                node[step] = [] if isinstance(following, int) else {}
            node = node[step]
    last = path[-1]
    if isinstance(last, int):
        while len(node) <= last:
            node.append(None)
    node[last] = value
    return body


def _named(answer: requests.Response) -> set[str]:
    if answer.status_code != 400:
        return set()
    body = answer.json()
    if "violations" in body:
        return {v["property"] for v in body["violations"]}
    return set(body["requestError"]["serviceException"].get("validationErrors", {}))


@pytest.fixture(scope="module")
def infobip() -> Iterator[Any]:
    with fake(logs_per_minute=100_000) as handle:
        yield handle


@pytest.mark.parametrize(("method", "url", "where", "path", "base", "value", "refused"), list(_cases()))
def test_every_documented_bound(infobip, method, url, where, path, base, value, refused):
    dotted = ".".join(f"[{p}]" if isinstance(p, int) else p for p in path).replace(".[", "[")
    field = re.sub(r"(\[0\])+$", "", dotted)  # an error about an array element names the array
    target = infobip.base_url + url
    if where == "body":
        query = {"bulkId": "b"} if "bulks" in url else None
        body = _set(base, path, value)
        answer = requests.request(method, target, headers=infobip.headers, json=body, params=query)
    else:
        answer = requests.request(method, target, headers=infobip.headers, params={**base, path[0]: value})
    assert answer.status_code < 500, answer.text
    shown = (field, str(value)[:40], answer.status_code, answer.text[:300])
    if refused:
        assert answer.status_code == 400 and field in _named(answer), shown
    else:
        assert field not in _named(answer), shown
