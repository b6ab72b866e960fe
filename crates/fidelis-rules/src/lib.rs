//! Fidelis rules: the condition language, rules and their TOML files, the contact policy, the
//! channel-routing matrix, event detectors and segments.
//!
//! Everything here is pure: no IO, no clock (callers pass `now` or `as_of`), and no call into
//! fidelis-analytics — the rules read facts already computed. The decide flow is
//! event → [`RuleSet::on_event`] → candidates → [`ContactPolicy::decide`] → decisions.
//! Times of day (send windows, quiet hours, contacts) are the company's local wall-clock time as
//! `NaiveDateTime`; converting from UTC is the caller's job.

// Tests are tables of tuples on purpose (STYLE.md: data-driven tests); naming every row type would
// hide the table.
#![cfg_attr(test, allow(clippy::type_complexity))]

pub mod backtest;
pub mod channel;
pub mod detect;
pub mod engine;
pub mod error;
pub mod event;
pub mod expr;
pub mod facts;
pub mod offers;
pub mod policy;
pub mod routing;
pub mod rule;
pub mod samples;
pub mod segment;
pub mod template;

pub use channel::{Channel, ConsentChannel, Operation, Purpose, TimeWindow};
pub use engine::{Rule, RuleSet};
pub use error::{ExprError, Position, RulesError};
pub use event::{Event, EventKind};
pub use expr::{Condition, EvalContext, NumberExpr};
pub use facts::{FactSchema, Facts, Kind, Value};
pub use offers::{AlertInput, AlertSettings, ChosenOffer, NoOffer, OfferCatalogue, OfferChoice};
pub use policy::{
    Candidate, ConsentRecord, ContactPolicy, ContactRecord, Decision, Outcome, Suppression,
};
pub use routing::{Route, RoutingMatrix};
pub use rule::{Action, ChannelChoice, RuleSpec, Trigger};
