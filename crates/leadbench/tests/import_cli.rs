//! `leadbench import` and `leadbench export` through the real binary.

#[path = "import_support/mod.rs"]
mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::{case, olist};
use serde_json::Value;

fn leadbench(db: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_leadbench"))
        .arg("--db")
        .arg(db)
        .args(args)
        .output()
        .unwrap()
}

fn json(output: &Output) -> Value {
    assert!(
        output.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

fn arg(path: &Path) -> &str {
    path.to_str().unwrap()
}

#[test]
fn olist_funnel_through_cli() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("leads.db");
    let mqls = olist("marketing_qualified_leads.csv");
    let deals = olist("closed_deals.csv");

    let report = json(&leadbench(
        &db,
        &["import", "leads", arg(&mqls), "--stage", "mql", "--json"],
    ));
    let keys: Vec<&String> = report.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        ["created", "errors", "rejected", "skipped", "updated", "warnings"]
    );
    assert_eq!(report["created"], 8_000);
    assert_eq!(report["rejected"], 0);
    assert_eq!(report["errors"], Value::Array(Vec::new()));

    let report = json(&leadbench(
        &db,
        &["import", "outcomes", arg(&deals), "--json"],
    ));
    assert_eq!(report["created"], 842);
    assert_eq!(report["rejected"], 0);
    assert_eq!(report["warnings"], 1);

    let stats = json(&leadbench(&db, &["stats", "--json"]));
    assert_eq!(stats["leads"], 8_000);
    assert_eq!(stats["stages"]["customer"], 842);
    assert_eq!(stats["stages"]["mql"], 7_158);

    let exported = dir.path().join("customers.csv");
    let output = leadbench(
        &db,
        &["export", "leads", arg(&exported), "--stage", "customer"],
    );
    assert!(output.status.success());
    let text = std::fs::read_to_string(&exported).unwrap();
    assert_eq!(text.lines().count(), 843);
    assert!(text.lines().next().unwrap().contains("landing_page_id"));
}

#[test]
fn dry_run_and_errors_in_json() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("leads.db");
    let file = case("04-csv-quoted-newlines.csv");

    let report = json(&leadbench(
        &db,
        &["import", "leads", arg(&file), "--dry-run", "--json"],
    ));
    assert_eq!(report["created"], 3);
    assert_eq!(report["rejected"], 1);
    assert_eq!(report["errors"][0]["line"], 5);
    assert_eq!(report["errors"][0]["column"], "email");
    assert_eq!(report["errors"][0]["value"], "");
    assert!(report["errors"][0]["reason"]
        .as_str()
        .unwrap()
        .contains("e-mail"));
    let stats = json(&leadbench(&db, &["stats", "--json"]));
    assert_eq!(stats["leads"], 0);
}

#[test]
fn ambiguous_dates_need_date_order() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("leads.db");
    let file = dir.path().join("dates.csv");
    std::fs::write(
        &file,
        "email,created\na@example.nl,03/04/2024\nb@example.nl,12/03/2024\n",
    )
    .unwrap();

    let output = leadbench(&db, &["import", "leads", arg(&file)]);
    assert!(!output.status.success());
    let message = String::from_utf8_lossy(&output.stderr);
    assert!(message.contains("\"created\""), "{message}");
    assert!(message.contains("--date-order"), "{message}");

    let report = json(&leadbench(
        &db,
        &[
            "import",
            "leads",
            arg(&file),
            "--date-order",
            "dmy",
            "--json",
        ],
    ));
    assert_eq!(report["created"], 2);
    let leads = json(&leadbench(&db, &["leads", "--json"]));
    let mut created: Vec<&str> = leads["leads"]
        .as_array()
        .unwrap()
        .iter()
        .map(|lead| lead["created_at"].as_str().unwrap())
        .collect();
    created.sort();
    assert_eq!(created, ["2024-03-12T00:00:00Z", "2024-04-03T00:00:00Z"]);
}

#[test]
fn map_option_names_columns() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("leads.db");
    let file = dir.path().join("fair.csv");
    std::fs::write(
        &file,
        "Adres;Wie;Beurs\na@example.nl;Anna Visser;Vakbeurs\n",
    )
    .unwrap();

    let report = json(&leadbench(
        &db,
        &[
            "import",
            "leads",
            arg(&file),
            "--map",
            "email=Adres",
            "--map",
            "full_name=Wie",
            "--campaign",
            "Vakbeurs 2024",
            "--json",
        ],
    ));
    assert_eq!(report["created"], 1);
    let leads = json(&leadbench(&db, &["leads", "--json"]));
    assert_eq!(leads["leads"][0]["email"], "a@example.nl");
    assert_eq!(leads["leads"][0]["name"], "Anna Visser");

    let output = leadbench(&db, &["import", "leads", arg(&file), "--map", "mail=Adres"]);
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("\"mail\""));
}

#[test]
fn history_and_undo_commands() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("leads.db");
    let file = case("02-csv-semicolon-excel.csv");
    json(&leadbench(&db, &["import", "leads", arg(&file), "--json"]));

    let history = json(&leadbench(&db, &["import", "history", "--json"]));
    assert_eq!(
        history["imports"][0]["file_name"],
        "02-csv-semicolon-excel.csv"
    );
    let id = history["imports"][0]["id"].as_i64().unwrap().to_string();

    let undo = json(&leadbench(&db, &["import", "undo", &id, "--json"]));
    assert_eq!(undo["undone"], true);
    assert_eq!(undo["leads_deleted"], 3);
    let stats = json(&leadbench(&db, &["stats", "--json"]));
    assert_eq!(stats["leads"], 0);
}
