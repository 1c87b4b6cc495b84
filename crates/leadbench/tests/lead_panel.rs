//! The lead detail panel against a real database file: reading the detail,
//! editing fields, logging activities, owners and automatic assignment,
//! bulk moves and erasing a lead's personal data.

use leadbench::board::{
    self, ActivityKind, ActivityRequest, AssignMode, Assignment, BoardConfig, BoardFilter,
    BuyingRole, LeadFields, MoveRequest, TimelineKind,
};
use leadbench::model::Stage;
use leadbench::Database;
use rusqlite::params;

const NOW: i64 = 1_717_408_800; // 2024-06-03T10:00:00Z
const DAY: i64 = 86_400;

struct Fixture {
    _dir: tempfile::TempDir,
    db: Database,
    account: i64,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::open(&dir.path().join("panel.db")).unwrap();
    db.conn()
        .execute(
            "INSERT INTO accounts (name, domain, industry, country, created_at) VALUES ('Bakkerij Kok', 'kok.nl', 'Food', 'NL', ?1)",
            [NOW - 30 * DAY],
        )
        .unwrap();
    let account = db.conn().last_insert_rowid();
    Fixture {
        _dir: dir,
        db,
        account,
    }
}

fn add_lead(f: &Fixture, first: &str, job: &str, stage: Stage, account: bool) -> i64 {
    let created = NOW - 10 * DAY;
    f.db.conn()
        .execute(
            "INSERT INTO leads (email, first_name, last_name, job_title, account_id, stage, stage_changed_at,
                                score, created_at, updated_at, source, external_id)
             VALUES (?1, ?2, 'Kok', ?3, ?4, ?5, ?6, 40, ?6, ?6, 'Webinar', ?7)",
            params![
                format!("{}.kok@example.nl", first.to_lowercase()),
                first,
                job,
                account.then_some(f.account),
                stage,
                created,
                format!("ext-{first}")
            ],
        )
        .unwrap();
    f.db.conn().last_insert_rowid()
}

fn request(lead: i64, to: Stage) -> MoveRequest {
    MoveRequest {
        lead_id: lead,
        to,
        actor: "Sanne".into(),
        won_at: None,
        deal_value_cents: Some(90_000),
        note: None,
    }
}

fn call(lead: i64, text: &str) -> ActivityRequest {
    ActivityRequest {
        lead_id: lead,
        kind: ActivityKind::Call,
        occurred_at: None,
        outcome: Some("connected".into()),
        text: text.into(),
        actor: "Sanne".into(),
    }
}

#[test]
fn detail_lists_buying_group_by_role() {
    let f = fixture();
    let lead = add_lead(&f, "Bas", "Baker", Stage::Mql, true);
    let boss = add_lead(&f, "Ria", "Owner", Stage::New, true);
    let manager = add_lead(&f, "Tim", "Shop manager", Stage::New, true);
    add_lead(&f, "Els", "Owner", Stage::New, false);

    let detail = board::lead_detail(f.db.conn(), lead, NOW).unwrap();

    assert_eq!(detail.title, "Bas Kok");
    assert_eq!(detail.fields.company.as_deref(), Some("Bakkerij Kok"));
    assert_eq!(detail.role, BuyingRole::User);
    let group: Vec<(i64, BuyingRole)> = detail
        .buying_group
        .iter()
        .map(|contact| (contact.id, contact.role))
        .collect();
    assert_eq!(
        group,
        vec![
            (boss, BuyingRole::DecisionMaker),
            (manager, BuyingRole::Influencer)
        ]
    );
    assert!(detail.buying_group.iter().all(|c| c.role_inferred));
}

#[test]
fn timeline_merges_history_and_activities() {
    let mut f = fixture();
    let lead = add_lead(&f, "Bas", "Baker", Stage::Mql, true);
    f.db.conn()
        .execute(
            "INSERT INTO events (lead_id, type, occurred_at, properties) VALUES (?1, 'page_view', ?2, '{\"url\": \"/pricing\"}')",
            params![lead, NOW - 5 * DAY],
        )
        .unwrap();
    board::move_lead(&mut f.db, &request(lead, Stage::Sql), NOW - 2 * DAY).unwrap();
    let mut logged = call(lead, "Wants a quote for three shops");
    logged.occurred_at = Some("2024-06-02".into());
    board::log_activity(&mut f.db, &logged, NOW).unwrap();

    let timeline = board::lead_detail(f.db.conn(), lead, NOW).unwrap().timeline;

    let kinds: Vec<TimelineKind> = timeline.iter().map(|entry| entry.kind).collect();
    assert_eq!(
        kinds,
        vec![
            TimelineKind::Activity,
            TimelineKind::StageChange,
            TimelineKind::Event
        ]
    );
    assert_eq!(timeline[0].label, "call");
    assert_eq!(
        timeline[0].text.as_deref(),
        Some("Wants a quote for three shops")
    );
    assert_eq!(timeline[0].outcome.as_deref(), Some("connected"));
    assert_eq!(timeline[0].actor.as_deref(), Some("Sanne"));
    assert_eq!(timeline[1].actor.as_deref(), Some("Sanne"));
    assert_eq!(timeline[1].label, "manual");
    assert_eq!(timeline[1].to_stage, Some(Stage::Sql));
    assert_eq!(timeline[2].text.as_deref(), Some("/pricing"));
}

#[test]
fn logged_call_clears_follow_up_flag() {
    let mut f = fixture();
    let lead = add_lead(&f, "Bas", "Baker", Stage::Mql, true);
    board::move_lead(&mut f.db, &request(lead, Stage::Sql), NOW - 3 * DAY).unwrap();
    let overdue = BoardFilter {
        only_sla_overdue: true,
        ..BoardFilter::default()
    };
    let sql_count = |db: &Database| {
        board::summary(db.conn(), &overdue, &BoardConfig::default(), NOW).unwrap()[3].count
    };
    assert_eq!(sql_count(&f.db), 1);

    board::log_activity(&mut f.db, &call(lead, "Left a message"), NOW).unwrap();

    assert_eq!(sql_count(&f.db), 0);
}

#[test]
fn activity_rejects_future_date_and_empty_note() {
    let mut f = fixture();
    let lead = add_lead(&f, "Bas", "Baker", Stage::Mql, true);
    let mut future = call(lead, "later");
    future.occurred_at = Some("2024-07-01".into());
    let empty_note = ActivityRequest {
        kind: ActivityKind::Note,
        ..call(lead, "  ")
    };

    assert!(board::log_activity(&mut f.db, &future, NOW).is_err());
    assert!(board::log_activity(&mut f.db, &empty_note, NOW).is_err());
    let events: i64 =
        f.db.conn()
            .query_row("SELECT COUNT(*) FROM events", [], |r| r.get(0))
            .unwrap();
    assert_eq!(events, 0);
}

#[test]
fn edit_validates_before_writing() {
    let mut f = fixture();
    let lead = add_lead(&f, "Bas", "Baker", Stage::Mql, false);
    let mut fields = board::lead_detail(f.db.conn(), lead, NOW).unwrap().fields;
    fields.email = Some("bas at kok".into());

    let error = board::update_lead(&mut f.db, lead, &fields, NOW).unwrap_err();

    assert!(error.to_string().contains("bas at kok"), "{error}");
    let stored: String =
        f.db.conn()
            .query_row("SELECT email FROM leads WHERE id = ?1", [lead], |r| {
                r.get(0)
            })
            .unwrap();
    assert_eq!(stored, "bas.kok@example.nl");
}

#[test]
fn edit_creates_account_and_sets_role() {
    let mut f = fixture();
    let lead = add_lead(&f, "Bas", "Baker", Stage::Mql, false);
    let fields = LeadFields {
        first_name: Some(" Bas ".into()),
        last_name: Some("de Kok".into()),
        email: Some("Bas@DeKok.NL".into()),
        phone: Some("+31 20 123 4567".into()),
        job_title: Some("Baker".into()),
        buying_role: Some(BuyingRole::Champion),
        company: Some("De Kok BV".into()),
        domain: Some("dekok.nl".into()),
        industry: None,
        size_band: None,
        country: Some("nl".into()),
    };

    board::update_lead(&mut f.db, lead, &fields, NOW).unwrap();

    let detail = board::lead_detail(f.db.conn(), lead, NOW).unwrap();
    assert_eq!(detail.title, "Bas de Kok");
    assert_eq!(detail.fields.email.as_deref(), Some("bas@dekok.nl"));
    assert_eq!(detail.fields.company.as_deref(), Some("De Kok BV"));
    assert_eq!(detail.fields.country.as_deref(), Some("NL"));
    assert_eq!(detail.role, BuyingRole::Champion);
}

#[test]
fn unpin_lets_scoring_move_lead() {
    let mut f = fixture();
    let lead = add_lead(&f, "Bas", "Baker", Stage::New, false);
    board::move_lead(&mut f.db, &request(lead, Stage::Sql), NOW).unwrap();

    let stage = board::unpin(&mut f.db, lead, NOW).unwrap();

    let pinned: bool =
        f.db.conn()
            .query_row("SELECT pinned FROM leads WHERE id = ?1", [lead], |r| {
                r.get(0)
            })
            .unwrap();
    assert!(!pinned);
    // Scoring only moves leads forward, so the SQL stays an SQL.
    assert_eq!(stage, Stage::Sql);
}

#[test]
fn bulk_move_is_one_undoable_step() {
    let mut f = fixture();
    let first = add_lead(&f, "Bas", "Baker", Stage::Mql, true);
    let second = add_lead(&f, "Ria", "Owner", Stage::Warm, true);
    let already = add_lead(&f, "Tim", "Baker", Stage::Sql, true);

    let receipts = board::move_leads(
        &mut f.db,
        &[first, second, already],
        &request(0, Stage::Sql),
        NOW,
    )
    .unwrap();

    assert_eq!(receipts.len(), 2);
    let sql = board::summary(
        f.db.conn(),
        &BoardFilter::default(),
        &BoardConfig::default(),
        NOW,
    )
    .unwrap()[3]
        .count;
    assert_eq!(sql, 3);

    board::undo_moves(&mut f.db, &receipts).unwrap();

    let stages: Vec<String> = [first, second]
        .iter()
        .map(|id| {
            f.db.conn()
                .query_row("SELECT stage FROM leads WHERE id = ?1", [id], |r| r.get(0))
                .unwrap()
        })
        .collect();
    assert_eq!(stages, vec!["mql", "warm"]);
}

#[test]
fn bulk_move_rolls_back_on_missing_lead() {
    let mut f = fixture();
    let lead = add_lead(&f, "Bas", "Baker", Stage::Mql, true);

    assert!(board::move_leads(&mut f.db, &[lead, 9_999], &request(0, Stage::Sql), NOW).is_err());

    let stage: String =
        f.db.conn()
            .query_row("SELECT stage FROM leads WHERE id = ?1", [lead], |r| {
                r.get(0)
            })
            .unwrap();
    assert_eq!(stage, "mql");
}

#[test]
fn round_robin_assigns_new_sqls() {
    let mut f = fixture();
    board::add_owner(&mut f.db, "Sanne").unwrap();
    let joris = board::add_owner(&mut f.db, "Joris").unwrap();
    board::save_assignment(
        &mut f.db,
        &Assignment {
            mode: AssignMode::RoundRobin,
            rotation: vec!["Sanne".into(), "Joris".into()],
            by_channel: Vec::new(),
        },
    )
    .unwrap();
    let leads: Vec<i64> = ["A", "B", "C"]
        .iter()
        .map(|name| add_lead(&f, name, "Baker", Stage::Mql, false))
        .collect();

    let receipts = board::move_leads(&mut f.db, &leads, &request(0, Stage::Sql), NOW).unwrap();

    let owners: Vec<String> = leads
        .iter()
        .map(|id| {
            f.db.conn()
                .query_row("SELECT owner FROM leads WHERE id = ?1", [id], |r| r.get(0))
                .unwrap()
        })
        .collect();
    assert_eq!(owners, vec!["Sanne", "Joris", "Sanne"]);
    assert!(receipts.iter().all(|r| r.assigned_owner));

    board::rename_owner(&mut f.db, joris, "Joris B").unwrap();
    let renamed: i64 =
        f.db.conn()
            .query_row(
                "SELECT COUNT(*) FROM leads WHERE owner = 'Joris B'",
                [],
                |r| r.get(0),
            )
            .unwrap();
    assert_eq!(renamed, 1);
    assert_eq!(
        board::load_assignment(f.db.conn()).unwrap().rotation,
        vec!["Sanne", "Joris B"]
    );

    board::undo_moves(&mut f.db, &receipts).unwrap();
    let unowned: i64 =
        f.db.conn()
            .query_row("SELECT COUNT(*) FROM leads WHERE owner IS NULL", [], |r| {
                r.get(0)
            })
            .unwrap();
    assert_eq!(unowned, 3);
}

#[test]
fn assignment_rejects_unknown_owner() {
    let mut f = fixture();
    let assignment = Assignment {
        mode: AssignMode::ByChannel,
        rotation: Vec::new(),
        by_channel: vec![board::ChannelOwner {
            channel: "Webinar".into(),
            owner: "Nobody".into(),
        }],
    };

    let error = board::save_assignment(&mut f.db, &assignment).unwrap_err();

    assert!(error.to_string().contains("Nobody"), "{error}");
}

/// Returns every table and column whose text contains `needle`.
fn traces(db: &Database, needle: &str) -> Vec<String> {
    let tables: Vec<String> = {
        let mut stmt = db
            .conn()
            .prepare(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
            )
            .unwrap();
        stmt.query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    let mut found = Vec::new();
    for table in tables {
        let columns: Vec<String> = {
            let mut stmt = db
                .conn()
                .prepare(&format!("SELECT name FROM pragma_table_info('{table}')"))
                .unwrap();
            stmt.query_map([], |r| r.get(0))
                .unwrap()
                .map(Result::unwrap)
                .collect()
        };
        for column in columns {
            let hits: i64 = db
                .conn()
                .query_row(
                    &format!(
                        "SELECT COUNT(*) FROM \"{table}\" WHERE CAST(\"{column}\" AS TEXT) LIKE ?1"
                    ),
                    [format!("%{needle}%")],
                    |r| r.get(0),
                )
                .unwrap();
            if hits > 0 {
                found.push(format!("{table}.{column}"));
            }
        }
    }
    found
}

#[test]
fn forget_erases_every_trace() {
    let mut f = fixture();
    let lead = add_lead(&f, "Bas", "Baker", Stage::Mql, false);
    let other = add_lead(&f, "Ria", "Owner", Stage::Mql, true);
    f.db.conn()
        .execute(
            "INSERT INTO accounts (name, created_at) VALUES ('Bas Kok Eenmanszaak', ?1)",
            [NOW],
        )
        .unwrap();
    let own_account = f.db.conn().last_insert_rowid();
    f.db.conn()
        .execute(
            "UPDATE leads SET account_id = ?2, phone = '+31 6 1234 5678' WHERE id = ?1",
            params![lead, own_account],
        )
        .unwrap();
    board::log_activity(&mut f.db, &call(lead, "Bas Kok asked for a call back"), NOW).unwrap();
    let mut customer = request(lead, Stage::Disqualified);
    customer.note = Some("Bas Kok has no budget".into());
    board::move_lead(&mut f.db, &customer, NOW).unwrap();
    f.db.conn()
        .execute_batch(&format!(
            "INSERT INTO nurture_sequences (id, name, status, definition, trigger_kind, created_at, updated_at)
                 VALUES (1, 'Welcome', 'active', '{{}}', 'manual', {NOW}, {NOW});
             INSERT INTO nurture_enrolments (id, sequence_id, lead_id, state, step_index, step_started_at, enrolled_at)
                 VALUES (1, 1, {lead}, 'active', 0, {NOW}, {NOW});
             INSERT INTO nurture_outbox (enrolment_id, step_id, sequence_id, lead_id, kind, status, to_address, subject, body, due_at, created_at)
                 VALUES (1, 's1', 1, {lead}, 'email', 'sent', 'bas.kok@example.nl', 'Hello Bas', 'Dear Bas Kok', {NOW}, {NOW});
             INSERT INTO nurture_history (enrolment_id, sequence_id, lead_id, at, kind, detail)
                 VALUES (1, 1, {lead}, {NOW}, 'sent', 'mail to bas.kok@example.nl');"
        ))
        .unwrap();
    let stage_changes_before: i64 =
        f.db.conn()
            .query_row("SELECT COUNT(*) FROM stage_changes", [], |r| r.get(0))
            .unwrap();

    let summary = board::forget_leads(&mut f.db, &[lead], NOW).unwrap();

    assert_eq!(summary.leads, 1);
    assert_eq!(summary.accounts, 1);
    for needle in [
        "bas.kok@example.nl",
        "Bas",
        "1234 5678",
        "ext-Bas",
        "Eenmanszaak",
    ] {
        assert_eq!(traces(&f.db, needle), Vec::<String>::new(), "{needle}");
    }
    // The anonymous row and its history stay for the KPIs.
    let (leads, stage): (i64, String) =
        f.db.conn()
            .query_row(
                "SELECT COUNT(*), MAX(CASE WHEN id = ?1 THEN stage END) FROM leads",
                [lead],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
    assert_eq!((leads, stage.as_str()), (2, "disqualified"));
    let stage_changes_after: i64 =
        f.db.conn()
            .query_row("SELECT COUNT(*) FROM stage_changes", [], |r| r.get(0))
            .unwrap();
    assert_eq!(stage_changes_after, stage_changes_before);
    // It no longer shows anywhere a person looks.
    assert!(board::lead_detail(f.db.conn(), lead, NOW).is_err());
    let mql = board::summary(
        f.db.conn(),
        &BoardFilter::default(),
        &BoardConfig::default(),
        NOW,
    )
    .unwrap();
    assert_eq!(mql[1].count + mql[5].count, 1);
    assert_eq!(leadbench::leads::stats(f.db.conn()).unwrap().leads, 1);
    assert!(board::forget_leads(&mut f.db, &[lead], NOW).is_err());
    assert!(board::lead_detail(f.db.conn(), other, NOW).is_ok());
}

#[test]
fn long_external_id_title_is_cut() {
    let f = fixture();
    f.db.conn()
        .execute(
            "INSERT INTO leads (external_id, stage, stage_changed_at, created_at, updated_at)
             VALUES ('dac32acd4db4c29c230538b72f8dd87d', 'mql', ?1, ?1, ?1), ('CRM-1234', 'mql', ?1, ?1, ?1)",
            [NOW],
        )
        .unwrap();
    let titles: Vec<String> = (1..=2)
        .map(|id| board::lead_detail(f.db.conn(), id, NOW).unwrap().title)
        .collect();

    assert_eq!(titles, vec!["dac32acd4d…", "CRM-1234"]);
    let detail = board::lead_detail(f.db.conn(), 1, NOW).unwrap();
    assert_eq!(
        detail.external_id.as_deref(),
        Some("dac32acd4db4c29c230538b72f8dd87d")
    );
}

#[test]
fn sync_owners_adds_lead_owners() {
    let mut f = fixture();
    let lead = add_lead(&f, "Bas", "Baker", Stage::Mql, false);
    board::assign_owner(&mut f.db, &[lead], Some("Grace"), NOW).unwrap();
    f.db.conn()
        .execute("UPDATE leads SET owner = ' Pieter ' WHERE id = ?1", [lead])
        .unwrap();

    let added = board::sync_owners(&mut f.db).unwrap();

    assert_eq!(added, 1);
    let names: Vec<String> = board::list_owners(f.db.conn())
        .unwrap()
        .into_iter()
        .map(|owner| owner.name)
        .collect();
    assert_eq!(names, vec!["Grace", "Pieter"]);
}
