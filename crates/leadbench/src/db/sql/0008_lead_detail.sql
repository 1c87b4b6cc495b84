-- Lead detail: each contact's role in the buying group, and the moment a
-- lead's personal data was erased. An erased lead keeps its stage, source,
-- campaign, dates, scores and deals, so the KPIs still count it, but it no
-- longer shows on the board or in the Leads table.

ALTER TABLE leads ADD COLUMN buying_role TEXT
    CHECK (buying_role IN ('decision_maker', 'champion', 'influencer', 'user'));
ALTER TABLE leads ADD COLUMN forgotten_at INTEGER;

-- Serves the board's counts and columns, which read only leads that were
-- not erased.
CREATE INDEX leads_live_stage_score ON leads (stage, score DESC, id) WHERE forgotten_at IS NULL;
