//! Errors and warnings of the analytics crate: bad input is named precisely, never turned into NaN.

use serde::Serialize;

/// Why a model could not be fitted, or a summary could not be computed.
#[derive(Debug, Clone, PartialEq, thiserror::Error, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FitError {
    /// There is nothing to fit (no customers, no repeat buyers for Gamma-Gamma, an empty cohort).
    #[error("no data: {what}")]
    Empty {
        /// What was missing.
        what: &'static str,
    },
    /// One input row holds a value the model cannot accept.
    #[error("row {row}: {field} = {value} is invalid, expected {expected}")]
    InvalidRow {
        /// Zero-based index of the offending row in the input slice.
        row: usize,
        /// Name of the offending field (`frequency`, `recency`, `T`, `monetary_value`, `survivors`, …).
        field: &'static str,
        /// The value found.
        value: f64,
        /// What the field must satisfy.
        expected: &'static str,
    },
    /// The data are valid but carry no information about some parameter, so the likelihood has no
    /// interior maximum (nobody repeats, everyone behaves identically, nobody churns, …).
    #[error("degenerate data: {reason}")]
    Degenerate {
        /// Which property of the data makes the fit meaningless.
        reason: &'static str,
    },
    /// The optimiser found no finite likelihood from any starting point.
    #[error("optimisation failed: {reason}")]
    OptimisationFailed {
        /// What went wrong.
        reason: &'static str,
    },
}

/// A fit that succeeded but whose estimate deserves caution.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FitWarning {
    /// A parameter ran towards 0 or ∞ (it ended below 1e−5 or above 1e5; the search box is
    /// 1e−8 … 1e8): the likelihood keeps increasing, or becomes flat, in that direction, so the value
    /// reported is a boundary estimate, not an interior optimum, and no standard errors are given.
    /// Typical causes: no heterogeneity in the data, nobody dropping out.
    BoundaryEstimate {
        /// Parameter name.
        parameter: &'static str,
        /// The boundary value reported.
        value: f64,
    },
    /// The optimiser stopped before its convergence test passed; the estimate is the best point seen.
    NotConverged {
        /// Largest absolute gradient component (log-parameter scale) at the reported point.
        gradient: f64,
    },
    /// The Hessian is not positive definite at the estimate, so no standard errors are reported.
    NoStandardErrors,
}
