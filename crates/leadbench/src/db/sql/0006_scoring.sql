-- Lead scoring: editable rules with their change log, threshold history,
-- and the parts of each lead's score.

CREATE TABLE scoring_rules (
    id          INTEGER PRIMARY KEY,
    position    INTEGER NOT NULL,
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('fit', 'behaviour', 'disqualify')),
    enabled     INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    definition  TEXT NOT NULL CHECK (json_valid(definition)),   -- the rule as JSON
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE INDEX scoring_rules_position ON scoring_rules (position, id);

-- One row per saved rule change. rule_id has no foreign key, so the log
-- outlives a deleted rule.
CREATE TABLE scoring_rule_changes (
    id          INTEGER PRIMARY KEY,
    rule_id     INTEGER,
    action      TEXT NOT NULL
                CHECK (action IN ('seed', 'add', 'edit', 'enable', 'disable', 'reorder', 'delete', 'import')),
    before      TEXT CHECK (before IS NULL OR json_valid(before)),
    after       TEXT CHECK (after IS NULL OR json_valid(after)),
    changed_at  INTEGER NOT NULL
);
CREATE INDEX scoring_rule_changes_time ON scoring_rule_changes (changed_at);

-- Every applied threshold set; the newest row is the one in force.
CREATE TABLE score_thresholds (
    id          INTEGER PRIMARY KEY,
    mql         REAL NOT NULL,
    warm        REAL NOT NULL,
    sql         REAL NOT NULL,
    old_mql     REAL,
    old_warm    REAL,
    old_sql     REAL,
    changed_at  INTEGER NOT NULL,
    moved       INTEGER NOT NULL DEFAULT 0 CHECK (moved >= 0),
    CHECK (0 <= mql AND mql < warm AND warm < sql)
);

ALTER TABLE leads ADD COLUMN score_fit REAL NOT NULL DEFAULT 0;
ALTER TABLE leads ADD COLUMN score_behaviour REAL NOT NULL DEFAULT 0;
-- 1 when the score fell below the threshold of the lead's stage.
ALTER TABLE leads ADD COLUMN cooling INTEGER NOT NULL DEFAULT 0 CHECK (cooling IN (0, 1));
-- Name of the disqualifying rule the lead matches, if any.
ALTER TABLE leads ADD COLUMN disqualified_by TEXT;
