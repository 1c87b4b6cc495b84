//! The `score`, `thresholds` and `rules` commands of the `leadbench` tool.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use serde_json::json;

use super::recompute::RecomputeSummary;
use super::rules::parse_rule_set;
use super::stages::{apply_thresholds, current_thresholds, MovedCounts, Thresholds};
use super::{explain, recompute, store};
use crate::error::{Error, Result};
use crate::Database;

/// Subcommands of `leadbench score`.
#[derive(Debug, Subcommand)]
pub enum ScoreCommand {
    /// Score every lead again from the rules and events, and move leads forward.
    Recompute,
    /// Show how a lead's score adds up, rule by rule.
    Explain {
        /// Lead id or e-mail address.
        #[arg(value_name = "LEAD_ID_OR_EMAIL")]
        lead: String,
    },
}

/// Options of `leadbench thresholds`.
#[derive(Debug, Args)]
pub struct ThresholdArgs {
    /// Score at which a lead becomes MQL (points).
    #[arg(long, allow_hyphen_values = true)]
    mql: Option<String>,
    /// Score at which a lead becomes Warm (points).
    #[arg(long, allow_hyphen_values = true)]
    warm: Option<String>,
    /// Score at which a lead becomes SQL (points).
    #[arg(long, allow_hyphen_values = true)]
    sql: Option<String>,
}

/// Subcommands of `leadbench rules`.
#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// Write the scoring rules to a JSON file.
    Export {
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
    /// Replace the scoring rules with those in a JSON file, then score every lead again.
    Import {
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
}

fn moved_json(moved: &MovedCounts) -> serde_json::Value {
    json!({ "mql": moved.mql, "warm": moved.warm, "sql": moved.sql })
}

fn summary_json(summary: &RecomputeSummary) -> serde_json::Value {
    json!({
        "leads": summary.leads,
        "changed": summary.changed,
        "moved": moved_json(&summary.moved),
    })
}

fn summary_text(summary: &RecomputeSummary) -> String {
    let moved = &summary.moved;
    let mut text = format!(
        "Scored {} leads, {} changed; moved to MQL {}, Warm {}, SQL {}",
        summary.leads, summary.changed, moved.mql, moved.warm, moved.sql
    );
    if summary.disqualified > 0 {
        text.push_str(&format!(
            "; {} disqualified by a rule",
            summary.disqualified
        ));
    }
    text
}

/// Runs `leadbench score ...`.
pub fn run_score(db: &mut Database, command: ScoreCommand, json: bool) -> Result<String> {
    let now = crate::time::now();
    match command {
        ScoreCommand::Recompute => {
            let summary = recompute(db, now)?;
            Ok(if json {
                summary_json(&summary).to_string()
            } else {
                summary_text(&summary)
            })
        }
        ScoreCommand::Explain { lead } => {
            let id = explain::find_lead(db.conn(), &lead)?;
            let explanation = explain::explain(db.conn(), id, now)?;
            if json {
                let rules: Vec<_> = explanation
                    .rules
                    .iter()
                    .map(|part| {
                        json!({
                            "rule": part.rule,
                            "kind": part.kind.as_str(),
                            "events": part.events,
                            "points": part.points,
                        })
                    })
                    .collect();
                return Ok(json!({
                    "lead": explanation.lead,
                    "score": explanation.score,
                    "fit": explanation.fit,
                    "behaviour": explanation.behaviour,
                    "rules": rules,
                })
                .to_string());
            }
            let mut text = format!(
                "Lead {}: score {} (fit {}, behaviour {}), stage {}{}\n",
                explanation.lead,
                explanation.score,
                explanation.fit,
                explanation.behaviour,
                explanation.stage,
                if explanation.pinned { ", pinned" } else { "" }
            );
            if let Some(rule) = &explanation.disqualified_by {
                text.push_str(&format!("Disqualified by rule: {rule}\n"));
            }
            for part in &explanation.rules {
                let events = if part.events > 0 {
                    let noun = if part.events == 1 { "event" } else { "events" };
                    format!(" from {} {noun}", part.events)
                } else {
                    String::new()
                };
                let capped = if part.capped { " (capped)" } else { "" };
                text.push_str(&format!(
                    "{:>8}  {} [{}]{events}{capped}\n",
                    part.points,
                    part.rule,
                    part.kind.as_str()
                ));
            }
            Ok(text.trim_end().to_owned())
        }
    }
}

/// Runs `leadbench thresholds`: prints the thresholds, or applies new ones
/// when any value is given (missing values keep their saved value).
pub fn run_thresholds(db: &mut Database, args: ThresholdArgs, json: bool) -> Result<String> {
    let saved = current_thresholds(db.conn())?;
    if args.mql.is_none() && args.warm.is_none() && args.sql.is_none() {
        return Ok(if json {
            serde_json::to_string(&saved).unwrap_or_default()
        } else {
            format!("MQL {}, Warm {}, SQL {}", saved.mql, saved.warm, saved.sql)
        });
    }

    let text = |value: Option<String>, saved: f64| value.unwrap_or_else(|| saved.to_string());
    let requested = Thresholds::parse(
        &text(args.mql, saved.mql),
        &text(args.warm, saved.warm),
        &text(args.sql, saved.sql),
    )?;
    let applied = apply_thresholds(db, requested, crate::time::now())?;
    let new = applied.thresholds;
    Ok(if json {
        json!({
            "mql": new.mql,
            "warm": new.warm,
            "sql": new.sql,
            "previous": applied.previous,
            "moved": moved_json(&applied.moved),
        })
        .to_string()
    } else {
        format!(
            "MQL {}, Warm {}, SQL {} (were {}, {}, {}); moved to MQL {}, Warm {}, SQL {}",
            new.mql,
            new.warm,
            new.sql,
            applied.previous.mql,
            applied.previous.warm,
            applied.previous.sql,
            applied.moved.mql,
            applied.moved.warm,
            applied.moved.sql
        )
    })
}

/// Runs `leadbench rules export|import`.
pub fn run_rules(db: &mut Database, command: RulesCommand, json: bool) -> Result<String> {
    let io_error = |path: &PathBuf| {
        let path = path.clone();
        move |source| Error::Io { path, source }
    };
    match command {
        RulesCommand::Export { file } => {
            let set = store::export_rules(db.conn())?;
            let text = serde_json::to_string_pretty(&set).unwrap_or_default();
            std::fs::write(&file, text + "\n").map_err(io_error(&file))?;
            Ok(if json {
                json!({ "rules": set.rules.len(), "file": file }).to_string()
            } else {
                format!("Wrote {} rules to {}", set.rules.len(), file.display())
            })
        }
        RulesCommand::Import { file } => {
            let text = std::fs::read_to_string(&file).map_err(io_error(&file))?;
            let set = parse_rule_set(&text)?;
            let now = crate::time::now();
            let count = store::import_rules(db, &set, now)?;
            let summary = recompute(db, now)?;
            Ok(if json {
                json!({ "rules": count, "rescored": summary_json(&summary) }).to_string()
            } else {
                format!(
                    "Imported {count} rules from {}. {}",
                    file.display(),
                    summary_text(&summary)
                )
            })
        }
    }
}
