//! Per-customer P&L on a small history computed by hand: refunds, invoiced and accrued contract fees,
//! interaction costs from channels, complaints, campaign contacts, zero-revenue and cost-only customers.

use std::collections::HashMap;

use fidelis_analytics::calendar::{Month, days_from_civil};
use fidelis_analytics::pnl::{
    Campaign, CampaignMemberRow, Channel, ComplaintRow, ContractRow, CustomerRow, History,
    InteractionRow, Pnl, PnlOptions, Product, ProductKind, TransactionKind, TransactionRow,
    customer_pnl, interaction_cost, rollup_by_segment,
};

pub fn day(y: i32, m: u32, d: u32) -> i32 {
    days_from_civil(y, m, d)
}

const WEB: i64 = 1;
const CALL_CENTRE: i64 = 2;
const EMAIL: i64 = 3;
const CASE: i64 = 10;
const MOBILE_PLAN: i64 = 11;
const HOME_INSURANCE: i64 = 12;
const PROMO: i64 = 100;
const FREE_PROMO: i64 = 101;

fn sale(
    customer: i64,
    product: i64,
    channel: Option<i64>,
    d: i32,
    amount: i64,
    cost: i64,
) -> TransactionRow {
    TransactionRow {
        customer,
        product,
        channel,
        day: d,
        kind: TransactionKind::Sale,
        amount,
        cost,
    }
}

fn contact(customer: i64, channel: i64, d: i32, seconds: i64, cost: Option<i64>) -> InteractionRow {
    InteractionRow {
        customer,
        channel,
        day: d,
        duration_seconds: seconds,
        cost,
        campaign: None,
        campaign_delivery: false,
    }
}

/// Customer 1 buys, returns and buys again a case, pays an invoiced mobile plan, calls, complains and
/// is reached by a paid campaign; customer 2 has nothing; customer 3 only costs; customer 4 holds an
/// insurance contract never invoiced as transactions, cancelled after two complete months.
pub fn history() -> History {
    History {
        customers: (1..=4)
            .map(|id| CustomerRow { id, churned: false })
            .collect(),
        products: vec![
            Product {
                id: CASE,
                category: "accessory".into(),
                kind: ProductKind::OneOff,
                unit_cost: 450,
            },
            Product {
                id: MOBILE_PLAN,
                category: "mobile_plan".into(),
                kind: ProductKind::Contract,
                unit_cost: 750,
            },
            Product {
                id: HOME_INSURANCE,
                category: "insurance".into(),
                kind: ProductKind::Contract,
                unit_cost: 510,
            },
        ],
        channels: vec![
            Channel {
                id: WEB,
                cost_per_contact: 20,
                cost_per_minute: 0,
            },
            Channel {
                id: CALL_CENTRE,
                cost_per_contact: 400,
                cost_per_minute: 80,
            },
            Channel {
                id: EMAIL,
                cost_per_contact: 5,
                cost_per_minute: 0,
            },
        ],
        campaigns: vec![
            Campaign {
                id: PROMO,
                channel: Some(EMAIL),
                cost_per_contact: 5,
            },
            Campaign {
                id: FREE_PROMO,
                channel: Some(EMAIL),
                cost_per_contact: 0,
            },
        ],
        transactions: vec![
            sale(1, CASE, Some(WEB), day(2024, 1, 10), 1999, 450),
            TransactionRow {
                kind: TransactionKind::Refund,
                ..sale(1, CASE, Some(WEB), day(2024, 1, 15), 1999, 450)
            },
            sale(1, CASE, Some(WEB), day(2024, 2, 1), 1799, 450),
            sale(1, MOBILE_PLAN, None, day(2024, 1, 5), 1999, 750),
            sale(1, MOBILE_PLAN, None, day(2024, 2, 5), 1999, 750),
            sale(1, MOBILE_PLAN, None, day(2024, 3, 5), 1999, 750),
            // After as_of: left out.
            sale(1, MOBILE_PLAN, None, day(2024, 4, 5), 1999, 750),
        ],
        contracts: vec![
            ContractRow {
                customer: 1,
                product: MOBILE_PLAN,
                channel: Some(WEB),
                start: day(2024, 1, 5),
                stop: None,
                monthly_fee: 1999,
            },
            ContractRow {
                customer: 4,
                product: HOME_INSURANCE,
                channel: Some(WEB),
                start: day(2023, 12, 20),
                stop: Some(day(2024, 3, 10)),
                monthly_fee: 1699,
            },
        ],
        interactions: vec![
            contact(1, CALL_CENTRE, day(2024, 2, 10), 300, None),
            InteractionRow {
                campaign: Some(PROMO),
                campaign_delivery: true,
                ..contact(1, EMAIL, day(2024, 3, 1), 0, None)
            },
            contact(3, WEB, day(2024, 1, 20), 0, Some(35)),
            contact(3, CALL_CENTRE, day(2024, 1, 25), 90, None),
            InteractionRow {
                campaign: Some(FREE_PROMO),
                campaign_delivery: true,
                ..contact(3, EMAIL, day(2024, 3, 2), 0, None)
            },
        ],
        complaints: vec![ComplaintRow {
            customer: 1,
            product: None,
            channel: Some(CALL_CENTRE),
            day: day(2024, 2, 11),
            compensation: 1000,
        }],
        campaign_members: vec![
            CampaignMemberRow {
                campaign: PROMO,
                customer: 1,
                contacted_day: Some(day(2024, 3, 1)),
            },
            CampaignMemberRow {
                campaign: PROMO,
                customer: 3,
                contacted_day: None,
            },
            CampaignMemberRow {
                campaign: FREE_PROMO,
                customer: 3,
                contacted_day: Some(day(2024, 3, 2)),
            },
        ],
    }
}

fn options() -> PnlOptions {
    PnlOptions {
        as_of: day(2024, 3, 31),
        since: None,
        complaint_handling_cost: 2000,
    }
}

fn pnl(
    sales: i64,
    refunds: i64,
    contract_fees: i64,
    product_cost: i64,
    interaction_cost: i64,
) -> Pnl {
    Pnl {
        sales,
        refunds,
        contract_fees,
        product_cost,
        interaction_cost,
        ..Pnl::default()
    }
}

#[test]
fn customers_by_hand() {
    let report = customer_pnl(&history(), &options());
    let by_id: HashMap<i64, Pnl> = report.customers.iter().copied().collect();

    // Customer 1: sales 1999 + 1799 + 3 × 1999 (the April fee is after as_of), a refund of 1999 whose
    // case came back (cost −450); the plan is invoiced, so its contract adds nothing. A 5-minute call:
    // 4.00 + 5 × 0.80; a complaint: 20.00 handling + 10.00 compensation; the paid campaign's e-mail at
    // 0.05, its delivery interaction not charged again.
    let c1 = Pnl {
        complaint_cost: 2000,
        compensation: 1000,
        campaign_cost: 5,
        ..pnl(9795, 1999, 0, 2700, 800)
    };
    assert_eq!(by_id[&1], c1);
    assert_eq!(
        (
            c1.revenue(),
            c1.gross_margin(),
            c1.cost_to_serve(),
            c1.net()
        ),
        (7796, 5096, 3805, 1291)
    );

    // Customer 2: no rows, all zero.
    assert_eq!(by_id[&2], Pnl::default());

    // Customer 3: a recorded 0.35; 90 s at the call centre = 4.00 + 1.5 × 0.80; the free campaign's
    // delivery charged as an interaction at the e-mail channel's 0.05.
    let c3 = pnl(0, 0, 0, 0, 35 + 520 + 5);
    assert_eq!(by_id[&3], c3);
    assert_eq!((c3.revenue(), c3.net()), (0, -560));

    // Customer 4: not invoiced, so accrued in arrears at the anniversaries Jan 20 and Feb 20 (the
    // cancellation on Mar 10 comes before Mar 20), each month at the product's unit cost.
    let c4 = pnl(0, 0, 2 * 1699, 2 * 510, 0);
    assert_eq!(by_id[&4], c4);
    assert_eq!(c4.net(), 2378);

    assert_eq!(
        (report.invoiced_contracts, report.accrued_contracts),
        (1, 1)
    );
    assert_eq!(
        report.customers.iter().map(|c| c.0).collect::<Vec<_>>(),
        vec![1, 2, 3, 4]
    );
}

#[test]
fn since_limits_the_period() {
    let options = PnlOptions {
        since: Some(day(2024, 2, 1)),
        ..options()
    };
    let report = customer_pnl(&history(), &options);
    let by_id: HashMap<i64, Pnl> = report.customers.iter().copied().collect();
    let c1 = Pnl {
        complaint_cost: 2000,
        compensation: 1000,
        campaign_cost: 5,
        ..pnl(1799 + 2 * 1999, 0, 0, 450 + 2 * 750, 800)
    };
    assert_eq!(by_id[&1], c1);
    assert_eq!(by_id[&3], pnl(0, 0, 0, 0, 5));
    assert_eq!(by_id[&4], pnl(0, 0, 1699, 510, 0));
}

#[test]
fn rollups_add_the_same_rows() {
    let report = customer_pnl(&history(), &options());
    let mut total = Pnl::default();
    for (_, p) in &report.customers {
        total.add(p);
    }
    assert_eq!(report.total, total);
    for rollup in [
        report.by_product.values().copied().collect::<Vec<_>>(),
        report.by_channel.values().copied().collect(),
        report.by_month.values().copied().collect(),
    ] {
        let mut sum = Pnl::default();
        rollup.iter().for_each(|p| sum.add(p));
        assert_eq!(sum, total);
    }

    assert_eq!(
        report.by_product[&Some(CASE)],
        pnl(1999 + 1799, 1999, 0, 450, 0)
    );
    assert_eq!(
        report.by_product[&Some(MOBILE_PLAN)],
        pnl(3 * 1999, 0, 0, 3 * 750, 0)
    );
    assert_eq!(
        report.by_product[&Some(HOME_INSURANCE)],
        pnl(0, 0, 2 * 1699, 2 * 510, 0)
    );
    assert_eq!(
        report.by_product[&None],
        Pnl {
            complaint_cost: 2000,
            compensation: 1000,
            campaign_cost: 5,
            ..pnl(0, 0, 0, 0, 800 + 35 + 520 + 5)
        }
    );

    assert_eq!(
        report.by_channel[&Some(WEB)],
        pnl(1999 + 1799, 1999, 2 * 1699, 450 + 2 * 510, 35)
    );
    assert_eq!(
        report.by_channel[&Some(CALL_CENTRE)],
        Pnl {
            complaint_cost: 2000,
            compensation: 1000,
            ..pnl(0, 0, 0, 0, 800 + 520)
        }
    );
    assert_eq!(
        report.by_channel[&Some(EMAIL)],
        Pnl {
            campaign_cost: 5,
            ..pnl(0, 0, 0, 0, 5)
        }
    );
    assert_eq!(report.by_channel[&None], pnl(3 * 1999, 0, 0, 3 * 750, 0));

    let month = |m| Month::of_day(day(2024, m, 1));
    assert_eq!(
        report.by_month[&month(1)],
        // The case sold and returned cancel out: product cost of the plan and the insurance month.
        pnl(1999 + 1999, 1999, 1699, 750 + 510, 35 + 520)
    );
    assert_eq!(
        report.by_month[&month(2)],
        Pnl {
            complaint_cost: 2000,
            compensation: 1000,
            ..pnl(1799 + 1999, 0, 1699, 450 + 750 + 510, 800)
        }
    );
    assert_eq!(
        report.by_month[&month(3)],
        Pnl {
            campaign_cost: 5,
            ..pnl(1999, 0, 0, 750, 5)
        }
    );
    assert_eq!(report.by_month.len(), 3);

    let segments: HashMap<i64, &str> = [(1, "A"), (3, "A"), (4, "B")].into();
    let by_segment = rollup_by_segment(&report.customers, &segments);
    let mut a = Pnl::default();
    for (id, p) in &report.customers {
        if *id == 1 || *id == 3 {
            a.add(p);
        }
    }
    assert_eq!(by_segment[&Some("A")], a);
    assert_eq!(by_segment[&Some("B")].net(), 2378);
    assert_eq!(by_segment[&None], Pnl::default());
}

#[test]
fn interaction_cost_rounds_minutes_half_up() {
    let ch = |cost_per_contact, cost_per_minute| Channel {
        id: 1,
        cost_per_contact,
        cost_per_minute,
    };
    for (seconds, recorded, channel, want) in [
        (0, None, ch(400, 80), 400),
        (1, None, ch(0, 80), 1), // 1.33
        (45, None, ch(0, 2), 2), // 1.5 → 2
        (44, None, ch(0, 2), 1), // 1.47
        (600, None, ch(3500, 50), 3500 + 500),
        (600, Some(0), ch(3500, 50), 0), // a recorded cost wins, even zero
    ] {
        let row = InteractionRow {
            cost: recorded,
            ..contact(1, 1, 0, seconds, None)
        };
        assert_eq!(
            interaction_cost(&row, Some(&channel)),
            want,
            "{seconds} s, {recorded:?}"
        );
    }
}
