//! Nurture part of the demo data: the four presets as active sequences and
//! leads enrolled from the last days of demo history. The enrolments are run
//! up to the end of the history, so they are at various steps. A run a few
//! days later then has waits ending, conditions timing out and e-mails to
//! send.

use rusqlite::{params, Connection};

use super::enrol::{enrol_lead, on_event, on_stage_change};
use super::presets::presets;
use super::scheduler::advance_all_in;
use super::store::insert_sequence;
use crate::error::Result;
use crate::model::Stage;
use crate::settings::Language;

/// Days of demo history replayed into enrolments.
const ENROL_DAYS: i64 = 10;

/// Counts of the rows [`seed`] wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DemoNurture {
    pub sequences: u32,
    pub enrolments: u32,
}

/// Saves the presets and enrols demo leads inside the demo transaction.
/// The same history and `until` give the same enrolments.
pub fn seed(conn: &Connection, until: i64) -> Result<DemoNurture> {
    let mut result = DemoNurture::default();
    let created_at = until - 30 * 86_400;
    let mut cooling_sequence = None;
    for preset in presets(Language::En) {
        let id = insert_sequence(conn, &preset.draft, created_at)?;
        if preset.key == "cooling_mql" {
            cooling_sequence = Some((id, preset.draft));
        }
        result.sequences += 1;
    }

    // Behaviour and stage changes of the last days, in time order, go through
    // the same hooks that live events and stage changes use.
    let from = until - ENROL_DAYS * 86_400;
    let mut stmt = conn.prepare(
        "SELECT lead_id, type, properties, occurred_at, NULL FROM events
         WHERE occurred_at > ?1 AND occurred_at <= ?2
         UNION ALL
         SELECT lead_id, NULL, NULL, changed_at, to_stage FROM stage_changes
         WHERE changed_at > ?1 AND changed_at <= ?2
         ORDER BY 4, 1",
    )?;
    let rows = stmt.query_map(params![from, until], |row| {
        Ok((
            row.get::<_, i64>(0)?,
            row.get::<_, Option<String>>(1)?,
            row.get::<_, Option<String>>(2)?,
            row.get::<_, i64>(3)?,
            row.get::<_, Option<Stage>>(4)?,
        ))
    })?;
    for row in rows {
        let (lead_id, event_type, properties, at, stage) = row?;
        let changes = match (event_type, stage) {
            (Some(event_type), _) => on_event(
                conn,
                lead_id,
                &event_type,
                properties.as_deref().unwrap_or("{}"),
                at,
            )?,
            (None, Some(stage)) => on_stage_change(conn, lead_id, stage, at)?,
            (None, None) => continue,
        };
        result.enrolments += changes.enrolled;
    }

    // Cooling MQLs are enrolled by hand: every fifth MQL or warm lead whose
    // stage is over a month old, spread over the last week.
    if let Some((sequence_id, draft)) = cooling_sequence {
        let mut stmt = conn.prepare(
            "SELECT id FROM leads WHERE stage IN ('mql', 'warm') AND stage_changed_at < ?1
             ORDER BY id",
        )?;
        let leads: Vec<i64> = stmt
            .query_map([until - 30 * 86_400], |row| row.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        for (index, lead_id) in leads.iter().enumerate().filter(|(i, _)| i % 5 == 0) {
            let at = until - (index as i64 % 7 + 1) * 86_400 + 9 * 3_600;
            result.enrolments += u32::from(enrol_lead(conn, sequence_id, &draft, *lead_id, at)?);
        }
    }

    advance_all_in(conn, until)?;
    Ok(result)
}
