//! A customer's facts: profile, scores and features as named, typed values that conditions read.
//!
//! Facts are computed elsewhere (the store, fidelis-analytics) and handed to the rules; this crate
//! never computes them. Names are dotted (`score.churn_risk`) and declared in a [`FactSchema`], which
//! gives each a kind and a slot: expressions are compiled against the schema, so a misspelt name or a
//! comparison of a number with a string is an error at load time, and evaluation reads a slot, not a
//! map. [`FactSchema::standard`] documents the names Fidelis fills; callers add their own features and
//! custom attributes with [`FactSchema::declare`].

use crate::error::RulesError;
use chrono::NaiveDate;
use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

/// The kind of a fact or of an expression's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Number,
    String,
    Bool,
    Date,
    List,
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Kind::Number => "number",
            Kind::String => "string",
            Kind::Bool => "bool",
            Kind::Date => "date",
            Kind::List => "list",
        })
    }
}

/// A fact's value. `Absent` is a fact the customer does not have (no birth date, no churn score yet).
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
#[serde(untagged)]
pub enum Value {
    #[default]
    Absent,
    Bool(bool),
    Number(f64),
    Date(NaiveDate),
    String(String),
    List(Vec<Value>),
}

impl Value {
    /// The kind of a present value.
    pub fn kind(&self) -> Option<Kind> {
        Some(match self {
            Value::Absent => return None,
            Value::Bool(_) => Kind::Bool,
            Value::Number(_) => Kind::Number,
            Value::Date(_) => Kind::Date,
            Value::String(_) => Kind::String,
            Value::List(_) => Kind::List,
        })
    }
}

impl From<f64> for Value {
    fn from(v: f64) -> Value {
        Value::Number(v)
    }
}
impl From<bool> for Value {
    fn from(v: bool) -> Value {
        Value::Bool(v)
    }
}
impl From<&str> for Value {
    fn from(v: &str) -> Value {
        Value::String(v.to_string())
    }
}
impl From<String> for Value {
    fn from(v: String) -> Value {
        Value::String(v)
    }
}
impl From<NaiveDate> for Value {
    fn from(v: NaiveDate) -> Value {
        Value::Date(v)
    }
}
impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Value {
        v.map_or(Value::Absent, Into::into)
    }
}

/// One declared fact.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct FactDef {
    pub name: String,
    pub kind: Kind,
    pub doc: String,
}

/// The declared facts: name → (slot, kind). Shared by the expressions compiled against it and the
/// [`Facts`] filled for it.
#[derive(Debug, Clone, Default)]
pub struct FactSchema {
    defs: Vec<FactDef>,
    slots: HashMap<String, usize>,
}

/// The facts Fidelis fills, with their kinds and meaning (French course terms in brackets).
const STANDARD: &[(&str, Kind, &str)] = &[
    ("profile.birth_date", Kind::Date, "date of birth"),
    ("profile.gender", Kind::String, "F, M or X"),
    ("profile.postcode", Kind::String, "postcode"),
    ("profile.city", Kind::String, "city"),
    ("profile.country", Kind::String, "ISO 3166 two letters"),
    (
        "profile.income_band",
        Kind::String,
        "low, medium, high, very_high",
    ),
    (
        "profile.assets_band",
        Kind::String,
        "low, medium, high, very_high (avoirs)",
    ),
    (
        "profile.solvent",
        Kind::Bool,
        "false for a customer the company lets go (solvabilité)",
    ),
    (
        "profile.status",
        Kind::String,
        "active, inactive, churned, prospect",
    ),
    (
        "profile.acquisition_date",
        Kind::Date,
        "date the customer was acquired",
    ),
    (
        "profile.acquisition_channel",
        Kind::String,
        "channel id of acquisition",
    ),
    (
        "profile.tenure_days",
        Kind::Number,
        "days since acquisition",
    ),
    (
        "profile.has_email",
        Kind::Bool,
        "an e-mail address is known",
    ),
    ("profile.has_phone", Kind::Bool, "a phone number is known"),
    (
        "profile.products",
        Kind::List,
        "ids of the products held or bought",
    ),
    (
        "profile.categories",
        Kind::List,
        "categories of the products bought",
    ),
    (
        "value.margin_to_date",
        Kind::Number,
        "margin to date (rentabilité), in currency units",
    ),
    (
        "value.potential",
        Kind::Number,
        "expected future margin (potentiel), in currency units",
    ),
    (
        "value.clv",
        Kind::Number,
        "customer lifetime value, in currency units",
    ),
    (
        "value.strategy",
        Kind::String,
        "multi_equipment, loyalty, retention, termination",
    ),
    ("value.segment", Kind::String, "value segment name"),
    (
        "score.churn_risk",
        Kind::Number,
        "probability of departure in the horizon, 0..1",
    ),
    (
        "score.churn_reasons",
        Kind::List,
        "top reasons of the churn score",
    ),
    (
        "rfm.recency_days",
        Kind::Number,
        "days since the last purchase",
    ),
    ("rfm.frequency", Kind::Number, "number of purchases"),
    (
        "rfm.monetary",
        Kind::Number,
        "average or total spend, in currency units",
    ),
    (
        "rfm.r",
        Kind::Number,
        "recency quintile score 1..5 (5 = most recent)",
    ),
    ("rfm.f", Kind::Number, "frequency quintile score 1..5"),
    ("rfm.m", Kind::Number, "monetary quintile score 1..5"),
    ("rfm.code", Kind::String, "RFM code such as \"545\""),
    (
        "rfm.segment",
        Kind::String,
        "champions, loyal, at_risk, lost, ...",
    ),
    (
        "contract.days_to_end",
        Kind::Number,
        "days to the nearest end of commitment",
    ),
    ("contract.active_count", Kind::Number, "active contracts"),
    (
        "contract.monthly_fee",
        Kind::Number,
        "total monthly fee of active contracts",
    ),
    (
        "usage.ratio_to_baseline",
        Kind::Number,
        "recent usage / the customer's own baseline",
    ),
    (
        "complaints.open",
        Kind::Number,
        "complaints not yet resolved",
    ),
    (
        "complaints.last_90_days",
        Kind::Number,
        "complaints opened in the last 90 days",
    ),
    ("satisfaction.nps", Kind::Number, "latest NPS answer 0..10"),
    (
        "contacts.last_30_days",
        Kind::Number,
        "outgoing contacts in the last 30 days",
    ),
    (
        "contacts.days_since_last",
        Kind::Number,
        "days since the last outgoing contact",
    ),
    (
        "segments",
        Kind::List,
        "names of the rule segments the customer belongs to",
    ),
];

impl FactSchema {
    /// An empty schema.
    pub fn new() -> FactSchema {
        FactSchema::default()
    }

    /// The facts Fidelis fills (see the table in the source, printed by [`FactSchema::defs`]).
    /// `event.*` names are not facts: expressions read them from the event being handled.
    pub fn standard() -> FactSchema {
        let mut schema = FactSchema::new();
        for &(name, kind, doc) in STANDARD {
            schema.declare(name, kind, doc);
        }
        schema
    }

    /// Declares (or re-declares with a new kind) a fact, e.g. a churn feature `feature.calls_trend` or
    /// a custom attribute `attr.loyalty_tier`. Returns its slot.
    pub fn declare(&mut self, name: &str, kind: Kind, doc: &str) -> usize {
        let def = FactDef {
            name: name.to_string(),
            kind,
            doc: doc.to_string(),
        };
        match self.slots.get(name) {
            Some(&slot) => {
                self.defs[slot] = def;
                slot
            }
            None => {
                self.defs.push(def);
                self.slots.insert(name.to_string(), self.defs.len() - 1);
                self.defs.len() - 1
            }
        }
    }

    /// The slot and kind of a name.
    pub fn lookup(&self, name: &str) -> Option<(usize, Kind)> {
        self.slots.get(name).map(|&s| (s, self.defs[s].kind))
    }

    /// Every declared fact, in slot order.
    pub fn defs(&self) -> &[FactDef] {
        &self.defs
    }

    /// The declared name closest to `name`, for "did you mean" hints.
    pub(crate) fn closest(&self, name: &str) -> Option<&str> {
        self.defs
            .iter()
            .map(|d| (edit_distance(&d.name, name), d.name.as_str()))
            .filter(|&(d, _)| d <= 3)
            .min()
            .map(|(_, n)| n)
    }
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (diagonal + usize::from(ca != cb))
                .min(row[j] + 1)
                .min(above + 1);
            diagonal = above;
        }
    }
    row[b.len()]
}

/// One customer's facts, a slot per fact of the schema they were made for.
#[derive(Debug, Clone)]
pub struct Facts {
    schema: Arc<FactSchema>,
    values: Vec<Value>,
}

impl Facts {
    /// All facts absent.
    pub fn new(schema: Arc<FactSchema>) -> Facts {
        let values = vec![Value::Absent; schema.defs.len()];
        Facts { schema, values }
    }

    /// Sets a fact by name, checking its kind. An absent value clears it.
    pub fn set(&mut self, name: &str, value: impl Into<Value>) -> Result<(), RulesError> {
        let value = value.into();
        let (slot, kind) = self.schema.lookup(name).ok_or_else(|| RulesError::Fact {
            name: name.to_string(),
            message: "not declared in the fact schema".into(),
        })?;
        if let Some(found) = value.kind().filter(|&k| k != kind) {
            return Err(RulesError::Fact {
                name: name.to_string(),
                message: format!("expected a {kind}, found a {found}"),
            });
        }
        self.values[slot] = value;
        Ok(())
    }

    /// Sets a slot without checks (the caller got it from [`FactSchema::lookup`]); for bulk loading.
    pub fn set_slot(&mut self, slot: usize, value: Value) {
        if let Some(v) = self.values.get_mut(slot) {
            *v = value;
        }
    }

    /// A fact by name (absent when unknown).
    pub fn get(&self, name: &str) -> &Value {
        self.schema
            .lookup(name)
            .map_or(&Value::Absent, |(slot, _)| self.slot(slot))
    }

    /// A fact by slot (absent past the end).
    #[inline]
    pub fn slot(&self, slot: usize) -> &Value {
        self.values.get(slot).unwrap_or(&Value::Absent)
    }

    /// The schema these facts follow.
    pub fn schema(&self) -> &Arc<FactSchema> {
        &self.schema
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_checks_names_and_kinds() {
        let mut facts = Facts::new(Arc::new(FactSchema::standard()));
        facts.set("score.churn_risk", 0.4).unwrap();
        assert_eq!(facts.get("score.churn_risk"), &Value::Number(0.4));
        let wrong = facts.set("score.churn_risk", "high").unwrap_err();
        assert_eq!(
            wrong.to_string(),
            "fact `score.churn_risk`: expected a number, found a string"
        );
        assert!(facts.set("score.churn", 0.4).is_err());
        facts.set("score.churn_risk", Value::Absent).unwrap();
        assert_eq!(facts.get("score.churn_risk"), &Value::Absent);
    }

    #[test]
    fn closest_name_for_hints() {
        let schema = FactSchema::standard();
        assert_eq!(schema.closest("score.churn_rsk"), Some("score.churn_risk"));
        assert_eq!(schema.closest("nothing.like.it"), None);
    }
}
