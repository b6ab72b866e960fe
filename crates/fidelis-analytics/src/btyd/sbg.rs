//! Shifted-beta-geometric (sBG) retention model for contracts (Fader & Hardie 2007, 2010).
//!
//! At each renewal a customer churns with her own probability θ ~ Beta(α, β). The probability of
//! churning at period t and of surviving past t are
//!
//! P(T = t) = B(α + 1, β + t − 1) / B(α, β),    S(t) = B(α, β + t) / B(α, β),
//!
//! so the retention rate S(t)/S(t − 1) = (β + t − 1)/(α + β + t − 1) rises with tenure: the
//! customers most likely to leave leave first. A cohort is fitted from its survivor counts.

use serde::{Deserialize, Serialize};

use crate::error::FitError;
use crate::optimize::{FitDiagnostics, Objective, estimate, to_log_scale};
use crate::special::{digamma, hyp2f1, ln_beta, trigamma};

/// sBG parameters: churn probability θ ~ Beta(α, β).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SbgParams {
    /// First shape of the churn-probability beta.
    pub alpha: f64,
    /// Second shape of the churn-probability beta.
    pub beta: f64,
}

/// A fitted sBG model.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SbgFit {
    /// Maximum-likelihood estimates.
    pub params: SbgParams,
    /// Standard error of each estimate; None when not available.
    pub standard_errors: Option<SbgParams>,
    /// Log-likelihood at the estimates.
    pub log_likelihood: f64,
    /// How the optimisation went, with any warning.
    pub diagnostics: FitDiagnostics,
}

/// Fits sBG to one cohort's survivor counts: `survivors[0]` customers at the start, `survivors[t]`
/// still active after t renewal periods.
///
/// The counts must be non-increasing with a positive start; a cohort where nobody churned, or where
/// everybody churned at the first renewal, has no interior optimum and is rejected as degenerate.
pub fn fit_sbg(survivors: &[u64]) -> Result<SbgFit, FitError> {
    if survivors.len() < 2 {
        return Err(FitError::Empty {
            what: "a cohort needs its initial size and at least one later survivor count",
        });
    }
    if survivors[0] == 0 {
        return Err(FitError::InvalidRow {
            row: 0,
            field: "survivors",
            value: 0.0,
            expected: "a cohort size > 0",
        });
    }
    for (row, w) in survivors.windows(2).enumerate() {
        if w[1] > w[0] {
            return Err(FitError::InvalidRow {
                row: row + 1,
                field: "survivors",
                value: w[1] as f64,
                expected: "at most the survivors of the previous period",
            });
        }
    }
    let last = survivors[survivors.len() - 1];
    if last == survivors[0] {
        return Err(FitError::Degenerate {
            reason: "nobody churned: the churn probability is estimated at zero",
        });
    }
    if survivors[1] == 0 {
        return Err(FitError::Degenerate {
            reason: "everybody churned at the first renewal: the churn probability is estimated at one",
        });
    }
    let cohort = Cohort {
        survivors: survivors.iter().map(|&s| s as f64).collect(),
    };
    let est = estimate(
        &cohort,
        &[0.0, 0.0],
        &["alpha", "beta"],
        survivors.len() - 1,
    )?;
    let p = |v: &[f64]| SbgParams {
        alpha: v[0],
        beta: v[1],
    };
    Ok(SbgFit {
        params: p(&est.params),
        standard_errors: est.standard_errors.as_deref().map(p),
        log_likelihood: est.log_likelihood,
        diagnostics: est.diagnostics,
    })
}

impl SbgParams {
    /// P(T = t): probability that a new customer churns at renewal t (t ≥ 1).
    pub fn churn_probability(&self, t: u32) -> f64 {
        if t == 0 {
            return 0.0;
        }
        let t = f64::from(t);
        (ln_beta(self.alpha + 1.0, self.beta + t - 1.0) - ln_beta(self.alpha, self.beta)).exp()
    }

    /// S(t): probability that a new customer is still active after t renewals (S(0) = 1).
    pub fn survival(&self, t: u32) -> f64 {
        let t = f64::from(t);
        (ln_beta(self.alpha, self.beta + t) - ln_beta(self.alpha, self.beta)).exp()
    }

    /// Retention rate at renewal t ≥ 1: S(t)/S(t − 1) = (β + t − 1)/(α + β + t − 1).
    pub fn retention_rate(&self, t: u32) -> f64 {
        let t = f64::from(t.max(1));
        (self.beta + t - 1.0) / (self.alpha + self.beta + t - 1.0)
    }

    /// Discounted expected residual lifetime (Fader & Hardie 2010), in periods of margin: for a
    /// customer just before her `n`-th renewal decision (n ≥ 1, having renewed n − 1 times),
    /// Σ_{t ≥ n} S(t)/S(n − 1) / (1 + d)^(t − n)
    /// = B(α, β + n)/B(α, β + n − 1) · ₂F₁(1, β + n; α + β + n; 1/(1 + d)).
    /// `discount_rate` d is per period and must be > 0.
    pub fn derl(&self, discount_rate: f64, n: u32) -> f64 {
        let n = f64::from(n.max(1));
        let SbgParams { alpha, beta } = *self;
        let ratio = (ln_beta(alpha, beta + n) - ln_beta(alpha, beta + n - 1.0)).exp();
        ratio * hyp2f1(1.0, beta + n, alpha + beta + n, 1.0 / (1.0 + discount_rate))
    }

    /// Log-likelihood of a cohort's survivor counts (validated as in [`fit_sbg`], without the
    /// degeneracy checks).
    pub fn log_likelihood(&self, survivors: &[u64]) -> f64 {
        let mut total = 0.0;
        for (t, w) in survivors.windows(2).enumerate() {
            let churned = (w[0] - w[1]) as f64;
            if churned > 0.0 {
                total += churned * self.churn_probability(t as u32 + 1).ln();
            }
        }
        let n = survivors.len() - 1;
        let last = survivors[n] as f64;
        if last > 0.0 {
            total += last * self.survival(n as u32).ln();
        }
        total
    }
}

/// A cohort's survivor counts as a likelihood.
struct Cohort {
    survivors: Vec<f64>,
}

/// ln B(α + da, β + db) − ln B(α, β), its gradient and Hessian (αα, αβ, ββ) in (α, β).
fn ln_beta_ratio(alpha: f64, beta: f64, da: f64, db: f64) -> (f64, [f64; 2], [f64; 3]) {
    let (a, b) = (alpha + da, beta + db);
    let value = ln_beta(a, b) - ln_beta(alpha, beta);
    let (ps_ab, ps_ab0) = (digamma(a + b), digamma(alpha + beta));
    let (tg_ab, tg_ab0) = (trigamma(a + b), trigamma(alpha + beta));
    let g = [
        digamma(a) - ps_ab - digamma(alpha) + ps_ab0,
        digamma(b) - ps_ab - digamma(beta) + ps_ab0,
    ];
    let h = [
        trigamma(a) - tg_ab - trigamma(alpha) + tg_ab0,
        -tg_ab + tg_ab0,
        trigamma(b) - tg_ab - trigamma(beta) + tg_ab0,
    ];
    (value, g, h)
}

impl Cohort {
    fn natural(&self, th: &[f64], g: &mut [f64; 2], h: &mut [f64; 4]) -> f64 {
        let (alpha, beta) = (th[0], th[1]);
        *g = [0.0; 2];
        *h = [0.0; 4];
        let mut value = 0.0;
        let mut add = |w: f64, (v, gi, hi): (f64, [f64; 2], [f64; 3])| {
            value += w * v;
            g[0] += w * gi[0];
            g[1] += w * gi[1];
            h[0] += w * hi[0];
            h[1] += w * hi[1];
            h[3] += w * hi[2];
        };
        let s = &self.survivors;
        for t in 1..s.len() {
            let churned = s[t - 1] - s[t];
            if churned > 0.0 {
                add(churned, ln_beta_ratio(alpha, beta, 1.0, t as f64 - 1.0));
            }
        }
        let n = s.len() - 1;
        if s[n] > 0.0 {
            add(s[n], ln_beta_ratio(alpha, beta, 0.0, n as f64));
        }
        h[2] = h[1];
        value
    }
}

impl Objective for Cohort {
    fn dim(&self) -> usize {
        2
    }

    fn value_grad(&self, x: &[f64], grad: &mut [f64]) -> f64 {
        let mut hess = [0.0; 4];
        self.value_grad_hess(x, grad, &mut hess)
            .unwrap_or(f64::INFINITY)
    }

    fn has_hessian(&self) -> bool {
        true
    }

    fn value_grad_hess(&self, x: &[f64], grad: &mut [f64], hess: &mut [f64]) -> Option<f64> {
        let th = [x[0].exp(), x[1].exp()];
        let (mut g, mut h) = ([0.0; 2], [0.0; 4]);
        let ll = self.natural(&th, &mut g, &mut h);
        Some(to_log_scale(&th, ll, &g, &h, grad, hess))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::optimize::assert_derivatives;

    #[test]
    fn analytic_gradient_and_hessian_match_finite_differences() {
        let cohort = Cohort {
            survivors: vec![1000.0, 631.0, 468.0, 382.0, 326.0, 289.0, 262.0, 241.0],
        };
        for x in [[-0.35, 0.17], [1.0, -1.0]] {
            assert_derivatives(&cohort, &x);
        }
    }
}
