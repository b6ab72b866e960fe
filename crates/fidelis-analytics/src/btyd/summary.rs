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
/// are absent from the result. Runs in linear time without a comparison sort of the log: a two-level
/// radix partition by customer index groups each customer's purchases (only a customer's own few
/// purchases are ever sorted by day). A log already ordered by customer and day takes a single pass.
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

    Ok(summarise_unordered(
        transactions,
        calibration_end,
        unit_days,
        n_customers,
    ))
}

/// Customers per second-level bucket (at least): 2¹² customers' purchases fit in the L2 cache.
const BUCKET_BITS: u32 = 12;

/// The general path: a two-level radix partition by customer (most significant bits first).
///
/// The first pass scatters the log into at most 2¹² buckets of consecutive customer indices
/// (sequential reads and few write streams, so it runs at memory speed); each bucket is then small enough to be
/// grouped by customer with a counting sort inside the cache, and every customer's purchases end up
/// contiguous, ready for the same per-customer sweep as an ordered log.
fn summarise_unordered(
    transactions: &[Transaction],
    calibration_end: i32,
    unit_days: f64,
    n_customers: usize,
) -> TransactionSummary {
    let bits = usize::BITS - n_customers.saturating_sub(1).leading_zeros();
    let shift = bits.saturating_sub(BUCKET_BITS).max(BUCKET_BITS.min(bits));
    let buckets = (n_customers.max(1) - 1) / (1usize << shift) + 1;
    let mut start = vec![0usize; buckets + 1];
    for t in transactions.iter().filter(|t| t.day <= calibration_end) {
        start[(t.customer as usize >> shift) + 1] += 1;
    }
    for b in 0..buckets {
        start[b + 1] += start[b];
    }
    let mut fill = start[..buckets].to_vec();
    let mut partitioned = vec![
        Transaction {
            customer: 0,
            day: 0,
            amount: 0
        };
        start[buckets]
    ];
    for t in transactions.iter().filter(|t| t.day <= calibration_end) {
        let b = t.customer as usize >> shift;
        partitioned[fill[b]] = *t;
        fill[b] += 1;
    }
    let mut customers = Vec::new();
    let mut summaries = Vec::new();
    let mut grouped: Vec<Transaction> = Vec::new();
    let mut offsets: Vec<usize> = Vec::new();
    for b in 0..buckets {
        let bucket = &partitioned[start[b]..start[b + 1]];
        let base = (b << shift) as u32;
        let width = (1usize << shift).min(n_customers - (b << shift));
        // Counting sort of the bucket by customer.
        offsets.clear();
        offsets.resize(width + 1, 0);
        for t in bucket {
            offsets[(t.customer - base) as usize + 1] += 1;
        }
        for c in 0..width {
            offsets[c + 1] += offsets[c];
        }
        grouped.clear();
        grouped.resize(
            bucket.len(),
            bucket.first().copied().unwrap_or(Transaction {
                customer: 0,
                day: 0,
                amount: 0,
            }),
        );
        let mut next = offsets[..width].to_vec();
        for t in bucket {
            let c = (t.customer - base) as usize;
            grouped[next[c]] = *t;
            next[c] += 1;
        }
        for c in 0..width {
            let purchases = &mut grouped[offsets[c]..offsets[c + 1]];
            if purchases.is_empty() {
                continue;
            }
            if !purchases.is_sorted_by_key(|t| t.day) {
                purchases.sort_unstable_by_key(|t| t.day);
            }
            customers.push(base + c as u32);
            summaries.push(summarise_customer(purchases, calibration_end, unit_days));
        }
    }
    TransactionSummary {
        customers,
        summaries,
    }
}

/// One customer's purchases, sorted by day.
fn summarise_customer(
    purchases: &[Transaction],
    calibration_end: i32,
    unit_days: f64,
) -> CustomerSummary {
    let first = purchases[0].day;
    let mut last = first;
    let mut distinct = 1u32;
    let mut repeat_amount = 0i64;
    for t in &purchases[1..] {
        if t.day != last {
            distinct += 1;
            last = t.day;
        }
        if t.day != first {
            repeat_amount += t.amount;
        }
    }
    make_summary(
        distinct,
        first,
        last,
        repeat_amount,
        calibration_end,
        unit_days,
    )
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
