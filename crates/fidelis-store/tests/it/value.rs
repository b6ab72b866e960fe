//! Customer value in the store, on both backends: the history a refresh reads (day numbers in UTC,
//! rows after `as_of` left out, contract stops, campaign deliveries), snapshots written per run, the
//! matrix report and a customer's trajectory across runs.

use crate::harness::{TestDb, both};
use chrono::{Datelike, NaiveDate, TimeZone, Utc};
use fidelis_analytics::calendar::days_from_civil;
use fidelis_analytics::pnl::{Pnl, TransactionKind};
use fidelis_analytics::{CutOff, Strategy, ValueOptions, assess_value};
use fidelis_domain::Entity;
use fidelis_store::Store;
use fidelis_store::import::{ImportOptions, import_file};
use fidelis_store::value::RefreshRunInfo;

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

async fn import_ok(store: &Store, entity: Entity, text: &str) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("data.csv");
    std::fs::write(&path, text).unwrap();
    let options = ImportOptions::new(entity, date(2026, 11, 22));
    let summary = import_file(store, &path, &options, &|_| {}).await.unwrap();
    assert_eq!(
        summary.rejected, 0,
        "{entity:?}: {:?}",
        summary.first_rejects
    );
}

/// The history of the analytics P&L test, as files: customer 1 buys, returns, buys, pays an invoiced
/// plan, calls, complains, is reached by a paid campaign; 2 has nothing; 3 only costs; 4 holds an
/// insurance never invoiced, cancelled; 5 is acquired after the date.
async fn seed(store: &Store) {
    import_ok(store, Entity::Channels, "id,name,kind,cost_per_contact,cost_per_minute\nWEB,Web,web,0.20,0\nCC,Centre,call_centre,4.00,0.80\nEM,E-mail,email,0.05,0\n").await;
    import_ok(store, Entity::Products, "id,name,category,kind,price,unit_cost\nCASE,Coque,accessory,one_off,19.99,4.50\nPLAN,Forfait,mobile_plan,contract,19.99,7.50\nINS,Assurance,insurance,contract,16.99,5.10\n").await;
    import_ok(store, Entity::Customers, "id,status,acquisition_date\nC1,active,2023-01-01\nC2,active,\nC3,active,2024-01-02\nC4,churned,2023-12-20\nC5,active,2024-06-01\n").await;
    import_ok(store, Entity::Campaigns, "id,name,channel_id,start_date,cost_per_contact\nPROMO,Promo,EM,2024-03-01,0.05\nFREE,Gratuit,EM,2024-03-02,0\n").await;
    import_ok(
        store,
        Entity::Transactions,
        "customer_id,product_id,channel_id,time,kind,amount,cost\n\
         C1,CASE,WEB,2024-01-10T10:00:00Z,sale,19.99,4.50\n\
         C1,CASE,WEB,2024-01-15T10:00:00Z,refund,19.99,4.50\n\
         C1,CASE,WEB,2024-02-01T23:30:00+02:00,sale,17.99,4.50\n\
         C1,PLAN,,2024-01-05T03:00:00Z,sale,19.99,7.50\n\
         C1,PLAN,,2024-02-05T03:00:00Z,sale,19.99,7.50\n\
         C1,PLAN,,2024-03-05T03:00:00Z,sale,19.99,7.50\n\
         C1,PLAN,,2024-04-05T03:00:00Z,sale,19.99,7.50\n\
         C1,CASE,WEB,2024-03-31T23:30:00-02:00,sale,19.99,4.50\n",
    )
    .await;
    import_ok(store, Entity::Contracts, "id,customer_id,product_id,channel_id,start_date,end_date,status,monthly_fee,cancelled_on\nK1,C1,PLAN,WEB,2024-01-05,,active,19.99,\nK4,C4,INS,WEB,2023-12-20,2024-12-20,cancelled,16.99,2024-03-10\n").await;
    import_ok(
        store,
        Entity::Interactions,
        "customer_id,channel_id,direction,operation,time,duration_seconds,cost,campaign_id\n\
         C1,CC,inbound,service,2024-02-10T10:00:00Z,300,,\n\
         C1,EM,outbound,campaign,2024-03-01T09:00:00Z,0,,PROMO\n\
         C3,WEB,inbound,information,2024-01-20T10:00:00Z,0,0.35,\n\
         C3,CC,inbound,information,2024-01-25T10:00:00Z,90,,\n\
         C3,EM,outbound,campaign,2024-03-02T09:00:00Z,0,,FREE\n",
    )
    .await;
    import_ok(store, Entity::Complaints, "id,customer_id,category,channel_id,opened_at,compensation\nR1,C1,billing,CC,2024-02-11T08:00:00Z,10.00\n").await;
    import_ok(store, Entity::CampaignMembers, "campaign_id,customer_id,group,contacted_at\nPROMO,C1,treatment,2024-03-01T09:00:00Z\nPROMO,C3,control,\nFREE,C3,treatment,2024-03-02T09:00:00Z\n").await;
}

fn day(y: i32, m: u32, d: u32) -> i32 {
    days_from_civil(y, m, d)
}

both!(history_is_read_as_of_a_date, |db: TestDb| async move {
    seed(&db.store).await;
    let inputs = db.store.value_inputs(date(2024, 3, 31)).await.unwrap();
    let h = &inputs.history;
    assert_eq!(inputs.currencies, vec!["EUR".to_owned()]);
    // C5 is acquired after the date; C4 is recorded as gone.
    assert_eq!(h.customers.len(), 4);
    assert_eq!(h.customers.iter().filter(|c| c.churned).count(), 1);
    assert_eq!(
        (h.products.len(), h.channels.len(), h.campaigns.len()),
        (3, 3, 2)
    );
    // The April fee and the sale at 23:30 on March 31 in UTC−2 (April 1 in UTC) are after the date;
    // the sale at 23:30 on February 1 in UTC+2 is on February 1 in UTC.
    let mut days: Vec<(i32, TransactionKind, i64)> = h
        .transactions
        .iter()
        .map(|t| (t.day, t.kind, t.amount))
        .collect();
    days.sort_by_key(|d| (d.0, d.2));
    assert_eq!(
        days,
        vec![
            (day(2024, 1, 5), TransactionKind::Sale, 1999),
            (day(2024, 1, 10), TransactionKind::Sale, 1999),
            (day(2024, 1, 15), TransactionKind::Refund, 1999),
            (day(2024, 2, 1), TransactionKind::Sale, 1799),
            (day(2024, 2, 5), TransactionKind::Sale, 1999),
            (day(2024, 3, 5), TransactionKind::Sale, 1999),
        ]
    );
    let mut stops: Vec<(i32, Option<i32>)> =
        h.contracts.iter().map(|k| (k.start, k.stop)).collect();
    stops.sort();
    assert_eq!(
        stops,
        vec![
            (day(2023, 12, 20), Some(day(2024, 3, 10))),
            (day(2024, 1, 5), None)
        ]
    );
    assert_eq!(h.interactions.len(), 5);
    assert_eq!(
        h.interactions
            .iter()
            .filter(|i| i.campaign_delivery)
            .count(),
        2
    );
    assert_eq!(
        h.interactions.iter().filter(|i| i.cost == Some(35)).count(),
        1
    );
    assert_eq!(h.complaints.len(), 1);
    assert_eq!(
        (h.complaints[0].day, h.complaints[0].compensation),
        (day(2024, 2, 11), 1000)
    );
    let mut contacted: Vec<Option<i32>> =
        h.campaign_members.iter().map(|m| m.contacted_day).collect();
    contacted.sort();
    assert_eq!(
        contacted,
        vec![None, Some(day(2024, 3, 1)), Some(day(2024, 3, 2))]
    );

    // The hand-computed P&L of the analytics test, through files and the database.
    let assessment = assess_value(h, &ValueOptions::new(day(2024, 3, 31))).unwrap();
    let c1 = &assessment.customers[0].pnl;
    assert_eq!(
        *c1,
        Pnl {
            sales: 9795,
            refunds: 1999,
            contract_fees: 0,
            product_cost: 2700,
            interaction_cost: 800,
            complaint_cost: 2000,
            compensation: 1000,
            campaign_cost: 5,
        }
    );
    assert_eq!(c1.net(), 1291);
    let nets: Vec<i64> = assessment.customers.iter().map(|c| c.pnl.net()).collect();
    assert_eq!(nets, vec![1291, 0, -560, 2378]);

    // A sale in another currency is noticed (the refresh refuses to add euros and dollars).
    import_ok(
        &db.store,
        Entity::Transactions,
        "customer_id,product_id,time,amount,currency\nC2,CASE,2024-02-02T10:00:00Z,5.00,USD\n",
    )
    .await;
    let inputs = db.store.value_inputs(date(2024, 3, 31)).await.unwrap();
    assert_eq!(inputs.currencies, vec!["EUR".to_owned(), "USD".to_owned()]);
});

both!(snapshots_report_and_trajectory, |db: TestDb| async move {
    seed(&db.store).await;
    assert!(db.store.value_report(None).await.unwrap().is_none());
    let options = |as_of: NaiveDate| ValueOptions {
        profitability_cut: CutOff::Amount(0),
        potential_cut: CutOff::Amount(0),
        ..ValueOptions::new(day(as_of.year(), as_of.month(), as_of.day()))
    };
    let info = |as_of: NaiveDate| RefreshRunInfo {
        as_of,
        started_at: Utc.with_ymd_and_hms(2026, 11, 22, 10, 0, 0).unwrap(),
        finished_at: Utc.with_ymd_and_hms(2026, 11, 22, 10, 0, 1).unwrap(),
        currency: "EUR".into(),
        purchase_model: "bgnbd".into(),
        horizon_months: 36,
        annual_discount_rate: 0.1,
        complaint_handling_cost_minor: 2000,
    };

    // First run at the end of January, then at the end of March.
    let mut runs = Vec::new();
    for as_of in [date(2024, 1, 31), date(2024, 3, 31)] {
        let inputs = db.store.value_inputs(as_of).await.unwrap();
        let assessment = assess_value(&inputs.history, &options(as_of)).unwrap();
        let id = db
            .store
            .save_value_run(&info(as_of), &assessment)
            .await
            .unwrap();
        runs.push((id, assessment));
    }
    let (last_id, last) = &runs[1];
    let report = db.store.value_report(None).await.unwrap().unwrap();
    assert_eq!(report.run.id, *last_id);
    assert_eq!(report.run.info, info(date(2024, 3, 31)));
    assert_eq!(report.run.customers, 4);
    assert_eq!(report.previous_run, Some(runs[0].0));
    assert_eq!(
        (
            report.run.profitability_cut_minor,
            report.run.potential_cut_minor
        ),
        (0, 0)
    );
    // Cells add up to the customers' values.
    assert_eq!(report.cells.iter().map(|c| c.customers).sum::<i64>(), 4);
    for cell in &report.cells {
        let members: Vec<_> = last
            .customers
            .iter()
            .filter(|c| c.strategy.as_str() == cell.strategy)
            .collect();
        assert_eq!(cell.customers, members.len() as i64);
        assert_eq!(
            cell.net_minor,
            members.iter().map(|c| c.pnl.net()).sum::<i64>()
        );
        assert_eq!(cell.clv_minor, members.iter().map(|c| c.clv()).sum::<i64>());
        assert_eq!(
            cell.revenue_minor,
            members.iter().map(|c| c.pnl.revenue()).sum::<i64>()
        );
        assert_eq!(
            Strategy::parse(&cell.strategy).unwrap().quadrant(),
            cell.quadrant
        );
    }
    assert_eq!(report.moves.iter().map(|m| m.customers).sum::<i64>(), 4);
    // Roll-ups keyed by external id and month; each dimension adds up to the same total.
    let total: i64 = last.customers.iter().map(|c| c.pnl.net()).sum();
    for dimension in ["product", "channel", "month"] {
        let net: i64 = report
            .rollups
            .iter()
            .filter(|r| r.dimension == dimension)
            .map(|r| r.pnl.net())
            .sum();
        assert_eq!(net, total, "{dimension}");
    }
    let case = report
        .rollups
        .iter()
        .find(|r| r.dimension == "product" && r.key == "CASE")
        .unwrap();
    assert_eq!((case.pnl.sales, case.pnl.refunds), (1999 + 1799, 1999));
    assert!(
        report
            .rollups
            .iter()
            .any(|r| r.dimension == "month" && r.key == "2024-03")
    );

    // Customer 1's trajectory: two snapshots, one per run, as stored.
    let trajectory = db.store.customer_value_history("C1").await.unwrap();
    assert_eq!(trajectory.len(), 2);
    assert_eq!(trajectory[0].as_of, date(2024, 1, 31));
    assert_eq!(trajectory[1].pnl, last.customers[0].pnl);
    assert_eq!(trajectory[1].strategy, last.customers[0].strategy.as_str());
    assert_eq!(trajectory[1].clv_minor, last.customers[0].clv());
    assert_eq!(
        trajectory[1].service_clv_minor,
        last.customers[0].service_clv
    );
    assert_eq!(
        trajectory[1].clv_minor,
        trajectory[1].purchases_clv_minor + trajectory[1].contracts_clv_minor
            - trajectory[1].service_clv_minor
    );
    // Customer 4 was valued in both runs; its insurance ran in January and had stopped by March.
    let four = db.store.customer_value_history("C4").await.unwrap();
    assert_eq!(
        four.iter().map(|s| s.running_contracts).collect::<Vec<_>>(),
        vec![1, 0]
    );
    assert!(
        db.store
            .customer_value_history("C5")
            .await
            .unwrap()
            .is_empty()
    );
    // An earlier run can still be reported.
    let first = db
        .store
        .value_report(Some(runs[0].0))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (first.run.info.as_of, first.previous_run),
        (date(2024, 1, 31), None)
    );
    assert!(db.store.value_report(Some(999)).await.unwrap().is_none());
});
