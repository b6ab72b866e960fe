//! A parsed cell of an imported row, and the checks that span several fields of one row.

use crate::money::Currency;
use crate::parse::{self, Expected};
use crate::schema::{Entity, EntitySpec, Field, FieldKind};
use chrono::{DateTime, NaiveDate, Utc};

/// A typed value ready to be bound to a database column.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Text(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    Date(NaiveDate),
    DateTime(DateTime<Utc>),
    Json(serde_json::Value),
}

impl Value {
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Value::Text(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_int(&self) -> Option<i64> {
        match self {
            Value::Int(v) => Some(*v),
            _ => None,
        }
    }

    pub fn as_date(&self) -> Option<NaiveDate> {
        match self {
            Value::Date(d) => Some(*d),
            _ => None,
        }
    }

    pub fn as_datetime(&self) -> Option<DateTime<Utc>> {
        match self {
            Value::DateTime(d) => Some(*d),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }
}

/// Longest external id accepted.
pub const MAX_ID_BYTES: usize = 256;

/// Parses the (non-empty, trimmed) text of a cell for `field`. Amounts use the row's `currency`.
pub fn parse_value(field: &Field, text: &str, currency: Currency) -> Result<Value, Expected> {
    Ok(match field.kind {
        FieldKind::Id | FieldKind::Ref(_) => {
            if text.len() > MAX_ID_BYTES {
                return Err("an id of at most 256 bytes");
            }
            if text.chars().any(char::is_control) {
                return Err("an id without control characters");
            }
            Value::Text(text.to_owned())
        }
        FieldKind::Text { max_bytes } => {
            if text.len() > max_bytes {
                return Err(if max_bytes >= 65536 {
                    "a text of at most 65536 bytes"
                } else if max_bytes >= 1024 {
                    "a text of at most 1024 bytes"
                } else {
                    "a short text (at most 64 bytes)"
                });
            }
            Value::Text(text.to_owned())
        }
        FieldKind::Email => Value::Text(parse::parse_email(text)?),
        FieldKind::Phone => Value::Text(parse::parse_phone(text)?),
        FieldKind::Country => {
            if text.len() == 2 && text.bytes().all(|b| b.is_ascii_alphabetic()) {
                Value::Text(text.to_ascii_uppercase())
            } else {
                return Err("a two-letter country code such as FR");
            }
        }
        FieldKind::Currency => Value::Text(Currency::parse(text)?.code().to_owned()),
        FieldKind::Date => Value::Date(parse::parse_date(text)?),
        FieldKind::DateTime => Value::DateTime(parse::parse_datetime(text)?),
        FieldKind::Period => Value::Date(parse::parse_period(text)?),
        FieldKind::Amount { min_minor } => {
            let minor = parse::parse_amount(text, currency.exponent())?;
            if minor < min_minor {
                return Err("an amount that is not negative");
            }
            Value::Int(minor)
        }
        FieldKind::Decimal { min, max } => {
            let v = parse::parse_decimal(text)?;
            if v < min || v > max {
                return Err(range_expectation(min, max));
            }
            Value::Float(v)
        }
        FieldKind::Integer { min, max } => {
            let v = parse::parse_integer(text)?;
            if v < min || v > max {
                return Err(match (min, max) {
                    (1, 5) => "a whole number from 1 to 5",
                    (0, 10) => "a whole number from 0 to 10",
                    (1, _) => "a whole number of at least 1",
                    _ => "a whole number that is not negative",
                });
            }
            Value::Int(v)
        }
        FieldKind::Bool => Value::Bool(parse::parse_bool(text)?),
        FieldKind::Enum(choices) => {
            // Most files carry the canonical value: match it before normalising.
            if let Some(c) = choices.iter().find(|c| c.value == text) {
                return Ok(Value::Text(c.value.to_owned()));
            }
            let n = parse::normalise_name(text);
            let found = choices.iter().find(|c| {
                parse::normalise_name(c.value) == n
                    || c.aliases.iter().any(|a| parse::normalise_name(a) == n)
            });
            match found {
                Some(c) => Value::Text(c.value.to_owned()),
                None => return Err("one of the allowed values"),
            }
        }
    })
}

fn range_expectation(min: f64, max: f64) -> Expected {
    match (min, max) {
        (-90.0, 90.0) => "a latitude between -90 and 90",
        (-180.0, 180.0) => "a longitude between -180 and 180",
        (0.0, 1.0) => "a share between 0 and 1",
        _ => "a number that is not negative",
    }
}

/// The allowed values of an enumerated field, for error messages that list them.
pub fn allowed_values(field: &Field) -> Option<String> {
    match field.kind {
        FieldKind::Enum(choices) => Some(
            choices
                .iter()
                .map(|c| c.value)
                .collect::<Vec<_>>()
                .join(", "),
        ),
        _ => None,
    }
}

/// A rule spanning several fields of one row was broken: which field, and what was expected.
#[derive(Debug, Clone, PartialEq)]
pub struct RowProblem {
    pub field: &'static str,
    pub expected: Expected,
}

/// Checks the rules that involve several fields of a row (`values` in the order of `spec.fields`).
/// `today` bounds dates that cannot be in the future.
pub fn check_row(spec: &EntitySpec, values: &[Value], today: NaiveDate) -> Result<(), RowProblem> {
    let get = |name: &str| {
        spec.field(name)
            .map(|(i, _)| &values[i])
            .unwrap_or(&Value::Null)
    };
    let problem = |field, expected| Err(RowProblem { field, expected });
    let not_before = |later: &str, earlier: &str| -> bool {
        match (get(later), get(earlier)) {
            (Value::Date(l), Value::Date(e)) => l >= e,
            (Value::DateTime(l), Value::DateTime(e)) => l >= e,
            _ => true,
        }
    };
    match spec.entity {
        Entity::Customers => {
            if let Value::Date(birth) = get("birth_date") {
                let earliest = NaiveDate::from_ymd_opt(1900, 1, 1).unwrap_or(NaiveDate::MIN);
                if *birth < earliest || *birth > today {
                    return problem("birth_date", "a birth date between 1900-01-01 and today");
                }
            }
        }
        Entity::Contracts => {
            if !not_before("end_date", "start_date") {
                return problem("end_date", "an end date on or after the start date");
            }
            if !not_before("cancelled_on", "start_date") {
                return problem(
                    "cancelled_on",
                    "a cancellation date on or after the start date",
                );
            }
            if get("status").as_text() == Some("cancelled") && get("cancelled_on").is_null() {
                return problem(
                    "cancelled_on",
                    "a cancellation date, since the status is cancelled",
                );
            }
        }
        Entity::Complaints => {
            if !not_before("first_response_at", "opened_at") {
                return problem(
                    "first_response_at",
                    "a first response on or after the opening",
                );
            }
            if !not_before("resolved_at", "opened_at") {
                return problem("resolved_at", "a resolution on or after the opening");
            }
        }
        Entity::Campaigns if !not_before("end_date", "start_date") => {
            return problem("end_date", "an end date on or after the start date");
        }
        Entity::Surveys => {
            let score = get("score").as_int().unwrap_or(0);
            let ok = match get("kind").as_text() {
                Some("csat") => (1..=5).contains(&score),
                Some("ces") => (1..=7).contains(&score),
                _ => (0..=10).contains(&score),
            };
            if !ok {
                return problem(
                    "score",
                    "a score in the survey kind's range (nps 0-10, csat 1-5, ces 1-7)",
                );
            }
        }
        _ => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::Entity;

    fn field(entity: Entity, name: &str) -> &'static Field {
        entity.spec().field(name).unwrap().1
    }

    #[test]
    fn values_by_kind() {
        let eur = Currency::EUR;
        let cases: &[(Entity, &str, &str, Result<Value, ()>)] = &[
            (
                Entity::Customers,
                "status",
                "Actif",
                Ok(Value::Text("active".into())),
            ),
            (
                Entity::Customers,
                "status",
                "partie",
                Ok(Value::Text("churned".into())),
            ),
            (Entity::Customers, "status", "vivant", Err(())),
            (
                Entity::Customers,
                "assets_band",
                "Très élevé",
                Ok(Value::Text("very_high".into())),
            ),
            (
                Entity::Customers,
                "gender",
                "f",
                Ok(Value::Text("F".into())),
            ),
            (
                Entity::Customers,
                "country",
                "fr",
                Ok(Value::Text("FR".into())),
            ),
            (
                Entity::Customers,
                "latitude",
                "48,85",
                Ok(Value::Float(48.85)),
            ),
            (Entity::Customers, "latitude", "91", Err(())),
            (
                Entity::Transactions,
                "amount",
                "1 234,56",
                Ok(Value::Int(123456)),
            ),
            (Entity::Transactions, "amount", "-3", Err(())),
            (Entity::Transactions, "quantity", "0", Err(())),
            (Entity::Products, "complexity", "6", Err(())),
            (
                Entity::Usage,
                "period",
                "2024-05",
                Ok(Value::Date(NaiveDate::from_ymd_opt(2024, 5, 1).unwrap())),
            ),
            (Entity::Usage, "metric", &"x".repeat(65), Err(())),
        ];
        for (entity, name, text, expected) in cases {
            let got = parse_value(field(*entity, name), text, eur).map_err(|_| ());
            assert_eq!(&got, expected, "{entity}.{name} = {text:?}");
        }
    }

    #[test]
    fn cross_field_rules() {
        let today = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        let d = |s: &str| Value::Date(s.parse().unwrap());
        let spec = Entity::Contracts.spec();
        let mut row = vec![Value::Null; spec.fields.len()];
        let set = |row: &mut Vec<Value>, name: &str, v: Value| row[spec.field(name).unwrap().0] = v;
        set(&mut row, "start_date", d("2024-01-01"));
        set(&mut row, "end_date", d("2023-01-01"));
        assert_eq!(check_row(spec, &row, today).unwrap_err().field, "end_date");
        set(&mut row, "end_date", d("2025-01-01"));
        assert!(check_row(spec, &row, today).is_ok());
        set(&mut row, "status", Value::Text("cancelled".into()));
        assert_eq!(
            check_row(spec, &row, today).unwrap_err().field,
            "cancelled_on"
        );
        set(&mut row, "cancelled_on", d("2024-06-01"));
        assert!(check_row(spec, &row, today).is_ok());

        let spec = Entity::Customers.spec();
        let mut row = vec![Value::Null; spec.fields.len()];
        row[spec.field("birth_date").unwrap().0] = d("2030-01-01");
        assert_eq!(
            check_row(spec, &row, today).unwrap_err().field,
            "birth_date"
        );

        let spec = Entity::Surveys.spec();
        let mut row = vec![Value::Null; spec.fields.len()];
        row[spec.field("kind").unwrap().0] = Value::Text("csat".into());
        row[spec.field("score").unwrap().0] = Value::Int(9);
        assert_eq!(check_row(spec, &row, today).unwrap_err().field, "score");
    }
}
