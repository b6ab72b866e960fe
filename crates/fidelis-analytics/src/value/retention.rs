//! Potential of contracts: relationship lines, cohorts by start month, sBG retention per cohort (a
//! pooled fit where a cohort is too small, too short or left-truncated) and the discounted margin.
//!
//! A *line* is one contracted relationship: a contract, followed by the contracts that replace it.
//! A contract that stops and is followed within 31 days by a contract of the same customer and product
//! category (a renewal, a move to another plan, a retention offer) continues the line; a line ends
//! when its last contract stops with no successor. Retention is measured on lines, so a renewal is
//! not a departure, and a cohort is the lines started in one calendar month.
//!
//! Cohorts that started before `history_start` are left-truncated: the data hold only the lines
//! that survived until the history begins, not those that left earlier, so their survivor counts
//! would overstate retention. They are not fitted; their lines use the pooled fit.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use crate::btyd::sbg::{SbgParams, fit_sbg};
use crate::calendar::{Month, complete_months};
use crate::error::FitError;
use crate::optimize::{Objective, estimate, to_log_scale};
use crate::pnl::{ContractRow, History, Id, Product};
use crate::special::{digamma, ln_beta, trigamma};

/// A stopped contract followed within this many days by one of the same category continues its line.
const SUCCESSOR_DAYS: i32 = 31;

/// Months a cohort must be observed for its own fit.
const MIN_COHORT_MONTHS: u32 = 3;

/// A retention curve: the probability of renewing each month.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RetentionCurve {
    /// Shifted-beta-geometric: retention rises with tenure.
    Sbg {
        /// α of the churn-probability beta.
        alpha: f64,
        /// β of the churn-probability beta.
        beta: f64,
    },
    /// The same retention every month: the fallback when no sBG could be fitted.
    Constant {
        /// Monthly retention in [0, 1].
        retention: f64,
    },
}

impl RetentionCurve {
    /// Expected discounted margin of a line that has run `tenure` months, paying `margin` at each
    /// of the next `horizon` monthly renewals it survives (the first one undiscounted).
    pub fn discounted_margin(
        &self,
        margin: f64,
        monthly_discount: f64,
        tenure: u32,
        horizon: u32,
    ) -> f64 {
        match *self {
            RetentionCurve::Sbg { alpha, beta } => crate::clv::contractual_clv(
                &SbgParams { alpha, beta },
                margin,
                monthly_discount,
                tenure,
                horizon,
            ),
            RetentionCurve::Constant { retention } => {
                let (mut alive, mut discount, mut total) = (1.0, 1.0, 0.0);
                for _ in 0..horizon {
                    alive *= retention;
                    total += margin * alive * discount;
                    discount /= 1.0 + monthly_discount;
                }
                total
            }
        }
    }
}

/// One cohort of lines, as reported with a refresh.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CohortRetention {
    /// Start month of the lines.
    pub cohort: Month,
    /// Lines started that month.
    pub lines: usize,
    /// survivors[t]: lines still running after t complete months (t = 0 … months observed).
    pub survivors: Vec<u64>,
    /// Whether the cohort started before the history (not fitted).
    pub truncated: bool,
    /// The cohort's own sBG fit, when it has one; otherwise its lines use the pooled curve.
    pub fit: Option<RetentionCurve>,
}

/// Retention of every cohort and the pooled curve.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RetentionSummary {
    /// Every cohort, by month.
    pub cohorts: Vec<CohortRetention>,
    /// The curve of cohorts without their own fit.
    pub pooled: Option<RetentionCurve>,
}

/// A relationship line.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Line {
    pub customer: Id,
    pub start: i32,
    /// Day the line ended, when on or before `as_of`.
    pub stop: Option<i32>,
    /// Index of its latest contract in `history.contracts`.
    pub current: usize,
}

/// Groups the contracts started by `as_of` into lines.
pub(crate) fn lines(history: &History, as_of: i32) -> Vec<Line> {
    let categories: HashMap<Id, &str> = history
        .products
        .iter()
        .map(|p: &Product| (p.id, p.category.as_str()))
        .collect();
    let category = |k: &ContractRow| categories.get(&k.product).copied().unwrap_or("");
    let mut order: Vec<usize> = (0..history.contracts.len())
        .filter(|&i| history.contracts[i].start <= as_of)
        .collect();
    order.sort_by(|&a, &b| {
        let (ka, kb) = (&history.contracts[a], &history.contracts[b]);
        (ka.customer, category(ka), ka.start, a).cmp(&(kb.customer, category(kb), kb.start, b))
    });
    let mut out: Vec<Line> = Vec::with_capacity(order.len());
    let mut group_start = 0;
    for (n, &i) in order.iter().enumerate() {
        let k = &history.contracts[i];
        if n > 0 {
            let prev = &history.contracts[order[n - 1]];
            if (prev.customer, category(prev)) != (k.customer, category(k)) {
                group_start = out.len();
            }
        }
        let stop = k.stop.filter(|s| *s <= as_of);
        // The ended line of this group whose end is nearest to this start, within the window.
        let predecessor = out[group_start..]
            .iter()
            .enumerate()
            .filter_map(|(j, l)| {
                let s = l.stop?;
                (k.start >= s - SUCCESSOR_DAYS
                    && k.start <= s + SUCCESSOR_DAYS
                    && l.start <= k.start)
                    .then_some((j, (k.start - s).abs()))
            })
            .min_by_key(|(_, gap)| *gap)
            .map(|(j, _)| group_start + j);
        match predecessor {
            Some(j) => {
                out[j].stop = stop;
                out[j].current = i;
            }
            None => out.push(Line {
                customer: k.customer,
                start: k.start,
                stop,
                current: i,
            }),
        }
    }
    out
}

/// The retention curve of every line, and what was fitted.
pub(crate) struct Retention {
    pub summary: RetentionSummary,
    by_cohort: HashMap<Month, RetentionCurve>,
    pub warnings: Vec<String>,
}

impl Retention {
    /// The curve for a line started on `start`.
    pub fn curve(&self, start: i32) -> Option<RetentionCurve> {
        self.by_cohort
            .get(&Month::of_day(start))
            .copied()
            .or(self.summary.pooled)
    }
}

pub(crate) fn fit_retention(
    lines: &[Line],
    as_of: i32,
    history_start: Option<i32>,
    min_cohort_lines: usize,
) -> Retention {
    let mut cohorts: BTreeMap<Month, Vec<&Line>> = BTreeMap::new();
    for l in lines {
        cohorts.entry(Month::of_day(l.start)).or_default().push(l);
    }
    let first_month = history_start.map(Month::of_day);
    let mut summary = RetentionSummary {
        cohorts: Vec::with_capacity(cohorts.len()),
        pooled: None,
    };
    let mut by_cohort = HashMap::new();
    let mut warnings = Vec::new();
    for (month, members) in &cohorts {
        let observed = members
            .iter()
            .map(|l| complete_months(l.start, as_of))
            .min()
            .unwrap_or(0);
        let mut churned_at = vec![0u64; observed as usize + 1];
        for l in members {
            if let Some(s) = l.stop {
                let t = complete_months(l.start, s) + 1;
                if t <= observed {
                    churned_at[t as usize] += 1;
                }
            }
        }
        let mut survivors = Vec::with_capacity(churned_at.len());
        let mut alive = members.len() as u64;
        for c in &churned_at {
            alive -= c;
            survivors.push(alive);
        }
        let truncated = first_month.is_some_and(|f| *month < f);
        let fit =
            if !truncated && members.len() >= min_cohort_lines && observed >= MIN_COHORT_MONTHS {
                fit_sbg(&survivors)
                    .ok()
                    .filter(|f| f.diagnostics.warnings.is_empty())
                    .map(|f| RetentionCurve::Sbg {
                        alpha: f.params.alpha,
                        beta: f.params.beta,
                    })
            } else {
                None
            };
        if let Some(curve) = fit {
            by_cohort.insert(*month, curve);
        }
        summary.cohorts.push(CohortRetention {
            cohort: *month,
            lines: members.len(),
            survivors,
            truncated,
            fit,
        });
    }

    let mut usable: Vec<&Vec<u64>> = summary
        .cohorts
        .iter()
        .filter(|c| !c.truncated && c.survivors.len() > 1)
        .map(|c| &c.survivors)
        .collect();
    if usable.is_empty() && !summary.cohorts.is_empty() {
        warnings.push(
            "every contract cohort starts before the history: the pooled retention is fitted on \
             left-truncated cohorts and overstates retention"
                .into(),
        );
        usable = summary
            .cohorts
            .iter()
            .filter(|c| c.survivors.len() > 1)
            .map(|c| &c.survivors)
            .collect();
    }
    if !usable.is_empty() {
        summary.pooled = Some(match fit_sbg_cohorts(&usable) {
            Ok(curve) => curve,
            Err(e) => {
                let retention = constant_retention(&usable);
                warnings.push(format!(
                    "pooled sBG retention not fitted ({e}): constant monthly retention {retention:.4} used"
                ));
                RetentionCurve::Constant { retention }
            }
        });
    }
    Retention {
        summary,
        by_cohort,
        warnings,
    }
}

/// Monthly retention 1 − churned / exposure-months over the cohorts: the geometric estimate.
fn constant_retention(cohorts: &[&Vec<u64>]) -> f64 {
    let (mut churned, mut exposure) = (0u64, 0u64);
    for s in cohorts {
        for w in s.windows(2) {
            churned += w[0] - w[1];
            exposure += w[0];
        }
    }
    if exposure == 0 {
        1.0
    } else {
        1.0 - churned as f64 / exposure as f64
    }
}

/// Fits one sBG to several cohorts observed for different lengths (the sum of their likelihoods).
/// A boundary estimate (nobody churns, everybody churns at once) is an error here: the caller falls
/// back to a constant retention.
pub fn fit_sbg_cohorts(cohorts: &[&Vec<u64>]) -> Result<RetentionCurve, FitError> {
    let mut objective = Cohorts {
        churned: Vec::new(),
        survivors: Vec::new(),
    };
    let mut any_churn = false;
    let mut any_survivor = false;
    for s in cohorts {
        for (t, w) in s.windows(2).enumerate() {
            let c = (w[0] - w[1]) as f64;
            if c > 0.0 {
                objective.churned.push((t as f64 + 1.0, c));
                any_churn = true;
            }
        }
        let n = s.len() - 1;
        if s[n] > 0 && n > 0 {
            objective.survivors.push((n as f64, s[n] as f64));
            any_survivor = true;
        }
    }
    if !any_churn {
        return Err(FitError::Degenerate {
            reason: "no contract line ended",
        });
    }
    if !any_survivor {
        return Err(FitError::Degenerate {
            reason: "every contract line ended",
        });
    }
    let est = estimate(&objective, &[0.0, 0.0], &["alpha", "beta"], cohorts.len())?;
    if !est.diagnostics.warnings.is_empty() {
        return Err(FitError::Degenerate {
            reason: "the pooled retention has no interior optimum",
        });
    }
    Ok(RetentionCurve::Sbg {
        alpha: est.params[0],
        beta: est.params[1],
    })
}

/// Pooled cohorts as weighted terms: churn at period t (weight) and survival past n (weight).
struct Cohorts {
    churned: Vec<(f64, f64)>,
    survivors: Vec<(f64, f64)>,
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

impl Objective for Cohorts {
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
        let mut ll = 0.0;
        let mut add = |w: f64, (v, gi, hi): (f64, [f64; 2], [f64; 3])| {
            ll += w * v;
            g[0] += w * gi[0];
            g[1] += w * gi[1];
            h[0] += w * hi[0];
            h[1] += w * hi[1];
            h[3] += w * hi[2];
        };
        // P(T = t) = B(α + 1, β + t − 1)/B(α, β); S(n) = B(α, β + n)/B(α, β).
        for &(t, w) in &self.churned {
            add(w, ln_beta_ratio(th[0], th[1], 1.0, t - 1.0));
        }
        for &(n, w) in &self.survivors {
            add(w, ln_beta_ratio(th[0], th[1], 0.0, n));
        }
        h[2] = h[1];
        Some(to_log_scale(&th, ll, &g, &h, grad, hess))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::optimize::assert_derivatives;

    #[test]
    fn pooled_objective_derivatives_match_finite_differences() {
        let a = vec![1000, 631, 468, 382, 326];
        let b = vec![500, 320, 240];
        let objective = Cohorts {
            churned: vec![
                (1.0, 369.0),
                (2.0, 163.0),
                (3.0, 86.0),
                (4.0, 56.0),
                (1.0, 180.0),
                (2.0, 80.0),
            ],
            survivors: vec![(4.0, 326.0), (2.0, 240.0)],
        };
        for x in [[-0.35, 0.17], [1.0, -1.0]] {
            assert_derivatives(&objective, &x);
        }
        // One cohort pooled alone is the plain sBG fit.
        let alone = fit_sbg_cohorts(&[&a]).unwrap();
        let plain = fit_sbg(&a).unwrap().params;
        let RetentionCurve::Sbg { alpha, beta } = alone else {
            panic!("expected an sBG curve, got {alone:?}");
        };
        assert!(
            (alpha - plain.alpha).abs() < 1e-4 * plain.alpha,
            "{alpha} vs {}",
            plain.alpha
        );
        assert!(
            (beta - plain.beta).abs() < 1e-4 * plain.beta,
            "{beta} vs {}",
            plain.beta
        );
        assert!(fit_sbg_cohorts(&[&a, &b]).is_ok());
    }
}
