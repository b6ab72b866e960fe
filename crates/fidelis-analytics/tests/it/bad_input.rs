//! Bad input: every case gives a typed error naming the problem, or a fit with a boundary warning —
//! never NaN parameters, never a panic.

use fidelis_analytics::{
    CustomerSummary, FitError, FitWarning, TimeUnit, Transaction, fit_bgnbd, fit_gamma_gamma,
    fit_pareto_nbd, fit_sbg, summarise_transactions,
};

/// What a case must produce.
#[derive(Debug)]
enum Expect {
    /// `FitError::InvalidRow` at this row and field.
    Invalid(usize, &'static str),
    Empty,
    Degenerate,
    /// A fit whose warnings include a boundary estimate, with finite parameters.
    Boundary,
}

fn c(x: u32, t_x: f64, t: f64) -> CustomerSummary {
    CustomerSummary::new(x, t_x, t)
}

/// Two valid customers followed by `bad`, so errors must name row 2.
fn with(bad: CustomerSummary) -> Vec<CustomerSummary> {
    vec![
        c(2, 5.0, 10.0).with_monetary_value(20.0),
        c(0, 0.0, 8.0),
        bad,
    ]
}

fn check_error(case: &str, got: Result<(Vec<f64>, Vec<FitWarning>), FitError>, want: &Expect) {
    match (&got, want) {
        (
            Err(FitError::InvalidRow {
                row,
                field,
                value: _,
                expected,
            }),
            Expect::Invalid(r, f),
        ) => {
            assert_eq!((row, field), (r, f), "{case}");
            assert!(!expected.is_empty());
            let message = got.as_ref().unwrap_err().to_string();
            assert!(
                message.contains(&format!("row {r}")) && message.contains(f),
                "{case}: {message}"
            );
        }
        (Err(FitError::Empty { .. }), Expect::Empty)
        | (Err(FitError::Degenerate { .. }), Expect::Degenerate) => {}
        (Ok((params, warnings)), Expect::Boundary) => {
            assert!(
                params.iter().all(|p| p.is_finite() && *p > 0.0),
                "{case}: {params:?}"
            );
            assert!(
                warnings
                    .iter()
                    .any(|w| matches!(w, FitWarning::BoundaryEstimate { .. })),
                "{case}: {warnings:?}"
            );
        }
        _ => panic!("{case}: expected {want:?}, got {got:?}"),
    }
}

fn btyd_cases() -> Vec<(&'static str, Vec<CustomerSummary>, Expect)> {
    let nobody_drops: Vec<CustomerSummary> = (0..200)
        .map(|i| c(1 + i % 5, 10.0 + f64::from(i % 7), 10.0 + f64::from(i % 7)))
        .collect();
    vec![
        ("empty", vec![], Expect::Empty),
        (
            "recency > T",
            with(c(1, 11.0, 10.0)),
            Expect::Invalid(2, "recency"),
        ),
        (
            "negative recency",
            with(c(1, -1.0, 10.0)),
            Expect::Invalid(2, "recency"),
        ),
        ("negative T", with(c(0, 0.0, -3.0)), Expect::Invalid(2, "T")),
        ("NaN T", with(c(1, 1.0, f64::NAN)), Expect::Invalid(2, "T")),
        (
            "infinite recency",
            with(c(1, f64::INFINITY, f64::INFINITY)),
            Expect::Invalid(2, "T"),
        ),
        (
            "infinite recency, finite T",
            with(c(1, f64::INFINITY, 10.0)),
            Expect::Invalid(2, "recency"),
        ),
        (
            "frequency 0 with recency > 0",
            with(c(0, 3.0, 10.0)),
            Expect::Invalid(2, "recency"),
        ),
        (
            "nobody repeats",
            vec![c(0, 0.0, 10.0), c(0, 0.0, 20.0)],
            Expect::Degenerate,
        ),
        (
            "everyone identical",
            vec![c(3, 7.0, 10.0); 50],
            Expect::Degenerate,
        ),
        ("nobody drops out", nobody_drops, Expect::Boundary),
    ]
}

#[test]
fn bgnbd_rejects_bad_summaries() {
    for (case, input, want) in btyd_cases() {
        let got = fit_bgnbd(&input).map(|f| {
            (
                vec![f.params.r, f.params.alpha, f.params.a, f.params.b],
                f.diagnostics.warnings,
            )
        });
        check_error(case, got, &want);
    }
}

#[test]
fn pareto_nbd_rejects_bad_summaries() {
    for (case, input, want) in btyd_cases() {
        let got = fit_pareto_nbd(&input).map(|f| {
            (
                vec![f.params.r, f.params.alpha, f.params.s, f.params.beta],
                f.diagnostics.warnings,
            )
        });
        check_error(case, got, &want);
    }
}

#[test]
fn gamma_gamma_rejects_bad_spend() {
    let m = |x: u32, v: f64| c(x, 1.0, 10.0).with_monetary_value(v);
    let cases = vec![
        ("empty", vec![], Expect::Empty),
        ("no repeat buyer", vec![c(0, 0.0, 10.0)], Expect::Empty),
        (
            "zero spend",
            with(m(1, 0.0)),
            Expect::Invalid(2, "monetary_value"),
        ),
        (
            "negative spend",
            with(m(2, -5.0)),
            Expect::Invalid(2, "monetary_value"),
        ),
        (
            "NaN spend",
            with(m(2, f64::NAN)),
            Expect::Invalid(2, "monetary_value"),
        ),
        (
            "infinite spend without repeats",
            with(c(0, 0.0, 1.0).with_monetary_value(f64::INFINITY)),
            Expect::Invalid(2, "monetary_value"),
        ),
        (
            "recency > T",
            with(c(1, 11.0, 10.0).with_monetary_value(5.0)),
            Expect::Invalid(2, "recency"),
        ),
        (
            "same spend for all",
            vec![m(1, 10.0), m(3, 10.0), m(2, 10.0)],
            Expect::Degenerate,
        ),
        (
            "no spend heterogeneity",
            (0..200)
                .map(|i| m(1 + i % 3, 10.0 + f64::from(i % 3)))
                .collect(),
            Expect::Boundary,
        ),
    ];
    for (case, input, want) in cases {
        let got = fit_gamma_gamma(&input).map(|f| {
            (
                vec![f.params.p, f.params.q, f.params.gamma],
                f.diagnostics.warnings,
            )
        });
        check_error(case, got, &want);
    }
}

#[test]
fn sbg_rejects_bad_cohorts() {
    let cases: Vec<(&str, Vec<u64>, Expect)> = vec![
        ("empty", vec![], Expect::Empty),
        ("no later period", vec![100], Expect::Empty),
        ("empty cohort", vec![0, 0], Expect::Invalid(0, "survivors")),
        (
            "survivors increase",
            vec![100, 80, 90],
            Expect::Invalid(2, "survivors"),
        ),
        ("nobody churns", vec![100, 100, 100], Expect::Degenerate),
        (
            "everybody churns at once",
            vec![100, 0, 0],
            Expect::Degenerate,
        ),
        (
            "homogeneous churn",
            vec![1000, 500, 250, 125, 62, 31],
            Expect::Boundary,
        ),
    ];
    for (case, input, want) in cases {
        let got =
            fit_sbg(&input).map(|f| (vec![f.params.alpha, f.params.beta], f.diagnostics.warnings));
        check_error(case, got, &want);
    }
}

#[test]
fn summary_rejects_sparse_customer_indices() {
    let log = [
        Transaction {
            customer: 0,
            day: 0,
            amount: 100,
        },
        Transaction {
            customer: 4_000_000,
            day: 1,
            amount: 100,
        },
    ];
    let got = summarise_transactions(&log, 10, TimeUnit::Days).map(|_| (vec![], vec![]));
    check_error(
        "sparse customer index",
        got,
        &Expect::Invalid(1, "customer"),
    );
    // Nothing on or before the calibration end: an empty summary, not an error.
    assert!(
        summarise_transactions(&log, -1, TimeUnit::Days)
            .unwrap()
            .summaries
            .is_empty()
    );
}
