//! Saving scoring rules: add, edit, enable or disable, reorder, delete,
//! import and export. Every change is logged with its time. A database
//! whose rules were never edited scores with the default rule set, which is
//! written to the table on the first change.

use rusqlite::{params, Connection, OptionalExtension, Transaction};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::defaults::{default_rule_key, default_rules};
use super::rules::{
    issue_error, validate, validate_all, Rule, RuleBody, RuleIssue, RuleSet, RULE_SET_VERSION,
};
use crate::error::{Error, Result};
use crate::time::to_rfc3339;
use crate::Database;

/// One saved change to the rules.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct RuleChange {
    /// Rule the change applies to; null for changes to the whole set.
    #[ts(type = "number | null")]
    pub rule_id: Option<i64>,
    /// One of seed, add, edit, enable, disable, reorder, delete, import.
    pub action: String,
    pub before: Option<Rule>,
    pub after: Option<Rule>,
    /// Time of the change in UTC, RFC 3339.
    pub changed_at: String,
}

/// Returns the rules in scoring order: the saved ones, or the default rule
/// set (without ids) when the rules were never changed.
pub fn list_rules(conn: &Connection) -> Result<Vec<Rule>> {
    if !is_seeded(conn)? {
        return Ok(default_rules());
    }
    let mut stmt = conn
        .prepare("SELECT id, name, enabled, definition FROM scoring_rules ORDER BY position, id")?;
    let rows = stmt.query_map([], |row| {
        Ok((
            row.get::<_, i64>(0)?,
            row.get::<_, String>(1)?,
            row.get::<_, bool>(2)?,
            row.get::<_, String>(3)?,
        ))
    })?;
    let mut rules = Vec::new();
    for row in rows {
        let (id, name, enabled, definition) = row?;
        let body: RuleBody = serde_json::from_str(&definition).map_err(|error| {
            Error::invalid(
                "saved scoring rule",
                name.clone(),
                format!("its stored definition cannot be read ({error}); edit or delete the rule"),
            )
        })?;
        rules.push(Rule {
            id: Some(id),
            key: default_rule_key(&name).map(str::to_owned),
            name,
            enabled,
            body,
        });
    }
    Ok(rules)
}

/// Returns the rules with their ids, writing the default set first if the
/// rules were never changed, so the editor can refer to every rule by id.
pub fn rules_for_editing(db: &mut Database, now: i64) -> Result<Vec<Rule>> {
    if !is_seeded(db.conn())? {
        let tx = db.write()?;
        seed(&tx, now)?;
        tx.commit()?;
    }
    list_rules(db.conn())
}

fn is_seeded(conn: &Connection) -> Result<bool> {
    Ok(conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM scoring_rule_changes) OR EXISTS (SELECT 1 FROM scoring_rules)",
        [],
        |row| row.get(0),
    )?)
}

fn seed(tx: &Transaction<'_>, now: i64) -> Result<()> {
    if is_seeded(tx)? {
        return Ok(());
    }
    for rule in default_rules() {
        insert(tx, &rule, now)?;
    }
    log(tx, None, "seed", None, None, now)
}

fn insert(tx: &Transaction<'_>, rule: &Rule, now: i64) -> Result<i64> {
    tx.execute(
        "INSERT INTO scoring_rules (position, name, kind, enabled, definition, created_at, updated_at)
         VALUES ((SELECT COALESCE(MAX(position), 0) + 1 FROM scoring_rules), ?1, ?2, ?3, ?4, ?5, ?5)",
        params![
            rule.name.trim(),
            rule.body.kind().as_str(),
            rule.enabled,
            definition(rule),
            now
        ],
    )?;
    Ok(tx.last_insert_rowid())
}

fn definition(rule: &Rule) -> String {
    serde_json::to_string(&rule.body).unwrap_or_else(|_| "{}".to_owned())
}

fn log(
    tx: &Transaction<'_>,
    rule_id: Option<i64>,
    action: &str,
    before: Option<&Rule>,
    after: Option<&Rule>,
    now: i64,
) -> Result<()> {
    let text = |rule: Option<&Rule>| rule.and_then(|r| serde_json::to_string(r).ok());
    tx.execute(
        "INSERT INTO scoring_rule_changes (rule_id, action, before, after, changed_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![rule_id, action, text(before), text(after), now],
    )?;
    Ok(())
}

fn find(tx: &Transaction<'_>, id: i64) -> Result<Rule> {
    list_rules(tx)?
        .into_iter()
        .find(|rule| rule.id == Some(id))
        .ok_or_else(|| Error::NotFound {
            what: "scoring rule".to_owned(),
            id: id.to_string(),
        })
}

/// Adds a rule (no id) at the end of the list or replaces the saved rule
/// with the same id. Returns the rule as saved.
pub fn save_rule(db: &mut Database, rule: &Rule, now: i64) -> Result<Rule> {
    let tx = db.write()?;
    let saved = save_rule_in(&tx, rule, now)?;
    tx.commit()?;
    Ok(saved)
}

/// Does the work of [`save_rule`] inside `tx`.
pub(crate) fn save_rule_in(tx: &Transaction<'_>, rule: &Rule, now: i64) -> Result<Rule> {
    validate(rule)?;

    seed(tx, now)?;
    let same_name: Option<i64> = tx
        .query_row(
            "SELECT id FROM scoring_rules WHERE lower(name) = lower(?1) AND id IS NOT ?2",
            params![rule.name.trim(), rule.id],
            |row| row.get(0),
        )
        .optional()?;
    if same_name.is_some() {
        let issue = RuleIssue::SameName {
            name: rule.name.trim().to_owned(),
        };
        return Err(issue_error(rule, &issue));
    }

    let saved = match rule.id {
        None => {
            let id = insert(tx, rule, now)?;
            let saved = Rule {
                id: Some(id),
                name: rule.name.trim().to_owned(),
                key: default_rule_key(&rule.name).map(str::to_owned),
                ..rule.clone()
            };
            log(tx, Some(id), "add", None, Some(&saved), now)?;
            saved
        }
        Some(id) => {
            let before = find(tx, id)?;
            tx.execute(
                "UPDATE scoring_rules SET name = ?2, kind = ?3, enabled = ?4, definition = ?5, updated_at = ?6
                 WHERE id = ?1",
                params![
                    id,
                    rule.name.trim(),
                    rule.body.kind().as_str(),
                    rule.enabled,
                    definition(rule),
                    now
                ],
            )?;
            let saved = Rule {
                name: rule.name.trim().to_owned(),
                key: default_rule_key(&rule.name).map(str::to_owned),
                ..rule.clone()
            };
            log(tx, Some(id), "edit", Some(&before), Some(&saved), now)?;
            saved
        }
    };
    Ok(saved)
}

/// Enables or disables a rule; a disabled rule gives no points.
pub fn set_rule_enabled(db: &mut Database, id: i64, enabled: bool, now: i64) -> Result<()> {
    let tx = db.write()?;
    set_rule_enabled_in(&tx, id, enabled, now)?;
    tx.commit()?;
    Ok(())
}

/// Does the work of [`set_rule_enabled`] inside `tx`.
pub(crate) fn set_rule_enabled_in(
    tx: &Transaction<'_>,
    id: i64,
    enabled: bool,
    now: i64,
) -> Result<()> {
    seed(tx, now)?;
    let before = find(tx, id)?;
    tx.execute(
        "UPDATE scoring_rules SET enabled = ?2, updated_at = ?3 WHERE id = ?1",
        params![id, enabled, now],
    )?;
    let after = Rule {
        enabled,
        ..before.clone()
    };
    let action = if enabled { "enable" } else { "disable" };
    log(tx, Some(id), action, Some(&before), Some(&after), now)
}

/// Puts the rules in the order of `ids`, which must list every rule once.
pub fn reorder_rules(db: &mut Database, ids: &[i64], now: i64) -> Result<()> {
    let tx = db.write()?;
    reorder_rules_in(&tx, ids, now)?;
    tx.commit()?;
    Ok(())
}

/// Does the work of [`reorder_rules`] inside `tx`.
pub(crate) fn reorder_rules_in(tx: &Transaction<'_>, ids: &[i64], now: i64) -> Result<()> {
    seed(tx, now)?;
    let mut saved: Vec<i64> = list_rules(tx)?.iter().filter_map(|r| r.id).collect();
    let mut wanted = ids.to_vec();
    saved.sort_unstable();
    wanted.sort_unstable();
    if saved != wanted {
        return Err(Error::invalid(
            "rule order",
            format!("{ids:?}"),
            "list the id of every rule exactly once",
        ));
    }
    for (position, id) in ids.iter().enumerate() {
        tx.execute(
            "UPDATE scoring_rules SET position = ?2, updated_at = ?3 WHERE id = ?1",
            params![id, position as i64 + 1, now],
        )?;
    }
    log(tx, None, "reorder", None, None, now)
}

/// Deletes a rule; its change log is kept.
pub fn delete_rule(db: &mut Database, id: i64, now: i64) -> Result<()> {
    let tx = db.write()?;
    delete_rule_in(&tx, id, now)?;
    tx.commit()?;
    Ok(())
}

/// Does the work of [`delete_rule`] inside `tx`.
pub(crate) fn delete_rule_in(tx: &Transaction<'_>, id: i64, now: i64) -> Result<()> {
    seed(tx, now)?;
    let before = find(tx, id)?;
    tx.execute("DELETE FROM scoring_rules WHERE id = ?1", [id])?;
    log(tx, Some(id), "delete", Some(&before), None, now)
}

/// Returns the latest `limit` rule changes, newest first.
pub fn rule_history(conn: &Connection, limit: u32) -> Result<Vec<RuleChange>> {
    let mut stmt = conn.prepare(
        "SELECT rule_id, action, before, after, changed_at FROM scoring_rule_changes
         ORDER BY id DESC LIMIT ?1",
    )?;
    let parse = |text: Option<String>| text.and_then(|t| serde_json::from_str(&t).ok());
    let rows = stmt.query_map([limit], |row| {
        Ok(RuleChange {
            rule_id: row.get(0)?,
            action: row.get(1)?,
            before: parse(row.get(2)?),
            after: parse(row.get(3)?),
            changed_at: to_rfc3339(row.get(4)?),
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// Returns the rules as a file-ready rule set.
pub fn export_rules(conn: &Connection) -> Result<RuleSet> {
    Ok(RuleSet {
        version: RULE_SET_VERSION,
        rules: list_rules(conn)?,
    })
}

/// Replaces all rules with `set`, in its order. The whole set is checked
/// first, so an invalid rule leaves the saved rules unchanged.
pub fn import_rules(db: &mut Database, set: &RuleSet, now: i64) -> Result<usize> {
    validate_all(&set.rules)?;

    let tx = db.write()?;
    seed(&tx, now)?;
    tx.execute("DELETE FROM scoring_rules", [])?;
    for rule in &set.rules {
        insert(&tx, rule, now)?;
    }
    log(&tx, None, "import", None, None, now)?;
    tx.commit()?;
    tracing::info!(rules = set.rules.len(), "scoring rules imported");
    Ok(set.rules.len())
}
