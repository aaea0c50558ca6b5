"""How deep a body may nest. Infobip's documents need a handful of levels (a 2FA template's
``messages[].destinations[].to`` is among the deepest, at 5); a body nested deeper than
:data:`MAX_DEPTH` is refused with a 400 naming ``body`` before anything walks it recursively (a
5,000-deep XML document was a ``RecursionError``, a 500)."""

from __future__ import annotations

from typing import Any
from xml.etree import ElementTree

MAX_DEPTH = 64
TOO_DEEP = f"must not be nested more than {MAX_DEPTH} levels deep"


class TooDeep(ValueError):
    """A body nested deeper than :data:`MAX_DEPTH` (or than the parser itself can go)."""


def json_deeper_than(value: Any, limit: int = MAX_DEPTH) -> bool:
    """Whether a JSON value nests objects or arrays more than ``limit`` levels deep (walked
    without recursion; only containers are visited, so a large flat body costs little)."""
    stack = [(value, 1)] if isinstance(value, dict | list) else []
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            return True
        for child in node.values() if isinstance(node, dict) else node:
            if isinstance(child, dict | list):
                stack.append((child, depth + 1))
    return False


def xml_deeper_than(root: ElementTree.Element, limit: int = MAX_DEPTH) -> bool:
    """Whether an XML element has a descendant more than ``limit`` levels below it."""
    stack = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in node)
    return False
