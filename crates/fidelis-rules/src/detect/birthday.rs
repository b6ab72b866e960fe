//! Birthdays (anniversaire), for the automated messages of seed 001.

use super::{plus_days, sort_events};
use crate::event::{Event, EventKind};
use chrono::{Datelike, NaiveDate};

/// A customer's date of birth.
#[derive(Debug, Clone, PartialEq)]
pub struct BirthInfo {
    pub customer_id: String,
    pub birth_date: NaiveDate,
}

/// The birthday of someone born on `born` in `year`; 29 February falls on the 28th in other years.
fn birthday_in(born: NaiveDate, year: i32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(year, born.month(), born.day())
        .or_else(|| NaiveDate::from_ymd_opt(year, 2, 28))
}

/// Birthdays in `[as_of, as_of + lead_days]`: one event dated on the birthday, with the age reached
/// as value.
pub fn birthdays(customers: &[BirthInfo], as_of: NaiveDate, lead_days: u32) -> Vec<Event> {
    let until = plus_days(as_of, i64::from(lead_days));
    let mut events: Vec<Event> = customers
        .iter()
        .filter(|c| c.birth_date <= as_of)
        .filter_map(|c| {
            (as_of.year()..=until.year())
                .filter_map(|y| birthday_in(c.birth_date, y))
                .find(|&d| as_of <= d && d <= until)
                .filter(|&d| d > c.birth_date)
                .map(|d| {
                    Event::new(&c.customer_id, EventKind::Birthday, d)
                        .with_value(f64::from(d.year() - c.birth_date.year()))
                })
        })
        .collect();
    sort_events(&mut events);
    events
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn table() {
        let cases: &[(&str, &str, &str, u32, Option<(&str, f64)>)] = &[
            (
                "today",
                "1980-03-10",
                "2025-03-10",
                0,
                Some(("2025-03-10", 45.0)),
            ),
            (
                "within the lead",
                "1980-03-15",
                "2025-03-10",
                7,
                Some(("2025-03-15", 45.0)),
            ),
            ("past the lead", "1980-03-18", "2025-03-10", 7, None),
            ("yesterday", "1980-03-09", "2025-03-10", 7, None),
            (
                "across new year",
                "1990-01-02",
                "2024-12-28",
                7,
                Some(("2025-01-02", 35.0)),
            ),
            (
                "29 February in a common year",
                "2000-02-29",
                "2025-02-27",
                3,
                Some(("2025-02-28", 25.0)),
            ),
            (
                "29 February in a leap year",
                "2000-02-29",
                "2024-02-27",
                3,
                Some(("2024-02-29", 24.0)),
            ),
            (
                "born today: not a birthday yet",
                "2025-03-10",
                "2025-03-10",
                7,
                None,
            ),
        ];
        for &(name, born, as_of, lead, expected) in cases {
            let c = BirthInfo {
                customer_id: "c1".into(),
                birth_date: day(born),
            };
            let got = birthdays(&[c], day(as_of), lead)
                .first()
                .map(|e| (e.date, e.value.unwrap_or(-1.0)));
            assert_eq!(got, expected.map(|(d, a)| (day(d), a)), "{name}");
        }
    }
}
