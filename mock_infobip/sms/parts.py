"""How many SMS parts a text takes: GSM 03.38 7-bit (extension characters count twice; 160 in one
part, 153 per part beyond) or, with any other character, UCS-2 (70 in one part, 67 per part beyond;
characters outside the BMP take two UTF-16 units)."""

from __future__ import annotations

GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENSION = frozenset("\f^{}\\[~]|€")


def gsm_length(text: str) -> int | None:
    """Septets the text takes in GSM 03.38, or None when a character is not in the alphabet."""
    length = 0
    for char in text:
        if char in GSM_BASIC:
            length += 1
        elif char in GSM_EXTENSION:
            length += 2
        else:
            return None
    return length


def sms_count(text: str) -> int:
    septets = gsm_length(text)
    if septets is not None:
        single, multi, units = 160, 153, septets
    else:
        single, multi, units = 70, 67, len(text.encode("utf-16-le")) // 2
    if units <= single:
        return 1
    return -(-units // multi)
