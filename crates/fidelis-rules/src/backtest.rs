//! Backtest: replays a period day by day through the rules and the contact policy, with a simulated
//! contact history, and counts what would have happened — customers reached per rule, overlaps
//! between rules, contacts and their cost per channel, and what the policy suppressed, per reason.
//!
//! Pure, like the rest of the crate: the caller detects each day's events and passes them in order.
//! Detectors report an event on every day its condition holds, so a candidate is identified by its
//! idempotency key (customer, rule, trigger): once sent, it is not proposed again (the outbox keeps
//! one action per key); while suppressed, it is proposed again the next day it is detected, and it
//! counts as suppressed — with the reason of its last refusal — only if it never went out. Hence, per
//! rule, `reached + suppressed = candidates`.

use crate::channel::Channel;
use crate::engine::RuleSet;
use crate::event::Event;
use crate::facts::Facts;
use crate::policy::{ConsentRecord, ContactPolicy, ContactRecord, Outcome, Suppression};
use crate::routing::RoutingMatrix;
use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// A customer as the replay sees it: facts (fixed over the period), contact history before it, and
/// consents.
#[derive(Debug, Clone)]
pub struct Subject {
    pub facts: Facts,
    pub history: Vec<ContactRecord>,
    pub consents: Vec<ConsentRecord>,
}

/// The name of a suppression's reason, for counting (`outranked` is reported with the reason of the
/// constraint the higher-ranked action filled: `outranked:contact_cap`).
pub fn reason_name(s: &Suppression) -> String {
    match s {
        Suppression::RuleMaxReached { .. } => "rule_max_reached".into(),
        Suppression::RuleCoolDown { .. } => "rule_cool_down".into(),
        Suppression::NoChannel => "no_channel".into(),
        Suppression::NoConsent { .. } => "no_consent".into(),
        Suppression::ChannelCap { .. } => "channel_cap".into(),
        Suppression::Expired { .. } => "expired".into(),
        Suppression::CoolDown { .. } => "cool_down".into(),
        Suppression::ContactCap { .. } => "contact_cap".into(),
        Suppression::Outranked { constraint, .. } => {
            format!("outranked:{}", reason_name(constraint))
        }
    }
}

/// What became of one candidate key.
#[derive(Debug, Clone)]
enum Fate {
    Sent(Option<Channel>),
    Suppressed(String),
}

/// One rule's results.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct RuleResult {
    pub rule: String,
    /// Distinct candidate actions (idempotency keys) the rule proposed.
    pub candidates: u64,
    /// Of those, the ones that went out.
    pub reached: u64,
    /// Of those, the ones that never went out.
    pub suppressed: u64,
    /// Distinct customers with at least one action out.
    pub customers_reached: u64,
    /// Actions out per channel, placements on the web or in store included (actions without a
    /// channel — alerts, campaign additions — have none).
    pub contacts: BTreeMap<Channel, u64>,
    pub suppressed_by_reason: BTreeMap<String, u64>,
}

/// Customers reached by both rules.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Overlap {
    pub a: String,
    pub b: String,
    pub customers: u64,
}

/// Contacts and cost on one channel.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ChannelCost {
    pub channel: Channel,
    pub contacts: u64,
    /// Cost of one contact, currency units.
    pub cost_per_contact: f64,
    pub cost: f64,
}

/// The backtest's results.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct BacktestReport {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub days: u64,
    pub customers: u64,
    /// Distinct events detected, by kind.
    pub events: BTreeMap<String, u64>,
    pub candidates: u64,
    pub reached: u64,
    pub suppressed: u64,
    pub customers_reached: u64,
    pub rules: Vec<RuleResult>,
    pub overlaps: Vec<Overlap>,
    pub channels: Vec<ChannelCost>,
    pub total_cost: f64,
    pub suppressed_by_reason: BTreeMap<String, u64>,
}

/// A replay in progress.
pub struct Replay<'a> {
    rules: &'a RuleSet,
    policy: &'a ContactPolicy,
    routing: Option<&'a RoutingMatrix>,
    subjects: HashMap<String, Subject>,
    /// Local time at which each day's events are handled.
    handled_at: NaiveTime,
    fates: BTreeMap<String, (String, String, Fate)>,
    events: BTreeSet<(String, String, NaiveDate, Option<String>)>,
    first: Option<NaiveDate>,
    last: Option<NaiveDate>,
    days: u64,
}

impl<'a> Replay<'a> {
    /// A replay over these customers, each day's events handled at `handled_at` (local time).
    pub fn new(
        rules: &'a RuleSet,
        policy: &'a ContactPolicy,
        routing: Option<&'a RoutingMatrix>,
        subjects: HashMap<String, Subject>,
        handled_at: NaiveTime,
    ) -> Replay<'a> {
        Replay {
            rules,
            policy,
            routing,
            subjects,
            handled_at,
            fates: BTreeMap::new(),
            events: BTreeSet::new(),
            first: None,
            last: None,
            days: 0,
        }
    }

    /// Handles one day: the day's events (of any customers; unknown ones are skipped) and the
    /// scheduled rules due that day for every customer. Days must come in order.
    pub fn day(&mut self, day: NaiveDate, events: &[Event]) {
        let now = NaiveDateTime::new(day, self.handled_at);
        self.first.get_or_insert(day);
        self.last = Some(day);
        self.days += 1;
        let mut by_customer: BTreeMap<&str, Vec<&Event>> = BTreeMap::new();
        for e in events {
            if self.subjects.contains_key(&e.customer_id) {
                self.events.insert((
                    e.customer_id.clone(),
                    e.kind.to_string(),
                    e.date,
                    e.detail.clone(),
                ));
                by_customer
                    .entry(e.customer_id.as_str())
                    .or_default()
                    .push(e);
            }
        }
        let mut customers: Vec<String> = self.subjects.keys().cloned().collect();
        customers.sort();
        for customer in customers {
            let Some(subject) = self.subjects.get(&customer) else {
                continue;
            };
            let mut candidates = Vec::new();
            for e in by_customer.get(customer.as_str()).into_iter().flatten() {
                candidates.extend(self.rules.on_event(e, &subject.facts, now, self.routing));
            }
            candidates.extend(
                self.rules
                    .on_schedule(&customer, &subject.facts, now, self.routing),
            );
            candidates.retain(|c| !matches!(self.fates.get(&c.key), Some((_, _, Fate::Sent(_)))));
            if candidates.is_empty() {
                continue;
            }
            let decisions = self
                .policy
                .decide(candidates, &subject.history, &subject.consents);
            let mut sent = Vec::new();
            for d in decisions {
                let fate = match &d.outcome {
                    Outcome::Send { channel, at, .. } => {
                        sent.push(ContactRecord {
                            at: *at,
                            channel: *channel,
                            source: Some(d.candidate.source.clone()),
                        });
                        Fate::Sent(*channel)
                    }
                    Outcome::Suppressed(s) => Fate::Suppressed(reason_name(s)),
                };
                self.fates.insert(
                    d.candidate.key.clone(),
                    (d.candidate.source.clone(), customer.clone(), fate),
                );
            }
            if let Some(subject) = self.subjects.get_mut(&customer) {
                subject.history.extend(sent);
            }
        }
    }

    /// The results, with each channel's cost per contact (currency units; 0 when not given).
    pub fn finish(self, cost_per_contact: &BTreeMap<Channel, f64>) -> BacktestReport {
        let mut rules: BTreeMap<String, RuleResult> = BTreeMap::new();
        let mut reached_by_rule: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        let mut channels: BTreeMap<Channel, u64> = BTreeMap::new();
        let mut reasons: BTreeMap<String, u64> = BTreeMap::new();
        let mut everyone = BTreeSet::new();
        for (source, customer, fate) in self.fates.values() {
            let r = rules.entry(source.clone()).or_insert_with(|| RuleResult {
                rule: source.clone(),
                candidates: 0,
                reached: 0,
                suppressed: 0,
                customers_reached: 0,
                contacts: BTreeMap::new(),
                suppressed_by_reason: BTreeMap::new(),
            });
            r.candidates += 1;
            match fate {
                Fate::Sent(channel) => {
                    r.reached += 1;
                    reached_by_rule
                        .entry(source.clone())
                        .or_default()
                        .insert(customer.clone());
                    everyone.insert(customer.clone());
                    if let Some(c) = *channel {
                        *r.contacts.entry(c).or_default() += 1;
                        *channels.entry(c).or_default() += 1;
                    }
                }
                Fate::Suppressed(reason) => {
                    r.suppressed += 1;
                    *r.suppressed_by_reason.entry(reason.clone()).or_default() += 1;
                    *reasons.entry(reason.clone()).or_default() += 1;
                }
            }
        }
        for (rule, customers) in &reached_by_rule {
            if let Some(r) = rules.get_mut(rule) {
                r.customers_reached = customers.len() as u64;
            }
        }
        let mut overlaps = Vec::new();
        let reached: Vec<(&String, &BTreeSet<String>)> = reached_by_rule.iter().collect();
        for (i, (a, ca)) in reached.iter().enumerate() {
            for (b, cb) in &reached[i + 1..] {
                let customers = ca.intersection(cb).count() as u64;
                if customers > 0 {
                    overlaps.push(Overlap {
                        a: (*a).clone(),
                        b: (*b).clone(),
                        customers,
                    });
                }
            }
        }
        let channels: Vec<ChannelCost> = channels
            .into_iter()
            .map(|(channel, contacts)| {
                let unit = cost_per_contact.get(&channel).copied().unwrap_or(0.0);
                ChannelCost {
                    channel,
                    contacts,
                    cost_per_contact: unit,
                    cost: unit * contacts as f64,
                }
            })
            .collect();
        let mut events: BTreeMap<String, u64> = BTreeMap::new();
        for (_, kind, _, _) in &self.events {
            *events.entry(kind.clone()).or_default() += 1;
        }
        let rules: Vec<RuleResult> = rules.into_values().collect();
        BacktestReport {
            from: self.first.unwrap_or_default(),
            to: self.last.unwrap_or_default(),
            days: self.days,
            customers: self.subjects.len() as u64,
            events,
            candidates: rules.iter().map(|r| r.candidates).sum(),
            reached: rules.iter().map(|r| r.reached).sum(),
            suppressed: rules.iter().map(|r| r.suppressed).sum(),
            customers_reached: everyone.len() as u64,
            total_cost: channels.iter().map(|c| c.cost).sum(),
            rules,
            overlaps,
            channels,
            suppressed_by_reason: reasons,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::channel::{ConsentChannel, Purpose};
    use crate::event::EventKind;
    use crate::facts::FactSchema;
    use std::sync::Arc;

    const RULES: &str = r#"
version = 1

[[rule]]
id = "birthday_email"
trigger = { event = "birthday" }
action = { kind = "message", text = "Joyeux anniversaire" }
channel = "email"
priority = 10

[[rule]]
id = "contract_end_sms"
trigger = { event = "contract_end" }
action = { kind = "offer", offer = "renewal" }
channel = "sms"
priority = 50
cooldown_days = 30

[[rule]]
id = "complaint_alert"
trigger = { event = "complaint_opened" }
action = { kind = "alert", message = "Réclamation en cours" }
"#;

    const POLICY: &str = r#"
max_per_week = 1
opt_out_channels = ["email", "sms"]
"#;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 3, d).unwrap()
    }

    #[test]
    fn small_fixture_matches_the_hand_count() {
        let schema = Arc::new(FactSchema::standard());
        let rules = RuleSet::from_toml("rules.toml", RULES, &schema).unwrap();
        let policy = ContactPolicy::from_toml("policy.toml", POLICY).unwrap();
        let subject = |consents: Vec<ConsentRecord>| Subject {
            facts: Facts::new(schema.clone()),
            history: Vec::new(),
            consents,
        };
        let withdrawn_sms = ConsentRecord {
            channel: ConsentChannel::Sms,
            purpose: Purpose::Marketing,
            granted: false,
            at: day(1).and_hms_opt(10, 0, 0).unwrap(),
        };
        let subjects = HashMap::from([
            ("A".to_string(), subject(Vec::new())),
            ("B".to_string(), subject(Vec::new())),
            ("C".to_string(), subject(vec![withdrawn_sms])),
        ]);
        let nine = NaiveTime::from_hms_opt(9, 0, 0).unwrap();
        let mut replay = Replay::new(&rules, &policy, None, subjects, nine);
        let ends = |c: &str| {
            Event::new(c, EventKind::ContractEnd, day(31))
                .with_value(20.0)
                .with_detail(format!("K-{c}"))
        };
        // Day 10: A's contract-end SMS (priority 50) fills A's week, so A's birthday e-mail is
        // outranked; B's birthday e-mail goes; C has withdrawn SMS consent.
        replay.day(
            day(10),
            &[
                Event::new("A", EventKind::Birthday, day(10)),
                ends("A"),
                Event::new("B", EventKind::Birthday, day(10)),
                ends("C"),
                Event::new("Z", EventKind::Birthday, day(10)),
            ],
        );
        // Day 11: the contract ends are detected again: A's was sent (not proposed again), C's is
        // refused again (one candidate, still suppressed).
        replay.day(day(11), &[ends("A"), ends("C")]);
        // Day 12: C complains (an alert, no contact) and has a birthday (an e-mail).
        replay.day(
            day(12),
            &[
                Event::new("C", EventKind::ComplaintOpened, day(12)).with_detail("R1"),
                Event::new("C", EventKind::Birthday, day(12)),
            ],
        );
        let costs = BTreeMap::from([(Channel::Email, 0.05), (Channel::Sms, 0.10)]);
        let report = replay.finish(&costs);

        let by_rule: Vec<(&str, u64, u64, u64, u64)> = report
            .rules
            .iter()
            .map(|r| {
                (
                    r.rule.as_str(),
                    r.candidates,
                    r.reached,
                    r.suppressed,
                    r.customers_reached,
                )
            })
            .collect();
        assert_eq!(
            by_rule,
            [
                ("birthday_email", 3, 2, 1, 2),
                ("complaint_alert", 1, 1, 0, 1),
                ("contract_end_sms", 2, 1, 1, 1),
            ]
        );
        assert_eq!(
            (report.candidates, report.reached, report.suppressed),
            (6, 4, 2)
        );
        assert_eq!(report.customers, 3);
        assert_eq!(report.customers_reached, 3);
        assert_eq!(report.days, 3);
        assert_eq!(
            report.suppressed_by_reason,
            BTreeMap::from([
                ("no_consent".to_string(), 1),
                ("outranked:contact_cap".to_string(), 1)
            ])
        );
        assert_eq!(
            report.overlaps,
            [Overlap {
                a: "birthday_email".into(),
                b: "complaint_alert".into(),
                customers: 1
            }]
        );
        let channels: Vec<(Channel, u64)> = report
            .channels
            .iter()
            .map(|c| (c.channel, c.contacts))
            .collect();
        assert_eq!(channels, [(Channel::Email, 2), (Channel::Sms, 1)]);
        assert!(
            (report.total_cost - 0.20).abs() < 1e-9,
            "{}",
            report.total_cost
        );
        // Z is not a known customer: its event is not counted.
        assert_eq!(
            report.events,
            BTreeMap::from([
                ("birthday".to_string(), 3),
                ("complaint_opened".to_string(), 1),
                ("contract_end".to_string(), 2)
            ])
        );
    }
}
