//! Reading one lead for the detail panel: its fields, its account and the
//! other contacts there (the buying group), its timeline and its score
//! explanation.

use rusqlite::{Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::roles::BuyingRole;
use crate::error::{Error, Result};
use crate::leads::NAME_SQL;
use crate::model::Stage;
use crate::scoring::explain::{explain, ScoreExplanation};
use crate::time::to_rfc3339;

/// Largest number of timeline entries the panel reads; older ones are left out.
pub const MAX_TIMELINE: u32 = 300;
/// Largest number of other contacts listed in the buying group.
pub const MAX_GROUP: u32 = 50;

/// The fields a person can edit, for the lead and its account.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct LeadFields {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub job_title: Option<String>,
    /// Role in the buying group as stored; null means "inferred from the job title".
    pub buying_role: Option<BuyingRole>,
    /// Account (company) name; an empty name detaches the lead from its account.
    pub company: Option<String>,
    pub domain: Option<String>,
    pub industry: Option<String>,
    pub size_band: Option<String>,
    /// ISO 3166-1 alpha-2 country code of the account.
    pub country: Option<String>,
}

/// Another contact at the lead's account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct GroupContact {
    #[ts(type = "number")]
    pub id: i64,
    pub title: String,
    pub job_title: Option<String>,
    pub role: BuyingRole,
    /// True when the role comes from the job title, not from a person.
    pub role_inferred: bool,
    pub stage: Stage,
    pub score: f64,
}

/// Kind of a timeline entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum TimelineKind {
    StageChange,
    /// A call, meeting, e-mail or note logged by a person.
    Activity,
    /// Any other event, such as a page view or a form submission.
    Event,
    /// A nurture touchpoint: an e-mail, task or notification of a sequence.
    Nurture,
}

/// One entry of a lead's timeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct TimelineEntry {
    pub kind: TimelineKind,
    /// UTC, RFC 3339.
    pub at: String,
    /// Event type (`call`, `page_view`), outbox kind (`email`) or stage-change reason.
    pub label: String,
    pub from_stage: Option<Stage>,
    pub to_stage: Option<Stage>,
    /// Person or process that made the change or logged the activity.
    pub actor: Option<String>,
    pub outcome: Option<String>,
    /// Note, activity text, page or e-mail subject.
    pub text: Option<String>,
}

/// Everything the detail panel shows about one lead.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct LeadDetail {
    #[ts(type = "number")]
    pub id: i64,
    /// The lead's name, else its company, else its external id.
    pub title: String,
    pub external_id: Option<String>,
    pub fields: LeadFields,
    /// Role shown in the panel: the stored one, else the inferred one.
    pub role: BuyingRole,
    pub stage: Stage,
    pub pinned: bool,
    /// Stored score, as the board shows it. The explanation's score is
    /// computed for now and differs when decay has lowered it since the
    /// last recalculation.
    pub score: f64,
    pub owner: Option<String>,
    pub channel: Option<String>,
    pub campaign: Option<String>,
    /// UTC, RFC 3339.
    pub created_at: String,
    pub stage_changed_at: String,
    pub buying_group: Vec<GroupContact>,
    pub timeline: Vec<TimelineEntry>,
    pub explanation: ScoreExplanation,
}

/// Reads the detail of `lead_id` at time `now`. Fails with not found when
/// the lead does not exist or its personal data was erased.
pub fn lead_detail(conn: &Connection, lead_id: i64, now: i64) -> Result<LeadDetail> {
    let sql = format!(
        "SELECT {title}, l.external_id,
                l.first_name, l.last_name, l.email, l.phone, l.job_title, l.buying_role,
                a.name, a.domain, a.industry, a.size_band, a.country,
                l.stage, l.pinned, l.owner, l.source, c.name, l.created_at, l.stage_changed_at,
                l.account_id, l.score
         FROM leads l
         LEFT JOIN accounts a ON a.id = l.account_id
         LEFT JOIN campaigns c ON c.id = l.campaign_id
         WHERE l.id = ?1 AND l.forgotten_at IS NULL",
        title = super::query::title_sql()
    );
    let found = conn
        .query_row(&sql, [lead_id], |row| {
            let fields = LeadFields {
                first_name: row.get(2)?,
                last_name: row.get(3)?,
                email: row.get(4)?,
                phone: row.get(5)?,
                job_title: row.get(6)?,
                buying_role: row.get(7)?,
                company: row.get(8)?,
                domain: row.get(9)?,
                industry: row.get(10)?,
                size_band: row.get(11)?,
                country: row.get(12)?,
            };
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, Option<String>>(1)?,
                fields,
                (row.get::<_, Stage>(13)?, row.get::<_, bool>(14)?),
                (row.get(15)?, row.get(16)?, row.get(17)?),
                (row.get::<_, i64>(18)?, row.get::<_, i64>(19)?),
                row.get::<_, Option<i64>>(20)?,
                row.get::<_, f64>(21)?,
            ))
        })
        .optional()?;
    let Some((title, external_id, fields, (stage, pinned), people, times, account, score)) = found
    else {
        return Err(Error::NotFound {
            what: "lead".to_owned(),
            id: lead_id.to_string(),
        });
    };
    let (owner, channel, campaign) = people;

    let role = fields
        .buying_role
        .unwrap_or_else(|| BuyingRole::infer(fields.job_title.as_deref()));
    Ok(LeadDetail {
        id: lead_id,
        title,
        external_id,
        role,
        stage,
        pinned,
        score,
        owner,
        channel,
        campaign,
        created_at: to_rfc3339(times.0),
        stage_changed_at: to_rfc3339(times.1),
        buying_group: match account {
            Some(account) => buying_group(conn, account, lead_id)?,
            None => Vec::new(),
        },
        timeline: timeline(conn, lead_id)?,
        explanation: explain(conn, lead_id, now)?,
        fields,
    })
}

/// Returns the other contacts at `account`, decision-makers first.
fn buying_group(conn: &Connection, account: i64, except: i64) -> Result<Vec<GroupContact>> {
    let sql = format!(
        "SELECT l.id, COALESCE({NAME_SQL}, l.email, '#' || l.id), l.job_title, l.buying_role, l.stage, l.score
         FROM leads l
         WHERE l.account_id = ?1 AND l.id <> ?2 AND l.forgotten_at IS NULL
         ORDER BY l.score DESC, l.id
         LIMIT {MAX_GROUP}"
    );
    let mut stmt = conn.prepare(&sql)?;
    let mut contacts = stmt
        .query_map([account, except], |row| {
            let job_title: Option<String> = row.get(2)?;
            let stored: Option<BuyingRole> = row.get(3)?;
            Ok(GroupContact {
                id: row.get(0)?,
                title: row.get(1)?,
                role: stored.unwrap_or_else(|| BuyingRole::infer(job_title.as_deref())),
                role_inferred: stored.is_none(),
                job_title,
                stage: row.get(4)?,
                score: row.get(5)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    contacts.sort_by_key(|contact| contact.role.rank());
    Ok(contacts)
}

/// Returns the lead's stage changes, events and nurture touchpoints, newest
/// first, at most [`MAX_TIMELINE`] entries.
fn timeline(conn: &Connection, lead_id: i64) -> Result<Vec<TimelineEntry>> {
    // One UNION in time order, so the limit keeps the newest entries of all
    // three sources together.
    let sql = format!(
        "SELECT 'stage_change', changed_at, reason, from_stage, to_stage, actor, NULL, note, id
         FROM stage_changes WHERE lead_id = ?1
         UNION ALL
         SELECT CASE WHEN type IN ('call', 'meeting', 'email', 'note') THEN 'activity' ELSE 'event' END,
                occurred_at, type, NULL, NULL,
                json_extract(properties, '$.actor'), json_extract(properties, '$.outcome'),
                COALESCE(json_extract(properties, '$.text'), json_extract(properties, '$.url'),
                         json_extract(properties, '$.page'), json_extract(properties, '$.subject')),
                id
         FROM events WHERE lead_id = ?1
         UNION ALL
         SELECT 'nurture', COALESCE(sent_at, due_at), kind, NULL, NULL, NULL, status, subject, id
         FROM nurture_outbox WHERE lead_id = ?1
         ORDER BY 2 DESC, 9 DESC
         LIMIT {MAX_TIMELINE}"
    );
    let mut stmt = conn.prepare(&sql)?;
    let entries = stmt
        .query_map([lead_id], |row| {
            let kind = match row.get::<_, String>(0)?.as_str() {
                "stage_change" => TimelineKind::StageChange,
                "activity" => TimelineKind::Activity,
                "nurture" => TimelineKind::Nurture,
                _ => TimelineKind::Event,
            };
            Ok(TimelineEntry {
                kind,
                at: to_rfc3339(row.get(1)?),
                label: row.get(2)?,
                from_stage: row.get(3)?,
                to_stage: row.get(4)?,
                actor: text_of(row.get_ref(5)?),
                outcome: text_of(row.get_ref(6)?),
                text: text_of(row.get_ref(7)?),
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(entries)
}

/// Reads a JSON-extracted value as text; numbers become their decimal form.
fn text_of(value: rusqlite::types::ValueRef<'_>) -> Option<String> {
    use rusqlite::types::ValueRef;
    match value {
        ValueRef::Text(bytes) => Some(String::from_utf8_lossy(bytes).into_owned()),
        ValueRef::Integer(number) => Some(number.to_string()),
        ValueRef::Real(number) => Some(number.to_string()),
        ValueRef::Null | ValueRef::Blob(_) => None,
    }
}
