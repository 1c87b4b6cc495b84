//! The `leadbench` binary as a user runs it: JSON shapes, exit codes and
//! error messages.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

fn leadbench(db: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_leadbench"))
        .arg("--db")
        .arg(db)
        .args(args)
        .env_remove("LEADBENCH_DB")
        .output()
        .expect("cannot run the leadbench binary")
}

fn json_of(output: &Output) -> Value {
    assert!(
        output.status.success(),
        "leadbench failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("stdout is not one JSON object")
}

#[test]
fn demo_then_stats_and_leads() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db");

    let demo = json_of(&leadbench(
        &db,
        &[
            "demo",
            "--leads",
            "500",
            "--seed",
            "4",
            "--until",
            "2024-12-31",
            "--json",
        ],
    ));
    assert_eq!(demo["leads"], 500);

    let stats = json_of(&leadbench(&db, &["stats", "--json"]));
    assert_eq!(stats["leads"], 500);
    let stages = stats["stages"].as_object().unwrap();
    let names: Vec<&str> = stages.keys().map(String::as_str).collect();
    assert_eq!(names.len(), 6);
    for stage in ["new", "mql", "warm", "sql", "customer", "disqualified"] {
        assert!(stages.contains_key(stage), "missing stage {stage}");
    }
    let sum: u64 = stages.values().map(|v| v.as_u64().unwrap()).sum();
    assert_eq!(sum, 500);

    let listed = json_of(&leadbench(
        &db,
        &["leads", "--stage", "sql", "--limit", "3", "--json"],
    ));
    let leads = listed["leads"].as_array().unwrap();
    assert_eq!(leads.len(), 3);
    for lead in leads {
        assert_eq!(lead["stage"], "sql");
        for field in [
            "id",
            "external_id",
            "email",
            "name",
            "company",
            "score",
            "created_at",
        ] {
            assert!(lead.get(field).is_some(), "lead has no {field}: {lead}");
        }
        assert!(lead["created_at"].as_str().unwrap().ends_with('Z'));
    }
}

#[test]
fn same_seed_gives_same_leads() {
    let dir = tempfile::tempdir().unwrap();
    let run = |name: &str| {
        let db = dir.path().join(name);
        json_of(&leadbench(
            &db,
            &[
                "demo",
                "--leads",
                "50",
                "--seed",
                "11",
                "--until",
                "2024-01-31",
                "--json",
            ],
        ));
        json_of(&leadbench(&db, &["leads", "--limit", "50", "--json"]))
    };
    assert_eq!(run("a.db"), run("b.db"));
}

#[test]
fn unknown_stage_rejected_with_hint() {
    let dir = tempfile::tempdir().unwrap();
    let output = leadbench(
        &dir.path().join("x.db"),
        &["leads", "--stage", "hot", "--json"],
    );
    assert!(!output.status.success());
    let message = String::from_utf8_lossy(&output.stderr);
    assert!(message.contains("\"hot\""), "{message}");
    assert!(
        message.contains("new, mql, warm, sql, customer, disqualified"),
        "{message}"
    );
    assert!(output.stdout.is_empty());
}

#[test]
fn unreadable_file_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let text_file = dir.path().join("notes.db");
    std::fs::write(
        &text_file,
        "not a database at all, just some notes\n".repeat(200),
    )
    .unwrap();
    let output = leadbench(&text_file, &["stats", "--json"]);
    assert!(!output.status.success());
    let message = String::from_utf8_lossy(&output.stderr);
    assert!(message.contains("is not a Leadbench database"), "{message}");
}

#[test]
fn missing_folder_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let output = leadbench(&dir.path().join("no/such/folder/x.db"), &["stats"]);
    assert!(!output.status.success());
    let message = String::from_utf8_lossy(&output.stderr);
    assert!(message.contains("folder does not exist"), "{message}");
}

#[test]
fn bad_argument_exits_non_zero() {
    let dir = tempfile::tempdir().unwrap();
    let output = leadbench(&dir.path().join("x.db"), &["demo", "--leads", "many"]);
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("many"));
}

#[test]
fn demo_leads_zero_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let output = leadbench(&dir.path().join("x.db"), &["demo", "--leads", "0"]);
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("choose between 1 and"));
}
