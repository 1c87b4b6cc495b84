//! The default rule set, which follows a classic B2B playbook. Fit rules
//! score job title seniority, company size and industry. Behaviour rules
//! score content downloads, webinars, pricing and product pages, demo
//! requests, e-mail clicks and forms. Competitors and do-not-contact leads
//! are disqualified.

use super::rules::{BehaviourRule, Condition, Decay, Field, PropertyFilter, Rule, RuleBody, Test};

/// Stable key and English name of each default rule. The UI translates a
/// rule's name while it is still the default English one. The library and
/// the CLI keep the English name.
pub const DEFAULT_RULE_NAMES: &[(&str, &str)] = &[
    ("default.executive", "Executive"),
    ("default.director", "Director"),
    ("default.head_of_department", "Head of a department"),
    ("default.manager", "Manager"),
    ("default.student_or_intern", "Student or intern"),
    ("default.company_51_plus", "Company of 51 or more"),
    ("default.very_small_company", "Very small company"),
    ("default.core_industry", "Core industry"),
    ("default.adjacent_industry", "Adjacent industry"),
    ("default.white_paper_download", "White paper download"),
    ("default.webinar_registration", "Webinar registration"),
    ("default.pricing_visit", "Pricing page visit"),
    ("default.product_visit", "Product page visit"),
    ("default.demo_request", "Demo request"),
    ("default.email_click", "E-mail click"),
    ("default.form_submitted", "Form submitted"),
    ("default.competitor_domain", "Competitor domain"),
    ("default.do_not_contact", "Do not contact"),
];

/// Returns the stable key of the default rule named `name` (for example
/// `default.pricing_visit`), or `None` for a renamed or user-made rule.
pub fn default_rule_key(name: &str) -> Option<&'static str> {
    let name = name.trim();
    DEFAULT_RULE_NAMES
        .iter()
        .find(|(_, english)| *english == name)
        .map(|(key, _)| *key)
}

/// Returns [`default_rule_key`] of an optional rule name as an owned key,
/// as the board and the Leads table send it with a lead's disqualifying rule.
pub(crate) fn owned_rule_key(name: Option<&str>) -> Option<String> {
    name.and_then(default_rule_key).map(str::to_owned)
}

fn english_name(key: &'static str) -> &'static str {
    DEFAULT_RULE_NAMES
        .iter()
        .find(|(candidate, _)| *candidate == key)
        .map_or(key, |(_, english)| english)
}

fn fit(key: &'static str, field: Field, test: Test, points: f64) -> Rule {
    Rule {
        id: None,
        name: english_name(key).to_owned(),
        key: Some(key.to_owned()),
        enabled: true,
        body: RuleBody::Fit {
            condition: Condition {
                field,
                key: None,
                test,
            },
            points,
        },
    }
}

fn behaviour(
    key: &'static str,
    event_type: &str,
    filter: Option<(&str, &str)>,
    points: f64,
    cap: Option<f64>,
    decay: Decay,
) -> Rule {
    Rule {
        id: None,
        name: english_name(key).to_owned(),
        key: Some(key.to_owned()),
        enabled: true,
        body: RuleBody::Behaviour(BehaviourRule {
            event_type: event_type.to_owned(),
            filter: filter.map(|(property, value)| PropertyFilter {
                property: property.to_owned(),
                test: Test::Contains {
                    value: value.to_owned(),
                },
            }),
            points,
            cap,
            decay,
            once_per: None,
        }),
    }
}

fn one_of(values: &[&str]) -> Test {
    Test::OneOf {
        values: values.iter().map(|v| (*v).to_owned()).collect(),
    }
}

fn contains(value: &str) -> Test {
    Test::Contains {
        value: value.to_owned(),
    }
}

fn disqualify(key: &'static str, field: Field, custom_field: Option<&str>, test: Test) -> Rule {
    Rule {
        id: None,
        name: english_name(key).to_owned(),
        key: Some(key.to_owned()),
        enabled: true,
        body: RuleBody::Disqualify {
            condition: Condition {
                field,
                key: custom_field.map(str::to_owned),
                test,
            },
        },
    }
}

/// Returns the rule set a new database starts with.
pub fn default_rules() -> Vec<Rule> {
    let half_life = |days| Decay::HalfLife { days };
    vec![
        fit(
            "default.executive",
            Field::JobTitle,
            one_of(&["CEO", "CTO", "CFO", "Founder", "Owner", "Managing Director"]),
            20.0,
        ),
        fit(
            "default.director",
            Field::JobTitle,
            contains("Director"),
            15.0,
        ),
        fit(
            "default.head_of_department",
            Field::JobTitle,
            contains("Head"),
            15.0,
        ),
        fit(
            "default.manager",
            Field::JobTitle,
            contains("Manager"),
            10.0,
        ),
        fit(
            "default.student_or_intern",
            Field::JobTitle,
            one_of(&["Student", "Intern"]),
            -10.0,
        ),
        fit(
            "default.company_51_plus",
            Field::CompanySize,
            Test::Range {
                min: Some(51.0),
                max: None,
            },
            10.0,
        ),
        fit(
            "default.very_small_company",
            Field::CompanySize,
            one_of(&["1-10"]),
            -5.0,
        ),
        fit(
            "default.core_industry",
            Field::Industry,
            one_of(&["Software", "Financial services"]),
            10.0,
        ),
        fit(
            "default.adjacent_industry",
            Field::Industry,
            one_of(&["Manufacturing", "Healthcare", "Logistics"]),
            5.0,
        ),
        behaviour(
            "default.white_paper_download",
            "whitepaper_download",
            None,
            10.0,
            Some(30.0),
            half_life(90.0),
        ),
        behaviour(
            "default.webinar_registration",
            "webinar_registration",
            None,
            10.0,
            Some(30.0),
            half_life(90.0),
        ),
        behaviour(
            "default.pricing_visit",
            "page_view",
            Some(("url", "/pricing")),
            10.0,
            Some(30.0),
            half_life(30.0),
        ),
        behaviour(
            "default.product_visit",
            "page_view",
            Some(("url", "/product")),
            5.0,
            Some(20.0),
            half_life(30.0),
        ),
        behaviour(
            "default.demo_request",
            "demo_request",
            None,
            25.0,
            Some(50.0),
            Decay::Expire { days: 180.0 },
        ),
        behaviour(
            "default.email_click",
            "email_click",
            None,
            3.0,
            Some(15.0),
            half_life(30.0),
        ),
        behaviour(
            "default.form_submitted",
            "form_submitted",
            None,
            5.0,
            Some(20.0),
            half_life(60.0),
        ),
        disqualify(
            "default.competitor_domain",
            Field::EmailDomain,
            None,
            one_of(&["competitor.example"]),
        ),
        disqualify(
            "default.do_not_contact",
            Field::Custom,
            Some("do_not_contact"),
            Test::Equals {
                value: "true".to_owned(),
            },
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_rules_are_valid() {
        super::super::rules::validate_all(&default_rules()).unwrap();
    }

    #[test]
    fn default_rule_keys_round_trip() {
        for rule in default_rules() {
            let key = rule.key.as_deref().unwrap();
            assert_eq!(default_rule_key(&rule.name), Some(key), "{}", rule.name);
        }
        assert_eq!(default_rule_key("My own rule"), None);
    }

    /// The UI shows each default rule under `scoring.rule.<key>`, so both
    /// catalogs need that message.
    #[test]
    fn default_rule_keys_have_en_and_nl_names() {
        let catalogs = ["en", "nl"].map(|language| {
            let path = format!(
                "{}/../../ui/src/lib/i18n/{language}.ts",
                env!("CARGO_MANIFEST_DIR")
            );
            (language, std::fs::read_to_string(path).unwrap())
        });
        for (key, _) in DEFAULT_RULE_NAMES {
            for (language, catalog) in &catalogs {
                let entry = format!("'scoring.rule.{key}':");
                assert!(catalog.contains(&entry), "{language}.ts lacks {entry}");
            }
        }
    }
}
