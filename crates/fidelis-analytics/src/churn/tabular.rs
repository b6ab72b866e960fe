//! The generic mode for an outside table: text columns in, automatic encoding, stratified k-fold
//! cross-validation of the GBDT (and the logistic baseline) out.
//!
//! Encoding, decided per column from its non-blank cells (blank = empty after trimming):
//! - every cell parses as a number → numeric, blanks → NaN;
//! - otherwise categorical: at most `max_one_hot` levels → one 0/1 column per level (a single
//!   column for the less frequent level when there are two), more → one ordinal column numbering
//!   levels by decreasing frequency (ties alphabetical); a blank → NaN in its columns;
//! - a categorical column whose non-blank cells are all distinct (over 20 of them) is an identifier
//!   and is dropped, as are the columns the caller names.
//!
//! The target must hold exactly two values. The positive class is the "yes" of a yes/no-like pair
//! (yes, true, 1, y, oui, t, positive, churn, churned) and otherwise the less frequent value.
//! Rows with a blank target are skipped and counted.

use serde::{Deserialize, Serialize};

use super::error::ChurnError;
use super::gbdt::{GbdtParams, check_labels, fit_gbdt};
use super::logistic::{LogisticParams, fit_logistic};
use super::matrix::FeatureMatrix;
use super::metrics::roc_auc;
use crate::btyd::simulate::Rng;

/// Options of the encoding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TableOptions {
    /// Categorical columns with at most this many levels are one-hot encoded.
    pub max_one_hot: usize,
    /// Columns to leave out (besides the target).
    pub drop_columns: Vec<String>,
}

impl Default for TableOptions {
    fn default() -> Self {
        TableOptions {
            max_one_hot: 10,
            drop_columns: Vec::new(),
        }
    }
}

/// How one input column was encoded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "encoding", rename_all = "snake_case")]
pub enum ColumnEncoding {
    /// Parsed as numbers.
    Numeric {
        /// Column name.
        column: String,
        /// Blank cells (NaN).
        blanks: usize,
    },
    /// One indicator column per listed level.
    OneHot {
        /// Column name.
        column: String,
        /// Levels given a column, `column=level`.
        levels: Vec<String>,
    },
    /// Levels numbered 0, 1, … by decreasing frequency.
    Ordinal {
        /// Column name.
        column: String,
        /// Levels in code order.
        levels: Vec<String>,
    },
    /// Left out.
    Dropped {
        /// Column name.
        column: String,
        /// Why.
        reason: String,
    },
}

/// A table turned into a feature matrix and binary labels.
#[derive(Debug, Clone, PartialEq)]
pub struct EncodedTable {
    /// Encoded features.
    pub features: FeatureMatrix,
    /// Target, true for the positive class.
    pub labels: Vec<bool>,
    /// The target value taken as positive.
    pub positive_label: String,
    /// The target value taken as negative.
    pub negative_label: String,
    /// What became of each input column other than the target.
    pub columns: Vec<ColumnEncoding>,
    /// Rows skipped because their target was blank.
    pub skipped_rows: usize,
}

const POSITIVE_WORDS: [&str; 9] = [
    "yes", "true", "1", "y", "oui", "t", "positive", "churn", "churned",
];

/// Encodes a table given as a header and rows of text cells.
pub fn encode_table(
    headers: &[String],
    rows: &[Vec<String>],
    target: &str,
    options: &TableOptions,
) -> Result<EncodedTable, ChurnError> {
    let target_index =
        headers
            .iter()
            .position(|h| h == target)
            .ok_or_else(|| ChurnError::UnknownColumn {
                name: target.to_owned(),
                available: headers.join(", "),
            })?;
    for name in &options.drop_columns {
        if !headers.contains(name) {
            return Err(ChurnError::UnknownColumn {
                name: name.clone(),
                available: headers.join(", "),
            });
        }
    }
    for (r, row) in rows.iter().enumerate() {
        if row.len() != headers.len() {
            return Err(ChurnError::RaggedRow {
                row: r + 1,
                found: row.len(),
                expected: headers.len(),
            });
        }
    }
    let kept: Vec<&Vec<String>> = rows
        .iter()
        .filter(|r| !r[target_index].trim().is_empty())
        .collect();
    let skipped_rows = rows.len() - kept.len();
    if kept.is_empty() {
        return Err(ChurnError::Empty {
            what: format!("rows with a value in the target column {target:?}"),
        });
    }

    // The target's two classes.
    let mut classes: Vec<(String, usize)> = Vec::new();
    for r in &kept {
        let v = r[target_index].trim();
        match classes.iter_mut().find(|(c, _)| c == v) {
            Some((_, n)) => *n += 1,
            None => classes.push((v.to_owned(), 1)),
        }
    }
    if classes.len() != 2 {
        classes.sort();
        return Err(ChurnError::NotBinary {
            column: target.to_owned(),
            found: classes
                .iter()
                .take(5)
                .map(|(c, _)| format!("{c:?}"))
                .collect::<Vec<_>>()
                .join(", "),
        });
    }
    classes.sort();
    let is_positive_word = |s: &str| POSITIVE_WORDS.contains(&s.to_lowercase().as_str());
    let positive = match (
        is_positive_word(&classes[0].0),
        is_positive_word(&classes[1].0),
    ) {
        (true, false) => 0,
        (false, true) => 1,
        // The minority class; on a tie the alphabetically last.
        _ => usize::from(classes[1].1 <= classes[0].1),
    };
    let positive_label = classes[positive].0.clone();
    let negative_label = classes[1 - positive].0.clone();
    let labels: Vec<bool> = kept
        .iter()
        .map(|r| r[target_index].trim() == positive_label)
        .collect();

    let mut names = Vec::new();
    let mut columns_out: Vec<Vec<f32>> = Vec::new();
    let mut encodings = Vec::new();
    for (j, header) in headers.iter().enumerate() {
        if j == target_index {
            continue;
        }
        if options.drop_columns.contains(header) {
            encodings.push(ColumnEncoding::Dropped {
                column: header.clone(),
                reason: "asked to drop".into(),
            });
            continue;
        }
        let cells: Vec<&str> = kept.iter().map(|r| r[j].trim()).collect();
        let blanks = cells.iter().filter(|c| c.is_empty()).count();
        let parsed: Option<Vec<f32>> = cells
            .iter()
            .map(|c| {
                if c.is_empty() {
                    Some(f32::NAN)
                } else {
                    c.parse::<f64>().ok().map(|v| v as f32)
                }
            })
            .collect();
        if let Some(values) = parsed.filter(|_| blanks < cells.len()) {
            names.push(header.clone());
            columns_out.push(values);
            encodings.push(ColumnEncoding::Numeric {
                column: header.clone(),
                blanks,
            });
            continue;
        }
        // Categorical: levels by decreasing count, ties alphabetical.
        let mut counts: std::collections::BTreeMap<&str, usize> = Default::default();
        for c in cells.iter().filter(|c| !c.is_empty()) {
            *counts.entry(c).or_default() += 1;
        }
        let non_blank = cells.len() - blanks;
        if non_blank == 0 {
            encodings.push(ColumnEncoding::Dropped {
                column: header.clone(),
                reason: "every cell is blank".into(),
            });
            continue;
        }
        if counts.len() == non_blank && non_blank > 20 {
            encodings.push(ColumnEncoding::Dropped {
                column: header.clone(),
                reason: "identifier (every value distinct)".into(),
            });
            continue;
        }
        let mut levels: Vec<(&str, usize)> = counts.into_iter().collect();
        levels.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        if levels.len() <= options.max_one_hot {
            // Two levels need one indicator: the rarer one's.
            let coded: Vec<&str> = if levels.len() == 2 {
                vec![levels[1].0]
            } else {
                levels.iter().map(|l| l.0).collect()
            };
            for level in &coded {
                names.push(format!("{header}={level}"));
                columns_out.push(
                    cells
                        .iter()
                        .map(|c| {
                            if c.is_empty() {
                                f32::NAN
                            } else {
                                f32::from(u8::from(c == level))
                            }
                        })
                        .collect(),
                );
            }
            encodings.push(ColumnEncoding::OneHot {
                column: header.clone(),
                levels: coded.iter().map(|l| (*l).to_owned()).collect(),
            });
        } else {
            let code: std::collections::HashMap<&str, f32> = levels
                .iter()
                .enumerate()
                .map(|(k, l)| (l.0, k as f32))
                .collect();
            names.push(header.clone());
            columns_out.push(
                cells
                    .iter()
                    .map(|c| code.get(c).copied().unwrap_or(f32::NAN))
                    .collect(),
            );
            encodings.push(ColumnEncoding::Ordinal {
                column: header.clone(),
                levels: levels.iter().map(|l| l.0.to_owned()).collect(),
            });
        }
    }
    if names.is_empty() {
        return Err(ChurnError::Empty {
            what: "usable feature columns (all were dropped or blank)".into(),
        });
    }
    Ok(EncodedTable {
        features: FeatureMatrix::from_columns(names, &columns_out)?,
        labels,
        positive_label,
        negative_label,
        columns: encodings,
        skipped_rows,
    })
}

/// Options of the cross-validation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CvOptions {
    /// Number of folds, ≥ 2.
    pub folds: usize,
    /// Seed of the fold assignment; fold k's model uses `seed + k` for its own draws.
    pub seed: u64,
    /// GBDT parameters (their `seed` is replaced as above).
    pub gbdt: GbdtParams,
    /// Also cross-validate the logistic baseline.
    pub baseline: bool,
    /// The baseline's parameters.
    pub logistic: LogisticParams,
}

impl Default for CvOptions {
    fn default() -> Self {
        CvOptions {
            folds: 5,
            seed: 0,
            gbdt: GbdtParams::default(),
            baseline: true,
            logistic: LogisticParams::default(),
        }
    }
}

/// Cross-validated AUCs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CvReport {
    /// Number of folds.
    pub folds: usize,
    /// Seed used.
    pub seed: u64,
    /// Rows used.
    pub rows: usize,
    /// Feature columns after encoding.
    pub features: usize,
    /// Share of positive rows.
    pub positive_rate: f64,
    /// GBDT: mean of the fold AUCs.
    pub mean_auc: f64,
    /// GBDT: AUC of each fold's held-out rows.
    pub fold_aucs: Vec<f64>,
    /// Baseline: mean of the fold AUCs.
    pub baseline_mean_auc: Option<f64>,
    /// Baseline: AUC of each fold.
    pub baseline_fold_aucs: Option<Vec<f64>>,
}

/// Fold of each row (0..k), stratified: positives and negatives are shuffled separately with the
/// seed and dealt round-robin, so every fold gets the same class mix (±1 row).
pub fn stratified_folds(
    labels: &[bool],
    folds: usize,
    seed: u64,
) -> Result<Vec<usize>, ChurnError> {
    let positives: Vec<usize> = (0..labels.len()).filter(|&i| labels[i]).collect();
    let negatives: Vec<usize> = (0..labels.len()).filter(|&i| !labels[i]).collect();
    let smaller = positives.len().min(negatives.len());
    if folds < 2 || folds > smaller {
        return Err(ChurnError::InvalidParameter {
            name: "folds",
            value: folds.to_string(),
            expected: "at least 2 and at most the size of the smaller class",
        });
    }
    let mut rng = Rng::new(seed);
    let mut assignment = vec![0; labels.len()];
    let mut dealt = 0;
    for mut class in [positives, negatives] {
        for i in (1..class.len()).rev() {
            let j = rng.below(i as u64 + 1) as usize;
            class.swap(i, j);
        }
        for row in class {
            assignment[row] = dealt % folds;
            dealt += 1;
        }
    }
    Ok(assignment)
}

/// Stratified k-fold cross-validation of the GBDT (and optionally the baseline) on `x`, `y`.
pub fn cross_validate(
    x: &FeatureMatrix,
    y: &[bool],
    options: &CvOptions,
) -> Result<CvReport, ChurnError> {
    check_labels("table", y, x.n_rows())?;
    let fold_of = stratified_folds(y, options.folds, options.seed)?;
    let mut fold_aucs = Vec::with_capacity(options.folds);
    let mut baseline_aucs = Vec::with_capacity(options.folds);
    for fold in 0..options.folds {
        let train: Vec<usize> = (0..y.len()).filter(|&i| fold_of[i] != fold).collect();
        let test: Vec<usize> = (0..y.len()).filter(|&i| fold_of[i] == fold).collect();
        let (tx, vx) = (x.select_rows(&train), x.select_rows(&test));
        let ty: Vec<bool> = train.iter().map(|&i| y[i]).collect();
        let vy: Vec<bool> = test.iter().map(|&i| y[i]).collect();
        let params = GbdtParams {
            seed: options.seed.wrapping_add(fold as u64),
            ..options.gbdt.clone()
        };
        let model = fit_gbdt(&tx, &ty, &params, None)?;
        fold_aucs.push(roc_auc(&model.predict(&vx)?, &vy)?);
        if options.baseline {
            let model = fit_logistic(&tx, &ty, &options.logistic)?;
            baseline_aucs.push(roc_auc(&model.predict(&vx)?, &vy)?);
        }
    }
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    Ok(CvReport {
        folds: options.folds,
        seed: options.seed,
        rows: y.len(),
        features: x.n_features(),
        positive_rate: y.iter().filter(|&&v| v).count() as f64 / y.len() as f64,
        mean_auc: mean(&fold_aucs),
        fold_aucs,
        baseline_mean_auc: options.baseline.then(|| mean(&baseline_aucs)),
        baseline_fold_aucs: options.baseline.then_some(baseline_aucs),
    })
}

/// Encodes a table and cross-validates on it: what `fidelis churn evaluate --table` prints.
pub fn evaluate_table(
    headers: &[String],
    rows: &[Vec<String>],
    target: &str,
    table: &TableOptions,
    options: &CvOptions,
) -> Result<(EncodedTable, CvReport), ChurnError> {
    let encoded = encode_table(headers, rows, target, table)?;
    let report = cross_validate(&encoded.features, &encoded.labels, options)?;
    Ok((encoded, report))
}
