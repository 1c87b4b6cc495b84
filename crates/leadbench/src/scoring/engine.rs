//! The score as a pure function of rules, a lead's fields, its events and
//! the current time.
//!
//! Every event adds whole hundredths of a point to a per-rule tally, and a
//! tally's result does not depend on the order events were added in. So
//! adding events one at a time, in batches or all at once gives the same
//! score, and the rule parts add up to the score exactly.

use std::collections::{BTreeMap, HashMap};

use serde_json::{Map, Value};

use super::rules::{
    from_hundredths, to_hundredths, BehaviourRule, Condition, Decay, Field, Rule, RuleBody, Test,
};

const DAY: f64 = 86_400.0;

/// The fields of a lead that fit and disqualifying rules read, trimmed and
/// lowercased once.
#[derive(Debug, Clone, Default)]
pub struct LeadFacts {
    values: [Option<String>; 7],
    custom: Map<String, Value>,
}

/// Raw field values of one lead, as read from the database.
#[derive(Debug, Clone, Default)]
pub struct LeadFields<'a> {
    pub job_title: Option<&'a str>,
    pub industry: Option<&'a str>,
    pub company_size: Option<&'a str>,
    pub country: Option<&'a str>,
    pub source: Option<&'a str>,
    pub email: Option<&'a str>,
    pub consent: Option<bool>,
    /// The lead's custom fields as a JSON object.
    pub custom_fields: Option<&'a str>,
}

impl LeadFacts {
    /// Normalizes `fields`. Custom fields are parsed only when `with_custom`
    /// is set, because most rule sets never read them.
    pub fn new(fields: &LeadFields<'_>, with_custom: bool) -> Self {
        let clean = |value: Option<&str>| {
            value
                .map(|v| v.trim().to_lowercase())
                .filter(|v| !v.is_empty())
        };
        let domain = fields
            .email
            .and_then(|email| email.rsplit_once('@'))
            .map(|(_, domain)| domain);
        let consent = fields.consent.map(|yes| if yes { "yes" } else { "no" });
        let custom = match (with_custom, fields.custom_fields) {
            (true, Some(text)) => serde_json::from_str(text).unwrap_or_default(),
            _ => Map::new(),
        };
        LeadFacts {
            values: [
                clean(fields.job_title),
                clean(fields.industry),
                clean(fields.company_size),
                clean(fields.country),
                clean(fields.source),
                clean(domain),
                clean(consent),
            ],
            custom,
        }
    }

    fn get(&self, field: Field, key: Option<&str>) -> Option<String> {
        let slot = match field {
            Field::JobTitle => 0,
            Field::Industry => 1,
            Field::CompanySize => 2,
            Field::Country => 3,
            Field::Source => 4,
            Field::EmailDomain => 5,
            Field::Consent => 6,
            Field::Custom => return json_text(self.custom.get(key?)?),
        };
        self.values[slot].clone()
    }
}

fn json_text(value: &Value) -> Option<String> {
    let text = match value {
        Value::Null => return None,
        Value::String(text) => text.trim().to_lowercase(),
        other => other.to_string().to_lowercase(),
    };
    (!text.is_empty()).then_some(text)
}

/// One event as the engine sees it.
#[derive(Debug, Clone, Copy)]
pub struct EventFact<'a> {
    pub id: i64,
    pub event_type: &'a str,
    pub occurred_at: i64,
    /// The event's properties as a JSON object.
    pub properties: &'a str,
}

/// A test with its text already trimmed and lowercased.
#[derive(Debug, Clone)]
enum Matcher {
    Equals(String),
    OneOf(Vec<String>),
    Contains(String),
    Range(Option<f64>, Option<f64>),
    Empty,
    NotEmpty,
}

impl Matcher {
    fn new(test: &Test) -> Self {
        let clean = |text: &str| text.trim().to_lowercase();
        match test {
            Test::Equals { value } => Matcher::Equals(clean(value)),
            Test::OneOf { values } => Matcher::OneOf(values.iter().map(|v| clean(v)).collect()),
            Test::Contains { value } => Matcher::Contains(clean(value)),
            Test::Range { min, max } => Matcher::Range(*min, *max),
            Test::Empty => Matcher::Empty,
            Test::NotEmpty => Matcher::NotEmpty,
        }
    }

    /// Tests a value that is already trimmed, lowercased and non-empty.
    fn matches(&self, value: Option<&str>) -> bool {
        let Some(value) = value else {
            return matches!(self, Matcher::Empty);
        };
        match self {
            Matcher::Equals(wanted) => value == wanted,
            Matcher::OneOf(wanted) => wanted.iter().any(|w| w == value),
            Matcher::Contains(part) => value.contains(part.as_str()),
            Matcher::Range(min, max) => leading_number(value)
                .is_some_and(|n| min.is_none_or(|m| n >= m) && max.is_none_or(|m| n <= m)),
            Matcher::Empty => false,
            Matcher::NotEmpty => true,
        }
    }
}

/// Reads the first number in `text`, so a size band `51-200` reads as 51
/// and `1000+` as 1000.
fn leading_number(text: &str) -> Option<f64> {
    let start = text.find(|c: char| c.is_ascii_digit())?;
    let digits: String = text[start..]
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    let negative = text[..start].ends_with('-') && start == 1;
    let number: f64 = digits.trim_end_matches('.').parse().ok()?;
    Some(if negative { -number } else { number })
}

#[derive(Debug, Clone)]
struct CompiledCondition {
    field: Field,
    key: Option<String>,
    matcher: Matcher,
}

impl CompiledCondition {
    fn new(condition: &Condition) -> Self {
        CompiledCondition {
            field: condition.field,
            key: condition.key.as_ref().map(|k| k.trim().to_owned()),
            matcher: Matcher::new(&condition.test),
        }
    }

    fn matches(&self, facts: &LeadFacts) -> bool {
        self.matcher
            .matches(facts.get(self.field, self.key.as_deref()).as_deref())
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
    by_event_type: HashMap<String, Vec<usize>>,
    reads_custom: bool,
}

impl CompiledRules {
    /// Prepares the enabled rules of `rules`, keeping their order.
    pub fn new(rules: &[Rule]) -> Self {
        let mut compiled = CompiledRules {
            rules: Vec::new(),
            fit: Vec::new(),
            disqualify: Vec::new(),
            behaviour: Vec::new(),
            by_event_type: HashMap::new(),
            reads_custom: false,
        };
        for rule in rules.iter().filter(|r| r.enabled) {
            let index = compiled.rules.len();
            compiled.rules.push(rule.clone());
            match &rule.body {
                RuleBody::Fit { condition, points } => {
                    compiled.reads_custom |= condition.field == Field::Custom;
                    compiled.fit.push((
                        index,
                        CompiledCondition::new(condition),
                        to_hundredths(*points),
                    ));
                }
                RuleBody::Disqualify { condition } => {
                    compiled.reads_custom |= condition.field == Field::Custom;
                    compiled
                        .disqualify
                        .push((index, CompiledCondition::new(condition)));
                }
                RuleBody::Behaviour(behaviour) => compiled.add_behaviour(index, behaviour),
            }
        }
        compiled
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
        self.by_event_type
            .entry(rule.event_type.trim().to_owned())
            .or_default()
            .push(slot);
    }

    /// Returns the enabled rules in order.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// Reports whether any condition reads a custom field.
    pub fn reads_custom_fields(&self) -> bool {
        self.reads_custom
    }

    /// Returns the event types some behaviour rule counts.
    pub fn event_types(&self) -> impl Iterator<Item = &str> {
        self.by_event_type.keys().map(String::as_str)
    }

    /// Returns an empty tally for one lead.
    pub fn new_tally(&self) -> Tally {
        Tally {
            rules: vec![RuleTally::default(); self.behaviour.len()],
        }
    }

    /// Returns each matching behaviour rule's slot with the event's points
    /// before and after decay, in hundredths. Events after `now` count
    /// nothing yet.
    pub fn event_points(&self, event: &EventFact<'_>, now: i64) -> Vec<(usize, i64, i64)> {
        let mut found = Vec::new();
        let mut properties = Properties::new(event.properties);
        self.for_each_match(event, now, &mut properties, |slot, before, after, _| {
            found.push((slot, before, after))
        });
        found
    }

    fn for_each_match(
        &self,
        event: &EventFact<'_>,
        now: i64,
        properties: &mut Properties<'_>,
        mut visit: impl FnMut(usize, i64, i64, &mut Properties<'_>),
    ) {
        if event.occurred_at > now {
            return;
        }
        let Some(slots) = self.by_event_type.get(event.event_type) else {
            return;
        };
        for &slot in slots {
            let rule = &self.behaviour[slot];
            if let Some((property, matcher)) = &rule.filter {
                if !matcher.matches(properties.get(property).as_deref()) {
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

    /// Adds one event to `tally`.
    pub fn add_event(&self, tally: &mut Tally, event: &EventFact<'_>, now: i64) {
        let mut properties = Properties::new(event.properties);
        self.for_each_match(
            event,
            now,
            &mut properties,
            |slot, _, points, properties| {
                let entry = &mut tally.rules[slot];
                let Some(key) = self.behaviour[slot].once_per.as_deref() else {
                    entry.points += points;
                    entry.events += 1;
                    return;
                };
                // A missing property counts as one shared empty value.
                let value = properties.get(key).unwrap_or_default();
                let candidate = (event.occurred_at, event.id, points);
                let best = entry.once.get_or_insert_with(BTreeMap::new);
                let keep = best
                    .get(&value)
                    .is_some_and(|current| *current <= candidate);
                if !keep {
                    best.insert(value, candidate);
                }
            },
        );
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
                        .map(|key| properties.get(key).unwrap_or_default());
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
        for (slot, entry) in tally.rules.iter().enumerate() {
            let behaviour = &self.behaviour[slot];
            let (raw, events) = entry.total();
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

        let disqualified_by = self
            .disqualify
            .iter()
            .find(|(_, condition)| condition.matches(facts))
            .map(|(rule, _)| *rule);
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

    /// Returns the rule behind a behaviour slot.
    pub fn behaviour_rule(&self, slot: usize) -> usize {
        self.behaviour[slot].rule
    }
}

/// An event's properties, parsed on first use.
struct Properties<'a> {
    text: &'a str,
    parsed: Option<Map<String, Value>>,
}

impl<'a> Properties<'a> {
    fn new(text: &'a str) -> Self {
        Properties { text, parsed: None }
    }

    /// Returns the property as trimmed lowercase text; a property that is
    /// missing, null or empty reads as none.
    fn get(&mut self, key: &str) -> Option<String> {
        let text = self.text;
        let map = self
            .parsed
            .get_or_insert_with(|| serde_json::from_str(text).unwrap_or_default());
        map.get(key).and_then(json_text)
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

/// Running totals of one lead's behaviour rules.
#[derive(Debug, Clone, PartialEq)]
pub struct Tally {
    rules: Vec<RuleTally>,
}

#[derive(Debug, Clone, Default, PartialEq)]
struct RuleTally {
    points: i64,
    events: u32,
    /// For "once per" rules: per property value, the earliest event as
    /// (occurred at, event id, points).
    once: Option<BTreeMap<String, (i64, i64, i64)>>,
}

impl RuleTally {
    fn total(&self) -> (i64, u32) {
        match &self.once {
            None => (self.points, self.events),
            Some(best) => (
                best.values().map(|(_, _, points)| points).sum(),
                best.len() as u32,
            ),
        }
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
