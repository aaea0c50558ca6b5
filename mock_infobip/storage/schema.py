"""The database's tables: the schema of 0.1.0 (``SCHEMA``, with the columns older files lacked), the
tables added since (one text a schema version: :mod:`mock_infobip.storage.migrations` applies them in
order), what ``reset`` wipes, and what the per-process values of
:meth:`mock_infobip.storage.sqlite.Store.cached` are read from."""

from __future__ import annotations

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS clock (
    id {int} PRIMARY KEY CHECK (id = 1),
    mode TEXT NOT NULL,
    speed {real} NOT NULL,
    anchor_virtual {int} NOT NULL,
    anchor_wall {int} NOT NULL
);
CREATE TABLE IF NOT EXISTS accounts (
    id {serial},
    name TEXT NOT NULL,
    identifier TEXT NOT NULL,
    username TEXT UNIQUE,
    password TEXT,
    created_at {int} NOT NULL
);
CREATE TABLE IF NOT EXISTS api_keys (
    key TEXT PRIMARY KEY,
    account_id {int} NOT NULL REFERENCES accounts(id),
    revoked {int} NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS lists (
    id {serial},
    account_id {int} NOT NULL REFERENCES accounts(id),
    name TEXT NOT NULL,
    created_at {int} NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS lists_by_name ON lists(account_id, name);
CREATE TABLE IF NOT EXISTS people (
    id {id},
    account_id {int} NOT NULL,
    key TEXT NOT NULL,
    identifier TEXT NOT NULL,
    created_at {int} NOT NULL,
    UNIQUE (account_id, key)
);
CREATE TABLE IF NOT EXISTS memberships (
    list_id {int} NOT NULL,
    person_id {int} NOT NULL,
    PRIMARY KEY (list_id, person_id)
){without_rowid};
CREATE TABLE IF NOT EXISTS rate_windows (
    principal TEXT NOT NULL,
    operation TEXT NOT NULL,
    last_admitted {int} NOT NULL,
    hits {int} NOT NULL DEFAULT 1,
    PRIMARY KEY (principal, operation)
){without_rowid};
-- no AUTOINCREMENT (files made before keep it): writing sqlite_sequence made every request's entry
-- ~40 % dearer. Ids restart after a reset, which wipes the journal.
CREATE TABLE IF NOT EXISTS journal (
    id {id},
    at {int} NOT NULL,
    method TEXT NOT NULL,
    path TEXT NOT NULL,
    query TEXT NOT NULL,
    status {int} NOT NULL,
    api_key TEXT,
    account_id {int},
    operation TEXT,
    request_body TEXT NOT NULL,
    response_body TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS messages (
    id {id},
    account_id {int} NOT NULL,
    message_id TEXT NOT NULL,
    bulk_id TEXT NOT NULL,
    version {int} NOT NULL,
    destination TEXT NOT NULL,
    region TEXT,
    sender TEXT,
    text TEXT NOT NULL,
    sms_count {int} NOT NULL,
    price {real} NOT NULL,
    callback_url TEXT,
    callback_data TEXT,
    intermediate {int} NOT NULL,
    entity_id TEXT,
    application_id TEXT,
    campaign_reference_id TEXT,
    sent_at {int} NOT NULL,
    validity_ms {int} NOT NULL,
    no_reports {int} NOT NULL,
    status TEXT NOT NULL,
    error TEXT NOT NULL,
    done_at {int},
    pull {int} NOT NULL DEFAULT 0,
    notify_xml {int} NOT NULL DEFAULT 0,
    reported_at {int},
    "binary" TEXT,
    mcc_mnc TEXT,
    converted_at {int},
    process_key TEXT,
    reply_text TEXT,
    channel TEXT NOT NULL DEFAULT 'sms',
    mms_content TEXT
);
CREATE INDEX IF NOT EXISTS messages_by_account ON messages(account_id, sent_at);
CREATE INDEX IF NOT EXISTS messages_by_message_id ON messages(account_id, message_id);
CREATE INDEX IF NOT EXISTS messages_pullable ON messages(account_id, pull, done_at);
CREATE INDEX IF NOT EXISTS messages_by_time ON messages(sent_at, status);
CREATE INDEX IF NOT EXISTS messages_by_status ON messages(status);
CREATE INDEX IF NOT EXISTS messages_by_region ON messages(region, status, no_reports);
CREATE TABLE IF NOT EXISTS message_history (
    message {int} NOT NULL,
    at {int} NOT NULL,
    status TEXT NOT NULL,
    error TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS message_history_by_message ON message_history(message);
CREATE TABLE IF NOT EXISTS status_events (
    id {id},
    due_at {int} NOT NULL,
    message {int} NOT NULL,
    status TEXT NOT NULL,
    error TEXT NOT NULL,
    final {int} NOT NULL,
    done_at {int},
    held {int} NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS status_events_due ON status_events(due_at, id);
CREATE TABLE IF NOT EXISTS numbers (
    id {id},
    number TEXT NOT NULL UNIQUE,
    account_id {int} NOT NULL,
    forward_url TEXT,
    keywords TEXT NOT NULL,
    content_type TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS inbound (
    id {id},
    message_id TEXT NOT NULL,
    account_id {int},
    number_id {int},
    sender TEXT NOT NULL,
    receiver TEXT NOT NULL,
    text TEXT NOT NULL,
    clean_text TEXT NOT NULL,
    keyword TEXT,
    received_at {int} NOT NULL,
    sms_count {int} NOT NULL,
    price {real} NOT NULL,
    reply_to TEXT,
    pull {int} NOT NULL DEFAULT 0,
    channel TEXT NOT NULL DEFAULT 'sms',
    segments TEXT
);
CREATE INDEX IF NOT EXISTS inbound_pullable ON inbound(account_id, pull, received_at);
CREATE TABLE IF NOT EXISTS oauth_tokens (
    token TEXT PRIMARY KEY,
    account_id {int} NOT NULL,
    username TEXT NOT NULL,
    expires_at {int} NOT NULL
);
CREATE TABLE IF NOT EXISTS ibsso_sessions (
    token TEXT PRIMARY KEY,
    account_id {int} NOT NULL,
    username TEXT NOT NULL,
    last_used_at {int} NOT NULL
);
CREATE TABLE IF NOT EXISTS bulks (
    id {id},
    account_id {int} NOT NULL,
    bulk_id TEXT NOT NULL,
    send_at {int} NOT NULL,
    state TEXT NOT NULL DEFAULT 'ACTIVE',
    paused_at {int}
);
CREATE UNIQUE INDEX IF NOT EXISTS bulks_by_id ON bulks(account_id, bulk_id);
CREATE TABLE IF NOT EXISTS deliveries (
    id {id},
    message {int} NOT NULL,
    url TEXT NOT NULL,
    body TEXT NOT NULL,
    due_at {int} NOT NULL,
    retry {int} NOT NULL DEFAULT 0,
    state TEXT NOT NULL DEFAULT 'pending',
    claimed_until {int} NOT NULL DEFAULT 0,
    final {int} NOT NULL,
    xml {int} NOT NULL DEFAULT 0,
    kind TEXT NOT NULL DEFAULT 'report',
    claim TEXT
);
CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries(state, due_at);
CREATE TABLE IF NOT EXISTS callback_attempts (
    id {id},
    at {int} NOT NULL,
    url TEXT NOT NULL,
    retry {int} NOT NULL,
    status {int},
    error TEXT,
    message_ids TEXT NOT NULL,
    body TEXT NOT NULL,
    next_retry_at {int}
);
CREATE TABLE IF NOT EXISTS faults (
    id {serial},
    method TEXT NOT NULL,
    path TEXT NOT NULL,
    api_key TEXT,
    status {int},
    latency_ms {int} NOT NULL,
    drop_connection {int} NOT NULL,
    truncate {int} NOT NULL,
    times_left {int},
    probability {real} NOT NULL,
    seen {int} NOT NULL DEFAULT 0,
    applied {int} NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS outcome_rules (
    id {serial},
    match_kind TEXT NOT NULL,
    match_value TEXT NOT NULL,
    status TEXT NOT NULL,
    error TEXT NOT NULL,
    delay_ms {int} NOT NULL,
    intermediate TEXT NOT NULL,
    report_delay_ms {int} NOT NULL DEFAULT 0,
    reply TEXT
);
"""

# Tables added since 0.1.0, one text a schema version (storage/migrations.py applies them in order).
UPLOADS = """
CREATE TABLE IF NOT EXISTS uploads (
    id {id},
    upload_id TEXT NOT NULL UNIQUE,
    account_id {int} NOT NULL,
    content_id TEXT,
    media_type TEXT NOT NULL,
    size {int} NOT NULL,
    data {blob} NOT NULL,
    uploaded_at {int} NOT NULL,
    expires_at {int} NOT NULL
);
"""
TFA = """
CREATE TABLE IF NOT EXISTS tfa_applications (
    id {id},
    app_id TEXT NOT NULL,
    account_id {int} NOT NULL,
    name TEXT NOT NULL,
    configuration TEXT NOT NULL,
    enabled {int} NOT NULL,
    created_at {int} NOT NULL
);
CREATE INDEX IF NOT EXISTS tfa_applications_by_id ON tfa_applications(app_id);
CREATE TABLE IF NOT EXISTS tfa_templates (
    id {id},
    message_id TEXT NOT NULL,
    app_id TEXT NOT NULL,
    account_id {int} NOT NULL,
    kind TEXT NOT NULL,
    fields TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS tfa_templates_by_id ON tfa_templates(message_id);
CREATE TABLE IF NOT EXISTS tfa_pins (
    id {id},
    pin_id TEXT NOT NULL,
    account_id {int} NOT NULL,
    app_id TEXT NOT NULL,
    message_id TEXT NOT NULL,
    channel TEXT NOT NULL,
    destination TEXT NOT NULL,
    pin TEXT NOT NULL,
    sender TEXT,
    placeholders TEXT NOT NULL,
    sent_at {int} NOT NULL,
    expires_at {int} NOT NULL,
    attempts_left {int} NOT NULL,
    verified_at {int},
    sms_message_id TEXT,
    sms_sent {int} NOT NULL
);
CREATE INDEX IF NOT EXISTS tfa_pins_by_id ON tfa_pins(pin_id);
CREATE INDEX IF NOT EXISTS tfa_pins_by_destination ON tfa_pins(app_id, destination);
CREATE TABLE IF NOT EXISTS tfa_events (
    kind TEXT NOT NULL,
    app_id TEXT NOT NULL,
    destination TEXT NOT NULL,
    at {int} NOT NULL
);
CREATE INDEX IF NOT EXISTS tfa_events_by_app ON tfa_events(kind, app_id, at);
CREATE TABLE IF NOT EXISTS tfa_forced (
    destination TEXT PRIMARY KEY,
    pin TEXT NOT NULL
);
"""

# Version 4: the tables read in insertion order get an id column to order by (SQLite's rowid is no
# order on PostgreSQL, where it was ctid): message_history and api_keys made again with one, their
# rows copied in their order (the one statement each engine says in its own words: COPY_IN_ORDER)
ORDERED_IDS = """
CREATE TABLE message_history_v4 (
    id {serial},
    message {int} NOT NULL,
    at {int} NOT NULL,
    status TEXT NOT NULL,
    error TEXT NOT NULL
);
CREATE TABLE api_keys_v4 (
    id {serial},
    key TEXT NOT NULL UNIQUE,
    account_id {int} NOT NULL REFERENCES accounts(id),
    revoked {int} NOT NULL DEFAULT 0
);
{copy}
DROP TABLE message_history;
ALTER TABLE message_history_v4 RENAME TO message_history;
CREATE INDEX IF NOT EXISTS message_history_by_message ON message_history(message, id);
DROP TABLE api_keys;
ALTER TABLE api_keys_v4 RENAME TO api_keys;
"""
# Version 5: a message's row id is its number (channels/sms/service.py reserves numbers from
# meta.message_seq, every send, every host): the counter starts past every id given before
MESSAGE_NUMBERS = """
INSERT INTO meta (key, value)
SELECT 'message_seq', CAST(coalesce(max(id), 0) AS TEXT) FROM messages WHERE true
ON CONFLICT (key) DO UPDATE SET value = CASE
    WHEN CAST(meta.value AS BIGINT) < CAST(excluded.value AS BIGINT) THEN excluded.value
    ELSE meta.value END;
"""
# Version 6: the dashboard's sign-ins, kept on the server (identity/signins.py): a digest of each
# sign-in id, never the id, and when it ends (the wall clock's ms)
DASHBOARD_SIGNINS = """
CREATE TABLE IF NOT EXISTS dashboard_signins (
    digest TEXT PRIMARY KEY,
    expires_at {int} NOT NULL
);
"""
# Version 7: what retention (delivery/retention.py) prunes by, found without a scan
RETENTION_INDEXES = """
CREATE INDEX IF NOT EXISTS status_events_by_message ON status_events(message);
CREATE INDEX IF NOT EXISTS deliveries_by_message ON deliveries(message, kind);
CREATE INDEX IF NOT EXISTS inbound_by_time ON inbound(received_at);
"""
# Version 8: the flooding mechanism (channels/sms/flooding.py) counts an account's recent messages
# to a destination; an account may turn it off (accounts.flooding_filter, an added column)
FLOODING_INDEX = """
CREATE INDEX IF NOT EXISTS messages_by_destination ON messages(account_id, destination, sent_at);
"""

# Version 9: what the search syntax (channels/search.py) looks up without a scan: the messages to
# a number (messages_by_destination starts with the account, which a search need not name), from a
# sender (in any case), and the MMS (few among many SMS)
SEARCH_INDEXES = """
CREATE INDEX IF NOT EXISTS messages_by_to ON messages(destination, sent_at);
CREATE INDEX IF NOT EXISTS messages_by_sender ON messages(lower(sender), sent_at);
CREATE INDEX IF NOT EXISTS messages_mms ON messages(sent_at) WHERE channel = 'mms';
"""

# Version 10: tenants (the dashboard per account, identity/signins.py): whose messages a callback
# attempt carried (pushes are made per account, delivery/scheduler.py), and sign-ins made with an
# account's API key (the key's row: revoking the key ends them)
TENANT_COLUMNS = {"callback_attempts": {"account_id": "{int}"}, "dashboard_signins": {"key_id": "{int}"}}
TENANTS = """
CREATE INDEX IF NOT EXISTS callback_attempts_by_account ON callback_attempts(account_id, id);
"""

# Version 11: a list's deletion moves the configuration version (WATCHED): nothing but the
# triggers, which every upgrade of a PostgreSQL database makes again (SQLite's are each
# connection's own)
LIST_DELETIONS = ""

# The rows' insertion order, copied once: SQLite's rowid is it; PostgreSQL's ctid is where a row
# lies (a slot freed by a delete is reused), so history goes by message and time first
COPY_IN_ORDER = {
    engine: (
        "INSERT INTO message_history_v4 (message, at, status, error) "
        f"SELECT message, at, status, error FROM message_history ORDER BY {history};\n"
        "INSERT INTO api_keys_v4 (key, account_id, revoked) "
        f"SELECT key, account_id, revoked FROM api_keys ORDER BY {keys};"
    )
    for engine, history, keys in (("sqlite", "rowid", "rowid"), ("postgresql", "message, at, ctid", "ctid"))
}

# Columns added after a table was first released: added to older database files on open.
ADDED_COLUMNS = {
    "messages": {
        "notify_xml": "{int} NOT NULL DEFAULT 0",
        "reported_at": "{int}",
        "binary": "TEXT",
        "mcc_mnc": "TEXT",
        "converted_at": "{int}",
        "process_key": "TEXT",
        "reply_text": "TEXT",
        "channel": "TEXT NOT NULL DEFAULT 'sms'",
        "mms_content": "TEXT",
    },
    "deliveries": {
        "xml": "{int} NOT NULL DEFAULT 0",
        "kind": "TEXT NOT NULL DEFAULT 'report'",
        "claim": "TEXT",
    },
    "status_events": {"done_at": "{int}", "held": "{int} NOT NULL DEFAULT 0"},
    "inbound": {"channel": "TEXT NOT NULL DEFAULT 'sms'", "segments": "TEXT"},
    "outcome_rules": {"report_delay_ms": "{int} NOT NULL DEFAULT 0", "reply": "TEXT"},
    "accounts": {"flooding_filter": "{int}"},
}

# What ``reset`` wipes: everything but accounts, keys, the clock and the meta values.
RESET_TABLES = (
    "memberships",
    "people",
    "lists",
    "rate_windows",
    "journal",
    "messages",
    "message_history",
    "bulks",
    "numbers",
    "inbound",
    "status_events",
    "deliveries",
    "callback_attempts",
    "outcome_rules",
    "faults",
    "uploads",
    "tfa_applications",
    "tfa_templates",
    "tfa_pins",
    "tfa_events",
    "tfa_forced",
)


# What :meth:`Store.cached` values are read from: a change to one of these tables (through the
# store's connection, in any process) moves the configuration version. Faults: only whether there
# are any is cached, so the counters a fault keeps as it fires do not count as changes. Lists: a
# list's id by its name (channels/lists/service.py), which only its deletion changes.
WATCHED = {
    "accounts": ("INSERT", "UPDATE", "DELETE"),
    "api_keys": ("INSERT", "UPDATE", "DELETE"),
    "clock": ("INSERT", "UPDATE", "DELETE"),
    "faults": ("INSERT", "DELETE"),
    "lists": ("DELETE",),
}

# What gives the scheduler new work (PostgreSQL notifies every process of it: storage/postgres.py)
WORK = {
    "status_events": ("INSERT", "UPDATE"),
    "deliveries": ("INSERT",),
}
