"""``POST /sms/1/preview``: how a text would be sent, as is and with the language and
transliteration asked for: parts and characters remaining in the last part."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from typing import Any

from mock_infobip.channels.messages.parts import GSM_BASIC, GSM_EXTENSION, encoding, gsm_length, languages


def transliterate(text: str, national: str = "") -> str:
    """Replace every character outside the GSM alphabet (and the national table) by its table entry,
    else by its letters without accents; what has neither stays."""
    table: dict[str, str] = languages()["transliteration"]
    out = []
    for char in text:
        if char in GSM_BASIC or char in GSM_EXTENSION or char in national:
            out.append(char)
            continue
        plain = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
        # as is, without accents, or as a capital (GSM has the Greek capitals only)
        for candidate in (char, plain, plain.upper()):
            if candidate in table:
                out.append(table[candidate])
                break
            if candidate and gsm_length(candidate, national) is not None:
                out.append(candidate)
                break
        else:
            out.append(char)
    return "".join(out)


def _autodetect(text: str) -> str | None:
    """The national table a text needs to be sent as GSM, if plain GSM does not do."""
    if gsm_length(text) is not None:
        return None
    for code, national in languages()["languages"].items():
        if gsm_length(text, national) is not None:
            return str(code)
    return None


def _preview(text: str, language: str | None, transliteration: str | None) -> dict[str, Any]:
    configuration: dict[str, Any] = {}
    code = language
    if language is not None:
        configuration["language"] = {"languageCode": language}
        if language == "AUTODETECT":
            code = _autodetect(text)
    if transliteration is not None:
        configuration["transliteration"] = transliteration
        if transliteration != "NONE":
            text = transliterate(text, languages()["languages"].get(code or "", ""))
    sent = encoding(text, code)
    return {
        "textPreview": text,
        "messageCount": sent.parts,
        "charactersRemaining": sent.remaining,
        "configuration": configuration,
    }


def preview(body: Mapping[str, Any]) -> dict[str, Any]:
    """The text as is, then with the configuration asked for (when there is one)."""
    text: str = body["text"]
    previews = [_preview(text, None, None)]
    language, transliteration = body.get("languageCode"), body.get("transliteration")
    if language is not None or transliteration is not None:
        previews.append(_preview(text, language, transliteration))
    return {"originalText": text, "previews": previews}
