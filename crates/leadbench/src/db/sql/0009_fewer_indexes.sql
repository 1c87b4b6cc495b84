-- Fewer indexes on the two tables that imports and re-scoring write most.
-- Every index costs each imported lead and each changed score a B-tree
-- write, so indexes that another index already serves are dropped:
-- - leads_stage_score repeats leads_live_stage_score for erased leads too,
--   and every query that orders leads by stage and score skips those;
-- - leads_created is the first column of the covering leads_kpi;
-- - stage_changes_to is served by stage_changes_kpi, which starts with the
--   same stage; the KPI queries read every change of a stage anyway.
-- Most leads have no campaign, so the campaign index keeps only those that
-- have one; a look-up of one campaign's leads still uses it.

DROP INDEX leads_stage_score;
DROP INDEX leads_created;
DROP INDEX stage_changes_to;
DROP INDEX leads_campaign;
CREATE INDEX leads_campaign ON leads (campaign_id) WHERE campaign_id IS NOT NULL;
