//! Estimated next purchase or renewal from the customer's own buying cycle (Mercedes calls a few
//! months before the estimated renewal date).

use super::{plus_days, sort_events};
use crate::event::{Event, EventKind};
use chrono::NaiveDate;

/// A customer's purchase (or renewal) dates, in any order.
#[derive(Debug, Clone, PartialEq)]
pub struct PurchaseHistory {
    pub customer_id: String,
    pub dates: Vec<NaiveDate>,
}

/// When to announce an estimated renewal.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CycleConfig {
    /// Purchases needed to estimate a cycle (two give one interval).
    pub min_purchases: usize,
    /// Report from this many days before the estimated date.
    pub lead_days: u32,
    /// Keep reporting this many days after it, while the purchase has not come.
    pub grace_days: u32,
}

impl Default for CycleConfig {
    fn default() -> CycleConfig {
        CycleConfig {
            min_purchases: 3,
            lead_days: 60,
            grace_days: 30,
        }
    }
}

/// The next purchase date estimated as the last purchase plus the median interval between purchases
/// (the median resists one unusually long gap), with that interval in days. Purchases on the same day
/// count once. `None` with fewer than two distinct dates.
pub fn estimated_next_purchase(dates: &[NaiveDate]) -> Option<(NaiveDate, i64)> {
    let mut dates = dates.to_vec();
    dates.sort_unstable();
    dates.dedup();
    let mut gaps: Vec<i64> = dates.windows(2).map(|w| (w[1] - w[0]).num_days()).collect();
    if gaps.is_empty() {
        return None;
    }
    gaps.sort_unstable();
    let n = gaps.len();
    let median = if n % 2 == 1 {
        gaps[n / 2]
    } else {
        (gaps[n / 2 - 1] + gaps[n / 2]) / 2
    };
    Some((plus_days(*dates.last()?, median), median))
}

/// Customers whose estimated next purchase falls in `[as_of − grace, as_of + lead]`: one event dated
/// at the estimate, with the days until it as value (negative when overdue) and the cycle as detail.
pub fn renewals_due(
    histories: &[PurchaseHistory],
    as_of: NaiveDate,
    config: &CycleConfig,
) -> Vec<Event> {
    let from = plus_days(as_of, -i64::from(config.grace_days));
    let to = plus_days(as_of, i64::from(config.lead_days));
    let mut events: Vec<Event> = histories
        .iter()
        .filter_map(|h| {
            let mut distinct = h.dates.clone();
            distinct.sort_unstable();
            distinct.dedup();
            // Only purchases up to as_of are known as of that date.
            distinct.retain(|&d| d <= as_of);
            if distinct.len() < config.min_purchases.max(2) {
                return None;
            }
            let (next, cycle) = estimated_next_purchase(&distinct)?;
            (from <= next && next <= to).then(|| {
                Event::new(&h.customer_id, EventKind::RenewalDue, next)
                    .with_value((next - as_of).num_days() as f64)
                    .with_detail(format!("every {cycle} days"))
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
    fn estimate_uses_the_median_gap() {
        let cases: &[(&[&str], Option<(&str, i64)>)] = &[
            (
                &["2022-01-01", "2023-01-01", "2024-01-01"],
                Some(("2024-12-31", 365)),
            ),
            (
                &["2024-01-01", "2024-02-01", "2024-03-01", "2024-09-01"],
                Some(("2024-10-02", 31)),
            ),
            (
                &["2024-03-01", "2024-01-01", "2024-01-01", "2024-02-01"],
                Some(("2024-03-31", 30)),
            ),
            (&["2024-01-01"], None),
            (&[], None),
        ];
        for (dates, expected) in cases {
            let dates: Vec<NaiveDate> = dates.iter().map(|s| day(s)).collect();
            assert_eq!(
                estimated_next_purchase(&dates),
                expected.map(|(d, g)| (day(d), g)),
                "{dates:?}"
            );
        }
    }

    #[test]
    fn table() {
        // A car every three years: 2016-06-01, 2019-06-01, 2022-06-01 → next about 2025-05-31.
        let cars = ["2016-06-01", "2019-06-01", "2022-06-01"];
        let cases: &[(&str, &str, &[&str], Option<f64>)] = &[
            ("two months before", "2025-04-01", &cars, Some(60.0)),
            ("too early", "2025-03-31", &cars, None),
            ("overdue, within grace", "2025-06-30", &cars, Some(-30.0)),
            ("past grace", "2025-07-01", &cars, None),
            ("two purchases are too few", "2025-04-01", &cars[1..], None),
            (
                "later purchases are unknown as of the date",
                "2019-05-01",
                &["2013-06-01", "2016-06-01", "2019-06-01", "2022-06-01"],
                None,
            ),
        ];
        for &(name, as_of, dates, expected) in cases {
            let h = PurchaseHistory {
                customer_id: "c1".into(),
                dates: dates.iter().map(|s| day(s)).collect(),
            };
            let events = renewals_due(&[h], day(as_of), &CycleConfig::default());
            assert_eq!(events.first().and_then(|e| e.value), expected, "{name}");
        }
    }
}
