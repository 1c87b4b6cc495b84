-- Import history, saved column mappings and what undo needs.

CREATE TABLE imports (
    id                    INTEGER PRIMARY KEY,
    kind                  TEXT NOT NULL CHECK (kind IN ('leads', 'outcomes', 'activity')),
    file_name             TEXT NOT NULL,
    imported_at           INTEGER NOT NULL,
    created               INTEGER NOT NULL DEFAULT 0,
    updated               INTEGER NOT NULL DEFAULT 0,
    skipped               INTEGER NOT NULL DEFAULT 0,
    rejected              INTEGER NOT NULL DEFAULT 0,
    warnings              INTEGER NOT NULL DEFAULT 0,
    mapping               TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(mapping)),
    options               TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(options)),
    -- Highest row ids when the import committed: rows above them were
    -- written later, and touch the import's leads only through later edits.
    last_event_id         INTEGER NOT NULL DEFAULT 0,
    last_stage_change_id  INTEGER NOT NULL DEFAULT 0,
    last_deal_id          INTEGER NOT NULL DEFAULT 0,
    undone_at             INTEGER
);

CREATE TABLE import_mappings (
    name      TEXT PRIMARY KEY,
    kind      TEXT NOT NULL CHECK (kind IN ('leads', 'outcomes', 'activity')),
    mapping   TEXT NOT NULL CHECK (json_valid(mapping)),
    saved_at  INTEGER NOT NULL
);

-- Leads that existed before an import and were changed by it: the values
-- before (restored by undo) and after (compared by undo to find later edits).
CREATE TABLE import_lead_changes (
    import_id  INTEGER NOT NULL REFERENCES imports (id) ON DELETE CASCADE,
    lead_id    INTEGER NOT NULL REFERENCES leads (id) ON DELETE CASCADE,
    before     TEXT NOT NULL CHECK (json_valid(before)),
    after      TEXT NOT NULL CHECK (json_valid(after)),
    PRIMARY KEY (import_id, lead_id)
) WITHOUT ROWID;
CREATE INDEX import_lead_changes_lead ON import_lead_changes (lead_id);

-- The import that wrote a row; NULL for rows written any other way.
ALTER TABLE leads ADD COLUMN import_id INTEGER REFERENCES imports (id);
ALTER TABLE accounts ADD COLUMN import_id INTEGER REFERENCES imports (id);
ALTER TABLE campaigns ADD COLUMN import_id INTEGER REFERENCES imports (id);
ALTER TABLE events ADD COLUMN import_id INTEGER REFERENCES imports (id);
ALTER TABLE stage_changes ADD COLUMN import_id INTEGER REFERENCES imports (id);
ALTER TABLE deals ADD COLUMN import_id INTEGER REFERENCES imports (id);
