//! Lead scoring: editable fit, behaviour and disqualifying rules, the score
//! as a pure function of rules, events and time, stages from MQL, Warm and
//! SQL thresholds, threshold previews and backtests, and explanations.
//!
//! Where things live:
//! - [`rules`]: the rule model and its validation; [`defaults`]: the default rule set.
//! - [`store`]: saving, ordering, importing and exporting rules, with a change log.
//! - [`engine`]: the pure score function; [`facts`]: the lead fields and event properties it compares.
//! - `load`: reading leads, accounts and events for the engine.
//! - [`recompute`]: writing scores after a rule change, an edit or new events.
//! - [`stages`]: thresholds, automatic forward moves, pinning and cooling.
//! - [`preview`]: histogram and stage counts for candidate thresholds.
//! - [`backtest`]: recall, precision and volume of candidate thresholds from real outcomes.
//! - [`cli`]: the `score`, `thresholds` and `rules` commands.
//! - [`chart`]: the histogram, backtest and score-over-time charts as SVG.
//! - [`explain`]: a lead's score broken down by rule, and its score over time.
//! - [`edit`]: rule changes from the Scoring screen, each followed by re-scoring.
//! - [`workbench`]: the Scoring screen's overview and threshold previews.

pub mod backtest;
pub mod chart;
pub mod cli;
pub mod defaults;
pub mod edit;
pub mod engine;
pub mod explain;
pub mod facts;
mod load;
pub mod preview;
pub mod recompute;
pub mod rules;
pub mod stages;
pub mod store;
pub mod workbench;

pub use recompute::{
    recompute, record_events, rescore, NewEvent, RecomputeSummary, RecordedEvents,
};
pub use rules::{Rule, RuleBody, RuleKind, RuleSet};
pub use stages::{apply_thresholds, current_thresholds, MovedCounts, Thresholds};
