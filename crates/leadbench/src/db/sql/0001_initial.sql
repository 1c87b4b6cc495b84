-- Leadbench schema version 1. Timestamps are UTC Unix seconds; money is
-- integer minor units (cents) with an ISO 4217 currency code.

CREATE TABLE accounts (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    domain      TEXT,
    industry    TEXT,
    size_band   TEXT,
    country     TEXT,
    created_at  INTEGER NOT NULL
);
CREATE INDEX accounts_domain ON accounts (domain);
CREATE INDEX accounts_name ON accounts (name COLLATE NOCASE);

CREATE TABLE campaigns (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    channel     TEXT NOT NULL,
    direction   TEXT NOT NULL CHECK (direction IN ('inbound', 'outbound')),
    starts_on   TEXT,   -- local calendar date, YYYY-MM-DD
    ends_on     TEXT,   -- local calendar date, YYYY-MM-DD, inclusive
    cost_cents  INTEGER NOT NULL DEFAULT 0 CHECK (cost_cents >= 0),
    currency    TEXT NOT NULL DEFAULT 'EUR',
    visitors    INTEGER CHECK (visitors >= 0)
);

CREATE TABLE leads (
    id                INTEGER PRIMARY KEY,
    external_id       TEXT UNIQUE,
    email             TEXT,   -- trimmed and lowercased
    first_name        TEXT,
    last_name         TEXT,
    phone             TEXT,
    job_title         TEXT,
    account_id        INTEGER REFERENCES accounts (id) ON DELETE SET NULL,
    source            TEXT,   -- channel of the first touch
    campaign_id       INTEGER REFERENCES campaigns (id) ON DELETE SET NULL,
    owner             TEXT,
    stage             TEXT NOT NULL DEFAULT 'new'
                      CHECK (stage IN ('new', 'mql', 'warm', 'sql', 'customer', 'disqualified')),
    stage_changed_at  INTEGER NOT NULL,
    pinned            INTEGER NOT NULL DEFAULT 0 CHECK (pinned IN (0, 1)),
    score             REAL NOT NULL DEFAULT 0,
    consent           INTEGER CHECK (consent IN (0, 1)),   -- NULL: unknown
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL,
    custom_fields     TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(custom_fields))
);
CREATE INDEX leads_email ON leads (email);
CREATE INDEX leads_stage_score ON leads (stage, score DESC, id);
CREATE INDEX leads_created ON leads (created_at);
CREATE INDEX leads_account ON leads (account_id);
CREATE INDEX leads_campaign ON leads (campaign_id);

CREATE TABLE events (
    id           INTEGER PRIMARY KEY,
    lead_id      INTEGER NOT NULL REFERENCES leads (id) ON DELETE CASCADE,
    type         TEXT NOT NULL,
    occurred_at  INTEGER NOT NULL,
    properties   TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(properties)),
    source       TEXT,
    external_id  TEXT UNIQUE   -- a re-imported event with the same id is ignored
);
CREATE INDEX events_lead ON events (lead_id, occurred_at);
CREATE INDEX events_type ON events (type, occurred_at);

CREATE TABLE stage_changes (
    id          INTEGER PRIMARY KEY,
    lead_id     INTEGER NOT NULL REFERENCES leads (id) ON DELETE CASCADE,
    from_stage  TEXT,
    to_stage    TEXT NOT NULL,
    changed_at  INTEGER NOT NULL,
    reason      TEXT NOT NULL CHECK (reason IN ('score', 'manual', 'import', 'outcome')),
    actor       TEXT,
    score       REAL
);
CREATE INDEX stage_changes_lead ON stage_changes (lead_id, changed_at);
CREATE INDEX stage_changes_to ON stage_changes (to_stage, changed_at);

CREATE TABLE deals (
    id           INTEGER PRIMARY KEY,
    lead_id      INTEGER NOT NULL REFERENCES leads (id) ON DELETE CASCADE,
    value_cents  INTEGER NOT NULL DEFAULT 0 CHECK (value_cents >= 0),
    currency     TEXT NOT NULL DEFAULT 'EUR',
    won_at       INTEGER,
    lost_at      INTEGER,
    lost_reason  TEXT
);
CREATE INDEX deals_lead ON deals (lead_id);
CREATE INDEX deals_won ON deals (won_at);

CREATE TABLE settings (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);
