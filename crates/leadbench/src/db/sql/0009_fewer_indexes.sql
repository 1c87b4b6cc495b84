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
-- The KPI covering index leaves out the scores: a full recomputation
-- rewrites nearly every score, and rebuilding this wide index took about
-- 100 ms of it on 100,000 leads. The dashboard reads the scores from the
-- table on its second connection instead.

DROP INDEX leads_stage_score;
DROP INDEX leads_created;
DROP INDEX stage_changes_to;
DROP INDEX leads_campaign;
CREATE INDEX leads_campaign ON leads (campaign_id) WHERE campaign_id IS NOT NULL;
DROP INDEX leads_kpi;
CREATE INDEX leads_kpi ON leads
    (created_at, source, campaign_id, owner, stage, stage_changed_at);
