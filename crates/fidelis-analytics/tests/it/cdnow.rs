//! Loading the CDNOW sample shipped in tests/data (Fader & Hardie's 2,357 customers, 39 weeks).

use fidelis_analytics::CustomerSummary;

const SUMMARY: &str = include_str!("../data/cdnow_customers_summary_with_transactions.csv");

/// (ID, summary with zbar as monetary value) rows of cdnow_customers_summary_with_transactions.csv.
pub fn customers() -> Vec<(u32, CustomerSummary)> {
    SUMMARY
        .lines()
        .skip(1)
        .map(|line| {
            let f: Vec<&str> = line.split(',').collect();
            let summary = CustomerSummary::new(
                f[1].parse().unwrap(),
                f[2].parse().unwrap(),
                f[3].parse().unwrap(),
            )
            .with_monetary_value(f[4].parse().unwrap());
            (f[0].parse().unwrap(), summary)
        })
        .collect()
}

/// The summaries alone.
pub fn summaries() -> Vec<CustomerSummary> {
    customers().into_iter().map(|(_, s)| s).collect()
}

/// Asserts |got − want| ≤ tol with a message naming the quantity.
pub fn assert_close(what: &str, got: f64, want: f64, tol: f64) {
    assert!(
        (got - want).abs() <= tol,
        "{what}: got {got}, want {want} ± {tol}"
    );
}

/// Asserts agreement to `digits` significant digits.
pub fn assert_sig(what: &str, got: f64, want: f64, digits: i32) {
    let tol = 0.5 * 10f64.powi(want.abs().log10().floor() as i32 - digits + 1);
    assert_close(what, got, want, tol);
}
