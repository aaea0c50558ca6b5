"""What a person reading a message looks for in it (the admin listing's ``otp`` and ``links``, a
test number's echoed code): the first code of 4 to 10 digits, and the URLs."""

from __future__ import annotations

import re

CODE = re.compile(r"(?<!\d)\d{4,10}(?!\d)")
LINK = re.compile(r"\bhttps?://[^\s<>\"']+", re.IGNORECASE)
TRAILING = ".,;:!?)]}'\""  # punctuation that ends a sentence, not the URL


def code_in(text: str | None) -> str | None:
    """The first run of 4 to 10 digits in ``text`` (a one-time PIN, say), or None."""
    found = CODE.search(text or "")
    return found.group(0) if found else None


def links_in(text: str | None) -> list[str]:
    """The http(s) URLs in ``text``, in order, without the punctuation that follows them."""
    return [found.group(0).rstrip(TRAILING) for found in LINK.finditer(text or "")]
