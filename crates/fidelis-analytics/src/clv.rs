//! Customer lifetime value: expected discounted margin over a horizon, for buying and contract customers.
//!
//! Non-contractual customers: purchases from a BTYD model (BG/NBD or Pareto/NBD) per future period,
//! times the Gamma-Gamma expected spend, times the margin rate, discounted at the end of each period
//! (the scheme of lifetimes' `customer_lifetime_value`). Contractual customers: the sBG survival curve
//! times the margin of each period, received at each renewal.

use serde::{Deserialize, Serialize};

use crate::btyd::RepeatPurchaseModel;
use crate::btyd::gamma_gamma::GammaGammaParams;
use crate::btyd::sbg::SbgParams;
use crate::btyd::summary::CustomerSummary;

/// Horizon and money assumptions of a non-contractual CLV.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ClvOptions {
    /// Share of the spend kept as margin (e.g. 0.3).
    pub margin_rate: f64,
    /// Discount rate per period (e.g. 0.01 for 1 % a month).
    pub discount_rate: f64,
    /// Length of one period in the model's time unit (e.g. 365.2425 / 12 / 7 weeks for a month).
    pub period_length: f64,
    /// Number of periods in the horizon (e.g. 36 months).
    pub periods: u32,
}

/// Expected discounted margin of a buying customer over the horizon:
/// Σᵢ margin · E[M | x, m_x] · (E[Y(i L)] − E[Y((i − 1) L)]) / (1 + d)ⁱ, for i = 1 … periods.
pub fn non_contractual_clv(
    purchases: &dyn RepeatPurchaseModel,
    spend: &GammaGammaParams,
    customer: &CustomerSummary,
    options: &ClvOptions,
) -> f64 {
    let value_per_purchase =
        options.margin_rate * spend.conditional_expected_average_spend(customer);
    let mut previous = 0.0;
    let mut total = 0.0;
    let mut discount = 1.0;
    for i in 1..=options.periods {
        let cumulative = purchases
            .conditional_expected_purchases(f64::from(i) * options.period_length, customer);
        discount /= 1.0 + options.discount_rate;
        total += value_per_purchase * (cumulative - previous) * discount;
        previous = cumulative;
    }
    total
}

/// Expected discounted margin of a contract customer who has renewed `renewals` times (so is about
/// to face renewal `renewals + 1`), over the next `horizon` renewals: each renewal j pays
/// `margin_per_period` if the customer is still there, discounted by (1 + d)^(j − 1) — the payment is
/// due at the renewal, so the first one is not discounted. With an infinite horizon this is
/// `margin_per_period × derl(d, renewals + 1)`.
pub fn contractual_clv(
    retention: &SbgParams,
    margin_per_period: f64,
    discount_rate: f64,
    renewals: u32,
    horizon: u32,
) -> f64 {
    // S(k + j)/S(k) built from the retention rates, which stays accurate far into the tail.
    let mut alive = 1.0;
    let mut discount = 1.0;
    let mut total = 0.0;
    for j in 1..=horizon {
        alive *= retention.retention_rate(renewals + j);
        total += margin_per_period * alive * discount;
        discount /= 1.0 + discount_rate;
    }
    total
}
