//! Import speed of a generated 100,000-lead CSV file (12 columns, 5 %
//! duplicates, a few bad rows). The file is imported into an empty database
//! and into one that already contains 1,000,000 leads. A third run imports
//! into a database whose only lead and stage change have id 100,000, so the
//! import updates every index row by row instead of building the indexes at
//! the end: it shows what that deferral saves. The `sqlite3` shell's
//! `.import` of the same file into a plain table is the baseline, measured
//! in the same run.
//!
//! Run with `cargo bench -p leadbench --bench import`. Needs the `sqlite3`
//! command-line shell on the PATH (Debian package `sqlite3`).

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use leadbench::import::{self, Control, ImportKind, ImportRequest};
use leadbench::Database;

const ROWS: usize = 100_000;
const EXISTING_LEADS: i64 = 1_000_000;
const RUNS: usize = 7;

/// Writes the benchmark file: every 20th row repeats an earlier person
/// with other capitals and spaces (5 % duplicates), and every 10,000th row
/// has an invalid e-mail address or an impossible date.
fn write_csv(path: &Path) {
    let mut text = String::with_capacity(ROWS * 160);
    text.push_str("Email,First name,Last name,Company,Job title,Phone,Country,Industry,Source,Created,Consent,Notes\n");
    let titles = [
        "Head of Sales",
        "CMO",
        "Office manager",
        "CTO",
        "Inkoper",
        "Directeur",
    ];
    let sources = ["webinar", "linkedin", "website", "referral", "trade_fair"];
    for i in 0..ROWS {
        let person = if i % 20 == 19 { i - 7 } else { i };
        let mut email = format!("person{person}@company{}.example", person % 20_000);
        if i % 20 == 19 {
            email = format!(" {} ", email.to_uppercase());
        }
        if i % 10_000 == 5_000 {
            email = "not an address".to_owned();
        }
        let day = if i % 10_000 == 7_000 { 31 } else { i % 28 + 1 };
        let month = if day == 31 { 4 } else { i % 12 + 1 };
        writeln!(
            text,
            "{email},Anna{person},\"Jansen, {person}\",Company {} B.V.,{},+31 6 {:08},NL,Software,{},{day:02}-{month:02}-2024,{},note {i}",
            person % 20_000,
            titles[i % titles.len()],
            person,
            sources[i % sources.len()],
            if i % 3 == 0 { "yes" } else { "no" },
        )
        .unwrap();
    }
    std::fs::write(path, text).unwrap();
}

/// Fills a database with `count` leads and their accounts and stage rows,
/// the way an earlier import would leave them.
fn fill(path: &Path, count: i64) {
    let mut db = Database::open(path).unwrap();
    let tx = db.write().unwrap();
    tx.execute_batch(&format!(
        "INSERT INTO accounts (name, created_at)
           WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 50000)
           SELECT 'Existing ' || i, 1700000000 FROM n;
         INSERT INTO leads (external_id, email, first_name, last_name, job_title, account_id, source, stage,
                            stage_changed_at, created_at, updated_at)
           WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {count})
           SELECT 'X-' || i, 'old' || (i * 7919 % {count}) || '.' || i || '@customer' || (i % 50000) || '.example',
                  'First' || i, 'Last' || i, 'Buyer', i % 50000 + 1, 'website', 'mql',
                  1700000000 + i, 1700000000 + i, 1700000000 + i
           FROM n;
         INSERT INTO stage_changes (lead_id, from_stage, to_stage, changed_at, reason)
           SELECT id, NULL, 'mql', created_at, 'import' FROM leads;"
    ))
    .unwrap();
    tx.commit().unwrap();
    db.conn()
        .execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")
        .unwrap();
}

fn copy_database(from: &Path, to: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", to.display()));
    }
    std::fs::copy(from, to).unwrap();
}

/// Wall-clock and CPU time (user plus system) of one measured step.
#[derive(Clone, Copy, Default)]
struct Timing {
    wall: Duration,
    cpu: Duration,
}

/// CPU time used so far by this process (`self`) or by its waited-for
/// children, from /proc/self/stat (Linux, 10 ms resolution).
fn cpu_time(children: bool) -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after_name = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<u64> = after_name
        .split_whitespace()
        .map(|field| field.parse().unwrap_or(0))
        .collect();
    // Fields 14-17 of proc(5) (utime, stime, cutime, cstime) are 11-14 here.
    let ticks = if children {
        fields.get(13).copied().unwrap_or(0) + fields.get(14).copied().unwrap_or(0)
    } else {
        fields.get(11).copied().unwrap_or(0) + fields.get(12).copied().unwrap_or(0)
    };
    Duration::from_millis(ticks * 10)
}

fn time_sqlite3(csv: &Path, dir: &Path) -> Option<Timing> {
    let db = dir.join("sqlite3.db");
    let _ = std::fs::remove_file(&db);
    let cpu_start = cpu_time(true);
    let start = Instant::now();
    let status = Command::new("sqlite3")
        .arg(&db)
        .arg(".mode csv")
        .arg(format!(".import {} plain", csv.display()))
        .status()
        .ok()?;
    let timing = Timing {
        wall: start.elapsed(),
        cpu: cpu_time(true) - cpu_start,
    };
    status.success().then_some(timing)
}

/// Runs the writes that an import of the benchmark file cannot avoid, as
/// plain SQL in the `sqlite3` shell, from the table that `.import` left in
/// `sqlite3.db`. It writes the accounts, one lead per row with its e-mail
/// address and one stage change per lead, and then builds the indexes that
/// the import defers. No CSV is parsed and no value is checked, so no
/// import of the file into this schema can take less time.
fn time_sql_floor(dir: &Path, empty_template: &Path) -> Option<Timing> {
    let db = dir.join("floor.db");
    copy_database(empty_template, &db);
    let deferred: Vec<(String, String)> = {
        let conn = rusqlite::Connection::open(empty_template).unwrap();
        let mut stmt = conn
            .prepare(
                "SELECT name, sql FROM sqlite_schema
                 WHERE type = 'index' AND tbl_name IN ('leads', 'stage_changes')
                   AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%'
                   AND name <> 'leads_email'",
            )
            .unwrap();
        let rows = stmt
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
            .unwrap();
        rows.map(Result::unwrap).collect()
    };
    let mut script = format!(
        "PRAGMA cache_size = -131072; PRAGMA synchronous = NORMAL;
         PRAGMA foreign_keys = OFF; PRAGMA ignore_check_constraints = ON;
         ATTACH '{}' AS p;
         BEGIN IMMEDIATE;\n",
        dir.join("sqlite3.db").display()
    );
    for (name, _) in &deferred {
        writeln!(script, "DROP INDEX {name};").unwrap();
    }
    script.push_str(
        "INSERT INTO accounts (name, country, industry, created_at)
           SELECT DISTINCT Company, Country, Industry, 0 FROM p.plain;
         CREATE TEMP TABLE account_ids AS SELECT id, name FROM accounts;
         CREATE INDEX temp.account_ids_name ON account_ids (name);
         INSERT INTO leads (email, first_name, last_name, phone, job_title, account_id, source,
                            stage, stage_changed_at, consent, created_at, updated_at, custom_fields)
           SELECT lower(trim(Email)), \"First name\", \"Last name\", Phone, \"Job title\",
                  (SELECT id FROM account_ids WHERE name = plain.Company), Source, 'new',
                  1700000000 + rowid, Consent = 'yes', 1700000000 + rowid, 1700000000,
                  json_object('notes', Notes)
           FROM p.plain;
         INSERT INTO stage_changes (lead_id, from_stage, to_stage, changed_at, reason, actor)
           SELECT id, NULL, stage, created_at, 'import', 'import' FROM leads;\n",
    );
    for (_, sql) in &deferred {
        writeln!(script, "{sql};").unwrap();
    }
    script.push_str("COMMIT;\n");

    let cpu_start = cpu_time(true);
    let start = Instant::now();
    let mut child = Command::new("sqlite3")
        .arg(&db)
        .stdin(std::process::Stdio::piped())
        .spawn()
        .ok()?;
    {
        use std::io::Write as _;
        child.stdin.take()?.write_all(script.as_bytes()).ok()?;
    }
    let status = child.wait().ok()?;
    let timing = Timing {
        wall: start.elapsed(),
        cpu: cpu_time(true) - cpu_start,
    };
    let conn = rusqlite::Connection::open(&db).ok()?;
    let leads: i64 = conn
        .query_row("SELECT COUNT(*) FROM leads", [], |row| row.get(0))
        .ok()?;
    (status.success() && leads == ROWS as i64).then_some(timing)
}

fn time_import(csv: &Path, db_path: &Path) -> (Timing, import::ImportReport) {
    let mut db = Database::open(db_path).unwrap();
    let request = ImportRequest {
        path: csv.to_owned(),
        kind: ImportKind::Leads,
        ..ImportRequest::default()
    };
    let cpu_start = cpu_time(false);
    let start = Instant::now();
    let report = import::run(&mut db, &request, &mut Control::default()).unwrap();
    let timing = Timing {
        wall: start.elapsed(),
        cpu: cpu_time(false) - cpu_start,
    };
    (timing, report)
}

/// Returns the fastest run by wall-clock time, and the least CPU time.
fn best(times: &[Timing]) -> (f64, f64) {
    let wall = times.iter().map(|t| t.wall).min().unwrap_or_default();
    let cpu = times.iter().map(|t| t.cpu).min().unwrap_or_default();
    (wall.as_secs_f64(), cpu.as_secs_f64())
}

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("leads-100k.csv");
    write_csv(&csv);
    let size = std::fs::metadata(&csv).unwrap().len();
    println!("file: {ROWS} rows, 12 columns, {:.1} MB", size as f64 / 1e6);

    let empty_template = dir.path().join("empty-template.db");
    Database::open(&empty_template).unwrap();

    // One lead with a high id makes the table count as large, so the
    // import keeps its indexes and updates them row by row.
    let row_by_row_template = dir.path().join("row-by-row-template.db");
    {
        let db = Database::open(&row_by_row_template).unwrap();
        db.conn()
            .execute_batch(
                "INSERT INTO leads (id, email, stage, stage_changed_at, created_at, updated_at)
                   VALUES (100000, 'placeholder@example.invalid', 'new', 0, 0, 0);
                 INSERT INTO stage_changes (id, lead_id, to_stage, changed_at, reason)
                   VALUES (100000, 100000, 'new', 0, 'import');",
            )
            .unwrap();
    }

    let fill_start = Instant::now();
    let full_template = dir.path().join("full-template.db");
    fill(&full_template, EXISTING_LEADS);
    println!(
        "filled {EXISTING_LEADS} leads in {:.1} s",
        fill_start.elapsed().as_secs_f64()
    );

    // The four measurements take turns, so a burst of load from other
    // processes slows all of them rather than one.
    let (mut sqlite3, mut empty_times, mut row_by_row_times, mut full_times) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut floor = Vec::new();
    let mut report = None;
    for _ in 0..RUNS {
        sqlite3.extend(time_sqlite3(&csv, dir.path()));
        floor.extend(time_sql_floor(dir.path(), &empty_template));

        let target = dir.path().join("empty.db");
        copy_database(&empty_template, &target);
        let (timing, run_report) = time_import(&csv, &target);
        empty_times.push(timing);
        report = Some(run_report);

        let target = dir.path().join("row-by-row.db");
        copy_database(&row_by_row_template, &target);
        row_by_row_times.push(time_import(&csv, &target).0);

        let target = dir.path().join("full.db");
        copy_database(&full_template, &target);
        full_times.push(time_import(&csv, &target).0);
    }

    let report = report.unwrap();
    println!(
        "report: created {}, updated {}, skipped {}, rejected {}",
        report.created, report.updated, report.skipped, report.rejected
    );
    println!("best of {RUNS} runs:                       wall      cpu");
    let (empty_wall, empty_cpu) = best(&empty_times);
    let (full_wall, full_cpu) = best(&full_times);
    let (row_wall, row_cpu) = best(&row_by_row_times);
    println!("leadbench import, empty database:    {empty_wall:6.3} s {empty_cpu:6.3} s");
    println!("same, indexes updated row by row:    {row_wall:6.3} s {row_cpu:6.3} s");
    println!("leadbench import, {EXISTING_LEADS} leads:    {full_wall:6.3} s {full_cpu:6.3} s");
    match sqlite3.is_empty() {
        true => println!("sqlite3 .import: not measured (sqlite3 shell missing or failed)"),
        false => {
            let (wall, cpu) = best(&sqlite3);
            println!("sqlite3 .import into a plain table:  {wall:6.3} s {cpu:6.3} s");
            println!(
                "ratio vs sqlite3 .import (target 2x): {:6.2}x {:6.2}x",
                empty_wall / wall,
                empty_cpu / cpu
            );
            if !floor.is_empty() {
                let (floor_wall, floor_cpu) = best(&floor);
                println!(
                    "same writes as plain SQL (floor):    {floor_wall:6.3} s {floor_cpu:6.3} s"
                );
                println!(
                    "floor vs sqlite3 .import:             {:6.2}x {:6.2}x",
                    floor_wall / wall,
                    floor_cpu / cpu
                );
            }
        }
    }
    println!(
        "ratio 1M leads vs empty (target 1.5x):{:6.2}x {:6.2}x",
        full_wall / empty_wall,
        full_cpu / empty_cpu
    );
}
