//! Maximum-likelihood machinery: a box-constrained minimiser on log-parameters and standard errors.
//!
//! Every model here has a handful of positive parameters, so the search runs on their logarithms
//! inside a box (1e−8 … 1e8), which keeps every trial point valid and lets a likelihood that keeps
//! rising towards an edge stop there with a warning instead of running off to infinity or NaN.
//! Models with an analytic Hessian are minimised by damped Newton (few, cheap iterations on a
//! million customers); the others by L-BFGS. Either falls back to Nelder–Mead when its line search
//! stalls, then gets a second chance from the simplex's best point.

use serde::Serialize;

use crate::error::{FitError, FitWarning};

/// Lower edge of the search box on ln θ.
pub(crate) const LN_LOWER: f64 = -18.420_680_743_952_367; // ln 1e-8
/// Upper edge of the search box on ln θ.
pub(crate) const LN_UPPER: f64 = 18.420_680_743_952_367; // ln 1e8
/// Estimates below e^this (1e−5) are reported as boundary estimates.
const LN_RUNAWAY_LOWER: f64 = -11.512_925_464_970_229; // ln 1e-5
/// Estimates above e^this (1e5) are reported as boundary estimates.
const LN_RUNAWAY_UPPER: f64 = 11.512_925_464_970_229; // ln 1e5

/// A negative log-likelihood on log-parameters.
pub(crate) trait Objective {
    /// Number of parameters.
    fn dim(&self) -> usize;
    /// Value and gradient at `x`; a non-finite value marks a point outside the domain.
    fn value_grad(&self, x: &[f64], grad: &mut [f64]) -> f64;
    /// Whether [`Objective::value_grad_hess`] is implemented.
    fn has_hessian(&self) -> bool {
        false
    }
    /// Value, gradient and row-major Hessian at `x`, when the model provides an analytic Hessian.
    fn value_grad_hess(&self, _x: &[f64], _grad: &mut [f64], _hess: &mut [f64]) -> Option<f64> {
        None
    }
}

/// How an optimisation went; part of every fit result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FitDiagnostics {
    /// Whether the gradient test passed at the reported point.
    pub converged: bool,
    /// Newton or L-BFGS iterations (both passes, when the Nelder–Mead fallback ran).
    pub iterations: usize,
    /// Likelihood evaluations, all methods included.
    pub evaluations: usize,
    /// Number of distinct data rows the likelihood was evaluated on after compression.
    pub distinct_rows: usize,
    /// Whether the Nelder–Mead fallback was needed.
    pub used_nelder_mead: bool,
    /// Cautions about the estimate; empty for a clean interior optimum.
    pub warnings: Vec<FitWarning>,
}

/// The outcome shared by every model: natural-scale estimates, their standard errors and the fit.
pub(crate) struct Estimate {
    pub params: Vec<f64>,
    pub standard_errors: Option<Vec<f64>>,
    pub log_likelihood: f64,
    pub diagnostics: FitDiagnostics,
}

/// Minimises `objective` from the log-parameters `x0` and turns the minimum into an [`Estimate`].
///
/// `names` labels the parameters in warnings; `distinct_rows` is reported in the diagnostics.
pub(crate) fn estimate(
    objective: &dyn Objective,
    x0: &[f64],
    names: &[&'static str],
    distinct_rows: usize,
) -> Result<Estimate, FitError> {
    let mut run = Run::new(objective);
    let start: Vec<f64> = x0.iter().map(|v| v.clamp(LN_LOWER, LN_UPPER)).collect();
    let mut converged = run.descend(&start, 300);
    let mut used_nelder_mead = false;
    if !run.best_value.is_finite() {
        return Err(FitError::OptimisationFailed {
            reason: "the likelihood is not finite at the starting point",
        });
    }
    if !converged {
        used_nelder_mead = true;
        let from = run.best_x.clone();
        let polished = run.nelder_mead(&from, 600 * objective.dim());
        converged = run.descend(&polished, 300);
    }
    let x = run.best_x.clone();
    let n = objective.dim();
    let mut grad = vec![0.0; n];
    let mut hess = vec![0.0; n * n];
    let value = match run.last_hessian.take() {
        // The Newton run usually ends on the best point with its Hessian already computed.
        Some((at, v, g, h)) if at == x => {
            grad = g;
            hess = h;
            v
        }
        _ => {
            run.evaluations += 1;
            match objective.value_grad_hess(&x, &mut grad, &mut hess) {
                Some(v) => v,
                None => {
                    let v = objective.value_grad(&x, &mut grad);
                    finite_difference_hessian(objective, &x, &mut hess);
                    v
                }
            }
        }
    };

    let mut warnings = Vec::new();
    // A parameter that runs towards 0 or ∞ means the data carry no information about it (no
    // heterogeneity, nobody leaves, …): the optimiser stops where the likelihood becomes flat, at the
    // box edge or far out, and the value is only a boundary estimate.
    let at_bound: Vec<bool> = x
        .iter()
        .map(|v| *v <= LN_RUNAWAY_LOWER || *v >= LN_RUNAWAY_UPPER)
        .collect();
    for (i, bound) in at_bound.iter().enumerate() {
        if *bound {
            warnings.push(FitWarning::BoundaryEstimate {
                parameter: names[i],
                value: x[i].exp(),
            });
        }
    }
    let free_gradient = projected_gradient_norm(&x, &grad);
    if !converged {
        warnings.push(FitWarning::NotConverged {
            gradient: free_gradient,
        });
    }
    let params: Vec<f64> = x.iter().map(|v| v.exp()).collect();
    // Delta method: Var(θᵢ) = θᵢ² [H⁻¹]ᵢᵢ with H the Hessian on the log scale. At a boundary the
    // curvature says nothing about uncertainty, so no standard errors are given there.
    let any_bound = at_bound.iter().any(|b| *b);
    let standard_errors = if any_bound {
        None
    } else {
        invert_spd(&hess, n).map(|inv| {
            (0..n)
                .map(|i| params[i] * inv[i * n + i].max(0.0).sqrt())
                .collect::<Vec<_>>()
        })
    };
    if standard_errors.is_none() && !any_bound {
        warnings.push(FitWarning::NoStandardErrors);
    }
    Ok(Estimate {
        params,
        standard_errors,
        log_likelihood: -value,
        diagnostics: FitDiagnostics {
            converged,
            iterations: run.iterations,
            evaluations: run.evaluations,
            distinct_rows,
            used_nelder_mead,
            warnings,
        },
    })
}

/// Converts a log-likelihood with gradient `g` and Hessian `h` in natural parameters `theta` into the
/// negative log-likelihood's gradient and row-major Hessian in ln θ; returns the negated value.
pub(crate) fn to_log_scale(
    theta: &[f64],
    log_likelihood: f64,
    g: &[f64],
    h: &[f64],
    grad: &mut [f64],
    hess: &mut [f64],
) -> f64 {
    let n = theta.len();
    for i in 0..n {
        grad[i] = -g[i] * theta[i];
        for j in 0..n {
            hess[i * n + j] = -h[i * n + j] * theta[i] * theta[j];
        }
        hess[i * n + i] -= g[i] * theta[i];
    }
    -log_likelihood
}

/// Largest gradient component that is free to move (not pushing against the box).
fn projected_gradient_norm(x: &[f64], g: &[f64]) -> f64 {
    x.iter()
        .zip(g)
        .filter(|(xi, gi)| is_free(**xi, **gi))
        .map(|(_, gi)| gi.abs())
        .fold(0.0, f64::max)
}

/// A coordinate is free unless it sits on an edge and the descent direction points outwards.
fn is_free(x: f64, g: f64) -> bool {
    !((x <= LN_LOWER + 1e-9 && g > 0.0) || (x >= LN_UPPER - 1e-9 && g < 0.0))
}

/// Central differences of the analytic gradient; symmetrised.
fn finite_difference_hessian(objective: &dyn Objective, x: &[f64], hess: &mut [f64]) {
    let n = x.len();
    let mut gp = vec![0.0; n];
    let mut gm = vec![0.0; n];
    let mut xp = x.to_vec();
    for j in 0..n {
        let h = 1e-5 * (1.0 + x[j].abs());
        xp[j] = x[j] + h;
        objective.value_grad(&xp, &mut gp);
        xp[j] = x[j] - h;
        objective.value_grad(&xp, &mut gm);
        xp[j] = x[j];
        for i in 0..n {
            hess[i * n + j] = (gp[i] - gm[i]) / (2.0 * h);
        }
    }
    for i in 0..n {
        for j in 0..i {
            let m = 0.5 * (hess[i * n + j] + hess[j * n + i]);
            hess[i * n + j] = m;
            hess[j * n + i] = m;
        }
    }
}

/// Cholesky factor (lower, row-major) of a symmetric matrix, or None if it is not positive definite.
fn cholesky(a: &[f64], n: usize) -> Option<Vec<f64>> {
    let mut l = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..=i {
            let mut s = a[i * n + j];
            for k in 0..j {
                s -= l[i * n + k] * l[j * n + k];
            }
            if i == j {
                if s.is_nan() || s <= 0.0 || !s.is_finite() {
                    return None;
                }
                l[i * n + i] = s.sqrt();
            } else {
                l[i * n + j] = s / l[j * n + j];
            }
        }
    }
    Some(l)
}

/// Solves L Lᵀ x = b in place.
fn cholesky_solve(l: &[f64], n: usize, b: &mut [f64]) {
    for i in 0..n {
        let mut s = b[i];
        for k in 0..i {
            s -= l[i * n + k] * b[k];
        }
        b[i] = s / l[i * n + i];
    }
    for i in (0..n).rev() {
        let mut s = b[i];
        for k in i + 1..n {
            s -= l[k * n + i] * b[k];
        }
        b[i] = s / l[i * n + i];
    }
}

/// Inverse of a symmetric positive definite matrix, or None.
fn invert_spd(a: &[f64], n: usize) -> Option<Vec<f64>> {
    let l = cholesky(a, n)?;
    let mut inv = vec![0.0; n * n];
    let mut col = vec![0.0; n];
    for j in 0..n {
        col.iter_mut().for_each(|c| *c = 0.0);
        col[j] = 1.0;
        cholesky_solve(&l, n, &mut col);
        for i in 0..n {
            inv[i * n + j] = col[i];
        }
    }
    inv.iter().all(|v| v.is_finite()).then_some(inv)
}

/// A point with its value, gradient and row-major Hessian.
type FullEvaluation = (Vec<f64>, f64, Vec<f64>, Vec<f64>);

/// State of one minimisation: counters and the best point seen, whatever method found it.
struct Run<'a> {
    objective: &'a dyn Objective,
    best_x: Vec<f64>,
    best_value: f64,
    iterations: usize,
    evaluations: usize,
    /// The last point where Newton computed value, gradient and Hessian, with them.
    last_hessian: Option<FullEvaluation>,
}

impl<'a> Run<'a> {
    fn new(objective: &'a dyn Objective) -> Self {
        Run {
            objective,
            best_x: Vec::new(),
            best_value: f64::INFINITY,
            iterations: 0,
            evaluations: 0,
            last_hessian: None,
        }
    }

    fn record(&mut self, x: &[f64], value: f64) {
        if value.is_finite() && (value < self.best_value || self.best_x.is_empty()) {
            self.best_value = value;
            self.best_x = x.to_vec();
        }
    }

    fn value_grad(&mut self, x: &[f64], grad: &mut [f64]) -> f64 {
        self.evaluations += 1;
        let v = self.objective.value_grad(x, grad);
        let v = if v.is_finite() && grad.iter().all(|g| g.is_finite()) {
            v
        } else {
            f64::INFINITY
        };
        self.record(x, v);
        v
    }

    fn value(&mut self, x: &[f64]) -> f64 {
        let mut grad = vec![0.0; x.len()];
        self.value_grad(x, &mut grad)
    }

    /// Newton when the objective has a Hessian, L-BFGS otherwise; returns whether it converged.
    fn descend(&mut self, x0: &[f64], max_iterations: usize) -> bool {
        if self.objective.has_hessian() {
            self.newton(x0, max_iterations)
        } else {
            self.lbfgs(x0, max_iterations)
        }
    }

    /// Gradient tolerance: relative to the size of the log-likelihood, which grows with the data.
    fn tolerance(value: f64) -> f64 {
        1e-8 * value.abs().max(1.0)
    }

    /// Backtracking (Armijo) line search along `d` from `x`, projected onto the box.
    /// Returns the accepted point, its value and gradient, or None if no decrease was found.
    fn line_search(
        &mut self,
        x: &[f64],
        f: f64,
        g: &[f64],
        d: &[f64],
    ) -> Option<(Vec<f64>, f64, Vec<f64>)> {
        let n = x.len();
        let mut t = 1.0;
        let mut grad = vec![0.0; n];
        for _ in 0..60 {
            let trial: Vec<f64> = (0..n)
                .map(|i| (x[i] + t * d[i]).clamp(LN_LOWER, LN_UPPER))
                .collect();
            let slope: f64 = (0..n).map(|i| g[i] * (trial[i] - x[i])).sum();
            let fv = self.value_grad(&trial, &mut grad);
            if fv.is_finite() && fv <= f + 1e-4 * slope.min(0.0) {
                return Some((trial, fv, grad));
            }
            t *= 0.5;
        }
        None
    }

    /// Value, gradient and Hessian at `x`, remembered for reuse; None outside the domain.
    fn full(&mut self, x: &[f64]) -> Option<(f64, Vec<f64>, Vec<f64>)> {
        let n = x.len();
        let (mut g, mut h) = (vec![0.0; n], vec![0.0; n * n]);
        self.evaluations += 1;
        let f = self.objective.value_grad_hess(x, &mut g, &mut h)?;
        if !f.is_finite() || !g.iter().chain(&h).all(|v| v.is_finite()) {
            return None;
        }
        self.record(x, f);
        self.last_hessian = Some((x.to_vec(), f, g.clone(), h.clone()));
        Some((f, g, h))
    }

    fn newton(&mut self, x0: &[f64], max_iterations: usize) -> bool {
        let n = x0.len();
        let mut x = x0.to_vec();
        let Some((mut f, mut g, mut h)) = self.full(&x) else {
            return false;
        };
        for _ in 0..max_iterations {
            let free: Vec<usize> = (0..n).filter(|&i| is_free(x[i], g[i])).collect();
            let gmax = free.iter().map(|&i| g[i].abs()).fold(0.0, f64::max);
            if gmax <= Self::tolerance(f) {
                return true;
            }
            self.iterations += 1;
            let m = free.len();
            let mut sub: Vec<f64> = free
                .iter()
                .flat_map(|&i| free.iter().map(move |&j| (i, j)))
                .map(|(i, j)| h[i * n + j])
                .collect();
            // Levenberg damping until the (free) Hessian is positive definite.
            let scale = (0..m).map(|i| sub[i * m + i].abs()).fold(1e-12, f64::max);
            let mut lambda = 0.0;
            let factor = loop {
                if let Some(l) = cholesky(&sub, m) {
                    break Some(l);
                }
                let next = if lambda == 0.0 {
                    1e-8 * scale
                } else {
                    lambda * 10.0
                };
                for i in 0..m {
                    sub[i * m + i] += next - lambda;
                }
                lambda = next;
                if lambda > 1e12 * scale {
                    break None;
                }
            };
            let Some(l) = factor else { return false };
            let mut step: Vec<f64> = free.iter().map(|&i| -g[i]).collect();
            cholesky_solve(&l, m, &mut step);
            // Keep a single step within a factor e³ per parameter: far from the optimum the quadratic
            // model is poor and a huge step would only be cut back by the line search.
            let longest = step.iter().fold(0.0_f64, |a, v| a.max(v.abs()));
            if longest > 3.0 {
                step.iter_mut().for_each(|v| *v *= 3.0 / longest);
            }
            let mut d = vec![0.0; n];
            for (k, &i) in free.iter().enumerate() {
                d[i] = step[k];
            }
            // Backtracking on the full evaluation: the accepted point's Hessian is the next one's.
            let mut t = 1.0;
            let mut accepted = None;
            for _ in 0..60 {
                let trial: Vec<f64> = (0..n)
                    .map(|i| (x[i] + t * d[i]).clamp(LN_LOWER, LN_UPPER))
                    .collect();
                let slope: f64 = (0..n).map(|i| g[i] * (trial[i] - x[i])).sum();
                if let Some((fv, gv, hv)) = self.full(&trial)
                    && fv <= f + 1e-4 * slope.min(0.0)
                {
                    accepted = Some((trial, fv, gv, hv));
                    break;
                }
                t *= 0.5;
            }
            let Some((next, fv, gv, hv)) = accepted else {
                return gmax <= 1e-4 * f.abs().max(1.0);
            };
            let moved = next.iter().zip(&x).any(|(a, b)| a != b);
            let progress = f - fv;
            (x, f, g, h) = (next, fv, gv, hv);
            if !moved || progress.abs() <= 1e-15 * f.abs().max(1.0) {
                // No progress is possible at double precision: converged if the gradient is small
                // on any reasonable scale.
                let gmax = (0..n)
                    .filter(|&i| is_free(x[i], g[i]))
                    .map(|i| g[i].abs())
                    .fold(0.0, f64::max);
                return gmax <= 1e-4 * f.abs().max(1.0);
            }
        }
        false
    }

    fn lbfgs(&mut self, x0: &[f64], max_iterations: usize) -> bool {
        const MEMORY: usize = 8;
        let n = x0.len();
        let mut x = x0.to_vec();
        let mut g = vec![0.0; n];
        let mut f = self.value_grad(&x, &mut g);
        if !f.is_finite() {
            return false;
        }
        let mut history: Vec<(Vec<f64>, Vec<f64>, f64)> = Vec::new();
        for _ in 0..max_iterations {
            let free: Vec<bool> = (0..n).map(|i| is_free(x[i], g[i])).collect();
            let gmax = (0..n)
                .filter(|&i| free[i])
                .map(|i| g[i].abs())
                .fold(0.0, f64::max);
            if gmax <= Self::tolerance(f) {
                return true;
            }
            self.iterations += 1;
            // Two-loop recursion on the free coordinates.
            let mut q: Vec<f64> = (0..n).map(|i| if free[i] { g[i] } else { 0.0 }).collect();
            let mut alphas = Vec::with_capacity(history.len());
            for (s, y, rho) in history.iter().rev() {
                let a = rho * dot(s, &q);
                for i in 0..n {
                    q[i] -= a * y[i];
                }
                alphas.push(a);
            }
            let gamma = match history.last() {
                Some((s, y, _)) => dot(s, y) / dot(y, y),
                None => 1.0 / gmax.max(1.0),
            };
            q.iter_mut().for_each(|v| *v *= gamma);
            for ((s, y, rho), a) in history.iter().zip(alphas.iter().rev()) {
                let b = rho * dot(y, &q);
                for i in 0..n {
                    q[i] += (a - b) * s[i];
                }
            }
            let mut d: Vec<f64> = (0..n).map(|i| if free[i] { -q[i] } else { 0.0 }).collect();
            if dot(&d, &g) >= 0.0 {
                history.clear();
                d = (0..n)
                    .map(|i| if free[i] { -g[i] / gmax.max(1.0) } else { 0.0 })
                    .collect();
            }
            let longest = d.iter().fold(0.0_f64, |a, v| a.max(v.abs()));
            if longest > 3.0 {
                d.iter_mut().for_each(|v| *v *= 3.0 / longest);
            }
            match self.line_search(&x, f, &g, &d) {
                Some((next, fv, gn)) => {
                    let s: Vec<f64> = (0..n).map(|i| next[i] - x[i]).collect();
                    let y: Vec<f64> = (0..n).map(|i| gn[i] - g[i]).collect();
                    let sy = dot(&s, &y);
                    if sy > 1e-12 * dot(&s, &s).sqrt() * dot(&y, &y).sqrt() {
                        if history.len() == MEMORY {
                            history.remove(0);
                        }
                        history.push((s, y, 1.0 / sy));
                    }
                    let progress = f - fv;
                    x = next;
                    f = fv;
                    g = gn;
                    if progress <= 1e-15 * f.abs().max(1.0) {
                        let gmax = (0..n)
                            .filter(|&i| is_free(x[i], g[i]))
                            .map(|i| g[i].abs())
                            .fold(0.0, f64::max);
                        if gmax <= Self::tolerance(f) {
                            return true;
                        }
                        if history.is_empty() {
                            return gmax <= 1e-4 * f.abs().max(1.0);
                        }
                        history.clear();
                    }
                }
                None => {
                    if history.is_empty() {
                        return gmax <= 1e-4 * f.abs().max(1.0);
                    }
                    history.clear();
                }
            }
        }
        false
    }

    /// Nelder–Mead on the box; returns the best vertex.
    fn nelder_mead(&mut self, x0: &[f64], max_evaluations: usize) -> Vec<f64> {
        let n = x0.len();
        let clamp = |v: Vec<f64>| -> Vec<f64> {
            v.into_iter().map(|x| x.clamp(LN_LOWER, LN_UPPER)).collect()
        };
        let mut simplex: Vec<(Vec<f64>, f64)> = Vec::with_capacity(n + 1);
        let f0 = self.value(x0);
        simplex.push((x0.to_vec(), f0));
        for i in 0..n {
            let mut v = x0.to_vec();
            v[i] += if v[i] + 0.5 <= LN_UPPER { 0.5 } else { -0.5 };
            let fv = self.value(&v);
            simplex.push((v, fv));
        }
        let start = self.evaluations;
        while self.evaluations - start < max_evaluations {
            simplex.sort_by(|a, b| a.1.total_cmp(&b.1));
            let (best, worst) = (simplex[0].1, simplex[n].1);
            let size = (1..=n)
                .flat_map(|k| (0..n).map(move |i| (k, i)))
                .map(|(k, i)| (simplex[k].0[i] - simplex[0].0[i]).abs())
                .fold(0.0, f64::max);
            if (worst - best).abs() <= 1e-12 * best.abs().max(1.0) && size < 1e-8 {
                break;
            }
            let centroid: Vec<f64> = (0..n)
                .map(|i| simplex[..n].iter().map(|v| v.0[i]).sum::<f64>() / n as f64)
                .collect();
            let along = |t: f64, p: &[f64]| -> Vec<f64> {
                clamp(
                    (0..n)
                        .map(|i| centroid[i] + t * (p[i] - centroid[i]))
                        .collect(),
                )
            };
            let worst_x = simplex[n].0.clone();
            let reflected = along(-1.0, &worst_x);
            let fr = self.value(&reflected);
            if fr < simplex[0].1 {
                let expanded = along(-2.0, &worst_x);
                let fe = self.value(&expanded);
                simplex[n] = if fe < fr {
                    (expanded, fe)
                } else {
                    (reflected, fr)
                };
            } else if fr < simplex[n - 1].1 {
                simplex[n] = (reflected, fr);
            } else {
                let contracted = if fr < simplex[n].1 {
                    along(-0.5, &worst_x)
                } else {
                    along(0.5, &worst_x)
                };
                let fc = self.value(&contracted);
                if fc < simplex[n].1.min(fr) {
                    simplex[n] = (contracted, fc);
                } else {
                    let best_x = simplex[0].0.clone();
                    for vertex in simplex.iter_mut().skip(1) {
                        let shrunk: Vec<f64> = (0..n)
                            .map(|i| best_x[i] + 0.5 * (vertex.0[i] - best_x[i]))
                            .collect();
                        vertex.1 = self.value(&shrunk);
                        vertex.0 = shrunk;
                    }
                }
            }
        }
        self.best_x.clone()
    }
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Checks an objective's analytic gradient (and Hessian, if any) against central differences at `x`.
#[cfg(test)]
pub(crate) fn assert_derivatives(objective: &dyn Objective, x: &[f64]) {
    let n = x.len();
    let mut g = vec![0.0; n];
    let f = objective.value_grad(x, &mut g);
    assert!(f.is_finite());
    let mut fd_hess = vec![0.0; n * n];
    finite_difference_hessian(objective, x, &mut fd_hess);
    let mut scratch = vec![0.0; n];
    for i in 0..n {
        let h = 1e-6;
        let mut xp = x.to_vec();
        xp[i] += h;
        let fp = objective.value_grad(&xp, &mut scratch);
        xp[i] -= 2.0 * h;
        let fm = objective.value_grad(&xp, &mut scratch);
        let fd = (fp - fm) / (2.0 * h);
        let tol = 1e-6 * (1.0 + g[i].abs() + f.abs() * 1e-3);
        assert!(
            (fd - g[i]).abs() <= tol,
            "gradient {i}: analytic {} vs numeric {fd}",
            g[i]
        );
    }
    if objective.has_hessian() {
        let mut hess = vec![0.0; n * n];
        let mut g2 = vec![0.0; n];
        objective.value_grad_hess(x, &mut g2, &mut hess).unwrap();
        for k in 0..n * n {
            let tol = 1e-5 * (1.0 + fd_hess[k].abs());
            assert!(
                (hess[k] - fd_hess[k]).abs() <= tol,
                "hessian {k}: analytic {} vs numeric {}",
                hess[k],
                fd_hess[k]
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rosenbrock on the log scale: f(x) = (1 − x₀)² + 100 (x₁ − x₀²)², minimum at ln θ = (1, 1).
    struct Rosenbrock {
        hessian: bool,
    }

    impl Objective for Rosenbrock {
        fn dim(&self) -> usize {
            2
        }
        fn value_grad(&self, x: &[f64], g: &mut [f64]) -> f64 {
            let (a, b) = (x[0], x[1]);
            g[0] = -2.0 * (1.0 - a) - 400.0 * a * (b - a * a);
            g[1] = 200.0 * (b - a * a);
            (1.0 - a).powi(2) + 100.0 * (b - a * a).powi(2)
        }
        fn has_hessian(&self) -> bool {
            self.hessian
        }
        fn value_grad_hess(&self, x: &[f64], g: &mut [f64], h: &mut [f64]) -> Option<f64> {
            if !self.hessian {
                return None;
            }
            let (a, b) = (x[0], x[1]);
            h[0] = 2.0 - 400.0 * (b - a * a) + 800.0 * a * a;
            h[1] = -400.0 * a;
            h[2] = -400.0 * a;
            h[3] = 200.0;
            Some(self.value_grad(x, g))
        }
    }

    #[test]
    fn both_methods_find_the_rosenbrock_minimum() {
        for hessian in [true, false] {
            let est = estimate(&Rosenbrock { hessian }, &[-1.2, 1.0], &["a", "b"], 1).unwrap();
            assert!(est.diagnostics.converged, "hessian = {hessian}");
            let (a, b) = (est.params[0].ln(), est.params[1].ln());
            assert!(
                (a - 1.0).abs() < 1e-6 && (b - 1.0).abs() < 1e-6,
                "({a}, {b})"
            );
        }
    }
}
