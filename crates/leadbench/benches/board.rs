//! Times the pipeline board on 100,000 demo leads: the column counts, the
//! first screen of cards of each column, and a manual stage move with its
//! history row. A raw-SQLite baseline reads the same first screen with one
//! plain query. The lead panel part times opening a lead, logging a call,
//! a bulk move of 50 leads with its undo, and erasing a lead.
//!
//! Run with `cargo bench -p leadbench --bench board`.

use std::time::{Duration, Instant};

use leadbench::board::{
    self, ActivityKind, ActivityRequest, BoardConfig, BoardFilter, CardSort, ColumnQuery,
    MoveRequest,
};
use leadbench::demo::{self, DemoOptions};
use leadbench::model::Stage;
use leadbench::Database;

const LEADS: u32 = 100_000;
const RUNS: usize = 21;

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn time<T>(mut work: impl FnMut() -> T) -> Duration {
    let samples = (0..RUNS)
        .map(|_| {
            let started = Instant::now();
            std::hint::black_box(work());
            started.elapsed()
        })
        .collect();
    median(samples)
}

fn ms(duration: Duration) -> String {
    format!("{:.2} ms", duration.as_secs_f64() * 1_000.0)
}

fn main() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let path = dir.path().join("board.db");
    let mut db = Database::open(&path).expect("database");
    let until = leadbench::time::parse_instant("until", "2024-12-31").expect("date");
    let started = Instant::now();
    demo::generate(
        &mut db,
        &DemoOptions {
            leads: LEADS,
            seed: 1,
            until,
        },
    )
    .expect("demo data");
    println!(
        "data: {LEADS} leads (built in {:.1} s)",
        started.elapsed().as_secs_f64()
    );

    let config = BoardConfig::default();
    let now = until + 12 * 3_600;
    let filter = BoardFilter::default();

    let summary = time(|| board::summary(db.conn(), &filter, &config, now).expect("summary"));
    println!("column counts (all six): {}", ms(summary));

    for stage in Stage::ALL {
        let query = ColumnQuery {
            stage,
            filter: BoardFilter::default(),
            sort: CardSort::Score,
            offset: 0,
            limit: 30,
            first_ids: Vec::new(),
        };
        let cards = time(|| board::column(db.conn(), &query, &config, now).expect("column"));
        let mut baseline_stmt = db
            .conn()
            .prepare(
                "SELECT l.id, l.first_name, l.last_name, a.name, l.score, l.source, l.owner, l.stage_changed_at
                 FROM leads l LEFT JOIN accounts a ON a.id = l.account_id
                 WHERE l.stage = ?1 AND l.forgotten_at IS NULL ORDER BY l.score DESC, l.id LIMIT 30",
            )
            .expect("baseline statement");
        let baseline = time(|| {
            baseline_stmt
                .query_map([stage.as_str()], |row| row.get::<_, i64>(0))
                .expect("baseline")
                .count()
        });
        let total: i64 = db
            .conn()
            .query_row(
                "SELECT COUNT(*) FROM leads WHERE stage = ?1",
                [stage.as_str()],
                |r| r.get(0),
            )
            .expect("count");
        println!(
            "first screen of {:<12} ({total:>6} cards): {} (raw SQLite baseline without flags: {})",
            stage.as_str(),
            ms(cards),
            ms(baseline)
        );
    }

    // Moves alternate one lead between MQL and Warm, each a full write
    // transaction with its history row.
    let lead: i64 = db
        .conn()
        .query_row(
            "SELECT id FROM leads WHERE stage = 'mql' LIMIT 1",
            [],
            |r| r.get(0),
        )
        .expect("an MQL lead");
    let mut to = Stage::Warm;
    let moves = time(|| {
        let request = MoveRequest {
            lead_id: lead,
            to,
            actor: "bench".into(),
            won_at: None,
            deal_value_cents: None,
            note: None,
        };
        let receipt = board::move_lead(&mut db, &request, now).expect("move");
        to = if to == Stage::Warm {
            Stage::Mql
        } else {
            Stage::Warm
        };
        receipt
    });
    println!("stage move with history row: {}", ms(moves));

    lead_panel(&mut db, now);
}

/// Times the lead panel's reads and writes on the same database.
fn lead_panel(db: &mut Database, now: i64) {
    let lead: i64 = db
        .conn()
        .query_row(
            "SELECT id FROM leads WHERE stage = 'sql' AND account_id IS NOT NULL
             ORDER BY (SELECT COUNT(*) FROM events e WHERE e.lead_id = leads.id) DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .expect("an SQL lead");
    let events: i64 = db
        .conn()
        .query_row(
            "SELECT COUNT(*) FROM events WHERE lead_id = ?1",
            [lead],
            |r| r.get(0),
        )
        .expect("events");
    let detail = time(|| board::lead_detail(db.conn(), lead, now).expect("detail"));
    println!(
        "open a lead (fields, buying group, timeline, score explanation; {events} events): {}",
        ms(detail)
    );
    let baseline = {
        let mut baseline_stmt = db
            .conn()
            .prepare("SELECT type, occurred_at, properties FROM events WHERE lead_id = ?1 ORDER BY occurred_at DESC")
            .expect("baseline statement");
        time(|| {
            baseline_stmt
                .query_map([lead], |row| row.get::<_, i64>(1))
                .expect("baseline")
                .count()
        })
    };
    println!(
        "raw SQLite baseline: the lead's events in time order: {}",
        ms(baseline)
    );

    let call = ActivityRequest {
        lead_id: lead,
        kind: ActivityKind::Call,
        occurred_at: None,
        outcome: Some("connected".into()),
        text: "Discussed the quote".into(),
        actor: "bench".into(),
    };
    let logged = time(|| board::log_activity(db, &call, now).expect("log call"));
    println!(
        "log a call (event, nurture hooks, re-score): {}",
        ms(logged)
    );

    let ids: Vec<i64> = {
        let mut stmt = db
            .conn()
            .prepare("SELECT id FROM leads WHERE stage = 'mql' ORDER BY id LIMIT 50")
            .expect("statement");
        stmt.query_map([], |row| row.get(0))
            .expect("ids")
            .map(|id| id.expect("id"))
            .collect()
    };
    let template = MoveRequest {
        lead_id: 0,
        to: Stage::Warm,
        actor: "bench".into(),
        won_at: None,
        deal_value_cents: None,
        note: None,
    };
    let bulk = time(|| {
        let receipts = board::move_leads(db, &ids, &template, now).expect("bulk move");
        board::undo_moves(db, &receipts).expect("undo");
    });
    println!("bulk move of 50 leads plus its undo: {}", ms(bulk));

    let victims: Vec<i64> = {
        let mut stmt = db
            .conn()
            .prepare("SELECT id FROM leads WHERE stage = 'new' ORDER BY id LIMIT ?1")
            .expect("statement");
        stmt.query_map([RUNS as i64], |row| row.get(0))
            .expect("ids")
            .map(|id| id.expect("id"))
            .collect()
    };
    let mut next = victims.into_iter();
    let forget = time(|| {
        let id = next.next().expect("a lead to erase");
        board::forget_leads(db, &[id], now).expect("forget")
    });
    println!("erase one lead's personal data: {}", ms(forget));
}
