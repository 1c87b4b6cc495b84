//! Ready-made sequences that follow a classic nurture playbook, in English
//! and Dutch. The user picks one in the Nurture screen and edits it.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::model::{
    Audience, ConditionTest, Goal, ReEntry, SequenceDraft, SequenceStatus, Step, StepAction,
    Trigger, Wait, WaitUnit, Weekday,
};
use crate::model::Stage;
use crate::settings::Language;

/// One preset: a stable key and the sequence it creates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Preset {
    /// `white_paper`, `webinar`, `cooling_mql` or `welcome_mql`.
    pub key: String,
    pub description: String,
    pub draft: SequenceDraft,
}

fn step(id: &str, action: StepAction) -> Step {
    Step {
        id: id.to_owned(),
        action,
    }
}

fn days_at(amount: u32, at: &str) -> StepAction {
    StepAction::Wait {
        wait: Wait::For {
            amount,
            unit: WaitUnit::Days,
            at: Some(at.to_owned()),
        },
    }
}

fn email(subject: &str, body: &str) -> StepAction {
    StepAction::SendEmail {
        subject: subject.to_owned(),
        body: body.to_owned(),
    }
}

fn did(event_type: &str, goto: &str, days: u32) -> StepAction {
    StepAction::Condition {
        test: ConditionTest::DidEvent {
            event_type: event_type.to_owned(),
        },
        goto_step: goto.to_owned(),
        timeout_days: Some(days),
    }
}

/// Picks the English or Dutch text.
fn t<'a>(language: Language, en: &'a str, nl: &'a str) -> &'a str {
    match language {
        Language::En => en,
        Language::Nl => nl,
    }
}

/// Returns the four presets in `language`, active and ready to save.
pub fn presets(language: Language) -> Vec<Preset> {
    vec![
        white_paper(language),
        webinar(language),
        cooling_mql(language),
        welcome_mql(language),
    ]
}

fn white_paper(l: Language) -> Preset {
    Preset {
        key: "white_paper".into(),
        description: t(l,
            "The day after a white-paper download, send a related article; leads that then visit the pricing page get a demo invitation and sales hears about them.",
            "Stuur de dag na het downloaden van een whitepaper een verwant artikel; wie daarna de prijspagina bezoekt, krijgt een demo-uitnodiging en sales hoort ervan.").into(),
        draft: SequenceDraft {
            name: t(l, "White-paper follow-up", "Opvolging whitepaper").into(),
            status: SequenceStatus::Active,
            trigger: Trigger::Event {
                event_type: "whitepaper_download".into(),
                property: None,
            },
            audience: Audience::default(),
            steps: vec![
                step("wait-1", days_at(1, "09:00")),
                step("article", email(
                    t(l, "An article to go with your white paper", "Een artikel bij uw whitepaper"),
                    t(l,
                        "Hi {{first_name|there}},\n\nThanks for reading our white paper. This article shows how teams like {{company|yours}} put it into practice.",
                        "Beste {{first_name|lezer}},\n\nBedankt voor het lezen van onze whitepaper. Dit artikel laat zien hoe teams zoals {{company|het uwe}} het in de praktijk brengen."),
                )),
                step("visited-pricing", did("pricing_page_visit", "demo-invite", 5)),
                step("customer-story", email(
                    t(l, "How others got started", "Hoe anderen begonnen"),
                    t(l,
                        "Hi {{first_name|there}},\n\nHere is a short customer story about getting started in a week.",
                        "Beste {{first_name|lezer}},\n\nHier is een kort klantverhaal over starten in een week."),
                )),
                step("end", StepAction::End),
                step("demo-invite", email(
                    t(l, "See it live: book a demo", "Zie het live: plan een demo"),
                    t(l,
                        "Hi {{first_name|there}},\n\nYou had a look at our pricing. Shall we show you the product in 30 minutes? Reply with a time that suits you.",
                        "Beste {{first_name|lezer}},\n\nU bekeek onze prijzen. Zullen we u het product in 30 minuten laten zien? Antwoord met een moment dat u past."),
                )),
                step("tell-sales", StepAction::NotifySales {
                    message: t(l,
                        "{{full_name}} ({{company}}) read the white paper and visited the pricing page.",
                        "{{full_name}} ({{company}}) las de whitepaper en bezocht de prijspagina.").into(),
                }),
            ],
            goal: Goal {
                stage: Some(Stage::Sql),
                event_type: Some("demo_request".into()),
            },
            re_entry: ReEntry::AfterDays { days: 90 },
        },
    }
}

fn webinar(l: Language) -> Preset {
    Preset {
        key: "webinar".into(),
        description: t(l,
            "After a webinar registration, send the recording; three days later, leads with a high score get a call from their owner, the others a summary.",
            "Stuur na een webinaraanmelding de opname; drie dagen later belt de eigenaar leads met een hoge score en krijgen de anderen een samenvatting.").into(),
        draft: SequenceDraft {
            name: t(l, "Webinar follow-up", "Opvolging webinar").into(),
            status: SequenceStatus::Active,
            trigger: Trigger::Event {
                event_type: "webinar_registration".into(),
                property: None,
            },
            audience: Audience::default(),
            steps: vec![
                step("wait-1", days_at(1, "10:00")),
                step("recording", email(
                    t(l, "The recording and slides", "De opname en de slides"),
                    t(l,
                        "Hi {{first_name|there}},\n\nThanks for joining. Here are the recording and the slides of the webinar.",
                        "Beste {{first_name|deelnemer}},\n\nBedankt voor uw deelname. Hier zijn de opname en de slides van het webinar."),
                )),
                step("wait-3", days_at(3, "10:00")),
                step("high-score", StepAction::Condition {
                    test: ConditionTest::ScoreAbove { value: 60.0 },
                    goto_step: "call".into(),
                    timeout_days: None,
                }),
                step("takeaways", email(
                    t(l, "Three takeaways from the webinar", "Drie lessen uit het webinar"),
                    t(l,
                        "Hi {{first_name|there}},\n\nIn case you missed parts of it, here are the three main takeaways.",
                        "Beste {{first_name|deelnemer}},\n\nVoor het geval u delen miste: dit zijn de drie belangrijkste lessen."),
                )),
                step("end", StepAction::End),
                step("call", StepAction::CreateTask {
                    title: t(l,
                        "Call {{full_name}} about the webinar",
                        "Bel {{full_name}} over het webinar").into(),
                }),
            ],
            goal: Goal {
                stage: Some(Stage::Sql),
                event_type: Some("demo_request".into()),
            },
            re_entry: ReEntry::AfterDays { days: 30 },
        },
    }
}

fn cooling_mql(l: Language) -> Preset {
    Preset {
        key: "cooling_mql".into(),
        description: t(l,
            "Enrol cooling MQLs from the board: a check-in e-mail, then sales is told about those who click, and the rest get a last check-in a week later.",
            "Schrijf afkoelende MQL's in vanaf het bord: een check-in-mail, daarna hoort sales wie klikt, en de rest krijgt een week later een laatste check-in.").into(),
        draft: SequenceDraft {
            name: t(l, "Re-engage cooling MQLs", "Afkoelende MQL's heractiveren").into(),
            status: SequenceStatus::Active,
            trigger: Trigger::Manual,
            audience: Audience {
                stages: vec![Stage::Mql, Stage::Warm],
                ..Audience::default()
            },
            steps: vec![
                step("check-in", email(
                    t(l, "Still looking into this?", "Nog steeds hiermee bezig?"),
                    t(l,
                        "Hi {{first_name|there}},\n\nIt has been a while. Is improving your lead follow-up still on the list at {{company|your company}}?",
                        "Beste {{first_name|lezer}},\n\nHet is even geleden. Staat betere opvolging van leads nog op de lijst bij {{company|uw bedrijf}}?"),
                )),
                step("clicked", did("email_click", "tell-sales", 7)),
                step("last-check-in", email(
                    t(l, "Shall we close your file?", "Zullen we uw dossier sluiten?"),
                    t(l,
                        "Hi {{first_name|there}},\n\nWe will not write again about this unless you reply.",
                        "Beste {{first_name|lezer}},\n\nWe schrijven hier niet meer over, tenzij u antwoordt."),
                )),
                step("end", StepAction::End),
                step("tell-sales", StepAction::NotifySales {
                    message: t(l,
                        "{{full_name}} ({{company}}) reacted to the re-engagement e-mail.",
                        "{{full_name}} ({{company}}) reageerde op de heractiveringsmail.").into(),
                }),
            ],
            goal: Goal {
                stage: Some(Stage::Sql),
                event_type: None,
            },
            re_entry: ReEntry::AfterDays { days: 60 },
        },
    }
}

fn welcome_mql(l: Language) -> Preset {
    Preset {
        key: "welcome_mql".into(),
        description: t(l,
            "A lead that becomes an MQL gets a welcome e-mail, a useful guide two days later and, the next Tuesday, a task for its owner to qualify it.",
            "Een lead die MQL wordt, krijgt een welkomstmail, twee dagen later een handige gids en de dinsdag erna een taak voor de eigenaar om te kwalificeren.").into(),
        draft: SequenceDraft {
            name: t(l, "Welcome new MQL", "Welkom nieuwe MQL").into(),
            status: SequenceStatus::Active,
            trigger: Trigger::Stage { stage: Stage::Mql },
            audience: Audience::default(),
            steps: vec![
                step("welcome", email(
                    t(l, "Welcome, {{first_name|there}}", "Welkom, {{first_name|lezer}}"),
                    t(l,
                        "Hi {{first_name|there}},\n\nGood to see {{company|your team}} around. Reply to this e-mail with any question; a person reads it.",
                        "Beste {{first_name|lezer}},\n\nFijn dat {{company|uw team}} er is. Antwoord op deze mail met elke vraag; er leest een mens mee."),
                )),
                step("wait-2", days_at(2, "09:00")),
                step("guide", email(
                    t(l, "A guide to your first month", "Een gids voor uw eerste maand"),
                    t(l,
                        "Hi {{first_name|there}},\n\nThis short guide shows the first three things to set up.",
                        "Beste {{first_name|lezer}},\n\nDeze korte gids laat de eerste drie dingen zien om in te stellen."),
                )),
                step("tuesday", StepAction::Wait {
                    wait: Wait::Until {
                        weekday: Weekday::Tue,
                        at: "10:00".into(),
                    },
                }),
                step("qualify", StepAction::CreateTask {
                    title: t(l,
                        "Qualify {{full_name}} ({{company}})",
                        "Kwalificeer {{full_name}} ({{company}})").into(),
                }),
            ],
            goal: Goal {
                stage: Some(Stage::Sql),
                event_type: None,
            },
            re_entry: ReEntry::Never,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_preset_valid_in_both_languages() {
        for language in [Language::En, Language::Nl] {
            let presets = presets(language);
            assert_eq!(presets.len(), 4);
            for preset in presets {
                super::super::validate::validate(&preset.draft)
                    .unwrap_or_else(|error| panic!("{} ({language:?}): {error}", preset.key));
            }
        }
    }
}
