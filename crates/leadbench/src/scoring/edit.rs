//! Rule changes made in the Scoring screen: each one is saved and every
//! lead is scored again in the same transaction, so the stored scores
//! never lag behind the rules.

use rusqlite::Connection;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::engine::CompiledRules;
use super::recompute::{recompute_in, with_large_cache, RecomputeSummary};
use super::rules::{check, Rule, RuleIssue};
use super::store::{
    delete_rule_in, list_rules, reorder_rules_in, save_rule_in, set_rule_enabled_in,
};
use crate::error::Result;
use crate::Database;

/// One change to the rules.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "action", rename_all = "snake_case")]
#[ts(export, rename = "ScoringRuleEdit")]
pub enum RuleEdit {
    /// Adds a rule without id, or replaces the saved rule with its id.
    Save { rule: Rule },
    SetEnabled {
        #[ts(type = "number")]
        id: i64,
        enabled: bool,
    },
    /// Puts the rules in this order; every rule id once.
    Reorder {
        #[ts(type = "number[]")]
        ids: Vec<i64>,
    },
    Delete {
        #[ts(type = "number")]
        id: i64,
    },
}

/// Result of [`edit_rules`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct RuleEditResult {
    /// The rule as saved, for a save.
    pub rule: Option<Rule>,
    /// Summary of scoring every lead again.
    pub rescored: RecomputeSummary,
}

/// Applies `edit` and scores every lead again at `now`, in one
/// transaction. An invalid rule or unknown id changes nothing.
pub fn edit_rules(db: &mut Database, edit: &RuleEdit, now: i64) -> Result<RuleEditResult> {
    let result = with_large_cache(db, |db| {
        let tx = db.write()?;
        let rule = match edit {
            RuleEdit::Save { rule } => Some(save_rule_in(&tx, rule, now)?),
            RuleEdit::SetEnabled { id, enabled } => {
                set_rule_enabled_in(&tx, *id, *enabled, now)?;
                None
            }
            RuleEdit::Reorder { ids } => {
                reorder_rules_in(&tx, ids, now)?;
                None
            }
            RuleEdit::Delete { id } => {
                delete_rule_in(&tx, *id, now)?;
                None
            }
        };
        let rules = CompiledRules::new(&list_rules(&tx)?);
        let rescored = recompute_in(&tx, &rules, now)?;
        tx.commit()?;
        Ok(RuleEditResult { rule, rescored })
    })?;
    tracing::info!(
        changed = result.rescored.changed,
        moved = result.rescored.moved.total(),
        "scoring rules edited and scores recomputed"
    );
    Ok(result)
}

/// Returns the first problem saving `rule` would meet, including a name
/// that another saved rule already has, or `None` when it can be saved.
pub fn check_rule(conn: &Connection, rule: &Rule) -> Result<Option<RuleIssue>> {
    if let Some(issue) = check(rule) {
        return Ok(Some(issue));
    }
    let name = rule.name.trim().to_lowercase();
    let clash = list_rules(conn)?
        .iter()
        .filter(|other| rule.id.is_none() || other.id != rule.id)
        .any(|other| other.name.trim().to_lowercase() == name);
    Ok(clash.then(|| RuleIssue::SameName {
        name: rule.name.trim().to_owned(),
    }))
}
