//! Message templates: text with `{fact.name}` placeholders filled from a customer's facts and event.

use crate::event::Event;
use crate::facts::{FactSchema, Facts, Value};

/// A placeholder that names no fact, with its byte offset in the template.
#[derive(Debug, Clone, PartialEq)]
pub struct PlaceholderError {
    pub offset: usize,
    pub message: String,
}

const EVENT_FIELDS: &[&str] = &["event.kind", "event.date", "event.value", "event.detail"];

/// The placeholders of a template with their byte offsets; `{{` and `}}` are literal braces.
fn placeholders(text: &str) -> Result<Vec<(usize, &str)>, PlaceholderError> {
    let mut found = Vec::new();
    let mut rest = text.char_indices().peekable();
    while let Some((i, c)) = rest.next() {
        match c {
            '{' if rest.peek().map(|&(_, c)| c) == Some('{') => {
                rest.next();
            }
            '}' if rest.peek().map(|&(_, c)| c) == Some('}') => {
                rest.next();
            }
            '{' => {
                let Some(len) = text[i + 1..].find('}') else {
                    return Err(PlaceholderError {
                        offset: i,
                        message: "unclosed `{` (write `{{` for a brace)".into(),
                    });
                };
                found.push((i, text[i + 1..i + 1 + len].trim()));
                while rest.next_if(|&(j, _)| j <= i + 1 + len).is_some() {}
            }
            '}' => {
                return Err(PlaceholderError {
                    offset: i,
                    message: "unopened `}` (write `}}` for a brace)".into(),
                });
            }
            _ => {}
        }
    }
    Ok(found)
}

/// Checks that every placeholder names a declared fact or an event field.
pub fn check_template(text: &str, schema: &FactSchema) -> Result<(), PlaceholderError> {
    for (offset, name) in placeholders(text)? {
        if schema.lookup(name).is_none() && !EVENT_FIELDS.contains(&name) {
            return Err(PlaceholderError {
                offset,
                message: format!("unknown fact `{name}` in the template"),
            });
        }
    }
    Ok(())
}

/// Fills the placeholders; an absent fact becomes the empty string. A template that does not pass
/// [`check_template`] is returned as it is.
pub fn render(text: &str, facts: &Facts, event: Option<&Event>) -> String {
    let Ok(found) = placeholders(text) else {
        return text.to_string();
    };
    let mut out = String::with_capacity(text.len() + 32);
    let mut last = 0;
    for (offset, name) in found {
        out.push_str(&unescape(&text[last..offset]));
        let end = offset
            + text[offset..]
                .find('}')
                .map_or(text.len() - offset, |e| e + 1);
        out.push_str(&display(name, facts, event));
        last = end;
    }
    out.push_str(&unescape(&text[last..]));
    out
}

fn unescape(s: &str) -> String {
    s.replace("{{", "{").replace("}}", "}")
}

fn display(name: &str, facts: &Facts, event: Option<&Event>) -> String {
    match (name, event) {
        ("event.kind", Some(e)) => e.kind.to_string(),
        ("event.date", Some(e)) => e.date.to_string(),
        ("event.value", Some(e)) => e.value.map(number).unwrap_or_default(),
        ("event.detail", Some(e)) => e.detail.clone().unwrap_or_default(),
        _ => value(facts.get(name)),
    }
}

fn number(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{x:.0}")
    } else {
        format!("{x:.2}")
    }
}

fn value(v: &Value) -> String {
    match v {
        Value::Absent => String::new(),
        Value::Bool(b) => b.to_string(),
        Value::Number(x) => number(*x),
        Value::Date(d) => d.format("%d/%m/%Y").to_string(),
        Value::String(s) => s.clone(),
        Value::List(items) => items.iter().map(value).collect::<Vec<_>>().join(", "),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::EventKind;
    use chrono::NaiveDate;
    use std::sync::Arc;

    #[test]
    fn render_and_check() {
        let schema = Arc::new(FactSchema::standard());
        let mut facts = Facts::new(schema.clone());
        facts.set("profile.city", "Meknès").unwrap();
        facts.set("value.clv", 1234.5).unwrap();
        let d = NaiveDate::from_ymd_opt(2025, 4, 1).unwrap();
        let event = Event::new("c1", EventKind::ContractEnd, d).with_value(22.0);
        let text = "À {profile.city}: {{fin}} le {event.date} dans {event.value} jours, {value.clv} {rfm.code}.";
        assert!(check_template(text, &schema).is_ok());
        assert_eq!(
            render(text, &facts, Some(&event)),
            "À Meknès: {fin} le 2025-04-01 dans 22 jours, 1234.50 ."
        );
        let cases = [
            (
                "Hi {profile.nam}",
                3,
                "unknown fact `profile.nam` in the template",
            ),
            (
                "Hi {profile.city",
                3,
                "unclosed `{` (write `{{` for a brace)",
            ),
            ("Hi } there", 3, "unopened `}` (write `}}` for a brace)"),
        ];
        for (text, offset, message) in cases {
            let e = check_template(text, &schema).unwrap_err();
            assert_eq!((e.offset, e.message.as_str()), (offset, message), "{text}");
        }
    }
}
