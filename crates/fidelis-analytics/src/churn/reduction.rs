//! Variable reduction: the smallest set of features, taken in order of importance, whose model
//! keeps its validation AUC within a tolerance of the full model's.

use serde::{Deserialize, Serialize};

use super::error::ChurnError;
use super::gbdt::{GbdtModel, GbdtParams, check_names, fit_gbdt};
use super::matrix::FeatureMatrix;
use super::metrics::roc_auc;

/// One model of the search.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReductionStep {
    /// Features used (the most important first).
    pub features: usize,
    /// Its validation AUC.
    pub auc: f64,
}

/// The result of the search.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureReduction {
    /// Validation AUC of the model on every feature.
    pub full_auc: f64,
    /// The tolerance used.
    pub tolerance: f64,
    /// Features by decreasing gain in the full model (those never split on are left out).
    pub ranking: Vec<String>,
    /// Models tried, smallest first.
    pub steps: Vec<ReductionStep>,
    /// The smallest sufficient set, in importance order.
    pub selected: Vec<String>,
    /// Its validation AUC.
    pub selected_auc: f64,
}

/// Set sizes tried, in increasing order, before falling back to every ranked feature.
const SIZES: [usize; 16] = [1, 2, 3, 5, 8, 10, 15, 20, 25, 30, 40, 50, 75, 100, 150, 200];

/// Trains on `train` with `params`, ranks features by gain, then retrains on the top k for growing
/// k and returns the first k whose validation AUC is at least the full model's minus `tolerance`
/// (0.005 in the issue). `full` may pass an already trained full model to save one fit.
pub fn reduce_features(
    train: (&FeatureMatrix, &[bool]),
    valid: (&FeatureMatrix, &[bool]),
    params: &GbdtParams,
    tolerance: f64,
    full: Option<&GbdtModel>,
) -> Result<FeatureReduction, ChurnError> {
    let (x, y) = train;
    let (vx, vy) = valid;
    check_names(x.names(), vx.names())?;
    let fitted;
    let model = match full {
        Some(m) => {
            check_names(&m.feature_names, x.names())?;
            m
        }
        None => {
            fitted = fit_gbdt(x, y, params, None)?;
            &fitted
        }
    };
    let full_auc = roc_auc(&model.predict(vx)?, vy)?;
    let gains = model.gain_importance();
    let mut order: Vec<usize> = (0..gains.len()).filter(|&j| gains[j] > 0.0).collect();
    order.sort_by(|&a, &b| gains[b].total_cmp(&gains[a]));
    let ranking: Vec<String> = order.iter().map(|&j| x.names()[j].clone()).collect();

    let mut steps = Vec::new();
    let sizes = SIZES
        .iter()
        .copied()
        .filter(|&k| k < order.len())
        .chain(std::iter::once(order.len()));
    for k in sizes {
        if k == 0 {
            continue;
        }
        let columns = &order[..k];
        let sub = x.select_columns(columns)?;
        let vsub = vx.select_columns(columns)?;
        let m = fit_gbdt(&sub, y, params, None)?;
        let auc = roc_auc(&m.predict(&vsub)?, vy)?;
        steps.push(ReductionStep { features: k, auc });
        if auc >= full_auc - tolerance {
            return Ok(FeatureReduction {
                full_auc,
                tolerance,
                selected: ranking[..k].to_vec(),
                ranking,
                steps,
                selected_auc: auc,
            });
        }
    }
    // Every split-on feature together did not come close enough (a rare, noisy case): keep all.
    Ok(FeatureReduction {
        full_auc,
        tolerance,
        selected: x.names().to_vec(),
        ranking,
        steps,
        selected_auc: full_auc,
    })
}
