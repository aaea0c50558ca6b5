"""Every setting of the fake, in one place.

A setting has one name used everywhere: the Python API (``fake(rate_limit_add=0)``), the TOML
config file (``rate_limit_add = 0``), the environment (``MOCK_INFOBIP_RATE_LIMIT_ADD=0``) and, for
the common ones, a command-line flag (``--rate-limit-add``). Precedence: flag > environment >
config file > default. One setting also has the name platforms give it: ``db`` is read from
``DATABASE_URL`` when that is a PostgreSQL URL and ``MOCK_INFOBIP_DB`` is not set. Each value is
parsed and checked here, so a bad value anywhere is one clear message naming the setting.
"""

from __future__ import annotations

import dataclasses
import difflib
import ipaddress
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from mock_infobip.core.settings_help import HELP
from mock_infobip.storage import locator
from mock_infobip.system.redact import redact

ENV_PREFIX = "MOCK_INFOBIP_"
DATABASE_URL = "DATABASE_URL"  # the platforms' variable: db, when it names PostgreSQL
CLOCK_MODES = ("real", "manual")
NO_DLR_MODES = ("none", "delivered_to_operator", "expire")
DISPATCH_MODES = ("background", "inline")
IDENTIFIER_KINDS = ("email", "phone", "externalId")
SYNCHRONOUS_MODES = ("OFF", "NORMAL", "FULL", "EXTRA")


class SettingsError(ValueError):
    """A setting has a value it cannot take; the message names the setting."""


@dataclass(frozen=True)
class Settings:
    # Serving
    host: str = "127.0.0.1"
    port: int = 8080
    # processes serving the port (0: one a core); an in-memory database is always served by one
    workers: int = 0
    threads: int = 4
    # one line per request on stderr: off, combined (Apache's format) or json (JSON lines)
    access_log: str = "off"
    # the server: threads of the admin API, health and dashboard (a lane apart from the Infobip
    # API's), open connections at most (beyond, the oldest one serving nothing is closed), seconds
    # a request's head may take from its first byte, and seconds its body may take from its head
    # and a kept-alive connection may stay idle
    control_threads: int = 2
    connection_limit: int = 1000
    header_timeout: int = 10
    read_timeout: int = 30
    admin_token: str | None = None
    # Host names the admin API and dashboard answer besides loopback and --host (DNS rebinding)
    allowed_hosts: tuple[str, ...] = ()
    # Accounts: keys of the default account; with none, one is generated (or the stored one reused)
    api_keys: tuple[str, ...] = ()
    default_identifier: str = "email"
    # State
    db: str = "./mock-infobip.db"
    # seconds to wait at start for a PostgreSQL server that is not up yet (compose starts the
    # database and the fake together); a refused password or a missing database is an error at once
    db_wait: float = 30.0
    sqlite_synchronous: str = "NORMAL"
    # Time and randomness
    clock: str = "real"
    start: datetime | None = None
    speed: float = 1.0
    seed: int | None = None
    # Lists API rate limits: seconds between admitted requests, per API key and operation
    rate_limit_create: float = 2.0
    rate_limit_add: float = 10.0
    rate_limit_remove: float = 5.0
    retry_after_header: bool = False
    # SMS logs: requests per minute per API key
    logs_per_minute: int = 120
    # SMS outcomes: the default profile (weights of each outcome, delay distribution in seconds)
    profile_delivered: float = 0.90
    profile_failed: float = 0.06
    profile_expired: float = 0.02
    profile_rejected: float = 0.02
    profile_median_delay: float = 5.0
    profile_delay_sigma: float = 2.0
    # The operator's report tail: in these regions, this share of delivered/failed reports reaches
    # Infobip 1 hour to 4 days after the status (arrival capped at 4 days after sending)
    profile_report_tail: float = 0.05
    profile_report_tail_regions: tuple[str, ...] = ("EG", "IN", "KE", "NG", "PH")
    # Countries without delivery reports (None: the 34 of the data file) and what happens there
    no_dlr_countries: tuple[str, ...] | None = None
    no_dlr_mode: str = "none"
    # Prices: EUR per message part, per region (ISO code) or else the default
    price_per_part: float = 0.01
    region_prices: Mapping[str, float] = field(default_factory=dict)
    # Callbacks (delivery reports pushed to notifyUrl / webhooks.delivery.url)
    callback_timeout: float = 10.0
    callback_max_retries: int = 10
    callback_batch_size: int = 100
    # attempts at a time per receiver origin (delivery/lanes.py: the POSTs on an event loop, holding
    # no thread), and threads for what pushes do with the database and in-process receivers
    callback_concurrency: int = 8
    callback_threads: int = 32
    callback_hosts: tuple[str, ...] = ()
    # URL prefix -> local URL: pushes to a production-like URL go to a local receiver, the rest of
    # the path and the query kept (delivery/routing.py); pairs in the order given
    callback_routes: tuple[tuple[str, str], ...] = ()
    # background: a worker thread pushes due reports; inline: due-now work runs before the
    # response of the request that made it (the in-process fake)
    dispatch: str = "background"
    # OAuth 2.0 access tokens: seconds they stay valid on the fake's clock
    oauth_token_ttl: int = 7200
    # IBSSO sessions: seconds without a request that uses one before it expires
    ibsso_session_ttl: int = 3600
    # Test numbers +1 202 555 0100..0199 choose their outcome (channels/sms/testnumbers.py)
    test_numbers: bool = True
    # Infobip's flooding mechanism (DCL: channels/sms/flooding.py) for accounts that do not say
    flooding_filter: bool = True
    # Days of the fake's clock a long-running fake keeps messages, reports, callback attempts and the
    # journal (delivery/retention.py); 0 keeps everything
    retention_days: float = 30.0
    # The dashboard's sign-in (with the admin token): hours of the wall clock it lasts
    dashboard_signin_hours: float = 12.0
    # Proxies whose X-Forwarded-Proto is believed (IP addresses): the sign-in cookie is Secure
    # when the request came over HTTPS, directly or through one of them
    trusted_proxies: tuple[str, ...] = ()
    # The longest a GET /__admin/messages?wait= (or /__admin/inbound) request waits, in seconds
    # (the API takes up to 60; a lower cap keeps a fuzzer's generated waits short)
    max_wait_seconds: float = 60.0
    # Faults: the longest latency a rule may ask (milliseconds)
    fault_max_latency_ms: int = 60_000
    # Requests
    max_body_bytes: int = 16 * 1024 * 1024
    journal_size: int = 1000
    journal_body_chars: int = 4096

    def replace(self, **changes: Any) -> Settings:
        """A copy with ``changes`` parsed and checked like any other source."""
        return from_sources(python=changes, base=self)

    def rate_limit(self, operation: str) -> float:
        """Seconds between admitted requests of a lists operation (create, add, remove)."""
        interval: float = getattr(self, f"rate_limit_{operation}")
        return interval

    def per_minute(self, operation: str) -> int | None:
        """Requests per minute of an operation limited that way (the SMS logs), else None."""
        return self.logs_per_minute if operation.startswith("logs") else None


def _parse_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise ValueError("expected true or false")


def _parse_int(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError("expected a whole number")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    text = str(value).strip()
    try:
        return int(text)
    except ValueError:
        raise ValueError("expected a whole number") from None


def _parse_float(value: Any) -> float:
    if isinstance(value, bool):
        raise ValueError("expected a number")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError("expected a number") from None
    if number != number or number in (float("inf"), float("-inf")):
        raise ValueError("expected a finite number")
    return number


def _parse_str(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("expected text")
    return value


def _parse_db(value: Any) -> str:
    """A SQLite file, or a PostgreSQL database in either of libpq's forms; a value that looks like a
    connection string but is neither is refused (``storage/locator.py``), never taken as a file name."""
    db = _parse_str(value)
    locator.engine_of(db)
    return db


def _parse_optional_str(value: Any) -> str | None:
    if value is None:
        return None
    text = _parse_str(value)
    return text or None


def _parse_keys(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        items = value.replace(",", " ").split()
    elif isinstance(value, list | tuple):
        items = list(value)
    else:
        raise ValueError("expected a list of keys")
    keys: list[str] = []
    for item in items:
        if not isinstance(item, str) or not item.strip() or any(c.isspace() for c in item):
            raise ValueError("a key is a non-empty string without spaces")
        if item not in keys:
            keys.append(item)
    return tuple(keys)


def _parse_start(value: Any) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        moment = value
    else:
        text = str(value).strip()
        if text.endswith("Z"):
            text = text[:-1] + "+00:00"
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise ValueError("expected an ISO-8601 date and time, e.g. 2026-11-22T10:00:00Z") from None
    if moment.tzinfo is None:
        raise ValueError("give a time zone offset, e.g. 2026-11-22T10:00:00+00:00")
    return moment


def _choice(options: tuple[str, ...], *, upper: bool = False) -> Callable[[Any], str]:
    def parse(value: Any) -> str:
        text = _parse_str(value).strip()
        if upper:
            text = text.upper()
        if text not in options:
            raise ValueError("expected one of " + ", ".join(options))
        return text

    return parse


def _at_least(parse: Callable[[Any], Any], minimum: float, *, strict: bool = False) -> Callable[[Any], Any]:
    def check(value: Any) -> Any:
        number = parse(value)
        if number < minimum or (strict and number == minimum):
            raise ValueError(f"must be {'greater than' if strict else 'at least'} {minimum:g}")
        return number

    return check


def _at_most(parse: Callable[[Any], Any], maximum: float) -> Callable[[Any], Any]:
    def check(value: Any) -> Any:
        number = parse(value)
        if number > maximum:
            raise ValueError(f"must be at most {maximum:g}")
        return number

    return check


def _parse_regions(value: Any) -> tuple[str, ...] | None:
    if value is None or value == "":
        return None
    items = value.replace(",", " ").split() if isinstance(value, str) else value
    if not isinstance(items, list | tuple) or not all(
        isinstance(i, str) and len(i) == 2 and i.isalpha() for i in items
    ):
        raise ValueError("expected ISO 3166-1 alpha-2 region codes, e.g. DE BR")
    return tuple(i.upper() for i in items)


def _parse_prices(value: Any) -> dict[str, float]:
    if isinstance(value, str):
        pairs = [item.split("=", 1) for item in value.replace(",", " ").split()]
        if any(len(pair) != 2 for pair in pairs):
            raise ValueError("expected REGION=PRICE pairs, e.g. CH=0.05 DE=0.07")
        value = dict(pairs)
    if not isinstance(value, Mapping):
        raise ValueError("expected a table of region = price")
    prices: dict[str, float] = {}
    for region, price in value.items():
        if not (isinstance(region, str) and len(region) == 2 and region.isalpha()):
            raise ValueError(f"{region!r} is not an ISO region code")
        prices[region.upper()] = _at_least(_parse_float, 0)(price)
    return prices


def _host_list(value: Any) -> tuple[str, ...]:
    items = value.replace(",", " ").split() if isinstance(value, str) else value
    if not isinstance(items, list | tuple) or not all(isinstance(i, str) and i for i in items):
        raise ValueError("expected a list of host names")
    return tuple(i.lower() for i in items)


def _address_list(value: Any) -> tuple[str, ...]:
    items = value.replace(",", " ").split() if isinstance(value, str) else value
    if not isinstance(items, list | tuple) or not all(isinstance(i, str) for i in items):
        raise ValueError("expected a list of IP addresses")
    try:
        return tuple(str(ipaddress.ip_address(i)) for i in items)
    except ValueError:
        raise ValueError("expected a list of IP addresses") from None


def _http_url(text: str, what: str) -> str:
    parts = urlsplit(text)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{what} {text!r} is not an http:// or https:// URL with a host")
    if parts.query or parts.fragment:
        raise ValueError(f"{what} {text!r} has a query or fragment")
    return text


def _routes(value: Any) -> tuple[tuple[str, str], ...]:
    """``callback_routes``: a TOML table or a mapping (prefix = local URL), or ``prefix=url`` items
    (a list, or a string separated by spaces or commas, as in the environment)."""
    if isinstance(value, str):
        value = value.replace(",", " ").split()
    if isinstance(value, Mapping):
        pairs = list(value.items())
    elif isinstance(value, list | tuple):
        pairs = []
        for item in value:
            if isinstance(item, str) and "=" in item:
                prefix, _, target = item.partition("=")
                pairs.append((prefix, target))
            elif isinstance(item, list | tuple) and len(item) == 2:
                pairs.append((item[0], item[1]))
            else:
                raise ValueError(f"{item!r} is not prefix=url")
    else:
        raise ValueError("expected a table of URL prefix = local URL")
    if not all(isinstance(p, str) and isinstance(t, str) for p, t in pairs):
        raise ValueError("expected a table of URL prefix = local URL")
    return tuple((_http_url(p, "prefix"), _http_url(t, "target")) for p, t in pairs)


def _port(value: Any) -> int:
    number = _parse_int(value)
    if not 0 <= number <= 65535:
        raise ValueError("must be between 0 and 65535")
    return number


def _optional_int(value: Any) -> int | None:
    return None if value is None or value == "" else _parse_int(value)


PARSERS: dict[str, Callable[[Any], Any]] = {
    "host": _parse_str,
    "port": _port,
    "workers": _at_least(_parse_int, 0),
    "threads": _at_least(_parse_int, 1),
    "access_log": _choice(("off", "combined", "json")),
    "control_threads": _at_least(_parse_int, 1),
    "connection_limit": _at_least(_parse_int, 1),
    "read_timeout": _at_least(_parse_int, 1),
    "header_timeout": _at_least(_parse_int, 1),
    "admin_token": _parse_optional_str,
    "allowed_hosts": _host_list,
    "api_keys": _parse_keys,
    "default_identifier": _choice(IDENTIFIER_KINDS),
    "db": _parse_db,
    "db_wait": _at_least(_parse_float, 0),
    "sqlite_synchronous": _choice(SYNCHRONOUS_MODES, upper=True),
    "clock": _choice(CLOCK_MODES),
    "start": _parse_start,
    "speed": _at_least(_parse_float, 0, strict=True),
    "seed": _optional_int,
    "rate_limit_create": _at_least(_parse_float, 0),
    "rate_limit_add": _at_least(_parse_float, 0),
    "rate_limit_remove": _at_least(_parse_float, 0),
    "retry_after_header": _parse_bool,
    "logs_per_minute": _at_least(_parse_int, 0),
    "profile_delivered": _at_least(_parse_float, 0),
    "profile_failed": _at_least(_parse_float, 0),
    "profile_expired": _at_least(_parse_float, 0),
    "profile_rejected": _at_least(_parse_float, 0),
    "profile_median_delay": _at_least(_parse_float, 0),
    "profile_delay_sigma": _at_least(_parse_float, 0),
    "profile_report_tail": _at_most(_at_least(_parse_float, 0), 1),
    "profile_report_tail_regions": lambda value: _parse_regions(value) or (),
    "no_dlr_countries": _parse_regions,
    "no_dlr_mode": _choice(NO_DLR_MODES),
    "price_per_part": _at_least(_parse_float, 0),
    "region_prices": _parse_prices,
    "callback_timeout": _at_least(_parse_float, 0, strict=True),
    "callback_max_retries": _at_least(_parse_int, 0),
    "callback_batch_size": _at_least(_parse_int, 1),
    "callback_concurrency": _at_least(_parse_int, 1),
    "callback_threads": _at_least(_parse_int, 1),
    "callback_hosts": _host_list,
    "callback_routes": _routes,
    "dispatch": _choice(DISPATCH_MODES),
    "oauth_token_ttl": _at_least(_parse_int, 1),
    "ibsso_session_ttl": _at_least(_parse_int, 1),
    "dashboard_signin_hours": _at_least(_parse_float, 0, strict=True),
    "retention_days": _at_least(_parse_float, 0),
    "max_wait_seconds": _at_least(_parse_float, 0),
    "flooding_filter": _parse_bool,
    "test_numbers": _parse_bool,
    "trusted_proxies": _address_list,
    "fault_max_latency_ms": _at_least(_parse_int, 0),
    "max_body_bytes": _at_least(_parse_int, 1),
    "journal_size": _at_least(_parse_int, 0),
    "journal_body_chars": _at_least(_parse_int, 0),
}
NAMES = tuple(PARSERS)
# The TOML file and the Python API also accept the flag spelling of a few names.
ALIASES = {"api_key": "api_keys", "api-key": "api_keys"}


def _normalise(name: str) -> str:
    key = ALIASES.get(name, name).replace("-", "_")
    return ALIASES.get(key, key)


def _apply(
    values: dict[str, Any],
    source: Mapping[str, Any],
    label: Callable[[str], str],
    spell: Callable[[str], str] = str,
) -> None:
    """Parse ``source``'s settings into ``values``; an unknown name is an error with the closest
    known one, spelled as in that source (``spell``)."""
    for raw_name, raw in source.items():
        name = _normalise(raw_name)
        if name not in PARSERS:
            close = difflib.get_close_matches(name, NAMES, n=1)
            hint = f" (did you mean {spell(close[0])}?)" if close else ""
            raise SettingsError(f"unknown setting {label(raw_name).removeprefix('setting ')}{hint}")
        try:
            values[name] = PARSERS[name](raw)
        except ValueError as exc:
            raise SettingsError(f"{label(raw_name)} = {_given(name, raw)}: {exc}") from None


def _variable(name: str) -> str:
    return ENV_PREFIX + name.upper()


def _flag(name: str) -> str:
    return "--" + {"api_keys": "api_key"}.get(name, name).replace("_", "-")


def read_config_file(path: str | Path) -> dict[str, Any]:
    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        raise SettingsError(f"config file {str(path)!r} does not exist") from None
    except OSError as exc:
        raise SettingsError(f"config file {str(path)!r} cannot be read: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"config file {str(path)!r} is not valid TOML: {exc}") from None
    return data


NOT_SETTINGS = ("CONFIG",)  # MOCK_INFOBIP_CONFIG names the TOML file; it is not a setting


def env_values(environ: Mapping[str, str]) -> dict[str, str]:
    """The settings given as ``MOCK_INFOBIP_<NAME>`` variables, by their environment spelling
    (``MOCK_INFOBIP_CONFIG`` excluded). Every other variable with the prefix is kept, so that a
    misspelled one is an unknown setting with a did-you-mean, as in the TOML file."""
    return {
        variable.removeprefix(ENV_PREFIX).lower(): value
        for variable, value in environ.items()
        if variable.startswith(ENV_PREFIX) and variable.removeprefix(ENV_PREFIX) not in NOT_SETTINGS
    }


def from_sources(
    *,
    flags: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
    config_file: str | Path | None = None,
    python: Mapping[str, Any] | None = None,
    base: Settings | None = None,
) -> Settings:
    """Build settings from every source, lowest precedence first."""
    values: dict[str, Any] = {}
    if config_file is not None:
        _apply(values, read_config_file(config_file), lambda n: f"{n!r} in {str(config_file)!r}")
    if environ is not None:
        try:  # only PostgreSQL's (either form): an application's own MySQL URL is left alone
            shared = locator.is_postgres(environ.get(DATABASE_URL, ""))
        except locator.NotADatabase:
            shared = False
        if shared:
            _apply(values, {"db": environ[DATABASE_URL]}, lambda _: DATABASE_URL, lambda _: DATABASE_URL)
        _apply(values, env_values(environ), _variable, _variable)
    if python:
        _apply(values, python, lambda n: f"setting {n!r}")
    if flags:
        _apply(values, {k: v for k, v in flags.items() if v is not None}, _flag)
    settings = dataclasses.replace(base or Settings(), **values)
    weights = (
        settings.profile_delivered,
        settings.profile_failed,
        settings.profile_expired,
        settings.profile_rejected,
    )
    if sum(weights) <= 0:
        raise SettingsError(
            "profile_delivered, _failed, _expired and _rejected: at least one must be above 0"
        )
    return settings


def _shown(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, tuple):
        return " ".join("=".join(v) if isinstance(v, tuple) else str(v) for v in value) or "-"
    if isinstance(value, Mapping):
        return " ".join(f"{k}={v}" for k, v in value.items()) or "-"
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value).lower() if isinstance(value, bool) else str(value)


SECRETS = frozenset({"admin_token", "api_keys"})  # shown as *** (one a key) wherever settings are shown


def _masked(name: str, value: Any) -> str:
    if name not in SECRETS or not value:
        return locator.shown(value) if name == "db" else redact(_shown(value))
    return " ".join("***" for _ in value) if isinstance(value, tuple) else "***"


def _given(name: str, raw: Any) -> str:
    """A value that could not be read, as an error may show it: never a secret, nor a database's
    password."""
    if name in SECRETS:
        return "***"
    if name == "db" and isinstance(raw, str):
        return repr(locator.shown(raw))
    return repr(raw)


def describe_settings(current: Settings) -> list[dict[str, str]]:
    """Every setting with its type, default, environment variable and ``current`` value (secrets
    masked: :data:`SECRETS`)."""
    defaults = Settings()
    types = {f.name: str(f.type) for f in dataclasses.fields(Settings)}
    return [
        {
            "name": name,
            "type": types[name].replace("tuple[str, ...]", "list").replace("Mapping[str, float]", "table"),
            "default": _shown(getattr(defaults, name)),
            "env": ENV_PREFIX + name.upper(),
            "value": _masked(name, getattr(current, name)),
            "what": HELP.get(name, ""),
        }
        for name in NAMES
    ]
