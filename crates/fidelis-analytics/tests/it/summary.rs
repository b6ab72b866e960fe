//! The transaction-log summary against the CDNOW summary files.

use fidelis_analytics::{TimeUnit, Transaction, summarise_transactions};

use crate::cdnow::customers;

const LOG: &str = include_str!("../data/CDNOW_sample.txt");

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn day_number(y: i32, m: u32, d: u32) -> i32 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m as i32 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i32 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn transactions() -> Vec<Transaction> {
    LOG.lines()
        .map(|line| {
            let f: Vec<&str> = line.split_whitespace().collect();
            let date: i32 = f[2].parse().unwrap();
            let dollars: f64 = f[4].parse().unwrap();
            Transaction {
                customer: f[1].parse::<u32>().unwrap() - 1,
                day: day_number(
                    date / 10_000,
                    (date / 100 % 100) as u32,
                    (date % 100) as u32,
                ),
                amount: (dollars * 100.0).round() as i64,
            }
        })
        .collect()
}

#[test]
fn cdnow_log_reproduces_the_published_summary() {
    let end = day_number(1997, 9, 30);
    assert_eq!(end - day_number(1997, 1, 1), 272);
    let mut log = transactions();
    for pass in 0..2 {
        let got = summarise_transactions(&log, end, TimeUnit::Weeks).unwrap();
        let want = customers();
        assert_eq!(got.customers.len(), want.len(), "pass {pass}");
        for ((index, s), (id, w)) in got.customers.iter().zip(&got.summaries).zip(&want) {
            assert_eq!(index + 1, *id);
            assert_eq!(s.frequency, w.frequency, "customer {id}");
            let round2 = |v: f64| (v * 100.0).round() / 100.0;
            assert_eq!(round2(s.recency), w.recency, "customer {id} recency");
            assert_eq!(round2(s.t), w.t, "customer {id} T");
            // zbar is in dollars, the summary in cents.
            assert!(
                (s.monetary_value / 100.0 - w.monetary_value).abs() <= 0.005 + 1e-9,
                "customer {id} zbar"
            );
        }
        // Second pass: the same log shuffled deterministically, to exercise the unsorted path.
        let n = log.len();
        for i in 0..n {
            log.swap(i, (i * 7919 + 13) % n);
        }
    }
}
