//! Scoring speed on 100,000 demo leads with 1,000,000 events and 20 rules:
//! full recomputation against one hand-written SQL aggregate over the same
//! events, and threshold preview redraws.
//!
//! Run with `cargo bench -p leadbench --bench scoring`.

use std::time::{Duration, Instant};

use leadbench::charts::Theme;
use leadbench::demo::{generate, DemoOptions};
use leadbench::scoring::backtest::{candidate_thresholds, Outcomes};
use leadbench::scoring::chart::preview_chart;
use leadbench::scoring::defaults::default_rules;
use leadbench::scoring::preview::ScoreSnapshot;
use leadbench::scoring::rules::{
    BehaviourRule, Decay, PropertyFilter, Rule, RuleBody, RuleSet, Test,
};
use leadbench::scoring::stages::Thresholds;
use leadbench::scoring::{recompute, store};
use leadbench::Database;

const LEADS: u32 = 100_000;
const EVENTS: i64 = 1_000_000;
const RUNS: usize = 5;
const REDRAWS: usize = 200;
const DAY: i64 = 86_400;

/// CPU time of the whole process, all threads, from Linux's /proc/self/stat
/// (user plus system, 10 ms resolution). Unlike wall time, it does not grow
/// while other processes hold the cores. A full recomputation reads events
/// on a second thread, so the calling thread's time alone would miss that.
fn cpu_time() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after_name = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<u64> = after_name
        .split_whitespace()
        .map(|field| field.parse().unwrap_or(0))
        .collect();
    // Fields 14 and 15 of proc(5) (utime, stime) are 11 and 12 here.
    let ticks = fields.get(11).copied().unwrap_or(0) + fields.get(12).copied().unwrap_or(0);
    Duration::from_millis(ticks * 10)
}

/// Runs `work`, returning its result with the wall time and CPU time it took.
fn timed<T>(work: impl FnOnce() -> T) -> (T, Duration, Duration) {
    let (wall, cpu) = (Instant::now(), cpu_time());
    let result = work();
    (result, wall.elapsed(), cpu_time() - cpu)
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1_000.0
}

/// Returns the default rules plus two page rules, 20 in all.
fn bench_rules() -> Vec<Rule> {
    let page_rule = |name: &str, url: &str, points: f64| Rule {
        id: None,
        name: name.to_owned(),
        key: None,
        enabled: true,
        body: RuleBody::Behaviour(BehaviourRule {
            event_type: "page_view".to_owned(),
            filter: Some(PropertyFilter {
                property: "url".to_owned(),
                test: Test::Contains {
                    value: url.to_owned(),
                },
            }),
            points,
            cap: Some(10.0),
            decay: Decay::HalfLife { days: 30.0 },
            once_per: None,
        }),
    };
    let mut rules = default_rules();
    rules.push(page_rule("Blog visit", "/blog", 1.0));
    rules.push(page_rule("Customer stories", "/customers", 2.0));
    rules
}

/// Adds synthetic events, spread over all leads and the scored event
/// types, until the database contains exactly `EVENTS` events.
fn top_up_events(db: &mut Database, until: i64) {
    let existing: i64 = db
        .conn()
        .query_row("SELECT COUNT(*) FROM events", [], |r| r.get(0))
        .unwrap();
    let missing = (EVENTS - existing).max(0);
    let tx = db.write().unwrap();
    tx.execute(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1)
         INSERT INTO events (lead_id, type, occurred_at, properties, source, external_id)
         SELECT 1 + (i * 7919) % ?2,
                CASE i % 5 WHEN 0 THEN 'email_click' WHEN 1 THEN 'form_submitted'
                           WHEN 2 THEN 'whitepaper_download' ELSE 'page_view' END,
                ?3 - (i * 104729) % (180 * 86400),
                CASE i % 4 WHEN 0 THEN '{\"url\":\"/pricing\"}' WHEN 1 THEN '{\"url\":\"/blog/x\"}'
                           ELSE '{\"url\":\"/product\"}' END,
                'bench', 'bench-' || i
         FROM n",
        rusqlite::params![missing, LEADS, until],
    )
    .unwrap();
    tx.commit().unwrap();
}

/// Runs one SQL statement that sums fixed points per lead over the same
/// events, without decay, caps or filters. It is the floor any scoring pass
/// pays to read the events.
fn sql_aggregate(db: &Database) -> usize {
    let mut stmt = db
        .conn()
        .prepare(
            "SELECT lead_id, SUM(CASE type
                    WHEN 'whitepaper_download' THEN 10 WHEN 'webinar_registration' THEN 10
                    WHEN 'page_view' THEN 5 WHEN 'demo_request' THEN 25
                    WHEN 'email_click' THEN 3 WHEN 'form_submitted' THEN 5 ELSE 0 END)
             FROM events GROUP BY lead_id",
        )
        .unwrap();
    let rows = stmt
        .query_map([], |row| Ok((row.get::<_, i64>(0)?, row.get::<_, f64>(1)?)))
        .unwrap();
    rows.map(Result::unwrap).count()
}

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bench.db");
    let until = leadbench::time::parse_instant("until", "2024-12-31").unwrap();
    let mut db = Database::open(&path).unwrap();

    let started = Instant::now();
    generate(
        &mut db,
        &DemoOptions {
            leads: LEADS,
            seed: 1,
            until,
        },
    )
    .unwrap();
    println!(
        "demo data, {LEADS} leads scored by the engine: {:.0} ms",
        ms(started.elapsed())
    );

    top_up_events(&mut db, until);
    let set = RuleSet {
        version: 1,
        rules: bench_rules(),
    };
    store::import_rules(&mut db, &set, until).unwrap();
    let (leads, events): (i64, i64) = db
        .conn()
        .query_row(
            "SELECT (SELECT COUNT(*) FROM leads), (SELECT COUNT(*) FROM events)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    println!("{leads} leads, {events} events, {} rules", set.rules.len());
    // Warm the page cache so both sides read from memory.
    recompute(&mut db, until).unwrap();

    // Each run scores one day later, so decay changes most scores and
    // every run writes them.
    let (mut sql_wall, mut sql_cpu) = (Vec::new(), Vec::new());
    let (mut full_wall, mut full_cpu) = (Vec::new(), Vec::new());
    let mut changed = 0;
    for run in 0..RUNS {
        let (groups, wall, cpu) = timed(|| sql_aggregate(&db));
        assert!(groups > 0);
        sql_wall.push(wall);
        sql_cpu.push(cpu);

        let (summary, wall, cpu) =
            timed(|| recompute(&mut db, until + (run as i64 + 1) * DAY).unwrap());
        full_wall.push(wall);
        full_cpu.push(cpu);
        changed = summary.changed;
    }
    // The same moment again: every score is already stored, so nothing is written.
    let (mut still_wall, mut still_cpu) = (Vec::new(), Vec::new());
    for _ in 0..RUNS {
        let (groups, wall, cpu) = timed(|| sql_aggregate(&db));
        assert!(groups > 0);
        sql_wall.push(wall);
        sql_cpu.push(cpu);

        let (unchanged, wall, cpu) =
            timed(|| recompute(&mut db, until + RUNS as i64 * DAY).unwrap());
        assert_eq!(unchanged.changed, 0);
        still_wall.push(wall);
        still_cpu.push(cpu);
    }
    let (no_writes_wall, no_writes_cpu) = (median(still_wall), median(still_cpu));

    let (sql_wall, sql_cpu) = (median(sql_wall), median(sql_cpu));
    let (full_wall, full_cpu) = (median(full_wall), median(full_cpu));
    println!(
        "SQL aggregate (sum of points per lead): median {:.0} ms wall, {:.0} ms CPU",
        ms(sql_wall),
        ms(sql_cpu)
    );
    println!(
        "full recomputation writing {changed} changed scores: median {:.0} ms wall ({:.2}x), {:.0} ms CPU ({:.2}x)",
        ms(full_wall),
        full_wall.as_secs_f64() / sql_wall.as_secs_f64(),
        ms(full_cpu),
        full_cpu.as_secs_f64() / sql_cpu.as_secs_f64()
    );
    println!(
        "full recomputation with nothing to write: median {:.0} ms wall ({:.2}x), {:.0} ms CPU ({:.2}x)",
        ms(no_writes_wall),
        no_writes_wall.as_secs_f64() / sql_wall.as_secs_f64(),
        ms(no_writes_cpu),
        no_writes_cpu.as_secs_f64() / sql_cpu.as_secs_f64()
    );

    // The tuning screen loads scores once, then redraws at each slider move.
    let started = Instant::now();
    let snapshot = ScoreSnapshot::load(db.conn()).unwrap();
    println!(
        "threshold preview, load {} scores: {:.0} ms",
        snapshot.scores().len(),
        ms(started.elapsed())
    );
    let mut redraws = Vec::with_capacity(REDRAWS);
    for step in 0..REDRAWS {
        let mql = 20.0 + (step % 40) as f64;
        let thresholds = Thresholds {
            mql,
            warm: mql + 15.0,
            sql: mql + 35.0,
        };
        let started = Instant::now();
        let chart =
            preview_chart(&snapshot, &thresholds, "Scores", (720, 320), Theme::Light).unwrap();
        redraws.push(started.elapsed());
        assert!(chart.preview.stages.new > 0);
        assert!(chart.svg.len() > 1_000);
    }
    let worst = *redraws.iter().max().unwrap();
    println!(
        "threshold preview redraw (counts + SVG histogram): median {:.2} ms, worst {:.2} ms over {REDRAWS} redraws",
        ms(median(redraws)),
        ms(worst)
    );

    // The backtest scores every lead with an outcome once, when the screen opens.
    let (outcomes, wall, cpu) = timed(|| Outcomes::load(db.conn()).unwrap());
    let backtest = outcomes.evaluate(&candidate_thresholds(&snapshot, 50), &snapshot);
    println!(
        "backtest, score {} leads with an outcome at their outcome time: {:.0} ms wall, {:.0} ms CPU",
        backtest.decided,
        ms(wall),
        ms(cpu)
    );

    // The writes of a recomputation alone, as plain SQL: every lead gets a
    // new score and behaviour part, with the score index rebuilt around
    // the update as recomputation does. Nothing is read or computed, so no
    // recomputation that changes every score can write in less time.
    let (mut floor_wall, mut floor_cpu) = (Vec::new(), Vec::new());
    for run in 0..RUNS {
        let (_, wall, cpu) = timed(|| write_floor(&mut db, run));
        floor_wall.push(wall);
        floor_cpu.push(cpu);
    }
    let (floor_wall, floor_cpu) = (median(floor_wall), median(floor_cpu));
    println!(
        "writes alone as plain SQL (UPDATE of every score, index rebuilt, commit): median {:.0} ms wall ({:.2}x), {:.0} ms CPU ({:.2}x)",
        ms(floor_wall),
        floor_wall.as_secs_f64() / sql_wall.as_secs_f64(),
        ms(floor_cpu),
        floor_cpu.as_secs_f64() / sql_cpu.as_secs_f64()
    );
}

/// Rewrites every lead's score in one transaction, dropping and creating
/// the indexes that contain the score around it.
fn write_floor(db: &mut Database, run: usize) {
    let indexes: Vec<(String, String)> = {
        let mut stmt = db
            .conn()
            .prepare(
                "SELECT m.name, m.sql FROM sqlite_master m
                 WHERE m.type = 'index' AND m.tbl_name = 'leads' AND m.sql IS NOT NULL
                   AND EXISTS (SELECT 1 FROM pragma_index_info(m.name) i WHERE i.name = 'score')",
            )
            .unwrap();
        let rows = stmt
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
            .unwrap();
        rows.map(Result::unwrap).collect()
    };
    let old_cache: i64 = db
        .conn()
        .query_row("PRAGMA cache_size", [], |row| row.get(0))
        .unwrap();
    db.conn()
        .execute_batch("PRAGMA cache_size = -131072")
        .unwrap();
    let tx = db.write().unwrap();
    for (name, _) in &indexes {
        tx.execute_batch(&format!("DROP INDEX {name}")).unwrap();
    }
    let step = if run % 2 == 0 { 0.01 } else { -0.01 };
    tx.execute(
        "UPDATE leads SET score = score + ?1, score_behaviour = score_behaviour + ?1",
        [step],
    )
    .unwrap();
    for (_, sql) in &indexes {
        tx.execute_batch(sql).unwrap();
    }
    tx.commit().unwrap();
    db.conn()
        .pragma_update(None, "cache_size", old_cache)
        .unwrap();
}
