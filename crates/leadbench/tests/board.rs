//! The pipeline board against a real database file: moves, history, undo,
//! reordering, flags and filters.

use leadbench::board::{self, BoardConfig, BoardFilter, CardSort, ColumnQuery, MoveRequest};
use leadbench::model::Stage;
use leadbench::Database;
use rusqlite::params;

const NOW: i64 = 1_717_408_800; // 2024-06-03T10:00:00Z
const DAY: i64 = 86_400;

struct Fixture {
    _dir: tempfile::TempDir,
    db: Database,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::open(&dir.path().join("board.db")).unwrap();
    Fixture { _dir: dir, db }
}

fn add_lead(
    db: &Database,
    first: &str,
    last: &str,
    stage: Stage,
    score: f64,
    created_days_ago: i64,
) -> i64 {
    let created = NOW - created_days_ago * DAY;
    db.conn()
        .execute(
            "INSERT INTO leads (email, first_name, last_name, stage, stage_changed_at, score, created_at, updated_at, owner, source)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?5, ?5, 'Sanne', 'Webinar')",
            params![
                format!("{}.{}@example.nl", first.to_lowercase(), last.to_lowercase()),
                first,
                last,
                stage,
                created,
                score
            ],
        )
        .unwrap();
    db.conn().last_insert_rowid()
}

fn add_event(db: &Database, lead: i64, kind: &str, days_ago: i64) {
    db.conn()
        .execute(
            "INSERT INTO events (lead_id, type, occurred_at) VALUES (?1, ?2, ?3)",
            params![lead, kind, NOW - days_ago * DAY],
        )
        .unwrap();
}

fn move_to(db: &mut Database, lead: i64, to: Stage) -> board::MoveReceipt {
    let request = MoveRequest {
        lead_id: lead,
        to,
        actor: "Sanne".into(),
        won_at: None,
        deal_value_cents: Some(125_000),
        note: (to == Stage::Disqualified).then(|| "No budget".to_owned()),
    };
    board::move_lead(db, &request, NOW).unwrap()
}

fn titles(db: &Database, stage: Stage, sort: CardSort) -> Vec<String> {
    let query = ColumnQuery {
        stage,
        filter: BoardFilter::default(),
        sort,
        offset: 0,
        limit: 50,
        first_ids: Vec::new(),
    };
    board::column(db.conn(), &query, &BoardConfig::default(), NOW)
        .unwrap()
        .cards
        .into_iter()
        .map(|card| card.title)
        .collect()
}

fn history(db: &Database, lead: i64) -> Vec<(Option<String>, String, String, Option<String>)> {
    let mut stmt = db
        .conn()
        .prepare("SELECT from_stage, to_stage, reason, actor FROM stage_changes WHERE lead_id = ?1 ORDER BY id")
        .unwrap();
    stmt.query_map([lead], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

fn stage_of(db: &Database, lead: i64) -> (String, bool) {
    db.conn()
        .query_row(
            "SELECT stage, pinned FROM leads WHERE id = ?1",
            [lead],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap()
}

#[test]
fn move_pins_and_writes_history() {
    let mut f = fixture();
    let lead = add_lead(&f.db, "Bas", "Kok", Stage::Mql, 50.0, 3);
    move_to(&mut f.db, lead, Stage::Sql);
    assert_eq!(stage_of(&f.db, lead), ("sql".to_owned(), true));
    assert_eq!(
        history(&f.db, lead),
        vec![(
            Some("mql".into()),
            "sql".into(),
            "manual".into(),
            Some("Sanne".into())
        )]
    );
}

#[test]
fn drag_sequence_matches_database() {
    // Three MQLs and one SQL; Bas goes to SQL then straight on to Customer,
    // Mila is reordered within MQL, and Ties' move fails validation.
    let mut f = fixture();
    let mila = add_lead(&f.db, "Mila", "Vos", Stage::Mql, 60.0, 5);
    let bas = add_lead(&f.db, "Bas", "Kok", Stage::Mql, 55.0, 5);
    let ties = add_lead(&f.db, "Ties", "Jacobs", Stage::Mql, 50.0, 5);
    add_lead(&f.db, "Anna", "Smit", Stage::Sql, 90.0, 5);

    move_to(&mut f.db, bas, Stage::Sql);
    move_to(&mut f.db, bas, Stage::Customer);
    board::reorder_column(&mut f.db, Stage::Mql, &[ties, mila]).unwrap();
    let failed = board::move_lead(
        &mut f.db,
        &MoveRequest {
            lead_id: ties,
            to: Stage::Sql,
            actor: " ".into(),
            won_at: None,
            deal_value_cents: None,
            note: None,
        },
        NOW,
    );
    assert!(failed.is_err());

    assert_eq!(
        titles(&f.db, Stage::Mql, CardSort::Manual),
        vec!["Ties Jacobs", "Mila Vos"]
    );
    assert_eq!(
        titles(&f.db, Stage::Sql, CardSort::Manual),
        vec!["Anna Smit"]
    );
    assert_eq!(
        titles(&f.db, Stage::Customer, CardSort::Manual),
        vec!["Bas Kok"]
    );
    let stages: Vec<String> = history(&f.db, bas).into_iter().map(|h| h.1).collect();
    assert_eq!(stages, vec!["sql", "customer"]);
    assert!(
        history(&f.db, mila).is_empty(),
        "a reorder must not write stage history"
    );
    assert!(
        history(&f.db, ties).is_empty(),
        "a failed move must not write history"
    );
    let deals: i64 =
        f.db.conn()
            .query_row(
                "SELECT COUNT(*) FROM deals WHERE lead_id = ?1 AND value_cents = 125000",
                [bas],
                |r| r.get(0),
            )
            .unwrap();
    assert_eq!(deals, 1);
}

#[test]
fn undo_restores_lead_and_history() {
    let mut f = fixture();
    let lead = add_lead(&f.db, "Olaf", "Vink", Stage::Sql, 85.0, 2);
    let before: i64 =
        f.db.conn()
            .query_row(
                "SELECT stage_changed_at FROM leads WHERE id = ?1",
                [lead],
                |r| r.get(0),
            )
            .unwrap();
    let receipt = move_to(&mut f.db, lead, Stage::Customer);
    board::undo_move(&mut f.db, &receipt).unwrap();

    assert_eq!(stage_of(&f.db, lead), ("sql".to_owned(), false));
    assert!(history(&f.db, lead).is_empty());
    let (deals, changed_at): (i64, i64) = f
        .db
        .conn()
        .query_row(
            "SELECT (SELECT COUNT(*) FROM deals WHERE lead_id = ?1), stage_changed_at FROM leads WHERE id = ?1",
            [lead],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(deals, 0);
    assert_eq!(changed_at, before);
}

#[test]
fn undo_after_later_move_rejected() {
    let mut f = fixture();
    let lead = add_lead(&f.db, "Ilse", "Kramer", Stage::Mql, 45.0, 2);
    let first = move_to(&mut f.db, lead, Stage::Warm);
    move_to(&mut f.db, lead, Stage::Sql);
    let error = board::undo_move(&mut f.db, &first).unwrap_err();
    assert!(error.to_string().contains("changed stage again"), "{error}");
    assert_eq!(stage_of(&f.db, lead).0, "sql");
}

#[test]
fn disqualify_requires_reason() {
    let mut f = fixture();
    let lead = add_lead(&f.db, "Ruben", "Dekker", Stage::Mql, 20.0, 2);
    let request = MoveRequest {
        lead_id: lead,
        to: Stage::Disqualified,
        actor: "Sanne".into(),
        won_at: None,
        deal_value_cents: None,
        note: None,
    };
    let error = board::move_lead(&mut f.db, &request, NOW).unwrap_err();
    assert!(error.to_string().contains("reason"), "{error}");
    assert_eq!(stage_of(&f.db, lead).0, "mql");
}

#[test]
fn future_won_date_rejected() {
    let mut f = fixture();
    let lead = add_lead(&f.db, "Femke", "de Wit", Stage::Sql, 90.0, 2);
    let request = MoveRequest {
        lead_id: lead,
        to: Stage::Customer,
        actor: "Sanne".into(),
        won_at: Some("2099-01-01".into()),
        deal_value_cents: Some(100),
        note: None,
    };
    let error = board::move_lead(&mut f.db, &request, NOW).unwrap_err();
    assert!(error.to_string().contains("2099-01-01"), "{error}");
    assert_eq!(stage_of(&f.db, lead).0, "sql");
}

#[test]
fn rotting_counts_from_last_activity() {
    let f = fixture();
    // Created 60 days ago but active 2 days ago: not rotting.
    let active = add_lead(&f.db, "Active", "Lead", Stage::Mql, 50.0, 60);
    add_event(&f.db, active, "page_view", 2);
    // Created 60 days ago, last activity 30 days ago: rotting (MQL limit 14 days).
    let stale = add_lead(&f.db, "Stale", "Lead", Stage::Mql, 40.0, 60);
    add_event(&f.db, stale, "page_view", 30);

    let query = ColumnQuery {
        stage: Stage::Mql,
        filter: BoardFilter::default(),
        sort: CardSort::Score,
        offset: 0,
        limit: 10,
        first_ids: Vec::new(),
    };
    let page = board::column(f.db.conn(), &query, &BoardConfig::default(), NOW).unwrap();
    let flags: Vec<(String, bool)> = page
        .cards
        .iter()
        .map(|c| (c.title.clone(), c.rotting))
        .collect();
    assert_eq!(
        flags,
        vec![("Active Lead".into(), false), ("Stale Lead".into(), true)]
    );

    let only_rotting = ColumnQuery {
        filter: BoardFilter {
            only_rotting: true,
            ..BoardFilter::default()
        },
        ..query
    };
    let page = board::column(f.db.conn(), &only_rotting, &BoardConfig::default(), NOW).unwrap();
    assert_eq!(page.total, 1);
    assert_eq!(page.cards[0].title, "Stale Lead");
}

#[test]
fn sla_overdue_until_followed_up() {
    let mut f = fixture();
    let lead = add_lead(&f.db, "Hanna", "Meijer", Stage::Mql, 85.0, 5);
    let request = MoveRequest {
        lead_id: lead,
        to: Stage::Sql,
        actor: "Sanne".into(),
        won_at: None,
        deal_value_cents: None,
        note: None,
    };
    board::move_lead(&mut f.db, &request, NOW - 2 * DAY).unwrap();
    let needs_follow_up = BoardFilter {
        only_sla_overdue: true,
        ..BoardFilter::default()
    };
    let counts = |db: &Database| {
        board::summary(db.conn(), &needs_follow_up, &BoardConfig::default(), NOW).unwrap()[3].count
    };
    assert_eq!(counts(&f.db), 1);

    add_event(&f.db, lead, "call", 1);
    assert_eq!(counts(&f.db), 0);
}

#[test]
fn filters_and_pages() {
    let f = fixture();
    for index in 0..120 {
        add_lead(
            &f.db,
            &format!("Lead{index:03}"),
            "Test",
            Stage::Warm,
            f64::from(index),
            1,
        );
    }
    let mut query = ColumnQuery {
        stage: Stage::Warm,
        filter: BoardFilter {
            min_score: Some(100.0),
            ..BoardFilter::default()
        },
        sort: CardSort::Score,
        offset: 0,
        limit: 15,
        first_ids: Vec::new(),
    };
    let page = board::column(f.db.conn(), &query, &BoardConfig::default(), NOW).unwrap();
    assert_eq!(page.total, 20);
    assert_eq!(page.cards.len(), 15);
    assert_eq!(page.cards[0].title, "Lead119 Test");

    query.offset = 15;
    let rest = board::column(f.db.conn(), &query, &BoardConfig::default(), NOW).unwrap();
    assert_eq!(rest.cards.len(), 5);

    query.filter = BoardFilter {
        search: Some("lead007".into()),
        ..BoardFilter::default()
    };
    query.offset = 0;
    let found = board::column(f.db.conn(), &query, &BoardConfig::default(), NOW).unwrap();
    assert_eq!(found.total, 1);

    let summary = board::summary(
        f.db.conn(),
        &BoardFilter::default(),
        &BoardConfig::default(),
        NOW,
    )
    .unwrap();
    assert_eq!(summary[2].stage, Stage::Warm);
    assert_eq!(summary[2].count, 120);
}

#[test]
fn board_config_rejects_zero_sla() {
    let f = fixture();
    let config = BoardConfig {
        sla_hours: 0,
        ..BoardConfig::default()
    };
    let error = board::save_config(f.db.conn(), &config).unwrap_err();
    assert!(error.to_string().contains("between 1 and 2160"), "{error}");
    assert_eq!(
        board::load_config(f.db.conn()).unwrap(),
        BoardConfig::default()
    );
}

#[test]
fn moved_cards_shown_first() {
    let mut f = fixture();
    add_lead(&f.db, "High", "Score", Stage::Sql, 99.0, 3);
    let moved = add_lead(&f.db, "Low", "Score", Stage::Mql, 10.0, 3);
    move_to(&mut f.db, moved, Stage::Sql);
    let query = ColumnQuery {
        stage: Stage::Sql,
        filter: BoardFilter::default(),
        sort: CardSort::Score,
        offset: 0,
        limit: 10,
        first_ids: vec![moved],
    };
    let page = board::column(f.db.conn(), &query, &BoardConfig::default(), NOW).unwrap();
    let order: Vec<&str> = page.cards.iter().map(|c| c.title.as_str()).collect();
    assert_eq!(order, vec!["Low Score", "High Score"]);
}

#[test]
fn snapshot_matches_summary_and_columns() {
    let f = fixture();
    add_lead(&f.db, "Bas", "Kok", Stage::Mql, 50.0, 3);
    add_lead(&f.db, "Ria", "Kok", Stage::Mql, 70.0, 3);
    add_lead(&f.db, "Tim", "Kok", Stage::Sql, 90.0, 3);
    let config = BoardConfig::default();
    let filter = BoardFilter::default();

    let snapshot =
        board::snapshot(f.db.conn(), &filter, CardSort::Score, 1, &[], &config, NOW).unwrap();

    assert_eq!(
        snapshot.columns,
        board::summary(f.db.conn(), &filter, &config, NOW).unwrap()
    );
    assert_eq!(snapshot.pages.len(), 6);
    assert_eq!(snapshot.pages[1].total, 2);
    assert_eq!(snapshot.pages[1].cards.len(), 1);
    assert_eq!(snapshot.pages[1].cards[0].title, "Ria Kok");
    assert_eq!(snapshot.pages[3].cards[0].title, "Tim Kok");
}
