//! Times the BTYD fits on 1,000,000 simulated customers and the summary of 10,000,000 transactions.
//!
//! Run with `cargo run --release -p fidelis-analytics --example btyd_speed`. Customers are acquired
//! uniformly over 52 weeks and observed until week 78; times are kept at day granularity (weeks with
//! a 1/7 resolution), as a summary of a real log would be, which is what lets identical histories
//! share one likelihood term.

use std::time::Instant;

use fidelis_analytics::{
    BgNbdParams, CustomerSummary, GammaGammaParams, ParetoNbdParams, Rng, TimeUnit, Transaction,
    fit_bgnbd, fit_gamma_gamma, fit_pareto_nbd, simulate_bgnbd, simulate_pareto_nbd,
    simulate_spend, summarise_transactions,
};

const CUSTOMERS: usize = 1_000_000;
const TRANSACTIONS: usize = 10_000_000;

/// Ages T in weeks on a day grid: first purchase on day 0..364, calibration end on day 546.
fn ages(seed: u64) -> Vec<f64> {
    let mut rng = Rng::new(seed);
    (0..CUSTOMERS)
        .map(|_| (546 - rng.below(365) as i64) as f64 / 7.0)
        .collect()
}

/// Puts recency on the same day grid as T (the last purchase day, counted from the first).
fn to_days(customers: Vec<CustomerSummary>) -> Vec<CustomerSummary> {
    customers
        .into_iter()
        .map(|c| CustomerSummary {
            recency: (c.recency * 7.0).floor() / 7.0,
            ..c
        })
        .collect()
}

fn seconds(start: Instant) -> f64 {
    start.elapsed().as_secs_f64()
}

fn main() {
    let bgnbd = BgNbdParams {
        r: 0.2426,
        alpha: 4.4135,
        a: 0.7929,
        b: 2.4258,
    };
    let customers = to_days(simulate_bgnbd(&bgnbd, &ages(1), 2));
    let start = Instant::now();
    let fit = fit_bgnbd(&customers).expect("BG/NBD fit");
    println!(
        "BG/NBD      {CUSTOMERS} customers ({} distinct rows): {:.3} s, {} iterations; r = {:.4}, alpha = {:.4}, a = {:.4}, b = {:.4}",
        fit.diagnostics.distinct_rows,
        seconds(start),
        fit.diagnostics.iterations,
        fit.params.r,
        fit.params.alpha,
        fit.params.a,
        fit.params.b
    );

    let spend = GammaGammaParams {
        p: 6.2488,
        q: 3.7446,
        gamma: 15.4477,
    };
    let with_spend = simulate_spend(&spend, &customers, 3);
    let start = Instant::now();
    let fit = fit_gamma_gamma(&with_spend).expect("Gamma-Gamma fit");
    println!(
        "Gamma-Gamma {} repeat buyers: {:.3} s, {} iterations; p = {:.4}, q = {:.4}, gamma = {:.4}",
        fit.repeat_buyers,
        seconds(start),
        fit.diagnostics.iterations,
        fit.params.p,
        fit.params.q,
        fit.params.gamma
    );

    let pareto = ParetoNbdParams {
        r: 0.5533,
        alpha: 10.578,
        s: 0.6062,
        beta: 11.669,
    };
    let customers = to_days(simulate_pareto_nbd(&pareto, &ages(4), 5));
    let start = Instant::now();
    let fit = fit_pareto_nbd(&customers).expect("Pareto/NBD fit");
    println!(
        "Pareto/NBD  {CUSTOMERS} customers ({} distinct rows): {:.3} s, {} iterations, {} evaluations; r = {:.4}, alpha = {:.4}, s = {:.4}, beta = {:.4}",
        fit.diagnostics.distinct_rows,
        seconds(start),
        fit.diagnostics.iterations,
        fit.diagnostics.evaluations,
        fit.params.r,
        fit.params.alpha,
        fit.params.s,
        fit.params.beta
    );

    // A random log: 10M purchases by 1M customers over two years, in random order.
    let mut rng = Rng::new(6);
    let mut log: Vec<Transaction> = (0..TRANSACTIONS)
        .map(|_| Transaction {
            customer: rng.below(CUSTOMERS as u64) as u32,
            day: rng.below(730) as i32,
            amount: 500 + rng.below(20_000) as i64,
        })
        .collect();
    let start = Instant::now();
    let summary = summarise_transactions(&log, 546, TimeUnit::Weeks).expect("summary");
    println!(
        "Summary     {TRANSACTIONS} transactions, unordered → {} customers: {:.3} s",
        summary.summaries.len(),
        seconds(start)
    );
    log.sort_unstable_by_key(|t| (t.customer, t.day));
    let start = Instant::now();
    let summary = summarise_transactions(&log, 546, TimeUnit::Weeks).expect("summary");
    println!(
        "Summary     {TRANSACTIONS} transactions, ordered by customer and day → {} customers: {:.3} s",
        summary.summaries.len(),
        seconds(start)
    );
}
