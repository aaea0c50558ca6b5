"""MMS media kept by the fake: content uploaded with ``POST /mms/1/content`` (and the Base64 segments
of ``/mms/1/advanced``, kept the same way), which later messages refer to by ``uploadedContentId``.

An upload lives for its validity period (``X-Validity-Period-Minutes``, Infobip's default 69,120
minutes, 48 days) on the fake's clock; an expired one is gone. A message may refer to an id the fake
never issued (Infobip's own examples do): it is sent as any MMS, and the outbox shows the reference
as unknown (docs/mms.md).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mock_infobip.core.clock import Clock, wire_time
from mock_infobip.core.errors import UploadRefused
from mock_infobip.core.randomness import Randomness
from mock_infobip.identity.accounts import Account
from mock_infobip.storage.interface import Store, account_lock, inserted_id
from mock_infobip.storage.sql import in_list
from mock_infobip.storage.sqlite import MAX_ID

DEFAULT_VALIDITY_MINUTES = 69_120
ID_LENGTH = 128  # upper-case hex, as Infobip's example ids
_MEDIA_TYPE = re.compile(r"^[A-Za-z0-9][\w.+-]*/[A-Za-z0-9][\w.+-]*(?:\s*;.*)?$")
_MINUTES = re.compile(r"^\s*\+?[0-9]{1,19}\s*$")


def _missing_header(name: str) -> UploadRefused:
    # Infobip's text, from its document's example of this 400
    return UploadRefused(f"Required request header '{name}' for method parameter type String is not present")


@dataclass(frozen=True)
class Upload:
    """What a request to upload says (headers and body); checked by :meth:`Media.upload`."""

    content_id: str | None
    media_type: str | None
    validity_minutes: str | None
    data: bytes


class Media:
    def __init__(self, store: Store, clock: Clock, random: Randomness) -> None:
        self._store = store
        self._clock = clock
        self._random = random

    def upload(self, account: Account, upload: Upload) -> str:
        """Keep ``upload`` for ``account``; its ``uploadedContentId``."""
        if not (upload.content_id or "").strip():
            raise _missing_header("X-Content-Id")
        if not (upload.media_type or "").strip():
            raise _missing_header("X-Media-Type")
        media_type = (upload.media_type or "").strip()
        if not _MEDIA_TYPE.match(media_type):
            raise UploadRefused(f"X-Media-Type must be a media type such as image/jpeg, not {media_type!r}")
        minutes = DEFAULT_VALIDITY_MINUTES
        if upload.validity_minutes is not None:
            if not _MINUTES.match(upload.validity_minutes) or not 0 < int(upload.validity_minutes) <= MAX_ID:
                raise UploadRefused(
                    f"X-Validity-Period-Minutes must be a whole number of minutes from 1 to {MAX_ID}"
                )
            minutes = int(upload.validity_minutes)
        if not upload.data:
            raise UploadRefused("Required request body is missing")
        return self.keep(account, upload.data, media_type, upload.content_id, minutes)

    def keep(
        self,
        account: Account,
        data: bytes,
        media_type: str,
        content_id: str | None,
        minutes: int = DEFAULT_VALIDITY_MINUTES,
    ) -> str:
        """Store ``data`` (checked already); its new id. Expired uploads are dropped meanwhile."""
        with self._store.write(account_lock(account.id)) as conn:
            now = self._clock.now_ms()
            conn.execute("DELETE FROM uploads WHERE expires_at <= :now", {"now": now})
            row_id = inserted_id(
                conn.execute(
                    "INSERT INTO uploads (upload_id, account_id, content_id, media_type, size, data, "
                    "uploaded_at, expires_at) VALUES ('', :account, :content_id, :media_type, :size, "
                    ":data, :now, :expires) RETURNING id",
                    {
                        "account": account.id,
                        "content_id": content_id,
                        "media_type": media_type,
                        "size": len(data),
                        "data": data,
                        "now": now,
                        "expires": min(MAX_ID, now + minutes * 60_000),
                    },
                )
            )
            upload_id = self._random.token(f"upload:{row_id}", ID_LENGTH, "0123456789ABCDEF")
            conn.execute(
                "UPDATE uploads SET upload_id = :upload_id WHERE id = :id",
                {"upload_id": upload_id, "id": row_id},
            )
        return upload_id

    def known(self, upload_ids: set[str]) -> dict[str, dict[str, Any]]:
        """The uploads among ``upload_ids`` that are alive: id -> what the outbox shows of it."""
        if not upload_ids:
            return {}
        marks, ids = in_list("upload", sorted(upload_ids))
        with self._store.read() as conn:
            rows = conn.execute(
                f"SELECT * FROM uploads WHERE upload_id IN {marks} AND expires_at > :now",
                {**ids, "now": self._clock.now_ms()},
            ).fetchall()
        return {r["upload_id"]: self._describe(r) for r in rows}

    def annotate(self, outbox: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Outbox entries (the admin API) with each uploaded reference of an MMS resolved: its
        ``uploaded`` is the upload, or None for an id the fake does not have (or no longer)."""
        references = [
            segment
            for entry in outbox
            for segment in entry.get("content", {}).get("messageSegments", [])
            if "uploadedContentId" in segment
        ]
        found = self.known({segment["uploadedContentId"] for segment in references})
        for segment in references:
            segment["uploaded"] = found.get(segment["uploadedContentId"])
        return outbox

    def listing(self, query: Mapping[str, str]) -> list[dict[str, Any]]:
        """Uploads alive, newest first (the admin API); without their bytes."""
        limit, offset = int(query.get("limit") or 100), int(query.get("offset") or 0)
        with self._store.read() as conn:
            rows = conn.execute(
                "SELECT * FROM uploads WHERE expires_at > :now ORDER BY id DESC LIMIT :limit OFFSET :offset",
                {"now": self._clock.now_ms(), "limit": limit, "offset": offset},
            ).fetchall()
        return [self._describe(r) for r in rows]

    @staticmethod
    def _describe(row: Any) -> dict[str, Any]:
        return {
            "uploadedContentId": row["upload_id"],
            "accountId": row["account_id"],
            **({"contentId": row["content_id"]} if row["content_id"] is not None else {}),
            "mediaType": row["media_type"],
            "size": row["size"],
            "uploadedAt": wire_time(row["uploaded_at"]),
            "expiresAt": wire_time(row["expires_at"]),
        }
