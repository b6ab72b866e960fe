//! Day, month and instant numbers: the churn module's only notion of time (no clock, no time zones).
//!
//! Days count from 1970-01-01 in the proleptic Gregorian calendar, instants are seconds since
//! 1970-01-01T00:00:00Z, months count from year 0. "As of day `d`" always means the start of `d`:
//! what happened on `d` itself is not yet known.

use serde::{Deserialize, Serialize};

const SECONDS_PER_DAY: i64 = 86_400;

/// A calendar date, as days since 1970-01-01.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Day(pub i32);

/// A calendar month, as `year * 12 + (month - 1)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Month(pub i32);

/// An instant, as seconds since 1970-01-01T00:00:00Z.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Timestamp(pub i64);

impl Day {
    /// The day of a date; `month` in 1..=12, `day` in 1..=31 (out-of-range values roll over).
    pub fn from_ymd(year: i32, month: u32, day: u32) -> Day {
        // Howard Hinnant's days_from_civil.
        let y = if month <= 2 { year - 1 } else { year };
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let mp = (month as i32 + 9) % 12;
        let doy = (153 * mp + 2) / 5 + day as i32 - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        Day(era * 146_097 + doe - 719_468)
    }

    /// (year, month 1..=12, day 1..=31).
    pub fn ymd(self) -> (i32, u32, u32) {
        // Howard Hinnant's civil_from_days.
        let z = self.0 + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let y = yoe + era * 400 + i32::from(m <= 2);
        (y, m, d)
    }

    /// The day `days` later (earlier when negative).
    pub fn plus(self, days: i32) -> Day {
        Day(self.0 + days)
    }

    /// Midnight UTC at the start of the day.
    pub fn start(self) -> Timestamp {
        Timestamp(i64::from(self.0) * SECONDS_PER_DAY)
    }

    /// ISO 8601 text, `2024-12-31`.
    pub fn iso(self) -> String {
        let (y, m, d) = self.ymd();
        format!("{y:04}-{m:02}-{d:02}")
    }
}

impl Month {
    /// The month of a year; `month` in 1..=12.
    pub fn from_ym(year: i32, month: u32) -> Month {
        Month(year * 12 + month as i32 - 1)
    }

    /// The month a day falls in.
    pub fn of(day: Day) -> Month {
        let (y, m, _) = day.ymd();
        Month::from_ym(y, m)
    }

    /// Its first day.
    pub fn first_day(self) -> Day {
        Day::from_ymd(self.0.div_euclid(12), self.0.rem_euclid(12) as u32 + 1, 1)
    }

    /// Its last day.
    pub fn last_day(self) -> Day {
        self.plus(1).first_day().plus(-1)
    }

    /// The month `months` later (earlier when negative).
    pub fn plus(self, months: i32) -> Month {
        Month(self.0 + months)
    }
}

impl Timestamp {
    /// The day the instant falls in (UTC).
    pub fn day(self) -> Day {
        Day(self.0.div_euclid(SECONDS_PER_DAY) as i32)
    }

    /// Days (fractional) from `self` to `later`.
    pub fn days_until(self, later: Timestamp) -> f64 {
        (later.0 - self.0) as f64 / SECONDS_PER_DAY as f64
    }

    /// The instant `days` (fractional) later.
    pub fn plus_days(self, days: f64) -> Timestamp {
        Timestamp(self.0 + (days * SECONDS_PER_DAY as f64).round() as i64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_round_trip_through_the_civil_calendar() {
        for (y, m, d, n) in [
            (1970, 1, 1, 0),
            (2000, 2, 29, 11_016),
            (2024, 12, 31, 20_088),
            (1969, 12, 31, -1),
        ] {
            assert_eq!(Day::from_ymd(y, m, d), Day(n), "{y}-{m}-{d}");
            assert_eq!(Day(n).ymd(), (y, m, d));
        }
        for n in -800..800 {
            let (y, m, d) = Day(n * 37).ymd();
            assert_eq!(Day::from_ymd(y, m, d), Day(n * 37));
        }
    }

    #[test]
    fn months_know_their_days() {
        let may = Month::from_ym(2024, 5);
        assert_eq!(may.first_day(), Day::from_ymd(2024, 5, 1));
        assert_eq!(may.last_day(), Day::from_ymd(2024, 5, 31));
        assert_eq!(Month::of(Day::from_ymd(2024, 5, 17)), may);
        assert_eq!(Month::from_ym(2024, 1).plus(-1), Month::from_ym(2023, 12));
        assert_eq!(
            Month::from_ym(2024, 2).last_day(),
            Day::from_ymd(2024, 2, 29)
        );
        assert_eq!(
            Day::from_ymd(2024, 3, 5).start().day(),
            Day::from_ymd(2024, 3, 5)
        );
        assert_eq!(Timestamp(-1).day(), Day(-1));
    }
}
