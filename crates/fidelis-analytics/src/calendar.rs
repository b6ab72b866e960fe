//! Calendar arithmetic on day numbers (days since 1970-01-01): months, monthly anniversaries, tenure.
//!
//! The analytics take dates as plain day numbers so that they need no date library and never touch
//! the clock; these few functions are the proleptic Gregorian calendar they need (H. Hinnant's
//! civil-from-days algorithms).

use std::fmt;

use serde::{Serialize, Serializer};

/// A calendar month, counted as `year × 12 + (month − 1)`: consecutive months are consecutive numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month(pub i32);

impl Month {
    /// The month holding day number `day`.
    pub fn of_day(day: i32) -> Month {
        let (y, m, _) = civil_from_days(day);
        Month(y * 12 + (m as i32 - 1))
    }

    /// Calendar year.
    pub fn year(self) -> i32 {
        self.0.div_euclid(12)
    }

    /// Month of the year, 1 … 12.
    pub fn month(self) -> u32 {
        self.0.rem_euclid(12) as u32 + 1
    }

    /// Day number of the month's first day.
    pub fn first_day(self) -> i32 {
        days_from_civil(self.year(), self.month(), 1)
    }
}

/// `2024-05`.
impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year(), self.month())
    }
}

impl Serialize for Month {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// Day number of a proleptic Gregorian date (`month` 1 … 12, `day` 1 … 31).
pub fn days_from_civil(year: i32, month: u32, day: u32) -> i32 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = month as i32;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + day as i32 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// (year, month 1 … 12, day 1 … 31) of a day number.
pub fn civil_from_days(day: i32) -> (i32, u32, u32) {
    let z = day + 719_468;
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

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// The same day of the month `months` later, clamped to the month's last day (Jan 31 + 1 → Feb 28/29).
pub fn add_months(day: i32, months: i32) -> i32 {
    let (y, m, d) = civil_from_days(day);
    let index = y * 12 + (m as i32 - 1) + months;
    let (year, month) = (index.div_euclid(12), index.rem_euclid(12) as u32 + 1);
    days_from_civil(year, month, d.min(days_in_month(year, month)))
}

/// Number of whole months from `from` to `to` (0 when `to` < one month after `from`, and when `to`
/// is before `from`): the largest k with `add_months(from, k) ≤ to`.
pub fn complete_months(from: i32, to: i32) -> u32 {
    if to <= from {
        return 0;
    }
    let (fy, fm, _) = civil_from_days(from);
    let (ty, tm, _) = civil_from_days(to);
    let mut k = (ty * 12 + tm as i32) - (fy * 12 + fm as i32);
    while k > 0 && add_months(from, k) > to {
        k -= 1;
    }
    k.max(0) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_round_trip_and_known_days() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(days_from_civil(1969, 12, 31), -1);
        for day in -800_000..800_000 {
            if day % 997 == 0 {
                let (y, m, d) = civil_from_days(day);
                assert_eq!(days_from_civil(y, m, d), day);
            }
        }
    }

    #[test]
    fn months_and_anniversaries() {
        let d = |y, m, dd| days_from_civil(y, m, dd);
        assert_eq!(Month::of_day(d(2024, 5, 31)).to_string(), "2024-05");
        assert_eq!(Month::of_day(d(2024, 5, 31)).first_day(), d(2024, 5, 1));
        assert_eq!(add_months(d(2024, 1, 31), 1), d(2024, 2, 29));
        assert_eq!(add_months(d(2023, 12, 15), 2), d(2024, 2, 15));
        assert_eq!(add_months(d(2024, 3, 15), -3), d(2023, 12, 15));
        assert_eq!(complete_months(d(2024, 1, 31), d(2024, 2, 28)), 0);
        assert_eq!(complete_months(d(2024, 1, 31), d(2024, 2, 29)), 1);
        assert_eq!(complete_months(d(2024, 1, 15), d(2025, 1, 14)), 11);
        assert_eq!(complete_months(d(2024, 1, 15), d(2025, 1, 15)), 12);
        assert_eq!(complete_months(d(2024, 1, 15), d(2023, 1, 15)), 0);
    }
}
