//! Table-driven tests of the condition language: values, three-valued logic, errors with positions.

use super::*;
use crate::event::EventKind;
use crate::facts::Value;
use std::sync::Arc;

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn facts() -> Facts {
    let mut schema = FactSchema::standard();
    schema.declare(
        "feature.calls_trend",
        crate::facts::Kind::Number,
        "calls, recent / past",
    );
    let mut f = Facts::new(Arc::new(schema));
    f.set("score.churn_risk", 0.62).unwrap();
    f.set("value.segment", "gold").unwrap();
    f.set("value.clv", 1200.0).unwrap();
    f.set("profile.birth_date", day("1980-06-15")).unwrap();
    f.set("profile.solvent", true).unwrap();
    f.set("profile.city", "Meknès").unwrap();
    f.set(
        "profile.categories",
        Value::List(vec!["phones".into(), "tv".into()]),
    )
    .unwrap();
    f.set("feature.calls_trend", -0.4).unwrap();
    f
}

/// Evaluates `src` on the fixture facts, a contract-end event, as of 2025-03-10.
fn check(src: &str, expected: Option<bool>) {
    let f = facts();
    let event = Event::new("c1", EventKind::ContractEnd, day("2025-04-01"))
        .with_value(22.0)
        .with_detail("K-17");
    let cx = EvalContext {
        facts: &f,
        event: Some(&event),
        today: day("2025-03-10"),
    };
    let cond = Condition::compile(src, f.schema()).unwrap_or_else(|e| panic!("{src}: {e}"));
    assert_eq!(cond.eval(&cx), expected, "{src}");
}

#[test]
fn values_and_operators() {
    let cases: &[(&str, Option<bool>)] = &[
        ("score.churn_risk > 0.5", Some(true)),
        (
            "score.churn_risk >= 0.62 && score.churn_risk <= 0.62",
            Some(true),
        ),
        ("value.segment == 'gold'", Some(true)),
        ("'gold' == value.segment", Some(true)),
        ("value.segment != \"gold\"", Some(false)),
        ("value.segment in ['silver', 'gold']", Some(true)),
        ("'tv' in profile.categories", Some(true)),
        ("contains(profile.categories, 'radio')", Some(false)),
        ("size(profile.categories) == 2", Some(true)),
        ("value.clv * 0.1 - 20 == 100", Some(true)),
        ("value.clv / 0 > 1", None),
        ("7 % 4 == 3 && -feature.calls_trend == 0.4", Some(true)),
        ("age(profile.birth_date) == 44", Some(true)),
        (
            "month(profile.birth_date) == 6 && day(profile.birth_date) == 15",
            Some(true),
        ),
        ("weekday(today) == 1", Some(true)),
        ("profile.birth_date < date('1990-01-01')", Some(true)),
        ("today + 22 == event.date", Some(true)),
        (
            "event.date - today == 22 && days_until(event.date) == 22",
            Some(true),
        ),
        ("days_since(date('2025-03-01')) == 9", Some(true)),
        ("days_between(today, event.date) == event.value", Some(true)),
        (
            "event.kind == 'contract_end' && event.detail == 'K-17'",
            Some(true),
        ),
        ("lower(upper(profile.city)) == 'meknès'", Some(true)),
        (
            "starts_with(profile.city, 'Mek') && ends_with(profile.city, 'ès')",
            Some(true),
        ),
        ("contains(profile.city, 'kn')", Some(true)),
        ("profile.city + '!' == 'Meknès!'", Some(true)),
        (
            "min(1, 2) + max(1, 2) + abs(-1) + round(1.4) + floor(1.9) + ceil(1.1) == 8",
            Some(true),
        ),
        (
            "(score.churn_risk > 0.5 ? value.clv : 0) == 1200",
            Some(true),
        ),
        ("profile.solvent && !(value.clv < 100)", Some(true)),
        ("1_000 == 1000 && 1e3 == 1000 && .5 == 0.5", Some(true)),
        ("true # a comment\n && true // another", Some(true)),
    ];
    for &(src, expected) in cases {
        check(src, expected);
    }
}

#[test]
fn absent_facts_are_unknown_and_do_not_fire() {
    let cases: &[(&str, Option<bool>)] = &[
        ("rfm.frequency > 2", None),
        ("rfm.frequency <= 2", None),
        ("!(rfm.frequency > 2)", None),
        ("rfm.segment == 'lost'", None),
        ("rfm.segment != 'lost'", None),
        ("rfm.frequency > 2 && false", Some(false)),
        ("false && rfm.frequency > 2", Some(false)),
        ("rfm.frequency > 2 || true", Some(true)),
        ("rfm.frequency > 2 || false", None),
        ("has(rfm.frequency)", Some(false)),
        ("has(score.churn_risk)", Some(true)),
        ("!has(rfm.frequency) || rfm.frequency > 2", Some(true)),
        ("'x' in score.churn_reasons", None),
    ];
    for &(src, expected) in cases {
        check(src, expected);
    }
    let f = facts();
    let cond = Condition::compile("rfm.frequency > 2", f.schema()).unwrap();
    let cx = EvalContext {
        facts: &f,
        event: None,
        today: day("2025-03-10"),
    };
    assert!(!cond.matches(&cx));
}

#[test]
fn type_and_name_errors_point_at_line_and_column() {
    let cases: &[(&str, usize, usize, &str)] = &[
        (
            "score.churn_rsk > 0.5",
            1,
            1,
            "unknown fact `score.churn_rsk` (did you mean `score.churn_risk`?)",
        ),
        (
            "value.segment > 3",
            1,
            17,
            "cannot compare a string with a number (`value.segment` > `3`)",
        ),
        (
            "score.churn_risk",
            1,
            1,
            "expected a bool, but `score.churn_risk` is a number",
        ),
        (
            "true &&\n   value.clv + 'x' > 1",
            2,
            4,
            "`+` does not apply to a number and a string",
        ),
        (
            "value.segment in ['a', 2]",
            1,
            24,
            "list items must all be of one kind: this list holds strings",
        ),
        (
            "score.churn_risk in ['a']",
            1,
            1,
            "`score.churn_risk` is a number but the list holds strings",
        ),
        (
            "date('2025-02-30') < today",
            1,
            6,
            "`2025-02-30` is not a date written YYYY-MM-DD",
        ),
        ("age() > 3", 1, 1, "age() takes 1 argument, found 0"),
        (
            "event.when > 3",
            1,
            1,
            "unknown fact `event.when` (events have kind, date, value and detail)",
        ),
        (
            "profile.solvent < true",
            1,
            1,
            "`<` does not apply to bools",
        ),
        (
            "x.startsWith('a')",
            1,
            1,
            "unknown function `x.startsWith` (functions: has, size, date, days_between, days_since, days_until, age, year, month, day, weekday, lower, upper, starts_with, ends_with, contains, min, max, abs, round, floor, ceil)",
        ),
    ];
    let schema = FactSchema::standard();
    for &(src, line, column, message) in cases {
        let e = Condition::compile(src, &schema).unwrap_err();
        assert_eq!(
            (e.position.line, e.position.column, e.message.as_str()),
            (line, column, message),
            "{src}"
        );
    }
}

#[test]
fn number_expressions() {
    let f = facts();
    let cx = EvalContext {
        facts: &f,
        event: None,
        today: day("2025-03-10"),
    };
    let e = NumberExpr::compile("value.clv * score.churn_risk", f.schema()).unwrap();
    assert!((e.eval(&cx).unwrap() - 744.0).abs() < 1e-9);
    assert_eq!(
        NumberExpr::compile("rfm.monetary", f.schema())
            .unwrap()
            .eval(&cx),
        None
    );
    let err = NumberExpr::compile("value.segment", f.schema()).unwrap_err();
    assert_eq!(
        err.message,
        "expected a number, but `value.segment` is a string"
    );
}
