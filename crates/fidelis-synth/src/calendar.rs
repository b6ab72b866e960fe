//! Day and month arithmetic on plain integers, so the simulation never allocates or fails on dates.
//!
//! A `Day` counts days since 1970-01-01 and a `Ts` seconds since 1970-01-01T00:00:00Z (UTC). The
//! conversions are Howard Hinnant's `days_from_civil` / `civil_from_days`, exact for any proleptic
//! Gregorian date; chrono is only used at the API edge.

use chrono::{Datelike, NaiveDate};

/// Days since 1970-01-01.
pub(crate) type Day = i32;
/// Seconds since 1970-01-01T00:00:00Z.
pub(crate) type Ts = i64;

pub(crate) const SECONDS_PER_DAY: i64 = 86_400;

/// Days since 1970-01-01 of a civil date (month 1..=12, day 1..=31).
pub(crate) fn days_from_civil(year: i32, month: u32, day: u32) -> Day {
    let y = if month <= 2 { year - 1 } else { year };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = month as i32;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + day as i32 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date (year, month 1..=12, day 1..=31) of a day number.
pub(crate) fn civil_from_days(z: Day) -> (i32, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i32::from(month <= 2);
    (year, month, day)
}

/// A month as one integer, `year * 12 + month - 1`, so months add and subtract like numbers.
pub(crate) type MonthIndex = i32;

pub(crate) fn month_index_of(day: Day) -> MonthIndex {
    let (y, m, _) = civil_from_days(day);
    y * 12 + m as i32 - 1
}

/// First day of a month index.
pub(crate) fn month_start(month: MonthIndex) -> Day {
    days_from_civil(month.div_euclid(12), month.rem_euclid(12) as u32 + 1, 1)
}

/// Calendar month 1..=12 of a month index.
pub(crate) fn calendar_month(month: MonthIndex) -> u32 {
    month.rem_euclid(12) as u32 + 1
}

/// The same day of the month `n` months later (or earlier), clamped to the month's length.
pub(crate) fn add_months(day: Day, n: i32) -> Day {
    let (y, m, d) = civil_from_days(day);
    let target = y * 12 + m as i32 - 1 + n;
    let first = month_start(target);
    let len = month_start(target + 1) - first;
    first + (d as i32).min(len) - 1
}

/// Whole years between a birth date and a day (the age on that day).
pub(crate) fn age_on(birth: Day, day: Day) -> i32 {
    let (by, bm, bd) = civil_from_days(birth);
    let (y, m, d) = civil_from_days(day);
    y - by - i32::from((m, d) < (bm, bd))
}

pub(crate) fn day_from_naive(date: NaiveDate) -> Day {
    days_from_civil(date.year(), date.month(), date.day())
}

/// `YYYY-MM-DD` as a String, for the few places that are not on the hot path (summary, ground truth).
pub(crate) fn format_day(day: Day) -> String {
    let (y, m, d) = civil_from_days(day);
    format!("{y:04}-{m:02}-{d:02}")
}

/// The simulated period: `months` calendar months, the last one ending on `end` (inclusive).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Window {
    /// Month index of the first simulated month.
    pub start_month: MonthIndex,
    pub months: u32,
    /// First day of the first month.
    pub start: Day,
    /// Last simulated day, inclusive.
    pub end: Day,
}

impl Window {
    pub(crate) fn new(end: Day, months: u32) -> Self {
        let end_month = month_index_of(end);
        let start_month = end_month - months as i32 + 1;
        Window {
            start_month,
            months,
            start: month_start(start_month),
            end,
        }
    }

    /// First day and exclusive last day of window month `m` (0-based); the last month stops after `end`.
    pub(crate) fn month_bounds(&self, m: i32) -> (Day, Day) {
        let from = month_start(self.start_month + m);
        let to = month_start(self.start_month + m + 1).min(self.end + 1);
        (from, to)
    }

    /// Month index (relative to the window, may be negative) that contains `day`.
    pub(crate) fn relative_month(&self, day: Day) -> i32 {
        month_index_of(day) - self.start_month
    }

    pub(crate) fn end_ts(&self) -> Ts {
        (self.end as i64 + 1) * SECONDS_PER_DAY - 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_round_trip() {
        for (y, m, d, z) in [
            (1970, 1, 1, 0),
            (2000, 3, 1, 11_017),
            (1969, 12, 31, -1),
            (2026, 10, 31, 20_757),
            (1904, 2, 29, -24_048),
        ] {
            assert_eq!(days_from_civil(y, m, d), z, "{y}-{m}-{d}");
            assert_eq!(civil_from_days(z), (y, m, d));
        }
    }

    #[test]
    fn months_add_and_clamp() {
        let jan31 = days_from_civil(2024, 1, 31);
        assert_eq!(civil_from_days(add_months(jan31, 1)), (2024, 2, 29));
        assert_eq!(civil_from_days(add_months(jan31, -2)), (2023, 11, 30));
        assert_eq!(civil_from_days(add_months(jan31, 24)), (2026, 1, 31));
    }

    #[test]
    fn window_bounds() {
        let w = Window::new(days_from_civil(2026, 10, 15), 3);
        assert_eq!(civil_from_days(w.start), (2026, 8, 1));
        let (a, b) = w.month_bounds(2);
        assert_eq!(civil_from_days(a), (2026, 10, 1));
        assert_eq!(civil_from_days(b), (2026, 10, 16));
        assert_eq!(age_on(days_from_civil(1990, 10, 16), w.end), 35);
        assert_eq!(age_on(days_from_civil(1990, 10, 15), w.end), 36);
    }
}
