//! Helpers shared by the scoring tests.
#![allow(dead_code)]

use leadbench::scoring::rules::{
    BehaviourRule, Condition, Decay, Field, Rule, RuleBody, RuleSet, Test, RULE_SET_VERSION,
};
use leadbench::scoring::{store, NewEvent};
use leadbench::Database;
use rusqlite::params;

/// Parses an RFC 3339 time into Unix seconds.
pub fn at(text: &str) -> i64 {
    leadbench::time::parse_instant("test time", text).unwrap()
}

/// Inserts an account and a lead with the given fields; returns the lead id.
pub fn insert_lead(
    db: &mut Database,
    email: &str,
    job_title: &str,
    company: &str,
    industry: &str,
    size_band: &str,
    created_at: i64,
) -> i64 {
    let tx = db.write().unwrap();
    tx.execute(
        "INSERT INTO accounts (name, industry, size_band, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![company, industry, size_band, created_at],
    )
    .unwrap();
    let account = tx.last_insert_rowid();
    tx.execute(
        "INSERT INTO leads (email, job_title, account_id, source, stage_changed_at, created_at, updated_at)
         VALUES (?1, ?2, ?3, 'webinar', ?4, ?4, ?4)",
        params![email, job_title, account, created_at],
    )
    .unwrap();
    let id = tx.last_insert_rowid();
    tx.commit().unwrap();
    id
}

/// Builds a new event.
pub fn event(lead_id: i64, event_type: &str, occurred_at: i64, external_id: &str) -> NewEvent {
    NewEvent {
        lead_id,
        event_type: event_type.to_owned(),
        occurred_at,
        properties: serde_json::Map::new(),
        source: Some("test".to_owned()),
        external_id: Some(external_id.to_owned()),
    }
}

/// Builds a fit rule.
pub fn fit_rule(name: &str, field: Field, test: Test, points: f64) -> Rule {
    Rule {
        id: None,
        name: name.to_owned(),
        key: None,
        enabled: true,
        body: RuleBody::Fit {
            condition: Condition {
                field,
                key: None,
                test,
            },
            points,
        },
    }
}

/// Builds a behaviour rule without filter or cap.
pub fn behaviour_rule(name: &str, event_type: &str, points: f64, decay: Decay) -> Rule {
    Rule {
        id: None,
        name: name.to_owned(),
        key: None,
        enabled: true,
        body: RuleBody::Behaviour(BehaviourRule {
            event_type: event_type.to_owned(),
            filter: None,
            points,
            cap: None,
            decay,
            once_per: None,
        }),
    }
}

/// Replaces the database's rules.
pub fn use_rules(db: &mut Database, rules: Vec<Rule>, now: i64) {
    let set = RuleSet {
        version: RULE_SET_VERSION,
        rules,
    };
    store::import_rules(db, &set, now).unwrap();
}

/// Returns (score, stage, pinned, cooling) of a lead.
pub fn lead_state(db: &Database, id: i64) -> (f64, String, bool, bool) {
    db.conn()
        .query_row(
            "SELECT score, stage, pinned, cooling FROM leads WHERE id = ?1",
            [id],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)),
        )
        .unwrap()
}

/// Returns a lead's stage history as (from, to, reason, changed_at).
pub fn history(db: &Database, id: i64) -> Vec<(Option<String>, String, String, i64)> {
    let mut stmt = db
        .conn()
        .prepare(
            "SELECT from_stage, to_stage, reason, changed_at FROM stage_changes
             WHERE lead_id = ?1 ORDER BY changed_at, id",
        )
        .unwrap();
    stmt.query_map([id], |row| {
        Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
    })
    .unwrap()
    .map(Result::unwrap)
    .collect()
}
