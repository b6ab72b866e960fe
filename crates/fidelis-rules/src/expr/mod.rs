//! The condition language: a small, CEL-compatible subset compiled to closures.
//!
//! Why not CEL itself: the `cel` crate (the maintained successor of `cel-interpreter`, 0.15) was
//! measured first on this machine with the same workload as `examples/rules_speed.rs`: 100 rules of
//! five comparisons each took about 100 µs per event once the variables were bound (≈ 10,000–15,000
//! events/s per core, under the 50,000 events/s on 2 cores asked for), one rule over a million
//! customers took 0.9–1.7 s (over the 1 s asked for), and the crate's ANTLR parser made a release
//! build of it alone take two minutes. Its generality (dynamic values, maps, protobuf types) is what
//! costs: every variable is a boxed dynamic value looked up by name.
//!
//! What is kept from CEL: the syntax of the part we need, so a rule reads the same to someone who
//! knows CEL — `&&`, `||`, `!`, `== != < <= > >=`, `+ - * / %`, `in`, `cond ? a : b`, `[list]`,
//! `'strings'` or `"strings"`, `has(name)`, `size(x)`. What differs: names are dotted fact names
//! (`score.churn_risk`) checked against a [`FactSchema`] at compile time, so an unknown fact or a
//! comparison of a number with a string is an error with line and column before the rule runs;
//! there is one number kind (f64); dates are a kind of their own, with `today`, `date("2025-01-31")`,
//! `date ± days`, `date - date` (days), `days_since`, `days_until`, `days_between`, `age`, `year`,
//! `month`, `day`, `weekday`; strings have `lower`, `upper`, `starts_with`, `ends_with`, `contains`;
//! numbers `min`, `max`, `abs`, `round`, `floor`, `ceil`. `#` or `//` start a comment.
//!
//! Absent facts: a comparison with an absent fact is unknown, `&&`/`||` follow three-valued logic
//! (`false && unknown` is false, `true || unknown` is true), and a condition that ends unknown does
//! not fire. `has(score.churn_risk)` tests presence.
//!
//! The event being handled is readable as `event.kind`, `event.date`, `event.value`, `event.detail`.

mod compile;
mod parse;

use crate::error::ExprError;
use crate::event::Event;
use crate::facts::{FactSchema, Facts};
use chrono::NaiveDate;
use compile::{BoolFn, Compiler, NumFn};
use std::fmt;

/// The functions the language knows, for error messages and documentation.
pub const FUNCTIONS: &[&str] = &[
    "has",
    "size",
    "date",
    "days_between",
    "days_since",
    "days_until",
    "age",
    "year",
    "month",
    "day",
    "weekday",
    "lower",
    "upper",
    "starts_with",
    "ends_with",
    "contains",
    "min",
    "max",
    "abs",
    "round",
    "floor",
    "ceil",
];

/// What an expression is evaluated against: one customer's facts, the event being handled (none for
/// scheduled rules and segments) and the day it is evaluated as of.
#[derive(Clone, Copy)]
pub struct EvalContext<'a> {
    pub facts: &'a Facts,
    pub event: Option<&'a Event>,
    pub today: NaiveDate,
}

/// A compiled boolean expression: a rule's condition, a segment's definition.
pub struct Condition {
    source: String,
    eval: BoolFn,
}

impl Condition {
    /// Compiles `source` against `schema`; the expression must be boolean.
    pub fn compile(source: &str, schema: &FactSchema) -> Result<Condition, ExprError> {
        let node = parse::parse(source)?;
        let compiler = Compiler {
            src: source,
            schema,
        };
        let eval = compiler.bool(&node)?;
        Ok(Condition {
            source: source.to_string(),
            eval,
        })
    }

    /// True when the condition holds; false when it does not or is unknown (absent facts).
    #[inline]
    pub fn matches(&self, cx: &EvalContext) -> bool {
        (self.eval)(cx) == Some(true)
    }

    /// The three-valued result: `None` when absent facts leave it unknown.
    pub fn eval(&self, cx: &EvalContext) -> Option<bool> {
        (self.eval)(cx)
    }

    /// The text it was compiled from.
    pub fn source(&self) -> &str {
        &self.source
    }
}

impl fmt::Debug for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Condition").field(&self.source).finish()
    }
}

/// A compiled numeric expression: a rule's expected value.
pub struct NumberExpr {
    source: String,
    eval: NumFn,
}

impl NumberExpr {
    /// Compiles `source` against `schema`; the expression must be a number.
    pub fn compile(source: &str, schema: &FactSchema) -> Result<NumberExpr, ExprError> {
        let node = parse::parse(source)?;
        let eval = Compiler {
            src: source,
            schema,
        }
        .num(&node)?;
        Ok(NumberExpr {
            source: source.to_string(),
            eval,
        })
    }

    /// The value, `None` when absent facts leave it unknown.
    #[inline]
    pub fn eval(&self, cx: &EvalContext) -> Option<f64> {
        (self.eval)(cx)
    }

    /// The text it was compiled from.
    pub fn source(&self) -> &str {
        &self.source
    }
}

impl fmt::Debug for NumberExpr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("NumberExpr").field(&self.source).finish()
    }
}

#[cfg(test)]
mod tests;
