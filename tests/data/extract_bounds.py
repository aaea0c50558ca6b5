"""Takes the bounds one of Infobip's documents (SMS, MMS) states on request fields, with the
document's first request example of each operation, into infobip-<name>-bounds.json: the cases of
tests/test_document_bounds.py (facts, no prose). Run it again when the document changes:

    python3 tests/data/extract_bounds.py sms|mms [path/to/infobip-<name>-openapi.json]
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REFERENCE = HERE.parents[2] / "shared" / "reference"
KEYWORDS = ("minimum", "maximum", "minLength", "maxLength", "minItems", "maxItems", "enum", "format")
FORMATS = {"int32": (-(2**31), 2**31 - 1), "int64": (-(2**63), 2**63 - 1)}
# the smallest valid query of the operations that send over query parameters
TEXT_QUERY = {"to": "41793026727", "text": "Hi"}


def stated(schema: dict[str, Any]) -> dict[str, Any]:
    """The bounds a schema states (a format only when it is one of FORMATS)."""
    return {k: schema[k] for k in KEYWORDS if k in schema and (k != "format" or schema[k] in FORMATS)}


class Document:
    def __init__(self, doc: dict[str, Any]) -> None:
        self.doc = doc

    def resolve(self, node: Any) -> Any:
        for _ in range(20):
            if not (isinstance(node, dict) and "$ref" in node):
                break
            target: Any = self.doc
            for part in node["$ref"].lstrip("#/").split("/"):
                target = target[part]
            node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
        return node

    def fields(self, node: Any, path: tuple[str | int, ...] = (), depth: int = 0) -> Iterator[Any]:
        node = self.resolve(node)
        if depth > 12 or not isinstance(node, dict):
            return
        bounds = stated(node)
        if bounds and path:
            yield path, bounds
        for group in ("allOf", "oneOf", "anyOf"):
            for sub in node.get(group, []):
                yield from self.fields(sub, path, depth + 1)
        for name, prop in (node.get("properties") or {}).items():
            if not self.resolve(prop).get("readOnly"):
                yield from self.fields(prop, (*path, name), depth + 1)
        if "items" in node:
            yield from self.fields(node["items"], (*path, 0), depth + 1)


def values(bounds: dict[str, Any]) -> Iterator[tuple[str, Any, bool]]:
    """(what, value, whether it must be refused); a string of N characters is {"characters": N}."""
    low, high = FORMATS.get(bounds.get("format", ""), (None, None))
    if "maximum" in bounds:
        yield "maximum", bounds["maximum"], False
        yield "maximum + 1", bounds["maximum"] + 1, True
    elif high is not None:
        yield "past its format", high + 1, True
    if "minimum" in bounds:
        yield "minimum", bounds["minimum"], False
        yield "minimum - 1", bounds["minimum"] - 1, True
    elif low is not None:
        yield "below its format", low - 1, True
    if "maxLength" in bounds:
        yield "maxLength", {"characters": bounds["maxLength"]}, False
        yield "maxLength + 1", {"characters": bounds["maxLength"] + 1}, True
    if bounds.get("minLength", 0) > 0:
        yield "minLength - 1", {"characters": bounds["minLength"] - 1}, True
    if "enum" in bounds:
        yield "in enum", bounds["enum"][0], False
        yield "not in enum", "NOT_A_DOCUMENTED_VALUE", True


def _cases(method: str, url: str, where: str, path: list[Any], base: Any, label: str, bounds: Any) -> Any:
    """The cases of one bounded field: one per value of :func:`values`."""
    for what, value, refused in values(bounds):
        yield {
            "id": f"{method} {url} {label}: {what}",
            "method": method,
            "url": url,
            "where": where,
            "path": path,
            "base": base,
            "value": value,
            "refused": refused,
        }


def cases(doc: Document) -> Iterator[dict[str, Any]]:
    for url, operations in doc.doc["paths"].items():
        for method, operation in operations.items():
            if method not in ("get", "post", "put"):
                continue
            verb = method.upper()
            content = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
            if content.get("schema"):
                examples = list((content.get("examples") or {}).values())
                base = examples[0]["value"] if examples else {}
                for path, bounds in doc.fields(content["schema"]):
                    label = ".".join(map(str, path))
                    yield from _cases(verb, url, "body", list(path), base, label, bounds)
            for parameter in operation.get("parameters", []):
                parameter = doc.resolve(parameter)
                bounds = stated(doc.resolve(parameter.get("schema", {})))
                if parameter.get("in") == "query" and bounds:
                    name = parameter["name"]
                    query = TEXT_QUERY if url.endswith("/text/query") else {}
                    yield from _cases(verb, url, "query", [name], query, f"?{name}", bounds)


def main() -> None:
    name = sys.argv[1] if len(sys.argv) > 1 else "sms"
    source = Path(sys.argv[2]) if len(sys.argv) > 2 else REFERENCE / f"infobip-{name}-openapi.json"
    found = list(cases(Document(json.loads(source.read_text()))))
    examples: dict[str, Any] = {}
    for case in found:  # each operation's base request once
        examples[f"{case['method']} {case['url']}"] = case.pop("base")
    facts = {"examples": examples, "cases": [json.dumps(case) for case in found]}
    text = json.dumps(facts, indent=1)
    for case in facts["cases"]:  # one line a case
        text = text.replace(json.dumps(case), case, 1)
    (HERE / f"infobip-{name}-bounds.json").write_text(text + "\n")
    print(f"{len(found)} cases from {source}")


if __name__ == "__main__":
    main()
