//! Usage under the semi-attrition threshold (taux de semi-attrition, SFR's trigger): the last
//! months' usage against the customer's own baseline.

use crate::event::{Event, EventKind};
use chrono::{Datelike, NaiveDate};
use std::collections::BTreeMap;

/// One metric's monthly values for one customer.
#[derive(Debug, Clone, PartialEq)]
pub struct UsageSeries {
    pub customer_id: String,
    pub metric: String,
    /// (any day of the month, value); one value per month, later ones win.
    pub months: Vec<(NaiveDate, f64)>,
}

/// The semi-attrition test.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SemiAttrition {
    /// Months compared against the baseline: the last full months before `as_of`.
    pub recent_months: u32,
    /// Months of the baseline, just before the recent ones.
    pub baseline_months: u32,
    /// Flag when recent mean / baseline mean falls below this (0.5: usage halved).
    pub threshold: f64,
    /// Ignore customers whose baseline mean is below this (too little usage to judge).
    pub min_baseline: f64,
}

impl Default for SemiAttrition {
    fn default() -> SemiAttrition {
        SemiAttrition {
            recent_months: 2,
            baseline_months: 6,
            threshold: 0.5,
            min_baseline: 1.0,
        }
    }
}

/// Month index (year × 12 + month − 1).
fn month_index(d: NaiveDate) -> i32 {
    d.year() * 12 + d.month0() as i32
}

/// Customers whose usage fell below the threshold of their own baseline. The month of `as_of` is
/// incomplete and not used. Every recent month must be present (a month not loaded yet must not look
/// like a drop); a month missing from the baseline is skipped, and at least half of the baseline
/// must be present. One event per customer and metric, dated on the first day of `as_of`'s month,
/// with the ratio as value and the metric as detail.
pub fn usage_drops(series: &[UsageSeries], as_of: NaiveDate, test: &SemiAttrition) -> Vec<Event> {
    let current = month_index(as_of);
    let recent = (current - test.recent_months as i32)..current;
    let baseline = (recent.start - test.baseline_months as i32)..recent.start;
    let dated = as_of.with_day(1).unwrap_or(as_of);
    let mut events: Vec<Event> = series
        .iter()
        .filter_map(|s| {
            let by_month: BTreeMap<i32, f64> =
                s.months.iter().map(|&(d, v)| (month_index(d), v)).collect();
            let mean = |range: std::ops::Range<i32>| {
                let values: Vec<f64> = range.filter_map(|m| by_month.get(&m).copied()).collect();
                let n = values.len();
                (n > 0).then(|| (values.iter().sum::<f64>() / n as f64, n))
            };
            let (recent_mean, n_recent) = mean(recent.clone())?;
            let (base_mean, n_base) = mean(baseline.clone())?;
            let complete =
                n_recent as u32 == test.recent_months && 2 * n_base as u32 >= test.baseline_months;
            let ratio = recent_mean / base_mean;
            (complete
                && base_mean >= test.min_baseline
                && base_mean > 0.0
                && ratio < test.threshold)
                .then(|| {
                    Event::new(&s.customer_id, EventKind::UsageDrop, dated)
                        .with_value(ratio)
                        .with_detail(&s.metric)
                })
        })
        .collect();
    super::sort_events(&mut events);
    events
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series(values: &[(u32, f64)]) -> UsageSeries {
        UsageSeries {
            customer_id: "c1".into(),
            metric: "calls".into(),
            months: values
                .iter()
                .map(|&(m, v)| (NaiveDate::from_ymd_opt(2024, m, 15).unwrap(), v))
                .collect(),
        }
    }

    #[test]
    fn table() {
        // As of 2024-09-10: recent = July, August; baseline = January..June.
        let as_of = NaiveDate::from_ymd_opt(2024, 9, 10).unwrap();
        let steady: Vec<(u32, f64)> = (1..=6).map(|m| (m, 100.0)).collect();
        let with = |recent: &[(u32, f64)]| {
            let mut v = steady.clone();
            v.extend_from_slice(recent);
            v
        };
        let cases: Vec<(&str, Vec<(u32, f64)>, Option<f64>)> = vec![
            (
                "halved and more: flagged",
                with(&[(7, 40.0), (8, 40.0)]),
                Some(0.4),
            ),
            (
                "exactly half: not below",
                with(&[(7, 50.0), (8, 50.0)]),
                None,
            ),
            ("steady", with(&[(7, 95.0), (8, 110.0)]), None),
            (
                "the current month is ignored",
                with(&[(7, 100.0), (8, 100.0), (9, 0.0)]),
                None,
            ),
            (
                "a recent month missing: no judgement",
                with(&[(8, 0.0)]),
                None,
            ),
            (
                "a low user's own baseline",
                vec![(1, 4.0), (2, 4.0), (3, 4.0), (7, 1.0), (8, 1.0)],
                Some(0.25),
            ),
            (
                "too little baseline",
                vec![(5, 100.0), (6, 100.0), (7, 1.0), (8, 1.0)],
                None,
            ),
            (
                "baseline under the minimum",
                vec![(1, 0.5), (2, 0.5), (3, 0.5), (7, 0.0), (8, 0.0)],
                None,
            ),
        ];
        for (name, values, expected) in cases {
            let events = usage_drops(&[series(&values)], as_of, &SemiAttrition::default());
            assert_eq!(events.first().and_then(|e| e.value), expected, "{name}");
            if let Some(e) = events.first() {
                assert_eq!(e.date, NaiveDate::from_ymd_opt(2024, 9, 1).unwrap());
                assert_eq!(e.detail.as_deref(), Some("calls"));
            }
        }
    }
}
