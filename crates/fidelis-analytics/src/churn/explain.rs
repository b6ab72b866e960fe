//! Per-customer reasons: the features pushing a customer's risk up most (TreeSHAP), in plain words
//! through the catalogue's reason templates.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::error::ChurnError;
use super::features::FeatureSpec;
use super::gbdt::{GbdtModel, sigmoid};
use super::matrix::FeatureMatrix;
use super::shap::{expected_raw_score, shap_values};

/// One reason: a feature that raised the risk.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reason {
    /// Feature name.
    pub feature: String,
    /// Its value for the customer (NaN when missing).
    pub value: f32,
    /// Its TreeSHAP contribution to the log-odds of departure (> 0).
    pub contribution: f64,
    /// The sentence: "calls down 62 % vs 6-month baseline".
    pub text: String,
}

/// A customer's risk and its main reasons.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Explanation {
    /// Probability of departure.
    pub probability: f64,
    /// Probability for a customer about whom nothing is known (the model's base value).
    pub base_probability: f64,
    /// The features raising the risk most, largest contribution first.
    pub reasons: Vec<Reason>,
}

/// Explains rows with one model and catalogue; the spec lookup is built once.
pub struct Explainer<'a> {
    model: &'a GbdtModel,
    specs: Vec<Option<&'a FeatureSpec>>,
    base: f64,
}

impl<'a> Explainer<'a> {
    /// An explainer of `model`, wording reasons with `catalogue` (features it lacks are shown as
    /// `name = value`).
    pub fn new(model: &'a GbdtModel, catalogue: &'a [FeatureSpec]) -> Explainer<'a> {
        let specs = model
            .feature_names
            .iter()
            .map(|name| catalogue.iter().find(|s| &s.name == name))
            .collect();
        Explainer {
            model,
            specs,
            base: expected_raw_score(model),
        }
    }

    /// The risk of `row` (the model's columns) and its `top` reasons.
    pub fn explain_row(&self, row: &[f32], top: usize) -> Explanation {
        self.explained(row, top, self.model.predict_row(row))
    }

    /// Every row of `x` (the model's columns), in parallel.
    pub fn explain(&self, x: &FeatureMatrix, top: usize) -> Result<Vec<Explanation>, ChurnError> {
        self.explain_rows(x, top, None)
    }

    /// Every row's risk, and the `top` reasons of the rows whose risk is at least `min_risk` (the
    /// others get none). TreeSHAP is most of the cost of scoring a base, and customers far from an
    /// alert need no reasons; the risks are `explain`'s.
    pub fn explain_at_risk(
        &self,
        x: &FeatureMatrix,
        top: usize,
        min_risk: f64,
    ) -> Result<Vec<Explanation>, ChurnError> {
        self.explain_rows(x, top, Some(min_risk))
    }

    /// The rows' risks ([`GbdtModel::predict`], equal to `predict_row` bit for bit) and the reasons of
    /// those at or above `min_risk` (all when `None`), in parallel.
    fn explain_rows(
        &self,
        x: &FeatureMatrix,
        top: usize,
        min_risk: Option<f64>,
    ) -> Result<Vec<Explanation>, ChurnError> {
        let risks = self.model.predict(x)?;
        let rows: Vec<&[f32]> = x.rows().collect();
        Ok(rows
            .par_iter()
            .zip(risks.par_iter())
            .with_min_len(256)
            .map(|(row, &probability)| {
                if min_risk.is_none_or(|m| probability >= m) {
                    self.explained(row, top, probability)
                } else {
                    Explanation {
                        probability,
                        base_probability: sigmoid(self.base),
                        reasons: Vec::new(),
                    }
                }
            })
            .collect())
    }

    /// `row`'s explanation given its risk: the `top` features of positive TreeSHAP value, in words.
    fn explained(&self, row: &[f32], top: usize, probability: f64) -> Explanation {
        let shap = shap_values(self.model, row);
        let mut order: Vec<usize> = (0..shap.values.len())
            .filter(|&j| shap.values[j] > 0.0)
            .collect();
        order.sort_by(|&a, &b| shap.values[b].total_cmp(&shap.values[a]));
        let reasons = order
            .into_iter()
            .take(top)
            .map(|j| {
                let value = row.get(j).copied().unwrap_or(f32::NAN);
                let name = &self.model.feature_names[j];
                let text = match self.specs[j] {
                    Some(spec) => spec.reason_text(value),
                    None if value.is_finite() => format!("{name} = {value}"),
                    None => format!("{name} missing"),
                };
                Reason {
                    feature: name.clone(),
                    value,
                    contribution: shap.values[j],
                    text,
                }
            })
            .collect();
        Explanation {
            probability,
            base_probability: sigmoid(self.base),
            reasons,
        }
    }
}

/// The risk of one row and its `top` reasons (builds an [`Explainer`] each call; use one for many rows).
pub fn explain(
    model: &GbdtModel,
    catalogue: &[FeatureSpec],
    row: &[f32],
    top: usize,
) -> Explanation {
    Explainer::new(model, catalogue).explain_row(row, top)
}
