//! The cost to serve to come: what a customer is expected to cost in interactions, complaints and
//! compensations over the CLV horizon, deducted from the potential so that the value matrix compares
//! net with net (profitability is net of the cost to serve to date).
//!
//! A customer's **monthly rate** is the cost to serve of the trailing window (`cost_to_serve_months`,
//! 12 by default) over the complete months of that window the customer was present (from the first
//! transaction, contract or interaction; at least one), credibility-weighted towards the base's rate:
//! (cost + k × base rate) ÷ (months + k) with k = [`PRIOR_MONTHS`]. A two-month-old customer's one
//! complaint is not projected as a complaint every two months for three years, and a customer seen
//! for the whole window is mostly judged on their own record. Campaign contacts are left out: they
//! are the company's choice, and the campaigns are themselves targeted on this value.
//!
//! The rate is paid for each month the relationship is expected to last, discounted like the margins:
//! - a contract holder: the longest expected survival of the running lines (the sum over the horizon
//!   of the line's survival from its tenure under its cohort's retention curve);
//! - a one-off buyer without a contract: P(alive) for every month of the horizon (BG/NBD and
//!   Pareto/NBD customers rarely drop out within three years once alive; an upper bound);
//! - a customer known to be gone, or with neither: nothing.

use std::collections::HashMap;

use crate::calendar::{add_months, complete_months};
use crate::pnl::{History, Id, PnlOptions, customer_pnl};

/// Weight of the base's rate in a customer's, in months of the customer's own record.
pub const PRIOR_MONTHS: f64 = 6.0;

/// Monthly cost to serve per customer over the trailing `months` to `as_of` (minor units a month),
/// credibility-weighted; every customer of the history has one.
pub(crate) fn monthly_rates(history: &History, pnl: &PnlOptions, months: u32) -> HashMap<Id, f64> {
    let as_of = pnl.as_of;
    // Rows after `opening` are counted; a customer present the whole window is present `months`.
    let opening = add_months(as_of, -(months as i32));
    let since = opening + 1;
    let window = PnlOptions {
        since: Some(pnl.since.map_or(since, |s| s.max(since))),
        ..*pnl
    };
    // Only interactions and complaints carry the costs projected here: the P&L of those rows alone
    // (the same costing rules) spares the transactions and contracts a second pass.
    let costs = History {
        customers: history.customers.clone(),
        channels: history.channels.clone(),
        interactions: history.interactions.clone(),
        complaints: history.complaints.clone(),
        // Campaign contacts are charged to their campaign, and so left out, through the members.
        campaigns: history.campaigns.clone(),
        campaign_members: history.campaign_members.clone(),
        ..History::default()
    };
    let report = customer_pnl(&costs, &window);

    let mut first: HashMap<Id, i32> = HashMap::new();
    let mut seen = |customer: Id, day: i32| {
        if day <= as_of {
            first
                .entry(customer)
                .and_modify(|d| *d = (*d).min(day))
                .or_insert(day);
        }
    };
    history
        .transactions
        .iter()
        .for_each(|t| seen(t.customer, t.day));
    history
        .contracts
        .iter()
        .for_each(|k| seen(k.customer, k.start));
    history
        .interactions
        .iter()
        .for_each(|i| seen(i.customer, i.day));

    let own: Vec<(Id, f64, f64)> = report
        .customers
        .iter()
        .map(|(id, p)| {
            let cost = (p.interaction_cost + p.complaint_cost + p.compensation).max(0);
            let start = first.get(id).map_or(opening, |d| (*d).max(opening));
            let present = complete_months(start, as_of).clamp(1, months.max(1));
            (*id, cost as f64, f64::from(present))
        })
        .collect();
    let (cost, present) = own.iter().fold((0.0, 0.0), |(c, m), (_, cost, present)| {
        (c + cost, m + present)
    });
    let base = if present > 0.0 { cost / present } else { 0.0 };
    own.into_iter()
        .map(|(id, cost, present)| (id, (cost + PRIOR_MONTHS * base) / (present + PRIOR_MONTHS)))
        .collect()
}

/// Σ_{m=0}^{horizon−1} (1 + r)^−m: the discounted months of a relationship sure to last the horizon,
/// on the margins' convention (the first month undiscounted).
pub(crate) fn annuity(monthly_discount: f64, horizon: u32) -> f64 {
    let (mut discount, mut total) = (1.0, 0.0);
    for _ in 0..horizon {
        total += discount;
        discount /= 1.0 + monthly_discount;
    }
    total
}
