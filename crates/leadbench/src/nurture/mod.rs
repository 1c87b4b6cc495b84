//! Nurture sequences: behaviour-triggered follow-up that users design,
//! dry-run and run.
//!
//! Where things live:
//! - [`model`]: sequences, triggers, steps, enrolments, outbox rows.
//! - [`validate`] and [`template`]: checks before saving; merge fields.
//! - [`store`]: saving, editing and listing; the outbox and history.
//! - [`enrol`]: hooks that enrol leads inside the transaction of the event
//!   or stage change that triggers them.
//! - [`actions`]: enrolling by hand, removal, unsubscribes, events and stage
//!   moves, each in one transaction with its hooks.
//! - [`engine`]: what one step does, shared by the scheduler and the dry run.
//! - [`scheduler`]: [`run_due`], which runs due steps at most once each.
//! - [`mail`]: the outbox delivery loop, manual mode, the daily cap and
//!   retries. [`smtp`]: the SMTP sender and the mail settings.
//! - [`clock`]: waits in the user's time zone.
//! - [`simulate`]: the dry run. [`presets`]: ready-made sequences.
//! - [`demo_data`]: the presets and enrolments in the demo database.
//! - [`today`]: the Today view, the catch-up counts and sequence figures.
//!
//! Using it from the app: [`run_due`] is synchronous (rusqlite and lettre
//! block), so a tokio task calls it through `spawn_blocking` with its own
//! [`crate::Database`], once at launch (report `RunSummary::late`) and then
//! every minute. Code that writes events, stage changes or scores in its
//! own transaction calls [`enrol::on_event`], [`enrol::on_stage_change`] or
//! [`enrol::on_score_change`] before committing.

pub mod actions;
pub mod cli;
pub mod clock;
pub mod demo_data;
pub mod engine;
pub mod enrol;
pub mod mail;
pub mod mailto;
pub mod model;
pub mod presets;
pub mod scheduler;
pub mod simulate;
pub mod smtp;
pub mod store;
pub mod template;
pub mod today;
pub mod validate;

pub use scheduler::{run_due, run_due_with, RunOptions};
