//! The scoring rule model: fit, behaviour and disqualifying rules, their
//! validation, and the default rule set of a classic B2B playbook.
//!
//! Points are stored as given but scored in hundredths (see
//! [`to_hundredths`]), so rule parts always add up to the score exactly.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::error::{Error, Result};

/// Largest number of days a decay period may span (ten years).
pub const MAX_DECAY_DAYS: f64 = 3_650.0;
/// Largest absolute number of points one rule may give.
pub const MAX_POINTS: f64 = 10_000.0;

/// One scoring rule as stored, edited and exported.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Rule {
    /// Database id; null for a rule that is not saved yet.
    #[serde(default)]
    #[ts(type = "number | null")]
    pub id: Option<i64>,
    /// Name shown in the rule list and used as the reason in explanations.
    pub name: String,
    /// Stable key of a default rule that still has its default name (for
    /// example `default.pricing_visit`), so the UI can show a translated
    /// name. Derived from the name when rules are read, never stored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub key: Option<String>,
    /// A disabled rule is kept but gives no points.
    #[serde(default = "enabled_by_default")]
    pub enabled: bool,
    /// Test and effect of the rule.
    pub body: RuleBody,
}

fn enabled_by_default() -> bool {
    true
}

/// Kind of a rule, as stored and shown in explanations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum RuleKind {
    Fit,
    Behaviour,
    Disqualify,
}

impl RuleKind {
    /// Returns the name stored in the database and printed by the CLI.
    pub fn as_str(self) -> &'static str {
        match self {
            RuleKind::Fit => "fit",
            RuleKind::Behaviour => "behaviour",
            RuleKind::Disqualify => "disqualify",
        }
    }
}

/// The test and the effect of a rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "lowercase")]
#[ts(export)]
pub enum RuleBody {
    /// Points for a lead whose fields match the condition (ideal customer profile).
    Fit { condition: Condition, points: f64 },
    /// Points for each matching event.
    Behaviour(BehaviourRule),
    /// A lead that matches is disqualified, with the rule as the reason.
    Disqualify { condition: Condition },
}

impl RuleBody {
    /// Returns the kind of this rule.
    pub fn kind(&self) -> RuleKind {
        match self {
            RuleBody::Fit { .. } => RuleKind::Fit,
            RuleBody::Behaviour(_) => RuleKind::Behaviour,
            RuleBody::Disqualify { .. } => RuleKind::Disqualify,
        }
    }
}

/// Lead or account field a condition reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export, rename = "ScoringField")]
pub enum Field {
    JobTitle,
    Industry,
    /// The account's size band, such as `51-200`; a number range reads its first number.
    CompanySize,
    Country,
    /// Channel of the first touch.
    Source,
    /// The part of the e-mail address after `@`.
    EmailDomain,
    /// Marketing consent as `yes` or `no`; empty when unknown.
    Consent,
    /// A custom field named by the condition's `key`.
    Custom,
}

impl Field {
    /// All fields, in the order the rule editor lists them.
    pub const ALL: [Field; 8] = [
        Field::JobTitle,
        Field::Industry,
        Field::CompanySize,
        Field::Country,
        Field::Source,
        Field::EmailDomain,
        Field::Consent,
        Field::Custom,
    ];
}

/// A test on one field of a lead.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Condition {
    pub field: Field,
    /// Name of the custom field; required when `field` is `custom`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    pub test: Test,
}

/// Comparison of a field value. Text comparisons ignore case and
/// surrounding spaces.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "op", rename_all = "snake_case")]
#[ts(export)]
pub enum Test {
    Equals {
        value: String,
    },
    OneOf {
        values: Vec<String>,
    },
    Contains {
        value: String,
    },
    /// Inclusive number range; a missing bound is open.
    Range {
        #[serde(default)]
        min: Option<f64>,
        #[serde(default)]
        max: Option<f64>,
    },
    Empty,
    NotEmpty,
}

/// Points for events of one type, optionally filtered on a property.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct BehaviourRule {
    /// Event type, such as `webinar_registration`; compared exactly.
    pub event_type: String,
    /// Only events whose property passes this test count.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter: Option<PropertyFilter>,
    /// Points per counted event (negative allowed).
    pub points: f64,
    /// At most this many points from the rule in total, counted after decay.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cap: Option<f64>,
    #[serde(default)]
    pub decay: Decay,
    /// Count only the earliest event per distinct value of this property,
    /// for example once per `asset`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub once_per: Option<String>,
}

/// A test on one property of an event's JSON properties.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export, rename = "ScoringPropertyFilter")]
pub struct PropertyFilter {
    pub property: String,
    pub test: Test,
}

/// Loss of event points with the event's age, computed when the score is
/// read.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize, TS)]
#[serde(tag = "type", rename_all = "snake_case")]
#[ts(export)]
pub enum Decay {
    #[default]
    None,
    /// Points halve every `days` days.
    HalfLife { days: f64 },
    /// Points count in full until the event is `days` days old, then not at all.
    Expire { days: f64 },
}

/// Rules as written by `rules export` and read by `rules import`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct RuleSet {
    /// Format version of the file; currently 1.
    pub version: u32,
    pub rules: Vec<Rule>,
}

/// Current version of the [`RuleSet`] file format.
pub const RULE_SET_VERSION: u32 = 1;

/// Converts points to whole hundredths of a point, the unit the engine adds in.
pub fn to_hundredths(points: f64) -> i64 {
    (points * 100.0).round() as i64
}

/// Converts hundredths of a point back to points.
pub fn from_hundredths(hundredths: i64) -> f64 {
    hundredths as f64 / 100.0
}

/// The first problem found in a rule, with the values it is about. The app
/// translates it, and [`RuleIssue::message`] returns the English text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "issue", rename_all = "snake_case")]
#[ts(export)]
pub enum RuleIssue {
    NoName,
    SameName { name: String },
    PointsZero,
    PointsTooLarge { points: f64, max: f64 },
    PointsNotNumber,
    CustomKeyMissing,
    EmptyText,
    NoValues,
    EmptyValue,
    RangeNoBounds,
    RangeBoundNotNumber,
    RangeReversed { min: f64, max: f64 },
    NoEventType,
    CapNotPositive { cap: f64 },
    FilterNoProperty,
    OncePerNoProperty,
    DecayOutOfRange { days: f64, max: f64 },
}

impl RuleIssue {
    /// Returns the problem and its fix in English.
    pub fn message(&self) -> String {
        match self {
            RuleIssue::NoName => "the rule has no name; give it a short name".to_owned(),
            RuleIssue::SameName { .. } => {
                "another rule has the same name; give each rule its own name".to_owned()
            }
            RuleIssue::PointsZero => {
                "points is 0, so the rule would do nothing; enter other points or disable the rule"
                    .to_owned()
            }
            RuleIssue::PointsTooLarge { points, max } => {
                format!("points {points} is too large; use at most {max} (negative allowed)")
            }
            RuleIssue::PointsNotNumber => {
                "points is not a number; enter a number such as 10".to_owned()
            }
            RuleIssue::CustomKeyMissing => {
                "the condition reads a custom field but names none; set its key".to_owned()
            }
            RuleIssue::EmptyText => {
                "the condition is empty; enter the text to compare with, or use the test \"empty\""
                    .to_owned()
            }
            RuleIssue::NoValues => {
                "the condition lists no values; enter at least one value".to_owned()
            }
            RuleIssue::EmptyValue => {
                "the list of values contains an empty value; remove it".to_owned()
            }
            RuleIssue::RangeNoBounds => {
                "the number range has no bounds; enter a minimum, a maximum or both".to_owned()
            }
            RuleIssue::RangeBoundNotNumber => {
                "a range bound is not a number; enter a number".to_owned()
            }
            RuleIssue::RangeReversed { min, max } => {
                format!("the minimum {min} is above the maximum {max}; swap them")
            }
            RuleIssue::NoEventType => {
                "the rule names no event type; choose one such as page_view".to_owned()
            }
            RuleIssue::CapNotPositive { cap } => format!(
                "the cap {cap} must be a positive number of points; remove the cap for no limit"
            ),
            RuleIssue::FilterNoProperty => {
                "the event filter names no property; enter one such as url".to_owned()
            }
            RuleIssue::OncePerNoProperty => {
                "\"once per\" names no property; enter one such as asset".to_owned()
            }
            RuleIssue::DecayOutOfRange { days, max } => {
                format!("the decay period {days} days is invalid; use between 1 and {max} days")
            }
        }
    }
}

/// Returns the first problem of one rule, or `None` when it can be saved.
/// Name clashes with other rules are checked by [`validate_all`] and when
/// saving.
pub fn check(rule: &Rule) -> Option<RuleIssue> {
    if rule.name.trim().is_empty() {
        return Some(RuleIssue::NoName);
    }
    let checked = match &rule.body {
        RuleBody::Fit { condition, points } => {
            check_condition(condition).and_then(|()| check_points(*points))
        }
        RuleBody::Disqualify { condition } => check_condition(condition),
        RuleBody::Behaviour(behaviour) => check_behaviour(behaviour),
    };
    checked.err()
}

/// Checks one rule and returns an error that names the rule and the reason.
pub fn validate(rule: &Rule) -> Result<()> {
    match check(rule) {
        None => Ok(()),
        Some(issue) => Err(issue_error(rule, &issue)),
    }
}

/// Builds the error for `issue`, naming the rule (or "(unnamed)").
pub fn issue_error(rule: &Rule, issue: &RuleIssue) -> Error {
    let label = if rule.name.trim().is_empty() {
        "(unnamed)".to_owned()
    } else {
        rule.name.trim().to_owned()
    };
    Error::invalid("scoring rule", label, issue.message())
}

/// Checks every rule and that no two share a name.
pub fn validate_all(rules: &[Rule]) -> Result<()> {
    let mut names = std::collections::HashSet::new();
    for rule in rules {
        validate(rule)?;
        if !names.insert(rule.name.trim().to_lowercase()) {
            let issue = RuleIssue::SameName {
                name: rule.name.trim().to_owned(),
            };
            return Err(issue_error(rule, &issue));
        }
    }
    Ok(())
}

type Checked = std::result::Result<(), RuleIssue>;

fn check_points(points: f64) -> Checked {
    if !points.is_finite() {
        return Err(RuleIssue::PointsNotNumber);
    }
    if points == 0.0 {
        return Err(RuleIssue::PointsZero);
    }
    if points.abs() > MAX_POINTS {
        return Err(RuleIssue::PointsTooLarge {
            points,
            max: MAX_POINTS,
        });
    }
    Ok(())
}

fn check_condition(condition: &Condition) -> Checked {
    if condition.field == Field::Custom
        && condition.key.as_deref().is_none_or(|k| k.trim().is_empty())
    {
        return Err(RuleIssue::CustomKeyMissing);
    }
    check_test(&condition.test)
}

fn check_test(test: &Test) -> Checked {
    match test {
        Test::Equals { value } | Test::Contains { value } if value.trim().is_empty() => {
            Err(RuleIssue::EmptyText)
        }
        Test::OneOf { values } if values.iter().all(|v| v.trim().is_empty()) => {
            Err(RuleIssue::NoValues)
        }
        Test::OneOf { values } if values.iter().any(|v| v.trim().is_empty()) => {
            Err(RuleIssue::EmptyValue)
        }
        Test::Range {
            min: None,
            max: None,
        } => Err(RuleIssue::RangeNoBounds),
        Test::Range { min, max } => {
            if [min, max].into_iter().flatten().any(|b| !b.is_finite()) {
                return Err(RuleIssue::RangeBoundNotNumber);
            }
            match (min, max) {
                (Some(low), Some(high)) if low > high => Err(RuleIssue::RangeReversed {
                    min: *low,
                    max: *high,
                }),
                _ => Ok(()),
            }
        }
        _ => Ok(()),
    }
}

fn check_behaviour(rule: &BehaviourRule) -> Checked {
    if rule.event_type.trim().is_empty() {
        return Err(RuleIssue::NoEventType);
    }
    check_points(rule.points)?;
    if let Some(cap) = rule.cap {
        if !cap.is_finite() || cap <= 0.0 {
            return Err(RuleIssue::CapNotPositive { cap });
        }
    }
    if let Some(filter) = &rule.filter {
        if filter.property.trim().is_empty() {
            return Err(RuleIssue::FilterNoProperty);
        }
        check_test(&filter.test)?;
    }
    if rule
        .once_per
        .as_deref()
        .is_some_and(|key| key.trim().is_empty())
    {
        return Err(RuleIssue::OncePerNoProperty);
    }
    match rule.decay {
        Decay::None => Ok(()),
        Decay::HalfLife { days } | Decay::Expire { days } => {
            if !days.is_finite() || days <= 0.0 || days > MAX_DECAY_DAYS {
                Err(RuleIssue::DecayOutOfRange {
                    days,
                    max: MAX_DECAY_DAYS,
                })
            } else {
                Ok(())
            }
        }
    }
}

/// Parses a rule set file and validates every rule in it.
pub fn parse_rule_set(text: &str) -> Result<RuleSet> {
    let set: RuleSet = serde_json::from_str(text).map_err(|error| {
        Error::invalid(
            "rules file",
            format!("line {}, column {}", error.line(), error.column()),
            format!("{error}; export the rules to see the expected format"),
        )
    })?;
    if set.version != RULE_SET_VERSION {
        return Err(Error::invalid(
            "rules file version",
            set.version.to_string(),
            format!("this Leadbench reads version {RULE_SET_VERSION}"),
        ));
    }
    validate_all(&set.rules)?;
    Ok(set)
}
