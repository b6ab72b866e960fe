//! Customer analytics for Fidelis: buy-till-you-die models, customer lifetime value and their helpers.
//!
//! Architecture invariant: this crate does no IO and never reads the clock. Every function takes its
//! data (and any calibration date as a plain day number) and returns values.
//!
//! The usual flow: [`summarise_transactions`] turns a purchase log into per-customer summaries;
//! [`fit_bgnbd`] or [`fit_pareto_nbd`] model how often customers buy and when they leave;
//! [`fit_gamma_gamma`] models how much they spend; [`non_contractual_clv`] combines them into an
//! expected discounted margin. Contract customers use [`fit_sbg`] and [`contractual_clv`].

#![warn(missing_docs)]

pub mod acquisition;
pub mod btyd;
pub mod calendar;
pub mod churn;
pub mod cluster;
pub mod clv;
pub mod error;
pub(crate) mod optimize;
pub mod pnl;
pub mod special;
pub mod uplift;
pub mod value;

pub use btyd::RepeatPurchaseModel;
pub use btyd::bgnbd::{BgNbdFit, BgNbdParams, fit_bgnbd};
pub use btyd::gamma_gamma::{GammaGammaFit, GammaGammaParams, fit_gamma_gamma};
pub use btyd::pareto_nbd::{ParetoNbdFit, ParetoNbdParams, fit_pareto_nbd};
pub use btyd::sbg::{SbgFit, SbgParams, fit_sbg};
pub use btyd::simulate::{Rng, simulate_bgnbd, simulate_pareto_nbd, simulate_sbg, simulate_spend};
pub use btyd::summary::{
    CustomerSummary, TimeUnit, Transaction, TransactionSummary, summarise_transactions,
};
pub use clv::{ClvOptions, contractual_clv, non_contractual_clv};
pub use error::{FitError, FitWarning};
pub use optimize::FitDiagnostics;
pub use pnl::{History, Pnl, PnlOptions, PnlReport, customer_pnl, rollup_by_segment};
pub use value::{
    CustomerValue, CutOff, PurchaseModel, Strategy, ValueAssessment, ValueOptions, assess_value,
};
