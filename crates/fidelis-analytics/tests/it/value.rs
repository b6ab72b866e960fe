//! Customer value: the CLV parts agree with the model helpers they are built on, contract lines and
//! cohorts are counted as documented, and the matrix maps cells to strategies.

use std::collections::HashMap;

use fidelis_analytics::calendar::add_months;
use fidelis_analytics::pnl::{
    Channel, ContractRow, CustomerRow, History, InteractionRow, Product, ProductKind,
    TransactionKind, TransactionRow,
};
use fidelis_analytics::value::{PurchaseFit, RetentionCurve, ValueError};
use fidelis_analytics::{
    ClvOptions, CustomerSummary, CutOff, PurchaseModel, Rng, SbgParams, Strategy, TimeUnit,
    Transaction, ValueOptions, assess_value, contractual_clv, fit_bgnbd, fit_gamma_gamma, fit_sbg,
    non_contractual_clv, simulate_sbg, summarise_transactions,
};

use crate::pnl::day;

const SHOP: i64 = 1;
const GADGET: i64 = 7;
const PLAN: i64 = 8;
const TV: i64 = 9;

fn catalogue() -> (Vec<Product>, Vec<Channel>) {
    let product = |id, category: &str, kind, unit_cost| Product {
        id,
        category: category.into(),
        kind,
        unit_cost,
    };
    (
        vec![
            product(GADGET, "accessory", ProductKind::OneOff, 0),
            product(PLAN, "mobile_plan", ProductKind::Contract, 700),
            product(TV, "tv", ProductKind::Subscription, 300),
        ],
        vec![Channel {
            id: SHOP,
            cost_per_contact: 500,
            cost_per_minute: 0,
        }],
    )
}

/// A BG/NBD-like purchase log: Gamma purchase rates, Beta dropout after each purchase, Gamma spends,
/// costs at 60 % of the amount. Customer ids 0 … n − 1.
fn purchase_log(customers: u32, as_of: i32, seed: u64) -> Vec<TransactionRow> {
    let mut rng = Rng::new(seed);
    let mut rows = Vec::new();
    for c in 0..customers {
        let rate = rng.gamma(0.6, 30.0); // purchases per day
        let p = rng.beta(0.8, 3.0);
        let spend = rng.gamma(4.0, 4.0 / 3000.0); // mean around 30.00
        let mut d = as_of - 400 + rng.below(300) as i32;
        loop {
            let amount = (rng.gamma(6.0, 6.0 / spend)).round() as i64 + 1;
            rows.push(TransactionRow {
                customer: i64::from(c),
                product: GADGET,
                channel: Some(SHOP),
                day: d,
                kind: TransactionKind::Sale,
                amount,
                cost: amount * 6 / 10,
            });
            if rng.uniform() < p {
                break;
            }
            d += rng.exponential(rate).ceil() as i32;
            if d > as_of {
                break;
            }
        }
    }
    rows
}

#[test]
fn one_off_potential_is_the_model_clv() {
    let as_of = day(2024, 6, 30);
    let (products, channels) = catalogue();
    let transactions = purchase_log(3000, as_of, 11);
    let history = History {
        customers: (0..3000)
            .map(|id| CustomerRow { id, churned: false })
            .collect(),
        products,
        channels,
        transactions: transactions.clone(),
        ..History::default()
    };
    let options = ValueOptions::new(as_of);
    let got = assess_value(&history, &options).unwrap();

    // The same summary and fits, straight from the model functions.
    let log: Vec<Transaction> = transactions
        .iter()
        .map(|t| Transaction {
            customer: t.customer as u32,
            day: t.day,
            amount: t.amount,
        })
        .collect();
    let summary = summarise_transactions(&log, as_of, TimeUnit::Weeks).unwrap();
    let bgnbd = fit_bgnbd(&summary.summaries).unwrap();
    let spenders: Vec<CustomerSummary> = summary
        .summaries
        .iter()
        .filter(|s| s.frequency > 0)
        .copied()
        .collect();
    let gg = fit_gamma_gamma(&spenders).unwrap();
    let Some(PurchaseFit::Bgnbd { params, .. }) = &got.models.purchases.model else {
        panic!("expected a BG/NBD fit: {:?}", got.models.purchases);
    };
    for (a, b) in [
        (params.r, bgnbd.params.r),
        (params.alpha, bgnbd.params.alpha),
        (params.a, bgnbd.params.a),
        (params.b, bgnbd.params.b),
    ] {
        assert!((a - b).abs() <= 1e-6 * b.abs(), "{a} vs {b}");
    }
    let (amount, cost): (i64, i64) = transactions
        .iter()
        .fold((0, 0), |(a, c), t| (a + t.amount, c + t.cost));
    let margin_rate = (amount - cost) as f64 / amount as f64;
    assert!((got.models.purchases.margin_rate - margin_rate).abs() < 1e-12);
    let clv_options = ClvOptions {
        margin_rate,
        discount_rate: options.monthly_discount_rate(),
        period_length: 365.2425 / 12.0 / 7.0,
        periods: 36,
    };
    let mut checked = 0;
    for (c, s) in summary.customers.iter().zip(&summary.summaries).step_by(97) {
        let want = non_contractual_clv(&bgnbd.params, &gg.params, s, &clv_options);
        let value = &got.customers[*c as usize];
        assert_eq!(value.customer, i64::from(*c));
        assert!(
            (value.purchases_clv as f64 - want).abs() <= 1.0 + 1e-6 * want,
            "customer {c}: {} vs {want}",
            value.purchases_clv
        );
        let p = value.p_alive.unwrap();
        assert!((0.0..=1.0).contains(&p));
        checked += 1;
    }
    assert!(checked > 20);
    assert!(got.warnings.is_empty(), "{:?}", got.warnings);

    // Pareto/NBD gives finite, non-negative values too.
    let options = ValueOptions {
        purchase_model: PurchaseModel::ParetoNbd,
        ..options
    };
    let pnbd = assess_value(&history, &options).unwrap();
    assert!(matches!(
        pnbd.models.purchases.model,
        Some(PurchaseFit::ParetoNbd { .. })
    ));
    assert!(pnbd.customers.iter().all(|c| c.purchases_clv >= 0));
}

/// `n` lines of PLAN started on `start`, their churn drawn from an sBG; the survivors' lines run on.
fn cohort(
    first_customer: i64,
    start: i32,
    sbg: &SbgParams,
    n: u64,
    months: usize,
    seed: u64,
) -> (Vec<ContractRow>, Vec<u64>) {
    let survivors = simulate_sbg(sbg, n, months, seed);
    let mut rows = Vec::new();
    let mut customer = first_customer;
    for t in 1..=months {
        for _ in 0..survivors[t - 1] - survivors[t] {
            // Stopped during month t: t − 1 complete months, churn at renewal t.
            rows.push(plan(
                customer,
                start,
                Some(add_months(start, t as i32 - 1) + 5),
            ));
            customer += 1;
        }
    }
    for _ in 0..survivors[months] {
        rows.push(plan(customer, start, None));
        customer += 1;
    }
    (rows, survivors)
}

fn plan(customer: i64, start: i32, stop: Option<i32>) -> ContractRow {
    ContractRow {
        customer,
        product: PLAN,
        channel: Some(SHOP),
        start,
        stop,
        monthly_fee: 2000,
    }
}

#[test]
fn contract_potential_follows_the_cohort_retention() {
    let as_of = day(2024, 1, 31);
    let (products, channels) = catalogue();
    let start = day(2023, 1, 10);
    let truth = SbgParams {
        alpha: 1.0,
        beta: 3.0,
    };
    let (mut contracts, survivors) = cohort(0, start, &truth, 400, 12, 5);
    // An old cohort, from before the history: left-truncated, not fitted on its own.
    let old = day(2021, 6, 3);
    let (old_rows, _) = cohort(10_000, old, &truth, 150, 24, 6);
    contracts.extend(old_rows);
    let customers = contracts
        .iter()
        .map(|k| CustomerRow {
            id: k.customer,
            churned: false,
        })
        .collect();
    let history = History {
        customers,
        products,
        channels,
        contracts,
        ..History::default()
    };
    let options = ValueOptions {
        history_start: Some(day(2022, 1, 1)),
        ..ValueOptions::new(as_of)
    };
    let got = assess_value(&history, &options).unwrap();
    let retention = &got.models.retention;
    let young = retention.cohorts.iter().find(|c| !c.truncated).unwrap();
    assert_eq!(young.survivors, survivors);
    let fitted = fit_sbg(&survivors).unwrap().params;
    let Some(RetentionCurve::Sbg { alpha, beta }) = young.fit else {
        panic!("the young cohort has its own fit: {young:?}");
    };
    assert!((alpha - fitted.alpha).abs() < 1e-9 && (beta - fitted.beta).abs() < 1e-9);
    let old_cohort = retention.cohorts.iter().find(|c| c.truncated).unwrap();
    assert_eq!((old_cohort.lines, old_cohort.fit), (150, None));
    // The pooled curve is fitted on the young cohort only, so it is the same sBG.
    let Some(RetentionCurve::Sbg {
        alpha: pa,
        beta: pb,
    }) = retention.pooled
    else {
        panic!("a pooled sBG: {:?}", retention.pooled);
    };
    assert!((pa - alpha).abs() < 1e-4 * alpha && (pb - beta).abs() < 1e-4 * beta);

    let d = options.monthly_discount_rate();
    let margin = 2000.0 - 700.0;
    let young_running = got
        .customers
        .iter()
        .find(|c| c.customer < 10_000 && c.running_contracts == 1)
        .unwrap();
    let want = contractual_clv(&fitted, margin, d, 12, 36);
    assert_eq!(young_running.contracts_clv, want.round() as i64);
    let old_running = got
        .customers
        .iter()
        .find(|c| c.customer >= 10_000 && c.running_contracts == 1)
        .unwrap();
    let tenure = 31; // 2021-06-03 → 2024-01-31
    let want = contractual_clv(
        &SbgParams {
            alpha: pa,
            beta: pb,
        },
        margin,
        d,
        tenure,
        36,
    );
    assert_eq!(old_running.contracts_clv, want.round() as i64);
    // Lines that ended have no contract potential.
    assert!(
        got.customers
            .iter()
            .filter(|c| c.running_contracts == 0)
            .all(|c| c.contracts_clv == 0)
    );
}

#[test]
fn renewals_continue_a_line_and_dropped_options_end_one() {
    let as_of = day(2024, 1, 31);
    let (products, channels) = catalogue();
    let start = day(2023, 1, 10);
    let contracts = vec![
        // Customer 1 renews onto a new plan the day the first one ends: one running line.
        plan(1, start, Some(day(2023, 7, 10))),
        plan(1, day(2023, 7, 10), None),
        // Customer 2 drops a TV option after 4 complete months, with no successor: churn at renewal 5.
        ContractRow {
            product: TV,
            monthly_fee: 500,
            ..plan(2, start, Some(day(2023, 5, 15)))
        },
        // Customer 3 cancels and comes back two months later: two lines.
        plan(3, start, Some(day(2023, 3, 1))),
        plan(3, day(2023, 5, 1), None),
    ];
    let history = History {
        customers: (1..=3)
            .map(|id| CustomerRow { id, churned: false })
            .collect(),
        products,
        channels,
        contracts,
        ..History::default()
    };
    let options = ValueOptions {
        history_start: Some(day(2022, 1, 1)),
        ..ValueOptions::new(as_of)
    };
    let got = assess_value(&history, &options).unwrap();
    let cohorts = &got.models.retention.cohorts;
    assert_eq!(cohorts.len(), 2);
    // January 2023: three lines observed 12 months; customer 3's first line ends during month 2,
    // customer 2's during month 5.
    assert_eq!(cohorts[0].cohort.to_string(), "2023-01");
    assert_eq!(
        cohorts[0].survivors,
        vec![3, 3, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1]
    );
    assert_eq!(cohorts[1].cohort.to_string(), "2023-05");
    assert_eq!(cohorts[1].lines, 1);
    let running: Vec<u32> = got.customers.iter().map(|c| c.running_contracts).collect();
    assert_eq!(running, vec![1, 0, 1]);
}

#[test]
fn matrix_cells_and_known_departures() {
    let as_of = day(2024, 3, 31);
    let mut history = crate::pnl::history();
    // Customer 5: a plan started two weeks ago (no complete month, nothing accrued) and a costly
    // visit: loss-making today, with potential. Customer 6 left: one-off buyer recorded as churned.
    history.customers.push(CustomerRow {
        id: 5,
        churned: false,
    });
    history.customers.push(CustomerRow {
        id: 6,
        churned: true,
    });
    history.contracts.push(ContractRow {
        customer: 5,
        product: 11,
        channel: Some(1),
        start: day(2024, 3, 15),
        stop: None,
        monthly_fee: 2999,
    });
    history.interactions.push(InteractionRow {
        customer: 5,
        channel: 2,
        day: day(2024, 3, 16),
        duration_seconds: 0,
        cost: None,
        campaign: None,
        campaign_delivery: false,
    });
    for d in [day(2024, 1, 3), day(2024, 2, 3), day(2024, 3, 3)] {
        history.transactions.push(TransactionRow {
            customer: 6,
            product: 10,
            channel: Some(1),
            day: d,
            kind: TransactionKind::Sale,
            amount: 1999,
            cost: 450,
        });
    }
    let options = ValueOptions {
        profitability_cut: CutOff::Amount(0),
        potential_cut: CutOff::Amount(0),
        ..ValueOptions::new(as_of)
    };
    let got = assess_value(&history, &options).unwrap();
    let strategies: Vec<(i64, Strategy)> = got
        .customers
        .iter()
        .map(|c| (c.customer, c.strategy))
        .collect();
    assert_eq!(
        strategies,
        vec![
            (1, Strategy::Loyalty),        // net 12.91, a running plan
            (2, Strategy::Termination),    // nothing
            (3, Strategy::Termination),    // costs only
            (4, Strategy::Retention),      // profitable, contract over
            (5, Strategy::MultiEquipment), // loss-making, a new plan
            (6, Strategy::Retention),      // profitable, gone
        ]
    );
    let six = &got.customers[5];
    assert_eq!((six.clv(), six.p_alive), (0, Some(0.0)));
    // The only cohort observed never churned: no sBG, a constant retention with a warning.
    assert!(
        got.warnings
            .iter()
            .any(|w| w.contains("constant monthly retention 1.0000")),
        "{:?}",
        got.warnings
    );
    assert!(
        got.customers
            .iter()
            .all(|c| c.p_alive.is_none_or(|p| (0.0..=1.0).contains(&p)))
    );
    // Retention 1: customer 1's plan is worth its
    // margin each month for 36 months, the first undiscounted.
    let d = options.monthly_discount_rate();
    let annuity: f64 = (0..36).map(|j| (1.0 + d).powi(-j)).sum();
    assert_eq!(
        got.customers[0].contracts_clv,
        ((1999.0 - 750.0) * annuity).round() as i64
    );
    assert_eq!(
        got.customers[4].contracts_clv,
        ((2999.0 - 750.0) * annuity).round() as i64
    );

    // Median cut-offs: the values are sorted and the lower middle one taken.
    let medians = assess_value(&history, &ValueOptions::new(as_of)).unwrap();
    let mut nets: Vec<i64> = medians.customers.iter().map(|c| c.pnl.net()).collect();
    nets.sort();
    assert_eq!(medians.profitability_cut, nets[2]);
    assert_eq!(medians.potential_cut, 0);
}

#[test]
fn invalid_options_are_named() {
    let history = History::default();
    for (options, option) in [
        (
            ValueOptions {
                annual_discount_rate: f64::NAN,
                ..ValueOptions::new(0)
            },
            "annual_discount_rate",
        ),
        (
            ValueOptions {
                horizon_months: 0,
                ..ValueOptions::new(0)
            },
            "horizon_months",
        ),
        (
            ValueOptions {
                potential_cut: CutOff::Quantile(1.5),
                ..ValueOptions::new(0)
            },
            "potential_cut",
        ),
    ] {
        let err = assess_value(&history, &options).unwrap_err();
        let ValueError::InvalidOption { option: got, .. } = &err;
        assert_eq!(*got, option);
        assert!(err.to_string().contains(option));
    }
    // An empty base is fine: nothing to report.
    let empty = assess_value(&history, &ValueOptions::new(0)).unwrap();
    assert!(empty.customers.is_empty());
}

#[test]
fn potential_is_net_of_the_cost_to_serve_to_come() {
    let as_of = day(2024, 3, 31);
    let mut history = crate::pnl::history();
    // Customer 7 buys one-off cases and calls the call centre twice; customer 8 did the same and is
    // recorded as gone.
    for id in [7, 8] {
        history.customers.push(CustomerRow {
            id,
            churned: id == 8,
        });
        for d in [day(2023, 10, 2), day(2023, 12, 5), day(2024, 2, 20)] {
            history.transactions.push(TransactionRow {
                customer: id,
                product: 10,
                channel: Some(1),
                day: d,
                kind: TransactionKind::Sale,
                amount: 1999,
                cost: 450,
            });
        }
        for d in [day(2023, 11, 7), day(2024, 3, 1)] {
            history.interactions.push(InteractionRow {
                customer: id,
                channel: 2,
                day: d,
                duration_seconds: 120,
                cost: None,
                campaign: None,
                campaign_delivery: false,
            });
        }
    }
    let options = ValueOptions::new(as_of);
    let got = assess_value(&history, &options).unwrap();

    // The cost to serve of the window (here the whole history), campaign contacts left out.
    let pnl = fidelis_analytics::pnl::customer_pnl(&history, &options.pnl);
    let cost: HashMap<i64, f64> = pnl
        .customers
        .iter()
        .map(|(id, p)| {
            let c = p.interaction_cost + p.complaint_cost + p.compensation;
            (*id, c as f64)
        })
        .collect();
    assert_eq!(cost[&1], 800.0 + 2000.0 + 1000.0); // a 5-minute call, a complaint, its compensation
    assert_eq!(cost[&7], 2.0 * (400.0 + 2.0 * 80.0)); // two 2-minute calls
    // Complete months present in the window, by hand: from the first row (January 5, 2024 for 1;
    // none for 2: the whole window; January 20 for 3; December 20, 2023 for 4; October 2 for 7, 8).
    let present: HashMap<i64, f64> = [(1, 2.0), (2, 12.0), (3, 2.0), (4, 3.0), (7, 5.0), (8, 5.0)]
        .into_iter()
        .collect();
    let base = cost.values().sum::<f64>() / present.values().sum::<f64>();
    let rate = |id: i64| (cost[&id] + 6.0 * base) / (present[&id] + 6.0);
    let d = options.monthly_discount_rate();
    let annuity: f64 = (0..36).map(|j| (1.0 + d).powi(-j)).sum();
    let of = |id: i64| got.customers.iter().find(|c| c.customer == id).unwrap();

    // Customer 1's plan: every month it is expected to survive costs the rate, and the plan's
    // expected discounted months are its CLV over its monthly margin (1999 − 750).
    let months = of(1).contracts_clv as f64 / (1999.0 - 750.0);
    assert!(months > 1.0 && months < annuity, "{months}");
    let want = rate(1) * months;
    assert!(
        (of(1).service_clv as f64 - want).abs() <= 1.0,
        "{} against {want}",
        of(1).service_clv
    );
    assert_eq!(
        of(1).clv(),
        of(1).purchases_clv + of(1).contracts_clv - of(1).service_clv
    );
    // Customer 7, a one-off buyer: the rate for every month, weighted by P(alive).
    let p_alive = of(7).p_alive.unwrap();
    assert!(p_alive > 0.0 && p_alive < 1.0, "{p_alive}");
    assert_eq!(
        of(7).service_clv,
        (rate(7) * p_alive * annuity).round() as i64
    );
    assert!(of(7).service_clv > 0);
    // Gone (8), contract over and no one-off purchase (4), nothing at all (2): no cost to come.
    for id in [2, 3, 4, 8] {
        assert_eq!(of(id).service_clv, 0, "customer {id}");
    }

    // 0 months: the gross potential, as before.
    let gross = assess_value(
        &history,
        &ValueOptions {
            cost_to_serve_months: 0,
            ..options
        },
    )
    .unwrap();
    for (net, gross) in got.customers.iter().zip(&gross.customers) {
        assert_eq!(gross.service_clv, 0);
        assert_eq!(gross.clv(), net.clv() + net.service_clv);
    }
    // A trailing window of one month sees only March: customer 7's second call, customer 1's
    // campaign e-mail (left out), so customer 1 is charged only the base's share.
    let march = assess_value(
        &history,
        &ValueOptions {
            cost_to_serve_months: 1,
            ..options
        },
    )
    .unwrap();
    let march_of = |id: i64| march.customers.iter().find(|c| c.customer == id).unwrap();
    assert!(march_of(1).service_clv < of(1).service_clv);
    assert!(march_of(7).service_clv > 0);
    assert!(matches!(
        assess_value(
            &history,
            &ValueOptions {
                cost_to_serve_months: 121,
                ..options
            }
        ),
        Err(ValueError::InvalidOption {
            option: "cost_to_serve_months",
            ..
        })
    ));
}
