//! Property tests: scoring events one at a time, in batches, in any order
//! or with duplicates gives exactly the score of a full recomputation, and
//! an explanation's parts add up to the score.

mod scoring_support;

use leadbench::scoring::engine::{CompiledRules, EventFact, LeadFacts, LeadFields};
use leadbench::scoring::explain::explain;
use leadbench::scoring::rules::{
    to_hundredths, BehaviourRule, Decay, Field, PropertyFilter, Rule, RuleBody, Test,
};
use leadbench::scoring::{recompute, record_events, rescore, NewEvent};
use leadbench::Database;
use proptest::prelude::*;
use scoring_support::*;

const NOW: i64 = 1_720_000_000;
const DAY: i64 = 86_400;
const TYPES: [&str; 4] = ["visit", "download", "click", "unscored"];

#[derive(Debug, Clone)]
struct GeneratedEvent {
    lead: usize,
    event_type: &'static str,
    age_days: i64,
    asset: &'static str,
    url: &'static str,
    external_id: u32,
}

fn decay_strategy() -> impl Strategy<Value = Decay> {
    prop_oneof![
        Just(Decay::None),
        (1u32..120).prop_map(|days| Decay::HalfLife {
            days: f64::from(days)
        }),
        (1u32..120).prop_map(|days| Decay::Expire {
            days: f64::from(days)
        }),
    ]
}

fn rule_strategy() -> impl Strategy<Value = BehaviourRule> {
    (
        0usize..3,
        -2_000i32..5_000,
        proptest::option::of(1u32..200),
        decay_strategy(),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(
            |(kind, points, cap, decay, once_per, filter)| BehaviourRule {
                event_type: TYPES[kind].to_owned(),
                filter: filter.then(|| PropertyFilter {
                    property: "url".to_owned(),
                    test: Test::Contains {
                        value: "/pricing".to_owned(),
                    },
                }),
                // Whole hundredths, never zero.
                points: f64::from(if points == 0 { 1 } else { points }) / 100.0,
                cap: cap.map(f64::from),
                decay,
                once_per: once_per.then(|| "asset".to_owned()),
            },
        )
}

fn rules_strategy() -> impl Strategy<Value = Vec<Rule>> {
    proptest::collection::vec(rule_strategy(), 1..6).prop_map(|behaviours| {
        let mut rules: Vec<Rule> = behaviours
            .into_iter()
            .enumerate()
            .map(|(index, behaviour)| Rule {
                id: None,
                name: format!("rule {index}"),
                key: None,
                enabled: true,
                body: RuleBody::Behaviour(behaviour),
            })
            .collect();
        rules.push(fit_rule(
            "Manager",
            Field::JobTitle,
            Test::Contains {
                value: "manager".to_owned(),
            },
            12.5,
        ));
        rules
    })
}

fn events_strategy(leads: usize) -> impl Strategy<Value = Vec<GeneratedEvent>> {
    proptest::collection::vec(
        (
            0..leads,
            0usize..4,
            0i64..200,
            0usize..3,
            0usize..2,
            0u32..30,
        )
            .prop_map(
                |(lead, kind, age_days, asset, url, external_id)| GeneratedEvent {
                    lead,
                    event_type: TYPES[kind],
                    age_days,
                    asset: ["wp-1", "wp-2", "wp-3"][asset],
                    url: ["/pricing", "/blog"][url],
                    external_id,
                },
            ),
        0..40,
    )
}

fn properties(event: &GeneratedEvent) -> String {
    format!(r#"{{"asset":"{}","url":"{}"}}"#, event.asset, event.url)
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 64,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn tally_order_and_batches_do_not_matter(
        rules in rules_strategy(),
        events in events_strategy(1),
        seed in any::<u64>(),
    ) {
        let compiled = CompiledRules::new(&rules);
        let facts = LeadFacts::new(&LeadFields { job_title: Some("Sales Manager"), ..LeadFields::default() }, &[]);
        let texts: Vec<String> = events.iter().map(properties).collect();
        let facts_of = |index: usize| EventFact {
            id: index as i64 + 1,
            event_type: events[index].event_type,
            occurred_at: NOW - events[index].age_days * DAY,
            properties: &texts[index],
        };
        let full = compiled.score(&facts, (0..events.len()).map(facts_of), NOW);

        // The same events in a shuffled order, one at a time.
        let mut order: Vec<usize> = (0..events.len()).collect();
        let mut state = seed | 1;
        for i in (1..order.len()).rev() {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            order.swap(i, (state % (i as u64 + 1)) as usize);
        }
        let mut tally = compiled.new_tally();
        for index in order {
            compiled.add_event(&mut tally, &facts_of(index), NOW);
        }
        prop_assert_eq!(compiled.finish(&facts, &tally), full);
    }

    #[test]
    fn incremental_equals_full_recomputation(
        rules in rules_strategy(),
        events in events_strategy(3),
        batch in 1usize..8,
    ) {
        let mut db = Database::open_in_memory().unwrap();
        use_rules(&mut db, rules, NOW);
        let leads: Vec<i64> = (0..3)
            .map(|n| insert_lead(&mut db, &format!("lead{n}@example.com"), "Marketing Manager", "Acme", "Retail", "11-50", NOW - 300 * DAY))
            .collect();
        // An import scores the leads it wrote.
        rescore(&mut db, &leads, NOW).unwrap();

        // Record in batches; external ids repeat, so some events are duplicates.
        let new_events: Vec<NewEvent> = events
            .iter()
            .map(|e| {
                let mut new = event(leads[e.lead], e.event_type, NOW - e.age_days * DAY, &format!("ext-{}", e.external_id));
                new.properties = serde_json::from_str(&properties(e)).unwrap();
                new
            })
            .collect();
        for chunk in new_events.chunks(batch) {
            record_events(&mut db, chunk, NOW).unwrap();
        }

        let summary = recompute(&mut db, NOW).unwrap();
        prop_assert_eq!(summary.changed, 0);

        for id in leads {
            let explanation = explain(db.conn(), id, NOW).unwrap();
            let parts: i64 = explanation.rules.iter().map(|p| to_hundredths(p.points)).sum();
            prop_assert_eq!(parts, to_hundredths(explanation.score));
            prop_assert_eq!(explanation.score, lead_state(&db, id).0);
        }
    }
}
