//! Buy-till-you-die models: purchase counts (BG/NBD, Pareto/NBD), spend (Gamma-Gamma) and
//! contractual retention (shifted-beta-geometric), with the summary they are fitted on.

pub mod bgnbd;
pub(crate) mod compress;
pub mod gamma_gamma;
pub mod pareto_nbd;
pub mod sbg;
pub mod simulate;
pub mod summary;

use crate::btyd::summary::CustomerSummary;

/// What the CLV helpers need from a fitted repeat-purchase model (BG/NBD or Pareto/NBD).
pub trait RepeatPurchaseModel {
    /// Probability that a customer with this history is still active at the end of calibration.
    fn p_alive(&self, customer: &CustomerSummary) -> f64;
    /// Expected number of purchases in (T, T + t] given the customer's history.
    fn conditional_expected_purchases(&self, t: f64, customer: &CustomerSummary) -> f64;
    /// Expected number of repeat purchases in (0, t] for a customer just acquired.
    fn expected_purchases(&self, t: f64) -> f64;
    /// Probability of exactly `n` repeat purchases in (0, t] for a customer just acquired.
    fn prob_purchases(&self, t: f64, n: u32) -> f64;
}
