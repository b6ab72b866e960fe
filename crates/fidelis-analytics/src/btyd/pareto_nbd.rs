//! Pareto/NBD (Schmittlein, Morrison & Colombo 1987), in the formulation of Fader & Hardie's note 008.
//!
//! While active a customer buys at rate λ ~ Gamma(r, α) and leaves after an exponential lifetime of
//! rate μ ~ Gamma(s, β). The likelihood of (x, t_x, T) is
//!
//! L = Γ(r + x) αʳ βˢ / Γ(r) · [ (α + T)^−(r+x) (β + T)^−s + s/(r + s + x) · (G(t_x) − G(T)) ],
//!
//! with, for α ≥ β, G(y) = ₂F₁(r + s + x, s + 1; r + s + x + 1; (α − β)/(α + y)) / (α + y)^(r+s+x)
//! and, for α < β, G(y) = ₂F₁(r + s + x, r + x; r + s + x + 1; (β − α)/(β + y)) / (β + y)^(r+s+x).
//! Choosing the larger of α and β keeps the ₂F₁ argument in [0, 1). G only depends on (x, y), so it
//! is computed once per distinct (frequency, time) pair rather than once per customer.

use serde::{Deserialize, Serialize};

use crate::btyd::RepeatPurchaseModel;
use crate::btyd::compress::{Compressed, FxMap, compress, validate_summary};
use crate::btyd::summary::CustomerSummary;
use crate::error::FitError;
use crate::optimize::{FitDiagnostics, Objective, estimate};
use crate::special::{digamma, hyp2f1_pareto, integrate, ln_gamma, logistic};

/// Pareto/NBD parameters: purchase rate λ ~ Gamma(r, α), dropout rate μ ~ Gamma(s, β).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ParetoNbdParams {
    /// Shape of the purchase-rate gamma.
    pub r: f64,
    /// Rate of the purchase-rate gamma (in the summary's time unit).
    pub alpha: f64,
    /// Shape of the dropout-rate gamma.
    pub s: f64,
    /// Rate of the dropout-rate gamma (in the summary's time unit).
    pub beta: f64,
}

/// A fitted Pareto/NBD model.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ParetoNbdFit {
    /// Maximum-likelihood estimates.
    pub params: ParetoNbdParams,
    /// Standard error of each estimate (finite differences of the analytic gradient); None when not
    /// available.
    pub standard_errors: Option<ParetoNbdParams>,
    /// Log-likelihood at the estimates, summed over all customers.
    pub log_likelihood: f64,
    /// How the optimisation went, with any warning.
    pub diagnostics: FitDiagnostics,
}

/// Fits Pareto/NBD by maximum likelihood to customer summaries (frequency, recency, T).
///
/// Same input rules as [`crate::fit_bgnbd`]. The likelihood is flat along β, so estimates of β from
/// different optimisers typically agree to about 1e−3 relative only.
pub fn fit_pareto_nbd(summaries: &[CustomerSummary]) -> Result<ParetoNbdFit, FitError> {
    let data = compress(summaries)?;
    let pairs = Pairs::new(&data);
    let total_t: f64 = data.rows.iter().map(|r| r.weight * r.t).sum();
    let mean_t = total_t / data.customers;
    // Exponential purchase rates matching the observed repeat rate; mean lifetime of one mean T.
    let alpha0 = (total_t / data.repeat_purchases).clamp(1e-4, 1e6);
    let start = [0.0, alpha0.ln(), 0.0, mean_t.clamp(1e-4, 1e6).ln()];
    let objective = ParetoObjective {
        data: &data,
        pairs: &pairs,
    };
    let est = estimate(
        &objective,
        &start,
        &["r", "alpha", "s", "beta"],
        data.rows.len(),
    )?;
    let p = |v: &[f64]| ParetoNbdParams {
        r: v[0],
        alpha: v[1],
        s: v[2],
        beta: v[3],
    };
    Ok(ParetoNbdFit {
        params: p(&est.params),
        standard_errors: est.standard_errors.as_deref().map(p),
        log_likelihood: est.log_likelihood,
        diagnostics: est.diagnostics,
    })
}

/// ln G(y) for frequency x and its gradient in (r, α, s, β).
fn ln_g(p: &ParetoNbdParams, x: f64, y: f64) -> (f64, [f64; 4]) {
    let ParetoNbdParams { r, alpha, s, beta } = *p;
    let a = r + s + x;
    if alpha >= beta {
        let z = (alpha - beta) / (alpha + y);
        let f = hyp2f1_pareto(a, s + 1.0, z);
        let l = (alpha + y).ln();
        let inv = 1.0 / (alpha + y);
        let grad = [
            f.d_a - l,
            f.d_z * (beta + y) * inv * inv - a * inv,
            f.d_a + f.d_b - l,
            -f.d_z * inv,
        ];
        (f.ln_value - a * l, grad)
    } else {
        let z = (beta - alpha) / (beta + y);
        let f = hyp2f1_pareto(a, r + x, z);
        let l = (beta + y).ln();
        let inv = 1.0 / (beta + y);
        let grad = [
            f.d_a + f.d_b - l,
            -f.d_z * inv,
            f.d_a - l,
            f.d_z * (alpha + y) * inv * inv - a * inv,
        ];
        (f.ln_value - a * l, grad)
    }
}

impl ParetoNbdParams {
    /// ln of the bracket's ratio of its second term to its first: ln[(s/(r+s+x)) (G(t_x) − G(T))
    /// (α + T)^(r+x) (β + T)^s]; −∞ when t_x = T.
    fn ln_second_over_first(&self, c: &CustomerSummary) -> f64 {
        let x = f64::from(c.frequency);
        let (g_tx, _) = ln_g(self, x, c.recency);
        let (g_t, _) = ln_g(self, x, c.t);
        let diff = g_tx + (-(g_t - g_tx).exp_m1()).ln();
        (self.s / (self.r + self.s + x)).ln()
            + diff
            + (self.r + x) * (self.alpha + c.t).ln()
            + self.s * (self.beta + c.t).ln()
    }

    /// Log-likelihood of one customer.
    pub fn customer_log_likelihood(&self, c: &CustomerSummary) -> f64 {
        let ParetoNbdParams { r, alpha, s, beta } = *self;
        let x = f64::from(c.frequency);
        let head = ln_gamma(r + x) - ln_gamma(r) + r * alpha.ln() + s * beta.ln();
        let ln_first = -(r + x) * (alpha + c.t).ln() - s * (beta + c.t).ln();
        head + ln_first + crate::special::ln_1p_exp(self.ln_second_over_first(c))
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
}

impl RepeatPurchaseModel for ParetoNbdParams {
    /// P(alive | x, t_x, T) = 1 / (1 + s/(r+s+x) (α+T)^(r+x) (β+T)^s (G(t_x) − G(T))).
    fn p_alive(&self, c: &CustomerSummary) -> f64 {
        logistic(-self.ln_second_over_first(c))
    }

    /// E[Y(t) | x, t_x, T] = (r + x)(β + T) / ((α + T)(s − 1)) · [1 − ((β + T)/(β + T + t))^(s−1)]
    /// · P(alive), with the s → 1 limit taken smoothly.
    fn conditional_expected_purchases(&self, t: f64, c: &CustomerSummary) -> f64 {
        let x = f64::from(c.frequency);
        let rate = (self.r + x) / (self.alpha + c.t);
        rate * lifetime_integral(self.s, self.beta + c.t, t) * self.p_alive(c)
    }

    /// E[X(t)] = rβ/(α(s − 1)) · [1 − (β/(β + t))^(s−1)].
    fn expected_purchases(&self, t: f64) -> f64 {
        self.r / self.alpha * lifetime_integral(self.s, self.beta, t)
    }

    /// P(X(t) = n), integrating the NBD count over the dropout time:
    /// P(τ > t) NBD(n; t) + ∫₀ᵗ f(τ) NBD(n; τ) dτ with f(τ) = sβˢ/(β + τ)^(s+1).
    fn prob_purchases(&self, t: f64, n: u32) -> f64 {
        let ParetoNbdParams { r, alpha, s, beta } = *self;
        let k = f64::from(n);
        let ln_coef = ln_gamma(r + k) - ln_gamma(r) - ln_gamma(k + 1.0);
        let nbd = |tau: f64| -> f64 {
            if tau <= 0.0 {
                return if n == 0 { 1.0 } else { 0.0 };
            }
            (ln_coef + r * (alpha / (alpha + tau)).ln() + k * (tau / (alpha + tau)).ln()).exp()
        };
        let survive = (s * (beta / (beta + t)).ln()).exp();
        let density = |tau: f64| s / (beta + tau) * (s * (beta / (beta + tau)).ln()).exp();
        let integrand = |tau: f64| density(tau) * nbd(tau);
        // Panels first, so the adaptive rule cannot step over the peak of the NBD term.
        let panels = 32;
        let width = t / f64::from(panels);
        let integral: f64 = (0..panels)
            .map(|i| {
                let lo = f64::from(i) * width;
                integrate(&integrand, lo, lo + width, 1e-15)
            })
            .sum();
        survive * nbd(t) + integral
    }
}

/// ∫₀ᵗ P(alive at u) du for a lifetime with rate ~ Gamma(s, b): b/(s − 1) · [1 − (b/(b + t))^(s−1)],
/// continuous through s = 1 (where it is b ln(1 + t/b)).
fn lifetime_integral(s: f64, b: f64, t: f64) -> f64 {
    let ln_ratio = (t / b).ln_1p();
    let e = s - 1.0;
    if e.abs() < 1e-10 {
        return b * ln_ratio * (1.0 - 0.5 * e * ln_ratio);
    }
    -b * (-e * ln_ratio).exp_m1() / e
}

/// Distinct (x, y) pairs, y being a T or a t_x, and each compressed row's two pair indices.
struct Pairs {
    keys: Vec<(u32, f64)>,
    /// (pair of (x, t_x), pair of (x, T)) per compressed row.
    of_row: Vec<(u32, u32)>,
}

impl Pairs {
    fn new(data: &Compressed) -> Self {
        let mut index: FxMap<(u32, u64), u32> = FxMap::default();
        let mut keys = Vec::new();
        let mut id = |x: u32, y: f64| -> u32 {
            *index.entry((x, y.to_bits())).or_insert_with(|| {
                keys.push((x, y));
                (keys.len() - 1) as u32
            })
        };
        let of_row = data
            .rows
            .iter()
            .map(|r| (id(r.x, r.t_x), id(r.x, r.t)))
            .collect();
        Pairs { keys, of_row }
    }
}

/// Negative log-likelihood of compressed data on log-parameters, with analytic gradient.
struct ParetoObjective<'a> {
    data: &'a Compressed,
    pairs: &'a Pairs,
}

impl ParetoObjective<'_> {
    fn natural(&self, p: &ParetoNbdParams, g: &mut [f64; 4]) -> f64 {
        let ParetoNbdParams { r, alpha, s, beta } = *p;
        let d = self.data;
        *g = [0.0; 4];
        let mut value = 0.0;
        let (lg_r, ps_r) = (ln_gamma(r), digamma(r));
        let (ln_alpha, ln_beta) = (alpha.ln(), beta.ln());
        for &(xi, w) in &d.xs {
            let x = f64::from(xi);
            value += w * (ln_gamma(r + x) - lg_r + r * ln_alpha + s * ln_beta);
            g[0] += w * (digamma(r + x) - ps_r + ln_alpha);
            g[1] += w * r / alpha;
            g[2] += w * ln_beta;
            g[3] += w * s / beta;
        }
        let g_of_pair: Vec<(f64, [f64; 4])> = self
            .pairs
            .keys
            .iter()
            .map(|&(x, y)| ln_g(p, f64::from(x), y))
            .collect();
        let t_tab: Vec<[f64; 4]> =
            d.ts.iter()
                .map(|t| {
                    [
                        (alpha + t).ln(),
                        1.0 / (alpha + t),
                        (beta + t).ln(),
                        1.0 / (beta + t),
                    ]
                })
                .collect();
        for (row, &(p_tx, p_t)) in d.rows.iter().zip(&self.pairs.of_row) {
            let w = row.weight;
            let x = f64::from(row.x);
            let [l_at, i_at, l_bt, i_bt] = t_tab[row.it as usize];
            let ln_first = -(r + x) * l_at - s * l_bt;
            let d_first = [-l_at, -(r + x) * i_at, -l_bt, -s * i_bt];
            let a = r + s + x;
            let ln_c = (s / a).ln();
            let d_c = [-1.0 / a, 0.0, 1.0 / s - 1.0 / a, 0.0];
            let (ln_gtx, d_gtx) = g_of_pair[p_tx as usize];
            let (ln_gt, d_gt) = g_of_pair[p_t as usize];
            // Scale by the largest term so nothing overflows; G(t_x) ≥ G(T) since G decreases.
            let k = ln_first.max(ln_c + ln_gtx);
            let e1 = (ln_first - k).exp();
            let (e2, e3) = if p_tx == p_t {
                (0.0, 0.0)
            } else {
                ((ln_c + ln_gtx - k).exp(), (ln_c + ln_gt - k).exp())
            };
            let bracket = (e1 + e2 - e3).max(f64::MIN_POSITIVE);
            value += w * (k + bracket.ln());
            for i in 0..4 {
                let db = e1 * d_first[i] + e2 * (d_c[i] + d_gtx[i]) - e3 * (d_c[i] + d_gt[i]);
                g[i] += w * db / bracket;
            }
        }
        value
    }
}

impl Objective for ParetoObjective<'_> {
    fn dim(&self) -> usize {
        4
    }

    fn value_grad(&self, x: &[f64], grad: &mut [f64]) -> f64 {
        let p = ParetoNbdParams {
            r: x[0].exp(),
            alpha: x[1].exp(),
            s: x[2].exp(),
            beta: x[3].exp(),
        };
        let th = [p.r, p.alpha, p.s, p.beta];
        let mut g = [0.0; 4];
        let ll = self.natural(&p, &mut g);
        for i in 0..4 {
            grad[i] = -g[i] * th[i];
        }
        -ll
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::btyd::simulate::simulate_pareto_nbd;
    use crate::optimize::assert_derivatives;

    #[test]
    fn analytic_gradient_matches_finite_differences_on_both_branches() {
        let truth = ParetoNbdParams {
            r: 0.5,
            alpha: 10.0,
            s: 0.6,
            beta: 12.0,
        };
        let ages: Vec<f64> = (0..300).map(|i| 10.0 + f64::from(i % 30)).collect();
        let data = compress(&simulate_pareto_nbd(&truth, &ages, 1)).unwrap();
        let pairs = Pairs::new(&data);
        let objective = ParetoObjective {
            data: &data,
            pairs: &pairs,
        };
        // α > β, α < β (both ₂F₁ forms), and a ₂F₁ argument close to one.
        for x in [
            [-0.6, 2.4, -0.5, 2.2],
            [-0.6, 2.2, -0.5, 2.6],
            [0.2, -1.0, 0.1, 3.5],
        ] {
            assert_derivatives(&objective, &x);
        }
    }
}
