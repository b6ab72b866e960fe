//! Ranking and probability metrics for a binary target: AUC, PR-AUC, lift and capture, calibration,
//! Brier score and log-loss. Ties in scores are handled exactly (tied rows share their credit).

use serde::{Deserialize, Serialize};

use super::error::ChurnError;
use super::gbdt::check_labels;

fn check(scores: &[f64], labels: &[bool]) -> Result<(), ChurnError> {
    check_labels("evaluation", labels, scores.len())?;
    if let Some(i) = scores.iter().position(|s| !s.is_finite()) {
        return Err(ChurnError::InvalidParameter {
            name: "score",
            value: format!("row {i}: {}", scores[i]),
            expected: "finite scores",
        });
    }
    Ok(())
}

/// Row indices sorted by decreasing score (stable: ties keep row order).
fn by_decreasing_score(scores: &[f64]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]));
    order
}

/// Groups of tied scores in `order`: (start, end) ranges.
fn tie_groups<'a>(
    scores: &'a [f64],
    order: &'a [usize],
) -> impl Iterator<Item = (usize, usize)> + 'a {
    let mut start = 0;
    std::iter::from_fn(move || {
        if start >= order.len() {
            return None;
        }
        let s = scores[order[start]];
        let mut end = start + 1;
        while end < order.len() && scores[order[end]] == s {
            end += 1;
        }
        let group = (start, end);
        start = end;
        Some(group)
    })
}

/// Area under the ROC curve: the probability that a random positive scores above a random
/// negative, ties counting one half (the Mann–Whitney statistic with mid-ranks).
pub fn roc_auc(scores: &[f64], labels: &[bool]) -> Result<f64, ChurnError> {
    check(scores, labels)?;
    let order = by_decreasing_score(scores);
    let positives = labels.iter().filter(|&&y| y).count() as f64;
    let negatives = labels.len() as f64 - positives;
    // Walking down the scores: each negative is outranked by the positives above it, and half of
    // the positives tied with it; those are the pairs the ranking gets right.
    let mut positives_above = 0.0;
    let mut wins = 0.0;
    for (start, end) in tie_groups(scores, &order) {
        let group = &order[start..end];
        let pos = group.iter().filter(|&&i| labels[i]).count() as f64;
        let neg = group.len() as f64 - pos;
        wins += neg * (positives_above + 0.5 * pos);
        positives_above += pos;
    }
    Ok(wins / (positives * negatives))
}

/// Area under the precision-recall curve as average precision: Σ (R_k − R_{k−1}) P_k over the
/// distinct score thresholds, from the highest.
pub fn pr_auc(scores: &[f64], labels: &[bool]) -> Result<f64, ChurnError> {
    check(scores, labels)?;
    let order = by_decreasing_score(scores);
    let positives = labels.iter().filter(|&&y| y).count() as f64;
    let (mut tp, mut seen, mut ap) = (0.0, 0.0, 0.0);
    for (start, end) in tie_groups(scores, &order) {
        let pos = order[start..end].iter().filter(|&&i| labels[i]).count() as f64;
        tp += pos;
        seen += (end - start) as f64;
        ap += (pos / positives) * (tp / seen);
    }
    Ok(ap)
}

/// Lift and capture in the top `fraction` of rows by score.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Lift {
    /// Share of rows targeted.
    pub fraction: f64,
    /// Positive rate among them ÷ overall positive rate.
    pub lift: f64,
    /// Share of all positives they hold.
    pub capture: f64,
}

/// Lift and capture of the top `fraction` (0 < fraction ≤ 1) by score. The cut holds exactly
/// `fraction × n` rows; a tie group straddling it contributes its positives pro rata.
pub fn lift_at(scores: &[f64], labels: &[bool], fraction: f64) -> Result<Lift, ChurnError> {
    check(scores, labels)?;
    if !(fraction > 0.0 && fraction <= 1.0) {
        return Err(ChurnError::InvalidParameter {
            name: "fraction",
            value: fraction.to_string(),
            expected: "in (0, 1]",
        });
    }
    let n = scores.len() as f64;
    let cut = fraction * n;
    let order = by_decreasing_score(scores);
    let positives = labels.iter().filter(|&&y| y).count() as f64;
    let mut captured = 0.0;
    for (start, end) in tie_groups(scores, &order) {
        if start as f64 >= cut {
            break;
        }
        let pos = order[start..end].iter().filter(|&&i| labels[i]).count() as f64;
        let taken = (cut - start as f64).min((end - start) as f64);
        captured += pos * taken / (end - start) as f64;
    }
    let capture = captured / positives;
    Ok(Lift {
        fraction,
        lift: capture / fraction,
        capture,
    })
}

/// Points (false positive rate, true positive rate) of the ROC curve, from (0, 0) to (1, 1), one per
/// distinct score, thinned to about `points` evenly spread along the rows (for a chart).
pub fn roc_curve(
    scores: &[f64],
    labels: &[bool],
    points: usize,
) -> Result<Vec<(f64, f64)>, ChurnError> {
    check(scores, labels)?;
    let order = by_decreasing_score(scores);
    let positives = labels.iter().filter(|&&y| y).count() as f64;
    let negatives = labels.len() as f64 - positives;
    let step = (labels.len() / points.max(1)).max(1);
    let (mut tp, mut fp) = (0.0, 0.0);
    let mut curve = vec![(0.0, 0.0)];
    let mut next = step;
    for (start, end) in tie_groups(scores, &order) {
        let pos = order[start..end].iter().filter(|&&i| labels[i]).count() as f64;
        tp += pos;
        fp += (end - start) as f64 - pos;
        if end >= next || end == order.len() {
            curve.push((fp / negatives, tp / positives));
            next = end + step;
        }
    }
    Ok(curve)
}

/// Lift and capture at every `1 / steps` of the rows by decreasing score (5 %, 10 %, … with 20).
pub fn lift_curve(scores: &[f64], labels: &[bool], steps: usize) -> Result<Vec<Lift>, ChurnError> {
    (1..=steps.max(1))
        .map(|k| lift_at(scores, labels, k as f64 / steps.max(1) as f64))
        .collect()
}

/// One row of a calibration table.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CalibrationBin {
    /// Rows in the bin.
    pub rows: usize,
    /// Mean predicted probability.
    pub mean_predicted: f64,
    /// Observed positive rate.
    pub observed_rate: f64,
}

/// Rows sorted by predicted probability and cut into `bins` groups of (near) equal size, lowest
/// first; each reports its mean prediction and observed rate.
pub fn calibration_table(
    probabilities: &[f64],
    labels: &[bool],
    bins: usize,
) -> Result<Vec<CalibrationBin>, ChurnError> {
    check(probabilities, labels)?;
    if bins == 0 {
        return Err(ChurnError::InvalidParameter {
            name: "bins",
            value: "0".into(),
            expected: "at least 1",
        });
    }
    let mut order: Vec<usize> = (0..probabilities.len()).collect();
    order.sort_by(|&a, &b| probabilities[a].total_cmp(&probabilities[b]));
    let n = order.len();
    let bins = bins.min(n);
    Ok((0..bins)
        .map(|b| {
            let group = &order[b * n / bins..(b + 1) * n / bins];
            let rows = group.len();
            let mean_predicted = group.iter().map(|&i| probabilities[i]).sum::<f64>() / rows as f64;
            let observed_rate = group.iter().filter(|&&i| labels[i]).count() as f64 / rows as f64;
            CalibrationBin {
                rows,
                mean_predicted,
                observed_rate,
            }
        })
        .collect())
}

/// Mean squared difference between predicted probability and outcome.
pub fn brier_score(probabilities: &[f64], labels: &[bool]) -> Result<f64, ChurnError> {
    check(probabilities, labels)?;
    let total: f64 = probabilities
        .iter()
        .zip(labels)
        .map(|(&p, &y)| (p - f64::from(u8::from(y))).powi(2))
        .sum();
    Ok(total / probabilities.len() as f64)
}

/// Mean negative log-likelihood of the outcomes (probabilities clamped to [1e-15, 1 − 1e-15]).
pub fn log_loss(probabilities: &[f64], labels: &[bool]) -> Result<f64, ChurnError> {
    check(probabilities, labels)?;
    let total: f64 = probabilities
        .iter()
        .zip(labels)
        .map(|(&p, &y)| {
            let p = p.clamp(1e-15, 1.0 - 1e-15);
            -(if y { p.ln() } else { (1.0 - p).ln() })
        })
        .sum();
    Ok(total / probabilities.len() as f64)
}

/// Every metric the churn report shows, for one set of predictions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evaluation {
    /// Rows evaluated.
    pub rows: usize,
    /// Observed positive rate.
    pub positive_rate: f64,
    /// ROC AUC.
    pub auc: f64,
    /// Average precision.
    pub pr_auc: f64,
    /// Lift and capture in the top decile.
    pub top_decile: Lift,
    /// Deciles of predicted probability, lowest first.
    pub calibration: Vec<CalibrationBin>,
    /// Brier score.
    pub brier: f64,
    /// Log-loss.
    pub log_loss: f64,
}

/// All metrics of predicted probabilities against outcomes.
pub fn evaluate(probabilities: &[f64], labels: &[bool]) -> Result<Evaluation, ChurnError> {
    check(probabilities, labels)?;
    Ok(Evaluation {
        rows: labels.len(),
        positive_rate: labels.iter().filter(|&&y| y).count() as f64 / labels.len() as f64,
        auc: roc_auc(probabilities, labels)?,
        pr_auc: pr_auc(probabilities, labels)?,
        top_decile: lift_at(probabilities, labels, 0.1)?,
        calibration: calibration_table(probabilities, labels, 10)?,
        brier: brier_score(probabilities, labels)?,
        log_loss: log_loss(probabilities, labels)?,
    })
}
