//! The pipeline board: columns of lead cards per stage, manual stage moves
//! that pin the lead and write history, undo of those moves, the lead
//! detail panel, bulk actions and owners.
//!
//! A column is read one screen at a time (`LIMIT`/`OFFSET` on an indexed
//! order), so a stage with 20,000 leads costs the same to open as one with 20.
//! Leads whose personal data was erased ([`forget_leads`]) stay in the
//! database for the KPIs but never show on the board.

mod bulk;
mod config;
mod detail;
mod edit;
mod forget;
mod moves;
mod owners;
mod query;
mod roles;

pub use bulk::{move_leads, MAX_BULK};
pub use config::{load_config, save_config, BoardConfig};
pub use detail::{
    lead_detail, GroupContact, LeadDetail, LeadFields, TimelineEntry, TimelineKind, MAX_TIMELINE,
};
pub use edit::{
    assign_owner, log_activity, unpin, update_lead, ActivityKind, ActivityRequest,
    MAX_ACTIVITY_TEXT,
};
pub use forget::{forget_leads, ForgetSummary};
pub use moves::{move_lead, reorder_column, undo_move, undo_moves, MoveReceipt, MoveRequest};
pub(crate) use owners::SqlAssigner;
pub use owners::{
    add_owner, list_owners, load_assignment, rename_owner, save_assignment, set_owner_active,
    sync_owners, AssignMode, Assignment, ChannelOwner, Owner,
};
pub use query::{
    column, facets, snapshot, summary, BoardFacets, BoardFilter, BoardSnapshot, Card, CardSort,
    ColumnPage, ColumnQuery, ColumnSummary,
};
pub use roles::BuyingRole;

/// Event types a person logs when following up a lead; any of them after a
/// lead reached SQL counts as the follow-up for the SLA.
pub const FOLLOW_UP_EVENTS: [&str; 4] = ["call", "meeting", "email", "note"];
