//! Changes a person makes from the lead panel: editing fields, logging a
//! call, meeting, e-mail or note, assigning an owner and unpinning. Each
//! change is one transaction that also re-scores the lead, so its score and
//! stage match its new fields and events at once.

use rusqlite::{params, OptionalExtension, Transaction};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::detail::LeadFields;
use crate::error::{Error, Result};
use crate::model::Stage;
use crate::scoring::recompute::rescore_in;
use crate::Database;

/// Longest accepted text of a logged activity, in characters.
pub const MAX_ACTIVITY_TEXT: usize = 5_000;
/// Longest accepted name or other short field, in characters.
const MAX_FIELD: usize = 200;

/// Kind of activity a person logs on a lead. Each becomes an event of the
/// same name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ActivityKind {
    Call,
    Meeting,
    Email,
    Note,
}

impl ActivityKind {
    /// Returns the event type stored for this activity.
    pub fn event_type(self) -> &'static str {
        match self {
            ActivityKind::Call => "call",
            ActivityKind::Meeting => "meeting",
            ActivityKind::Email => "email",
            ActivityKind::Note => "note",
        }
    }
}

/// A call, meeting, e-mail or note to log on a lead.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ActivityRequest {
    #[ts(type = "number")]
    pub lead_id: i64,
    pub kind: ActivityKind,
    /// Moment it happened (`YYYY-MM-DD` or RFC 3339), or now when missing.
    pub occurred_at: Option<String>,
    /// Short result, such as "connected" or "no answer".
    pub outcome: Option<String>,
    pub text: String,
    /// Name of the person logging it.
    pub actor: String,
}

/// Validates and stores `fields` on the lead and its account, then
/// re-scores the lead. A company name without an account creates one, and
/// an empty company name detaches the lead from its account. Account fields
/// are shared by every contact at that account.
pub fn update_lead(db: &mut Database, lead_id: i64, fields: &LeadFields, now: i64) -> Result<()> {
    let fields = clean_fields(fields)?;

    let tx = db.write()?;
    let account = live_lead_account(&tx, lead_id)?;
    tx.execute(
        "UPDATE leads SET first_name = ?2, last_name = ?3, email = ?4, phone = ?5, job_title = ?6,
                          buying_role = ?7, updated_at = ?8
         WHERE id = ?1",
        params![
            lead_id,
            fields.first_name,
            fields.last_name,
            fields.email,
            fields.phone,
            fields.job_title,
            fields.buying_role,
            now
        ],
    )?;
    match (account, &fields.company) {
        (_, None) => {
            tx.execute(
                "UPDATE leads SET account_id = NULL WHERE id = ?1",
                [lead_id],
            )?;
        }
        (Some(account), Some(name)) => {
            tx.execute(
                "UPDATE accounts SET name = ?2, domain = ?3, industry = ?4, size_band = ?5, country = ?6
                 WHERE id = ?1",
                params![
                    account,
                    name,
                    fields.domain,
                    fields.industry,
                    fields.size_band,
                    fields.country
                ],
            )?;
        }
        (None, Some(name)) => {
            tx.execute(
                "INSERT INTO accounts (name, domain, industry, size_band, country, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    name,
                    fields.domain,
                    fields.industry,
                    fields.size_band,
                    fields.country,
                    now
                ],
            )?;
            let created = tx.last_insert_rowid();
            tx.execute(
                "UPDATE leads SET account_id = ?2 WHERE id = ?1",
                params![lead_id, created],
            )?;
        }
    }
    rescore_in(&tx, &[lead_id], now)?;
    tx.commit()?;
    Ok(())
}

/// Trims every field, turns empty ones into `None` and checks the e-mail
/// address, phone number, country code and lengths.
fn clean_fields(fields: &LeadFields) -> Result<LeadFields> {
    let clean = |name: &str, value: &Option<String>| -> Result<Option<String>> {
        let value = value
            .as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned);
        if let Some(text) = &value {
            if text.chars().count() > MAX_FIELD {
                return Err(Error::invalid(
                    name,
                    text.chars().take(40).collect::<String>() + "…",
                    format!("shorten it to at most {MAX_FIELD} characters"),
                ));
            }
        }
        Ok(value)
    };
    let mut cleaned = LeadFields {
        first_name: clean("first name", &fields.first_name)?,
        last_name: clean("last name", &fields.last_name)?,
        email: clean("e-mail", &fields.email)?.map(|e| e.to_lowercase()),
        phone: clean("phone", &fields.phone)?,
        job_title: clean("job title", &fields.job_title)?,
        buying_role: fields.buying_role,
        company: clean("company", &fields.company)?,
        domain: clean("domain", &fields.domain)?.map(|d| d.to_lowercase()),
        industry: clean("industry", &fields.industry)?,
        size_band: clean("company size", &fields.size_band)?,
        country: clean("country", &fields.country)?.map(|c| c.to_uppercase()),
    };
    if let Some(email) = &cleaned.email {
        check_email(email)?;
    }
    if let Some(phone) = &cleaned.phone {
        check_phone(phone)?;
    }
    if let Some(country) = &cleaned.country {
        if country.len() != 2 || !country.chars().all(|c| c.is_ascii_alphabetic()) {
            return Err(Error::invalid(
                "country",
                country,
                "use a two-letter country code such as NL or BE",
            ));
        }
    }
    if let Some(domain) = &cleaned.domain {
        if domain.contains(['@', ' ', '/']) || !domain.contains('.') {
            return Err(Error::invalid(
                "domain",
                domain,
                "use a web domain such as example.nl, without https:// or a path",
            ));
        }
    }
    if cleaned.company.is_none() {
        cleaned.domain = None;
        cleaned.industry = None;
        cleaned.size_band = None;
        cleaned.country = None;
    }
    Ok(cleaned)
}

fn check_email(email: &str) -> Result<()> {
    let valid = match email.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !email.contains(char::is_whitespace)
        }
        None => false,
    };
    if valid {
        Ok(())
    } else {
        Err(Error::invalid(
            "e-mail",
            email,
            "use an address such as name@example.nl",
        ))
    }
}

fn check_phone(phone: &str) -> Result<()> {
    let allowed = phone
        .chars()
        .all(|c| c.is_ascii_digit() || " +-().".contains(c));
    let digits = phone.chars().filter(char::is_ascii_digit).count();
    if allowed && (6..=15).contains(&digits) && !phone[1..].contains('+') {
        Ok(())
    } else {
        Err(Error::invalid(
            "phone",
            phone,
            "use 6 to 15 digits, optionally starting with + and the country code, such as +31 20 123 4567",
        ))
    }
}

/// Returns the account of a lead that exists and was not erased.
pub(crate) fn live_lead_account(tx: &Transaction<'_>, lead_id: i64) -> Result<Option<i64>> {
    tx.query_row(
        "SELECT account_id FROM leads WHERE id = ?1 AND forgotten_at IS NULL",
        [lead_id],
        |row| row.get(0),
    )
    .optional()?
    .ok_or_else(|| Error::NotFound {
        what: "lead".to_owned(),
        id: lead_id.to_string(),
    })
}

/// Logs a call, meeting, e-mail or note as an event of the lead, runs the
/// nurture hooks and re-scores the lead, in one transaction. Returns the
/// new event's id. Any of these counts as the SQL follow-up.
pub fn log_activity(db: &mut Database, request: &ActivityRequest, now: i64) -> Result<i64> {
    let text = request.text.trim();
    if text.is_empty() && request.kind == ActivityKind::Note {
        return Err(Error::invalid(
            "note",
            "",
            "write the note before saving it",
        ));
    }
    if text.chars().count() > MAX_ACTIVITY_TEXT {
        return Err(Error::invalid(
            "activity text",
            format!("{} characters", text.chars().count()),
            format!("shorten it to at most {MAX_ACTIVITY_TEXT} characters"),
        ));
    }
    let occurred_at = match request.occurred_at.as_deref().map(str::trim) {
        Some(when) if !when.is_empty() => crate::time::parse_instant("activity date", when)?,
        _ => now,
    };
    if occurred_at > now + 86_400 {
        return Err(Error::invalid(
            "activity date",
            request.occurred_at.clone().unwrap_or_default(),
            "log what already happened: use today or an earlier date",
        ));
    }

    let mut properties = serde_json::Map::new();
    properties.insert("text".into(), text.into());
    if let Some(outcome) = request
        .outcome
        .as_deref()
        .map(str::trim)
        .filter(|o| !o.is_empty())
    {
        properties.insert("outcome".into(), outcome.into());
    }
    if !request.actor.trim().is_empty() {
        properties.insert("actor".into(), request.actor.trim().into());
    }
    let properties = serde_json::Value::Object(properties).to_string();

    let tx = db.write()?;
    live_lead_account(&tx, request.lead_id)?;
    let event_type = request.kind.event_type();
    tx.execute(
        "INSERT INTO events (lead_id, type, occurred_at, properties, source) VALUES (?1, ?2, ?3, ?4, 'manual')",
        params![request.lead_id, event_type, occurred_at, properties],
    )?;
    let event_id = tx.last_insert_rowid();
    crate::nurture::enrol::on_event(&tx, request.lead_id, event_type, &properties, occurred_at)?;
    rescore_in(&tx, &[request.lead_id], now)?;
    tx.commit()?;
    Ok(event_id)
}

/// Sets the owner of every lead in `lead_ids` (`None` clears it) in one
/// transaction. A new name is added to the owners list. Fails without
/// writing when a lead is missing.
pub fn assign_owner(
    db: &mut Database,
    lead_ids: &[i64],
    owner: Option<&str>,
    now: i64,
) -> Result<u32> {
    let owner = owner.map(str::trim).filter(|o| !o.is_empty());
    if let Some(name) = owner.filter(|name| name.chars().count() > 80) {
        return Err(Error::invalid(
            "owner",
            name,
            "shorten the name to at most 80 characters",
        ));
    }

    let tx = db.write()?;
    if let Some(name) = owner {
        tx.execute(
            "INSERT INTO owners (name) VALUES (?1) ON CONFLICT (name) DO NOTHING",
            [name],
        )?;
    }
    let mut changed = 0;
    {
        let mut update = tx.prepare(
            "UPDATE leads SET owner = ?2, updated_at = ?3 WHERE id = ?1 AND forgotten_at IS NULL",
        )?;
        for id in lead_ids {
            if update.execute(params![id, owner, now])? == 0 {
                return Err(Error::NotFound {
                    what: "lead".to_owned(),
                    id: id.to_string(),
                });
            }
            changed += 1;
        }
    }
    tx.commit()?;
    Ok(changed)
}

/// Unpins a lead so scoring may move it again, and re-scores it at once.
/// Returns the stage the lead is in afterwards.
pub fn unpin(db: &mut Database, lead_id: i64, now: i64) -> Result<Stage> {
    let tx = db.write()?;
    live_lead_account(&tx, lead_id)?;
    tx.execute(
        "UPDATE leads SET pinned = 0, updated_at = ?2 WHERE id = ?1",
        params![lead_id, now],
    )?;
    rescore_in(&tx, &[lead_id], now)?;
    let stage = tx.query_row("SELECT stage FROM leads WHERE id = ?1", [lead_id], |row| {
        row.get(0)
    })?;
    tx.commit()?;
    Ok(stage)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_check_cases() {
        for good in ["a@b.nl", "first.last@sub.example.com"] {
            assert!(check_email(good).is_ok(), "{good}");
        }
        for bad in [
            "plain",
            "@example.nl",
            "a@b",
            "a@b.nl.",
            "a b@c.nl",
            "a@@b.nl",
        ] {
            assert!(check_email(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn phone_check_cases() {
        for good in ["+31 20 123 4567", "020-1234567", "(020) 123 45 67"] {
            assert!(check_phone(good).is_ok(), "{good}");
        }
        for bad in [
            "12345",
            "call me",
            "+31 20 + 1234567",
            "0123456789012345678",
        ] {
            assert!(check_phone(bad).is_err(), "{bad}");
        }
    }
}
