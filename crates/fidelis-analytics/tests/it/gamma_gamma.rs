//! Gamma-Gamma against Fader & Hardie's note 025 on the CDNOW repeat buyers.

use fidelis_analytics::{GammaGammaParams, fit_gamma_gamma};

use crate::cdnow::{assert_close, assert_sig, summaries};

#[test]
fn cdnow_fit_reproduces_the_published_estimates() {
    let fit = fit_gamma_gamma(&summaries()).unwrap();
    assert_eq!(fit.repeat_buyers, 946);
    assert_sig("p", fit.params.p, 6.2488, 3);
    assert_sig("q", fit.params.q, 3.7446, 3);
    assert_sig("gamma", fit.params.gamma, 15.4477, 3);
    assert_close("log-likelihood", fit.log_likelihood, -4055.92, 0.01);
    assert!(fit.diagnostics.converged && fit.diagnostics.warnings.is_empty());
    assert!(fit.standard_errors.is_some());
}

#[test]
fn cdnow_conditional_expected_spend_of_the_first_ten_customers() {
    let params = GammaGammaParams {
        p: 6.25,
        q: 3.74,
        gamma: 15.44,
    };
    let want = [
        24.65, 18.91, 35.17, 35.17, 35.17, 71.46, 18.91, 35.17, 27.28, 35.17,
    ];
    for (i, (c, w)) in summaries().iter().zip(want).enumerate() {
        assert_close(
            &format!("E[M] of customer {}", i + 1),
            params.conditional_expected_average_spend(c),
            w,
            0.1,
        );
    }
}
