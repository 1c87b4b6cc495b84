-- Pipeline board: a free-text note on stage changes (disqualify reason,
-- manual move comment), the owners list, and a follow-up marker.

ALTER TABLE stage_changes ADD COLUMN note TEXT;

CREATE TABLE owners (
    id      INTEGER PRIMARY KEY,
    name    TEXT NOT NULL UNIQUE COLLATE NOCASE,
    active  INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1))
);

-- Position of a card in its column when the user ordered it by hand;
-- NULL sorts after the hand-placed cards.
ALTER TABLE leads ADD COLUMN board_rank INTEGER;
