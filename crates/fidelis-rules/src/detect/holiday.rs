//! Holidays (fêtes) from a configurable calendar, for seasonal messages.
//!
//! ```toml
//! [[holiday]]
//! name = "Noël"
//! date = "12-25"                           # every year
//!
//! [[holiday]]
//! name = "Lundi de Pâques"
//! easter_offset = 1                        # days after Easter Sunday (Ascension: 39, Pentecost: 49)
//!
//! [[holiday]]
//! name = "Fête des mères"
//! dates = ["2025-05-25", "2026-05-31"]     # listed year by year
//! ```

use super::{plus_days, sort_events};
use crate::error::{RulesError, SourceFile};
use crate::event::{Event, EventKind};
use chrono::{Datelike, NaiveDate};

/// One holiday as written: exactly one of `date`, `easter_offset` or `dates`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HolidaySpec {
    pub name: String,
    /// Month and day, `MM-DD`, every year.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// Days after (or before, negative) Easter Sunday.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub easter_offset: Option<i32>,
    /// Explicit dates.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dates: Vec<NaiveDate>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct CalendarFile {
    #[serde(default)]
    holiday: Vec<toml::Spanned<HolidaySpec>>,
}

#[derive(Debug, Clone, PartialEq)]
enum Rule {
    Fixed { month: u32, day: u32 },
    Easter(i32),
    Dates(Vec<NaiveDate>),
}

/// A validated holiday calendar.
#[derive(Debug, Clone, PartialEq)]
pub struct Calendar {
    holidays: Vec<(String, Rule)>,
}

/// Easter Sunday of a Gregorian year (the anonymous Gregorian algorithm).
pub fn easter(year: i32) -> Option<NaiveDate> {
    let a = year.rem_euclid(19);
    let b = year.div_euclid(100);
    let c = year.rem_euclid(100);
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15).rem_euclid(30);
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k).rem_euclid(7);
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    NaiveDate::from_ymd_opt(year, month as u32, day as u32)
}

impl Calendar {
    /// Reads and validates a calendar file.
    pub fn from_toml(file_name: &str, text: &str) -> Result<Calendar, RulesError> {
        let source = SourceFile {
            name: file_name,
            text,
        };
        let file: CalendarFile = toml::from_str(text).map_err(|e| source.toml_error(&e))?;
        let mut holidays = Vec::new();
        for spanned in file.holiday {
            let offset = spanned.span().start;
            let spec = spanned.into_inner();
            let rule = Self::rule(&spec)
                .map_err(|m| source.invalid(offset, format!("holiday `{}`: {m}", spec.name)))?;
            holidays.push((spec.name, rule));
        }
        Ok(Calendar { holidays })
    }

    /// Validates holidays given through the API.
    pub fn from_specs(specs: &[HolidaySpec]) -> Result<Calendar, RulesError> {
        let holidays = specs
            .iter()
            .map(|spec| {
                Self::rule(spec)
                    .map(|r| (spec.name.clone(), r))
                    .map_err(|m| RulesError::Invalid {
                        file: "calendar".into(),
                        position: crate::Position { line: 1, column: 1 },
                        message: format!("holiday `{}`: {m}", spec.name),
                    })
            })
            .collect::<Result<_, _>>()?;
        Ok(Calendar { holidays })
    }

    fn rule(spec: &HolidaySpec) -> Result<Rule, String> {
        match (&spec.date, spec.easter_offset, spec.dates.is_empty()) {
            (Some(md), None, true) => {
                let bad = || format!("`{md}` is not a month and day written MM-DD");
                let (m, d) = md.split_once('-').ok_or_else(bad)?;
                let (month, day) = (m.parse().map_err(|_| bad())?, d.parse().map_err(|_| bad())?);
                // 2024 is a leap year: 02-29 is accepted and falls on the 28th in other years.
                NaiveDate::from_ymd_opt(2024, month, day).ok_or_else(bad)?;
                Ok(Rule::Fixed { month, day })
            }
            (None, Some(offset), true) if offset.abs() <= 366 => Ok(Rule::Easter(offset)),
            (None, Some(_), true) => Err("easter_offset must be within a year of Easter".into()),
            (None, None, false) => Ok(Rule::Dates(spec.dates.clone())),
            _ => Err("give exactly one of `date`, `easter_offset` or `dates`".into()),
        }
    }

    fn in_year(rule: &Rule, year: i32) -> Vec<NaiveDate> {
        match rule {
            Rule::Fixed { month, day } => NaiveDate::from_ymd_opt(year, *month, *day)
                .or_else(|| NaiveDate::from_ymd_opt(year, *month, day - 1))
                .into_iter()
                .collect(),
            Rule::Easter(offset) => easter(year)
                .map(|e| plus_days(e, i64::from(*offset)))
                .into_iter()
                .collect(),
            Rule::Dates(dates) => dates.iter().copied().filter(|d| d.year() == year).collect(),
        }
    }

    /// Holidays in `[as_of, as_of + lead_days]`, by date.
    pub fn upcoming(&self, as_of: NaiveDate, lead_days: u32) -> Vec<(&str, NaiveDate)> {
        let until = plus_days(as_of, i64::from(lead_days));
        let mut found: Vec<(&str, NaiveDate)> = self
            .holidays
            .iter()
            .flat_map(|(name, rule)| {
                (as_of.year() - 1..=until.year() + 1)
                    .flat_map(move |y| Self::in_year(rule, y))
                    .filter(move |&d| as_of <= d && d <= until)
                    .map(move |d| (name.as_str(), d))
            })
            .collect();
        found.sort_by(|a, b| (a.1, a.0).cmp(&(b.1, b.0)));
        found.dedup();
        found
    }
}

/// One event per customer and upcoming holiday, dated on the holiday, with the days until it as
/// value and its name as detail.
pub fn holiday_events<'a>(
    calendar: &Calendar,
    customer_ids: impl IntoIterator<Item = &'a str>,
    as_of: NaiveDate,
    lead_days: u32,
) -> Vec<Event> {
    let upcoming = calendar.upcoming(as_of, lead_days);
    let mut events: Vec<Event> = customer_ids
        .into_iter()
        .flat_map(|id| {
            upcoming.iter().map(move |(name, d)| {
                Event::new(id, EventKind::Holiday, *d)
                    .with_value((*d - as_of).num_days() as f64)
                    .with_detail(*name)
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

    const CALENDAR: &str = r#"
[[holiday]]
name = "Noël"
date = "12-25"

[[holiday]]
name = "Lundi de Pâques"
easter_offset = 1

[[holiday]]
name = "Fête des mères"
dates = ["2025-05-25", "2026-05-31"]

[[holiday]]
name = "Bissextile"
date = "02-29"
"#;

    #[test]
    fn easter_dates() {
        for (year, expected) in [
            (2024, "2024-03-31"),
            (2025, "2025-04-20"),
            (2026, "2026-04-05"),
            (2000, "2000-04-23"),
        ] {
            assert_eq!(easter(year), Some(day(expected)), "{year}");
        }
    }

    #[test]
    fn table() {
        let calendar = Calendar::from_toml("calendar.toml", CALENDAR).unwrap();
        let cases: &[(&str, u32, &[(&str, &str)])] = &[
            ("2025-12-20", 10, &[("Noël", "2025-12-25")]),
            ("2025-04-15", 7, &[("Lundi de Pâques", "2025-04-21")]),
            ("2025-05-20", 7, &[("Fête des mères", "2025-05-25")]),
            ("2026-05-20", 14, &[("Fête des mères", "2026-05-31")]),
            ("2025-02-25", 5, &[("Bissextile", "2025-02-28")]),
            ("2025-06-01", 30, &[]),
            (
                "2025-12-20",
                100,
                &[("Noël", "2025-12-25"), ("Bissextile", "2026-02-28")],
            ),
        ];
        for &(as_of, lead, expected) in cases {
            let got = calendar.upcoming(day(as_of), lead);
            let expected: Vec<(&str, NaiveDate)> =
                expected.iter().map(|&(n, d)| (n, day(d))).collect();
            assert_eq!(got, expected, "as of {as_of}");
        }
        let events = holiday_events(&calendar, ["c2", "c1"], day("2025-12-20"), 10);
        let got: Vec<(&str, Option<&str>, Option<f64>)> = events
            .iter()
            .map(|e| (e.customer_id.as_str(), e.detail.as_deref(), e.value))
            .collect();
        assert_eq!(
            got,
            [
                ("c1", Some("Noël"), Some(5.0)),
                ("c2", Some("Noël"), Some(5.0))
            ]
        );
    }

    #[test]
    fn errors_point_at_the_holiday() {
        let cases = [
            (
                "[[holiday]]\nname = \"x\"\ndate = \"13-01\"\n",
                1,
                1,
                "`13-01` is not a month and day",
            ),
            ("\n[[holiday]]\nname = \"x\"\n", 2, 1, "give exactly one of"),
            (
                "[[holiday]]\nname = \"x\"\ndates = [\"2025-02-30\"]\n",
                3,
                10,
                "",
            ),
        ];
        for (text, line, column, message) in cases {
            let e = Calendar::from_toml("calendar.toml", text).unwrap_err();
            assert_eq!(e.position(), Some(crate::Position { line, column }), "{e}");
            assert!(e.to_string().contains(message), "{e}");
        }
    }
}
