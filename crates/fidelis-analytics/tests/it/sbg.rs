//! sBG against Fader & Hardie (2007), "How to project customer retention".

use fidelis_analytics::{SbgParams, fit_sbg};

use crate::cdnow::{assert_close, assert_sig};

#[test]
fn regular_and_high_end_cohorts_reproduce_the_paper() {
    let regular = [
        1000, 631, 468, 382, 326, 289, 262, 241, 223, 207, 194, 183, 173,
    ];
    let high_end = [1000, 869, 743, 653, 593, 551, 517, 491];
    // The paper fits the first 7 periods (8 counts) of each cohort.
    let cases = [(&regular[..8], 0.704, 1.182), (&high_end[..], 0.668, 3.806)];
    for (survivors, alpha, beta) in cases {
        let fit = fit_sbg(survivors).unwrap();
        assert_sig("alpha", fit.params.alpha, alpha, 3);
        assert_sig("beta", fit.params.beta, beta, 3);
        assert!(fit.diagnostics.converged && fit.standard_errors.is_some());
    }
}

#[test]
fn survival_retention_and_derl_agree_with_each_other() {
    let p = SbgParams {
        alpha: 0.704,
        beta: 1.182,
    };
    assert_eq!(p.survival(0), 1.0);
    let mut s = 1.0;
    for t in 1..20 {
        assert_close(
            "P(T = t)",
            p.churn_probability(t),
            p.survival(t - 1) - p.survival(t),
            1e-12,
        );
        s *= p.retention_rate(t);
        assert_close("S(t)", p.survival(t), s, 1e-12);
    }
    // DERL from ₂F₁ against its definition summed term by term.
    for (d, n) in [(0.1, 1), (0.1, 5), (0.01, 1), (0.5, 12)] {
        let direct: f64 = (n..200_000)
            .map(|t| p.survival(t) / p.survival(n - 1) / (1.0f64 + d).powi((t - n) as i32))
            .sum();
        assert_close(
            &format!("DERL(d = {d}, n = {n})"),
            p.derl(d, n),
            direct,
            1e-8 * direct,
        );
    }
}
