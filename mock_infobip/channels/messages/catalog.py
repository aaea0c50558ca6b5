"""Infobip's general statuses and error codes (``mock_infobip/data``), looked up by name.

A name may be qualified by its group (``REJECTED/SIGNALS_BLOCKED``): two statuses share the name
``SIGNALS_BLOCKED`` and two errors ``EC_NOTSUBMITTEDTOSMPPCHANNEL``; the bare name is the first in
the table.
"""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

PENDING, UNDELIVERABLE, DELIVERED, EXPIRED, REJECTED = 1, 2, 3, 4, 5


def _load(name: str) -> Any:
    return json.loads(resources.files("mock_infobip").joinpath("data", name).read_text(encoding="utf-8"))


def _describe(name: str) -> str:
    words = name.removeprefix("EC_").replace("_", " ").lower()
    return words[:1].upper() + words[1:]


@dataclass(frozen=True)
class Status:
    """A general status; ``key`` (``GROUP/NAME``) is unique where the name alone is not."""

    group_id: int
    group_name: str
    id: int
    name: str
    description: str

    @property
    def key(self) -> str:
        return f"{self.group_name}/{self.name}"

    def wire(self) -> dict[str, Any]:
        return {
            "groupId": self.group_id,
            "groupName": self.group_name,
            "id": self.id,
            "name": self.name,
            "description": self.description,
        }


@dataclass(frozen=True)
class Error(Status):
    """A general error code: a status with ``permanent``."""

    permanent: bool = False

    def wire(self) -> dict[str, Any]:
        return {**super().wire(), "permanent": self.permanent}


class Catalog:
    def __init__(self) -> None:
        texts = _load("descriptions.json")
        self.statuses = [
            Status(
                s["groupId"],
                s["groupName"],
                s["id"],
                s["name"],
                texts["statuses"].get(s["name"]) or _describe(s["name"]),
            )
            for s in _load("statuses.json")["statuses"]
        ]
        self.errors = [
            Error(
                e["groupId"],
                e["groupName"],
                e["id"],
                e["name"],
                texts["errors"].get(e["name"]) or _describe(e["name"]),
                e["permanent"],
            )
            for e in _load("errors.json")["errors"]
        ]
        self._statuses = self._index(self.statuses)
        self._errors = self._index(self.errors)
        self.countries_without_reports = tuple(
            c["iso2"] for c in _load("countries-without-dlr.json")["countries"]
        )
        self.networks: dict[str, list[str]] = _load("networks.json")["networks"]

    def mcc_mnc(self, region: str | None, digits: str) -> str | None:
        """The network of a number (MCC and MNC written together), when its region is in the table."""
        networks = self.networks.get(region or "")
        if not networks:
            return None
        return networks[zlib.crc32(digits.encode()) % len(networks)]

    @staticmethod
    def _index(items: list[Any]) -> dict[str, Any]:
        index: dict[str, Any] = {}
        for item in items:
            index.setdefault(item.name, item)
            index[item.key] = item
        return index

    def status(self, name: str) -> Status | None:
        found: Status | None = self._statuses.get(name)
        return found

    def error(self, name: str) -> Error | None:
        found: Error | None = self._errors.get(name)
        return found

    def status_of(self, key: str) -> Status:
        found: Status = self._statuses[key]
        return found

    def error_of(self, key: str) -> Error:
        found: Error = self._errors[key]
        return found


@cache
def catalog() -> Catalog:
    return Catalog()
