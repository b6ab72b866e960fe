//! Gamma-Gamma spend model (Fader, Hardie & Lee 2005; Fader & Hardie note 025).
//!
//! Each transaction value is Gamma(p, ν) with a customer-level rate ν ~ Gamma(q, γ), independent of
//! the purchase process. The mean m_x of a repeat buyer's x transactions then has density
//!
//! f(m_x | x) = Γ(px + q) / (Γ(px) Γ(q)) · γ^q (x m_x)^(px−1) x / (γ + x m_x)^(px+q),
//!
//! and E[M | x, m_x] = (q − 1)/(px + q − 1) · pγ/(q − 1) + px/(px + q − 1) · m_x, a weighted mean of
//! the population mean spend and the customer's own. Only customers with x ≥ 1 are used.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::btyd::compress::{FxMap, validate_summary};
use crate::btyd::summary::CustomerSummary;
use crate::error::FitError;
use crate::optimize::{FitDiagnostics, Objective, estimate, to_log_scale};
use crate::special::{digamma, ln_gamma, trigamma};

/// Gamma-Gamma parameters: transaction values ~ Gamma(p, ν), ν ~ Gamma(shape q, rate γ).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct GammaGammaParams {
    /// Shape of each transaction value's gamma.
    pub p: f64,
    /// Shape of the gamma of the customer-level rate ν.
    pub q: f64,
    /// Rate of the gamma of ν (in the unit of the monetary values).
    pub gamma: f64,
}

/// A fitted Gamma-Gamma model.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GammaGammaFit {
    /// Maximum-likelihood estimates.
    pub params: GammaGammaParams,
    /// Standard error of each estimate; None when not available.
    pub standard_errors: Option<GammaGammaParams>,
    /// Log-likelihood at the estimates, over the repeat buyers.
    pub log_likelihood: f64,
    /// Number of repeat buyers the model was fitted on.
    pub repeat_buyers: usize,
    /// How the optimisation went, with any warning.
    pub diagnostics: FitDiagnostics,
}

/// Fits Gamma-Gamma to the repeat buyers (frequency ≥ 1) among `summaries`.
///
/// Every repeat buyer's monetary value must be finite and > 0. Customers without repeat purchases are
/// skipped, as in the model's definition.
pub fn fit_gamma_gamma(summaries: &[CustomerSummary]) -> Result<GammaGammaFit, FitError> {
    let data = SpendData::new(summaries)?;
    let mean_spend = data.mean_spend();
    // Start at p = 2, q = 3 with γ matching the observed mean spend: E[z] = pγ/(q − 1) = γ.
    let start = [2f64.ln(), 3f64.ln(), mean_spend.ln()];
    let est = estimate(&data, &start, &["p", "q", "gamma"], data.x.len())?;
    let p = |v: &[f64]| GammaGammaParams {
        p: v[0],
        q: v[1],
        gamma: v[2],
    };
    Ok(GammaGammaFit {
        params: p(&est.params),
        standard_errors: est.standard_errors.as_deref().map(p),
        log_likelihood: est.log_likelihood,
        repeat_buyers: data.buyers as usize,
        diagnostics: est.diagnostics,
    })
}

impl GammaGammaParams {
    /// Mean transaction value of a new customer: pγ/(q − 1) (infinite when q ≤ 1).
    pub fn expected_average_spend(&self) -> f64 {
        if self.q <= 1.0 {
            return f64::INFINITY;
        }
        self.p * self.gamma / (self.q - 1.0)
    }

    /// E[M | x, m_x]: expected mean transaction value of this customer; the population mean when the
    /// customer has no repeat purchase.
    pub fn conditional_expected_average_spend(&self, c: &CustomerSummary) -> f64 {
        if c.frequency == 0 {
            return self.expected_average_spend();
        }
        let px = self.p * f64::from(c.frequency);
        self.p * (self.gamma + f64::from(c.frequency) * c.monetary_value) / (px + self.q - 1.0)
    }

    /// Log-likelihood of one repeat buyer's mean spend (0 for a customer without repeat purchase).
    pub fn customer_log_likelihood(&self, c: &CustomerSummary) -> f64 {
        if c.frequency == 0 {
            return 0.0;
        }
        let GammaGammaParams { p, q, gamma } = *self;
        let x = f64::from(c.frequency);
        let xm = x * c.monetary_value;
        ln_gamma(p * x + q) - ln_gamma(p * x) - ln_gamma(q)
            + q * gamma.ln()
            + (p * x - 1.0) * xm.ln()
            + x.ln()
            - (p * x + q) * (gamma + xm).ln()
    }

    /// Total log-likelihood over the repeat buyers; errors name the first invalid row.
    pub fn log_likelihood(&self, summaries: &[CustomerSummary]) -> Result<f64, FitError> {
        for (row, s) in summaries.iter().enumerate() {
            validate_spend(row, s)?;
        }
        Ok(summaries
            .iter()
            .map(|s| self.customer_log_likelihood(s))
            .sum())
    }
}

fn validate_spend(row: usize, s: &CustomerSummary) -> Result<(), FitError> {
    validate_summary(row, s)?;
    let m = s.monetary_value;
    if s.frequency > 0 && !(m.is_finite() && m > 0.0) {
        return Err(FitError::InvalidRow {
            row,
            field: "monetary_value",
            value: m,
            expected: "a finite amount > 0 for a customer with repeat purchases",
        });
    }
    if !m.is_finite() {
        return Err(FitError::InvalidRow {
            row,
            field: "monetary_value",
            value: m,
            expected: "a finite amount",
        });
    }
    Ok(())
}

/// Repeat buyers as two columns (x and x·m_x), with per-x sufficient statistics. Spends are
/// continuous, so rows are not compressed: hashing every buyer cost more than it saved.
struct SpendData {
    /// x of each repeat buyer, as f64.
    x: Vec<f64>,
    /// x·m_x of each repeat buyer.
    xm: Vec<f64>,
    /// (x, buyers with this x, Σ ln(x m_x) over them) per distinct x.
    xs: Vec<(u32, f64, f64)>,
    buyers: f64,
}

/// Buyers per parallel chunk: partial sums are collected in order and added sequentially, so the
/// result is the same bit for bit whatever the number of threads.
const CHUNK: usize = 1 << 14;

impl SpendData {
    fn new(summaries: &[CustomerSummary]) -> Result<Self, FitError> {
        let mut x = Vec::new();
        let mut xm = Vec::new();
        // Per-x statistics indexed by x (frequencies are small integers; a map only past 4096).
        let mut dense: Vec<(f64, f64)> = Vec::new();
        let mut sparse: FxMap<u32, (f64, f64)> = FxMap::default();
        for (row, s) in summaries.iter().enumerate() {
            validate_spend(row, s)?;
            if s.frequency == 0 {
                continue;
            }
            let xi = f64::from(s.frequency);
            let product = xi * s.monetary_value;
            let slot = if s.frequency < 4096 {
                let i = s.frequency as usize;
                if dense.len() <= i {
                    dense.resize(i + 1, (0.0, 0.0));
                }
                &mut dense[i]
            } else {
                sparse.entry(s.frequency).or_insert((0.0, 0.0))
            };
            slot.0 += 1.0;
            slot.1 += product.ln();
            x.push(xi);
            xm.push(product);
        }
        if x.is_empty() {
            return Err(FitError::Empty {
                what: "no customer with a repeat purchase",
            });
        }
        let first_mean = xm[0] / x[0];
        if x.iter().zip(&xm).all(|(x, xm)| xm / x == first_mean) {
            return Err(FitError::Degenerate {
                reason: "every repeat buyer has the same mean spend: spend heterogeneity cannot be estimated",
            });
        }
        let mut xs: Vec<(u32, f64, f64)> = dense
            .iter()
            .enumerate()
            .filter(|(_, (n, _))| *n > 0.0)
            .map(|(i, &(n, l))| (i as u32, n, l))
            .collect();
        let mut large: Vec<(u32, f64, f64)> =
            sparse.into_iter().map(|(k, (n, l))| (k, n, l)).collect();
        large.sort_by_key(|r| r.0);
        xs.extend(large);
        let buyers = x.len() as f64;
        Ok(SpendData { x, xm, xs, buyers })
    }

    /// The mean spend over repeat buyers.
    fn mean_spend(&self) -> f64 {
        self.x
            .iter()
            .zip(&self.xm)
            .map(|(x, xm)| xm / x)
            .sum::<f64>()
            / self.buyers
    }

    /// Log-likelihood, gradient and row-major Hessian in (p, q, γ).
    fn natural(&self, th: &[f64], g: &mut [f64; 3], h: &mut [f64; 9]) -> f64 {
        let (p, q, gamma) = (th[0], th[1], th[2]);
        let (lg_q, ps_q, tg_q) = (ln_gamma(q), digamma(q), trigamma(q));
        let ln_gamma_rate = gamma.ln();
        *g = [0.0; 3];
        *h = [0.0; 9];
        let mut value = 0.0;
        for &(xi, w, sum_ln_xm) in &self.xs {
            let x = f64::from(xi);
            let (pxq, px) = (p * x + q, p * x);
            value += w * (ln_gamma(pxq) - ln_gamma(px) - lg_q + q * ln_gamma_rate + x.ln())
                + (px - 1.0) * sum_ln_xm;
            let (ps_pxq, tg_pxq) = (digamma(pxq), trigamma(pxq));
            g[0] += w * x * (ps_pxq - digamma(px)) + x * sum_ln_xm;
            g[1] += w * (ps_pxq - ps_q + ln_gamma_rate);
            g[2] += w * q / gamma;
            h[0] += w * x * x * (tg_pxq - trigamma(px));
            h[1] += w * x * tg_pxq;
            h[4] += w * (tg_pxq - tg_q);
            h[5] += w / gamma;
            h[8] -= w * q / (gamma * gamma);
        }
        // The per-buyer terms: Σ (px+q)·l, Σ x·l, Σ l, Σ (px+q)/d, Σ x/d, Σ 1/d, Σ (px+q)/d²
        // with d = γ + x m_x and l = ln d.
        let partial = |(x, xm): (&[f64], &[f64])| {
            let mut s = [0.0f64; 7];
            for (&x, &xm) in x.iter().zip(xm) {
                let pxq = p * x + q;
                let d = gamma + xm;
                let l = d.ln();
                let inv = 1.0 / d;
                s[0] += pxq * l;
                s[1] += x * l;
                s[2] += l;
                s[3] += pxq * inv;
                s[4] += x * inv;
                s[5] += inv;
                s[6] += pxq * inv * inv;
            }
            s
        };
        let parts: Vec<[f64; 7]> = if self.x.len() > 2 * CHUNK {
            self.x
                .par_chunks(CHUNK)
                .zip(self.xm.par_chunks(CHUNK))
                .map(partial)
                .collect()
        } else {
            vec![partial((&self.x, &self.xm))]
        };
        let mut s = [0.0f64; 7];
        for part in &parts {
            for (t, v) in s.iter_mut().zip(part) {
                *t += v;
            }
        }
        value -= s[0];
        g[0] -= s[1];
        g[1] -= s[2];
        g[2] -= s[3];
        h[2] -= s[4];
        h[5] -= s[5];
        h[8] += s[6];
        h[3] = h[1];
        h[6] = h[2];
        h[7] = h[5];
        value
    }
}

impl Objective for SpendData {
    fn dim(&self) -> usize {
        3
    }

    fn value_grad(&self, x: &[f64], grad: &mut [f64]) -> f64 {
        let mut hess = [0.0; 9];
        self.value_grad_hess(x, grad, &mut hess)
            .unwrap_or(f64::INFINITY)
    }

    fn has_hessian(&self) -> bool {
        true
    }

    fn value_grad_hess(&self, x: &[f64], grad: &mut [f64], hess: &mut [f64]) -> Option<f64> {
        let th: Vec<f64> = x.iter().map(|v| v.exp()).collect();
        let (mut g, mut h) = ([0.0; 3], [0.0; 9]);
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
        let customers: Vec<CustomerSummary> = (0..200)
            .map(|i| {
                CustomerSummary::new(1 + i % 6, 1.0, 10.0)
                    .with_monetary_value(5.0 + f64::from(i % 17) * 3.1)
            })
            .collect();
        let data = SpendData::new(&customers).unwrap();
        for x in [[1.8, 1.3, 2.7], [0.2, 0.9, 1.0]] {
            assert_derivatives(&data, &x);
        }
    }
}
