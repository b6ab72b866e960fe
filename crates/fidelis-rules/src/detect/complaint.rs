//! Complaints (réclamations): opened recently, or answered later than the service norm (EDF's
//! charter: every letter answered within 8 days).

use super::{plus_days, sort_events};
use crate::event::{Event, EventKind};
use chrono::{NaiveDate, NaiveDateTime};

/// One complaint, as the detectors need it.
#[derive(Debug, Clone, PartialEq)]
pub struct ComplaintInfo {
    pub customer_id: String,
    pub complaint_id: String,
    pub opened_at: NaiveDateTime,
    pub first_response_at: Option<NaiveDateTime>,
}

/// Complaints opened in `[as_of − lookback_days, as_of]`: dated at the opening, detail the id.
pub fn complaints_opened(
    complaints: &[ComplaintInfo],
    as_of: NaiveDate,
    lookback_days: u32,
) -> Vec<Event> {
    let from = plus_days(as_of, -i64::from(lookback_days));
    let mut events: Vec<Event> = complaints
        .iter()
        .filter(|c| from <= c.opened_at.date() && c.opened_at.date() <= as_of)
        .map(|c| {
            Event::new(
                &c.customer_id,
                EventKind::ComplaintOpened,
                c.opened_at.date(),
            )
            .with_detail(&c.complaint_id)
        })
        .collect();
    sort_events(&mut events);
    events
}

/// Complaints whose first response came more than `norm_days` days after the opening, or has not
/// come and `as_of` is past the norm. Counted in calendar days between the opening's date and the
/// response's date (or `as_of`). Dated on the first day of the breach (opening + norm + 1 day), with
/// the days taken (or elapsed so far) as value; only breaches dated in
/// `[as_of − lookback_days, as_of]` are reported.
pub fn service_norm_breaches(
    complaints: &[ComplaintInfo],
    as_of: NaiveDate,
    norm_days: u32,
    lookback_days: u32,
) -> Vec<Event> {
    let from = plus_days(as_of, -i64::from(lookback_days));
    let mut events: Vec<Event> = complaints
        .iter()
        .filter_map(|c| {
            let opened = c.opened_at.date();
            let breach_day = plus_days(opened, i64::from(norm_days) + 1);
            let answered = c
                .first_response_at
                .map(|t| t.date())
                .filter(|&d| d <= as_of);
            let days = (answered.unwrap_or(as_of) - opened).num_days();
            (days > i64::from(norm_days) && from <= breach_day && breach_day <= as_of).then(|| {
                Event::new(&c.customer_id, EventKind::ServiceNormBreached, breach_day)
                    .with_value(days as f64)
                    .with_detail(&c.complaint_id)
            })
        })
        .collect();
    sort_events(&mut events);
    events
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    fn complaint(opened: &str, response: Option<&str>) -> ComplaintInfo {
        ComplaintInfo {
            customer_id: "c1".into(),
            complaint_id: "R1".into(),
            opened_at: t(opened),
            first_response_at: response.map(t),
        }
    }

    #[test]
    fn breaches_table() {
        // As of 2025-03-20, norm 8 days, lookback 30 days.
        let cases: &[(&str, &str, Option<&str>, Option<(&str, f64)>)] = &[
            (
                "answered on day 8: within the norm",
                "2025-03-01 10:00",
                Some("2025-03-09 18:00"),
                None,
            ),
            (
                "answered on day 9: breached",
                "2025-03-01 10:00",
                Some("2025-03-10 09:00"),
                Some(("2025-03-10", 9.0)),
            ),
            (
                "unanswered, 19 days on",
                "2025-03-01 10:00",
                None,
                Some(("2025-03-10", 19.0)),
            ),
            (
                "unanswered, 8 days on: not yet",
                "2025-03-12 10:00",
                None,
                None,
            ),
            (
                "unanswered, 9 days on: from today",
                "2025-03-11 10:00",
                None,
                Some(("2025-03-20", 9.0)),
            ),
            (
                "an answer after as_of is not known yet",
                "2025-03-01 10:00",
                Some("2025-03-25 10:00"),
                Some(("2025-03-10", 19.0)),
            ),
            (
                "breached long ago: outside the lookback",
                "2025-01-01 10:00",
                Some("2025-01-20 10:00"),
                None,
            ),
        ];
        for &(name, opened, response, expected) in cases {
            let got = service_norm_breaches(
                &[complaint(opened, response)],
                NaiveDate::from_ymd_opt(2025, 3, 20).unwrap(),
                8,
                30,
            )
            .first()
            .map(|e| (e.date.to_string(), e.value.unwrap_or(-1.0)));
            assert_eq!(got, expected.map(|(d, v)| (d.to_string(), v)), "{name}");
        }
    }

    #[test]
    fn opened_table() {
        let as_of = NaiveDate::from_ymd_opt(2025, 3, 20).unwrap();
        let cases = [
            ("today", "2025-03-20 08:00", true),
            ("within lookback", "2025-03-14 08:00", true),
            ("before lookback", "2025-03-12 08:00", false),
            ("after as_of", "2025-03-21 08:00", false),
        ];
        for (name, opened, expected) in cases {
            let events = complaints_opened(&[complaint(opened, None)], as_of, 7);
            assert_eq!(!events.is_empty(), expected, "{name}");
        }
    }
}
