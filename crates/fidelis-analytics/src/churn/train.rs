//! The training pipeline behind `fidelis train churn`: split a training set by customer, fit the
//! GBDT and the logistic baseline, evaluate both on the held-out customers, rank and reduce features.

use serde::{Deserialize, Serialize};

use super::error::ChurnError;
use super::gbdt::{GbdtModel, GbdtParams, check_labels, fit_gbdt};
use super::labels::TrainingSet;
use super::logistic::{LogisticModel, LogisticParams, fit_logistic};
use super::metrics::{Evaluation, evaluate};
use super::reduction::{FeatureReduction, reduce_features};
use crate::btyd::simulate::Rng;

/// Options of [`train_churn`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TrainOptions {
    /// GBDT parameters. With `early_stopping_rounds` set, the validation customers also decide
    /// when to stop (their metrics are then slightly optimistic).
    pub gbdt: GbdtParams,
    /// Baseline parameters; `None` skips the baseline.
    pub logistic: Option<LogisticParams>,
    /// Share of customers held out for validation, in (0, 1). All snapshot rows of a customer fall
    /// on the same side, so a customer's later snapshot cannot vouch for an earlier one.
    pub validation_share: f64,
    /// Seed of the customer split.
    pub seed: u64,
    /// Run the variable reduction with this AUC tolerance (the issue asks for 0.005).
    pub reduction_tolerance: Option<f64>,
}

impl Default for TrainOptions {
    fn default() -> Self {
        TrainOptions {
            gbdt: GbdtParams::default(),
            logistic: Some(LogisticParams::default()),
            validation_share: 0.25,
            seed: 0,
            reduction_tolerance: Some(0.005),
        }
    }
}

/// Everything a training run produces.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChurnTraining {
    /// The GBDT, trained on the training customers.
    pub model: GbdtModel,
    /// The baseline, on the same rows (unless skipped).
    pub baseline: Option<LogisticModel>,
    /// GBDT metrics on the validation customers.
    pub validation: Evaluation,
    /// Baseline metrics on the validation customers (unless skipped).
    pub baseline_validation: Option<Evaluation>,
    /// (feature, total gain), most important first.
    pub importance: Vec<(String, f64)>,
    /// The variable reduction, when asked for.
    pub reduction: Option<FeatureReduction>,
    /// Training rows.
    pub train_rows: usize,
    /// Validation rows.
    pub validation_rows: usize,
    /// GBDT probabilities of the validation rows (for ROC and lift curves).
    #[serde(skip)]
    pub validation_probabilities: Vec<f64>,
    /// Their labels.
    #[serde(skip)]
    pub validation_labels: Vec<bool>,
}

/// Splits `set` by customer, trains, evaluates and reduces (see [`TrainOptions`]).
pub fn train_churn(set: &TrainingSet, options: &TrainOptions) -> Result<ChurnTraining, ChurnError> {
    check_labels("training set", &set.labels, set.features.n_rows())?;
    if !(options.validation_share > 0.0 && options.validation_share < 1.0) {
        return Err(ChurnError::InvalidParameter {
            name: "validation_share",
            value: options.validation_share.to_string(),
            expected: "in (0, 1)",
        });
    }
    let mut customers: Vec<usize> = set.rows.iter().map(|r| r.customer).collect();
    customers.sort_unstable();
    customers.dedup();
    let mut rng = Rng::new(options.seed);
    for i in (1..customers.len()).rev() {
        let j = rng.below(i as u64 + 1) as usize;
        customers.swap(i, j);
    }
    let held = ((customers.len() as f64 * options.validation_share).round() as usize)
        .clamp(1, customers.len().saturating_sub(1).max(1));
    let mut in_validation = std::collections::HashSet::with_capacity(held);
    in_validation.extend(customers[..held].iter().copied());
    let (mut train, mut valid) = (Vec::new(), Vec::new());
    for (i, r) in set.rows.iter().enumerate() {
        if in_validation.contains(&r.customer) {
            valid.push(i);
        } else {
            train.push(i);
        }
    }
    let tx = set.features.select_rows(&train);
    let vx = set.features.select_rows(&valid);
    let ty: Vec<bool> = train.iter().map(|&i| set.labels[i]).collect();
    let vy: Vec<bool> = valid.iter().map(|&i| set.labels[i]).collect();
    check_labels("validation", &vy, vx.n_rows())?;

    let early = options.gbdt.early_stopping_rounds.is_some();
    let model = fit_gbdt(
        &tx,
        &ty,
        &options.gbdt,
        early.then_some((&vx, vy.as_slice())),
    )?;
    let validation_probabilities = model.predict(&vx)?;
    let validation = evaluate(&validation_probabilities, &vy)?;
    let (baseline, baseline_validation) = match &options.logistic {
        Some(params) => {
            let baseline = fit_logistic(&tx, &ty, params)?;
            let evaluation = evaluate(&baseline.predict(&vx)?, &vy)?;
            (Some(baseline), Some(evaluation))
        }
        None => (None, None),
    };
    let reduction = match options.reduction_tolerance {
        Some(tolerance) => Some(reduce_features(
            (&tx, &ty),
            (&vx, &vy),
            &GbdtParams {
                early_stopping_rounds: None,
                ..options.gbdt.clone()
            },
            tolerance,
            (!early).then_some(&model),
        )?),
        None => None,
    };
    Ok(ChurnTraining {
        importance: model.importance_ranking(),
        model,
        baseline,
        validation,
        baseline_validation,
        reduction,
        train_rows: ty.len(),
        validation_rows: vy.len(),
        validation_probabilities,
        validation_labels: vy,
    })
}
