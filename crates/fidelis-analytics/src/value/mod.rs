//! Customer value (valeur client = rentabilité + potentiel): per customer, the P&L to date, the
//! lifetime value to come, and the cell of the value matrix with its strategy.
//!
//! [`assess_value`] is the whole refresh computation, pure: from the detailed [`History`] and an
//! `as_of` day it returns every customer's [`CustomerValue`] and what was fitted.
//!
//! - **Profitability** (the past) is the customer's net P&L ([`crate::pnl`]).
//! - **Potential** (the future), the CLV, is the expected discounted margin over a horizon (36 months
//!   by default, discounted monthly at the equivalent of an annual rate):
//!   - *one-off purchases*: BG/NBD (or Pareto/NBD) fitted on the one-off sales summarised in weeks
//!     to `as_of`, times the Gamma-Gamma expected spend per purchase, times the one-off gross margin
//!     rate of the whole base; customers who never bought one-off have none of this part;
//!   - *contracts*: each contract running at `as_of` pays its monthly margin (fee − the product's
//!     monthly unit cost) at each renewal its line survives, under the sBG retention of the line's
//!     cohort (start month), or the pooled fit (see [`retention`]). A customer's contracts are
//!     valued independently of each other.
//!
//!   A customer recorded as `churned` with no contract running at `as_of` is known to be gone:
//!   potential 0, P(alive) 0.
//! - **The matrix** cuts both axes at configurable cut-offs (medians by default) and maps each cell to
//!   a [`Strategy`].
//!
//!   The expected cost to serve over the same horizon is deducted (see [`service`]): the potential
//!   is net, as the profitability is. `cost_to_serve_months = 0` gives the gross potential of the
//!   BTYD literature.

mod matrix;
mod purchases;
pub mod retention;
mod service;

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::calendar::complete_months;
use crate::pnl::{History, Id, Pnl, PnlOptions, PnlReport, customer_pnl};

pub use matrix::{CutOff, Strategy};
pub use purchases::{PurchaseFit, PurchaseSummary};
pub use retention::{CohortRetention, RetentionCurve, RetentionSummary};

/// Which model describes one-off purchases.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PurchaseModel {
    /// Beta-geometric / NBD (Fader, Hardie & Lee 2005).
    Bgnbd,
    /// Pareto/NBD (Schmittlein, Morrison & Colombo 1987).
    ParetoNbd,
}

/// Everything a value assessment can be told.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ValueOptions {
    /// Date, period and costs of the P&L.
    pub pnl: PnlOptions,
    /// CLV horizon in months.
    pub horizon_months: u32,
    /// Annual discount rate of future margins (0.10 for 10 %).
    pub annual_discount_rate: f64,
    /// One-off purchase model.
    pub purchase_model: PurchaseModel,
    /// First day of the recorded history; contract cohorts started before it are left-truncated.
    /// None: the day of the earliest transaction or interaction.
    pub history_start: Option<i32>,
    /// Lines a cohort needs for its own sBG fit.
    pub min_cohort_lines: usize,
    /// Trailing months whose cost to serve sets each customer's expected monthly cost to come;
    /// 0: no cost to serve is deducted from the potential.
    pub cost_to_serve_months: u32,
    /// Cut between low and high profitability.
    pub profitability_cut: CutOff,
    /// Cut between low and high potential.
    pub potential_cut: CutOff,
}

impl ValueOptions {
    /// Defaults as of `as_of`: 36 months at 10 % a year, BG/NBD, cohorts of 100 lines, medians.
    pub fn new(as_of: i32) -> ValueOptions {
        ValueOptions {
            pnl: PnlOptions::new(as_of),
            horizon_months: 36,
            annual_discount_rate: 0.10,
            purchase_model: PurchaseModel::Bgnbd,
            history_start: None,
            min_cohort_lines: 100,
            cost_to_serve_months: 12,
            profitability_cut: CutOff::Quantile(0.5),
            potential_cut: CutOff::Quantile(0.5),
        }
    }

    /// The monthly rate equivalent to the annual one: (1 + a)^(1/12) − 1.
    pub fn monthly_discount_rate(&self) -> f64 {
        (1.0 + self.annual_discount_rate).powf(1.0 / 12.0) - 1.0
    }

    fn validate(&self) -> Result<(), ValueError> {
        let bad = |option, value, expected| {
            Err(ValueError::InvalidOption {
                option,
                value,
                expected,
            })
        };
        if !(self.annual_discount_rate.is_finite() && self.annual_discount_rate > -1.0) {
            return bad(
                "annual_discount_rate",
                self.annual_discount_rate,
                "a rate > -1 (0.10 for 10 %)",
            );
        }
        if self.cost_to_serve_months > 120 {
            return bad(
                "cost_to_serve_months",
                f64::from(self.cost_to_serve_months),
                "0 (no deduction) … 120 months",
            );
        }
        if self.horizon_months == 0 || self.horizon_months > 1200 {
            return bad(
                "horizon_months",
                f64::from(self.horizon_months),
                "1 … 1200 months",
            );
        }
        for (option, cut) in [
            ("profitability_cut", self.profitability_cut),
            ("potential_cut", self.potential_cut),
        ] {
            if let CutOff::Quantile(q) = cut
                && !(0.0..=1.0).contains(&q)
            {
                return bad(option, q, "a quantile in [0, 1]");
            }
        }
        Ok(())
    }
}

/// Why an assessment could not run.
#[derive(Debug, Clone, PartialEq, thiserror::Error, Serialize)]
pub enum ValueError {
    /// An option is out of range.
    #[error("{option} = {value} is invalid, expected {expected}")]
    InvalidOption {
        /// Option name.
        option: &'static str,
        /// Value given.
        value: f64,
        /// What it must be.
        expected: &'static str,
    },
}

/// One customer's value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CustomerValue {
    /// Internal id.
    pub customer: Id,
    /// P&L to date.
    pub pnl: Pnl,
    /// Expected discounted margin of one-off purchases over the horizon, minor units.
    pub purchases_clv: i64,
    /// Expected discounted margin of the running contracts over the horizon, minor units.
    pub contracts_clv: i64,
    /// Expected discounted cost to serve over the horizon, minor units (deducted from the CLV).
    pub service_clv: i64,
    /// Probability of still being an active buyer, for one-off buyers.
    pub p_alive: Option<f64>,
    /// Contracts running at `as_of`.
    pub running_contracts: u32,
    /// Net profitability above the cut-off.
    pub high_profitability: bool,
    /// CLV above the cut-off.
    pub high_potential: bool,
    /// The strategy of the cell.
    pub strategy: Strategy,
}

impl CustomerValue {
    /// Potentiel: the lifetime value to come, net of the cost to serve to come.
    pub fn clv(&self) -> i64 {
        self.purchases_clv + self.contracts_clv - self.service_clv
    }
}

/// What was fitted for the potential.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ValueModels {
    /// One-off purchases.
    pub purchases: PurchaseSummary,
    /// Contract retention.
    pub retention: RetentionSummary,
    /// Day used as the start of the history.
    pub history_start: Option<i32>,
    /// Trailing months of cost to serve projected over the horizon (0: none deducted).
    pub cost_to_serve_months: u32,
}

/// The result of [`assess_value`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ValueAssessment {
    /// Every customer, by increasing id.
    pub customers: Vec<CustomerValue>,
    /// Roll-ups of the P&L by product, channel and month (its `customers` is empty: the per-customer
    /// P&Ls are in [`ValueAssessment::customers`]).
    pub rollups: PnlReport,
    /// Net profitability above which a customer is high, minor units.
    pub profitability_cut: i64,
    /// CLV above which a customer is high, minor units.
    pub potential_cut: i64,
    /// What was fitted.
    pub models: ValueModels,
    /// Fallbacks taken (a model that could not be fitted, …), in words.
    pub warnings: Vec<String>,
}

/// Computes every customer's P&L, CLV and strategy as of `options.pnl.as_of`.
pub fn assess_value(
    history: &History,
    options: &ValueOptions,
) -> Result<ValueAssessment, ValueError> {
    options.validate()?;
    let as_of = options.pnl.as_of;
    let mut rollups = customer_pnl(history, &options.pnl);
    let pnls = std::mem::take(&mut rollups.customers);
    let mut warnings = Vec::new();

    let purchases = purchases::purchase_values(history, options);
    warnings.extend(purchases.warnings);

    let history_start = options.history_start.or_else(|| {
        let t = history.transactions.iter().map(|t| t.day);
        let i = history.interactions.iter().map(|i| i.day);
        t.chain(i).filter(|d| *d <= as_of).min()
    });
    let lines = retention::lines(history, as_of);
    let retention =
        retention::fit_retention(&lines, as_of, history_start, options.min_cohort_lines);
    warnings.extend(retention.warnings.iter().cloned());
    let unit_costs: HashMap<Id, i64> = history
        .products
        .iter()
        .map(|p| (p.id, p.unit_cost))
        .collect();
    let monthly_discount = options.monthly_discount_rate();
    let mut contracts: HashMap<Id, (f64, u32)> = HashMap::new();
    // The longest expected survival of a customer's running lines, in discounted months.
    let mut contract_months: HashMap<Id, f64> = HashMap::new();
    for line in lines.iter().filter(|l| l.stop.is_none()) {
        let k = &history.contracts[line.current];
        let margin = (k.monthly_fee - unit_costs.get(&k.product).copied().unwrap_or(0)) as f64;
        let tenure = complete_months(line.start, as_of);
        let value = retention.curve(line.start).map_or(0.0, |c| {
            c.discounted_margin(margin, monthly_discount, tenure, options.horizon_months)
        });
        let entry = contracts.entry(line.customer).or_default();
        entry.0 += if value.is_finite() { value } else { 0.0 };
        entry.1 += 1;
        let months = retention.curve(line.start).map_or(0.0, |c| {
            c.discounted_margin(1.0, monthly_discount, tenure, options.horizon_months)
        });
        let longest = contract_months.entry(line.customer).or_default();
        if months.is_finite() && months > *longest {
            *longest = months;
        }
    }
    let service_rates = match options.cost_to_serve_months {
        0 => HashMap::new(),
        months => service::monthly_rates(history, &options.pnl, months),
    };
    let annuity = service::annuity(monthly_discount, options.horizon_months);

    let churned: HashMap<Id, bool> = history
        .customers
        .iter()
        .map(|c| (c.id, c.churned))
        .collect();
    let mut customers: Vec<CustomerValue> = pnls
        .into_iter()
        .map(|(id, pnl)| {
            let (contract_value, running) = contracts.get(&id).copied().unwrap_or((0.0, 0));
            let bought = purchases.by_customer.get(&id).copied();
            let gone = running == 0 && churned.get(&id).copied().unwrap_or(false);
            let (purchase_value, p_alive) = match bought {
                _ if gone => (0.0, Some(0.0)),
                Some((v, p)) => (v, Some(p)),
                None => (0.0, None),
            };
            let months = match contract_months.get(&id) {
                _ if gone => 0.0,
                Some(m) => *m,
                None => p_alive.unwrap_or(0.0) * annuity,
            };
            let service = service_rates.get(&id).map_or(0.0, |rate| rate * months);
            CustomerValue {
                customer: id,
                pnl,
                purchases_clv: purchase_value.round() as i64,
                contracts_clv: contract_value.round() as i64,
                service_clv: service.round() as i64,
                p_alive,
                running_contracts: running,
                high_profitability: false,
                high_potential: false,
                strategy: Strategy::Termination,
            }
        })
        .collect();

    let profitability_cut = options
        .profitability_cut
        .resolve(&mut customers.iter().map(|c| c.pnl.net()).collect::<Vec<_>>());
    let potential_cut = options
        .potential_cut
        .resolve(&mut customers.iter().map(CustomerValue::clv).collect::<Vec<_>>());
    for c in &mut customers {
        c.high_profitability = c.pnl.net() > profitability_cut;
        c.high_potential = c.clv() > potential_cut;
        c.strategy = Strategy::of(c.high_profitability, c.high_potential);
    }

    Ok(ValueAssessment {
        customers,
        rollups,
        profitability_cut,
        potential_cut,
        models: ValueModels {
            purchases: purchases.summary,
            retention: retention.summary,
            history_start,
            cost_to_serve_months: options.cost_to_serve_months,
        },
        warnings,
    })
}
