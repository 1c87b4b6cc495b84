//! Scheduler run over 100,000 enrolments of which 10,000 have a step due,
//! against a raw-SQLite baseline that does the same number of plain writes
//! (one outbox insert, one enrolment update and one history insert per due
//! step) in one transaction.
//!
//! Run with `cargo bench -p leadbench --bench nurture`. Target: the run
//! finishes in under 2 seconds.

use std::time::{Duration, Instant};

use leadbench::nurture::mail::ManualSender;
use leadbench::nurture::model::{
    Audience, Goal, ReEntry, SequenceDraft, SequenceStatus, Step, StepAction, Trigger, Wait,
    WaitUnit,
};
use leadbench::nurture::{run_due, store};
use leadbench::Database;
use rusqlite::{params, Connection};

const ENROLMENTS: i64 = 100_000;
const DUE: i64 = 10_000;
const TARGET: Duration = Duration::from_secs(2);
const NOW: i64 = 1_717_405_200; // 2024-06-03T09:00:00Z

fn sequence() -> SequenceDraft {
    SequenceDraft {
        name: "Benchmark".into(),
        status: SequenceStatus::Active,
        trigger: Trigger::Manual,
        audience: Audience::default(),
        steps: vec![
            Step {
                id: "hello".into(),
                action: StepAction::SendEmail {
                    subject: "Hello {{first_name}}".into(),
                    body: "Hi {{first_name|there}} at {{company|your company}}.".into(),
                },
            },
            Step {
                id: "wait".into(),
                action: StepAction::Wait {
                    wait: Wait::For {
                        amount: 1,
                        unit: WaitUnit::Days,
                        at: Some("09:00".into()),
                    },
                },
            },
            Step {
                id: "follow-up".into(),
                action: StepAction::SendEmail {
                    subject: "Following up".into(),
                    body: "Hi {{first_name}}.".into(),
                },
            },
        ],
        goal: Goal::default(),
        re_entry: ReEntry::Never,
    }
}

/// 100,000 leads, each enrolled once; the first 10,000 are due at `NOW`.
fn setup(db: &mut Database) {
    let sequence = store::create_sequence(db, &sequence(), NOW - 86_400)
        .unwrap()
        .id;
    let tx = db.write().unwrap();
    {
        let mut lead = tx
            .prepare(
                "INSERT INTO leads (id, email, first_name, last_name, stage, stage_changed_at,
                                    consent, created_at, updated_at)
                 VALUES (?1, ?2, 'Lead', ?3, 'mql', ?4, 1, ?4, ?4)",
            )
            .unwrap();
        let mut enrolment = tx
            .prepare(
                "INSERT INTO nurture_enrolments
                     (sequence_id, lead_id, state, step_index, next_due_at, step_started_at, enrolled_at)
                 VALUES (?1, ?2, 'active', 0, ?3, ?4, ?4)",
            )
            .unwrap();
        for id in 1..=ENROLMENTS {
            let enrolled = NOW - 3_600;
            let due = if id <= DUE {
                NOW - 60
            } else {
                NOW + 86_400 + id
            };
            lead.execute(params![
                id,
                format!("lead{id}@example.nl"),
                id.to_string(),
                enrolled
            ])
            .unwrap();
            enrolment
                .execute(params![sequence, id, due, enrolled])
                .unwrap();
        }
    }
    tx.commit().unwrap();
}

/// Times the scheduler's writes without its reads and checks: insert an
/// outbox row, update the enrolment and insert history, per due step.
fn baseline(path: &std::path::Path) -> Duration {
    let mut conn = Connection::open(path).unwrap();
    conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;")
        .unwrap();
    conn.execute_batch(
        "CREATE TABLE outbox (id INTEGER PRIMARY KEY, enrolment_id INTEGER, step_id TEXT,
                              to_address TEXT, subject TEXT, body TEXT, UNIQUE (enrolment_id, step_id));
         CREATE TABLE enrolments (id INTEGER PRIMARY KEY, step_index INTEGER, next_due_at INTEGER);
         CREATE TABLE history (id INTEGER PRIMARY KEY, enrolment_id INTEGER, at INTEGER, kind TEXT);
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000)
         INSERT INTO enrolments SELECT i, 0, 0 FROM n;",
    )
    .unwrap();

    let started = Instant::now();
    let tx = conn.transaction().unwrap();
    {
        let mut outbox = tx
            .prepare("INSERT INTO outbox (enrolment_id, step_id, to_address, subject, body) VALUES (?1, 'hello', ?2, ?3, ?4)")
            .unwrap();
        let mut update = tx
            .prepare("UPDATE enrolments SET step_index = 1, next_due_at = ?2 WHERE id = ?1")
            .unwrap();
        let mut history = tx
            .prepare("INSERT INTO history (enrolment_id, at, kind) VALUES (?1, ?2, 'step')")
            .unwrap();
        for id in 1..=DUE {
            outbox
                .execute(params![
                    id,
                    format!("lead{id}@example.nl"),
                    "Hello Lead",
                    "Hi Lead."
                ])
                .unwrap();
            update.execute(params![id, NOW + 86_400]).unwrap();
            history.execute(params![id, NOW]).unwrap();
        }
    }
    tx.commit().unwrap();
    started.elapsed()
}

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nurture-bench.db");
    let mut db = Database::open(&path).unwrap();
    let setup_started = Instant::now();
    setup(&mut db);
    println!(
        "setup: {ENROLMENTS} leads and enrolments in {:.2?}",
        setup_started.elapsed()
    );

    let started = Instant::now();
    let summary = run_due(&mut db, NOW, &mut ManualSender).unwrap();
    let run = started.elapsed();
    assert_eq!(summary.executed as i64, DUE, "{summary:?}");
    assert_eq!(summary.manual as i64, DUE, "{summary:?}");

    let again_started = Instant::now();
    let again = run_due(&mut db, NOW + 60, &mut ManualSender).unwrap();
    let again_run = again_started.elapsed();
    assert_eq!(again.executed, 0, "{again:?}");

    let raw = baseline(&dir.path().join("baseline.db"));
    println!(
        "nurture run: {DUE} due steps of {ENROLMENTS} enrolments in {run:.2?} ({:.1} us a step); {} e-mails checked for the Today list",
        run.as_secs_f64() * 1e6 / DUE as f64,
        summary.manual
    );
    println!(
        "second run, nothing new due, {} e-mails rechecked: {again_run:.2?}",
        again.manual
    );
    println!(
        "raw SQLite baseline: {DUE} x (insert + update + insert) in {raw:.2?}; scheduler is {:.1}x the baseline",
        run.as_secs_f64() / raw.as_secs_f64()
    );
    let verdict = if run < TARGET { "PASS" } else { "FAIL" };
    println!("target: under {TARGET:?}: {verdict}");
}
