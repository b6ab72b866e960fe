//! Recovery: data simulated from known parameters are fitted back within two standard errors.

use fidelis_analytics::{
    BgNbdParams, GammaGammaParams, ParetoNbdParams, SbgParams, fit_bgnbd, fit_gamma_gamma,
    fit_pareto_nbd, fit_sbg, simulate_bgnbd, simulate_pareto_nbd, simulate_sbg, simulate_spend,
};

/// Customer ages spread evenly over [20, 52] weeks, as for a year of acquisitions.
fn ages(n: usize) -> Vec<f64> {
    (0..n)
        .map(|i| 20.0 + 32.0 * (i as f64 + 0.5) / n as f64)
        .collect()
}

fn check(model: &str, names: &[&str], truth: &[f64], estimate: &[f64], se: &[f64]) {
    for i in 0..truth.len() {
        assert!(
            se[i] > 0.0 && se[i].is_finite(),
            "{model} {}: se = {}",
            names[i],
            se[i]
        );
        let z = (estimate[i] - truth[i]) / se[i];
        assert!(
            z.abs() <= 2.0,
            "{model} {}: estimate {} vs true {} (se {}, z = {z:.2})",
            names[i],
            estimate[i],
            truth[i],
            se[i]
        );
    }
}

#[test]
fn bgnbd_and_gamma_gamma_recover_their_parameters() {
    let truth = BgNbdParams {
        r: 0.25,
        alpha: 4.0,
        a: 0.8,
        b: 2.5,
    };
    let customers = simulate_bgnbd(&truth, &ages(30_000), 11);
    let fit = fit_bgnbd(&customers).unwrap();
    let (p, se) = (fit.params, fit.standard_errors.unwrap());
    check(
        "BG/NBD",
        &["r", "alpha", "a", "b"],
        &[truth.r, truth.alpha, truth.a, truth.b],
        &[p.r, p.alpha, p.a, p.b],
        &[se.r, se.alpha, se.a, se.b],
    );

    let spend = GammaGammaParams {
        p: 6.0,
        q: 3.7,
        gamma: 15.0,
    };
    let with_spend = simulate_spend(&spend, &customers, 12);
    let fit = fit_gamma_gamma(&with_spend).unwrap();
    let (p, se) = (fit.params, fit.standard_errors.unwrap());
    check(
        "Gamma-Gamma",
        &["p", "q", "gamma"],
        &[spend.p, spend.q, spend.gamma],
        &[p.p, p.q, p.gamma],
        &[se.p, se.q, se.gamma],
    );
}

#[test]
fn pareto_nbd_recovers_its_parameters() {
    let truth = ParetoNbdParams {
        r: 0.55,
        alpha: 10.0,
        s: 0.6,
        beta: 12.0,
    };
    let customers = simulate_pareto_nbd(&truth, &ages(20_000), 4);
    let fit = fit_pareto_nbd(&customers).unwrap();
    let (p, se) = (fit.params, fit.standard_errors.unwrap());
    check(
        "Pareto/NBD",
        &["r", "alpha", "s", "beta"],
        &[truth.r, truth.alpha, truth.s, truth.beta],
        &[p.r, p.alpha, p.s, p.beta],
        &[se.r, se.alpha, se.s, se.beta],
    );
}

#[test]
fn sbg_recovers_its_parameters() {
    let truth = SbgParams {
        alpha: 0.7,
        beta: 1.2,
    };
    let survivors = simulate_sbg(&truth, 20_000, 12, 31);
    let fit = fit_sbg(&survivors).unwrap();
    let (p, se) = (fit.params, fit.standard_errors.unwrap());
    check(
        "sBG",
        &["alpha", "beta"],
        &[truth.alpha, truth.beta],
        &[p.alpha, p.beta],
        &[se.alpha, se.beta],
    );
}

#[test]
fn simulators_are_deterministic_per_seed() {
    let truth = BgNbdParams {
        r: 0.25,
        alpha: 4.0,
        a: 0.8,
        b: 2.5,
    };
    assert_eq!(
        simulate_bgnbd(&truth, &ages(100), 5),
        simulate_bgnbd(&truth, &ages(100), 5)
    );
    assert_ne!(
        simulate_bgnbd(&truth, &ages(100), 5),
        simulate_bgnbd(&truth, &ages(100), 6)
    );
}
