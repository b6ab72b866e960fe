//! Departure models in the store, on both backends: histories as the feature factory reads them
//! (times in UTC, amounts in currency units, categories and channel kinds resolved), one customer's
//! history equal to its entry in the bulk read, the model registry with one active model per kind,
//! scores replaced as a whole and read back by external id, and the risk distribution.

use crate::harness::{TestDb, both};
use chrono::{NaiveDate, TimeZone, Utc};
use fidelis_analytics::churn::{
    AlertOutcome, AlertRow, Band, ChannelKind, ContractStatus, CustomerHistory, Day, Direction,
    LifeEventKind, Month, Operation, SurveyKind, Timestamp, TransactionKind, UsageMetric,
};
use fidelis_domain::Entity;
use fidelis_store::import::{ImportOptions, import_file};
use fidelis_store::{ModelKind, NewModel, ScoreReason, ScoreRow, Store};

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

/// C1 has one row of every kind; C2 only a profile; C3 a cancelled contract.
async fn seed(store: &Store) {
    import_ok(store, Entity::Channels, "id,name,kind,cost_per_contact,cost_per_minute\nWEB,Web,web,0.20,0\nCC,Centre,call_centre,4.00,0.80\n").await;
    import_ok(store, Entity::Products, "id,name,category,kind,price,unit_cost\nPLAN,Forfait,mobile_plan,contract,19.99,7.50\nCASE,Coque,accessory,one_off,19.99,4.50\n").await;
    import_ok(store, Entity::Customers, "id,status,birth_date,income_band,assets_band,solvent,acquisition_date\nC1,active,1980-05-17,high,low,true,2023-01-01\nC2,active,,,,false,\nC3,churned,,medium,,true,2023-06-01\n").await;
    import_ok(
        store,
        Entity::Usage,
        "customer_id,period,metric,value\nC1,2024-01,calls,40\nC1,2024-02-01,calls,12\nC1,2024-02,minutes,95.5\nC1,2024-02,frobs,3\n",
    )
    .await;
    import_ok(
        store,
        Entity::Transactions,
        "customer_id,product_id,channel_id,time,kind,amount,cost\n\
         C1,CASE,WEB,2024-02-01T23:30:00+02:00,sale,17.99,4.50\n\
         C1,CASE,,2024-02-03T10:00:00Z,refund,17.99,0\n",
    )
    .await;
    import_ok(store, Entity::Contracts, "id,customer_id,product_id,start_date,end_date,status,monthly_fee,cancelled_on\nK1,C1,PLAN,2023-01-01,2025-01-01,active,19.99,\nK3,C3,PLAN,2023-06-01,,cancelled,9.99,2024-03-10\n").await;
    import_ok(
        store,
        Entity::Interactions,
        "customer_id,channel_id,direction,operation,time,duration_seconds\n\
         C1,CC,inbound,complaint,2024-02-10T10:00:00Z,300\n\
         C1,WEB,outbound,campaign,2024-03-01T09:00:00Z,0\n",
    )
    .await;
    import_ok(store, Entity::Complaints, "id,customer_id,category,opened_at,first_response_at,resolved_at,status,compensation\nR1,C1,billing,2024-02-10T10:00:00Z,2024-02-20T10:00:00Z,,answered,10.00\n").await;
    import_ok(
        store,
        Entity::LifeEvents,
        "customer_id,kind,date\nC1,moving,2024-02-15\n",
    )
    .await;
    import_ok(
        store,
        Entity::Consents,
        "customer_id,channel,purpose,status,date\nC1,email,marketing,withdrawn,2024-02-12T08:00:00Z\n",
    )
    .await;
    import_ok(
        store,
        Entity::Surveys,
        "customer_id,date,kind,score\nC1,2024-02-21,nps,3\n",
    )
    .await;
}

fn seconds(y: i32, m: u32, d: u32, h: u32) -> Timestamp {
    Timestamp(Utc.with_ymd_and_hms(y, m, d, h, 0, 0).unwrap().timestamp())
}

both!(histories_are_read_per_customer, |db: TestDb| async move {
    seed(&db.store).await;
    let loaded = db.store.churn_histories(None).await.unwrap();
    // The store's categories, sorted; transactions and contracts index them.
    assert_eq!(
        loaded.config.product_categories,
        vec!["accessory".to_owned(), "mobile_plan".to_owned()]
    );
    let ids: Vec<&str> = loaded
        .customers
        .iter()
        .map(|c| c.external_id.as_str())
        .collect();
    assert_eq!(ids, ["C1", "C2", "C3"]);
    assert_eq!(loaded.customers[2].status, "churned");
    // The cancellation of K3 on 2024-03-10 is the last dated row.
    assert_eq!(loaded.last_day, Some(date(2024, 3, 10)));

    let c1 = &loaded.histories[0];
    assert_eq!(c1.profile.birth_date, Some(Day::from_ymd(1980, 5, 17)));
    assert_eq!(c1.profile.acquisition_date, Some(Day::from_ymd(2023, 1, 1)));
    assert_eq!(
        (c1.profile.income_band, c1.profile.assets_band),
        (Some(Band::High), Some(Band::Low))
    );
    assert!(c1.profile.solvent && !loaded.histories[1].profile.solvent);
    // Unknown metrics are left out; a period given as a date is its month.
    let usage: Vec<(Month, UsageMetric, f64)> = c1
        .usage
        .iter()
        .map(|u| (u.period, u.metric, u.value))
        .collect();
    assert_eq!(
        usage,
        vec![
            (Month::from_ym(2024, 1), UsageMetric::Calls, 40.0),
            (Month::from_ym(2024, 2), UsageMetric::Calls, 12.0),
            (Month::from_ym(2024, 2), UsageMetric::Minutes, 95.5),
        ]
    );
    // 23:30 in UTC+2 is 21:30 UTC; amounts in euros; the category and channel kind are resolved.
    let t = &c1.transactions;
    assert_eq!(t.len(), 2);
    assert_eq!(t[0].time, Timestamp(seconds(2024, 2, 1, 21).0 + 30 * 60));
    assert_eq!(
        (t[0].amount, t[0].cost, t[0].kind),
        (17.99, 4.5, TransactionKind::Sale)
    );
    assert_eq!(
        (t[0].category, t[0].channel),
        (Some(0), Some(ChannelKind::Web))
    );
    assert_eq!((t[1].kind, t[1].channel), (TransactionKind::Refund, None));
    let k = &c1.contracts[0];
    assert_eq!(
        (k.start, k.end, k.status, k.monthly_fee, k.category),
        (
            Day::from_ymd(2023, 1, 1),
            Some(Day::from_ymd(2025, 1, 1)),
            ContractStatus::Active,
            19.99,
            Some(1)
        )
    );
    let k3 = &loaded.histories[2].contracts[0];
    assert_eq!(
        (k3.status, k3.cancelled_on),
        (ContractStatus::Cancelled, Some(Day::from_ymd(2024, 3, 10)))
    );
    let i = &c1.interactions;
    assert_eq!(
        (
            i[0].time,
            i[0].channel,
            i[0].direction,
            i[0].operation,
            i[0].duration_seconds
        ),
        (
            seconds(2024, 2, 10, 10),
            ChannelKind::CallCentre,
            Direction::Inbound,
            Operation::Complaint,
            300
        )
    );
    assert_eq!(i[1].direction, Direction::Outbound);
    let r = &c1.complaints[0];
    assert_eq!(
        (r.opened, r.first_response, r.resolved, r.compensation),
        (
            seconds(2024, 2, 10, 10),
            Some(seconds(2024, 2, 20, 10)),
            None,
            10.0
        )
    );
    assert_eq!(
        (c1.life_events[0].kind, c1.life_events[0].date),
        (LifeEventKind::Moving, Day::from_ymd(2024, 2, 15))
    );
    assert!(!c1.consents[0].granted);
    assert_eq!(c1.consents[0].date, Day::from_ymd(2024, 2, 12));
    assert_eq!(
        (c1.surveys[0].date, c1.surveys[0].kind, c1.surveys[0].score),
        (Day::from_ymd(2024, 2, 21), SurveyKind::Nps, 3)
    );
    let c2 = &loaded.histories[1];
    assert_eq!(
        c2,
        &CustomerHistory {
            profile: c2.profile.clone(),
            ..CustomerHistory::default()
        }
    );

    // One customer's history is its entry of the bulk read; given categories are kept in order.
    let (customer, one) = db
        .store
        .customer_history("C1", None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(customer, loaded.customers[0]);
    assert_eq!(&one, c1);
    let categories = vec!["mobile_plan".to_owned(), "tv".to_owned()];
    let (_, other) = db
        .store
        .customer_history("C1", Some(&categories))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(other.contracts[0].category, Some(0));
    assert_eq!(other.transactions[0].category, None);
    assert!(
        db.store
            .customer_history("NOPE", None)
            .await
            .unwrap()
            .is_none()
    );
});

fn model(kind: ModelKind, activate: bool, tag: &str) -> NewModel {
    NewModel {
        kind,
        created_at: Utc.with_ymd_and_hms(2026, 11, 22, 12, 0, 0).unwrap(),
        as_of: date(2026, 10, 31),
        horizon_days: Some(90),
        snapshots: vec![date(2026, 5, 4), date(2026, 6, 3)],
        params: serde_json::json!({ "seed": 7 }),
        feature_names: vec!["calls_30d".into(), "complaints_90d".into()],
        metrics: serde_json::json!({ "auc": 0.81, "roc": [[0.0, 0.0], [1.0, 1.0]] }),
        model_json: format!("{{\"tag\":\"{tag}\",\"x\":0.1234567890123}}"),
        activate,
    }
}

fn reason(feature: &str, contribution: f64) -> ScoreReason {
    ScoreReason {
        feature: feature.into(),
        text: format!("{feature} up"),
        contribution,
    }
}

both!(models_and_scores, |db: TestDb| async move {
    seed(&db.store).await;
    let store = &db.store;
    assert!(
        store
            .active_model(ModelKind::Churn)
            .await
            .unwrap()
            .is_none()
    );
    let v1 = store
        .save_model(&model(ModelKind::Churn, true, "one"))
        .await
        .unwrap();
    let v2 = store
        .save_model(&model(ModelKind::Churn, false, "two"))
        .await
        .unwrap();
    let a1 = store
        .save_model(&model(ModelKind::Acquisition, true, "acq"))
        .await
        .unwrap();
    assert!(v1 < v2 && v2 < a1);
    let active = store.active_model(ModelKind::Churn).await.unwrap().unwrap();
    assert_eq!(active.info.version, v1);
    assert_eq!(active.model_json, "{\"tag\":\"one\",\"x\":0.1234567890123}");
    assert_eq!(active.info.feature_names, ["calls_30d", "complaints_90d"]);
    assert_eq!(active.info.snapshots, [date(2026, 5, 4), date(2026, 6, 3)]);
    assert_eq!(active.info.metrics["roc"][1][0], 1.0);
    assert_eq!(active.info.params["seed"], 7);
    assert_eq!(
        store
            .active_model(ModelKind::Acquisition)
            .await
            .unwrap()
            .unwrap()
            .info
            .version,
        a1
    );
    // Activating a churn model leaves the acquisition model active.
    let v3 = store
        .save_model(&model(ModelKind::Churn, true, "three"))
        .await
        .unwrap();
    let listed: Vec<(i64, bool)> = store
        .models(ModelKind::Churn)
        .await
        .unwrap()
        .iter()
        .map(|m| (m.version, m.active))
        .collect();
    assert_eq!(listed, [(v3, true), (v2, false), (v1, false)]);
    assert!(
        store
            .active_model(ModelKind::Acquisition)
            .await
            .unwrap()
            .is_some()
    );
    assert_eq!(
        store.model(v2).await.unwrap().unwrap().model_json,
        "{\"tag\":\"two\",\"x\":0.1234567890123}"
    );
    assert!(store.model(9_999).await.unwrap().is_none());

    // Scores of the active model, read by external id.
    let loaded = store.churn_histories(None).await.unwrap();
    let id = |external: &str| {
        loaded
            .customers
            .iter()
            .find(|c| c.external_id == external)
            .unwrap()
            .id
    };
    let rows = vec![
        ScoreRow {
            customer: id("C1"),
            risk: 0.72,
            reasons: vec![reason("complaints_90d", 0.9), reason("calls_30d", 0.4)],
        },
        ScoreRow {
            customer: id("C2"),
            risk: 0.05,
            reasons: vec![],
        },
        ScoreRow {
            customer: id("C3"),
            risk: 1.0,
            reasons: vec![],
        },
    ];
    assert_eq!(
        store
            .save_churn_scores(v3, date(2026, 11, 1), &rows)
            .await
            .unwrap(),
        3
    );
    let score = store.churn_score("C1").await.unwrap().unwrap();
    assert_eq!(score.customer_id, "C1");
    assert_eq!(
        (score.model_version, score.as_of, score.risk),
        (v3, date(2026, 11, 1), 0.72)
    );
    assert_eq!(score.reasons, rows[0].reasons);
    assert!(store.churn_score("NOPE").await.unwrap().is_none());
    let bands = store.risk_distribution().await.unwrap();
    assert_eq!(bands.len(), 10);
    let counts: Vec<i64> = bands.iter().map(|b| b.customers).collect();
    assert_eq!(counts, [1, 0, 0, 0, 0, 0, 0, 1, 0, 1]);
    assert_eq!((bands[7].lower, bands[7].upper), (0.7, 0.8));

    // The next run replaces every score; a score of a model no longer active is not shown.
    store
        .save_churn_scores(v3, date(2026, 12, 1), &rows[1..2])
        .await
        .unwrap();
    assert!(store.churn_score("C1").await.unwrap().is_none());
    assert_eq!(
        store.churn_score("C2").await.unwrap().unwrap().as_of,
        date(2026, 12, 1)
    );
    assert!(store.activate_model(v1).await.unwrap());
    assert!(!store.activate_model(9_999).await.unwrap());
    assert!(store.churn_score("C2").await.unwrap().is_none());
    assert_eq!(
        store
            .risk_distribution()
            .await
            .unwrap()
            .iter()
            .map(|b| b.customers)
            .sum::<i64>(),
        0
    );
});

/// A generated base of `n` customers with rows of every kind (times at every hour, amounts with
/// cents, cancellations, unanswered complaints, unknown metrics, purchases without a channel),
/// deterministic per seed, imported through the ordinary import.
async fn generated(store: &Store, n: usize, seed: u64) {
    use std::fmt::Write;
    let mut rng = fidelis_analytics::Rng::new(seed);
    import_ok(store, Entity::Channels, "id,name,kind,cost_per_contact,cost_per_minute\nWEB,Web,web,0.20,0\nCC,Centre,call_centre,4.00,0.80\nSHOP,Boutique,store,6.00,0\n").await;
    import_ok(store, Entity::Products, "id,name,category,kind,price,unit_cost\nPLAN,Forfait,mobile_plan,contract,19.99,7.50\nCASE,Coque,accessory,one_off,19.99,4.50\nBOX,Box,internet,contract,29.99,9.00\n").await;
    let bands = ["", "low", "medium", "high", "very_high"];
    let (mut customers, mut usage, mut transactions, mut contracts) = (
        String::from("id,status,birth_date,income_band,assets_band,solvent,acquisition_date\n"),
        String::from("customer_id,period,metric,value\n"),
        String::from("customer_id,product_id,channel_id,time,kind,amount,cost\n"),
        String::from(
            "id,customer_id,product_id,start_date,end_date,status,monthly_fee,cancelled_on\n",
        ),
    );
    let (mut interactions, mut complaints, mut life_events, mut consents, mut surveys) = (
        String::from("customer_id,channel_id,direction,operation,time,duration_seconds\n"),
        String::from(
            "id,customer_id,category,opened_at,first_response_at,resolved_at,status,compensation\n",
        ),
        String::from("customer_id,kind,date\n"),
        String::from("customer_id,channel,purpose,status,date\n"),
        String::from("customer_id,date,kind,score\n"),
    );
    let day = |rng: &mut fidelis_analytics::Rng| {
        let d = date(2023, 1, 1) + chrono::Days::new(rng.below(700));
        d.format("%Y-%m-%d").to_string()
    };
    let time = |rng: &mut fidelis_analytics::Rng| {
        format!("{}T{:02}:{:02}:00Z", day(rng), rng.below(24), rng.below(60))
    };
    for i in 0..n {
        let c = format!("G{i:05}");
        let status = ["active", "active", "churned", "inactive"][rng.below(4) as usize];
        let birth = if rng.uniform() < 0.8 {
            format!(
                "19{:02}-{:02}-{:02}",
                40 + rng.below(60),
                1 + rng.below(12),
                1 + rng.below(28)
            )
        } else {
            String::new()
        };
        let acquired = if rng.uniform() < 0.9 {
            day(&mut rng)
        } else {
            String::new()
        };
        writeln!(
            customers,
            "{c},{status},{birth},{},{},{},{acquired}",
            bands[rng.below(5) as usize],
            bands[rng.below(5) as usize],
            rng.uniform() < 0.95
        )
        .unwrap();
        for month in 1..=12 {
            for metric in [
                "calls",
                "minutes",
                "sms",
                "data_mb",
                "logins",
                "zone_changes",
                "frobs",
            ] {
                if rng.uniform() < 0.6 {
                    writeln!(
                        usage,
                        "{c},2024-{month:02},{metric},{}.{}",
                        rng.below(500),
                        rng.below(10)
                    )
                    .unwrap();
                }
            }
        }
        for k in 0..rng.below(6) {
            let channel = ["WEB", "CC", "SHOP", ""][rng.below(4) as usize];
            let product = ["PLAN", "CASE", "BOX"][rng.below(3) as usize];
            let kind = if rng.uniform() < 0.1 {
                "refund"
            } else {
                "sale"
            };
            writeln!(
                transactions,
                "{c},{product},{channel},{}T{:02}:{k:02}:00+02:00,{kind},{}.{:02},{}.50",
                day(&mut rng),
                rng.below(24),
                1 + rng.below(300),
                rng.below(100),
                rng.below(5)
            )
            .unwrap();
        }
        for k in 0..rng.below(3) {
            let start = date(2023, 1, 1) + chrono::Days::new(rng.below(700));
            let (status, cancelled) = match rng.below(3) {
                0 => ("active", String::new()),
                1 => ("ended", String::new()),
                _ => (
                    "cancelled",
                    (start + chrono::Days::new(rng.below(300))).to_string(),
                ),
            };
            let end = if rng.uniform() < 0.7 {
                "2026-01-01"
            } else {
                ""
            };
            let product = ["PLAN", "BOX"][rng.below(2) as usize];
            writeln!(
                contracts,
                "K{i}_{k},{c},{product},{start},{end},{status},{}.99,{cancelled}",
                5 + rng.below(40)
            )
            .unwrap();
        }
        for k in 0..rng.below(8) {
            let channel = ["WEB", "CC", "SHOP"][rng.below(3) as usize];
            let direction = ["inbound", "outbound"][rng.below(2) as usize];
            let operation = [
                "information",
                "complaint",
                "retention",
                "service",
                "campaign",
            ][rng.below(5) as usize];
            writeln!(
                interactions,
                "{c},{channel},{direction},{operation},{}T10:{k:02}:00Z,{}",
                day(&mut rng),
                rng.below(900)
            )
            .unwrap();
        }
        for k in 0..rng.below(3) {
            let opened = format!(
                "2024-{:02}-{:02}T09:{k:02}:00Z",
                1 + rng.below(11),
                1 + rng.below(28)
            );
            let (response, resolved, status) = match rng.below(3) {
                0 => (String::new(), String::new(), "open"),
                1 => ("2024-12-20T10:00:00Z".to_owned(), String::new(), "answered"),
                _ => (
                    "2024-12-20T10:00:00Z".to_owned(),
                    "2024-12-28T10:00:00Z".to_owned(),
                    "resolved",
                ),
            };
            writeln!(
                complaints,
                "R{i}_{k},{c},billing,{opened},{response},{resolved},{status},{}.00",
                rng.below(30)
            )
            .unwrap();
        }
        if rng.uniform() < 0.3 {
            let kind = ["moving", "birth", "marriage", "retirement"][rng.below(4) as usize];
            writeln!(life_events, "{c},{kind},{}", day(&mut rng)).unwrap();
        }
        for channel in ["email", "sms", "phone"] {
            if rng.uniform() < 0.5 {
                let status = ["granted", "withdrawn"][rng.below(2) as usize];
                writeln!(
                    consents,
                    "{c},{channel},marketing,{status},{}",
                    time(&mut rng)
                )
                .unwrap();
            }
        }
        if rng.uniform() < 0.4 {
            writeln!(surveys, "{c},{},nps,{}", day(&mut rng), rng.below(11)).unwrap();
        }
    }
    import_ok(store, Entity::Customers, &customers).await;
    import_ok(store, Entity::Usage, &usage).await;
    import_ok(store, Entity::Transactions, &transactions).await;
    import_ok(store, Entity::Contracts, &contracts).await;
    import_ok(store, Entity::Interactions, &interactions).await;
    import_ok(store, Entity::Complaints, &complaints).await;
    import_ok(store, Entity::LifeEvents, &life_events).await;
    import_ok(store, Entity::Consents, &consents).await;
    import_ok(store, Entity::Surveys, &surveys).await;
}

fn assert_same(a: &fidelis_store::ChurnHistories, b: &fidelis_store::ChurnHistories) {
    assert_eq!(a.config, b.config);
    assert_eq!(a.customers, b.customers);
    assert_eq!(a.last_day, b.last_day);
    assert_eq!(a.histories.len(), b.histories.len());
    for (i, (x, y)) in a.histories.iter().zip(&b.histories).enumerate() {
        assert_eq!(x, y, "customer {}", a.customers[i].external_id);
    }
}

/// Raises an alert for customer row `key` at `raised` (with an offer of `cost` when given) and
/// records `outcome` at `outcome_at` when given.
async fn plant_alert(
    store: &Store,
    key: i64,
    raised: chrono::DateTime<Utc>,
    cost: Option<f64>,
    outcome: Option<(&str, chrono::DateTime<Utc>)>,
) {
    let alert = store
        .save_alert(&fidelis_store::NewAlert {
            customer_key: key,
            raised_at: raised,
            trigger: "event",
            interaction_key: None,
            model_version: 1,
            risk: 0.6,
            reasons: serde_json::json!([]),
            offer_id: cost.map(|_| "discount"),
            offer: cost
                .map(|c| serde_json::json!({ "id": "discount", "cost": c, "currency": "EUR" })),
            no_offer_reason: cost.is_none().then_some("insolvent"),
        })
        .await
        .unwrap();
    if let Some((outcome, at)) = outcome {
        store
            .record_alert_outcome(alert.id, outcome, "agent", None, at)
            .await
            .unwrap();
    }
}

both!(
    alerts_and_their_outcomes_are_read_with_the_history,
    |db: TestDb| async move {
        let store = &db.store;
        seed(store).await;
        let key = |loaded: &fidelis_store::ChurnHistories, id: &str| {
            loaded
                .customers
                .iter()
                .find(|c| c.external_id == id)
                .unwrap()
                .id
        };
        let before = store.churn_histories(None).await.unwrap();
        let (c1, c3) = (key(&before, "C1"), key(&before, "C3"));
        let t = |d: u32, h: u32| Utc.with_ymd_and_hms(2024, 3, d, h, 30, 0).unwrap();
        plant_alert(store, c1, t(2, 9), Some(25.5), Some(("declined", t(2, 10)))).await;
        plant_alert(store, c1, t(1, 9), None, None).await;
        plant_alert(store, c3, t(5, 9), Some(10.0), Some(("accepted", t(6, 11)))).await;
        let loaded = store.churn_histories(None).await.unwrap();
        let seconds = |d: u32, h: u32| Timestamp(t(d, h).timestamp());
        // In the order raised; an offer's cost as shown; outcomes with their time.
        assert_eq!(
            loaded.histories[0].alerts,
            vec![
                AlertRow {
                    raised: seconds(1, 9),
                    offer_cost: None,
                    outcome: None,
                    outcome_at: None
                },
                AlertRow {
                    raised: seconds(2, 9),
                    offer_cost: Some(25.5),
                    outcome: Some(AlertOutcome::Declined),
                    outcome_at: Some(seconds(2, 10))
                },
            ]
        );
        assert_eq!(
            loaded.histories[2].alerts,
            vec![AlertRow {
                raised: seconds(5, 9),
                offer_cost: Some(10.0),
                outcome: Some(AlertOutcome::Accepted),
                outcome_at: Some(seconds(6, 11))
            }]
        );
        assert!(loaded.histories[1].alerts.is_empty());
        // Alerts are the company's doing: they do not move the last day of the data.
        assert_eq!(loaded.last_day, before.last_day);
        let (_, one) = store.customer_history("C1", None).await.unwrap().unwrap();
        assert_eq!(one, loaded.histories[0]);
        let slow = store
            .churn_histories_range_sqlx(None, i64::MIN..i64::MAX)
            .await
            .unwrap();
        assert_same(&loaded, &slow);
    }
);

both!(
    every_read_path_gives_the_same_histories,
    |db: TestDb| async move {
        let store = &db.store;
        generated(store, 400, 3).await;
        for (k, (key, _)) in store
            .customer_keys()
            .await
            .unwrap()
            .into_iter()
            .enumerate()
            .step_by(7)
        {
            let raised = Utc
                .with_ymd_and_hms(2024, 1 + (k % 12) as u32, 3, 8, 0, 0)
                .unwrap();
            let outcome = ["accepted", "declined", "not_relevant"][k % 3];
            let cost = (k % 4 != 0).then_some(k as f64 / 4.0);
            let at = raised + chrono::Duration::minutes(k as i64);
            plant_alert(
                store,
                key,
                raised,
                cost,
                (k % 5 != 0).then_some((outcome, at)),
            )
            .await;
        }
        // On a SQLite file the bulk read goes through rusqlite; the reference is sqlx's.
        let fast = store.churn_histories(None).await.unwrap();
        let reference = store
            .churn_histories_range_sqlx(None, i64::MIN..i64::MAX)
            .await
            .unwrap();
        assert_eq!(fast.customers.len(), 400);
        assert!(fast.histories.iter().map(|h| h.usage.len()).sum::<usize>() > 15_000);
        assert!(fast.histories.iter().any(|h| !h.complaints.is_empty()));
        assert_eq!(
            fast.histories.iter().map(|h| h.alerts.len()).sum::<usize>(),
            58
        );
        assert_same(&fast, &reference);
        assert_eq!(store.churn_last_day().await.unwrap(), fast.last_day);

        // Range by range, with given categories (one unknown to the store), the same customers.
        let categories = vec![
            "internet".to_owned(),
            "tv".to_owned(),
            "mobile_plan".to_owned(),
        ];
        let whole = store.churn_histories(Some(&categories)).await.unwrap();
        let ranges = store.churn_id_ranges(37).await.unwrap();
        assert_eq!(ranges.len(), 11);
        let mut joined = fidelis_store::ChurnHistories {
            config: whole.config.clone(),
            customers: Vec::new(),
            histories: Vec::new(),
            last_day: None,
        };
        for range in ranges {
            let part = store
                .churn_histories_range(Some(&categories), range.clone())
                .await
                .unwrap();
            let slow = store
                .churn_histories_range_sqlx(Some(&categories), range)
                .await
                .unwrap();
            assert_same(&part, &slow);
            joined.customers.extend(part.customers);
            joined.histories.extend(part.histories);
            joined.last_day = joined.last_day.max(part.last_day);
        }
        assert_same(&joined, &whole);
        // One customer alone reads as in the bulk read.
        let (customer, one) = store
            .customer_history("G00123", Some(&categories))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(customer, whole.customers[123]);
        assert_eq!(one, whole.histories[123]);
    }
);

/// Every stored score as (customer row id, model, risk, decile, reasons as text), by row id.
async fn score_table(url: &str) -> Vec<(i64, i64, f64, i64, String)> {
    let sql = "SELECT customer_id, model_version, risk, decile, CAST(reasons AS TEXT) FROM churn_scores \
               ORDER BY customer_id";
    if url.starts_with("sqlite:") {
        let pool = sqlx::SqlitePool::connect(url).await.unwrap();
        let rows = sqlx::query_as(sql).fetch_all(&pool).await.unwrap();
        pool.close().await;
        rows
    } else {
        let pool = sqlx::PgPool::connect(url).await.unwrap();
        let rows = sqlx::query_as(sql).fetch_all(&pool).await.unwrap();
        pool.close().await;
        rows
    }
}

both!(
    scores_saved_range_by_range_equal_scores_saved_at_once,
    |db: TestDb| async move {
        let store = &db.store;
        generated(store, 230, 5).await;
        let version = store
            .save_model(&model(ModelKind::Churn, true, "v"))
            .await
            .unwrap();
        let ids: Vec<i64> = store
            .customer_keys()
            .await
            .unwrap()
            .iter()
            .map(|(id, _)| *id)
            .collect();
        // Risks with many ties; every fifth customer is not scored (not a current customer).
        let mut rng = fidelis_analytics::Rng::new(17);
        let rows: Vec<ScoreRow> = ids
            .iter()
            .filter(|&&id| id % 5 != 0)
            .map(|&id| ScoreRow {
                customer: id,
                risk: rng.below(40) as f64 / 40.0,
                reasons: vec![reason("calls_30d", rng.uniform())],
            })
            .collect();
        let day = date(2026, 11, 1);
        store.save_churn_scores(version, day, &rows).await.unwrap();
        let at_once = score_table(&db.url).await;
        assert_eq!(at_once.len(), rows.len());
        let per_decile = |table: &[(i64, i64, f64, i64, String)], d: i64| {
            table.iter().filter(|r| r.3 == d).count()
        };
        assert!(
            (1..=10).all(|d| per_decile(&at_once, d) >= 18),
            "{at_once:?}"
        );

        // A previous run of another model on everybody, then this run range by range.
        let stale: Vec<ScoreRow> = ids
            .iter()
            .map(|&id| ScoreRow {
                customer: id,
                risk: 0.5,
                reasons: vec![],
            })
            .collect();
        let other = store
            .save_model(&model(ModelKind::Churn, false, "old"))
            .await
            .unwrap();
        store.save_churn_scores(other, day, &stale).await.unwrap();
        let ranges = store.churn_id_ranges(31).await.unwrap();
        for range in &ranges {
            let part: Vec<ScoreRow> = rows
                .iter()
                .filter(|r| range.contains(&r.customer))
                .cloned()
                .collect();
            let written = store
                .save_churn_scores_range(version, day, range.clone(), &part)
                .await
                .unwrap();
            assert_eq!(written, part.len());
        }
        store.rank_churn_scores().await.unwrap();
        assert_eq!(score_table(&db.url).await, at_once);

        // A row outside its range is refused, and nothing is written.
        let outside = store
            .save_churn_scores_range(version, day, ranges[1].clone(), &rows[..1])
            .await;
        assert!(
            matches!(outside, Err(fidelis_store::StoreError::Invalid(_))),
            "{outside:?}"
        );
        assert_eq!(score_table(&db.url).await, at_once);
    }
);
