-- Nurture sequences: their definitions, the leads enrolled in them, the
-- outbox of touchpoints and a history of what happened to each enrolment.

CREATE TABLE nurture_sequences (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE,
    status        TEXT NOT NULL CHECK (status IN ('active', 'paused')),
    -- Trigger, audience, steps, goal and re-entry policy as JSON.
    definition    TEXT NOT NULL CHECK (json_valid(definition)),
    -- Copied out of the definition so enrolment hooks find candidates by index.
    trigger_kind  TEXT NOT NULL CHECK (trigger_kind IN ('event', 'stage', 'score', 'manual')),
    trigger_key   TEXT,
    version       INTEGER NOT NULL DEFAULT 1,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);
CREATE INDEX nurture_sequences_trigger ON nurture_sequences (trigger_kind, trigger_key);

CREATE TABLE nurture_enrolments (
    id               INTEGER PRIMARY KEY,
    sequence_id      INTEGER NOT NULL REFERENCES nurture_sequences (id) ON DELETE CASCADE,
    -- NULL once the lead is deleted; the enrolment then stays as history.
    lead_id          INTEGER REFERENCES leads (id) ON DELETE SET NULL,
    state            TEXT NOT NULL CHECK (state IN ('active', 'completed', 'exited')),
    step_index       INTEGER NOT NULL,
    -- When the step at step_index is due; NULL once the enrolment ended.
    next_due_at      INTEGER,
    -- Scheduled time the current step was reached; condition windows count from it.
    step_started_at  INTEGER NOT NULL,
    enrolled_at      INTEGER NOT NULL,
    ended_at         INTEGER,
    exit_reason      TEXT,
    failures         INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX nurture_enrolments_due ON nurture_enrolments (next_due_at) WHERE state = 'active';
CREATE INDEX nurture_enrolments_lead ON nurture_enrolments (lead_id, sequence_id);
CREATE INDEX nurture_enrolments_sequence ON nurture_enrolments (sequence_id, state);
CREATE UNIQUE INDEX nurture_enrolments_one_active
    ON nurture_enrolments (sequence_id, lead_id) WHERE state = 'active';

-- Every touchpoint a step produced. The unique key is what makes a step run
-- at most once per enrolment: the row is written in the same transaction
-- that moves the enrolment past the step.
CREATE TABLE nurture_outbox (
    id               INTEGER PRIMARY KEY,
    enrolment_id     INTEGER NOT NULL REFERENCES nurture_enrolments (id) ON DELETE CASCADE,
    step_id          TEXT NOT NULL,
    sequence_id      INTEGER NOT NULL,
    lead_id          INTEGER REFERENCES leads (id) ON DELETE SET NULL,
    kind             TEXT NOT NULL CHECK (kind IN ('email', 'task', 'notify')),
    status           TEXT NOT NULL
                     CHECK (status IN ('due', 'sending', 'sent', 'done', 'failed', 'skipped')),
    to_address       TEXT,
    subject          TEXT,
    body             TEXT NOT NULL DEFAULT '',
    due_at           INTEGER NOT NULL,
    created_at       INTEGER NOT NULL,
    late             INTEGER NOT NULL DEFAULT 0 CHECK (late IN (0, 1)),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  INTEGER,
    last_error       TEXT,
    sent_at          INTEGER,
    skip_reason      TEXT,
    UNIQUE (enrolment_id, step_id)
);
CREATE INDEX nurture_outbox_status ON nurture_outbox (status, kind, next_attempt_at);
CREATE INDEX nurture_outbox_sent ON nurture_outbox (sent_at) WHERE sent_at IS NOT NULL;
CREATE INDEX nurture_outbox_lead ON nurture_outbox (lead_id);

CREATE TABLE nurture_history (
    id            INTEGER PRIMARY KEY,
    enrolment_id  INTEGER REFERENCES nurture_enrolments (id) ON DELETE CASCADE,
    sequence_id   INTEGER NOT NULL,
    lead_id       INTEGER,
    at            INTEGER NOT NULL,
    kind          TEXT NOT NULL,
    step_id       TEXT,
    detail        TEXT
);
CREATE INDEX nurture_history_enrolment ON nurture_history (enrolment_id, at);
CREATE INDEX nurture_history_lead ON nurture_history (lead_id, at);

-- A deleted lead leaves every sequence at once, whichever code path deleted
-- it, and its pending touchpoints are skipped. The time is the wall clock of
-- the deletion.
CREATE TRIGGER nurture_lead_deleted BEFORE DELETE ON leads
BEGIN
    INSERT INTO nurture_history (enrolment_id, sequence_id, lead_id, at, kind, detail)
        SELECT id, sequence_id, NULL, unixepoch(), 'exited', 'lead deleted'
        FROM nurture_enrolments WHERE lead_id = OLD.id AND state = 'active';
    UPDATE nurture_outbox SET status = 'skipped', skip_reason = 'lead deleted', next_attempt_at = NULL
        WHERE lead_id = OLD.id AND status IN ('due', 'failed');
    UPDATE nurture_enrolments
        SET state = 'exited', exit_reason = 'lead deleted', next_due_at = NULL, ended_at = unixepoch()
        WHERE lead_id = OLD.id AND state = 'active';
END;
