//! The logistic-regression baseline: standardised features (clipped at ±5 σ), missing values at
//! the mean, an L2 penalty, fitted by L-BFGS. Deterministic (no randomness; fixed-order parallel sums).

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::error::ChurnError;
use super::gbdt::{check_labels, check_names, sigmoid};
use super::matrix::FeatureMatrix;

/// Rows per parallel block of the gradient; fixed, so sums never depend on the thread count.
const BLOCK: usize = 4096;
/// Standardised values are clipped to ±this many standard deviations: a few extreme values (a
/// 10× rise, a 50-σ usage jump) would otherwise dominate the fit and slow L-BFGS tenfold.
const CLIP: f64 = 5.0;

/// Fitting parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LogisticParams {
    /// L2 penalty λ on the weights of standardised features (the loss is the sum of log-losses
    /// plus λ/2 ‖w‖², so λ = 1 is scikit-learn's C = 1); the intercept is not penalised.
    pub l2: f64,
    /// Iterations of L-BFGS, at most.
    pub max_iterations: usize,
    /// Stop when the largest gradient component of the mean loss falls below this. The defaults
    /// (1e-4, 100 iterations) are scikit-learn's: with a few hundred correlated features the loss
    /// then creeps down a flat valley for hundreds more iterations without changing the ranking.
    pub tolerance: f64,
}

impl Default for LogisticParams {
    fn default() -> Self {
        LogisticParams {
            l2: 1.0,
            max_iterations: 100,
            tolerance: 1e-4,
        }
    }
}

/// A fitted logistic regression.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogisticModel {
    /// Columns, in order.
    pub feature_names: Vec<String>,
    /// Training mean of each column (missing values are replaced by it).
    pub means: Vec<f64>,
    /// Training standard deviation of each column (1 for constant columns).
    pub scales: Vec<f64>,
    /// Weight of each standardised column.
    pub weights: Vec<f64>,
    /// Intercept.
    pub intercept: f64,
    /// L-BFGS iterations used.
    pub iterations: usize,
    /// Whether the gradient tolerance was reached.
    pub converged: bool,
}

impl LogisticModel {
    /// Probability for one row.
    pub fn predict_row(&self, row: &[f32]) -> f64 {
        sigmoid(self.intercept + dot_standardised(row, &self.means, &self.scales, &self.weights))
    }

    /// Probabilities for every row of `x`, whose columns must be the model's.
    pub fn predict(&self, x: &FeatureMatrix) -> Result<Vec<f64>, ChurnError> {
        check_names(&self.feature_names, x.names())?;
        Ok(x.rows().map(|r| self.predict_row(r)).collect())
    }
}

#[inline]
fn standardised(x: f32, mean: f64, scale: f64) -> f64 {
    if x.is_finite() {
        ((f64::from(x) - mean) / scale).clamp(-CLIP, CLIP)
    } else {
        0.0
    }
}

fn dot_standardised(row: &[f32], means: &[f64], scales: &[f64], w: &[f64]) -> f64 {
    row.iter()
        .zip(means)
        .zip(scales)
        .zip(w)
        .map(|(((&x, &m), &s), &w)| standardised(x, m, s) * w)
        .sum()
}

/// Fits the baseline on `x` and labels `y` (true = departed).
pub fn fit_logistic(
    x: &FeatureMatrix,
    y: &[bool],
    params: &LogisticParams,
) -> Result<LogisticModel, ChurnError> {
    check_labels("training", y, x.n_rows())?;
    if !(params.l2 >= 0.0 && params.l2.is_finite()) {
        return Err(ChurnError::InvalidParameter {
            name: "l2",
            value: params.l2.to_string(),
            expected: "finite and ≥ 0",
        });
    }
    let (n, p) = (x.n_rows(), x.n_features());
    let mut means = vec![0.0; p];
    let mut counts = vec![0.0; p];
    for row in x.rows() {
        for (j, &v) in row.iter().enumerate() {
            if v.is_finite() {
                means[j] += f64::from(v);
                counts[j] += 1.0;
            }
        }
    }
    for (m, c) in means.iter_mut().zip(&counts) {
        *m = if *c > 0.0 { *m / c } else { 0.0 };
    }
    let mut scales = vec![0.0; p];
    for row in x.rows() {
        for (j, &v) in row.iter().enumerate() {
            if v.is_finite() {
                scales[j] += (f64::from(v) - means[j]).powi(2);
            }
        }
    }
    for (s, c) in scales.iter_mut().zip(&counts) {
        let sd = if *c > 0.0 { (*s / c).sqrt() } else { 0.0 };
        *s = if sd > 1e-12 { sd } else { 1.0 };
    }

    // Parameters: weights then the intercept. Objective: mean log-loss + λ/(2n) ‖w‖².
    let lambda = params.l2 / n as f64;
    let width = p.max(1);
    let values = x.values();
    let inverse_scales: Vec<f64> = scales.iter().map(|s| 1.0 / s).collect();
    let objective = |theta: &[f64], grad: &mut [f64]| -> f64 {
        let (w, b) = (&theta[..p], theta[p]);
        let partials: Vec<(f64, Vec<f64>)> = values
            .par_chunks(BLOCK * width)
            .zip(y.par_chunks(BLOCK))
            .map(|(rows, labels)| {
                let mut g = vec![0.0; p + 1];
                let mut standard = vec![0.0; p];
                let mut loss = 0.0;
                for (r, &label) in labels.iter().enumerate() {
                    let row = &rows[r * width..r * width + p];
                    let mut z = b;
                    for j in 0..p {
                        let v = row[j];
                        let s = if v.is_finite() {
                            ((f64::from(v) - means[j]) * inverse_scales[j]).clamp(-CLIP, CLIP)
                        } else {
                            0.0
                        };
                        standard[j] = s;
                        z += w[j] * s;
                    }
                    let m = if label { -z } else { z };
                    loss += m.max(0.0) + (-m.abs()).exp().ln_1p();
                    let residual = sigmoid(z) - f64::from(u8::from(label));
                    for j in 0..p {
                        g[j] += residual * standard[j];
                    }
                    g[p] += residual;
                }
                (loss, g)
            })
            .collect();
        grad.fill(0.0);
        let mut loss = 0.0;
        for (l, g) in partials {
            loss += l;
            for (a, b) in grad.iter_mut().zip(g) {
                *a += b;
            }
        }
        let inv = 1.0 / n as f64;
        for (j, g) in grad.iter_mut().enumerate() {
            *g *= inv;
            if j < p {
                *g += lambda * theta[j];
            }
        }
        loss * inv + 0.5 * lambda * w.iter().map(|v| v * v).sum::<f64>()
    };
    let mut theta = vec![0.0; p + 1];
    let positives = y.iter().filter(|&&v| v).count() as f64;
    theta[p] = (positives / (n as f64 - positives)).ln();
    let (iterations, converged) = lbfgs(&mut theta, objective, params);
    Ok(LogisticModel {
        feature_names: x.names().to_vec(),
        means,
        scales,
        weights: theta[..p].to_vec(),
        intercept: theta[p],
        iterations,
        converged,
    })
}

/// Minimises a smooth convex function by L-BFGS (memory 10) with a backtracking Armijo search.
fn lbfgs(
    theta: &mut [f64],
    f: impl Fn(&[f64], &mut [f64]) -> f64,
    params: &LogisticParams,
) -> (usize, bool) {
    const MEMORY: usize = 10;
    let d = theta.len();
    let mut grad = vec![0.0; d];
    let mut value = f(theta, &mut grad);
    let mut s_hist: Vec<Vec<f64>> = Vec::new();
    let mut y_hist: Vec<Vec<f64>> = Vec::new();
    let mut next = vec![0.0; d];
    let mut next_grad = vec![0.0; d];
    let norm_inf = |g: &[f64]| g.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let dot = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f64>();

    for iteration in 0..params.max_iterations {
        if norm_inf(&grad) < params.tolerance {
            return (iteration, true);
        }
        // Two-loop recursion: direction = −H·grad.
        let mut q = grad.clone();
        let mut alphas = Vec::with_capacity(s_hist.len());
        for (s, yv) in s_hist.iter().zip(&y_hist).rev() {
            let rho = 1.0 / dot(yv, s);
            let a = rho * dot(s, &q);
            for (qi, yi) in q.iter_mut().zip(yv) {
                *qi -= a * yi;
            }
            alphas.push((rho, a));
        }
        if let (Some(s), Some(yv)) = (s_hist.last(), y_hist.last()) {
            let gamma = dot(s, yv) / dot(yv, yv);
            q.iter_mut().for_each(|v| *v *= gamma);
        } else {
            let scale = 1.0 / norm_inf(&grad).max(1.0);
            q.iter_mut().for_each(|v| *v *= scale);
        }
        for ((s, yv), (rho, a)) in s_hist.iter().zip(&y_hist).zip(alphas.into_iter().rev()) {
            let b = rho * dot(yv, &q);
            for (qi, si) in q.iter_mut().zip(s) {
                *qi += (a - b) * si;
            }
        }
        let mut direction: Vec<f64> = q.iter().map(|v| -v).collect();
        let mut slope = dot(&direction, &grad);
        if slope >= 0.0 {
            // Not a descent direction (numerical trouble): restart from steepest descent.
            s_hist.clear();
            y_hist.clear();
            direction = grad.iter().map(|g| -g).collect();
            slope = dot(&direction, &grad);
        }
        let mut step = 1.0;
        let mut accepted = false;
        for _ in 0..40 {
            for ((n, t), dv) in next.iter_mut().zip(theta.iter()).zip(&direction) {
                *n = t + step * dv;
            }
            let candidate = f(&next, &mut next_grad);
            if candidate.is_finite() && candidate <= value + 1e-4 * step * slope {
                accepted = true;
                let s: Vec<f64> = next.iter().zip(theta.iter()).map(|(a, b)| a - b).collect();
                let yv: Vec<f64> = next_grad.iter().zip(&grad).map(|(a, b)| a - b).collect();
                if dot(&s, &yv) > 1e-12 {
                    if s_hist.len() == MEMORY {
                        s_hist.remove(0);
                        y_hist.remove(0);
                    }
                    s_hist.push(s);
                    y_hist.push(yv);
                }
                theta.copy_from_slice(&next);
                grad.copy_from_slice(&next_grad);
                let improvement = value - candidate;
                value = candidate;
                if improvement.abs() <= 1e-15 * value.abs().max(1.0) {
                    return (iteration + 1, norm_inf(&grad) < params.tolerance * 10.0);
                }
                break;
            }
            step *= 0.5;
        }
        if !accepted {
            return (iteration + 1, false);
        }
    }
    (params.max_iterations, norm_inf(&grad) < params.tolerance)
}
