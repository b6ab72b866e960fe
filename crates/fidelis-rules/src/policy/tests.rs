//! Table-driven tests of the contact policy: consent, caps across channels, per-channel caps, quiet
//! hours, cool-downs, rule limits and arbitration.

use super::*;

fn t(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
}

/// A marketing SMS offer from `source`, priority 50, earliest Monday 2025-03-10 10:00.
fn offer(source: &str) -> Candidate {
    Candidate {
        customer_id: "c1".into(),
        source: source.into(),
        action: Action::Offer {
            offer: "O1".into(),
            text: None,
        },
        needs_channel: true,
        channels: vec![Channel::Sms],
        purpose: Purpose::Marketing,
        priority: 50,
        expected_value: 10.0,
        earliest: t("2025-03-10 10:00"),
        send_window: None,
        expires_at: None,
        cooldown_days: None,
        max_per_customer: None,
        why: "test".into(),
        key: format!("c1/{source}/test"),
    }
}

fn contact(at: &str, channel: Channel, source: Option<&str>) -> ContactRecord {
    ContactRecord {
        at: t(at),
        channel: Some(channel),
        source: source.map(str::to_string),
    }
}

fn consent(channel: ConsentChannel, granted: bool, at: &str) -> ConsentRecord {
    ConsentRecord {
        channel,
        purpose: Purpose::Marketing,
        granted,
        at: t(at),
    }
}

fn all_granted() -> Vec<ConsentRecord> {
    ConsentChannel::ALL
        .iter()
        .map(|&c| consent(c, true, "2024-01-01 00:00"))
        .collect()
}

fn sent(at: &str, channel: Channel) -> Outcome {
    Outcome::Send {
        channel: Some(channel),
        at: t(at),
        deferred_by: Vec::new(),
    }
}

struct Case {
    name: &'static str,
    policy: ContactPolicy,
    candidates: Vec<Candidate>,
    history: Vec<ContactRecord>,
    consents: Vec<ConsentRecord>,
    /// Expected outcome per source, in arbitration order.
    expected: Vec<(&'static str, Outcome)>,
}

fn check(case: Case) {
    let decisions = case
        .policy
        .decide(case.candidates, &case.history, &case.consents);
    let got: Vec<(&str, Outcome)> = decisions
        .iter()
        .map(|d| (d.candidate.source.as_str(), d.outcome.clone()))
        .collect();
    assert_eq!(got, case.expected, "case: {}", case.name);
}

#[test]
fn consent_per_channel_and_purpose() {
    let withdrawn = vec![
        consent(ConsentChannel::Sms, true, "2024-01-01 00:00"),
        consent(ConsentChannel::Sms, false, "2025-02-01 09:00"),
    ];
    let cases = vec![
        Case {
            name: "granted",
            policy: ContactPolicy::default(),
            candidates: vec![offer("r1")],
            history: vec![],
            consents: all_granted(),
            expected: vec![("r1", sent("2025-03-10 10:00", Channel::Sms))],
        },
        Case {
            name: "withdrawn after being granted",
            policy: ContactPolicy::default(),
            candidates: vec![offer("r1")],
            history: vec![],
            consents: withdrawn.clone(),
            expected: vec![(
                "r1",
                Outcome::Suppressed(Suppression::NoConsent {
                    channel: ConsentChannel::Sms,
                    purpose: Purpose::Marketing,
                    withdrawn_at: Some(t("2025-02-01 09:00")),
                }),
            )],
        },
        Case {
            name: "never given (opt-in channel)",
            policy: ContactPolicy::default(),
            candidates: vec![offer("r1")],
            history: vec![],
            consents: vec![],
            expected: vec![(
                "r1",
                Outcome::Suppressed(Suppression::NoConsent {
                    channel: ConsentChannel::Sms,
                    purpose: Purpose::Marketing,
                    withdrawn_at: None,
                }),
            )],
        },
        Case {
            name: "opt-out channel without a record",
            policy: ContactPolicy {
                opt_out_channels: vec![ConsentChannel::Sms],
                ..ContactPolicy::default()
            },
            candidates: vec![offer("r1")],
            history: vec![],
            consents: vec![],
            expected: vec![("r1", sent("2025-03-10 10:00", Channel::Sms))],
        },
        Case {
            name: "service purpose needs no record, but a withdrawal still blocks",
            policy: ContactPolicy::default(),
            candidates: vec![
                Candidate {
                    purpose: Purpose::Service,
                    ..offer("service_no_record")
                },
                Candidate {
                    purpose: Purpose::Service,
                    channels: vec![Channel::Email],
                    priority: 10,
                    ..offer("service_withdrawn")
                },
            ],
            history: vec![],
            consents: vec![ConsentRecord {
                channel: ConsentChannel::Email,
                purpose: Purpose::Service,
                granted: false,
                at: t("2025-01-01 00:00"),
            }],
            expected: vec![
                ("service_no_record", sent("2025-03-10 10:00", Channel::Sms)),
                (
                    "service_withdrawn",
                    Outcome::Suppressed(Suppression::NoConsent {
                        channel: ConsentChannel::Email,
                        purpose: Purpose::Service,
                        withdrawn_at: Some(t("2025-01-01 00:00")),
                    }),
                ),
            ],
        },
        Case {
            name: "consent falls back to the next routed channel",
            policy: ContactPolicy::default(),
            candidates: vec![Candidate {
                channels: vec![Channel::Sms, Channel::Email],
                ..offer("r1")
            }],
            history: vec![],
            consents: withdrawn
                .into_iter()
                .chain([consent(ConsentChannel::Email, true, "2024-01-01 00:00")])
                .collect(),
            expected: vec![("r1", sent("2025-03-10 10:00", Channel::Email))],
        },
        Case {
            name: "alerts and web placements need no consent",
            policy: ContactPolicy::default(),
            candidates: vec![
                Candidate {
                    needs_channel: false,
                    channels: vec![],
                    action: Action::Alert {
                        message: "at risk".into(),
                    },
                    ..offer("alert")
                },
                Candidate {
                    channels: vec![Channel::Web],
                    priority: 10,
                    ..offer("banner")
                },
            ],
            history: vec![],
            consents: vec![],
            expected: vec![
                (
                    "alert",
                    Outcome::Send {
                        channel: None,
                        at: t("2025-03-10 10:00"),
                        deferred_by: vec![],
                    },
                ),
                ("banner", sent("2025-03-10 10:00", Channel::Web)),
            ],
        },
    ];
    for case in cases {
        check(case);
    }
}

#[test]
fn caps_across_channels_and_per_channel() {
    let two_a_week = ContactPolicy {
        max_per_week: Some(2),
        max_per_month: Some(3),
        ..ContactPolicy::default()
    };
    let cases = vec![
        Case {
            name: "weekly cap reached by an e-mail and an outbound call",
            policy: two_a_week.clone(),
            candidates: vec![offer("r1")],
            history: vec![
                contact("2025-03-05 11:00", Channel::Email, Some("newsletter")),
                contact("2025-03-08 15:00", Channel::Telesales, None),
            ],
            consents: all_granted(),
            expected: vec![(
                "r1",
                Outcome::Suppressed(Suppression::ContactCap {
                    period: Period::Week,
                    limit: 2,
                    count: 2,
                }),
            )],
        },
        Case {
            name: "a contact 8 days ago is out of the rolling week",
            policy: two_a_week.clone(),
            candidates: vec![offer("r1")],
            history: vec![
                contact("2025-03-02 09:00", Channel::Email, None),
                contact("2025-03-08 15:00", Channel::Telesales, None),
            ],
            consents: all_granted(),
            expected: vec![("r1", sent("2025-03-10 10:00", Channel::Sms))],
        },
        Case {
            name: "monthly cap across channels",
            policy: two_a_week.clone(),
            candidates: vec![offer("r1")],
            history: vec![
                contact("2025-02-12 09:00", Channel::Mail, None),
                contact("2025-02-20 09:00", Channel::Email, None),
                contact("2025-03-01 09:00", Channel::CallCentre, None),
            ],
            consents: all_granted(),
            expected: vec![(
                "r1",
                Outcome::Suppressed(Suppression::ContactCap {
                    period: Period::Month,
                    limit: 3,
                    count: 3,
                }),
            )],
        },
        Case {
            name: "alerts and web placements do not count as contacts",
            policy: two_a_week.clone(),
            candidates: vec![offer("r1")],
            history: vec![
                ContactRecord {
                    at: t("2025-03-09 09:00"),
                    channel: None,
                    source: Some("alert".into()),
                },
                contact("2025-03-09 10:00", Channel::Web, None),
                contact("2025-03-09 11:00", Channel::Email, None),
            ],
            consents: all_granted(),
            expected: vec![("r1", sent("2025-03-10 10:00", Channel::Sms))],
        },
        Case {
            name: "per-channel cap sends the action to the fallback channel",
            policy: ContactPolicy {
                channel_caps: [(
                    Channel::Sms,
                    ChannelCaps {
                        per_week: Some(1),
                        per_month: None,
                    },
                )]
                .into(),
                ..ContactPolicy::default()
            },
            candidates: vec![Candidate {
                channels: vec![Channel::Sms, Channel::Email],
                ..offer("r1")
            }],
            history: vec![contact("2025-03-07 12:00", Channel::Sms, None)],
            consents: all_granted(),
            expected: vec![("r1", sent("2025-03-10 10:00", Channel::Email))],
        },
        Case {
            name: "per-channel cap without fallback",
            policy: ContactPolicy {
                channel_caps: [(
                    Channel::Sms,
                    ChannelCaps {
                        per_week: None,
                        per_month: Some(1),
                    },
                )]
                .into(),
                ..ContactPolicy::default()
            },
            candidates: vec![offer("r1")],
            history: vec![contact("2025-02-20 12:00", Channel::Sms, None)],
            consents: all_granted(),
            expected: vec![(
                "r1",
                Outcome::Suppressed(Suppression::ChannelCap {
                    channel: Channel::Sms,
                    period: Period::Month,
                    limit: 1,
                    count: 1,
                }),
            )],
        },
    ];
    for case in cases {
        check(case);
    }
}

#[test]
fn quiet_hours_and_send_windows() {
    let quiet = ContactPolicy {
        quiet_hours: Some("21:00-08:00".parse().unwrap()),
        quiet_weekdays: vec![Weekday::Sun],
        ..ContactPolicy::default()
    };
    let at = |s: &str| t(s);
    let deferred = |s: &str, ch: Channel, by: Vec<Deferral>| Outcome::Send {
        channel: Some(ch),
        at: t(s),
        deferred_by: by,
    };
    let cases = vec![
        Case {
            name: "an SMS at 22:30 waits for 08:00",
            policy: quiet.clone(),
            candidates: vec![Candidate {
                earliest: at("2025-03-10 22:30"),
                ..offer("r1")
            }],
            history: vec![],
            consents: all_granted(),
            expected: vec![(
                "r1",
                deferred("2025-03-11 08:00", Channel::Sms, vec![Deferral::QuietHours]),
            )],
        },
        Case {
            name: "an e-mail is not held by quiet hours",
            policy: quiet.clone(),
            candidates: vec![Candidate {
                earliest: at("2025-03-10 22:30"),
                channels: vec![Channel::Email],
                ..offer("r1")
            }],
            history: vec![],
            consents: all_granted(),
            expected: vec![("r1", sent("2025-03-10 22:30", Channel::Email))],
        },
        Case {
            name: "Saturday night: quiet hours, then the quiet Sunday, then Monday morning",
            policy: quiet.clone(),
            candidates: vec![Candidate {
                earliest: at("2025-03-08 23:00"),
                ..offer("r1")
            }],
            history: vec![],
            consents: all_granted(),
            expected: vec![(
                "r1",
                deferred("2025-03-10 08:00", Channel::Sms, vec![Deferral::QuietHours]),
            )],
        },
        Case {
            name: "the rule's send window and quiet hours together",
            policy: quiet.clone(),
            candidates: vec![Candidate {
                earliest: at("2025-03-10 19:30"),
                send_window: Some("10:00-19:00".parse().unwrap()),
                ..offer("r1")
            }],
            history: vec![],
            consents: all_granted(),
            expected: vec![(
                "r1",
                deferred("2025-03-11 10:00", Channel::Sms, vec![Deferral::SendWindow]),
            )],
        },
        Case {
            name: "deferred past its expiry: dropped",
            policy: quiet.clone(),
            candidates: vec![Candidate {
                earliest: at("2025-03-10 22:30"),
                expires_at: Some(at("2025-03-11 06:00")),
                ..offer("r1")
            }],
            history: vec![],
            consents: all_granted(),
            expected: vec![(
                "r1",
                Outcome::Suppressed(Suppression::Expired {
                    by: Deferral::QuietHours,
                    possible_at: Some(at("2025-03-11 08:00")),
                    expires_at: at("2025-03-11 06:00"),
                }),
            )],
        },
        Case {
            name: "a send window wholly inside quiet hours can never be met",
            policy: quiet,
            candidates: vec![Candidate {
                send_window: Some("22:00-23:00".parse().unwrap()),
                ..offer("r1")
            }],
            history: vec![],
            consents: all_granted(),
            expected: vec![(
                "r1",
                Outcome::Suppressed(Suppression::Expired {
                    by: Deferral::QuietHours,
                    possible_at: None,
                    expires_at: at("2025-03-10 10:00"),
                }),
            )],
        },
    ];
    for case in cases {
        check(case);
    }
}

#[test]
fn cool_downs_and_rule_limits() {
    let cooldown = ContactPolicy {
        cooldown_hours: 48,
        ..ContactPolicy::default()
    };
    let cases = vec![
        Case {
            name: "a contact yesterday holds the next one for 48 h",
            policy: cooldown.clone(),
            candidates: vec![offer("r1")],
            history: vec![contact("2025-03-09 12:00", Channel::Email, None)],
            consents: all_granted(),
            expected: vec![(
                "r1",
                Outcome::Suppressed(Suppression::CoolDown {
                    last: t("2025-03-09 12:00"),
                    until: t("2025-03-11 12:00"),
                }),
            )],
        },
        Case {
            name: "after the cool-down",
            policy: cooldown,
            candidates: vec![offer("r1")],
            history: vec![contact("2025-03-08 09:00", Channel::Email, None)],
            consents: all_granted(),
            expected: vec![("r1", sent("2025-03-10 10:00", Channel::Sms))],
        },
        Case {
            name: "the rule's own cool-down",
            policy: ContactPolicy::default(),
            candidates: vec![Candidate {
                cooldown_days: Some(30),
                ..offer("r1")
            }],
            history: vec![contact("2025-02-20 09:00", Channel::Email, Some("r1"))],
            consents: all_granted(),
            expected: vec![(
                "r1",
                Outcome::Suppressed(Suppression::RuleCoolDown {
                    last: t("2025-02-20 09:00"),
                    until: t("2025-03-22 09:00"),
                }),
            )],
        },
        Case {
            name: "maximum per customer, alerts included",
            policy: ContactPolicy::default(),
            candidates: vec![Candidate {
                max_per_customer: Some(2),
                ..offer("r1")
            }],
            history: vec![
                contact("2024-05-01 09:00", Channel::Email, Some("r1")),
                ContactRecord {
                    at: t("2024-09-01 09:00"),
                    channel: None,
                    source: Some("r1".into()),
                },
                contact("2024-10-01 09:00", Channel::Email, Some("r2")),
            ],
            consents: all_granted(),
            expected: vec![(
                "r1",
                Outcome::Suppressed(Suppression::RuleMaxReached { limit: 2 }),
            )],
        },
    ];
    for case in cases {
        check(case);
    }
}

#[test]
fn arbitration_by_priority_then_expected_value() {
    let one_a_week = ContactPolicy {
        max_per_week: Some(1),
        ..ContactPolicy::default()
    };
    let cases = vec![
        Case {
            name: "higher priority wins the weekly slot",
            policy: one_a_week.clone(),
            candidates: vec![
                Candidate {
                    priority: 10,
                    expected_value: 500.0,
                    ..offer("birthday")
                },
                Candidate {
                    priority: 80,
                    channels: vec![Channel::Telesales],
                    ..offer("retention")
                },
            ],
            history: vec![],
            consents: all_granted(),
            expected: vec![
                ("retention", sent("2025-03-10 10:00", Channel::Telesales)),
                (
                    "birthday",
                    Outcome::Suppressed(Suppression::Outranked {
                        by: "retention".into(),
                        constraint: Box::new(Suppression::ContactCap {
                            period: Period::Week,
                            limit: 1,
                            count: 1,
                        }),
                    }),
                ),
            ],
        },
        Case {
            name: "equal priority: higher expected value wins",
            policy: ContactPolicy {
                cooldown_hours: 24,
                ..ContactPolicy::default()
            },
            candidates: vec![
                Candidate {
                    expected_value: 5.0,
                    ..offer("cheap")
                },
                Candidate {
                    expected_value: 40.0,
                    ..offer("valuable")
                },
            ],
            history: vec![],
            consents: all_granted(),
            expected: vec![
                ("valuable", sent("2025-03-10 10:00", Channel::Sms)),
                (
                    "cheap",
                    Outcome::Suppressed(Suppression::Outranked {
                        by: "valuable".into(),
                        constraint: Box::new(Suppression::CoolDown {
                            last: t("2025-03-10 10:00"),
                            until: t("2025-03-11 10:00"),
                        }),
                    }),
                ),
            ],
        },
        Case {
            name: "a winner without consent leaves the room to the next",
            policy: one_a_week,
            candidates: vec![
                Candidate {
                    priority: 90,
                    channels: vec![Channel::Mail],
                    ..offer("letter")
                },
                offer("sms"),
            ],
            history: vec![],
            consents: vec![consent(ConsentChannel::Sms, true, "2024-01-01 00:00")],
            expected: vec![
                (
                    "letter",
                    Outcome::Suppressed(Suppression::NoConsent {
                        channel: ConsentChannel::Mail,
                        purpose: Purpose::Marketing,
                        withdrawn_at: None,
                    }),
                ),
                ("sms", sent("2025-03-10 10:00", Channel::Sms)),
            ],
        },
    ];
    for case in cases {
        check(case);
    }
}

#[test]
fn no_channel_and_passed_over_reasons() {
    let policy = ContactPolicy::default();
    let decisions = policy.decide(
        vec![
            Candidate {
                channels: vec![],
                ..offer("unrouted")
            },
            Candidate {
                channels: vec![Channel::Sms, Channel::Email],
                priority: 1,
                ..offer("nothing_allowed")
            },
        ],
        &[],
        &[],
    );
    assert_eq!(
        decisions[0].outcome,
        Outcome::Suppressed(Suppression::NoChannel)
    );
    assert_eq!(
        decisions[1]
            .passed_over
            .iter()
            .map(|(c, _)| *c)
            .collect::<Vec<_>>(),
        vec![Channel::Sms, Channel::Email]
    );
}

#[test]
fn policy_file_and_json_shape() {
    let text = r#"
max_per_week = 2
max_per_month = 6
cooldown_hours = 48
quiet_hours = "21:00-08:00"
quiet_weekdays = ["Sun"]
opt_out_channels = ["mail"]

[channel_caps.sms]
per_week = 1
"#;
    let policy = ContactPolicy::from_toml("policy.toml", text).unwrap();
    assert_eq!(policy.max_per_week, Some(2));
    assert_eq!(policy.channel_caps[&Channel::Sms].per_week, Some(1));
    assert_eq!(policy.quiet_weekdays, vec![Weekday::Sun]);
    let bad = ContactPolicy::from_toml("policy.toml", "max_per_week = 2\nquiet_hours = \"9pm\"\n")
        .unwrap_err();
    assert_eq!(
        bad.position(),
        Some(crate::Position {
            line: 2,
            column: 15
        }),
        "{bad}"
    );
    let s = Suppression::Outranked {
        by: "r1".into(),
        constraint: Box::new(Suppression::ContactCap {
            period: Period::Week,
            limit: 2,
            count: 2,
        }),
    };
    assert_eq!(
        serde_json::to_string(&s).unwrap(),
        r#"{"reason":"outranked","by":"r1","constraint":{"reason":"contact_cap","period":"week","limit":2,"count":2}}"#
    );
}
