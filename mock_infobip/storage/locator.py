"""What a ``--db`` (or ``DATABASE_URL``) names, and how it is shown.

A PostgreSQL database is given in either of libpq's two forms: a URL (``postgresql://`` or
``postgres://``) or a keyword/value string (``host=db user=mi password=… dbname=fake``, whose first
keyword is one of libpq's). Anything else that looks like a connection string (another URL scheme,
``word=value`` with a word libpq does not know) is refused rather than taken as a file name; every
other value is a SQLite file (``:memory:`` and ``file:`` URIs included). A file whose name starts
with ``word=`` is written with a folder in front (``./a=b.db``).

A PostgreSQL database is shown parsed (``psycopg.conninfo.conninfo_to_dict``) and rebuilt without
its password, never by a pattern over the text: a password holding ``'``, a space or ``@`` is not
shown in part. One that libpq cannot read is shown as no more than that.
"""

from __future__ import annotations

import importlib.util
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

POSTGRES_SCHEMES = ("postgresql://", "postgres://")
# libpq's connection keywords (PostgreSQL 17's documentation, "Parameter Key Words")
LIBPQ_KEYWORDS = frozenset(
    {
        "host",
        "hostaddr",
        "port",
        "dbname",
        "user",
        "password",
        "passfile",
        "require_auth",
        "channel_binding",
        "connect_timeout",
        "client_encoding",
        "options",
        "application_name",
        "fallback_application_name",
        "keepalives",
        "keepalives_idle",
        "keepalives_interval",
        "keepalives_count",
        "tcp_user_timeout",
        "replication",
        "gssencmode",
        "sslmode",
        "requiressl",
        "sslnegotiation",
        "sslcompression",
        "sslcert",
        "sslkey",
        "sslpassword",
        "sslcertmode",
        "sslrootcert",
        "sslcrl",
        "sslcrldir",
        "sslsni",
        "requirepeer",
        "ssl_min_protocol_version",
        "ssl_max_protocol_version",
        "krbsrvname",
        "gsslib",
        "gssdelegation",
        "service",
        "target_session_attrs",
        "load_balance_hosts",
    }
)
SECRET_KEYWORDS = frozenset({"password", "sslpassword"})
UNREADABLE = "a PostgreSQL connection string that libpq cannot read"
UNREADABLE_HINT = (
    "in a URL, percent-encode what the user name and password hold beyond letters and digits "
    "(@ as %40, a space as %20, ' as %27); in a keyword string, quote a value with spaces as 'a b'"
)
MASK = "***"


class NotADatabase(ValueError):
    """A value that looks like a connection string but is not one of PostgreSQL's."""


def _first_keyword(db: str) -> str | None:
    """The ``word`` of a value that starts ``word=`` (spaces allowed around ``=``), else None."""
    word, equals, _ = db.strip().partition("=")
    word = word.strip()
    if equals and word and all(c.isalnum() or c == "_" for c in word):
        return word.lower()
    return None


def engine_of(db: str) -> str:
    """``"postgres"`` or ``"sqlite"``; :class:`NotADatabase` for what is neither but looks like a
    connection string (never a file named after it)."""
    lowered = db.strip().lower()
    if lowered.startswith(POSTGRES_SCHEMES):
        return "postgres"
    keyword = _first_keyword(db)
    if keyword is not None:
        if keyword in LIBPQ_KEYWORDS:
            return "postgres"
        raise NotADatabase(
            f"not a database: {keyword!r} is not a libpq keyword (a SQLite file named so: ./{keyword}=…)"
        )
    scheme, sep, _ = lowered.partition("://")
    if sep and scheme and not scheme.startswith("file"):
        raise NotADatabase(f"not a database: a {scheme}:// URL (PostgreSQL's is postgresql://)")
    return "sqlite"


def is_postgres(db: str) -> bool:
    """A PostgreSQL database (either form) rather than a SQLite file; :class:`NotADatabase` for a
    lookalike."""
    return engine_of(db) == "postgres"


def parsed(db: str) -> dict[str, Any] | None:
    """A PostgreSQL connection string's parameters (psycopg's parser), or None if it cannot be
    read (or psycopg is not installed)."""
    if importlib.util.find_spec("psycopg") is None:
        return None
    import psycopg

    try:
        found = dict(psycopg.conninfo.conninfo_to_dict(db))
    except psycopg.Error:
        return None
    if "@" in str(found.get("host") or ""):  # a URL's password with an '@' not percent-encoded
        return None
    return found


def shown(db: str) -> str:
    """``db`` as it may be shown: a SQLite path as it is; a PostgreSQL database parsed and rebuilt
    as a keyword string without its password (or :data:`UNREADABLE`)."""
    try:
        if not is_postgres(db):
            return db
    except NotADatabase:
        return "a value that is not a database"
    if importlib.util.find_spec("psycopg") is None:  # without the [postgres] extra
        return _shown_url(db) if db.strip().lower().startswith(POSTGRES_SCHEMES) else UNREADABLE
    found = parsed(db)
    if found is None:
        return UNREADABLE
    import psycopg

    kept = {key: str(value) for key, value in found.items() if key not in SECRET_KEYWORDS}
    hidden = bool(found.keys() & SECRET_KEYWORDS)
    if not db.strip().lower().startswith(POSTGRES_SCHEMES):  # given as keywords: shown as keywords
        return psycopg.conninfo.make_conninfo(**kept) + (f" password={MASK}" if hidden else "")
    user = quote(kept.pop("user", ""), safe="")
    userinfo = f"{user}:{MASK}@" if hidden else (f"{user}@" if user else "")
    host = kept.pop("host", "")
    port = kept.pop("port", "")
    dbname = quote(kept.pop("dbname", ""), safe="")
    query = f"?{urlencode(kept)}" if kept else ""
    return f"postgresql://{userinfo}{host}{':' + port if port else ''}/{dbname}{query}"


def _shown_url(db: str) -> str:
    """A PostgreSQL URL parsed by the standard library's URL parser (psycopg not installed),
    rebuilt without its password, in the query too."""
    try:
        parts = urlsplit(db.strip())
        port = parts.port
    except ValueError:
        return UNREADABLE
    user = parts.username or ""
    userinfo = f"{user}:{MASK}@" if parts.password is not None else (f"{user}@" if user else "")
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    query = [(key, value) for key, value in pairs if key not in SECRET_KEYWORDS]
    rest = f"?{urlencode(query)}" if query else ""
    host = parts.hostname or ""
    return f"{parts.scheme}://{userinfo}{host}{f':{port}' if port else ''}{parts.path}{rest}"


def scrubbed(text: str, db: str) -> str:
    """``text`` (a driver's error message) with ``db``'s secrets, as parsed, replaced by ``***``:
    the values themselves, not a pattern."""
    found = parsed(db) if is_postgres(db) else None
    for key in SECRET_KEYWORDS:
        secret = str((found or {}).get(key) or "")
        if secret:
            text = text.replace(secret, MASK)
    return text
