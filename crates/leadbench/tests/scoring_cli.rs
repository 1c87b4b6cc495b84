//! The `score`, `thresholds` and `rules` commands, run through the real
//! `leadbench` binary.

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
        .unwrap()
}

fn json_of(output: &Output) -> Value {
    assert!(
        output.status.success(),
        "command failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

fn demo_database(dir: &Path) -> std::path::PathBuf {
    let db = dir.join("cli.db");
    let output = leadbench(&db, &["demo", "--leads", "400", "--until", "2024-12-31"]);
    assert!(output.status.success());
    db
}

fn keys(value: &Value) -> Vec<&str> {
    let mut keys: Vec<&str> = value
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort();
    keys
}

#[test]
fn recompute_prints_counts() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_database(dir.path());

    let first = json_of(&leadbench(&db, &["score", "recompute", "--json"]));
    assert_eq!(keys(&first), ["changed", "leads", "moved"]);
    assert_eq!(keys(&first["moved"]), ["mql", "sql", "warm"]);
    assert_eq!(first["leads"], 400);

    // Nothing changed in between, so a second run changes nothing.
    let second = json_of(&leadbench(&db, &["score", "recompute", "--json"]));
    assert_eq!(second["changed"], 0);
    assert_eq!(second["moved"]["mql"], 0);
    assert_eq!(second["moved"]["warm"], 0);
    assert_eq!(second["moved"]["sql"], 0);
}

#[test]
fn thresholds_shown_set_and_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_database(dir.path());

    let shown = json_of(&leadbench(&db, &["thresholds", "--json"]));
    assert_eq!(
        shown,
        serde_json::json!({"mql": 40.0, "warm": 60.0, "sql": 80.0})
    );

    let set = json_of(&leadbench(
        &db,
        &[
            "thresholds",
            "--mql",
            "30",
            "--warm",
            "50",
            "--sql",
            "70",
            "--json",
        ],
    ));
    assert_eq!(set["mql"], 30.0);
    assert_eq!(set["previous"]["mql"], 40.0);
    assert!(set["moved"]["mql"].as_u64().unwrap() > 0);

    let rejected = [
        (["--mql", "lots"], "not a number"),
        (["--mql", "-5"], "cannot be negative"),
        (["--mql", "60"], "must rise"),
    ];
    for (args, expected) in rejected {
        let mut command = vec!["thresholds"];
        command.extend(args);
        let output = leadbench(&db, &command);
        assert!(!output.status.success(), "{args:?} was accepted");
        let message = String::from_utf8_lossy(&output.stderr);
        assert!(message.contains(expected), "{args:?}: {message}");
    }
    let after = json_of(&leadbench(&db, &["thresholds", "--json"]));
    assert_eq!(
        after,
        serde_json::json!({"mql": 30.0, "warm": 50.0, "sql": 70.0})
    );
}

#[test]
fn explain_parts_add_up() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_database(dir.path());
    let email: String = rusqlite::Connection::open(&db)
        .unwrap()
        .query_row("SELECT email FROM leads WHERE id = 7", [], |r| r.get(0))
        .unwrap();

    for lead in ["7", email.as_str(), &email.to_uppercase()] {
        let explained = json_of(&leadbench(&db, &["score", "explain", lead, "--json"]));
        assert_eq!(
            keys(&explained),
            ["behaviour", "fit", "lead", "rules", "score"]
        );
        assert_eq!(explained["lead"], 7);
        let hundredths = |value: &Value| (value.as_f64().unwrap() * 100.0).round() as i64;
        let parts: i64 = explained["rules"]
            .as_array()
            .unwrap()
            .iter()
            .map(|part| {
                assert_eq!(keys(part), ["events", "kind", "points", "rule"]);
                hundredths(&part["points"])
            })
            .sum();
        assert_eq!(parts, hundredths(&explained["score"]));
        assert_eq!(
            hundredths(&explained["fit"]) + hundredths(&explained["behaviour"]),
            hundredths(&explained["score"])
        );
    }

    let missing = leadbench(&db, &["score", "explain", "nobody@example.com"]);
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("nobody@example.com"));
}

#[test]
fn rules_export_and_import() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_database(dir.path());
    let file = dir.path().join("rules.json");
    let file_text = file.to_str().unwrap();

    let exported = json_of(&leadbench(&db, &["rules", "export", file_text, "--json"]));
    let count = exported["rules"].as_u64().unwrap();
    assert!(count >= 10);

    let imported = json_of(&leadbench(&db, &["rules", "import", file_text, "--json"]));
    assert_eq!(imported["rules"].as_u64(), Some(count));
    assert_eq!(imported["rescored"]["leads"], 400);

    // One rule with a cap of zero: the import fails and names the rule.
    let mut set: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    let rule = set["rules"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|rule| rule["body"]["kind"] == "behaviour")
        .unwrap();
    rule["body"]["cap"] = Value::from(0);
    let name = rule["name"].as_str().unwrap().to_owned();
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, set.to_string()).unwrap();
    let output = leadbench(&db, &["rules", "import", bad.to_str().unwrap()]);
    assert!(!output.status.success());
    let message = String::from_utf8_lossy(&output.stderr);
    assert!(message.contains(&name), "{message}");
    assert!(message.contains("cap 0"), "{message}");

    let again = dir.path().join("again.json");
    leadbench(&db, &["rules", "export", again.to_str().unwrap()]);
    let normalize = |path: &Path| {
        let mut value: Value =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        for rule in value["rules"].as_array_mut().unwrap() {
            rule["id"] = Value::Null;
        }
        value
    };
    assert_eq!(
        normalize(&again),
        normalize(&file),
        "rules changed by a rejected import"
    );
}
