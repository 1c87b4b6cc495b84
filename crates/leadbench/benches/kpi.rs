//! Times the KPI dashboard over 100,000 leads and 1,000,000 events: reading
//! the facts, computing every KPI, trend and split, and drawing every chart,
//! next to a raw-SQLite baseline of plain COUNT and SUM queries over the
//! same range.
//!
//! Run with `cargo bench -p leadbench --bench kpi`.

use std::time::{Duration, Instant};

use leadbench::charts::Theme;
use leadbench::demo::{self, DemoOptions};
use leadbench::kpi::charts::{self, ChartKind, ChartLabels, ChartRequest};
use leadbench::kpi::range::{self, RangeRequest};
use leadbench::kpi::FitScores;
use leadbench::kpi::{self, report, Facts, KpiRequest, StoredFitScores};
use leadbench::Database;

const LEADS: u32 = 100_000;
const EVENTS: i64 = 1_000_000;
const RUNS: usize = 7;
const BUDGET: Duration = Duration::from_millis(150);

fn main() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let until = leadbench::time::parse_instant("until", "2024-12-31").expect("date");
    // KPI_BENCH_DB names a database built by an earlier run, to skip the
    // minute it takes to generate the data.
    let reuse = std::env::var_os("KPI_BENCH_DB").map(std::path::PathBuf::from);
    let path = reuse.clone().unwrap_or_else(|| dir.path().join("bench.db"));
    let fresh = !path.exists();
    let mut db = Database::open(&path).expect("database");

    let started = Instant::now();
    if fresh {
        demo::generate(
            &mut db,
            &DemoOptions {
                leads: LEADS,
                seed: 1,
                until,
            },
        )
        .expect("demo data");
        top_up_events(&mut db);
    }
    let events: i64 = count(&db, "SELECT COUNT(*) FROM events");
    let changes: i64 = count(&db, "SELECT COUNT(*) FROM stage_changes");
    println!(
        "data: {LEADS} leads, {events} events, {changes} stage changes (built in {:.1} s)",
        started.elapsed().as_secs_f64()
    );

    let zone = chrono_tz::Europe::Amsterdam;
    // Noon UTC on the last day, which is the same date in Amsterdam.
    let now = until + 12 * 3_600;
    let requests = [
        ("last 90 days", RangeRequest::Last90Days),
        ("year to date", RangeRequest::YearToDate),
        ("all time", RangeRequest::AllTime),
    ];
    for (name, range_request) in requests {
        let request = KpiRequest {
            range: range_request,
            time_zone: Some(zone.name().into()),
            ..KpiRequest::default()
        };
        let resolved = {
            let today = range::local_date(now, zone);
            let facts = Facts::load(db.conn(), &StoredFitScores).expect("facts");
            range::resolve(&request.range, zone, today, facts.span(zone)).expect("range")
        };

        let mut baseline = Vec::new();
        let mut load = Vec::new();
        let mut compute = Vec::new();
        let mut svg = Vec::new();
        let mut png = Vec::new();
        let mut cold = Vec::new();
        let mut warm = Vec::new();
        let mut app_cold = Vec::new();
        let mut fit_scan = Vec::new();
        let mut cold_cpu = Vec::new();
        let mut warm_cpu = Vec::new();
        let labels = ChartLabels::english();
        for _ in 0..RUNS {
            baseline.push(time(|| raw_baseline(&db, resolved.start, resolved.end)));

            let begin = Instant::now();
            let begin_cpu = thread_cpu();
            let facts = Facts::load(db.conn(), &StoredFitScores).expect("facts");
            load.push(begin.elapsed());

            let step = Instant::now();
            let step_cpu = thread_cpu();
            let report = report::build(&facts, &request, zone, "EUR", now).expect("report");
            compute.push(step.elapsed());

            let charts_start = Instant::now();
            for kind in ChartKind::ALL {
                charts::svg(&report, kind, (900, 500), Theme::Light, &labels).expect("svg");
            }
            svg.push(charts_start.elapsed());
            cold.push(begin.elapsed());
            warm.push(step.elapsed());
            cold_cpu.push(thread_cpu().saturating_sub(begin_cpu));
            warm_cpu.push(thread_cpu().saturating_sub(step_cpu));

            // The app's path: a new Dashboard (so the facts are read), the
            // report, then the six charts with their hover regions, which
            // reuse that report. The range is fixed dates, as "now" is real.
            let fixed = KpiRequest {
                range: RangeRequest::Custom {
                    from: Some(resolved.from.to_string()),
                    to: Some(resolved.to.to_string()),
                },
                ..request.clone()
            };
            app_cold.push(time(|| {
                let mut dashboard = kpi::Dashboard::default();
                dashboard.report(db.conn(), &fixed).expect("report");
                for kind in ChartKind::ALL {
                    let chart = ChartRequest {
                        chart: kind,
                        kpi: fixed.clone(),
                        theme: Theme::Light,
                        width: 640,
                        height: 360,
                        labels: labels.clone(),
                    };
                    dashboard.chart_image(db.conn(), &chart).expect("chart");
                }
            }));
            // The separate scan of the wide lead rows that reading the fit
            // scores took before they moved into the covering index.
            fit_scan.push(time(|| {
                StoredFitScores.load(db.conn()).expect("fit scores");
            }));

            png.push(time(|| {
                for kind in ChartKind::ALL {
                    charts::png(&report, kind, (900, 500), Theme::Dark, &labels).expect("png");
                }
            }));
        }

        println!(
            "\n{name} ({} to {}), wall time median / max of {RUNS} runs:",
            resolved.from, resolved.to
        );
        print_row("raw SQLite COUNT/SUM baseline", &mut baseline);
        print_row("read facts", &mut load);
        print_row("all KPIs, trends, splits", &mut compute);
        print_row("all 6 charts as SVG", &mut svg);
        print_row("cold: facts, KPIs, SVG charts", &mut cold);
        print_row("  CPU time, calling thread only", &mut cold_cpu);
        print_row("warm: KPIs and SVG charts", &mut warm);
        print_row("  CPU time, calling thread only", &mut warm_cpu);
        print_row("all 6 charts as PNG (export)", &mut png);
        print_row(
            "app cold: Dashboard report + 6 charts with hover",
            &mut app_cold,
        );
        print_row("separate fit score scan (no longer run)", &mut fit_scan);
        let verdict = |samples: &[Duration]| {
            let worst = samples.iter().max().copied().unwrap_or_default();
            if worst < BUDGET {
                "within"
            } else {
                "OVER"
            }
        };
        println!(
            "  budget {} ms: cold {}, warm {}",
            BUDGET.as_millis(),
            verdict(&cold),
            verdict(&warm)
        );
    }

    // The public entry point, as the app calls it, once.
    let request = KpiRequest::default();
    let step = Instant::now();
    kpi::dashboard_at(db.conn(), &request, now).expect("dashboard");
    println!(
        "\nkpi::dashboard_at (all time, settings read too): {:.1} ms",
        ms(step.elapsed())
    );
}

/// Runs the plain queries a hand-written dashboard would run for one range.
fn raw_baseline(db: &Database, start: i64, end: i64) {
    let conn = db.conn();
    let one = |sql: &str| -> i64 {
        conn.query_row(sql, [start, end], |row| row.get::<_, Option<i64>>(0))
            .expect("baseline query")
            .unwrap_or(0)
    };
    one("SELECT COUNT(*) FROM leads WHERE created_at >= ?1 AND created_at < ?2");
    one("SELECT COUNT(DISTINCT lead_id) FROM stage_changes WHERE to_stage = 'mql' AND changed_at >= ?1 AND changed_at < ?2");
    one("SELECT COUNT(DISTINCT lead_id) FROM stage_changes WHERE to_stage = 'customer' AND changed_at >= ?1 AND changed_at < ?2");
    one("SELECT SUM(value_cents) FROM deals WHERE won_at >= ?1 AND won_at < ?2");
    one("SELECT SUM(cost_cents) + 0 * ?1 * ?2 FROM campaigns");
    one("SELECT SUM(visitors) + 0 * ?1 * ?2 FROM campaigns");
}

/// Copies existing events until the table contains [`EVENTS`] rows.
fn top_up_events(db: &mut Database) {
    let missing = EVENTS - count(db, "SELECT COUNT(*) FROM events");
    if missing <= 0 {
        return;
    }
    let tx = db.write().expect("write");
    tx.execute(
        "INSERT INTO events (lead_id, type, occurred_at, properties, source)
         SELECT lead_id, type, occurred_at + 60, properties, 'bench' FROM events LIMIT ?1",
        [missing],
    )
    .expect("top up events");
    tx.commit().expect("commit");
}

fn count(db: &Database, sql: &str) -> i64 {
    db.conn()
        .query_row(sql, [], |row| row.get(0))
        .expect("count")
}

fn time(work: impl FnOnce()) -> Duration {
    let begin = Instant::now();
    work();
    begin.elapsed()
}

/// Returns the CPU time this thread has run so far, from Linux's
/// `/proc/thread-self/schedstat` (nanoseconds on a CPU), so a busy shared
/// machine can be distinguished from slow code. Zero on other systems.
fn thread_cpu() -> Duration {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|text| text.split_whitespace().next()?.parse().ok())
        .map(Duration::from_nanos)
        .unwrap_or_default()
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1_000.0
}

fn print_row(name: &str, samples: &mut [Duration]) {
    samples.sort();
    let median = samples[samples.len() / 2];
    let max = samples[samples.len() - 1];
    println!("  {name:<32} {:>8.1} ms {:>8.1} ms", ms(median), ms(max));
}
