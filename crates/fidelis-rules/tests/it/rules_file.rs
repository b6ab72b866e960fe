//! Rules files end to end: parse, validate with positions, and the decide flow through routing and
//! the contact policy.

use chrono::{NaiveDate, NaiveDateTime};
use fidelis_rules::policy::{ConsentRecord, ContactRecord};
use fidelis_rules::{
    Channel, ConsentChannel, ContactPolicy, Event, EventKind, FactSchema, Facts, Outcome, Position,
    Purpose, RoutingMatrix, RuleSet, RulesError,
};
use std::sync::Arc;

const RULES: &str = r#"
version = 1

[[rule]]
id = "contract_end_retention"
description = "Moment de fragilité: keep customers worth keeping before their contract ends"
trigger = { event = "contract_end" }
condition = '''
  score.churn_risk > 0.4
  && value.strategy in ["loyalty", "retention"]
  && profile.solvent
'''
action = { kind = "call_task", script = "retention_offer" }
channel = "routing:retention"
timing = { send_window = "09:00-19:00", expires_after_hours = 72 }
priority = 80
expected_value = "value.potential * 0.2"
cooldown_days = 60

[[rule]]
id = "birthday_sms"
trigger = { event = "birthday" }
action = { kind = "message", text = "Bon anniversaire {profile.city} !" }
channel = "sms"
priority = 10
expected_value = 2

[[rule]]
id = "contract_end_mail"
trigger = { event = "contract_end" }
condition = "event.value <= 30"
action = { kind = "message", subject = "Votre contrat", text = "Votre contrat {event.detail} se termine le {event.date}." }
channel = "email"
purpose = "service"
priority = 20

[[rule]]
id = "at_risk_alert"
trigger = { event = "contract_end" }
condition = "score.churn_risk > 0.4"
action = { kind = "alert", message = "Départ probable: proposer l'offre fidélité" }

[[rule]]
id = "monthly_review"
enabled = true
trigger = { schedule = "monthly:1" }
condition = "value.segment == 'premium'"
action = { kind = "add_to_campaign", campaign = "annual_review" }
"#;

const ROUTING: &str = r#"
[[segment]]
name = "wealthy"
when = 'profile.assets_band in ["high", "very_high"]'

[[segment]]
name = "mass"

[[route]]
segment = "wealthy"
operation = "retention"
to = ["adviser", "call_centre"]

[[route]]
segment = "*"
operation = "retention"
to = ["telesales", "email"]
"#;

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn at(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
}

fn schema() -> FactSchema {
    FactSchema::standard()
}

fn error_of(text: &str) -> RulesError {
    RuleSet::from_toml("rules.toml", text, &schema()).unwrap_err()
}

#[test]
fn a_valid_file_loads() {
    let rules = RuleSet::from_toml("rules.toml", RULES, &schema()).unwrap();
    let ids: Vec<&str> = rules.rules().iter().map(|r| r.spec.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "contract_end_retention",
            "birthday_sms",
            "contract_end_mail",
            "at_risk_alert",
            "monthly_review"
        ]
    );
    // The API shape is the file's shape.
    let json = serde_json::to_value(&rules.rules()[0].spec).unwrap();
    assert_eq!(
        json["trigger"],
        serde_json::json!({"event": "contract_end"})
    );
    assert_eq!(json["channel"], "routing:retention");
    assert_eq!(
        json["action"],
        serde_json::json!({"kind": "call_task", "script": "retention_offer"})
    );
    assert_eq!(json["timing"]["send_window"], "09:00-19:00");
    let back: fidelis_rules::RuleSpec = serde_json::from_value(json).unwrap();
    assert_eq!(back, rules.rules()[0].spec);
}

#[test]
fn errors_carry_line_and_column() {
    let cases: &[(&str, &str, usize, usize, &str)] = &[
        (
            "toml syntax: unclosed inline table",
            "[[rule]]\nid = \"a\"\ntrigger = { event = \"birthday\"\n",
            3,
            31,
            "",
        ),
        (
            "toml syntax: bad value",
            "[[rule]]\nid = \"a\"\npriority = high\n",
            3,
            12,
            "",
        ),
        (
            "unknown key",
            "[[rule]]\nid = \"a\"\ntrigger = { event = \"birthday\" }\nacton = 1\n",
            4,
            1,
            "unknown field `acton`",
        ),
        (
            "unknown channel",
            "[[rule]]\nid = \"a\"\ntrigger = { event = \"birthday\" }\naction = { kind = \"message\", text = \"x\" }\nchannel = \"fax\"\n",
            5,
            11,
            "unknown channel `fax`",
        ),
        (
            "expression error inside a multi-line condition",
            "[[rule]]\nid = \"a\"\ntrigger = { event = \"birthday\" }\ncondition = '''\n  score.churn_risk > 0.4\n  && value.segment > 3\n'''\naction = { kind = \"alert\", message = \"x\" }\n",
            6,
            22,
            "cannot compare a string with a number",
        ),
        (
            "expression error on the condition's line",
            "[[rule]]\nid = \"a\"\ntrigger = { event = \"birthday\" }\ncondition = \"score.churn_rsk > 0.4\"\naction = { kind = \"alert\", message = \"x\" }\n",
            4,
            14,
            "unknown fact `score.churn_rsk` (did you mean `score.churn_risk`?)",
        ),
        (
            "expected value expression",
            "[[rule]]\nid = \"a\"\ntrigger = { event = \"birthday\" }\naction = { kind = \"alert\", message = \"x\" }\nexpected_value = 'value.clv *'\n",
            5,
            30,
            "expected a value, a name or `(`",
        ),
        (
            "template placeholder",
            "[[rule]]\nid = \"a\"\ntrigger = { event = \"birthday\" }\naction = { kind = \"message\", text = \"Hi {profile.nam}\" }\nchannel = \"sms\"\n",
            4,
            41,
            "unknown fact `profile.nam` in the template",
        ),
        (
            "message without channel",
            "[[rule]]\nid = \"a\"\ntrigger = { event = \"birthday\" }\naction = { kind = \"message\", text = \"x\" }\n",
            4,
            10,
            "needs a `channel`",
        ),
        (
            "alert with a channel",
            "[[rule]]\nid = \"a\"\ntrigger = { event = \"birthday\" }\naction = { kind = \"alert\", message = \"x\" }\nchannel = \"sms\"\n",
            5,
            11,
            "has no channel of its own",
        ),
        (
            "duplicate id",
            "[[rule]]\nid = \"a\"\ntrigger = { event = \"birthday\" }\naction = { kind = \"alert\", message = \"x\" }\n\n[[rule]]\nid = \"a\"\ntrigger = { event = \"birthday\" }\naction = { kind = \"alert\", message = \"y\" }\n",
            7,
            6,
            "duplicate rule id `a`",
        ),
        (
            "bad schedule",
            "[[rule]]\nid = \"a\"\ntrigger = { schedule = \"weekly:funday\" }\naction = { kind = \"alert\", message = \"x\" }\n",
            3,
            11,
            "`funday` is not a day of the week",
        ),
        (
            "unknown version",
            "version = 2\n",
            1,
            11,
            "rules format version 2 is not known",
        ),
    ];
    for &(name, text, line, column, message) in cases {
        let e = error_of(text);
        assert_eq!(e.position(), Some(Position { line, column }), "{name}: {e}");
        assert!(
            e.to_string().contains(message),
            "{name}: `{e}` lacks `{message}`"
        );
        assert!(
            e.to_string()
                .starts_with(&format!("rules.toml: line {line}, column {column}: ")),
            "{name}: {e}"
        );
    }
}

#[test]
fn several_errors_are_reported_together() {
    let text = "[[rule]]\nid = \"a\"\ntrigger = { event = \"birthday\" }\ncondition = \"x > 1\"\naction = { kind = \"alert\", message = \"x\" }\n\n[[rule]]\nid = \"b\"\ntrigger = { event = \"birthday\" }\ncondition = \"y > 1\"\naction = { kind = \"alert\", message = \"x\" }\n";
    let RulesError::Several(errors) = error_of(text) else {
        panic!("two errors expected")
    };
    let positions: Vec<_> = errors.iter().filter_map(RulesError::position).collect();
    assert_eq!(
        positions,
        [
            Position {
                line: 4,
                column: 14
            },
            Position {
                line: 10,
                column: 14
            }
        ]
    );
}

#[test]
fn api_rules_report_positions_in_the_expression() {
    let mut spec: fidelis_rules::RuleSpec = serde_json::from_value(serde_json::json!({
        "id": "api_rule",
        "trigger": {"event": "birthday"},
        "condition": "score.churn_risk > 0.4 &&\n  nope",
        "action": {"kind": "alert", "message": "x"}
    }))
    .unwrap();
    let e = RuleSet::from_specs(vec![spec.clone()], &schema()).unwrap_err();
    assert_eq!(
        e.to_string(),
        "rule api_rule: line 2, column 3: in the condition of rule `api_rule`: unknown fact `nope`"
    );
    spec.condition = Some("score.churn_risk > 0.4".into());
    assert!(RuleSet::from_specs(vec![spec], &schema()).is_ok());
}

fn customer(assets: &str) -> Facts {
    let mut f = Facts::new(Arc::new(schema()));
    f.set("score.churn_risk", 0.55).unwrap();
    f.set("value.strategy", "retention").unwrap();
    f.set("value.potential", 900.0).unwrap();
    f.set("profile.solvent", true).unwrap();
    f.set("profile.assets_band", assets).unwrap();
    f
}

#[test]
fn event_to_decisions_through_routing_and_policy() {
    let rules = RuleSet::from_toml("rules.toml", RULES, &schema()).unwrap();
    let routing = RoutingMatrix::from_toml("routing.toml", ROUTING, &schema()).unwrap();
    let policy = ContactPolicy {
        max_per_week: Some(1),
        ..ContactPolicy::default()
    };
    let event = Event::new("c1", EventKind::ContractEnd, day("2025-04-01"))
        .with_value(22.0)
        .with_detail("K-17");
    let now = at("2025-03-10 07:30");
    let consents: Vec<ConsentRecord> = [ConsentChannel::Phone, ConsentChannel::Email]
        .into_iter()
        .map(|channel| ConsentRecord {
            channel,
            purpose: Purpose::Marketing,
            granted: true,
            at: at("2024-01-01 00:00"),
        })
        .collect();
    let explained = rules.explain(&event, &customer("high"), now);
    assert_eq!(
        explained,
        [
            ("contract_end_retention", Some(true)),
            ("contract_end_mail", Some(true)),
            ("at_risk_alert", Some(true))
        ]
    );

    // A wealthy customer is routed to the adviser, in the rule's send window.
    let candidates = rules.on_event(&event, &customer("high"), now, Some(&routing));
    assert_eq!(candidates.len(), 3);
    assert!(
        candidates[0].why.contains("segment wealthy × retention"),
        "{}",
        candidates[0].why
    );
    assert_eq!(candidates[0].expected_value, 180.0);
    assert_eq!(
        candidates[0].key,
        "c1/contract_end_retention/contract_end/2025-04-01/K-17"
    );
    let decisions = policy.decide(candidates, &[], &consents);
    let summary: Vec<(&str, Outcome)> = decisions
        .iter()
        .map(|d| (d.candidate.source.as_str(), d.outcome.clone()))
        .collect();
    use fidelis_rules::policy::{Deferral, Period, Suppression};
    assert_eq!(
        summary,
        [
            (
                "contract_end_retention",
                Outcome::Send {
                    channel: Some(Channel::Adviser),
                    at: at("2025-03-10 09:00"),
                    deferred_by: vec![Deferral::SendWindow],
                }
            ),
            (
                "contract_end_mail",
                Outcome::Suppressed(Suppression::Outranked {
                    by: "contract_end_retention".into(),
                    constraint: Box::new(Suppression::ContactCap {
                        period: Period::Week,
                        limit: 1,
                        count: 1
                    })
                })
            ),
            (
                "at_risk_alert",
                Outcome::Send {
                    channel: None,
                    at: now,
                    deferred_by: vec![]
                }
            ),
        ]
    );

    // Everyone else is routed to telesales, then e-mail; a call from the same rule last month puts
    // it in its cool-down.
    let history = [ContactRecord {
        at: at("2025-02-01 10:00"),
        channel: Some(Channel::Telesales),
        source: Some("contract_end_retention".into()),
    }];
    let candidates = rules.on_event(&event, &customer("low"), now, Some(&routing));
    assert_eq!(candidates[0].channels, [Channel::Telesales, Channel::Email]);
    let decisions = policy.decide(candidates, &history, &consents);
    assert!(matches!(
        decisions[0].outcome,
        Outcome::Suppressed(Suppression::RuleCoolDown { .. })
    ));
    // The service e-mail about the contract's end then has the week's only slot.
    assert!(decisions[1].is_sent(), "{:?}", decisions[1]);
}

#[test]
fn proposed_actions_carry_their_texts_filled_for_the_customer() {
    let rules = RuleSet::from_toml("rules.toml", RULES, &schema()).unwrap();
    let event = Event::new("c1", EventKind::ContractEnd, day("2025-04-01"))
        .with_value(22.0)
        .with_detail("K-17");
    let candidates = rules.on_event(&event, &customer("high"), at("2025-03-10 07:30"), None);
    let mail = candidates
        .iter()
        .find(|c| c.source == "contract_end_mail")
        .unwrap();
    assert_eq!(
        mail.action.text(),
        (
            Some("Votre contrat"),
            Some("Votre contrat K-17 se termine le 2025-04-01.")
        )
    );
    let mut facts = customer("low");
    facts.set("profile.city", "Lyon").unwrap();
    let birthday = Event::new("c1", EventKind::Birthday, day("2025-03-10"));
    let sms = rules.on_event(&birthday, &facts, at("2025-03-10 07:30"), None);
    assert_eq!(sms[0].action.text().1, Some("Bon anniversaire Lyon !"));
    // An absent fact reads as nothing, never as the placeholder's code.
    let sms = rules.on_event(&birthday, &customer("low"), at("2025-03-10 07:30"), None);
    assert_eq!(sms[0].action.text().1, Some("Bon anniversaire  !"));
}

#[test]
fn schedules_fire_on_their_day() {
    let rules = RuleSet::from_toml("rules.toml", RULES, &schema()).unwrap();
    let mut facts = customer("low");
    facts.set("value.segment", "premium").unwrap();
    let first = rules.on_schedule("c1", &facts, at("2025-03-01 06:00"), None);
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].source, "monthly_review");
    assert_eq!(first[0].key, "c1/monthly_review/schedule/2025-03-01");
    assert!(
        rules
            .on_schedule("c1", &facts, at("2025-03-02 06:00"), None)
            .is_empty()
    );
}

#[test]
fn extreme_numbers_do_not_panic() {
    let text = "[[rule]]\nid = \"far\"\ntrigger = { event = \"birthday\" }\naction = { kind = \"message\", text = \"x\" }\nchannel = \"sms\"\ntiming = { delay_hours = 4294967295, expires_after_hours = 4294967295 }\ncooldown_days = 4294967295\nmax_per_customer = 0\n";
    let rules = RuleSet::from_toml("rules.toml", text, &schema()).unwrap();
    let event = Event::new("c1", EventKind::Birthday, day("2025-03-10"));
    let candidates = rules.on_event(&event, &customer("low"), at("2025-03-10 10:00"), None);
    assert_eq!(candidates[0].earliest, NaiveDateTime::MAX);
    let policy = ContactPolicy {
        max_per_week: Some(1),
        cooldown_hours: u32::MAX,
        quiet_hours: Some("21:00-08:00".parse().unwrap()),
        ..ContactPolicy::default()
    };
    let history = [ContactRecord {
        at: NaiveDateTime::MIN,
        channel: Some(Channel::Sms),
        source: Some("far".into()),
    }];
    let decisions = policy.decide(candidates, &history, &[]);
    assert!(!decisions[0].is_sent());
}
