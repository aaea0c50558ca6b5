"""Domain errors: small classes with structured fields and no HTTP in them.

The HTTP layer (``mock_infobip.http.errors``) maps each one to its Infobip envelope and status in one place.
"""

from __future__ import annotations


class DomainError(Exception):
    """Base class of every error a service raises on purpose."""


class Unauthorized(DomainError):
    """Missing, malformed, unknown or revoked credentials."""


class RateLimited(DomainError):
    def __init__(self, operation: str, retry_after: float) -> None:
        super().__init__(f"rate limit of {operation!r}: retry in {retry_after:.3f} s")
        self.operation = operation
        self.retry_after = retry_after


class InvalidRequest(DomainError):
    """The request breaks its contract; ``errors`` maps each field to its messages."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__("; ".join(f"{k}: {', '.join(v)}" for k, v in errors.items()))
        self.errors = errors


class ListNotFound(DomainError):
    """A list (an Infobip People tag) the caller's account does not have; ``list_id`` as sent."""

    def __init__(self, list_id: str) -> None:
        super().__init__(f"list {list_id!r} not found")
        self.list_id = list_id


class ApiNotFound(DomainError):
    """Something an Infobip endpoint names (a bulk, a message) that the caller's account does not
    have; ``text`` is Infobip's text for it (legacy 404: ``Bulk not found``)."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


class NotFound(DomainError):
    """An admin API resource that does not exist."""

    def __init__(self, what: str, ident: object) -> None:
        super().__init__(f"{what} {ident} not found")
        self.what = what
        self.ident = ident


class Conflict(DomainError):
    """An admin API request that cannot be carried out in the current state."""


class UploadRefused(DomainError):
    """An MMS content upload (``POST /mms/1/content``) that cannot be taken; ``text`` is the reason
    Infobip's answer gives in ``errorMessage``."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text
