//! The score as a pure function of rules, a lead's fields, its events and
//! the current time.
//!
//! Every event adds whole hundredths of a point to a per-rule tally, and a
//! tally's result does not depend on the order events were added in. So
//! adding events one at a time, in batches or all at once gives the same
//! score, and the rule parts add up to the score exactly.

use std::collections::{BTreeMap, HashMap};

pub use super::facts::{AccountFacts, AccountRef, LeadFacts, LeadFields};
use super::facts::{Matcher, Properties};
use super::rules::{
    from_hundredths, to_hundredths, BehaviourRule, Condition, Decay, Field, Rule, RuleBody,
};

const DAY: f64 = 86_400.0;

/// One event, borrowed from its database row.
#[derive(Debug, Clone, Copy)]
pub struct EventFact<'a> {
    pub id: i64,
    pub event_type: &'a str,
    pub occurred_at: i64,
    /// The event's properties as a JSON object.
    pub properties: &'a str,
}

#[derive(Debug, Clone)]
struct CompiledCondition {
    field: Field,
    /// Position of the custom field in [`CompiledRules::custom_keys`].
    custom_index: Option<usize>,
    matcher: Matcher,
}

impl CompiledCondition {
    fn matches(&self, facts: &LeadFacts) -> bool {
        self.matcher
            .matches(facts.get(self.field, self.custom_index))
    }
}

#[derive(Debug, Clone)]
struct CompiledBehaviour {
    rule: usize,
    filter: Option<(String, Matcher)>,
    points: i64,
    cap: Option<i64>,
    decay: Decay,
    once_per: Option<String>,
}

/// Enabled rules prepared for fast scoring.
#[derive(Debug, Clone)]
pub struct CompiledRules {
    rules: Vec<Rule>,
    fit: Vec<(usize, CompiledCondition, i64)>,
    disqualify: Vec<(usize, CompiledCondition)>,
    behaviour: Vec<CompiledBehaviour>,
    /// Behaviour slots per event type. A short list searched in order is
    /// faster than hashing for the handful of types a rule set names.
    by_event_type: Vec<(String, Vec<usize>)>,
    custom_keys: Vec<String>,
}

impl CompiledRules {
    /// Prepares the enabled rules of `rules`, keeping their order.
    pub fn new(rules: &[Rule]) -> Self {
        let mut compiled = CompiledRules {
            rules: Vec::new(),
            fit: Vec::new(),
            disqualify: Vec::new(),
            behaviour: Vec::new(),
            by_event_type: Vec::new(),
            custom_keys: Vec::new(),
        };
        for rule in rules.iter().filter(|r| r.enabled) {
            let index = compiled.rules.len();
            compiled.rules.push(rule.clone());
            match &rule.body {
                RuleBody::Fit { condition, points } => {
                    let condition = compiled.compile(condition);
                    compiled
                        .fit
                        .push((index, condition, to_hundredths(*points)));
                }
                RuleBody::Disqualify { condition } => {
                    let condition = compiled.compile(condition);
                    compiled.disqualify.push((index, condition));
                }
                RuleBody::Behaviour(behaviour) => compiled.add_behaviour(index, behaviour),
            }
        }
        compiled
    }

    fn compile(&mut self, condition: &Condition) -> CompiledCondition {
        let key = condition.key.as_deref().map(str::trim);
        let custom_index = match (condition.field, key) {
            (Field::Custom, Some(key)) => {
                Some(match self.custom_keys.iter().position(|k| k == key) {
                    Some(index) => index,
                    None => {
                        self.custom_keys.push(key.to_owned());
                        self.custom_keys.len() - 1
                    }
                })
            }
            _ => None,
        };
        CompiledCondition {
            field: condition.field,
            custom_index,
            matcher: Matcher::new(&condition.test),
        }
    }

    fn add_behaviour(&mut self, index: usize, rule: &BehaviourRule) {
        let slot = self.behaviour.len();
        self.behaviour.push(CompiledBehaviour {
            rule: index,
            filter: rule
                .filter
                .as_ref()
                .map(|f| (f.property.trim().to_owned(), Matcher::new(&f.test))),
            points: to_hundredths(rule.points),
            cap: rule.cap.map(to_hundredths),
            decay: rule.decay,
            once_per: rule.once_per.as_ref().map(|k| k.trim().to_owned()),
        });
        let event_type = rule.event_type.trim();
        match self.by_event_type.iter_mut().find(|(t, _)| t == event_type) {
            Some((_, slots)) => slots.push(slot),
            None => self.by_event_type.push((event_type.to_owned(), vec![slot])),
        }
    }

    /// Returns the enabled rules in order.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// Returns the custom fields some condition reads.
    pub fn custom_keys(&self) -> &[String] {
        &self.custom_keys
    }

    /// Returns the event types some behaviour rule counts.
    pub fn event_types(&self) -> impl Iterator<Item = &str> {
        self.by_event_type.iter().map(|(t, _)| t.as_str())
    }

    /// Reports whether some behaviour rule counts events of `event_type`.
    pub fn counts_type(&self, event_type: &str) -> bool {
        self.by_event_type.iter().any(|(t, _)| t == event_type)
    }

    /// Returns an empty tally for one lead.
    pub fn new_tally(&self) -> Tally {
        Tally {
            cells: vec![Cell::default(); self.behaviour.len()],
            once: BTreeMap::new(),
        }
    }

    /// Returns an empty tally table for `leads` leads.
    pub fn new_table(&self, leads: usize) -> TallyTable {
        TallyTable {
            width: self.behaviour.len(),
            cells: vec![Cell::default(); self.behaviour.len() * leads],
            once: HashMap::new(),
        }
    }

    /// Visits each behaviour rule that counts `event`, with the event's
    /// points before and after decay in hundredths. Events after `now`
    /// count nothing yet.
    fn for_each_match<'e>(
        &'e self,
        event: &EventFact<'_>,
        now: i64,
        properties: &mut Properties<'_, 'e>,
        mut visit: impl FnMut(usize, i64, i64, &mut Properties<'_, 'e>),
    ) {
        if event.occurred_at > now {
            return;
        }
        let Some((_, slots)) = self
            .by_event_type
            .iter()
            .find(|(t, _)| t == event.event_type)
        else {
            return;
        };
        for &slot in slots {
            let rule = &self.behaviour[slot];
            if let Some((property, matcher)) = &rule.filter {
                if !matcher.matches(properties.get(property)) {
                    continue;
                }
            }
            let age = (now - event.occurred_at) as f64;
            visit(
                slot,
                rule.points,
                decayed(rule.points, rule.decay, age),
                properties,
            );
        }
    }

    fn add_to(&self, sink: &mut impl TallySink, event: &EventFact<'_>, now: i64) {
        let mut properties = Properties::new(event.properties);
        let (occurred_at, id) = (event.occurred_at, event.id);
        self.for_each_match(
            event,
            now,
            &mut properties,
            |slot, _, points, properties| {
                let Some(key) = self.behaviour[slot].once_per.as_deref() else {
                    let cell = sink.cell(slot);
                    cell.points += points;
                    cell.events += 1;
                    return;
                };
                // A missing property counts as one shared empty value.
                let value = properties.get(key).unwrap_or_default().to_owned();
                let candidate = (occurred_at, id, points);
                let best = sink.once(slot);
                let keep = best
                    .get(&value)
                    .is_some_and(|current| *current <= candidate);
                if !keep {
                    best.insert(value, candidate);
                }
            },
        );
    }

    /// Adds one event to a lead's `tally`.
    pub fn add_event(&self, tally: &mut Tally, event: &EventFact<'_>, now: i64) {
        self.add_to(tally, event, now);
    }

    /// Adds one event to row `lead` of `table`.
    pub fn add_event_to_row(
        &self,
        table: &mut TallyTable,
        lead: usize,
        event: &EventFact<'_>,
        now: i64,
    ) {
        self.add_to(&mut TableRow { table, lead }, event, now);
    }

    /// Lists every event that a behaviour rule matches, with its points
    /// before and after decay and whether it counted: under a "once per"
    /// rule only the earliest event per property value counts.
    pub fn match_events(&self, events: &[EventFact<'_>], now: i64) -> Vec<EventMatch> {
        let mut found: Vec<(EventMatch, Option<String>)> = Vec::new();
        for (index, event) in events.iter().enumerate() {
            let mut properties = Properties::new(event.properties);
            self.for_each_match(
                event,
                now,
                &mut properties,
                |slot, before, after, properties| {
                    let key = self.behaviour[slot]
                        .once_per
                        .as_deref()
                        .map(|key| properties.get(key).unwrap_or_default().to_owned());
                    let found_match = EventMatch {
                        rule: self.behaviour[slot].rule,
                        event: index,
                        before,
                        after,
                        counted: true,
                    };
                    found.push((found_match, key));
                },
            );
        }

        // Under "once per", an event loses to an earlier one with the same value.
        let order = |m: &EventMatch| (events[m.event].occurred_at, events[m.event].id);
        let mut earliest: HashMap<(usize, &str), (i64, i64)> = HashMap::new();
        for (m, key) in &found {
            if let Some(key) = key {
                let entry = earliest.entry((m.rule, key.as_str())).or_insert(order(m));
                *entry = (*entry).min(order(m));
            }
        }
        let winners: Vec<bool> = found
            .iter()
            .map(|(m, key)| match key {
                None => true,
                Some(key) => earliest[&(m.rule, key.as_str())] == order(m),
            })
            .collect();
        found
            .into_iter()
            .zip(winners)
            .map(|((m, _), counted)| EventMatch { counted, ..m })
            .collect()
    }

    /// Scores a lead from its facts and its event tally.
    pub fn finish(&self, facts: &LeadFacts, tally: &Tally) -> LeadScore {
        self.finish_with(facts, |slot| {
            rule_total(&tally.cells[slot], tally.once.get(&slot))
        })
    }

    /// Scores the lead in row `lead` of `table`.
    pub fn finish_row(&self, facts: &LeadFacts, table: &TallyTable, lead: usize) -> LeadScore {
        // Most rule sets have no "once per" rule, so skip hashing then.
        let has_once = !table.once.is_empty();
        self.finish_with(facts, |slot| {
            let once = if has_once {
                table.once.get(&(lead, slot))
            } else {
                None
            };
            rule_total(&table.cells[lead * table.width + slot], once)
        })
    }

    /// Scores the lead in row `lead` of `table` like [`Self::finish_row`],
    /// but without the per-rule parts, so nothing is allocated for a lead
    /// that matches no disqualifying rule. The totals are the same.
    pub fn total_row(&self, facts: &LeadFacts, table: &TallyTable, lead: usize) -> LeadScore {
        let has_once = !table.once.is_empty();
        let fit = self
            .fit
            .iter()
            .filter(|(_, condition, _)| condition.matches(facts))
            .map(|(_, _, points)| points)
            .sum();
        let behaviour = self
            .behaviour
            .iter()
            .enumerate()
            .map(|(slot, behaviour)| {
                let once = if has_once {
                    table.once.get(&(lead, slot))
                } else {
                    None
                };
                let (raw, _) = rule_total(&table.cells[lead * table.width + slot], once);
                match behaviour.cap {
                    Some(cap) => raw.clamp(-cap, cap),
                    None => raw,
                }
            })
            .sum();
        let disqualified_by = self.disqualified_by(facts);
        LeadScore {
            fit,
            behaviour,
            parts: Vec::new(),
            disqualified_by,
            disqualified_name: disqualified_by.map(|rule| self.rules[rule].name.clone()),
        }
    }

    fn disqualified_by(&self, facts: &LeadFacts) -> Option<usize> {
        self.disqualify
            .iter()
            .find(|(_, condition)| condition.matches(facts))
            .map(|(rule, _)| *rule)
    }

    fn finish_with(&self, facts: &LeadFacts, total_of: impl Fn(usize) -> (i64, u32)) -> LeadScore {
        let mut parts = Vec::new();
        for (rule, condition, points) in &self.fit {
            if condition.matches(facts) {
                parts.push(RulePoints {
                    rule: *rule,
                    events: 0,
                    before_cap: *points,
                    points: *points,
                });
            }
        }
        for (slot, behaviour) in self.behaviour.iter().enumerate() {
            let (raw, events) = total_of(slot);
            if events == 0 {
                continue;
            }
            let points = match behaviour.cap {
                Some(cap) => raw.clamp(-cap, cap),
                None => raw,
            };
            parts.push(RulePoints {
                rule: behaviour.rule,
                events,
                before_cap: raw,
                points,
            });
        }
        parts.sort_by_key(|part| part.rule);

        let disqualified_by = self.disqualified_by(facts);
        LeadScore::new(&self.rules, parts, disqualified_by)
    }

    /// Scores a lead from scratch: its fields and all its events.
    pub fn score<'a>(
        &self,
        facts: &LeadFacts,
        events: impl IntoIterator<Item = EventFact<'a>>,
        now: i64,
    ) -> LeadScore {
        let mut tally = self.new_tally();
        for event in events {
            self.add_event(&mut tally, &event, now);
        }
        self.finish(facts, &tally)
    }
}

/// Points of an event of age `age` seconds, in hundredths.
fn decayed(points: i64, decay: Decay, age: f64) -> i64 {
    let age = age.max(0.0);
    match decay {
        Decay::None => points,
        Decay::Expire { days } if age < days * DAY => points,
        Decay::Expire { .. } => 0,
        Decay::HalfLife { days } => {
            (points as f64 * 0.5f64.powf(age / (days * DAY))).round() as i64
        }
    }
}

/// Running total of one behaviour rule for one lead.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Cell {
    points: i64,
    events: u32,
}

/// For a "once per" rule: per property value, the earliest event as
/// (occurred at, event id, points).
type OnceMap = BTreeMap<String, (i64, i64, i64)>;

fn rule_total(cell: &Cell, once: Option<&OnceMap>) -> (i64, u32) {
    match once {
        None => (cell.points, cell.events),
        Some(best) => (
            best.values().map(|(_, _, points)| points).sum(),
            best.len() as u32,
        ),
    }
}

/// Storage of running totals that [`CompiledRules::add_to`] adds to.
trait TallySink {
    fn cell(&mut self, slot: usize) -> &mut Cell;
    fn once(&mut self, slot: usize) -> &mut OnceMap;
}

/// Running totals of one lead's behaviour rules.
#[derive(Debug, Clone, PartialEq)]
pub struct Tally {
    cells: Vec<Cell>,
    once: BTreeMap<usize, OnceMap>,
}

impl TallySink for Tally {
    fn cell(&mut self, slot: usize) -> &mut Cell {
        &mut self.cells[slot]
    }

    fn once(&mut self, slot: usize) -> &mut OnceMap {
        self.once.entry(slot).or_default()
    }
}

/// Running totals of many leads in one flat table, one row per lead.
#[derive(Debug, Clone)]
pub struct TallyTable {
    width: usize,
    cells: Vec<Cell>,
    once: HashMap<(usize, usize), OnceMap>,
}

impl TallyTable {
    /// Adds the totals of `other`, a table for the same rules and leads
    /// filled from other events. Points are whole hundredths and "once per"
    /// rules keep the earliest event, so the result does not depend on how
    /// the events were split.
    pub fn merge(&mut self, other: TallyTable) {
        debug_assert_eq!(
            (self.width, self.cells.len()),
            (other.width, other.cells.len())
        );
        for (cell, add) in self.cells.iter_mut().zip(other.cells) {
            cell.points += add.points;
            cell.events += add.events;
        }
        for (key, theirs) in other.once {
            let ours = self.once.entry(key).or_default();
            for (value, candidate) in theirs {
                let keep = ours
                    .get(&value)
                    .is_some_and(|current| *current <= candidate);
                if !keep {
                    ours.insert(value, candidate);
                }
            }
        }
    }
}

struct TableRow<'t> {
    table: &'t mut TallyTable,
    lead: usize,
}

impl TallySink for TableRow<'_> {
    fn cell(&mut self, slot: usize) -> &mut Cell {
        &mut self.table.cells[self.lead * self.table.width + slot]
    }

    fn once(&mut self, slot: usize) -> &mut OnceMap {
        self.table.once.entry((self.lead, slot)).or_default()
    }
}

/// One event matched by one behaviour rule, in hundredths of a point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventMatch {
    /// Index into [`CompiledRules::rules`].
    pub rule: usize,
    /// Index into the events given to [`CompiledRules::match_events`].
    pub event: usize,
    pub before: i64,
    pub after: i64,
    pub counted: bool,
}

/// Points one rule gave a lead, in hundredths.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RulePoints {
    /// Index into [`CompiledRules::rules`].
    pub rule: usize,
    /// Counted events; 0 for fit rules.
    pub events: u32,
    /// Points after decay but before the rule's cap.
    pub before_cap: i64,
    pub points: i64,
}

/// A lead's score and its parts, in hundredths of a point.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeadScore {
    pub fit: i64,
    pub behaviour: i64,
    pub parts: Vec<RulePoints>,
    /// Index of the first matching disqualifying rule.
    pub disqualified_by: Option<usize>,
    disqualified_name: Option<String>,
}

impl LeadScore {
    fn new(rules: &[Rule], parts: Vec<RulePoints>, disqualified_by: Option<usize>) -> Self {
        let is_fit = |part: &&RulePoints| matches!(rules[part.rule].body, RuleBody::Fit { .. });
        let fit = parts.iter().filter(is_fit).map(|p| p.points).sum();
        let behaviour = parts.iter().filter(|p| !is_fit(p)).map(|p| p.points).sum();
        LeadScore {
            fit,
            behaviour,
            parts,
            disqualified_by,
            disqualified_name: disqualified_by.map(|rule| rules[rule].name.clone()),
        }
    }

    /// Returns fit plus behaviour points, in hundredths.
    pub fn total(&self) -> i64 {
        self.fit + self.behaviour
    }

    /// Returns the score in points.
    pub fn points(&self) -> f64 {
        from_hundredths(self.total())
    }

    /// Returns the name of the disqualifying rule the lead matches.
    pub fn disqualified_name(&self) -> Option<&str> {
        self.disqualified_name.as_deref()
    }
}
