"""Takes the request examples and the answer schemas of one of Infobip's documents (SMS, MMS) into
infobip-<name>-examples.json, for tests/test_document_examples.py: each operation's JSON body
examples (or, for one without a body, a query of its parameters' examples), its XML body examples,
its header parameters' examples, the media type of its body, per documented status the answer schema
and the first example of its XML answer, with the document's prose (descriptions, titles) left out:
facts, no prose.

    python3 tests/data/extract_examples.py sms|mms [path/to/infobip-<name>-openapi.json]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REFERENCE = HERE.parents[2] / "shared" / "reference"
PROSE = {"description", "title", "example", "examples", "externalDocs", "summary", "deprecated"}
SCHEMA_MAPS = {"properties", "patternProperties", "$defs", "dependentSchemas"}
SCHEMA_LISTS = {"allOf", "anyOf", "oneOf", "prefixItems"}


def strip(schema: Any) -> Any:
    """A schema without its prose; property names (even ``description``) are kept."""
    if not isinstance(schema, dict):
        return schema
    kept: dict[str, Any] = {}
    for key, value in schema.items():
        if key in PROSE:
            continue
        if key in SCHEMA_MAPS and isinstance(value, dict):
            kept[key] = {name: strip(sub) for name, sub in value.items()}
        elif key in SCHEMA_LISTS and isinstance(value, list):
            kept[key] = [strip(sub) for sub in value]
        elif isinstance(value, dict):
            kept[key] = strip(value)
        else:
            kept[key] = value
    return kept


def _examples(content: dict[str, Any]) -> dict[str, Any]:
    return {title: example["value"] for title, example in (content.get("examples") or {}).items()}


def main() -> None:
    name = sys.argv[1] if len(sys.argv) > 1 else "sms"
    source = Path(sys.argv[2]) if len(sys.argv) > 2 else REFERENCE / f"infobip-{name}-openapi.json"
    doc = json.loads(source.read_text())
    operations = []
    for url, methods in doc["paths"].items():
        for method, operation in methods.items():
            if method not in ("get", "post", "put", "delete"):
                continue
            contents = operation.get("requestBody", {}).get("content", {})
            examples = _examples(contents.get("application/json", {}))
            query, headers = {}, {}
            for parameter in operation.get("parameters", []):
                example = parameter.get("example", parameter.get("schema", {}).get("example"))
                if example is not None and parameter.get("in") in ("query", "header"):
                    (query if parameter["in"] == "query" else headers)[parameter["name"]] = example
            responses, xml_answers = {}, {}
            for status, answer in operation.get("responses", {}).items():
                schema = answer.get("content", {}).get("application/json", {}).get("schema")
                if schema is not None and status.isdigit():
                    responses[status] = strip(schema)
                for example in _examples(answer.get("content", {}).get("application/xml", {})).values():
                    xml_answers.setdefault(status, example)
            operations.append(
                {
                    "method": method.upper(),
                    "url": url,
                    "bodyType": next(iter(contents), None),
                    "bodies": examples,
                    "xmlBodies": _examples(contents.get("application/xml", {})),
                    "query": query,
                    "headers": headers,
                    "responses": responses,
                    "xmlAnswers": xml_answers,
                }
            )
    facts = {
        "source": f"{doc['info']['title']} {doc['info']['version']}",
        "operations": operations,
        "schemas": {name: strip(schema) for name, schema in doc["components"]["schemas"].items()},
    }
    text = json.dumps(facts, indent=1, ensure_ascii=False) + "\n"
    (HERE / f"infobip-{name}-examples.json").write_text(text)
    print(f"{len(operations)} operations, {sum(len(o['bodies']) for o in operations)} body examples")


if __name__ == "__main__":
    main()
