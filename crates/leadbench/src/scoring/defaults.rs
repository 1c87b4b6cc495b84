//! The default rule set, which follows a classic B2B playbook. Fit rules
//! score job title seniority, company size and industry. Behaviour rules
//! score content downloads, webinars, pricing and product pages, demo
//! requests, e-mail clicks and forms. Competitors and do-not-contact leads
//! are disqualified.

use super::rules::{BehaviourRule, Condition, Decay, Field, PropertyFilter, Rule, RuleBody, Test};

fn fit(name: &str, field: Field, test: Test, points: f64) -> Rule {
    Rule {
        id: None,
        name: name.to_owned(),
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
    name: &str,
    event_type: &str,
    filter: Option<(&str, &str)>,
    points: f64,
    cap: Option<f64>,
    decay: Decay,
) -> Rule {
    Rule {
        id: None,
        name: name.to_owned(),
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

fn disqualify(name: &str, field: Field, key: Option<&str>, test: Test) -> Rule {
    Rule {
        id: None,
        name: name.to_owned(),
        enabled: true,
        body: RuleBody::Disqualify {
            condition: Condition {
                field,
                key: key.map(str::to_owned),
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
            "Executive",
            Field::JobTitle,
            one_of(&["CEO", "CTO", "CFO", "Founder", "Owner", "Managing Director"]),
            20.0,
        ),
        fit("Director", Field::JobTitle, contains("Director"), 15.0),
        fit(
            "Head of a department",
            Field::JobTitle,
            contains("Head"),
            15.0,
        ),
        fit("Manager", Field::JobTitle, contains("Manager"), 10.0),
        fit(
            "Student or intern",
            Field::JobTitle,
            one_of(&["Student", "Intern"]),
            -10.0,
        ),
        fit(
            "Company of 51 or more",
            Field::CompanySize,
            Test::Range {
                min: Some(51.0),
                max: None,
            },
            10.0,
        ),
        fit(
            "Very small company",
            Field::CompanySize,
            one_of(&["1-10"]),
            -5.0,
        ),
        fit(
            "Core industry",
            Field::Industry,
            one_of(&["Software", "Financial services"]),
            10.0,
        ),
        fit(
            "Adjacent industry",
            Field::Industry,
            one_of(&["Manufacturing", "Healthcare", "Logistics"]),
            5.0,
        ),
        behaviour(
            "White paper download",
            "whitepaper_download",
            None,
            10.0,
            Some(30.0),
            half_life(90.0),
        ),
        behaviour(
            "Webinar registration",
            "webinar_registration",
            None,
            10.0,
            Some(30.0),
            half_life(90.0),
        ),
        behaviour(
            "Pricing page visit",
            "page_view",
            Some(("url", "/pricing")),
            10.0,
            Some(30.0),
            half_life(30.0),
        ),
        behaviour(
            "Product page visit",
            "page_view",
            Some(("url", "/product")),
            5.0,
            Some(20.0),
            half_life(30.0),
        ),
        behaviour(
            "Demo request",
            "demo_request",
            None,
            25.0,
            Some(50.0),
            Decay::Expire { days: 180.0 },
        ),
        behaviour(
            "E-mail click",
            "email_click",
            None,
            3.0,
            Some(15.0),
            half_life(30.0),
        ),
        behaviour(
            "Form submitted",
            "form_submitted",
            None,
            5.0,
            Some(20.0),
            half_life(60.0),
        ),
        disqualify(
            "Competitor domain",
            Field::EmailDomain,
            None,
            one_of(&["competitor.example"]),
        ),
        disqualify(
            "Do not contact",
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
}
