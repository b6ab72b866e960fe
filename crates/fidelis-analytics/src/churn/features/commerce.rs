//! Spend and contract features: purchases over windows, spend trends and categories, commitments.

use super::Sink;
use super::catalogue::{FeatureSpec, Unit};
use super::censor::Censored;
use super::usage::relative_change;
use crate::churn::history::{ChannelKind, ContractStatus, TransactionKind};

const SPEND_WINDOWS: [f64; 4] = [30.0, 90.0, 180.0, 365.0];

pub(super) fn transaction_features<S: Sink>(s: &mut S, v: &Censored, categories: &[String]) {
    let mut purchases = [0.0f64; 4];
    let mut spend = [0.0f64; 4];
    let mut margin = [0.0f64; 4];
    let (mut refunds_90, mut refunds_365, mut refund_amount_365) = (0.0, 0.0, 0.0);
    let (mut spend_prev_90, mut purchases_180, mut purchases_prev_180) = (0.0, 0.0, 0.0);
    let (mut ticket_max_365, mut digital_365, mut store_365) = (0.0f64, 0.0, 0.0);
    let (mut newest, mut oldest) = (f64::NAN, f64::NAN);
    let mut category_spend = vec![0.0f64; categories.len()];
    let mut category_newest = vec![f64::NAN; categories.len()];
    let mut sale_days = Vec::new();

    for t in &v.transactions {
        let age = t.time.days_until(v.cut);
        match t.kind {
            TransactionKind::Sale => {
                for (w, &days) in SPEND_WINDOWS.iter().enumerate() {
                    if age <= days {
                        purchases[w] += 1.0;
                        spend[w] += t.amount;
                        margin[w] += t.amount - t.cost;
                    }
                }
                if age > 90.0 && age <= 180.0 {
                    spend_prev_90 += t.amount;
                }
                if age <= 180.0 {
                    purchases_180 += 1.0;
                } else if age <= 360.0 {
                    purchases_prev_180 += 1.0;
                }
                if age <= 365.0 {
                    ticket_max_365 = ticket_max_365.max(t.amount);
                    match t.channel {
                        Some(ChannelKind::Web | ChannelKind::App) => digital_365 += 1.0,
                        Some(ChannelKind::Store) => store_365 += 1.0,
                        _ => {}
                    }
                }
                newest = if newest.is_nan() {
                    age
                } else {
                    newest.min(age)
                };
                oldest = if oldest.is_nan() {
                    age
                } else {
                    oldest.max(age)
                };
                sale_days.push(t.time.day().0);
                if let Some(c) = t
                    .category
                    .map(usize::from)
                    .filter(|&c| c < categories.len())
                {
                    if age <= 365.0 {
                        category_spend[c] += t.amount;
                    }
                    let n = &mut category_newest[c];
                    *n = if n.is_nan() { age } else { n.min(age) };
                }
            }
            TransactionKind::Refund => {
                for (w, &days) in SPEND_WINDOWS.iter().enumerate() {
                    if age <= days {
                        margin[w] -= t.amount;
                    }
                }
                if age <= 90.0 {
                    refunds_90 += 1.0;
                }
                if age <= 365.0 {
                    refunds_365 += 1.0;
                    refund_amount_365 += t.amount;
                }
            }
        }
    }

    for (w, &days) in SPEND_WINDOWS.iter().enumerate() {
        s.put(purchases[w], || {
            FeatureSpec::new(
                format!("purchases_{days}d"),
                Unit::Count,
                format!("purchases (sale lines) in the last {days} days"),
                format!("{{value}} purchases in the last {days} days"),
            )
        });
        s.put(spend[w], || {
            FeatureSpec::new(
                format!("spend_{days}d"),
                Unit::Money,
                format!("amount spent on purchases in the last {days} days"),
                format!("spent {{value}} in the last {days} days"),
            )
        });
        s.put(margin[w], || {
            FeatureSpec::new(
                format!("margin_{days}d"),
                Unit::Money,
                format!("purchase margin (amount − cost − refunds) in the last {days} days"),
                format!("purchase margin {{value}} in the last {days} days"),
            )
        });
    }
    s.put(refunds_90, || {
        FeatureSpec::new(
            "refunds_90d",
            Unit::Count,
            "refunds in the last 90 days",
            "{value} refunds in the last 90 days",
        )
    });
    s.put(refunds_365, || {
        FeatureSpec::new(
            "refunds_365d",
            Unit::Count,
            "refunds in the last 365 days",
            "{value} refunds in the last year",
        )
    });
    s.put(refund_amount_365, || {
        FeatureSpec::new(
            "refund_amount_365d",
            Unit::Money,
            "amount refunded in the last 365 days",
            "{value} refunded in the last year",
        )
    });
    s.put(newest, || {
        FeatureSpec::new(
            "days_since_last_purchase",
            Unit::Days,
            "days since the last purchase",
            "last purchase {value} days ago",
        )
    });
    s.put(oldest, || {
        FeatureSpec::new(
            "days_since_first_purchase",
            Unit::Days,
            "days since the first purchase on record",
            "first purchase {value} days ago",
        )
    });
    sale_days.sort_unstable();
    sale_days.dedup();
    let gap = if sale_days.len() >= 2 {
        f64::from(sale_days[sale_days.len() - 1] - sale_days[0]) / (sale_days.len() - 1) as f64
    } else {
        f64::NAN
    };
    s.put(gap, || {
        FeatureSpec::new(
            "purchase_gap_mean_days",
            Unit::Days,
            "mean days between purchase days over the whole history",
            "buys every {value} days on average",
        )
    });
    s.put(relative_change(spend[1], spend_prev_90), || {
        FeatureSpec::new(
            "spend_change_90d_vs_prev_90d",
            Unit::Change,
            "spend in the last 90 days vs the 90 days before",
            "spend {direction} {abs_pct} % over 90 days vs the 90 before",
        )
    });
    s.put(relative_change(purchases_180, purchases_prev_180), || {
        FeatureSpec::new(
            "purchases_change_180d_vs_prev_180d",
            Unit::Change,
            "purchases in the last 180 days vs the 180 days before",
            "purchases {direction} {abs_pct} % over 180 days vs the 180 before",
        )
    });
    let ticket_mean = if purchases[3] > 0.0 {
        spend[3] / purchases[3]
    } else {
        f64::NAN
    };
    s.put(ticket_mean, || {
        FeatureSpec::new(
            "ticket_mean_365d",
            Unit::Money,
            "mean amount of a purchase in the last 365 days",
            "average purchase {value} over the last year",
        )
    });
    s.put(
        if purchases[3] > 0.0 {
            ticket_max_365
        } else {
            f64::NAN
        },
        || {
            FeatureSpec::new(
                "ticket_max_365d",
                Unit::Money,
                "largest purchase in the last 365 days",
                "largest purchase {value} over the last year",
            )
        },
    );
    let share = |count: f64| {
        if purchases[3] > 0.0 {
            count / purchases[3]
        } else {
            f64::NAN
        }
    };
    s.put(share(digital_365), || {
        FeatureSpec::new(
            "purchases_share_digital_365d",
            Unit::Share,
            "share of the last year's purchases made on the web or in the app",
            "{pct} % of purchases made online",
        )
    });
    s.put(share(store_365), || {
        FeatureSpec::new(
            "purchases_share_store_365d",
            Unit::Share,
            "share of the last year's purchases made in a store",
            "{pct} % of purchases made in store",
        )
    });
    for (c, key) in categories.iter().enumerate() {
        s.put(category_spend[c], || {
            FeatureSpec::new(
                format!("spend_365d_{key}"),
                Unit::Money,
                format!("amount spent on {key} products in the last 365 days"),
                format!("spent {{value}} on {key} in the last year"),
            )
        });
        s.put(category_newest[c], || {
            FeatureSpec::new(
                format!("days_since_last_{key}_purchase"),
                Unit::Days,
                format!("days since the last purchase of a {key} product"),
                format!("last {key} purchase {{value}} days ago"),
            )
        });
    }
}

pub(super) fn contract_features<S: Sink>(s: &mut S, v: &Censored, categories: &[String]) {
    let today = v.as_of.0;
    let year_ago = today - 365;
    let (mut active, mut fees, mut fee_max, mut fees_year_ago) = (0.0, 0.0, 0.0f64, 0.0);
    let (mut started_365, mut cancelled_365, mut ended_365) = (0.0, 0.0, 0.0);
    let (mut out_of_commitment, mut ending_90) = (0.0, 0.0);
    let mut to_end = f64::NAN;
    let (mut first_start, mut last_start) = (f64::NAN, f64::NAN);
    let mut last_cancel = f64::NAN;
    let mut by_category = vec![0.0f64; categories.len()];

    for c in &v.contracts {
        let start = c.start.0;
        let since_start = f64::from(today - start);
        first_start = if first_start.is_nan() {
            since_start
        } else {
            first_start.max(since_start)
        };
        last_start = if last_start.is_nan() {
            since_start
        } else {
            last_start.min(since_start)
        };
        if start >= year_ago {
            started_365 += 1.0;
        }
        let stopped_on = match c.status {
            ContractStatus::Active => None,
            ContractStatus::Cancelled => c.cancelled_on.map(|d| d.0),
            // Ended without an end date: ended at an unknown time before the snapshot.
            ContractStatus::Ended => Some(c.end.map_or(i32::MIN, |d| d.0)),
        };
        if let Some(day) = stopped_on {
            if day >= year_ago {
                if c.status == ContractStatus::Cancelled {
                    cancelled_365 += 1.0;
                } else {
                    ended_365 += 1.0;
                }
            }
            if c.status == ContractStatus::Cancelled {
                let since = f64::from(today - day);
                last_cancel = if last_cancel.is_nan() {
                    since
                } else {
                    last_cancel.min(since)
                };
            }
        } else {
            active += 1.0;
            fees += c.monthly_fee;
            fee_max = fee_max.max(c.monthly_fee);
            if let Some(end) = c.end {
                let days = f64::from(end.0 - today);
                to_end = if to_end.is_nan() {
                    days
                } else {
                    to_end.min(days)
                };
                if days < 0.0 {
                    out_of_commitment += 1.0;
                } else if days < 90.0 {
                    ending_90 += 1.0;
                }
            }
            if let Some(k) = c
                .category
                .map(usize::from)
                .filter(|&k| k < categories.len())
            {
                by_category[k] += 1.0;
            }
        }
        if start <= year_ago && stopped_on.is_none_or(|d| d > year_ago) {
            fees_year_ago += c.monthly_fee;
        }
    }
    let any = !v.contracts.is_empty();
    let if_any = |x: f64| if any { x } else { f64::NAN };

    s.put(active, || {
        FeatureSpec::new(
            "contracts_active",
            Unit::Count,
            "contracts active at the snapshot",
            "{value} active contracts",
        )
    });
    s.put(fees, || {
        FeatureSpec::new(
            "monthly_fees_active",
            Unit::Money,
            "sum of the monthly fees of the active contracts",
            "pays {value} a month in fees",
        )
    });
    s.put(if_any(fee_max), || {
        FeatureSpec::new(
            "monthly_fee_max_active",
            Unit::Money,
            "highest monthly fee among the active contracts",
            "highest monthly fee {value}",
        )
    });
    s.put(if_any(relative_change(fees, fees_year_ago)), || {
        FeatureSpec::new(
            "monthly_fees_change_365d",
            Unit::Change,
            "monthly fees of the active contracts vs those active a year earlier",
            "monthly fees {direction} {abs_pct} % on a year ago",
        )
    });
    s.put(v.contracts.len() as f64, || {
        FeatureSpec::new(
            "contracts_ever",
            Unit::Count,
            "contracts ever started before the snapshot",
            "{value} contracts so far",
        )
    });
    s.put(started_365, || {
        FeatureSpec::new(
            "contracts_started_365d",
            Unit::Count,
            "contracts started in the last 365 days",
            "{value} contracts started in the last year",
        )
    });
    s.put(cancelled_365, || {
        FeatureSpec::new(
            "contracts_cancelled_365d",
            Unit::Count,
            "contracts cancelled in the last 365 days",
            "{value} contracts cancelled in the last year",
        )
    });
    s.put(ended_365, || {
        FeatureSpec::new(
            "contracts_ended_365d",
            Unit::Count,
            "contracts ended (not cancelled) in the last 365 days",
            "{value} contracts ended in the last year",
        )
    });
    s.put(last_cancel, || {
        FeatureSpec::new(
            "days_since_last_cancellation",
            Unit::Days,
            "days since a contract was last cancelled",
            "cancelled a contract {value} days ago",
        )
    });
    s.put(to_end, || {
        FeatureSpec::new(
            "days_to_commitment_end",
            Unit::Days,
            "days until the earliest commitment end among active contracts (negative: already out of commitment)",
            "commitment ends in {value} days",
        )
    });
    s.put(if_any(out_of_commitment), || {
        FeatureSpec::new(
            "contracts_out_of_commitment",
            Unit::Count,
            "active contracts whose commitment is already over",
            "{value} contracts out of commitment",
        )
    });
    s.put(if_any(ending_90), || {
        FeatureSpec::new(
            "contracts_ending_90d",
            Unit::Count,
            "active contracts whose commitment ends within 90 days",
            "{value} commitments ending within 90 days",
        )
    });
    s.put(first_start, || {
        FeatureSpec::new(
            "days_since_first_contract",
            Unit::Days,
            "days since the first contract started",
            "first contract {value} days ago",
        )
    });
    s.put(last_start, || {
        FeatureSpec::new(
            "days_since_last_contract_start",
            Unit::Days,
            "days since a contract was last started or renewed",
            "last new or renewed contract {value} days ago",
        )
    });
    for (k, key) in categories.iter().enumerate() {
        s.put(if_any(by_category[k]), || {
            FeatureSpec::new(
                format!("contracts_active_{key}"),
                Unit::Count,
                format!("active contracts for {key} products"),
                format!("{{value}} active {key} contracts"),
            )
        });
    }
}
