"""How many SMS parts a text takes: GSM 03.38 7-bit (extension characters count twice; 160 in one
part, 153 per part beyond) or, with any other character, UCS-2 (70 in one part, 67 per part beyond;
characters outside the BMP take two UTF-16 units). With a national language table (``TR``, ``ES``,
``PT``) its characters take one septet and the header three octets: 155 in one part, 149 beyond.
Binary content: 140 bytes in one part, 134 per part beyond (the rest of each part carries the
concatenation header)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENSION = frozenset("\f^{}\\[~]|€")


@cache
def languages() -> dict[str, Any]:
    """The national language characters and transliteration table (``data/sms-languages.json``)."""
    text = resources.files("mock_infobip").joinpath("data", "sms-languages.json").read_text(encoding="utf-8")
    found: dict[str, Any] = json.loads(text)
    return found


@dataclass(frozen=True)
class Encoding:
    units: int  # septets (GSM) or UTF-16 units (UCS-2)
    single: int  # units that fit one part
    multi: int  # units per part of a longer message

    @property
    def parts(self) -> int:
        return 1 if self.units <= self.single else -(-self.units // self.multi)

    @property
    def remaining(self) -> int:
        """Units left in the last part."""
        return (self.single if self.parts == 1 else self.parts * self.multi) - self.units


def gsm_length(text: str, national: str = "") -> int | None:
    """Septets the text takes in GSM 03.38 (with a national table's characters), or None when a
    character is not in the alphabet."""
    length = 0
    for char in text:
        if char in GSM_BASIC or char in national:
            length += 1
        elif char in GSM_EXTENSION:
            length += 2
        else:
            return None
    return length


def encoding(text: str, language: str | None = None) -> Encoding:
    """How ``text`` is sent: with ``language`` (a national table) when given."""
    national = languages()["languages"].get(language or "", "")
    septets = gsm_length(text, national)
    if septets is None:
        return Encoding(len(text.encode("utf-16-le")) // 2, 70, 67)
    if national:
        return Encoding(septets, 155, 149)
    return Encoding(septets, 160, 153)


def sms_count(text: str) -> int:
    return encoding(text).parts


def binary_count(size: int) -> int:
    """Parts of ``size`` bytes of binary content."""
    return 1 if size <= 140 else -(-size // 134)
