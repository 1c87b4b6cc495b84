//! Writing activity rows: behaviour events of existing leads.
//!
//! Event types are mapped onto the scoring engine's types by name. Other
//! types are kept as written (lowercase, words joined by `_`) and listed in
//! the report. Columns without a field become event properties.
//!
//! An event is stored once per external id: a row whose event id is
//! already stored is skipped. A row without an event id gets one made from
//! the lead, type, time and properties, so importing the same file twice
//! never counts an event twice.

use std::collections::BTreeMap;

use rusqlite::{params, Transaction};

use super::leads::{read_key, LeadFinder};
use super::mapping::Field;
use super::plan::{Context, Row};
use super::{ImportReport, RowProblem, RowWriter, UnknownEventType};
use crate::error::Result;

/// Event types of the scoring engine, with other names seen in exports.
const EVENT_TYPES: &[(&str, &[&str])] = &[
    (
        "page_view",
        &[
            "pageview",
            "page",
            "visit",
            "web_visit",
            "website_visit",
            "paginabezoek",
        ],
    ),
    (
        "email_open",
        &[
            "email_opened",
            "opened_email",
            "open",
            "e_mail_open",
            "mail_geopend",
        ],
    ),
    (
        "email_click",
        &[
            "email_clicked",
            "clicked_email",
            "click",
            "link_click",
            "e_mail_click",
        ],
    ),
    (
        "whitepaper_download",
        &[
            "download",
            "whitepaper",
            "ebook_download",
            "content_download",
        ],
    ),
    (
        "pricing_page_visit",
        &["pricing_page", "pricing_visit", "pricing", "prijzen"],
    ),
    (
        "webinar_registration",
        &[
            "webinar_registered",
            "registered_for_webinar",
            "webinar_signup",
        ],
    ),
    (
        "webinar_attended",
        &["webinar_attendance", "attended_webinar"],
    ),
    (
        "form_submitted",
        &["form_submission", "form_submit", "form_fill", "formulier"],
    ),
    (
        "demo_request",
        &["demo_requested", "requested_demo", "demo", "demo_aanvraag"],
    ),
];

/// Normalises an event type: lowercase, words joined by `_`, known
/// synonyms replaced by the scoring engine's name. Returns the name and
/// whether it is one of the scoring engine's types.
pub fn normalize_event_type(text: &str) -> (String, bool) {
    let name = super::mapping::normalize_header(text).replace(['-', ' '], "_");
    for (known, synonyms) in EVENT_TYPES {
        if name == *known || synonyms.contains(&name.as_str()) {
            return ((*known).to_owned(), true);
        }
    }
    (name, false)
}

/// 64-bit FNV-1a: a fixed hash, so made-up event ids stay the same across
/// Rust versions (the standard library's hasher may change).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

pub(super) struct ActivityWriter<'a, 't> {
    ctx: Context<'a>,
    finder: LeadFinder<'t>,
    unknown: BTreeMap<String, u64>,
    /// Leads that received an event.
    changed: Vec<i64>,
}

impl<'a, 't> ActivityWriter<'a, 't> {
    pub fn new(tx: &'t Transaction<'_>, ctx: Context<'a>) -> Result<Self> {
        Ok(ActivityWriter {
            ctx,
            finder: LeadFinder::new(tx)?,
            unknown: BTreeMap::new(),
            changed: Vec::new(),
        })
    }
}

impl RowWriter for ActivityWriter<'_, '_> {
    fn changed_leads(&self) -> (Option<i64>, Vec<i64>) {
        (None, self.changed.clone())
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
        let Some(raw_type) = row.text(Field::EventType) else {
            report.reject(
                row.line,
                row.header(Field::EventType),
                "",
                RowProblem::MissingEventType,
                "the event type is empty",
            );
            return Ok(());
        };
        let occurred_at = match row.date(Field::OccurredAt) {
            Some(Ok(at)) => at,
            Some(Err(reason)) => {
                let raw = row.text(Field::OccurredAt).unwrap_or_default();
                report.reject(
                    row.line,
                    row.header(Field::OccurredAt),
                    raw,
                    RowProblem::InvalidDate,
                    reason,
                );
                return Ok(());
            }
            None => {
                report.reject(
                    row.line,
                    row.header(Field::OccurredAt),
                    "",
                    RowProblem::MissingEventTime,
                    "the event time is empty",
                );
                return Ok(());
            }
        };
        let Some(lead) = self.finder.find(&key)? else {
            let field = if key.email.is_some() {
                Field::Email
            } else {
                Field::ExternalId
            };
            report.reject(
                row.line,
                row.header(field),
                &key.label(),
                RowProblem::LeadNotFound,
                "no lead has this e-mail address or external id; import the leads first",
            );
            return Ok(());
        };

        let (event_type, known) = normalize_event_type(raw_type);
        let properties = row.custom_json().unwrap_or_else(|| "{}".to_owned());
        let external_id = match row.text(Field::EventId) {
            Some(id) => id.to_owned(),
            None => {
                let content = format!("{event_type}\n{occurred_at}\n{properties}");
                format!("import:{}:{:016x}", lead.id, fnv1a(content.as_bytes()))
            }
        };
        let inserted = tx
            .prepare_cached(
                "INSERT INTO events (lead_id, type, occurred_at, properties, source, external_id, import_id)
                 VALUES (?1, ?2, ?3, ?4, 'import', ?5, ?6)
                 ON CONFLICT (external_id) DO NOTHING",
            )?
            .execute(params![lead.id, event_type, occurred_at, properties, external_id, self.ctx.import_id])?;
        if inserted == 0 {
            report.skipped += 1;
            return Ok(());
        }
        if !known {
            *self.unknown.entry(event_type).or_default() += 1;
        }
        if self.changed.last() != Some(&lead.id) {
            self.changed.push(lead.id);
        }
        report.created += 1;
        Ok(())
    }

    fn finish(&mut self, _tx: &Transaction<'_>, report: &mut ImportReport) -> Result<()> {
        report.unknown_event_types = std::mem::take(&mut self.unknown)
            .into_iter()
            .map(|(name, rows)| UnknownEventType { name, rows })
            .collect();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_types_mapped_to_scoring_names() {
        assert_eq!(
            normalize_event_type("Page View"),
            ("page_view".to_owned(), true)
        );
        assert_eq!(
            normalize_event_type("email-clicked"),
            ("email_click".to_owned(), true)
        );
        assert_eq!(
            normalize_event_type("Demo Request"),
            ("demo_request".to_owned(), true)
        );
        assert_eq!(
            normalize_event_type("Booth Scan"),
            ("booth_scan".to_owned(), false)
        );
    }
}
