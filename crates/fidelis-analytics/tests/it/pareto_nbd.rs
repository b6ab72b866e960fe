//! Pareto/NBD against Fader & Hardie's note 008 and BTYD on CDNOW.

use fidelis_analytics::{CustomerSummary, ParetoNbdParams, RepeatPurchaseModel, fit_pareto_nbd};

use crate::cdnow::{assert_close, assert_sig, summaries};

#[test]
fn cdnow_fit_reproduces_the_published_estimates() {
    let fit = fit_pareto_nbd(&summaries()).unwrap();
    let p = fit.params;
    assert_sig("r", p.r, 0.5533, 3);
    assert_sig("alpha", p.alpha, 10.578, 3);
    assert_sig("s", p.s, 0.6062, 3);
    // The likelihood is flat along β: published optimisers agree to about 1e−3 relative.
    assert!((p.beta / 11.669 - 1.0).abs() < 2e-3, "beta = {}", p.beta);
    assert_close("log-likelihood", fit.log_likelihood, -9594.97, 0.01);
    assert!(
        fit.diagnostics.converged && fit.diagnostics.warnings.is_empty(),
        "{:?}",
        fit.diagnostics
    );
    assert!(fit.standard_errors.is_some());

    // Hardie's spreadsheet: E[Y(52) | x = 26, t_x = 30.86, T = 31] = 25.46 at the fitted parameters.
    let c = CustomerSummary::new(26, 30.86, 31.0);
    assert_close(
        "E[Y(52)]",
        p.conditional_expected_purchases(52.0, &c),
        25.46,
        0.01,
    );
}

#[test]
fn cdnow_probability_alive() {
    let p = ParetoNbdParams {
        r: 0.5534,
        alpha: 10.5802,
        s: 0.6061,
        beta: 11.6562,
    };
    let c = CustomerSummary::new(26, 30.86, 31.0);
    assert_close("P(alive)", p.p_alive(&c), 0.9979, 5e-5);
    // A customer silent for 31 weeks is less likely alive than one who just bought, but not dead.
    let silent = p.p_alive(&CustomerSummary::new(0, 0.0, 31.0));
    assert!(silent > 0.1 && silent < 0.9, "{silent}");
}

#[test]
fn probabilities_sum_to_one_with_the_expected_mean() {
    let p = ParetoNbdParams {
        r: 0.5534,
        alpha: 10.5802,
        s: 0.6061,
        beta: 11.6562,
    };
    for t in [1.0, 39.0, 78.0] {
        let probs: Vec<f64> = (0..300).map(|n| p.prob_purchases(t, n)).collect();
        assert_close(&format!("Σ P at t = {t}"), probs.iter().sum(), 1.0, 1e-8);
        let mean: f64 = probs.iter().enumerate().map(|(n, q)| n as f64 * q).sum();
        assert_close(
            &format!("mean at t = {t}"),
            mean,
            p.expected_purchases(t),
            1e-6,
        );
    }
    // Continuity of E[X(t)] through s = 1, where the closed form has a removable singularity.
    let at = |s: f64| ParetoNbdParams { s, ..p }.expected_purchases(39.0);
    assert_close(
        "s → 1",
        at(1.0),
        0.5 * (at(1.0 - 1e-7) + at(1.0 + 1e-7)),
        1e-9,
    );
}

#[test]
fn log_likelihood_is_the_same_per_customer_and_compressed() {
    let p = ParetoNbdParams {
        r: 0.5534,
        alpha: 10.5802,
        s: 0.6061,
        beta: 11.6562,
    };
    let ll = p.log_likelihood(&summaries()).unwrap();
    assert_close("LL", ll, -9594.97, 0.02);
}
