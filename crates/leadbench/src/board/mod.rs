//! The pipeline board: columns of lead cards per stage, manual stage moves
//! that pin the lead and write history, and undo of those moves.
//!
//! A column is read one screen at a time (`LIMIT`/`OFFSET` on an indexed
//! order), so a stage with 20,000 leads costs the same to open as one with 20.

mod config;
mod moves;
mod query;

pub use config::{load_config, save_config, BoardConfig};
pub use moves::{move_lead, reorder_column, undo_move, MoveReceipt, MoveRequest};
pub use query::{
    column, facets, summary, BoardFacets, BoardFilter, Card, CardSort, ColumnPage, ColumnQuery,
    ColumnSummary,
};

/// Event types a person logs when following up a lead; any of them after a
/// lead reached SQL counts as the follow-up for the SLA.
pub const FOLLOW_UP_EVENTS: [&str; 4] = ["call", "meeting", "email", "note"];
