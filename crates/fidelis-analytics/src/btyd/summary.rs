//! Transaction log → per-customer frequency / recency / T / monetary value summary.
//!
//! Purchases are aggregated per customer and calendar day first, exactly as lifetimes'
//! `summary_data_from_transaction_data` does with its default day period: several purchases on one day
//! count as one purchase whose value is their sum. Frequency is then the number of distinct purchase
//! days minus one, recency the time from the first to the last purchase day, T the time from the first
//! purchase day to the calibration end, and monetary value the mean value of the repeat purchase days
//! (the first day excluded).

use serde::{Deserialize, Serialize};

use crate::error::FitError;

/// What BTYD models know about one customer, measured in a chosen time unit.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CustomerSummary {
    /// x: number of repeat purchases (purchase days after the first).
    pub frequency: u32,
    /// t_x: time from the first to the last purchase; 0 when `frequency` is 0.
    pub recency: f64,
    /// T: time from the first purchase to the end of the calibration period.
    #[serde(rename = "T")]
    pub t: f64,
    /// Mean value of the repeat purchases, in the unit of the transaction amounts; 0 without repeats.
    pub monetary_value: f64,
}

impl CustomerSummary {
    /// A summary without monetary value (enough for BG/NBD and Pareto/NBD).
    pub fn new(frequency: u32, recency: f64, t: f64) -> Self {
        CustomerSummary {
            frequency,
            recency,
            t,
            monetary_value: 0.0,
        }
    }

    /// The same summary with a monetary value (needed by Gamma-Gamma).
    pub fn with_monetary_value(self, monetary_value: f64) -> Self {
        CustomerSummary {
            monetary_value,
            ..self
        }
    }
}

/// One purchase, already parsed: a dense customer index, a day number and an amount in minor units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transaction {
    /// Customer index in 0..n (map customer keys to dense indices before calling).
    pub customer: u32,
    /// Day number in any fixed epoch (e.g. days since 1970-01-01).
    pub day: i32,
    /// Amount in minor units (cents); refunds may be negative.
    pub amount: i64,
}

/// Unit in which recency and T are expressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeUnit {
    /// One day.
    Days,
    /// Seven days.
    Weeks,
    /// The mean Gregorian month, 365.2425 / 12 days.
    Months,
}

impl TimeUnit {
    /// Length of the unit in days.
    pub fn days(self) -> f64 {
        match self {
            TimeUnit::Days => 1.0,
            TimeUnit::Weeks => 7.0,
            TimeUnit::Months => 365.2425 / 12.0,
        }
    }
}

/// Summaries of every customer with at least one purchase on or before the calibration end.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TransactionSummary {
    /// Customer index of each summary, increasing.
    pub customers: Vec<u32>,
    /// One summary per entry of `customers`.
    pub summaries: Vec<CustomerSummary>,
}

/// Largest customer index accepted relative to the number of transactions: indices must be dense.
const MAX_SPARSITY: usize = 4;

/// Summarises a transaction log at day granularity up to `calibration_end` (inclusive).
///
/// Transactions after the calibration end are ignored, and customers whose first purchase is after it
/// are absent from the result. Runs in linear time without sorting the log: per-customer minimum,
/// maximum, count and totals in one pass; distinct purchase days are counted in a second pass that
/// buckets only the days of customers with three or more purchases. A log already ordered by customer
/// and day takes a single-pass path.
pub fn summarise_transactions(
    transactions: &[Transaction],
    calibration_end: i32,
    unit: TimeUnit,
) -> Result<TransactionSummary, FitError> {
    let limit = MAX_SPARSITY * transactions.len() + 1024;
    let mut n_customers = 0usize;
    let mut ordered = true;
    let mut previous = (0u32, i32::MIN);
    for (row, t) in transactions.iter().enumerate() {
        if t.day > calibration_end {
            continue;
        }
        let c = t.customer as usize;
        if c >= limit {
            return Err(FitError::InvalidRow {
                row,
                field: "customer",
                value: t.customer as f64,
                expected: "a dense customer index (below 4 × the number of transactions)",
            });
        }
        n_customers = n_customers.max(c + 1);
        ordered &= (t.customer, t.day) >= previous;
        previous = (t.customer, t.day);
    }
    let unit_days = unit.days();
    if ordered {
        return Ok(summarise_ordered(transactions, calibration_end, unit_days));
    }

    let mut count = vec![0u32; n_customers];
    let mut first = vec![i32::MAX; n_customers];
    let mut last = vec![i32::MIN; n_customers];
    let mut total = vec![0i64; n_customers];
    for t in transactions.iter().filter(|t| t.day <= calibration_end) {
        let c = t.customer as usize;
        count[c] += 1;
        first[c] = first[c].min(t.day);
        last[c] = last[c].max(t.day);
        total[c] += t.amount;
    }
    // Distinct days: one or two purchases need no bucketing; more are bucketed (counting sort).
    let mut offset = vec![0u32; n_customers + 1];
    for c in 0..n_customers {
        offset[c + 1] = offset[c] + if count[c] >= 3 { count[c] } else { 0 };
    }
    let mut fill = offset[..n_customers].to_vec();
    let mut days = vec![0i32; offset[n_customers] as usize];
    let mut first_day_amount = vec![0i64; n_customers];
    for t in transactions.iter().filter(|t| t.day <= calibration_end) {
        let c = t.customer as usize;
        if t.day == first[c] {
            first_day_amount[c] += t.amount;
        }
        if count[c] >= 3 {
            days[fill[c] as usize] = t.day;
            fill[c] += 1;
        }
    }
    let mut customers = Vec::new();
    let mut summaries = Vec::new();
    for c in 0..n_customers {
        let distinct = match count[c] {
            0 => continue,
            1 => 1,
            2 => 1 + u32::from(first[c] != last[c]),
            _ => {
                let slice = &mut days[offset[c] as usize..offset[c + 1] as usize];
                slice.sort_unstable();
                1 + slice.windows(2).filter(|w| w[0] != w[1]).count() as u32
            }
        };
        customers.push(c as u32);
        summaries.push(make_summary(
            distinct,
            first[c],
            last[c],
            total[c] - first_day_amount[c],
            calibration_end,
            unit_days,
        ));
    }
    Ok(TransactionSummary {
        customers,
        summaries,
    })
}

/// The single-pass path for a log sorted by (customer, day).
fn summarise_ordered(
    transactions: &[Transaction],
    calibration_end: i32,
    unit_days: f64,
) -> TransactionSummary {
    let mut customers = Vec::new();
    let mut summaries = Vec::new();
    let mut iter = transactions.iter().filter(|t| t.day <= calibration_end);
    let Some(head) = iter.next() else {
        return TransactionSummary {
            customers,
            summaries,
        };
    };
    // State of the customer being read.
    let (mut customer, mut first, mut last) = (head.customer, head.day, head.day);
    let (mut distinct, mut repeat_amount) = (1u32, 0i64);
    for t in iter {
        if t.customer != customer {
            customers.push(customer);
            summaries.push(make_summary(
                distinct,
                first,
                last,
                repeat_amount,
                calibration_end,
                unit_days,
            ));
            (customer, first, last) = (t.customer, t.day, t.day);
            (distinct, repeat_amount) = (1, 0);
            continue;
        }
        if t.day != last {
            distinct += 1;
            last = t.day;
        }
        if t.day != first {
            repeat_amount += t.amount;
        }
    }
    customers.push(customer);
    summaries.push(make_summary(
        distinct,
        first,
        last,
        repeat_amount,
        calibration_end,
        unit_days,
    ));
    TransactionSummary {
        customers,
        summaries,
    }
}

fn make_summary(
    distinct_days: u32,
    first: i32,
    last: i32,
    repeat_amount: i64,
    calibration_end: i32,
    unit_days: f64,
) -> CustomerSummary {
    let frequency = distinct_days - 1;
    CustomerSummary {
        frequency,
        recency: f64::from(last - first) / unit_days,
        t: f64::from(calibration_end - first) / unit_days,
        monetary_value: if frequency > 0 {
            repeat_amount as f64 / f64::from(frequency)
        } else {
            0.0
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tx(customer: u32, day: i32, amount: i64) -> Transaction {
        Transaction {
            customer,
            day,
            amount,
        }
    }

    #[test]
    fn same_day_purchases_merge_and_order_does_not_matter() {
        // Customer 0: days 0, 0, 3, 10 → two repeat days worth 7 and 9; the later purchase is ignored.
        // Customer 2: one purchase after the end only → absent. Customer 1: day 5 twice → no repeat.
        let log = vec![
            tx(0, 0, 5),
            tx(0, 0, 1),
            tx(0, 3, 7),
            tx(0, 10, 9),
            tx(0, 30, 100),
            tx(1, 5, 2),
            tx(1, 5, 2),
            tx(2, 40, 1),
        ];
        let want = TransactionSummary {
            customers: vec![0, 1],
            summaries: vec![
                CustomerSummary::new(2, 10.0 / 7.0, 14.0 / 7.0).with_monetary_value(8.0),
                CustomerSummary::new(0, 0.0, 9.0 / 7.0),
            ],
        };
        let sorted = summarise_transactions(&log, 14, TimeUnit::Weeks).unwrap();
        assert_eq!(sorted, want);
        let mut shuffled = log.clone();
        shuffled.reverse();
        shuffled.swap(1, 5);
        assert_eq!(
            summarise_transactions(&shuffled, 14, TimeUnit::Weeks).unwrap(),
            want
        );
    }

    #[test]
    fn sparse_customer_indices_are_rejected() {
        let err = summarise_transactions(&[tx(u32::MAX, 0, 1)], 0, TimeUnit::Days).unwrap_err();
        assert!(matches!(
            err,
            FitError::InvalidRow {
                row: 0,
                field: "customer",
                ..
            }
        ));
    }
}
