//! Fidelis rules: the condition language, rules and their TOML files, the contact policy, the
//! channel-routing matrix, event detectors and segments.
//!
//! Everything here is pure: no IO, no clock (callers pass `now` or `as_of`), and no call into
//! fidelis-analytics — the rules read facts already computed. The decide flow is
//! event → [`engine::RuleSet::candidates`] → [`policy::ContactPolicy::decide`] → decisions.

pub mod error;
pub mod event;
pub mod expr;
pub mod facts;

pub use error::{ExprError, Position, RulesError};
pub use event::{Event, EventKind};
pub use expr::{Condition, EvalContext, NumberExpr};
pub use facts::{FactSchema, Facts, Kind, Value};
