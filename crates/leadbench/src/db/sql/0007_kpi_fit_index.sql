-- The KPI dashboard reads each lead's fit score together with the other
-- lead facts. With `score_fit` in the covering index, one narrow index scan
-- serves them all instead of a second scan of the wide lead rows.

DROP INDEX leads_kpi;

CREATE INDEX leads_kpi ON leads
    (created_at, source, campaign_id, owner, stage, stage_changed_at, score, score_fit);
