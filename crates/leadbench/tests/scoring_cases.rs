//! Real-world scoring faults turned into tests: points counted twice or
//! lost, and recalculation undoing a stage a person set.

mod scoring_support;

use leadbench::model::Stage;
use leadbench::scoring::explain::explain;
use leadbench::scoring::rules::{Decay, Field, RuleBody, Test};
use leadbench::scoring::stages::{apply_thresholds, move_manually, Thresholds};
use leadbench::scoring::{recompute, record_events, rescore};
use leadbench::Database;
use rusqlite::params;
use scoring_support::*;

const CASE_11_CSV: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/cases/11-points-counted-twice.csv"
);

/// One lead as the case file gives it.
struct CaseLead {
    email: String,
    company: String,
    job_title: String,
    industry: String,
    company_size: String,
}

fn read_case_11() -> CaseLead {
    let text = std::fs::read_to_string(CASE_11_CSV).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let values: Vec<&str> = lines.next().unwrap().split(',').collect();
    let column = |name: &str| {
        let index = header.iter().position(|h| *h == name).unwrap();
        values[index].to_owned()
    };
    CaseLead {
        email: column("email"),
        company: column("company"),
        job_title: column("job_title"),
        industry: column("industry"),
        company_size: column("company_size"),
    }
}

fn case_11_rules() -> Vec<leadbench::scoring::Rule> {
    let mut white_paper = behaviour_rule(
        "White paper, once per asset",
        "downloaded_white_paper",
        10.0,
        Decay::None,
    );
    if let RuleBody::Behaviour(rule) = &mut white_paper.body {
        rule.once_per = Some("asset".to_owned());
    }
    vec![
        fit_rule(
            "Software",
            Field::Industry,
            Test::Equals {
                value: "Software".to_owned(),
            },
            15.0,
        ),
        fit_rule(
            "51-200 employees",
            Field::CompanySize,
            Test::Equals {
                value: "51-200".to_owned(),
            },
            10.0,
        ),
        fit_rule(
            "Head of",
            Field::JobTitle,
            Test::Contains {
                value: "Head".to_owned(),
            },
            10.0,
        ),
        white_paper,
        behaviour_rule("Product page", "visited_product_page", 5.0, Decay::None),
    ]
}

fn score_of(db: &Database, id: i64) -> f64 {
    lead_state(db, id).0
}

#[test]
fn points_never_counted_twice_or_lost() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("case11.db");
    let mut db = Database::open(&path).unwrap();
    let imported_at = at("2024-06-03T08:00:00Z");
    use_rules(&mut db, case_11_rules(), imported_at);
    let thresholds = Thresholds {
        mql: 40.0,
        warm: 100.0,
        sql: 200.0,
    };
    apply_thresholds(&mut db, thresholds, imported_at).unwrap();

    // 1. Import: fit points only.
    let lead = read_case_11();
    let id = insert_lead(
        &mut db,
        &lead.email,
        &lead.job_title,
        &lead.company,
        &lead.industry,
        &lead.company_size,
        imported_at,
    );
    rescore(&mut db, &[id], imported_at).unwrap();
    assert_eq!(score_of(&db, id), 35.0, "after import");

    // 2. First white paper download.
    let mut download = event(
        id,
        "downloaded_white_paper",
        at("2024-06-03T09:00:00Z"),
        "ev-001",
    );
    download
        .properties
        .insert("asset".to_owned(), "wp-01".into());
    record_events(&mut db, &[download.clone()], download.occurred_at).unwrap();
    assert_eq!(score_of(&db, id), 45.0, "after ev-001");

    // 3. The same event delivered again.
    let retry = record_events(&mut db, &[download.clone()], download.occurred_at).unwrap();
    assert_eq!(retry.duplicates, 1);
    assert_eq!(score_of(&db, id), 45.0, "after the retry of ev-001");

    // 4. The same asset again under a new event id.
    let mut again = download.clone();
    again.external_id = Some("ev-002".to_owned());
    again.occurred_at = at("2024-06-03T09:04:00Z");
    record_events(&mut db, &[again.clone()], again.occurred_at).unwrap();
    assert_eq!(score_of(&db, id), 45.0, "after ev-002");

    // 5. A product page visit.
    let visit = event(
        id,
        "visited_product_page",
        at("2024-06-03T09:05:00Z"),
        "ev-003",
    );
    record_events(&mut db, std::slice::from_ref(&visit), visit.occurred_at).unwrap();
    assert_eq!(score_of(&db, id), 50.0, "after ev-003");

    // 6. Re-import of the unchanged row: fields written again, scored again.
    let reimport_at = at("2024-06-03T09:06:00Z");
    db.conn()
        .execute(
            "UPDATE leads SET job_title = ?2, updated_at = ?3 WHERE id = ?1",
            params![id, lead.job_title, reimport_at],
        )
        .unwrap();
    rescore(&mut db, &[id], reimport_at).unwrap();
    assert_eq!(score_of(&db, id), 50.0, "after the re-import");

    // 7. The company is renamed.
    db.conn()
        .execute(
            "UPDATE accounts SET name = 'Kuipers Digital' WHERE id = (SELECT account_id FROM leads WHERE id = ?1)",
            [id],
        )
        .unwrap();
    rescore(&mut db, &[id], at("2024-06-03T09:07:00Z")).unwrap();
    assert_eq!(score_of(&db, id), 50.0, "after the rename");

    // 8. Recalculate all from scratch.
    let summary = recompute(&mut db, at("2024-06-03T09:08:00Z")).unwrap();
    assert_eq!(summary.changed, 0, "recalculation changed a score");
    assert_eq!(score_of(&db, id), 50.0, "after recalculation");

    // 9. Two visits at the same moment, recorded by two connections at once.
    let same_moment = at("2024-06-03T09:10:00Z");
    let threads: Vec<_> = ["ev-004", "ev-005"]
        .into_iter()
        .map(|external_id| {
            let path = path.clone();
            std::thread::spawn(move || {
                let mut own = Database::open(&path).unwrap();
                let visit = event(id, "visited_product_page", same_moment, external_id);
                record_events(&mut own, &[visit], same_moment).unwrap();
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
    assert_eq!(score_of(&db, id), 60.0, "after ev-004 and ev-005");

    // The explanation shows fit 35 and exactly the four counted events.
    let explanation = explain(db.conn(), id, same_moment).unwrap();
    assert_eq!(explanation.score, 60.0);
    assert_eq!(explanation.fit, 35.0);
    let mut counted: Vec<String> = explanation
        .rules
        .iter()
        .flat_map(|part| part.details.iter())
        .filter(|detail| detail.counted)
        .filter_map(|detail| detail.external_id.clone())
        .collect();
    // ev-004 and ev-005 share a moment, so the order between them is free.
    counted.sort();
    assert_eq!(counted, ["ev-001", "ev-003", "ev-004", "ev-005"]);
    let total: f64 = explanation.rules.iter().map(|part| part.points).sum();
    assert_eq!(total, 60.0);

    // Exactly one automatic move, to MQL when ev-001 arrived.
    let moves: Vec<_> = history(&db, id)
        .into_iter()
        .filter(|(_, _, reason, _)| reason == "score")
        .collect();
    assert_eq!(
        moves,
        [(
            Some("new".to_owned()),
            "mql".to_owned(),
            "score".to_owned(),
            at("2024-06-03T09:00:00Z")
        )]
    );
}

#[test]
fn manual_stage_survives_recalculation() {
    let mut db = Database::open_in_memory().unwrap();
    let start = at("2024-06-10T08:00:00Z");
    use_rules(
        &mut db,
        vec![
            behaviour_rule("Engaged", "engaged", 20.0, Decay::Expire { days: 30.0 }),
            behaviour_rule("Interest", "interest", 25.0, Decay::None),
            behaviour_rule("Product page", "visited_product_page", 5.0, Decay::None),
            behaviour_rule("White paper", "downloaded_white_paper", 10.0, Decay::None),
        ],
        start,
    );
    let thresholds = Thresholds {
        mql: 40.0,
        warm: 55.0,
        sql: 60.0,
    };
    apply_thresholds(&mut db, thresholds, start).unwrap();
    let vera = insert_lead(
        &mut db,
        "vera.brouwer@example.nl",
        "Buyer",
        "Brouwer",
        "Retail",
        "11-50",
        start,
    );
    let wout = insert_lead(
        &mut db,
        "wout.kuijpers@example.nl",
        "Buyer",
        "Kuijpers",
        "Retail",
        "11-50",
        start,
    );

    // 1. Vera reaches 45 and becomes MQL automatically.
    let step1 = at("2024-06-10T09:00:00Z");
    record_events(
        &mut db,
        &[
            event(vera, "engaged", step1, "v1"),
            event(vera, "interest", step1, "v2"),
        ],
        step1,
    )
    .unwrap();
    assert_eq!(lead_state(&db, vera).0, 45.0);
    assert_eq!(lead_state(&db, vera).1, "mql");

    // 2. A person drags Vera to SQL.
    move_manually(
        &mut db,
        vera,
        Stage::Sql,
        "tester",
        at("2024-06-10T09:05:00Z"),
    )
    .unwrap();

    // 3. A new event: Vera stays SQL although 50 is below the SQL threshold.
    let step3 = at("2024-06-10T09:10:00Z");
    record_events(
        &mut db,
        &[event(vera, "visited_product_page", step3, "v3")],
        step3,
    )
    .unwrap();
    assert_eq!(lead_state(&db, vera), (50.0, "sql".to_owned(), true, true));

    // 4. Wout reaches 70 and becomes SQL automatically.
    let step4 = at("2024-06-10T09:15:00Z");
    record_events(
        &mut db,
        &[
            event(wout, "engaged", step4, "w1"),
            event(wout, "interest", step4, "w2"),
            event(wout, "interest", step4, "w3"),
        ],
        step4,
    )
    .unwrap();
    assert_eq!(lead_state(&db, wout).0, 70.0);
    assert_eq!(lead_state(&db, wout).1, "sql");

    // 5. A person disqualifies Wout.
    move_manually(
        &mut db,
        wout,
        Stage::Disqualified,
        "tester",
        at("2024-06-10T09:20:00Z"),
    )
    .unwrap();

    // 6. An unrelated edit, then 7. a new event: Wout stays disqualified.
    let step6 = at("2024-06-10T09:25:00Z");
    db.conn()
        .execute(
            "UPDATE leads SET job_title = 'Head of Buying' WHERE id = ?1",
            [wout],
        )
        .unwrap();
    rescore(&mut db, &[wout], step6).unwrap();
    let step7 = at("2024-06-10T09:30:00Z");
    record_events(
        &mut db,
        &[event(wout, "downloaded_white_paper", step7, "w4")],
        step7,
    )
    .unwrap();
    assert_eq!(lead_state(&db, wout).0, 80.0);
    assert_eq!(lead_state(&db, wout).1, "disqualified");

    // 8. A month later the engagement points have expired.
    let later = at("2024-07-10T12:00:00Z");
    let summary = recompute(&mut db, later).unwrap();
    assert_eq!(summary.moved.total(), 0);
    assert_eq!(lead_state(&db, vera), (30.0, "sql".to_owned(), true, true));
    assert_eq!(lead_state(&db, wout).0, 60.0);
    assert_eq!(lead_state(&db, wout).1, "disqualified");

    // The stage history contains the two automatic and the two manual moves only.
    let as_tuple = |from: &str, to: &str, reason: &str, when: &str| {
        (
            Some(from.to_owned()),
            to.to_owned(),
            reason.to_owned(),
            at(when),
        )
    };
    assert_eq!(
        history(&db, vera),
        [
            as_tuple("new", "mql", "score", "2024-06-10T09:00:00Z"),
            as_tuple("mql", "sql", "manual", "2024-06-10T09:05:00Z"),
        ]
    );
    assert_eq!(
        history(&db, wout),
        [
            as_tuple("new", "sql", "score", "2024-06-10T09:15:00Z"),
            as_tuple("sql", "disqualified", "manual", "2024-06-10T09:20:00Z"),
        ]
    );
}
