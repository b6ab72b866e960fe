//! BG/NBD against Fader, Hardie & Lee (2005) on CDNOW, and against its own simulator.

use fidelis_analytics::{BgNbdParams, CustomerSummary, RepeatPurchaseModel, fit_bgnbd};

use crate::cdnow::{assert_close, assert_sig, summaries};

const PUBLISHED: BgNbdParams = BgNbdParams {
    r: 0.2426,
    alpha: 4.4135,
    a: 0.7929,
    b: 2.4258,
};

#[test]
fn cdnow_fit_reproduces_the_published_estimates() {
    let fit = fit_bgnbd(&summaries()).unwrap();
    let p = fit.params;
    assert_sig("r", p.r, 0.2426, 3);
    assert_sig("alpha", p.alpha, 4.4135, 3);
    assert_sig("a", p.a, 0.7929, 3);
    assert_sig("b", p.b, 2.4258, 3);
    assert_close("log-likelihood", fit.log_likelihood, -9582.43, 0.01);
    assert!(
        fit.diagnostics.converged && fit.diagnostics.warnings.is_empty(),
        "{:?}",
        fit.diagnostics
    );
    let se = fit.standard_errors.unwrap();
    assert!(
        se.r > 0.0 && se.r < 0.05 && se.b > 0.0 && se.b < 2.0,
        "{se:?}"
    );
}

#[test]
fn cdnow_customer_predictions() {
    let c = CustomerSummary::new(2, 30.43, 38.86);
    assert_close(
        "E[Y(39)]",
        PUBLISHED.conditional_expected_purchases(39.0, &c),
        1.226,
        5e-4,
    );
    assert_close("P(alive)", PUBLISHED.p_alive(&c), 0.7266, 5e-5);
    assert_eq!(PUBLISHED.p_alive(&CustomerSummary::new(0, 0.0, 38.86)), 1.0);
}

#[test]
fn cdnow_unconditional_expectations() {
    // (t, Hardie's spreadsheet figure, mpmath at 30 digits with the same parameters). The spreadsheet
    // approximates the integral and agrees to 3 decimals only (lifetimes checks it the same way).
    let cases = [
        (0.1429, 0.0078, 0.007816356),
        (1.0, 0.0532, 0.053186656),
        (3.0, 0.1506, 0.15063726),
        (31.8571, 1.0405, 1.040526),
        (32.0, 1.0437, 1.043769),
        (78.0, 1.8576, 1.8580218),
    ];
    for (t, sheet, exact) in cases {
        let got = PUBLISHED.expected_purchases(t);
        assert_close(&format!("E[X({t})] vs sheet"), got, sheet, 1e-3);
        assert_close(
            &format!("E[X({t})] vs mpmath"),
            got,
            exact,
            1e-7 * exact.max(1.0),
        );
    }
}

#[test]
fn cdnow_purchase_count_probabilities() {
    // BTYD's documentation (and lifetimes' test) evaluate these at the estimates rounded to 3 decimals.
    let rounded = BgNbdParams {
        r: 0.243,
        alpha: 4.414,
        a: 0.793,
        b: 2.426,
    };
    let p10 = rounded.prob_purchases(2.0, 10);
    assert!(
        (p10 / 1.07869e-7 - 1.0).abs() < 1e-4,
        "P(X(2)=10) = {p10:e}"
    );
    assert_close(
        "P(X(39)=0)",
        rounded.prob_purchases(39.0, 0),
        0.5737864,
        5e-8,
    );
    // The distribution sums to one and its mean is E[X(t)].
    let probs: Vec<f64> = (0..400)
        .map(|n| PUBLISHED.prob_purchases(39.0, n))
        .collect();
    assert_close("Σ P", probs.iter().sum(), 1.0, 1e-9);
    let mean: f64 = probs.iter().enumerate().map(|(n, p)| n as f64 * p).sum();
    assert_close("mean", mean, PUBLISHED.expected_purchases(39.0), 1e-6);
}
