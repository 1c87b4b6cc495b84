-- Covering indexes for the KPI dashboard, which reads every lead and every
-- stage change on each filter change. Scanning these narrow indexes is much
-- cheaper than scanning the wide table rows.

CREATE INDEX leads_kpi ON leads
    (created_at, source, campaign_id, owner, stage, stage_changed_at, score);

-- Serves "first moment each lead reached each stage" as a GROUP BY in index
-- order, and counts of stage changes per stage and period.
CREATE INDEX stage_changes_kpi ON stage_changes (to_stage, lead_id, changed_at);
