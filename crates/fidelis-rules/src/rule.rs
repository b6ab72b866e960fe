//! Rules as data: the serde types shared by rule files (TOML) and the API, and their validation.
//!
//! A rules file is versionable text:
//!
//! ```toml
//! version = 1
//!
//! [[rule]]
//! id = "contract_end_retention"
//! description = "Moment de fragilité: call customers worth keeping before their contract ends"
//! trigger = { event = "contract_end" }
//! condition = '''
//!   score.churn_risk > 0.4
//!   && value.strategy in ["loyalty", "retention"]
//!   && profile.solvent
//! '''
//! action = { kind = "call_task", script = "retention_offer" }
//! channel = "routing:retention"      # or a fixed channel: "email", "sms", "telesales", ...
//! purpose = "marketing"
//! timing = { delay_hours = 0, send_window = "09:00-19:00", expires_after_hours = 72 }
//! priority = 80
//! expected_value = "value.potential * 0.2"   # or a number; arbitration's tie-breaker
//! cooldown_days = 60
//! max_per_customer = 3
//! ```

use crate::channel::{Channel, Operation, Purpose, TimeWindow, parse_weekday};
use crate::event::{Event, EventKind};
use crate::facts::Facts;
use chrono::{Datelike, NaiveDate, Weekday};
use std::fmt;
use std::str::FromStr;

/// One rule: when (trigger, condition), what (action), how (channel, timing), and how much it may
/// repeat (cool-down, maximum per customer).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    /// Stable identifier: letters, digits, `_` and `-`.
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default = "yes")]
    pub enabled: bool,
    pub trigger: Trigger,
    /// A boolean expression over the customer's facts and the event; absent means always.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub condition: Option<String>,
    pub action: Action,
    /// Required for offers and messages; call tasks default to the call centre; alerts, webhooks and
    /// campaign additions have none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<ChannelChoice>,
    /// The consent purpose the contact serves; `marketing` unless said otherwise.
    #[serde(default = "marketing")]
    pub purpose: Purpose,
    #[serde(default)]
    pub timing: Timing,
    /// Higher wins when actions compete for the same customer.
    #[serde(default)]
    pub priority: i32,
    /// Expected value of the action in currency units: the tie-breaker after priority.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_value: Option<ExpectedValue>,
    /// Days before this rule may act again for the same customer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cooldown_days: Option<u32>,
    /// How many times this rule may ever act for one customer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_per_customer: Option<u32>,
}

fn yes() -> bool {
    true
}

fn marketing() -> Purpose {
    Purpose::Marketing
}

/// What starts a rule.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Trigger {
    /// An event of this kind for the customer: `{ event = "birthday" }`.
    Event(EventKind),
    /// A scheduled run over every customer: `{ schedule = "daily" }`, `"weekly:mon"`, `"monthly:1"`.
    Schedule(Schedule),
}

/// When a scheduled rule runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Schedule {
    Daily,
    Weekly(Weekday),
    /// On this day of the month (the month's last day when it is shorter).
    Monthly(u32),
}

impl Schedule {
    /// Whether a scheduled run is due on `day`.
    pub fn is_due(self, day: NaiveDate) -> bool {
        match self {
            Schedule::Daily => true,
            Schedule::Weekly(w) => day.weekday() == w,
            Schedule::Monthly(d) => {
                let last = last_day_of_month(day);
                day.day() == d.min(last)
            }
        }
    }
}

pub(crate) fn last_day_of_month(day: NaiveDate) -> u32 {
    (28..=31)
        .rev()
        .find(|&d| day.with_day(d).is_some())
        .unwrap_or(28)
}

impl FromStr for Schedule {
    type Err = String;

    fn from_str(s: &str) -> Result<Schedule, String> {
        let bad = || format!("`{s}` is not a schedule: daily, weekly:<day> or monthly:<1..31>");
        match s.split_once(':') {
            None if s == "daily" => Ok(Schedule::Daily),
            Some(("weekly", day)) => parse_weekday(day).map(Schedule::Weekly),
            Some(("monthly", n)) => match n.parse() {
                Ok(n @ 1..=31) => Ok(Schedule::Monthly(n)),
                _ => Err(bad()),
            },
            _ => Err(bad()),
        }
    }
}

impl fmt::Display for Schedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Schedule::Daily => f.write_str("daily"),
            Schedule::Weekly(w) => write!(f, "weekly:{}", w.to_string().to_lowercase()),
            Schedule::Monthly(d) => write!(f, "monthly:{d}"),
        }
    }
}

impl serde::Serialize for Schedule {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Schedule {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Schedule, D::Error> {
        String::deserialize(d)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

/// What a rule does.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Action {
    /// A warning on the agent's screen the next time the customer calls or is called (alerte).
    Alert { message: String },
    /// An offer, by its code, with an optional text template.
    Offer {
        offer: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        text: Option<String>,
    },
    /// A templated message: `{fact.name}` placeholders are filled at send time.
    Message {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        subject: Option<String>,
        text: String,
    },
    /// A call for the call centre, telesales or an adviser.
    CallTask {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        script: Option<String>,
    },
    /// Adds the customer to a campaign, whose delivery goes through the policy in its turn.
    AddToCampaign { campaign: String },
    /// A signed POST to an integration.
    Webhook { url: String },
}

impl Action {
    /// The name of the action kind.
    pub fn kind(&self) -> &'static str {
        match self {
            Action::Alert { .. } => "alert",
            Action::Offer { .. } => "offer",
            Action::Message { .. } => "message",
            Action::CallTask { .. } => "call_task",
            Action::AddToCampaign { .. } => "add_to_campaign",
            Action::Webhook { .. } => "webhook",
        }
    }

    /// The action with the `{fact.name}` and `{event.*}` placeholders of its texts filled from the
    /// customer's facts and the triggering event. The engine proposes actions this way, so what is
    /// queued, shown to an agent or sent reads as the customer's own.
    pub fn rendered(&self, facts: &Facts, event: Option<&Event>) -> Action {
        let fill = |text: &str| crate::template::render(text, facts, event);
        match self {
            Action::Alert { message } => Action::Alert {
                message: fill(message),
            },
            Action::Offer { offer, text } => Action::Offer {
                offer: offer.clone(),
                text: text.as_deref().map(fill),
            },
            Action::Message { subject, text } => Action::Message {
                subject: subject.as_deref().map(fill),
                text: fill(text),
            },
            Action::CallTask { .. } | Action::AddToCampaign { .. } | Action::Webhook { .. } => {
                self.clone()
            }
        }
    }

    /// The text to show or send (the alert's message, the offer's or message's text) and the
    /// subject when there is one.
    pub fn text(&self) -> (Option<&str>, Option<&str>) {
        match self {
            Action::Alert { message } => (None, Some(message)),
            Action::Offer { text, .. } => (None, text.as_deref()),
            Action::Message { subject, text } => (subject.as_deref(), Some(text)),
            Action::CallTask { .. } | Action::AddToCampaign { .. } | Action::Webhook { .. } => {
                (None, None)
            }
        }
    }
}

/// A fixed channel, or the routing matrix's answer for an operation type (`routing:<operation>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChannelChoice {
    Fixed(Channel),
    FromRouting(Operation),
}

impl FromStr for ChannelChoice {
    type Err = String;

    fn from_str(s: &str) -> Result<ChannelChoice, String> {
        match s.strip_prefix("routing:") {
            Some(op) => op.parse().map(ChannelChoice::FromRouting),
            None if s == "routing" => Err(
                "`routing` needs an operation type: `routing:retention`, `routing:simple_sale`, ..."
                    .into(),
            ),
            None => s
                .parse()
                .map(ChannelChoice::Fixed)
                .map_err(|e| format!("{e}, or routing:<operation>")),
        }
    }
}

impl fmt::Display for ChannelChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ChannelChoice::Fixed(c) => write!(f, "{c}"),
            ChannelChoice::FromRouting(op) => write!(f, "routing:{op}"),
        }
    }
}

impl serde::Serialize for ChannelChoice {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for ChannelChoice {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<ChannelChoice, D::Error> {
        String::deserialize(d)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

/// When, after the trigger, the action may go out.
#[derive(Debug, Clone, Copy, PartialEq, Default, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Timing {
    /// Hours between the trigger and the earliest send.
    #[serde(default)]
    pub delay_hours: u32,
    /// Local hours the action may go out in, e.g. `09:00-19:00`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub send_window: Option<TimeWindow>,
    /// Hours after the earliest send past which the action is dropped instead of deferred further.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_after_hours: Option<u32>,
}

/// A constant or an expression over the facts.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(untagged)]
pub enum ExpectedValue {
    Amount(f64),
    Expression(String),
}

/// A rules file: a format version and the rules.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RulesFile {
    #[serde(default = "version_one")]
    pub version: u32,
    #[serde(default, rename = "rule")]
    pub rules: Vec<RuleSpec>,
}

fn version_one() -> u32 {
    1
}

/// The rule fields whose text positions validation needs, read by a second, lenient pass over the
/// same TOML text.
#[derive(serde::Deserialize, Default)]
pub(crate) struct SpansFile {
    #[serde(default)]
    pub version: Option<toml::Spanned<u32>>,
    #[serde(default)]
    pub rule: Vec<toml::Spanned<RuleSpans>>,
}

#[derive(serde::Deserialize, Default)]
pub(crate) struct RuleSpans {
    pub id: Option<toml::Spanned<String>>,
    pub condition: Option<toml::Spanned<String>>,
    pub expected_value: Option<toml::Spanned<ExpectedValue>>,
    pub channel: Option<toml::Spanned<String>>,
    pub action: Option<toml::Spanned<ActionSpans>>,
}

#[derive(serde::Deserialize, Default)]
pub(crate) struct ActionSpans {
    pub text: Option<toml::Spanned<String>>,
    pub message: Option<toml::Spanned<String>>,
    pub url: Option<toml::Spanned<String>>,
}
