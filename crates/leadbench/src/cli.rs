//! The `leadbench` command-line tool. Every command accepts `--json` and
//! then prints exactly one JSON object on stdout; errors go to stderr with a
//! non-zero exit code.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use serde_json::json;

use crate::demo::{DemoOptions, DEFAULT_LEADS};
use crate::error::{Error, Result};
use crate::model::{LeadQuery, LeadSort, Stage};
use crate::Database;

#[derive(Debug, Parser)]
#[command(
    name = "leadbench",
    version,
    about = "Local-first lead database: demo data, leads, stage counts, CSV import and export"
)]
struct Cli {
    /// Database file to use (default: LEADBENCH_DB, else leadbench.db in the app-data folder).
    #[arg(long, global = true, value_name = "PATH")]
    db: Option<PathBuf>,

    /// Print one JSON object on stdout instead of text.
    #[arg(long, global = true)]
    json: bool,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Fill an empty database with deterministic demo data.
    Demo {
        /// Number of leads to generate.
        #[arg(long, default_value_t = DEFAULT_LEADS)]
        leads: u32,
        /// Seed of the generator; the same seed and end date give the same data.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Last day of the generated year of history (YYYY-MM-DD, default today).
        #[arg(long, value_name = "DATE")]
        until: Option<String>,
    },
    /// List leads, newest first.
    Leads {
        /// Only leads in this stage (new, mql, warm, sql, customer, disqualified).
        #[arg(long)]
        stage: Option<String>,
        /// Maximum number of leads to print.
        #[arg(long, default_value_t = 50)]
        limit: u32,
        /// Only leads whose name, e-mail or company contains this text.
        #[arg(long)]
        search: Option<String>,
    },
    /// Count leads per stage.
    Stats,
    /// Nurture sequences: run due steps, list sequences and the outbox.
    Nurture {
        #[command(subcommand)]
        command: crate::nurture::cli::NurtureCommand,
    },
    /// Print the six KPIs for a date range, in total and per channel.
    Kpi(crate::kpi::cli::KpiArgs),
    /// Draw a dashboard chart into an SVG or PNG file, or the whole dashboard into a PDF.
    Chart(crate::kpi::cli::ChartArgs),
    /// Import leads, outcomes or activity from a CSV file.
    #[command(subcommand)]
    Import(crate::import::cli::ImportCommand),
    /// Export leads to a CSV file.
    #[command(subcommand)]
    Export(crate::import::cli::ExportCommand),
    /// Recompute or explain lead scores.
    Score {
        #[command(subcommand)]
        action: crate::scoring::cli::ScoreCommand,
    },
    /// Show the MQL, Warm and SQL thresholds, or apply new ones.
    Thresholds(crate::scoring::cli::ThresholdArgs),
    /// Export or import the scoring rules as JSON.
    Rules {
        #[command(subcommand)]
        action: crate::scoring::cli::RulesCommand,
    },
}

/// Runs the tool with the process arguments and returns its exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(output) => {
            // A reader that stops early (`leadbench leads | head`) closes the
            // pipe; that is not an error of ours, so it is not reported.
            let mut stdout = std::io::stdout().lock();
            match writeln!(stdout, "{output}") {
                Err(error) if error.kind() != std::io::ErrorKind::BrokenPipe => {
                    eprintln!("leadbench: cannot write the output: {error}");
                    ExitCode::FAILURE
                }
                _ => ExitCode::SUCCESS,
            }
        }
        Err(error) => {
            eprintln!("leadbench: {error}");
            ExitCode::FAILURE
        }
    }
}

fn database_path(cli: &Cli) -> Result<PathBuf> {
    if let Some(path) = &cli.db {
        return Ok(path.clone());
    }
    if let Some(path) = std::env::var_os("LEADBENCH_DB").filter(|p| !p.is_empty()) {
        return Ok(PathBuf::from(path));
    }
    let path = crate::db::default_path()?;
    if let Some(folder) = path.parent() {
        std::fs::create_dir_all(folder).map_err(|source| Error::Io {
            path: folder.to_owned(),
            source,
        })?;
    }
    Ok(path)
}

fn run(cli: Cli) -> Result<String> {
    let path = database_path(&cli)?;
    if let Some(folder) = path.parent().filter(|f| !f.as_os_str().is_empty()) {
        if !folder.is_dir() {
            return Err(Error::invalid(
                "--db",
                path.display().to_string(),
                "the folder does not exist; create it first or choose another path",
            ));
        }
    }
    let mut db = Database::open(&path)?;

    match cli.command {
        Command::Import(command) => crate::import::cli::run_import(&mut db, command, cli.json),
        Command::Export(command) => crate::import::cli::run_export(&db, command, cli.json),
        Command::Score { action } => crate::scoring::cli::run_score(&mut db, action, cli.json),
        Command::Thresholds(args) => crate::scoring::cli::run_thresholds(&mut db, args, cli.json),
        Command::Rules { action } => crate::scoring::cli::run_rules(&mut db, action, cli.json),
        Command::Demo { leads, seed, until } => {
            let until = match until {
                Some(text) => crate::time::parse_instant("--until", &text)?,
                None => crate::time::now(),
            };
            let summary = crate::demo::generate(&mut db, &DemoOptions { leads, seed, until })?;
            if cli.json {
                Ok(serde_json::to_string(&summary).unwrap_or_default())
            } else {
                Ok(format!(
                    "Generated {} leads, {} accounts, {} campaigns, {} events and {} customers in {}",
                    summary.leads,
                    summary.accounts,
                    summary.campaigns,
                    summary.events,
                    summary.customers,
                    path.display()
                ))
            }
        }
        Command::Leads {
            stage,
            limit,
            search,
        } => {
            let stage = stage.as_deref().map(str::parse::<Stage>).transpose()?;
            let page = crate::leads::list(
                db.conn(),
                &LeadQuery {
                    offset: 0,
                    limit,
                    stage,
                    search,
                    sort: LeadSort::CreatedAt,
                    descending: true,
                    ids: None,
                },
            )?;
            if cli.json {
                let leads: Vec<_> = page
                    .rows
                    .iter()
                    .map(|row| {
                        json!({
                            "id": row.id,
                            "external_id": row.external_id,
                            "email": row.email,
                            "name": row.name,
                            "company": row.company,
                            "stage": row.stage,
                            "score": row.score,
                            "created_at": row.created_at,
                        })
                    })
                    .collect();
                Ok(json!({ "leads": leads, "total": page.total }).to_string())
            } else {
                let mut text = format!(
                    "{:>7}  {:<28} {:<34} {:<12} {:>6}  {}\n",
                    "id", "name", "e-mail", "stage", "score", "created"
                );
                for row in &page.rows {
                    text.push_str(&format!(
                        "{:>7}  {:<28} {:<34} {:<12} {:>6.1}  {}\n",
                        row.id,
                        truncate(row.name.as_deref().unwrap_or("-"), 28),
                        truncate(row.email.as_deref().unwrap_or("-"), 34),
                        row.stage.as_str(),
                        row.score,
                        row.created_at
                    ));
                }
                text.push_str(&format!("{} of {} leads", page.rows.len(), page.total));
                Ok(text)
            }
        }
        Command::Nurture { command } => crate::nurture::cli::run(&mut db, command, cli.json),
        Command::Kpi(args) => crate::kpi::cli::run_kpi(&db, &args, cli.json),
        Command::Chart(args) => crate::kpi::cli::run_chart(&db, &args, cli.json),
        Command::Stats => {
            let stats = crate::leads::stats(db.conn())?;
            if cli.json {
                Ok(json!({ "leads": stats.leads, "stages": stats.stages }).to_string())
            } else {
                let s = &stats.stages;
                Ok(format!(
                    "{} leads: new {}, mql {}, warm {}, sql {}, customer {}, disqualified {}",
                    stats.leads, s.new, s.mql, s.warm, s.sql, s.customer, s.disqualified
                ))
            }
        }
    }
}

fn truncate(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        text.to_owned()
    } else {
        let mut cut: String = text.chars().take(width - 1).collect();
        cut.push('…');
        cut
    }
}
