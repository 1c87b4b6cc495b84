//! Deterministic demo data: the same seed and end date always give the same
//! database, so screenshots, tests and benchmarks can rely on it.
//!
//! The generator writes twelve months of history ending at `until`:
//! campaigns with cost and visitors, accounts with several contacts each,
//! behaviour events, stage history and won deals. Scores come from the
//! scoring engine with the database's rules (the default rule set in a new
//! database), computed at the end of the history. A lead's stage follows
//! from its score with the saved thresholds, and a share of the leads that
//! reached SQL became customers.

use rusqlite::{params, Transaction};
use serde::Serialize;
use ts_rs::TS;

use crate::error::{Error, Result};
use crate::model::Stage;
use crate::scoring::engine::{CompiledRules, EventFact, LeadFacts, LeadFields};
use crate::scoring::rules::from_hundredths;
use crate::Database;

/// Options of [`generate`].
#[derive(Debug, Clone)]
pub struct DemoOptions {
    pub leads: u32,
    pub seed: u64,
    /// End of the generated history, in Unix seconds (UTC).
    pub until: i64,
}

/// Number of leads generated when no count is given.
pub const DEFAULT_LEADS: u32 = 2_000;
/// Largest number of leads the generator accepts.
pub const MAX_LEADS: u32 = 5_000_000;

/// Counts of what [`generate`] wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct DemoSummary {
    pub leads: u32,
    pub accounts: u32,
    pub campaigns: u32,
    pub events: u32,
    pub customers: u32,
}

const DAY: i64 = 86_400;
const HISTORY_DAYS: i64 = 365;

/// Small, fast and reproducible random numbers (SplitMix64). The standard
/// generators of `rand` do not promise the same sequence across versions.
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// Picks an index with the given relative weights.
    fn weighted(&mut self, weights: &[u32]) -> usize {
        let total: u32 = weights.iter().sum();
        let mut roll = (self.next_u64() % u64::from(total)) as u32;
        for (index, weight) in weights.iter().enumerate() {
            if roll < *weight {
                return index;
            }
            roll -= weight;
        }
        weights.len() - 1
    }
}

struct Channel {
    name: &'static str,
    weight: u32,
    /// Buying intent of leads from this channel, which scales their activity.
    intent: f64,
    paid: bool,
    direction: &'static str,
}

const CHANNELS: &[Channel] = &[
    Channel {
        name: "Organic search",
        weight: 26,
        intent: 1.0,
        paid: false,
        direction: "inbound",
    },
    Channel {
        name: "Paid search",
        weight: 18,
        intent: 0.9,
        paid: true,
        direction: "inbound",
    },
    Channel {
        name: "LinkedIn Ads",
        weight: 14,
        intent: 0.8,
        paid: true,
        direction: "inbound",
    },
    Channel {
        name: "Email",
        weight: 12,
        intent: 0.9,
        paid: true,
        direction: "outbound",
    },
    Channel {
        name: "Referral",
        weight: 9,
        intent: 1.5,
        paid: false,
        direction: "inbound",
    },
    Channel {
        name: "Webinar",
        weight: 9,
        intent: 1.3,
        paid: true,
        direction: "inbound",
    },
    Channel {
        name: "Trade fair",
        weight: 7,
        intent: 1.2,
        paid: true,
        direction: "outbound",
    },
    Channel {
        name: "Direct",
        weight: 5,
        intent: 1.1,
        paid: false,
        direction: "inbound",
    },
];

const FIRST_NAMES: &[&str] = &[
    "Anna", "Bram", "Daan", "Emma", "Femke", "Lars", "Lotte", "Milan", "Noah", "Sanne", "Sem",
    "Tess", "Thijs", "Julia", "Ruben", "Ilse", "Olaf", "Hanna", "Margot", "Tobias", "Oliver",
    "Amelia", "George", "Isla", "Harry", "Sophie", "Jack", "Grace", "Lucas", "Mila", "Finn", "Eva",
    "Sara", "David", "Laura", "Marco", "Nina", "Pieter", "Yara", "Zoë",
];

const LAST_NAMES: &[&str] = &[
    "de Jong",
    "Jansen",
    "de Vries",
    "van den Berg",
    "Bakker",
    "Visser",
    "Smit",
    "Meijer",
    "de Boer",
    "Mulder",
    "Dekker",
    "Kramer",
    "Hendriks",
    "Vink",
    "Brandt",
    "Lemaire",
    "Smith",
    "Jones",
    "Taylor",
    "Brown",
    "Williams",
    "Wilson",
    "Evans",
    "Thomas",
    "Walker",
    "Wright",
    "Müller",
    "Schmidt",
    "Dubois",
    "Martin",
    "Peeters",
    "Janssens",
    "Claes",
    "Wouters",
];

const COMPANY_FIRST: &[&str] = &[
    "Noord",
    "Zuid",
    "Delta",
    "Polder",
    "Blue Harbor",
    "Kade",
    "Nova",
    "Linde",
    "Oak",
    "Vector",
    "Brug",
    "Duin",
    "Summit",
    "Meridian",
    "Atlas",
    "Klaver",
    "Tulp",
    "Granite",
    "Helix",
    "Orbit",
];

const COMPANY_SECOND: &[&str] = &[
    "Logistics",
    "Software",
    "Analytics",
    "Bouw",
    "Techniek",
    "Health",
    "Finance",
    "Retail",
    "Energy",
    "Media",
    "Systems",
    "Foods",
    "Consultancy",
    "Labs",
    "Industries",
    "Partners",
];

const LEGAL_FORMS: &[&str] = &["B.V.", "N.V.", "Ltd", "GmbH", "", "", "BV"];

/// Industries with their relative frequency.
const INDUSTRIES: &[(&str, u32)] = &[
    ("Software", 20),
    ("Financial services", 12),
    ("Manufacturing", 14),
    ("Healthcare", 10),
    ("Logistics", 10),
    ("Retail", 12),
    ("Construction", 8),
    ("Education", 7),
    ("Hospitality", 7),
];

/// Company size bands with their relative frequency.
const SIZE_BANDS: &[(&str, u32)] = &[
    ("1-10", 18),
    ("11-50", 28),
    ("51-200", 26),
    ("201-1000", 18),
    ("1000+", 10),
];

const COUNTRIES: &[(&str, u32)] = &[
    ("NL", 45),
    ("BE", 15),
    ("DE", 15),
    ("GB", 12),
    ("FR", 8),
    ("US", 5),
];

/// Job titles with their relative frequency.
const JOB_TITLES: &[(&str, u32)] = &[
    ("CEO", 6),
    ("Founder", 5),
    ("Managing Director", 5),
    ("Head of Marketing", 8),
    ("Marketing Director", 6),
    ("Sales Director", 6),
    ("CTO", 4),
    ("Marketing Manager", 12),
    ("Sales Manager", 10),
    ("Operations Manager", 8),
    ("IT Manager", 6),
    ("Marketing Specialist", 9),
    ("Account Executive", 7),
    ("Student", 3),
    ("Intern", 3),
];

/// Behaviour event types with their relative frequency; the default rule
/// set scores all of them.
const EVENT_TYPES: &[(&str, u32)] = &[
    ("page_view", 48),
    ("email_click", 18),
    ("whitepaper_download", 10),
    ("webinar_registration", 7),
    ("form_submitted", 8),
    ("demo_request", 3),
];

const PAGES: &[&str] = &[
    "/",
    "/blog/lead-scoring",
    "/product",
    "/pricing",
    "/customers",
    "/about",
];

const WHITE_PAPERS: &[&str] = &["wp-roi", "wp-gdpr", "wp-playbook"];

const OWNERS: &[&str] = &[
    "Sanne de Vries",
    "Milan Bakker",
    "Grace Walker",
    "Pieter Claes",
];

const LOST_REASONS: &[&str] = &[
    "No budget",
    "Chose a competitor",
    "No response",
    "Not a fit",
];

/// Fills an empty database with demo data in one transaction.
pub fn generate(db: &mut Database, options: &DemoOptions) -> Result<DemoSummary> {
    if options.leads == 0 || options.leads > MAX_LEADS {
        return Err(Error::invalid(
            "number of demo leads",
            options.leads.to_string(),
            format!("choose between 1 and {MAX_LEADS}"),
        ));
    }
    let existing: i64 = db
        .conn()
        .query_row("SELECT COUNT(*) FROM leads", [], |r| r.get(0))?;
    if existing > 0 {
        return Err(Error::invalid(
            "database",
            db.path().display().to_string(),
            format!(
                "it already holds {existing} leads; load demo data into a new, empty database file"
            ),
        ));
    }

    // A large page cache keeps the one big transaction from spilling pages
    // to the WAL file before it commits.
    let summary = crate::scoring::recompute::with_large_cache(db, |db| {
        let tx = db.write()?;
        let summary = write_demo(&tx, options)?;
        crate::nurture::demo_data::seed(&tx, options.until)?;
        tx.commit()?;
        Ok(summary)
    })?;
    tracing::info!(
        leads = summary.leads,
        events = summary.events,
        "demo data generated"
    );
    Ok(summary)
}

struct Campaign {
    id: i64,
    channel: usize,
    starts: i64,
    ends: i64,
}

fn write_demo(tx: &Transaction<'_>, options: &DemoOptions) -> Result<DemoSummary> {
    let mut rng = Rng(options.seed ^ 0x1EAD_BE4C);
    let until = options.until - options.until.rem_euclid(DAY);
    let start = until - HISTORY_DAYS * DAY;
    let mut summary = DemoSummary::default();

    // Campaigns: one per paid channel and quarter, plus an always-on one for
    // each unpaid channel, so cost and visitors cover the whole year.
    let mut campaigns: Vec<Campaign> = Vec::new();
    {
        let mut insert = tx.prepare(
            "INSERT INTO campaigns (name, channel, direction, starts_on, ends_on, cost_cents, currency, visitors)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'EUR', ?7)",
        )?;
        let scale = f64::from(options.leads) / f64::from(DEFAULT_LEADS);
        for (index, channel) in CHANNELS.iter().enumerate() {
            let quarters = if channel.paid { 4 } else { 1 };
            for quarter in 0..quarters {
                let length = HISTORY_DAYS * DAY / quarters;
                let starts = start + length * quarter;
                let ends = starts + length - DAY;
                let name = if channel.paid {
                    format!("{} Q{}", channel.name, quarter + 1)
                } else {
                    format!("{} (always on)", channel.name)
                };
                let cost_cents = if channel.paid {
                    ((1_500_000.0 + rng.unit() * 4_500_000.0) * scale) as i64
                } else {
                    0
                };
                let leads_share =
                    f64::from(channel.weight) / 100.0 * f64::from(options.leads) / quarters as f64;
                let visitors = (leads_share * (15.0 + rng.unit() * 25.0)) as i64;
                insert.execute(params![
                    name,
                    channel.name,
                    channel.direction,
                    date_text(starts),
                    date_text(ends),
                    cost_cents,
                    visitors
                ])?;
                campaigns.push(Campaign {
                    id: tx.last_insert_rowid(),
                    channel: index,
                    starts,
                    ends,
                });
                summary.campaigns += 1;
            }
        }
    }

    // Accounts: about one for every three leads.
    let account_count = (options.leads / 3).max(1);
    // Industry, size band and country of each account, for scoring.
    let mut account_facts: Vec<(&str, &str, &str)> = Vec::with_capacity(account_count as usize);
    let mut account_domains: Vec<String> = Vec::with_capacity(account_count as usize);
    {
        let mut insert = tx.prepare(
            "INSERT INTO accounts (name, domain, industry, size_band, country, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?;
        for number in 0..account_count {
            let first = rng.pick(COMPANY_FIRST);
            let second = rng.pick(COMPANY_SECOND);
            let legal = rng.pick(LEGAL_FORMS);
            // The number keeps names and domains unique in large demos.
            let name = if number < 200 {
                format!("{first} {second} {legal}").trim().to_owned()
            } else {
                format!("{first} {second} {} {legal}", number / 200)
                    .trim()
                    .to_owned()
            };
            let domain = format!(
                "{}{}.example",
                slug(&format!("{first}{second}")),
                if number < 200 {
                    String::new()
                } else {
                    (number / 200).to_string()
                }
            );
            let industry =
                &INDUSTRIES[rng.weighted(&INDUSTRIES.iter().map(|i| i.1).collect::<Vec<_>>())];
            let size =
                &SIZE_BANDS[rng.weighted(&SIZE_BANDS.iter().map(|s| s.1).collect::<Vec<_>>())];
            let country =
                COUNTRIES[rng.weighted(&COUNTRIES.iter().map(|c| c.1).collect::<Vec<_>>())].0;
            insert.execute(params![name, &domain, industry.0, size.0, country, start])?;
            account_facts.push((industry.0, size.0, country));
            account_domains.push(domain);
            summary.accounts += 1;
        }
    }
    let first_account_id: i64 = tx.query_row("SELECT MIN(id) FROM accounts", [], |r| r.get(0))?;

    let channel_weights: Vec<u32> = CHANNELS.iter().map(|c| c.weight).collect();
    let title_weights: Vec<u32> = JOB_TITLES.iter().map(|t| t.1).collect();
    let event_weights: Vec<u32> = EVENT_TYPES.iter().map(|e| e.1).collect();

    let mut insert_lead = tx.prepare(
        "INSERT INTO leads (external_id, email, first_name, last_name, phone, job_title, account_id, source,
                            campaign_id, owner, stage, stage_changed_at, score, consent, created_at, updated_at,
                            custom_fields, score_fit, score_behaviour, disqualified_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?15, ?16, ?17, ?18, ?19)",
    )?;
    let mut insert_event = tx.prepare(
        "INSERT INTO events (lead_id, type, occurred_at, properties, source, external_id)
         VALUES (?1, ?2, ?3, ?4, 'demo', ?5)",
    )?;
    let mut insert_change = tx.prepare(
        "INSERT INTO stage_changes (lead_id, from_stage, to_stage, changed_at, reason, actor, score)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    let mut insert_deal = tx.prepare(
        "INSERT INTO deals (lead_id, value_cents, currency, won_at, lost_at, lost_reason)
         VALUES (?1, ?2, 'EUR', ?3, ?4, ?5)",
    )?;

    let rules = CompiledRules::new(&crate::scoring::store::list_rules(tx)?);
    let thresholds = crate::scoring::stages::current_thresholds(tx)?;
    let mut event_number: u64 = 0;
    for number in 0..options.leads {
        // Lead volume grows over the year: later days are more likely.
        let position = rng.unit().sqrt();
        let created_at = start + (position * (HISTORY_DAYS * DAY) as f64) as i64;
        let channel_index = rng.weighted(&channel_weights);
        let channel = &CHANNELS[channel_index];
        let campaign_id = campaigns
            .iter()
            .find(|c| {
                c.channel == channel_index && c.starts <= created_at && created_at <= c.ends + DAY
            })
            .map(|c| c.id);
        let account_offset = rng.below(account_facts.len());
        let account_id = first_account_id + account_offset as i64;
        let title = &JOB_TITLES[rng.weighted(&title_weights)];
        let first_name = *rng.pick(FIRST_NAMES);
        let last_name = *rng.pick(LAST_NAMES);
        let email = format!(
            "{}.{}{}@{}",
            slug(first_name),
            slug(last_name),
            number,
            account_domains[account_offset]
        );
        let phone = format!("+31 6 {:04} {:04}", rng.below(10_000), rng.below(10_000));
        let consent = !rng.chance(0.06);
        let do_not_contact = rng.chance(0.01);
        let custom = format!(
            r#"{{"newsletter":{},"do_not_contact":{do_not_contact}}}"#,
            rng.chance(0.4)
        );

        // Behaviour: a latent intent drives how many events a lead has.
        let intent = channel.intent * (0.2 + rng.unit() * 1.6);
        let event_count = (intent * intent * 6.0 + rng.unit() * 3.0) as u32;
        let mut moments: Vec<i64> = Vec::with_capacity(event_count as usize);
        let span = (until - created_at).max(DAY);
        for _ in 0..event_count {
            moments.push(created_at + (rng.unit() * span as f64) as i64);
        }
        moments.sort_unstable();

        let mut events = Vec::with_capacity(moments.len());
        for occurred_at in &moments {
            let kind = EVENT_TYPES[rng.weighted(&event_weights)].0;
            let properties = match kind {
                "page_view" => format!(r#"{{"url":"{}"}}"#, rng.pick(PAGES)),
                "whitepaper_download" => format!(r#"{{"asset":"{}"}}"#, rng.pick(WHITE_PAPERS)),
                _ => "{}".to_owned(),
            };
            events.push((kind, *occurred_at, properties));
        }

        // The score comes from the scoring engine, as `score recompute` at
        // the end of the history would compute it.
        let (industry, size_band, country) = account_facts[account_offset];
        let facts = LeadFacts::new(
            &LeadFields {
                job_title: Some(title.0),
                industry: Some(industry),
                company_size: Some(size_band),
                country: Some(country),
                source: Some(channel.name),
                email: Some(&email),
                consent: Some(consent),
                custom_fields: Some(&custom),
            },
            rules.custom_keys(),
        );
        let scored = rules.score(
            &facts,
            events
                .iter()
                .enumerate()
                .map(|(offset, (kind, occurred_at, properties))| EventFact {
                    id: event_number as i64 + offset as i64 + 1,
                    event_type: kind,
                    occurred_at: *occurred_at,
                    properties,
                }),
            options.until,
        );
        let score = scored.points();
        let disqualified_by = scored.disqualified_name();

        // Stage from the score, then outcomes for part of the SQLs.
        let mut path = vec![Stage::New];
        let target = thresholds.target(score);
        for stage in [Stage::Mql, Stage::Warm, Stage::Sql] {
            if stage <= target {
                path.push(stage);
            }
        }
        let reached_sql = path.last() == Some(&Stage::Sql);
        let mut outcome = None;
        if reached_sql && rng.chance(0.35 * channel.intent) {
            outcome = Some(Stage::Customer);
        } else if rng.chance(0.05) || (reached_sql && rng.chance(0.15)) {
            outcome = Some(Stage::Disqualified);
        }
        if disqualified_by.is_some() {
            outcome = Some(Stage::Disqualified);
        }
        if let Some(stage) = outcome {
            path.push(stage);
        }
        let stage = *path.last().unwrap_or(&Stage::New);
        let owner = if matches!(stage, Stage::Sql | Stage::Customer) || rng.chance(0.1) {
            Some(*rng.pick(OWNERS))
        } else {
            None
        };

        // Stage changes happen in order between creation and the end.
        let mut moment = created_at;
        let mut changes = Vec::with_capacity(path.len());
        for (step, to) in path.iter().enumerate() {
            if step > 0 {
                let remaining = (until - moment).max(3_600);
                moment += (remaining as f64 * (0.05 + rng.unit() * 0.35)) as i64;
            }
            changes.push((*to, moment));
        }
        let stage_changed_at = changes.last().map(|c| c.1).unwrap_or(created_at);

        insert_lead.execute(params![
            format!("DEMO-{:06}", number + 1),
            email,
            first_name,
            last_name,
            phone,
            title.0,
            account_id,
            channel.name,
            campaign_id,
            owner,
            stage,
            stage_changed_at,
            score,
            consent,
            created_at,
            custom,
            from_hundredths(scored.fit),
            from_hundredths(scored.behaviour),
            disqualified_by,
        ])?;
        let lead_id = tx.last_insert_rowid();

        for (kind, occurred_at, properties) in &events {
            event_number += 1;
            insert_event.execute(params![
                lead_id,
                kind,
                occurred_at,
                properties,
                format!("demo-{event_number}")
            ])?;
        }
        summary.events += events.len() as u32;

        let mut previous: Option<Stage> = None;
        for (index, (to, at)) in changes.iter().enumerate() {
            let (reason, actor) = match to {
                Stage::New => ("import", Some("demo")),
                Stage::Disqualified if disqualified_by.is_some() => ("score", disqualified_by),
                Stage::Customer | Stage::Disqualified => ("manual", owner.or(Some(OWNERS[0]))),
                _ => ("score", None),
            };
            let step_score = if index == 0 { 0.0 } else { score };
            insert_change.execute(params![
                lead_id, previous, to, at, reason, actor, step_score
            ])?;
            previous = Some(*to);
        }

        match outcome {
            Some(Stage::Customer) => {
                let value_cents = (1_000.0 + rng.unit() * 19_000.0) as i64 * 100;
                insert_deal.execute(params![
                    lead_id,
                    value_cents,
                    stage_changed_at,
                    None::<i64>,
                    None::<String>
                ])?;
                summary.customers += 1;
            }
            Some(Stage::Disqualified) if reached_sql => {
                insert_deal.execute(params![
                    lead_id,
                    0,
                    None::<i64>,
                    stage_changed_at,
                    *rng.pick(LOST_REASONS)
                ])?;
            }
            _ => {}
        }
        summary.leads += 1;
    }
    Ok(summary)
}

fn date_text(seconds: i64) -> String {
    chrono::DateTime::from_timestamp(seconds, 0)
        .map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

/// Lowercase ASCII letters and digits only, for e-mail addresses and domains.
fn slug(text: &str) -> String {
    text.chars()
        .filter_map(|c| match c {
            'ë' | 'é' => Some('e'),
            'ü' => Some('u'),
            c if c.is_ascii_alphanumeric() => Some(c.to_ascii_lowercase()),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(leads: u32) -> DemoOptions {
        DemoOptions {
            leads,
            seed: 7,
            until: crate::time::parse_instant("until", "2024-12-31").unwrap(),
        }
    }

    fn fingerprint(db: &Database) -> (i64, f64, i64, String) {
        db.conn()
            .query_row(
                "SELECT COUNT(*), SUM(score), (SELECT COUNT(*) FROM events),
                        (SELECT group_concat(email) FROM (SELECT email FROM leads ORDER BY id LIMIT 5))
                 FROM leads",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .unwrap()
    }

    #[test]
    fn same_seed_same_data() {
        let mut first = Database::open_in_memory().unwrap();
        let mut second = Database::open_in_memory().unwrap();
        generate(&mut first, &options(300)).unwrap();
        generate(&mut second, &options(300)).unwrap();
        assert_eq!(fingerprint(&first), fingerprint(&second));
    }

    #[test]
    fn demo_covers_every_stage_and_table() {
        let mut db = Database::open_in_memory().unwrap();
        let summary = generate(&mut db, &options(2_000)).unwrap();
        assert_eq!(summary.leads, 2_000);
        let stats = crate::leads::stats(db.conn()).unwrap();
        assert_eq!(stats.leads, 2_000);
        for stage in Stage::ALL {
            let count: i64 = db
                .conn()
                .query_row(
                    "SELECT COUNT(*) FROM leads WHERE stage = ?1",
                    [stage],
                    |r| r.get(0),
                )
                .unwrap();
            assert!(count > 0, "no demo lead in stage {stage}");
        }
        let deals: i64 = db
            .conn()
            .query_row(
                "SELECT COUNT(*) FROM deals WHERE won_at IS NOT NULL AND value_cents > 0",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(deals, i64::from(summary.customers));
        let contacts_per_account: f64 = db
            .conn()
            .query_row(
                "SELECT AVG(n) FROM (SELECT COUNT(*) AS n FROM leads GROUP BY account_id)",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert!(contacts_per_account > 1.5, "{contacts_per_account}");
    }

    #[test]
    fn stage_history_ends_in_current_stage() {
        let mut db = Database::open_in_memory().unwrap();
        generate(&mut db, &options(500)).unwrap();
        let mismatches: i64 = db
            .conn()
            .query_row(
                "SELECT COUNT(*) FROM leads l
                 WHERE l.stage <> (SELECT to_stage FROM stage_changes s WHERE s.lead_id = l.id
                                   ORDER BY changed_at DESC, id DESC LIMIT 1)",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(mismatches, 0);
    }

    #[test]
    fn demo_into_filled_database_rejected() {
        let mut db = Database::open_in_memory().unwrap();
        generate(&mut db, &options(10)).unwrap();
        let error = generate(&mut db, &options(10)).unwrap_err();
        assert!(
            error.to_string().contains("already holds 10 leads"),
            "{error}"
        );
    }
}
