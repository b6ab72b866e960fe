//! Why a churn computation could not be done: bad input is named precisely, never a panic.

use serde::Serialize;

/// Errors of the churn module: feature matrices, training, scoring and the generic table mode.
#[derive(Debug, Clone, PartialEq, thiserror::Error, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ChurnError {
    /// There is nothing to work on (no rows, no features, no snapshot dates).
    #[error("no data: {what}")]
    Empty {
        /// What was missing.
        what: String,
    },
    /// The labels are all of one class, so neither a model nor an AUC can be computed.
    #[error("constant target: every {what} is {value}")]
    ConstantTarget {
        /// Which labels (training rows, fold 3 validation rows, …).
        what: String,
        /// The only class present.
        value: bool,
    },
    /// Two things that must have the same length do not.
    #[error("length mismatch: {what} has {found} entries, expected {expected}")]
    LengthMismatch {
        /// What was measured.
        what: String,
        /// Its length.
        found: usize,
        /// The length it must have.
        expected: usize,
    },
    /// A feature matrix does not carry the features a model was trained on.
    #[error("feature mismatch at column {index}: found {found:?}, the model expects {expected:?}")]
    FeatureMismatch {
        /// Zero-based column.
        index: usize,
        /// Name in the matrix given (empty when the matrix has too few columns).
        found: String,
        /// Name the model was trained with.
        expected: String,
    },
    /// A parameter is outside its range.
    #[error("invalid parameter {name} = {value}: expected {expected}")]
    InvalidParameter {
        /// Parameter name.
        name: &'static str,
        /// The value given, as text.
        value: String,
        /// What the parameter must satisfy.
        expected: &'static str,
    },
    /// A snapshot's label window ends after the data does, so its labels would be censored.
    #[error(
        "snapshot {snapshot}: the label window ends on {window_end}, after the data end {data_end}"
    )]
    CensoredLabels {
        /// The snapshot date (ISO).
        snapshot: String,
        /// Last day of its label window (ISO).
        window_end: String,
        /// Last day covered by the data (ISO).
        data_end: String,
    },
    /// A column named in a request is not in the table.
    #[error("column {name:?} not found; the table has {available}")]
    UnknownColumn {
        /// The name asked for.
        name: String,
        /// The columns present, comma-separated.
        available: String,
    },
    /// A table row has a different number of cells from the header.
    #[error("row {row}: {found} cells, the header has {expected}")]
    RaggedRow {
        /// One-based data row (the header is row 0).
        row: usize,
        /// Cells found.
        found: usize,
        /// Cells expected.
        expected: usize,
    },
    /// The target column does not hold exactly two classes.
    #[error("target column {column:?} must hold exactly two values, found {found}")]
    NotBinary {
        /// The target column.
        column: String,
        /// The distinct values found (at most 5 listed).
        found: String,
    },
}
