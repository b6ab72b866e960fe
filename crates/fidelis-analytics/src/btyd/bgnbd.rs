//! BG/NBD (Fader, Hardie & Lee 2005): Poisson purchasing with gamma rates, beta-geometric dropout.
//!
//! While active a customer buys at rate λ ~ Gamma(r, α); after each purchase she drops out with
//! probability p ~ Beta(a, b). For a customer with x repeat purchases, the last at t_x, observed for T:
//!
//! L = B(a, b + x)/B(a, b) · Γ(r + x) αʳ / Γ(r) · (α + T)^−(r+x)
//!   + [x > 0] B(a + 1, b + x − 1)/B(a, b) · Γ(r + x) αʳ / Γ(r) · (α + t_x)^−(r+x)
//!
//! written as ln L = C(x) − (r + x) ln(α + T) + [x > 0] ln(1 + eᵘ), with
//! u = ln a − ln(b + x − 1) + (r + x)(ln(α + T) − ln(α + t_x)), which never overflows.

use serde::{Deserialize, Serialize};

use crate::btyd::RepeatPurchaseModel;
use crate::btyd::compress::{Compressed, compress, validate_summary};
use crate::btyd::summary::CustomerSummary;
use crate::error::FitError;
use crate::optimize::{FitDiagnostics, Objective, estimate};
use crate::special::{digamma, ln_1p_exp, ln_beta, ln_gamma, ln_hyp2f1, trigamma};

/// BG/NBD parameters: purchase rate λ ~ Gamma(shape r, rate α), dropout p ~ Beta(a, b).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BgNbdParams {
    /// Shape of the purchase-rate gamma.
    pub r: f64,
    /// Rate (inverse scale, in the summary's time unit) of the purchase-rate gamma.
    pub alpha: f64,
    /// First shape of the dropout-probability beta.
    pub a: f64,
    /// Second shape of the dropout-probability beta.
    pub b: f64,
}

/// A fitted BG/NBD model.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BgNbdFit {
    /// Maximum-likelihood estimates.
    pub params: BgNbdParams,
    /// Standard error of each estimate (from the inverse Hessian); None when not available.
    pub standard_errors: Option<BgNbdParams>,
    /// Log-likelihood at the estimates, summed over all customers.
    pub log_likelihood: f64,
    /// How the optimisation went, with any warning.
    pub diagnostics: FitDiagnostics,
}

/// Fits BG/NBD by maximum likelihood to customer summaries (frequency, recency, T).
///
/// Errors name the first invalid row; data with no repeat purchase or a single distinct history are
/// rejected as degenerate. A likelihood rising towards the edge of the search box gives a fit with a
/// [`crate::FitWarning::BoundaryEstimate`].
pub fn fit_bgnbd(summaries: &[CustomerSummary]) -> Result<BgNbdFit, FitError> {
    let data = compress(summaries)?;
    let total_t: f64 = data.rows.iter().map(|r| r.weight * r.t).sum();
    // Start with exponential rates (r = 1) whose mean matches the observed repeat rate.
    let alpha0 = (total_t / data.repeat_purchases).clamp(1e-4, 1e6);
    let start = [0.0, alpha0.ln(), 0.0, 0.0];
    let objective = BgNbdObjective { data: &data };
    let est = estimate(
        &objective,
        &start,
        &["r", "alpha", "a", "b"],
        data.rows.len(),
    )?;
    let p = |v: &[f64]| BgNbdParams {
        r: v[0],
        alpha: v[1],
        a: v[2],
        b: v[3],
    };
    Ok(BgNbdFit {
        params: p(&est.params),
        standard_errors: est.standard_errors.as_deref().map(p),
        log_likelihood: est.log_likelihood,
        diagnostics: est.diagnostics,
    })
}

impl BgNbdParams {
    /// Log-likelihood of one customer.
    pub fn customer_log_likelihood(&self, c: &CustomerSummary) -> f64 {
        let BgNbdParams { r, alpha, a, b } = *self;
        let x = f64::from(c.frequency);
        let base = ln_gamma(r + x) - ln_gamma(r) + r * alpha.ln() + ln_beta(a, b + x)
            - ln_beta(a, b)
            - (r + x) * (alpha + c.t).ln();
        if c.frequency == 0 {
            return base;
        }
        base + ln_1p_exp(self.ln_odds_dropped(c))
    }

    /// Total log-likelihood of validated summaries; errors name the first invalid row.
    pub fn log_likelihood(&self, summaries: &[CustomerSummary]) -> Result<f64, FitError> {
        let mut total = 0.0;
        for (row, s) in summaries.iter().enumerate() {
            validate_summary(row, s)?;
            total += self.customer_log_likelihood(s);
        }
        Ok(total)
    }

    /// ln of the odds that a customer with x > 0 dropped out right after the last purchase.
    fn ln_odds_dropped(&self, c: &CustomerSummary) -> f64 {
        let x = f64::from(c.frequency);
        self.a.ln() - (self.b + x - 1.0).ln()
            + (self.r + x) * ((self.alpha + c.t).ln() - (self.alpha + c.recency).ln())
    }
}

impl RepeatPurchaseModel for BgNbdParams {
    /// P(alive | x, t_x, T) = 1 / (1 + [x > 0] a/(b + x − 1) ((α + T)/(α + t_x))^(r+x)).
    fn p_alive(&self, c: &CustomerSummary) -> f64 {
        if c.frequency == 0 {
            return 1.0;
        }
        // 1/(1 + eᵘ) = logistic(−u)
        crate::special::logistic(-self.ln_odds_dropped(c))
    }

    /// E[Y(t) | x, t_x, T] (FHL 2005, eq. 10).
    fn conditional_expected_purchases(&self, t: f64, c: &CustomerSummary) -> f64 {
        let BgNbdParams { r, alpha, a, b } = *self;
        let x = f64::from(c.frequency);
        let z = t / (alpha + c.t + t);
        let (ln_f, sign) = ln_hyp2f1(r + x, b + x, a + b + x - 1.0, z);
        let ln_term = (r + x) * ((alpha + c.t) / (alpha + c.t + t)).ln() + ln_f;
        let bracket = one_minus_signed_exp(ln_term, sign);
        (a + b + x - 1.0) / (a - 1.0) * bracket * self.p_alive(c)
    }

    /// E[X(t)] = (a + b − 1)/(a − 1) · [1 − (α/(α + t))ʳ ₂F₁(r, b; a + b − 1; t/(α + t))].
    fn expected_purchases(&self, t: f64) -> f64 {
        let BgNbdParams { r, alpha, a, b } = *self;
        let (ln_f, sign) = ln_hyp2f1(r, b, a + b - 1.0, t / (alpha + t));
        let ln_term = r * (alpha / (alpha + t)).ln() + ln_f;
        let bracket = one_minus_signed_exp(ln_term, sign);
        (a + b - 1.0) / (a - 1.0) * bracket
    }

    /// P(X(t) = n) (FHL 2005, eq. 8).
    fn prob_purchases(&self, t: f64, n: u32) -> f64 {
        let BgNbdParams { r, alpha, a, b } = *self;
        let x = f64::from(n);
        let ln_p = (alpha / (alpha + t)).ln();
        let ln_q = (t / (alpha + t)).ln();
        // NBD(x; t) pmf on the log scale.
        let ln_nbd =
            |j: f64| ln_gamma(r + j) - ln_gamma(r) - ln_gamma(j + 1.0) + r * ln_p + j * ln_q;
        let first = (ln_beta(a, b + x) - ln_beta(a, b) + ln_nbd(x)).exp();
        if n == 0 {
            return first;
        }
        // P(NBD ≥ n): summed directly in the upper tail when it is small, so that tiny
        // probabilities keep their relative precision instead of being 1 − (1 − ε).
        let lower: f64 = (0..n).map(|j| ln_nbd(f64::from(j)).exp()).sum();
        let upper = if lower > 0.5 {
            let mut sum = 0.0;
            let mut j = x;
            loop {
                let term = ln_nbd(j).exp();
                sum += term;
                j += 1.0;
                if term < 1e-17 * sum || j > x + 1e7 {
                    break;
                }
            }
            sum
        } else {
            1.0 - lower
        };
        first + (ln_beta(a + 1.0, b + x - 1.0) - ln_beta(a, b)).exp() * upper
    }
}

/// 1 − sign · eˣ, without cancellation when the term is close to one.
fn one_minus_signed_exp(x: f64, sign: f64) -> f64 {
    if sign > 0.0 {
        -x.exp_m1()
    } else {
        1.0 + x.exp()
    }
}

/// Negative log-likelihood of compressed data on log-parameters, with analytic gradient and Hessian.
struct BgNbdObjective<'a> {
    data: &'a Compressed,
}

impl BgNbdObjective<'_> {
    /// Value, gradient and Hessian of the log-likelihood in natural parameters (r, α, a, b).
    fn natural(&self, th: &[f64], g: &mut [f64; 4], h: &mut [[f64; 4]; 4]) -> f64 {
        let (r, alpha, a, b) = (th[0], th[1], th[2], th[3]);
        let d = self.data;
        *g = [0.0; 4];
        *h = [[0.0; 4]; 4];
        // Per-frequency constants C(x) and their derivatives.
        let (lg_r, lg_b, lg_ab) = (ln_gamma(r), ln_gamma(b), ln_gamma(a + b));
        let (ps_r, ps_b, ps_ab) = (digamma(r), digamma(b), digamma(a + b));
        let (tg_r, tg_b, tg_ab) = (trigamma(r), trigamma(b), trigamma(a + b));
        let ln_alpha = alpha.ln();
        let ln_a = a.ln();
        let mut value = 0.0;
        // Per x: ln(b + x − 1) for the dropout odds.
        let mut ln_bx1 = vec![0.0; d.xs.len()];
        for (k, &(xi, w)) in d.xs.iter().enumerate() {
            let x = f64::from(xi);
            let abx = a + b + x;
            value += w
                * (ln_gamma(r + x) - lg_r + r * ln_alpha + ln_gamma(b + x) - lg_b + lg_ab
                    - ln_gamma(abx));
            let (ps_abx, tg_abx) = (digamma(abx), trigamma(abx));
            g[0] += w * (digamma(r + x) - ps_r + ln_alpha);
            g[1] += w * r / alpha;
            g[2] += w * (ps_ab - ps_abx);
            g[3] += w * (digamma(b + x) - ps_b + ps_ab - ps_abx);
            h[0][0] += w * (trigamma(r + x) - tg_r);
            h[0][1] += w / alpha;
            h[1][1] -= w * r / (alpha * alpha);
            h[2][2] += w * (tg_ab - tg_abx);
            h[2][3] += w * (tg_ab - tg_abx);
            h[3][3] += w * (trigamma(b + x) - tg_b + tg_ab - tg_abx);
            if xi > 0 {
                ln_bx1[k] = (b + x - 1.0).ln();
            }
        }
        // ln(α + ·) and 1/(α + ·) tables for the distinct T and t_x.
        let table = |v: &[f64]| -> Vec<(f64, f64)> {
            v.iter()
                .map(|t| ((alpha + t).ln(), 1.0 / (alpha + t)))
                .collect()
        };
        let (t_tab, tx_tab) = (table(&d.ts), table(&d.txs));
        for row in &d.rows {
            let w = row.weight;
            let x = f64::from(row.x);
            let rx = r + x;
            let (l_t, i_t) = t_tab[row.it as usize];
            value -= w * rx * l_t;
            g[0] -= w * l_t;
            g[1] -= w * rx * i_t;
            h[0][1] -= w * i_t;
            h[1][1] += w * rx * i_t * i_t;
            if row.x == 0 {
                continue;
            }
            let (l_tx, i_tx) = tx_tab[row.itx as usize];
            let inv_bx1 = 1.0 / (b + x - 1.0);
            let dl = l_t - l_tx;
            let di = i_t - i_tx;
            let u = ln_a - ln_bx1[row.ix as usize] + rx * dl;
            // One exponential serves both ln(1 + eᵘ) and the logistic σ(u).
            let e = (-u.abs()).exp();
            let softplus = u.max(0.0) + e.ln_1p();
            let sigma = if u >= 0.0 {
                1.0 / (1.0 + e)
            } else {
                e / (1.0 + e)
            };
            let s1 = sigma * (1.0 - sigma);
            let du = [dl, rx * di, 1.0 / a, -inv_bx1];
            value += w * softplus;
            for i in 0..4 {
                g[i] += w * sigma * du[i];
                for j in i..4 {
                    h[i][j] += w * s1 * du[i] * du[j];
                }
            }
            h[0][1] += w * sigma * di;
            h[1][1] += w * sigma * rx * (i_tx * i_tx - i_t * i_t);
            h[2][2] -= w * sigma / (a * a);
            h[3][3] += w * sigma * inv_bx1 * inv_bx1;
        }
        // Only the upper triangle was accumulated.
        for (i, j) in [(1, 0), (2, 0), (2, 1), (3, 0), (3, 1), (3, 2)] {
            h[i][j] = h[j][i];
        }
        value
    }
}

impl Objective for BgNbdObjective<'_> {
    fn dim(&self) -> usize {
        4
    }

    fn value_grad(&self, x: &[f64], grad: &mut [f64]) -> f64 {
        let mut hess = [0.0; 16];
        self.value_grad_hess(x, grad, &mut hess)
            .unwrap_or(f64::INFINITY)
    }

    fn has_hessian(&self) -> bool {
        true
    }

    fn value_grad_hess(&self, x: &[f64], grad: &mut [f64], hess: &mut [f64]) -> Option<f64> {
        let th: Vec<f64> = x.iter().map(|v| v.exp()).collect();
        let mut g = [0.0; 4];
        let mut h = [[0.0; 4]; 4];
        let ll = self.natural(&th, &mut g, &mut h);
        // Chain rule to ln θ, and sign flip to a negative log-likelihood.
        for i in 0..4 {
            grad[i] = -g[i] * th[i];
            for j in 0..4 {
                hess[i * 4 + j] = -h[i][j] * th[i] * th[j];
            }
            hess[i * 4 + i] -= g[i] * th[i];
        }
        Some(-ll)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::btyd::simulate::simulate_bgnbd;
    use crate::optimize::assert_derivatives;

    #[test]
    fn analytic_gradient_and_hessian_match_finite_differences() {
        let truth = BgNbdParams {
            r: 0.3,
            alpha: 5.0,
            a: 0.9,
            b: 2.0,
        };
        let ages: Vec<f64> = (0..300).map(|i| 10.0 + f64::from(i % 30)).collect();
        let data = compress(&simulate_bgnbd(&truth, &ages, 1)).unwrap();
        let objective = BgNbdObjective { data: &data };
        for x in [[-1.2, 1.6, -0.1, 0.7], [0.5, -0.3, 1.2, -0.8]] {
            assert_derivatives(&objective, &x);
        }
    }
}
