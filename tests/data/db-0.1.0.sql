-- A database made by mock-infobip 0.1.0 (commit bcc7f75, before schema versions): the default
-- account with the key old-release-key, a list of two members and one SMS, as sqlite3's iterdump()
-- wrote it. tests/test_schema_versions.py opens it with this release.
BEGIN TRANSACTION;
CREATE TABLE accounts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    identifier TEXT NOT NULL,
    username TEXT UNIQUE,
    password TEXT,
    created_at INTEGER NOT NULL
);
INSERT INTO "accounts" VALUES(1,'default','email',NULL,NULL,1796443345231);
CREATE TABLE api_keys (
    key TEXT PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    revoked INTEGER NOT NULL DEFAULT 0
);
INSERT INTO "api_keys" VALUES('old-release-key',1,0);
CREATE TABLE bulks (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL,
    bulk_id TEXT NOT NULL,
    send_at INTEGER NOT NULL,
    state TEXT NOT NULL DEFAULT 'ACTIVE',
    paused_at INTEGER
);
CREATE TABLE callback_attempts (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    url TEXT NOT NULL,
    retry INTEGER NOT NULL,
    status INTEGER,
    error TEXT,
    message_ids TEXT NOT NULL,
    body TEXT NOT NULL,
    next_retry_at INTEGER
);
CREATE TABLE clock (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    mode TEXT NOT NULL,
    speed REAL NOT NULL,
    anchor_virtual INTEGER NOT NULL,
    anchor_wall INTEGER NOT NULL
);
INSERT INTO "clock" VALUES(1,'manual',0.0,1796443345231,1796443345231);
CREATE TABLE deliveries (
    id INTEGER PRIMARY KEY,
    message INTEGER NOT NULL,
    url TEXT NOT NULL,
    body TEXT NOT NULL,
    due_at INTEGER NOT NULL,
    retry INTEGER NOT NULL DEFAULT 0,
    state TEXT NOT NULL DEFAULT 'pending',
    claimed_until INTEGER NOT NULL DEFAULT 0,
    final INTEGER NOT NULL,
    xml INTEGER NOT NULL DEFAULT 0,
    kind TEXT NOT NULL DEFAULT 'report',
    claim TEXT
);
CREATE TABLE faults (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    method TEXT NOT NULL,
    path TEXT NOT NULL,
    api_key TEXT,
    status INTEGER,
    latency_ms INTEGER NOT NULL,
    drop_connection INTEGER NOT NULL,
    truncate INTEGER NOT NULL,
    times_left INTEGER,
    probability REAL NOT NULL,
    seen INTEGER NOT NULL DEFAULT 0,
    applied INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE ibsso_sessions (
    token TEXT PRIMARY KEY,
    account_id INTEGER NOT NULL,
    username TEXT NOT NULL,
    last_used_at INTEGER NOT NULL
);
CREATE TABLE inbound (
    id INTEGER PRIMARY KEY,
    message_id TEXT NOT NULL,
    account_id INTEGER,
    number_id INTEGER,
    sender TEXT NOT NULL,
    receiver TEXT NOT NULL,
    text TEXT NOT NULL,
    clean_text TEXT NOT NULL,
    keyword TEXT,
    received_at INTEGER NOT NULL,
    sms_count INTEGER NOT NULL,
    price REAL NOT NULL,
    reply_to TEXT,
    pull INTEGER NOT NULL DEFAULT 0,
    channel TEXT NOT NULL DEFAULT 'sms',
    segments TEXT
);
CREATE TABLE journal (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    method TEXT NOT NULL,
    path TEXT NOT NULL,
    query TEXT NOT NULL,
    status INTEGER NOT NULL,
    api_key TEXT,
    account_id INTEGER,
    operation TEXT,
    request_body TEXT NOT NULL,
    response_body TEXT NOT NULL
);
INSERT INTO "journal" VALUES(1,1796443345231,'POST','/saas/amplitude/1/lists','',200,'old-release-key',1,'lists.create','{"name": "[Amplitude] Churn: 1"}','{"listId":1}');
INSERT INTO "journal" VALUES(2,1796443345231,'POST','/saas/amplitude/1/lists/1/add','',200,'old-release-key',1,'lists.add','{"userIds": ["a@example.com", "b@example.com"]}','{"modifiedCount":0,"createdCount":2}');
INSERT INTO "journal" VALUES(3,1796443345231,'POST','/sms/2/text/advanced','',200,'old-release-key',1,'sms.send.v2','{"messages": [{"from": "Shop", "text": "Made by 0.1.0", "destinations": [{"to": "41793026727"}]}]}','{"bulkId":"2944607778447300010","messages":[{"messageId":"343f2149-52e9-2901-9fda-e4e490e9587c","status":{"groupId":1,"groupName":"PENDING","id":26,"name":"PENDING_ACCEPTED","description":"Message sent to next instance"},"to":"41793026727"}]}');
CREATE TABLE lists (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    name TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
INSERT INTO "lists" VALUES(1,1,'[Amplitude] Churn: 1',1796443345231);
CREATE TABLE memberships (
    list_id INTEGER NOT NULL,
    person_id INTEGER NOT NULL,
    PRIMARY KEY (list_id, person_id)
) WITHOUT ROWID;
INSERT INTO "memberships" VALUES(1,1);
INSERT INTO "memberships" VALUES(1,2);
CREATE TABLE message_history (
    message INTEGER NOT NULL,
    at INTEGER NOT NULL,
    status TEXT NOT NULL,
    error TEXT NOT NULL
);
INSERT INTO "message_history" VALUES(1,1796443345231,'PENDING/PENDING_ACCEPTED','OK/NO_ERROR');
CREATE TABLE messages (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL,
    message_id TEXT NOT NULL,
    bulk_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    destination TEXT NOT NULL,
    region TEXT,
    sender TEXT,
    text TEXT NOT NULL,
    sms_count INTEGER NOT NULL,
    price REAL NOT NULL,
    callback_url TEXT,
    callback_data TEXT,
    intermediate INTEGER NOT NULL,
    entity_id TEXT,
    application_id TEXT,
    campaign_reference_id TEXT,
    sent_at INTEGER NOT NULL,
    validity_ms INTEGER NOT NULL,
    no_reports INTEGER NOT NULL,
    status TEXT NOT NULL,
    error TEXT NOT NULL,
    done_at INTEGER,
    pull INTEGER NOT NULL DEFAULT 0,
    notify_xml INTEGER NOT NULL DEFAULT 0,
    reported_at INTEGER,
    binary TEXT,
    mcc_mnc TEXT,
    converted_at INTEGER,
    process_key TEXT,
    reply_text TEXT,
    channel TEXT NOT NULL DEFAULT 'sms',
    mms_content TEXT
);
INSERT INTO "messages" VALUES(1,1,'343f2149-52e9-2901-9fda-e4e490e9587c','2944607778447300010',2,'41793026727','CH','Shop','Made by 0.1.0',1,0.01,NULL,NULL,0,NULL,NULL,NULL,1796443345231,172800000,0,'PENDING/PENDING_ACCEPTED','OK/NO_ERROR',NULL,0,0,NULL,NULL,'22802',NULL,NULL,NULL,'sms',NULL);
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
INSERT INTO "meta" VALUES('seed','7');
INSERT INTO "meta" VALUES('message_seq','2');
CREATE TABLE numbers (
    id INTEGER PRIMARY KEY,
    number TEXT NOT NULL UNIQUE,
    account_id INTEGER NOT NULL,
    forward_url TEXT,
    keywords TEXT NOT NULL,
    content_type TEXT NOT NULL
);
CREATE TABLE oauth_tokens (
    token TEXT PRIMARY KEY,
    account_id INTEGER NOT NULL,
    username TEXT NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE TABLE outcome_rules (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    match_kind TEXT NOT NULL,
    match_value TEXT NOT NULL,
    status TEXT NOT NULL,
    error TEXT NOT NULL,
    delay_ms INTEGER NOT NULL,
    intermediate TEXT NOT NULL,
    report_delay_ms INTEGER NOT NULL DEFAULT 0,
    reply TEXT
);
CREATE TABLE people (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL,
    key TEXT NOT NULL,
    identifier TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (account_id, key)
);
INSERT INTO "people" VALUES(1,1,'a@example.com','a@example.com',1796443345231);
INSERT INTO "people" VALUES(2,1,'b@example.com','b@example.com',1796443345231);
CREATE TABLE rate_windows (
    principal TEXT NOT NULL,
    operation TEXT NOT NULL,
    last_admitted INTEGER NOT NULL,
    hits INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (principal, operation)
) WITHOUT ROWID;
INSERT INTO "rate_windows" VALUES('key:old-release-key','add',1796443345231,1);
INSERT INTO "rate_windows" VALUES('key:old-release-key','create',1796443345231,1);
CREATE TABLE status_events (
    id INTEGER PRIMARY KEY,
    due_at INTEGER NOT NULL,
    message INTEGER NOT NULL,
    status TEXT NOT NULL,
    error TEXT NOT NULL,
    final INTEGER NOT NULL,
    done_at INTEGER,
    held INTEGER NOT NULL DEFAULT 0
);
INSERT INTO "status_events" VALUES(1,1796448918824,1,'DELIVERED/DELIVERED_TO_HANDSET','OK/NO_ERROR',1,1796448918824,0);
CREATE UNIQUE INDEX lists_by_name ON lists(account_id, name);
CREATE INDEX messages_by_account ON messages(account_id, sent_at);
CREATE INDEX messages_by_message_id ON messages(account_id, message_id);
CREATE INDEX messages_pullable ON messages(account_id, pull, done_at);
CREATE INDEX messages_by_time ON messages(sent_at, status);
CREATE INDEX messages_by_status ON messages(status);
CREATE INDEX messages_by_region ON messages(region, status, no_reports);
CREATE INDEX message_history_by_message ON message_history(message);
CREATE INDEX status_events_due ON status_events(due_at, id);
CREATE INDEX inbound_pullable ON inbound(account_id, pull, received_at);
CREATE UNIQUE INDEX bulks_by_id ON bulks(account_id, bulk_id);
CREATE INDEX deliveries_due ON deliveries(state, due_at);
DELETE FROM "sqlite_sequence";
INSERT INTO "sqlite_sequence" VALUES('accounts',1);
INSERT INTO "sqlite_sequence" VALUES('lists',1);
COMMIT;
