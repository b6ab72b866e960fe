//! Customer analytics for Fidelis: buy-till-you-die models, customer lifetime value and their helpers.
//!
//! Architecture invariant: this crate does no IO and never reads the clock. Every function takes its
//! data (and any `as_of` or calibration date as a plain day number) and returns values.

pub mod btyd;
pub mod error;
pub(crate) mod optimize;
pub mod special;

pub use btyd::RepeatPurchaseModel;
pub use btyd::bgnbd::{BgNbdFit, BgNbdParams, fit_bgnbd};
pub use btyd::summary::{
    CustomerSummary, TimeUnit, Transaction, TransactionSummary, summarise_transactions,
};
pub use error::{FitError, FitWarning};
pub use optimize::FitDiagnostics;
