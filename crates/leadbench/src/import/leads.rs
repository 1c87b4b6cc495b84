//! Writing lead rows: matching existing leads, merging duplicates, and the
//! accounts and campaigns the rows name.
//!
//! A row matches a lead by normalised e-mail, else by external id. Leads
//! written earlier in the same file match too, so duplicates inside a file
//! merge exactly like duplicates of existing leads. A row without e-mail and
//! external id could never be matched again by a later import, so it is
//! rejected unless the policy is [`DuplicatePolicy::Create`].

use std::collections::HashMap;

use rusqlite::{params, Connection, OptionalExtension, Statement, Transaction};

use super::history;
use super::mapping::Field;
use super::parse::{self, normalize_email};
use super::plan::{Context, Row};
use super::{DuplicatePolicy, ImportReport, RowProblem, RowWriter, WarningKind};
use crate::board::SqlAssigner;
use crate::error::Result;
use crate::model::Stage;

/// Distinct companies remembered per import; past this the cache starts
/// over, so memory stays bounded for files with millions of companies.
const ACCOUNT_CACHE_LIMIT: usize = 100_000;

/// A lead found for a row.
pub(super) struct LeadMatch {
    pub id: i64,
    pub import_id: Option<i64>,
    pub external_id: Option<String>,
    pub stage: Stage,
    pub pinned: bool,
    pub created_at: i64,
    /// E-mail address or external id, to name the lead in warnings.
    pub label: String,
}

/// The keys a row identifies its lead by.
pub(super) struct LeadKey<'a> {
    pub email: Option<String>,
    pub external_id: Option<&'a str>,
}

impl LeadKey<'_> {
    /// Returns the e-mail address or external id, for messages.
    pub fn label(&self) -> String {
        self.email
            .clone()
            .or_else(|| self.external_id.map(str::to_owned))
            .unwrap_or_default()
    }
}

/// Reads the row's e-mail and external id; rejects the row and returns
/// `None` when the e-mail address is invalid.
pub(super) fn read_key<'a>(row: &Row<'a>, report: &mut ImportReport) -> Option<LeadKey<'a>> {
    let email = match row.text(Field::Email).map(normalize_email) {
        Some(Ok(email)) => Some(email),
        Some(Err(reason)) => {
            let raw = row.text(Field::Email).unwrap_or_default();
            report.reject(
                row.line,
                row.header(Field::Email),
                raw,
                RowProblem::InvalidEmail,
                reason,
            );
            return None;
        }
        None => None,
    };
    Some(LeadKey {
        email,
        external_id: row.text(Field::ExternalId),
    })
}

const MATCH_COLUMNS: &str =
    "id, import_id, external_id, stage, pinned, created_at, COALESCE(email, external_id, '')";

/// Lead look-up for a row's key: by e-mail first (the oldest lead with
/// that address), then by external id. It keeps its statements prepared,
/// because it runs once per row.
pub(super) struct LeadFinder<'t> {
    by_email: Statement<'t>,
    by_external_id: Statement<'t>,
}

impl<'t> LeadFinder<'t> {
    pub fn new(conn: &'t Connection) -> Result<Self> {
        Ok(LeadFinder {
            by_email: conn.prepare(&format!(
                "SELECT {MATCH_COLUMNS} FROM leads WHERE email = ?1 ORDER BY id LIMIT 1"
            ))?,
            by_external_id: conn.prepare(&format!(
                "SELECT {MATCH_COLUMNS} FROM leads WHERE external_id = ?1"
            ))?,
        })
    }

    pub fn find(&mut self, key: &LeadKey<'_>) -> Result<Option<LeadMatch>> {
        let read = |row: &rusqlite::Row<'_>| {
            Ok(LeadMatch {
                id: row.get(0)?,
                import_id: row.get(1)?,
                external_id: row.get(2)?,
                stage: row.get(3)?,
                pinned: row.get(4)?,
                created_at: row.get(5)?,
                label: row.get(6)?,
            })
        };
        if let Some(email) = &key.email {
            if let Some(found) = self.by_email.query_row([email], read).optional()? {
                return Ok(Some(found));
            }
        }
        match key.external_id {
            Some(external_id) => Ok(self
                .by_external_id
                .query_row([external_id], read)
                .optional()?),
            None => Ok(None),
        }
    }
}

/// Position of a stage on the way from New to SQL; Customer and
/// Disqualified are final and never left by an import of leads.
fn pipeline_rank(stage: Stage) -> Option<u8> {
    match stage {
        Stage::New => Some(0),
        Stage::Mql => Some(1),
        Stage::Warm => Some(2),
        Stage::Sql => Some(3),
        Stage::Customer | Stage::Disqualified => None,
    }
}

/// The profile values of one row.
struct LeadValues<'a> {
    first_name: Option<&'a str>,
    last_name: Option<&'a str>,
    phone: Option<&'a str>,
    job_title: Option<&'a str>,
    source: Option<&'a str>,
    owner: Option<&'a str>,
    created_at: Option<i64>,
    consent: Option<bool>,
    stage: Option<Stage>,
    custom: Option<String>,
}

/// Splits "Femke de Wit" into "Femke" and "de Wit".
fn split_full_name(full: &str) -> (Option<&str>, Option<&str>) {
    match full.split_once(char::is_whitespace) {
        Some((first, rest)) => (Some(first), Some(rest.trim()).filter(|r| !r.is_empty())),
        None => (Some(full), None),
    }
}

pub(super) struct LeadWriter<'a, 't> {
    ctx: Context<'a>,
    finder: LeadFinder<'t>,
    insert: Statement<'t>,
    accounts: HashMap<String, i64>,
    campaigns: HashMap<String, i64>,
    /// Smallest id a lead created by this import can have: SQLite gives a
    /// new row the largest id plus one, and the transaction holds the
    /// write lock, so the import's leads are exactly those above.
    first_new_id: i64,
    /// Leads that existed before this import and that it updated.
    updated: Vec<i64>,
}

impl<'a, 't> LeadWriter<'a, 't> {
    pub fn new(tx: &'t Transaction<'_>, ctx: Context<'a>) -> Result<Self> {
        let first_new_id: i64 =
            tx.query_row("SELECT COALESCE(MAX(id), 0) + 1 FROM leads", [], |row| {
                row.get(0)
            })?;
        let insert = tx.prepare(
            "INSERT INTO leads (external_id, email, first_name, last_name, phone, job_title, account_id, source,
                                campaign_id, owner, stage, stage_changed_at, consent, created_at, updated_at,
                                custom_fields, import_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?12, ?14, COALESCE(?15, '{}'), ?16)",
        )?;
        Ok(LeadWriter {
            ctx,
            finder: LeadFinder::new(tx)?,
            insert,
            accounts: HashMap::new(),
            campaigns: HashMap::new(),
            first_new_id,
            updated: Vec::new(),
        })
    }

    /// Reads the row's values; rejects the row and returns `None` when a
    /// date or yes/no cell is invalid.
    fn read_values<'r>(&self, row: &Row<'r>, report: &mut ImportReport) -> Option<LeadValues<'r>>
    where
        'a: 'r,
    {
        let created_at = match row.date(Field::CreatedAt) {
            Some(Ok(at)) => Some(at),
            Some(Err(reason)) => {
                let raw = row.text(Field::CreatedAt).unwrap_or_default();
                report.reject(
                    row.line,
                    row.header(Field::CreatedAt),
                    raw,
                    RowProblem::InvalidDate,
                    reason,
                );
                return None;
            }
            None => None,
        };
        let consent = match row.text(Field::Consent).map(parse::parse_bool) {
            Some(Ok(consent)) => consent,
            Some(Err(reason)) => {
                let raw = row.text(Field::Consent).unwrap_or_default();
                report.reject(
                    row.line,
                    row.header(Field::Consent),
                    raw,
                    RowProblem::InvalidYesNo,
                    reason,
                );
                return None;
            }
            None => None,
        };

        let stage = match row.text(Field::Stage).map(str::parse::<Stage>) {
            Some(Ok(stage)) => Some(stage),
            Some(Err(_)) => {
                let raw = row.text(Field::Stage).unwrap_or_default();
                let reason = "not a stage; use new, mql, warm, sql, customer or disqualified";
                report.reject(
                    row.line,
                    row.header(Field::Stage),
                    raw,
                    RowProblem::InvalidStage,
                    reason,
                );
                return None;
            }
            None => None,
        };

        let (full_first, full_last) = row
            .text(Field::FullName)
            .map_or((None, None), split_full_name);
        let custom = row.custom_json_with(row.text(Field::Notes).map(|notes| ("notes", notes)));
        Some(LeadValues {
            first_name: row.text(Field::FirstName).or(full_first),
            last_name: row.text(Field::LastName).or(full_last),
            phone: row.text(Field::Phone),
            job_title: row.text(Field::JobTitle),
            source: row.text(Field::Source),
            owner: row.text(Field::Owner).or(self.ctx.request.owner.as_deref()),
            created_at,
            consent,
            stage: self.ctx.request.stage.or(stage),
            custom,
        })
    }

    fn account_id(
        &mut self,
        tx: &Transaction<'_>,
        row: &Row<'_>,
        created_at: i64,
    ) -> Result<Option<i64>> {
        let Some(name) = row.text(Field::Company) else {
            return Ok(None);
        };
        // The cache matches exact names; other spellings go to the database,
        // which compares names without regard to case.
        if let Some(id) = self.accounts.get(name) {
            return Ok(Some(*id));
        }

        let domain = row.text(Field::Domain);
        let industry = row.text(Field::Industry);
        let size = row.text(Field::CompanySize);
        let country = row.text(Field::Country);
        let existing: Option<i64> = tx
            .prepare_cached(
                "SELECT id FROM accounts WHERE name = ?1 COLLATE NOCASE ORDER BY id LIMIT 1",
            )?
            .query_row([name], |r| r.get(0))
            .optional()?;
        let id = match existing {
            // NOTE: an existing account only gets its empty fields filled;
            // undoing the import does not clear them again.
            Some(id) => {
                if domain.or(industry).or(size).or(country).is_some() {
                    tx.prepare_cached(
                        "UPDATE accounts SET domain = COALESCE(domain, ?2), industry = COALESCE(industry, ?3),
                                size_band = COALESCE(size_band, ?4), country = COALESCE(country, ?5)
                         WHERE id = ?1",
                    )?
                    .execute(params![id, domain, industry, size, country])?;
                }
                id
            }
            None => {
                tx.prepare_cached(
                    "INSERT INTO accounts (name, domain, industry, size_band, country, created_at, import_id)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                )?
                .execute(params![name, domain, industry, size, country, created_at, self.ctx.import_id])?;
                tx.last_insert_rowid()
            }
        };

        if self.accounts.len() >= ACCOUNT_CACHE_LIMIT {
            self.accounts.clear();
        }
        self.accounts.insert(name.to_owned(), id);
        Ok(Some(id))
    }

    fn campaign_id(&mut self, tx: &Transaction<'_>, row: &Row<'_>) -> Result<Option<i64>> {
        let Some(name) = row
            .text(Field::Campaign)
            .or(self.ctx.request.campaign.as_deref())
        else {
            return Ok(None);
        };
        if let Some(id) = self.campaigns.get(name) {
            return Ok(Some(*id));
        }
        let existing: Option<i64> = tx
            .prepare_cached("SELECT id FROM campaigns WHERE name = ?1")?
            .query_row([name], |r| r.get(0))
            .optional()?;
        let id = match existing {
            Some(id) => id,
            None => {
                tx.prepare_cached(
                    "INSERT INTO campaigns (name, channel, direction, import_id) VALUES (?1, 'unknown', 'inbound', ?2)",
                )?
                .execute(params![name, self.ctx.import_id])?;
                tx.last_insert_rowid()
            }
        };
        if self.campaigns.len() >= ACCOUNT_CACHE_LIMIT {
            self.campaigns.clear();
        }
        self.campaigns.insert(name.to_owned(), id);
        Ok(Some(id))
    }

    fn create(
        &mut self,
        tx: &Transaction<'_>,
        row: &Row<'_>,
        key: &LeadKey<'_>,
        values: &LeadValues<'_>,
    ) -> Result<()> {
        let created_at = values.created_at.unwrap_or(self.ctx.now);
        let stage = values.stage.unwrap_or(Stage::New);
        let account_id = self.account_id(tx, row, created_at)?;
        let campaign_id = self.campaign_id(tx, row)?;
        self.insert.execute(params![
            key.external_id,
            key.email,
            values.first_name,
            values.last_name,
            values.phone,
            values.job_title,
            account_id,
            values.source,
            campaign_id,
            values.owner,
            stage,
            created_at,
            values.consent,
            self.ctx.now,
            values.custom,
            self.ctx.import_id,
        ])?;
        // The first stage change of each created lead is written in one
        // statement by `finish`, which is much faster than one per row.
        Ok(())
    }

    fn update(
        &mut self,
        tx: &Transaction<'_>,
        row: &Row<'_>,
        key: &LeadKey<'_>,
        values: &LeadValues<'_>,
        lead: &LeadMatch,
        report: &mut ImportReport,
    ) -> Result<()> {
        if lead.import_id != Some(self.ctx.import_id) {
            history::remember_lead(tx, self.ctx.import_id, lead.id)?;
        }
        if lead.id < self.first_new_id {
            self.updated.push(lead.id);
        }
        let account_id = self.account_id(tx, row, values.created_at.unwrap_or(lead.created_at))?;
        let campaign_id = self.campaign_id(tx, row)?;

        // The external id is UNIQUE: fill it only when no other lead has it.
        let mut external_id = key.external_id.filter(|_| lead.external_id.is_none());
        if let Some(wanted) = external_id {
            let taken: bool = tx
                .prepare_cached("SELECT EXISTS (SELECT 1 FROM leads WHERE external_id = ?1)")?
                .query_row([wanted], |r| r.get(0))?;
            if taken {
                report.warn(
                    row.line,
                    WarningKind::ExternalIdTaken,
                    &lead.label,
                    format!("external id {wanted} belongs to another lead, so it was not added to this one"),
                );
                external_id = None;
            }
        }

        tx.prepare_cached(
            "UPDATE leads SET
                 email = COALESCE(email, ?2), external_id = COALESCE(external_id, ?3),
                 first_name = COALESCE(?4, first_name), last_name = COALESCE(?5, last_name),
                 phone = COALESCE(?6, phone), job_title = COALESCE(?7, job_title),
                 account_id = COALESCE(?8, account_id), source = COALESCE(source, ?9),
                 campaign_id = COALESCE(?10, campaign_id), owner = COALESCE(?11, owner),
                 consent = COALESCE(?12, consent), created_at = MIN(created_at, COALESCE(?13, created_at)),
                 custom_fields = CASE WHEN ?14 IS NULL THEN custom_fields ELSE json_patch(custom_fields, ?14) END,
                 stage_changed_at = CASE WHEN import_id = ?16
                     THEN MIN(stage_changed_at, COALESCE(?13, stage_changed_at)) ELSE stage_changed_at END,
                 updated_at = ?15
             WHERE id = ?1",
        )?
        .execute(params![
            lead.id,
            key.email,
            external_id,
            values.first_name,
            values.last_name,
            values.phone,
            values.job_title,
            account_id,
            values.source,
            campaign_id,
            values.owner,
            values.consent,
            values.created_at,
            values.custom,
            self.ctx.now,
            self.ctx.import_id,
        ])?;

        // A stage (from the options or the row) moves matched leads forward
        // only, never out of Customer or Disqualified, and never a lead a
        // person pinned.
        let Some(wanted) = values.stage else {
            return Ok(());
        };
        let forward = match (pipeline_rank(lead.stage), pipeline_rank(wanted)) {
            (Some(current), Some(target)) => target > current,
            _ => false,
        };
        if forward && !lead.pinned && lead.import_id == Some(self.ctx.import_id) {
            // Created by this import: `finish` records it in its final stage.
            tx.prepare_cached("UPDATE leads SET stage = ?2 WHERE id = ?1")?
                .execute(params![lead.id, wanted])?;
        } else if forward && !lead.pinned {
            let at = values.created_at.unwrap_or(self.ctx.now);
            tx.prepare_cached("UPDATE leads SET stage = ?2, stage_changed_at = ?3 WHERE id = ?1")?
                .execute(params![lead.id, wanted, at])?;
            history::insert_stage_change(
                tx,
                lead.id,
                Some(lead.stage),
                wanted,
                at,
                "import",
                self.ctx.import_id,
            )?;
        }
        Ok(())
    }
}

impl RowWriter for LeadWriter<'_, '_> {
    fn changed_leads(&self) -> (Option<i64>, Vec<i64>) {
        (Some(self.first_new_id), self.updated.clone())
    }

    fn finish(&mut self, tx: &Transaction<'_>, _report: &mut ImportReport) -> Result<()> {
        tx.execute(
            "INSERT INTO stage_changes (lead_id, from_stage, to_stage, changed_at, reason, actor, import_id)
             SELECT id, NULL, stage, created_at, 'import', 'import', import_id
             FROM leads WHERE id >= ?1 AND import_id = ?2 ORDER BY id",
            params![self.first_new_id, self.ctx.import_id],
        )?;
        self.assign_new_sqls(tx)
    }

    fn write_row(
        &mut self,
        tx: &Transaction<'_>,
        row: &Row<'_>,
        report: &mut ImportReport,
    ) -> Result<()> {
        let Some(key) = read_key(row, report) else {
            return Ok(());
        };
        let Some(values) = self.read_values(row, report) else {
            return Ok(());
        };
        let policy = self.ctx.request.duplicates;
        if key.email.is_none() && key.external_id.is_none() && policy != DuplicatePolicy::Create {
            report.reject(
                row.line,
                row.header(Field::Email),
                "",
                RowProblem::MissingLeadKey,
                "no e-mail address or external id, so a later import could not find this lead again; add one or import with the create policy",
            );
            return Ok(());
        }

        let existing = match policy {
            DuplicatePolicy::Create => None,
            DuplicatePolicy::Update | DuplicatePolicy::Skip => self.finder.find(&key)?,
        };
        match (existing, policy) {
            (Some(_), DuplicatePolicy::Skip) => report.skipped += 1,
            (Some(lead), _) => {
                self.update(tx, row, &key, &values, &lead, report)?;
                report.updated += 1;
            }
            (None, _) => {
                if policy == DuplicatePolicy::Create && self.external_id_taken(tx, &key)? {
                    report.reject(
                        row.line,
                        row.header(Field::ExternalId),
                        key.external_id.unwrap_or_default(),
                        RowProblem::ExternalIdTaken,
                        "another lead already has this external id; import with the update or skip policy",
                    );
                    return Ok(());
                }
                self.create(tx, row, &key, &values)?;
                report.created += 1;
            }
        }
        Ok(())
    }
}

impl LeadWriter<'_, '_> {
    /// Gives the leads this import created in SQL or moved to SQL an owner
    /// by the assignment settings, oldest lead first.
    fn assign_new_sqls(&self, tx: &Transaction<'_>) -> Result<()> {
        let mut stmt = tx.prepare(
            // Erased leads get no owner, and the condition lets SQLite use
            // the index of live leads by stage instead of reading every lead.
            "SELECT id FROM leads
             WHERE stage = 'sql' AND forgotten_at IS NULL AND (owner IS NULL OR TRIM(owner) = '')
               AND ((id >= ?1 AND import_id = ?2)
                    OR id IN (SELECT lead_id FROM stage_changes
                              WHERE import_id = ?2 AND to_stage = 'sql'))
             ORDER BY id",
        )?;
        let ids = stmt
            .query_map(params![self.first_new_id, self.ctx.import_id], |row| {
                row.get::<_, i64>(0)
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let mut assigner = SqlAssigner::new(tx)?;
        for id in ids {
            assigner.assign(id)?;
        }
        Ok(())
    }

    fn external_id_taken(&self, tx: &Transaction<'_>, key: &LeadKey<'_>) -> Result<bool> {
        let Some(external_id) = key.external_id else {
            return Ok(false);
        };
        Ok(tx
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM leads WHERE external_id = ?1)")?
            .query_row([external_id], |r| r.get(0))?)
    }
}
