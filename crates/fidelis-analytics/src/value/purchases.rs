//! Potential of one-off purchases: a BTYD model (BG/NBD or Pareto/NBD) for how many, Gamma-Gamma for
//! how much, the one-off gross margin rate for what is kept.

use std::collections::{HashMap, HashSet};

use serde::Serialize;

use crate::btyd::RepeatPurchaseModel;
use crate::btyd::bgnbd::{BgNbdParams, fit_bgnbd};
use crate::btyd::gamma_gamma::{GammaGammaParams, fit_gamma_gamma};
use crate::btyd::pareto_nbd::{ParetoNbdParams, fit_pareto_nbd};
use crate::btyd::summary::{CustomerSummary, TimeUnit, Transaction, summarise_transactions};
use crate::error::FitWarning;
use crate::pnl::{History, Id, ProductKind, TransactionKind};
use crate::value::{PurchaseModel, ValueOptions};

/// Weeks in one mean Gregorian month: the BTYD models run in weeks, the CLV horizon in months.
const WEEKS_PER_MONTH: f64 = 365.2425 / 12.0 / 7.0;

/// The fitted purchase model, as reported with a refresh.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "model", rename_all = "snake_case")]
pub enum PurchaseFit {
    /// BG/NBD parameters.
    Bgnbd {
        /// Estimates.
        params: BgNbdParams,
        /// Log-likelihood.
        log_likelihood: f64,
        /// Fit warnings.
        warnings: Vec<FitWarning>,
    },
    /// Pareto/NBD parameters.
    ParetoNbd {
        /// Estimates.
        params: ParetoNbdParams,
        /// Log-likelihood.
        log_likelihood: f64,
        /// Fit warnings.
        warnings: Vec<FitWarning>,
    },
}

/// What the one-off purchase part of the value found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PurchaseSummary {
    /// Customers with at least one one-off purchase by `as_of`.
    pub buyers: usize,
    /// The purchase model, when it could be fitted.
    pub model: Option<PurchaseFit>,
    /// The spend model, when it could be fitted.
    pub spend: Option<GammaGammaParams>,
    /// Spend per purchase used when the spend model could not be fitted (the mean one-off sale amount).
    pub fallback_spend: f64,
    /// One-off gross margin / one-off revenue, over the whole history to `as_of`.
    pub margin_rate: f64,
}

/// Per customer: expected discounted one-off margin over the horizon, and P(alive).
pub(crate) struct PurchaseValues {
    pub by_customer: HashMap<Id, (f64, f64)>,
    pub summary: PurchaseSummary,
    pub warnings: Vec<String>,
}

enum Fitted {
    Bgnbd(BgNbdParams),
    ParetoNbd(ParetoNbdParams),
}

impl Fitted {
    fn model(&self) -> &dyn RepeatPurchaseModel {
        match self {
            Fitted::Bgnbd(p) => p,
            Fitted::ParetoNbd(p) => p,
        }
    }
}

pub(crate) fn purchase_values(history: &History, options: &ValueOptions) -> PurchaseValues {
    let as_of = options.pnl.as_of;
    let one_off: HashSet<Id> = history
        .products
        .iter()
        .filter(|p| p.kind == ProductKind::OneOff)
        .map(|p| p.id)
        .collect();
    // Dense customer indices, as the summary wants them.
    let mut index: HashMap<Id, u32> = HashMap::with_capacity(history.customers.len());
    let mut ids: Vec<Id> = Vec::with_capacity(history.customers.len());
    let mut dense = |id: Id| {
        *index.entry(id).or_insert_with(|| {
            ids.push(id);
            (ids.len() - 1) as u32
        })
    };
    let (mut revenue, mut margin) = (0i64, 0i64);
    let mut log = Vec::new();
    for t in &history.transactions {
        if t.day > as_of || !one_off.contains(&t.product) {
            continue;
        }
        match t.kind {
            TransactionKind::Sale => {
                revenue += t.amount;
                margin += t.amount - t.cost;
                log.push(Transaction {
                    customer: dense(t.customer),
                    day: t.day,
                    amount: t.amount,
                });
            }
            TransactionKind::Refund => {
                revenue -= t.amount;
                margin -= t.amount - t.cost;
            }
        }
    }
    let margin_rate = if revenue > 0 {
        (margin as f64 / revenue as f64).clamp(-1.0, 1.0)
    } else {
        0.0
    };
    let fallback_spend = if log.is_empty() {
        0.0
    } else {
        log.iter().map(|t| t.amount as f64).sum::<f64>() / log.len() as f64
    };
    let mut out = PurchaseValues {
        by_customer: HashMap::new(),
        summary: PurchaseSummary {
            buyers: 0,
            model: None,
            spend: None,
            fallback_spend,
            margin_rate,
        },
        warnings: Vec::new(),
    };
    // Indices are dense by construction, so the summary cannot fail.
    let Ok(summary) = summarise_transactions(&log, as_of, TimeUnit::Weeks) else {
        out.warnings
            .push("one-off purchases could not be summarised".into());
        return out;
    };
    out.summary.buyers = summary.summaries.len();
    if summary.summaries.is_empty() {
        return out;
    }

    let fitted = match options.purchase_model {
        PurchaseModel::Bgnbd => fit_bgnbd(&summary.summaries).map(|f| {
            out.summary.model = Some(PurchaseFit::Bgnbd {
                params: f.params,
                log_likelihood: f.log_likelihood,
                warnings: f.diagnostics.warnings,
            });
            Fitted::Bgnbd(f.params)
        }),
        PurchaseModel::ParetoNbd => fit_pareto_nbd(&summary.summaries).map(|f| {
            out.summary.model = Some(PurchaseFit::ParetoNbd {
                params: f.params,
                log_likelihood: f.log_likelihood,
                warnings: f.diagnostics.warnings,
            });
            Fitted::ParetoNbd(f.params)
        }),
    };
    let fitted = match fitted {
        Ok(f) => f,
        Err(e) => {
            out.warnings.push(format!(
                "purchase model not fitted ({e}): one-off potential set to 0"
            ));
            return out;
        }
    };
    // Gamma-Gamma needs a positive spend per repeat buyer; zero-amount repeat days are left out.
    let spenders: Vec<CustomerSummary> = summary
        .summaries
        .iter()
        .filter(|s| s.frequency > 0 && s.monetary_value > 0.0)
        .copied()
        .collect();
    match fit_gamma_gamma(&spenders) {
        Ok(f) if f.params.q > 1.0 => out.summary.spend = Some(f.params),
        Ok(f) => out.warnings.push(format!(
            "spend model has q = {} ≤ 1 (infinite mean): mean purchase value used instead",
            f.params.q
        )),
        Err(e) => out.warnings.push(format!(
            "spend model not fitted ({e}): mean purchase value used instead"
        )),
    }

    let model = fitted.model();
    let monthly_discount = options.monthly_discount_rate();
    // Many customers share a history (same x, t_x, T): evaluate each distinct one once.
    let mut cache: HashMap<(u32, u64, u64), (f64, f64)> = HashMap::new();
    for (i, s) in summary.customers.iter().zip(&summary.summaries) {
        let (purchases, p_alive) = *cache
            .entry((s.frequency, s.recency.to_bits(), s.t.to_bits()))
            .or_insert_with(|| {
                (
                    discounted_purchases(model, s, options.horizon_months, monthly_discount),
                    model.p_alive(s),
                )
            });
        let spend = match &out.summary.spend {
            Some(gg) => gg.conditional_expected_average_spend(s),
            None => fallback_spend,
        };
        let value = margin_rate * spend * purchases;
        let value = if value.is_finite() { value } else { 0.0 };
        let p_alive = if p_alive.is_finite() {
            p_alive.clamp(0.0, 1.0)
        } else {
            0.0
        };
        out.by_customer.insert(ids[*i as usize], (value, p_alive));
    }
    out
}

/// Σᵢ (E[Y(i L)] − E[Y((i − 1) L)]) / (1 + d)ⁱ over the horizon's months, L one month in weeks:
/// the expected purchases of each future month, discounted at its end (the scheme of
/// [`crate::non_contractual_clv`], which multiplies the same sum by the margin per purchase).
fn discounted_purchases(
    model: &dyn RepeatPurchaseModel,
    s: &CustomerSummary,
    months: u32,
    monthly_discount: f64,
) -> f64 {
    let (mut previous, mut total, mut discount) = (0.0, 0.0, 1.0);
    for i in 1..=months {
        let cumulative = model.conditional_expected_purchases(f64::from(i) * WEEKS_PER_MONTH, s);
        discount /= 1.0 + monthly_discount;
        total += (cumulative - previous) * discount;
        previous = cumulative;
    }
    total
}
