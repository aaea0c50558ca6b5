"""Reading a destination ``to`` the way the platform does, before any outcome rule applies.

``to`` is international format without ``+`` (``41793026727``); a leading ``+`` is tolerated. The
region comes from ``phonenumbers.region_code_for_number`` (never a prefix table: +1 671 is Guam,
+1 684 American Samoa). Platform rejections (docs/sms.md, Decision): missing or empty
``to`` is MISSING_TO; no known country calling code is REJECTED_PREFIX_MISSING; a number that parses
but is not possible is REJECTED_DESTINATION.
"""

from __future__ import annotations

from dataclasses import dataclass

MISSING_TO = "REJECTED/MISSING_TO"
PREFIX_MISSING = "REJECTED/REJECTED_PREFIX_MISSING"
INVALID_DESTINATION = "REJECTED/REJECTED_DESTINATION"


@dataclass(frozen=True)
class Destination:
    to: str  # as sent; "" when missing
    digits: str  # without the leading +
    region: str | None
    rejection: str | None  # status key of a platform rejection


def read_destination(to: str | None) -> Destination:
    import phonenumbers  # at first use: its import is ~20 ms of start-up (benchmarks/bench_http.py)
    from phonenumbers import NumberParseException

    text = (to or "").strip()
    digits = text.removeprefix("+")
    if not digits:
        return Destination(to or "", "", None, MISSING_TO)
    try:
        number = phonenumbers.parse("+" + digits, None)
    except NumberParseException as exc:
        missing = exc.error_type == NumberParseException.INVALID_COUNTRY_CODE
        return Destination(to or "", digits, None, PREFIX_MISSING if missing else INVALID_DESTINATION)
    region = phonenumbers.region_code_for_number(number)
    region = region if region and region != "ZZ" else None
    if not phonenumbers.is_possible_number(number):
        return Destination(to or "", digits, region, INVALID_DESTINATION)
    return Destination(to or "", digits, region, None)
