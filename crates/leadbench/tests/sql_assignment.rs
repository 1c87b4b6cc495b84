//! Automatic owner assignment applies wherever a lead enters SQL: board
//! moves, scoring moves after a threshold change, and imports.

#[path = "import_support/mod.rs"]
mod common;

use common::TestDb;
use leadbench::board::{self, AssignMode, Assignment, ChannelOwner};
use leadbench::import::ImportKind;
use leadbench::model::Stage;
use leadbench::scoring::stages::{apply_thresholds, Thresholds};
use leadbench::Database;
use rusqlite::params;

const NOW: i64 = 1_717_408_800; // 2024-06-03T10:00:00Z

fn add_lead(db: &Database, name: &str, source: &str, stage: Stage, score: f64) -> i64 {
    db.conn()
        .execute(
            "INSERT INTO leads (email, first_name, stage, stage_changed_at, score, created_at, updated_at, source)
             VALUES (?1, ?2, ?3, ?4, ?5, ?4, ?4, ?6)",
            params![
                format!("{}@example.nl", name.to_lowercase()),
                name,
                stage,
                NOW - 86_400,
                score,
                source
            ],
        )
        .unwrap();
    db.conn().last_insert_rowid()
}

fn owner_of(db: &Database, lead: i64) -> Option<String> {
    db.conn()
        .query_row("SELECT owner FROM leads WHERE id = ?1", [lead], |r| {
            r.get(0)
        })
        .unwrap()
}

fn setup_owners(db: &mut Database, assignment: Assignment) {
    for name in ["Sanne", "Joris", "Ilse"] {
        board::add_owner(db, name).unwrap();
    }
    board::save_assignment(db, &assignment).unwrap();
}

fn round_robin() -> Assignment {
    Assignment {
        mode: AssignMode::RoundRobin,
        rotation: vec!["Sanne".into(), "Joris".into()],
        by_channel: Vec::new(),
    }
}

fn thresholds(sql: f64) -> Thresholds {
    Thresholds {
        mql: 10.0,
        warm: 20.0,
        sql,
    }
}

#[test]
fn threshold_change_assigns_new_sqls_round_robin() {
    let mut test = TestDb::new();
    setup_owners(&mut test.db, round_robin());
    let hot: Vec<i64> = ["Anna", "Bram", "Cor"]
        .iter()
        .map(|name| add_lead(&test.db, name, "Webinar", Stage::Warm, 80.0))
        .collect();
    let cold = add_lead(&test.db, "Dirk", "Webinar", Stage::Warm, 25.0);
    let owned = add_lead(&test.db, "Eva", "Webinar", Stage::Warm, 90.0);
    test.db
        .conn()
        .execute("UPDATE leads SET owner = 'Ilse' WHERE id = ?1", [owned])
        .unwrap();

    let applied = apply_thresholds(&mut test.db, thresholds(50.0), NOW).unwrap();

    assert_eq!(applied.moved.sql, 4);
    let owners: Vec<Option<String>> = hot.iter().map(|id| owner_of(&test.db, *id)).collect();
    assert_eq!(
        owners,
        vec![
            Some("Sanne".into()),
            Some("Joris".into()),
            Some("Sanne".into())
        ]
    );
    assert_eq!(owner_of(&test.db, cold), None, "a Warm lead keeps no owner");
    assert_eq!(owner_of(&test.db, owned).as_deref(), Some("Ilse"));

    // The rotation carries on where scoring left it for the next board move.
    let next = add_lead(&test.db, "Fleur", "Webinar", Stage::Mql, 0.0);
    let request = board::MoveRequest {
        lead_id: next,
        to: Stage::Sql,
        actor: "Tester".into(),
        won_at: None,
        deal_value_cents: None,
        note: None,
    };
    board::move_lead(&mut test.db, &request, NOW).unwrap();
    assert_eq!(owner_of(&test.db, next).as_deref(), Some("Joris"));
}

#[test]
fn threshold_change_assigns_by_channel() {
    let mut test = TestDb::new();
    setup_owners(
        &mut test.db,
        Assignment {
            mode: AssignMode::ByChannel,
            rotation: Vec::new(),
            by_channel: vec![
                ChannelOwner {
                    channel: "webinar".into(),
                    owner: "Ilse".into(),
                },
                ChannelOwner {
                    channel: "Paid search".into(),
                    owner: "Joris".into(),
                },
            ],
        },
    );
    let webinar = add_lead(&test.db, "Anna", "Webinar", Stage::Mql, 70.0);
    let paid = add_lead(&test.db, "Bram", "Paid search", Stage::Warm, 70.0);
    let other = add_lead(&test.db, "Cor", "Referral", Stage::Warm, 70.0);

    apply_thresholds(&mut test.db, thresholds(50.0), NOW).unwrap();

    assert_eq!(owner_of(&test.db, webinar).as_deref(), Some("Ilse"));
    assert_eq!(owner_of(&test.db, paid).as_deref(), Some("Joris"));
    assert_eq!(owner_of(&test.db, other), None, "no rule for this channel");
}

#[test]
fn assignment_off_leaves_scored_sqls_alone() {
    let mut test = TestDb::new();
    for name in ["Sanne", "Joris"] {
        board::add_owner(&mut test.db, name).unwrap();
    }
    let lead = add_lead(&test.db, "Anna", "Webinar", Stage::Warm, 80.0);

    apply_thresholds(&mut test.db, thresholds(50.0), NOW).unwrap();

    assert_eq!(owner_of(&test.db, lead), None);
}

#[test]
fn import_with_stage_sql_assigns_owners() {
    let mut test = TestDb::new();
    setup_owners(&mut test.db, round_robin());
    let known = add_lead(&test.db, "Kees", "Webinar", Stage::Mql, 0.0);
    let file = test.write(
        "leads.csv",
        b"email,first name,stage,owner\n\
          anna@example.nl,Anna,SQL,\n\
          bram@example.nl,Bram,MQL,\n\
          cor@example.nl,Cor,SQL,Ilse\n\
          kees@example.nl,Kees,SQL,\n\
          dirk@example.nl,Dirk,SQL,\n",
    );

    let report = test.import(ImportKind::Leads, &file);

    assert_eq!((report.created, report.updated), (4, 1));
    let owner = |email: &str| -> Option<String> {
        test.db
            .conn()
            .query_row("SELECT owner FROM leads WHERE email = ?1", [email], |r| {
                r.get(0)
            })
            .unwrap()
    };
    // Oldest lead first: the known lead the import moved, then new ones.
    assert_eq!(owner_of(&test.db, known).as_deref(), Some("Sanne"));
    assert_eq!(owner("anna@example.nl").as_deref(), Some("Joris"));
    assert_eq!(owner("bram@example.nl"), None, "an MQL gets no owner");
    assert_eq!(owner("cor@example.nl").as_deref(), Some("Ilse"));
    assert_eq!(owner("dirk@example.nl").as_deref(), Some("Sanne"));
}
