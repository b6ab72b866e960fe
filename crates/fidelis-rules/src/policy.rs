//! The contact policy: what may actually go out, applied to every candidate action of a rule or a
//! campaign. Pure: it takes the customer's contact history and consents and returns decisions, each
//! suppression with its reason.
//!
//! Order of the checks for one customer's candidates, best first (higher priority, then higher
//! expected value, then source id): the rule's own limits (maximum per customer, rule cool-down);
//! then, for each channel the candidate may use (a fixed one, or the routing matrix's list with its
//! fallbacks), consent for the channel and purpose, the send window and quiet hours (the send is
//! deferred, or dropped past the action's expiry), and the channel's caps; then the customer's
//! cross-channel limits: cool-down after any contact, contacts per week and per month. A candidate
//! accepted counts against the ones after it, so a lower-ranked action stopped by a limit that a
//! higher-ranked one of the same batch filled is reported as `outranked`.

use crate::channel::{Channel, ConsentChannel, Purpose, TimeWindow, shift};
use crate::error::{RulesError, SourceFile};
use crate::rule::Action;
use chrono::{Datelike, NaiveDateTime, TimeDelta, Weekday};
use std::cmp::Ordering;
use std::collections::BTreeMap;

/// An action proposed for one customer by a rule or a campaign, before the policy.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Candidate {
    pub customer_id: String,
    /// The rule or campaign id.
    pub source: String,
    pub action: Action,
    /// Whether the action goes out on a channel at all (alerts, webhooks and campaign additions
    /// don't).
    pub needs_channel: bool,
    /// The channels it may use, preferred first (routing fallbacks follow the first choice).
    pub channels: Vec<Channel>,
    pub purpose: Purpose,
    pub priority: i32,
    pub expected_value: f64,
    /// The earliest send time (trigger + delay), local time.
    pub earliest: NaiveDateTime,
    pub send_window: Option<TimeWindow>,
    /// Past this, the action is dropped rather than deferred.
    pub expires_at: Option<NaiveDateTime>,
    pub cooldown_days: Option<u32>,
    pub max_per_customer: Option<u32>,
    /// Why it was proposed: the trigger and the routing reason.
    pub why: String,
    /// What it answers: `customer/source/trigger`, where the trigger is the event's kind, date and
    /// detail or the scheduled run's date. Detectors report an event each day it holds, so the
    /// outbox keeps one action per key (its idempotency key).
    pub key: String,
}

/// An action that went (or is scheduled to go) to the customer.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ContactRecord {
    /// Local time of the contact (or of its scheduled send).
    pub at: NaiveDateTime,
    /// `None` for actions that are not contacts (alerts, webhooks): they count for their rule's
    /// limits only.
    pub channel: Option<Channel>,
    /// The rule or campaign behind it; outbound calls made by hand have none.
    #[serde(default)]
    pub source: Option<String>,
}

/// A consent given or withdrawn; the latest record for a channel and purpose is in force.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ConsentRecord {
    pub channel: ConsentChannel,
    pub purpose: Purpose,
    pub granted: bool,
    pub at: NaiveDateTime,
}

/// Caps for one channel.
#[derive(Debug, Clone, Copy, PartialEq, Default, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChannelCaps {
    pub per_week: Option<u32>,
    pub per_month: Option<u32>,
}

/// The contact policy, usually read from a TOML file:
///
/// ```toml
/// max_per_week = 2              # contacts across all channels, outbound calls included
/// max_per_month = 6
/// cooldown_hours = 48           # no contact within 48 h of the previous one
/// quiet_hours = "21:00-08:00"
/// quiet_weekdays = ["sun"]
/// opt_out_channels = ["mail"]   # no consent record means allowed (opt-out regime)
/// consent_free_purposes = ["service"]
///
/// [channel_caps.sms]
/// per_week = 1
/// per_month = 2
/// ```
///
/// Weeks and months are rolling: the 7 and 30 days up to the send time (and any contact already
/// scheduled after it).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ContactPolicy {
    pub max_per_week: Option<u32>,
    pub max_per_month: Option<u32>,
    pub cooldown_hours: u32,
    pub quiet_hours: Option<TimeWindow>,
    pub quiet_weekdays: Vec<Weekday>,
    /// The channels quiet hours apply to (intrusive ones by default).
    pub quiet_channels: Vec<Channel>,
    pub channel_caps: BTreeMap<Channel, ChannelCaps>,
    /// Consent channels where the absence of a record allows contact. A withdrawal always blocks.
    pub opt_out_channels: Vec<ConsentChannel>,
    /// Purposes for which the absence of a record allows contact (service messages about a contract).
    pub consent_free_purposes: Vec<Purpose>,
}

impl Default for ContactPolicy {
    fn default() -> ContactPolicy {
        ContactPolicy {
            max_per_week: None,
            max_per_month: None,
            cooldown_hours: 0,
            quiet_hours: None,
            quiet_weekdays: Vec::new(),
            quiet_channels: vec![
                Channel::Sms,
                Channel::App,
                Channel::CallCentre,
                Channel::Telesales,
                Channel::Adviser,
            ],
            channel_caps: BTreeMap::new(),
            opt_out_channels: Vec::new(),
            consent_free_purposes: vec![Purpose::Service],
        }
    }
}

/// Why an action does not go out.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum Suppression {
    /// The rule already acted `limit` times for this customer.
    RuleMaxReached { limit: u32 },
    /// The rule acted for this customer at `last`; it may again from `until`.
    RuleCoolDown {
        last: NaiveDateTime,
        until: NaiveDateTime,
    },
    /// No channel to use: routing found none.
    NoChannel,
    /// No consent for this channel and purpose: withdrawn at a date, or never given.
    NoConsent {
        channel: ConsentChannel,
        purpose: Purpose,
        withdrawn_at: Option<NaiveDateTime>,
    },
    /// The channel's own cap for the period is reached.
    ChannelCap {
        channel: Channel,
        period: Period,
        limit: u32,
        count: u32,
    },
    /// Deferring past quiet hours and the send window would pass the action's expiry.
    Expired {
        by: Deferral,
        possible_at: Option<NaiveDateTime>,
        expires_at: NaiveDateTime,
    },
    /// Too close to the previous contact (any channel).
    CoolDown {
        last: NaiveDateTime,
        until: NaiveDateTime,
    },
    /// The cross-channel cap for the period is reached.
    ContactCap {
        period: Period,
        limit: u32,
        count: u32,
    },
    /// A higher-ranked action of the same batch took the room this one needed.
    Outranked {
        by: String,
        constraint: Box<Suppression>,
    },
}

/// A cap's period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Period {
    Week,
    Month,
}

impl Period {
    fn days(self) -> i64 {
        match self {
            Period::Week => 7,
            Period::Month => 30,
        }
    }
}

/// What moved a send later.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Deferral {
    SendWindow,
    QuietHours,
}

/// The policy's answer for one candidate.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    /// Goes out on `channel` (none for alerts and webhooks) at `at`.
    Send {
        channel: Option<Channel>,
        at: NaiveDateTime,
        /// What deferred it from its earliest time, if anything did.
        deferred_by: Vec<Deferral>,
    },
    Suppressed(Suppression),
}

/// A candidate and what the policy made of it. `passed_over` lists the preferred channels that were
/// refused, with why, before the one used (or before giving up).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Decision {
    pub candidate: Candidate,
    pub outcome: Outcome,
    pub passed_over: Vec<(Channel, Suppression)>,
}

impl Decision {
    /// Whether the action goes out.
    pub fn is_sent(&self) -> bool {
        matches!(self.outcome, Outcome::Send { .. })
    }
}

/// Ranks candidates: higher priority, then higher expected value, then source id (for a total,
/// reproducible order).
pub fn arbitration_order(a: &Candidate, b: &Candidate) -> Ordering {
    b.priority
        .cmp(&a.priority)
        .then_with(|| b.expected_value.total_cmp(&a.expected_value))
        .then_with(|| a.source.cmp(&b.source))
}

impl ContactPolicy {
    /// Reads a policy file, with line and column on errors.
    pub fn from_toml(file_name: &str, text: &str) -> Result<ContactPolicy, RulesError> {
        let source = SourceFile {
            name: file_name,
            text,
        };
        toml::from_str(text).map_err(|e| source.toml_error(&e))
    }

    /// Decides every candidate of one customer, given the customer's contact history (contacts and
    /// scheduled sends, in any order) and consents. Decisions come back in arbitration order.
    pub fn decide(
        &self,
        mut candidates: Vec<Candidate>,
        history: &[ContactRecord],
        consents: &[ConsentRecord],
    ) -> Vec<Decision> {
        candidates.sort_by(arbitration_order);
        let mut accepted: Vec<ContactRecord> = Vec::new();
        candidates
            .into_iter()
            .map(|candidate| {
                let (outcome, passed_over) =
                    self.decide_one(&candidate, history, &accepted, consents);
                if let Outcome::Send { channel, at, .. } = &outcome {
                    accepted.push(ContactRecord {
                        at: *at,
                        channel: *channel,
                        source: Some(candidate.source.clone()),
                    });
                }
                Decision {
                    candidate,
                    outcome,
                    passed_over,
                }
            })
            .collect()
    }

    fn decide_one(
        &self,
        c: &Candidate,
        history: &[ContactRecord],
        batch: &[ContactRecord],
        consents: &[ConsentRecord],
    ) -> (Outcome, Vec<(Channel, Suppression)>) {
        let mut passed_over = Vec::new();
        if let Err(s) = self.rule_limits(c, history, batch) {
            return (Outcome::Suppressed(s), passed_over);
        }
        if !c.needs_channel {
            return match self.send_time(c, None) {
                Ok((at, deferred_by)) => (
                    Outcome::Send {
                        channel: None,
                        at,
                        deferred_by,
                    },
                    passed_over,
                ),
                Err(s) => (Outcome::Suppressed(s), passed_over),
            };
        }
        for &channel in &c.channels {
            let attempt = self.try_channel(c, channel, history, batch, consents);
            match attempt {
                Ok((at, deferred_by)) => {
                    if !channel.is_contact() {
                        return (
                            Outcome::Send {
                                channel: Some(channel),
                                at,
                                deferred_by,
                            },
                            passed_over,
                        );
                    }
                    // Cross-channel limits: another channel would not help.
                    return match self.customer_limits(at, history, batch) {
                        Ok(()) => (
                            Outcome::Send {
                                channel: Some(channel),
                                at,
                                deferred_by,
                            },
                            passed_over,
                        ),
                        Err(s) => (Outcome::Suppressed(s), passed_over),
                    };
                }
                Err(s) => passed_over.push((channel, s)),
            }
        }
        let outcome = match passed_over.first() {
            Some((_, s)) => Outcome::Suppressed(s.clone()),
            None => Outcome::Suppressed(Suppression::NoChannel),
        };
        (outcome, passed_over)
    }

    fn rule_limits(
        &self,
        c: &Candidate,
        history: &[ContactRecord],
        batch: &[ContactRecord],
    ) -> Result<(), Suppression> {
        let mine = || {
            history
                .iter()
                .chain(batch)
                .filter(|r| r.source.as_deref() == Some(c.source.as_str()))
        };
        if let Some(limit) = c.max_per_customer
            && mine().count() as u64 >= u64::from(limit)
        {
            return Err(Suppression::RuleMaxReached { limit });
        }
        if let Some(days) = c.cooldown_days.filter(|&d| d > 0)
            && let Some(last) = mine().map(|r| r.at).filter(|&at| at <= c.earliest).max()
        {
            let until = shift(last, TimeDelta::days(i64::from(days)));
            if c.earliest < until {
                return Err(Suppression::RuleCoolDown { last, until });
            }
        }
        Ok(())
    }

    fn try_channel(
        &self,
        c: &Candidate,
        channel: Channel,
        history: &[ContactRecord],
        batch: &[ContactRecord],
        consents: &[ConsentRecord],
    ) -> Result<(NaiveDateTime, Vec<Deferral>), Suppression> {
        if channel.is_contact()
            && let Some(consent_channel) = channel.consent_channel()
        {
            self.consent(consent_channel, c.purpose, consents)?;
        }
        let (at, deferred_by) = self.send_time(c, Some(channel))?;
        if let Some(caps) = self.channel_caps.get(&channel) {
            for (period, limit) in [
                (Period::Week, caps.per_week),
                (Period::Month, caps.per_month),
            ] {
                let Some(limit) = limit else { continue };
                let on_channel = |r: &&ContactRecord| r.channel == Some(channel);
                let check = |records: &mut dyn Iterator<Item = &ContactRecord>| {
                    let count = count_in(records.filter(on_channel), at, period);
                    (count >= limit).then_some(count)
                };
                if let Some(count) = check(&mut history.iter().chain(batch)) {
                    let s = Suppression::ChannelCap {
                        channel,
                        period,
                        limit,
                        count,
                    };
                    return Err(self.blame(
                        s,
                        check(&mut history.iter()).is_none(),
                        batch,
                        at,
                        period,
                    ));
                }
            }
        }
        Ok((at, deferred_by))
    }

    /// When the constraint holds on the history alone, the batch's winner is to blame.
    fn blame(
        &self,
        s: Suppression,
        history_alone_fits: bool,
        batch: &[ContactRecord],
        at: NaiveDateTime,
        period: Period,
    ) -> Suppression {
        if !history_alone_fits {
            return s;
        }
        let window = TimeDelta::days(period.days());
        let by = batch
            .iter()
            .find(|r| r.at > shift(at, -window))
            .or(batch.first())
            .and_then(|r| r.source.clone())
            .unwrap_or_default();
        Suppression::Outranked {
            by,
            constraint: Box::new(s),
        }
    }

    fn consent(
        &self,
        channel: ConsentChannel,
        purpose: Purpose,
        consents: &[ConsentRecord],
    ) -> Result<(), Suppression> {
        let latest = consents
            .iter()
            .filter(|r| r.channel == channel && r.purpose == purpose)
            .max_by_key(|r| r.at);
        match latest {
            Some(r) if r.granted => Ok(()),
            Some(r) => Err(Suppression::NoConsent {
                channel,
                purpose,
                withdrawn_at: Some(r.at),
            }),
            None if self.opt_out_channels.contains(&channel)
                || self.consent_free_purposes.contains(&purpose) =>
            {
                Ok(())
            }
            None => Err(Suppression::NoConsent {
                channel,
                purpose,
                withdrawn_at: None,
            }),
        }
    }

    /// The first moment at or after the candidate's earliest time inside its send window and, for
    /// intrusive channels, outside quiet hours and quiet days.
    fn send_time(
        &self,
        c: &Candidate,
        channel: Option<Channel>,
    ) -> Result<(NaiveDateTime, Vec<Deferral>), Suppression> {
        let quiet = channel.is_some_and(|ch| self.quiet_channels.contains(&ch));
        let mut at = c.earliest;
        let mut deferred_by = Vec::new();
        let note = |d: Deferral, v: &mut Vec<Deferral>| {
            if !v.contains(&d) {
                v.push(d);
            }
        };
        // Each pass moves `at` forward to satisfy one constraint; two weeks of passes settle any
        // combination of a daily window, daily quiet hours and quiet weekdays, or prove none exists.
        let mut settled = false;
        for _ in 0..64 {
            let start = at;
            if let Some(w) = c.send_window {
                at = w.next_inside(at);
                if at != start {
                    note(Deferral::SendWindow, &mut deferred_by);
                }
            }
            if quiet {
                if let Some(q) = self.quiet_hours {
                    let before = at;
                    at = q.next_outside(at);
                    if at != before {
                        note(Deferral::QuietHours, &mut deferred_by);
                    }
                }
                if self.quiet_weekdays.contains(&at.weekday()) {
                    at = shift(
                        at.date().and_time(chrono::NaiveTime::MIN),
                        TimeDelta::days(1),
                    );
                    note(Deferral::QuietHours, &mut deferred_by);
                }
            }
            if at == start {
                settled = true;
                break;
            }
        }
        let by = deferred_by.last().copied().unwrap_or(Deferral::SendWindow);
        match c.expires_at {
            Some(expires_at) if !settled || at > expires_at => Err(Suppression::Expired {
                by,
                possible_at: settled.then_some(at),
                expires_at,
            }),
            None if !settled => Err(Suppression::Expired {
                by,
                possible_at: None,
                expires_at: c.earliest,
            }),
            _ => Ok((at, deferred_by)),
        }
    }

    fn customer_limits(
        &self,
        at: NaiveDateTime,
        history: &[ContactRecord],
        batch: &[ContactRecord],
    ) -> Result<(), Suppression> {
        let contacts = |r: &&ContactRecord| r.channel.is_some_and(Channel::is_contact);
        if self.cooldown_hours > 0 {
            let window = TimeDelta::hours(i64::from(self.cooldown_hours));
            let near = |r: &&ContactRecord| r.at <= at && at < shift(r.at, window);
            let last_of = |records: &mut dyn Iterator<Item = &ContactRecord>| {
                records.filter(contacts).filter(near).map(|r| r.at).max()
            };
            if let Some(last) = last_of(&mut history.iter().chain(batch)) {
                let s = Suppression::CoolDown {
                    last,
                    until: shift(last, window),
                };
                if last_of(&mut history.iter()).is_none() {
                    let by = batch
                        .iter()
                        .filter(contacts)
                        .find(|r| r.at == last)
                        .and_then(|r| r.source.clone())
                        .unwrap_or_default();
                    return Err(Suppression::Outranked {
                        by,
                        constraint: Box::new(s),
                    });
                }
                return Err(s);
            }
        }
        for (period, limit) in [
            (Period::Week, self.max_per_week),
            (Period::Month, self.max_per_month),
        ] {
            let Some(limit) = limit else { continue };
            let check = |records: &mut dyn Iterator<Item = &ContactRecord>| {
                let count = count_in(records.filter(contacts), at, period);
                (count >= limit).then_some(count)
            };
            if let Some(count) = check(&mut history.iter().chain(batch)) {
                let s = Suppression::ContactCap {
                    period,
                    limit,
                    count,
                };
                let batch_contacts: Vec<ContactRecord> =
                    batch.iter().filter(contacts).cloned().collect();
                return Err(self.blame(
                    s,
                    check(&mut history.iter()).is_none(),
                    &batch_contacts,
                    at,
                    period,
                ));
            }
        }
        Ok(())
    }
}

/// Contacts in the rolling period up to `at`, plus any already scheduled after it.
fn count_in<'a>(
    records: impl Iterator<Item = &'a ContactRecord>,
    at: NaiveDateTime,
    period: Period,
) -> u32 {
    let from = shift(at, -TimeDelta::days(period.days()));
    records.filter(|r| r.at > from).count() as u32
}

#[cfg(test)]
mod tests;
