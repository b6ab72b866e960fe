//! What the rules read from the store, on both backends: a customer's facts as of a date, the contact
//! history and consents of the policy, the detectors' records; segment runs, sizes and a customer's
//! segments; the channel report.

use crate::harness::{TestDb, both};
use chrono::{NaiveDate, TimeZone, Utc};
use fidelis_domain::Entity;
use fidelis_rules::{Channel, FactSchema, Value};
use fidelis_store::facts::to_facts;
use fidelis_store::import::{ImportOptions, import_file};
use fidelis_store::segments::{NewSegmentRun, SegmentProfile};
use fidelis_store::{ModelKind, NewModel, ScoreReason, ScoreRow, Store};
use std::sync::Arc;

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

async fn seed(store: &Store) {
    import_ok(store, Entity::Channels, "id,name,kind,cost_per_contact,cost_per_minute\nWEB,Web,web,0.20,0\nCC,Centre,call_centre,4.00,0.80\nEM,E-mail,email,0.05,0\n").await;
    import_ok(store, Entity::Products, "id,name,category,kind,price,unit_cost\nCASE,Coque,accessory,one_off,19.99,4.50\nPLAN,Forfait,mobile_plan,contract,19.99,7.50\n").await;
    import_ok(store, Entity::Customers, "id,birth_date,assets_band,email,acquisition_date\nC1,1980-03-15,high,a@example.fr,2023-01-01\nC2,,,,2023-06-01\nC3,,,,2025-01-01\n").await;
    import_ok(
        store,
        Entity::Transactions,
        "customer_id,product_id,channel_id,time,kind,amount,cost\n\
         C1,CASE,WEB,2024-01-10T10:00:00Z,sale,19.99,4.50\n\
         C1,CASE,WEB,2024-02-01T10:00:00Z,sale,17.99,4.50\n\
         C2,CASE,WEB,2024-04-01T10:00:00Z,sale,19.99,4.50\n",
    )
    .await;
    import_ok(store, Entity::Contracts, "id,customer_id,product_id,start_date,end_date,status,monthly_fee\nK1,C1,PLAN,2024-01-05,2024-06-30,active,19.99\n").await;
    import_ok(
        store,
        Entity::Complaints,
        "id,customer_id,category,opened_at\nR1,C1,billing,2024-03-01T08:00:00Z\n",
    )
    .await;
    import_ok(
        store,
        Entity::Interactions,
        "customer_id,channel_id,direction,operation,time,duration_seconds\n\
         C1,EM,outbound,information,2024-03-20T09:00:00Z,0\n\
         C2,CC,inbound,information,2024-03-25T10:00:00Z,120\n",
    )
    .await;
    import_ok(
        store,
        Entity::Consents,
        "customer_id,channel,purpose,status,date\nC1,sms,marketing,withdrawn,2024-02-01\n",
    )
    .await;
}

both!(facts_as_of_a_date, |db: TestDb| async move {
    seed(&db.store).await;
    let as_of = date(2024, 3, 31);
    let all = db.store.customer_facts(as_of, None).await.unwrap();
    // C3 is acquired after the date.
    let ids: Vec<&str> = all.iter().map(|c| c.external_id.as_str()).collect();
    assert_eq!(ids, ["C1", "C2"]);
    let c1 = db
        .store
        .customer_facts(as_of, Some("C1"))
        .await
        .unwrap()
        .remove(0);
    assert_eq!(c1, all[0]);
    assert_eq!(
        (c1.purchases, c1.spend_minor, c1.last_purchase),
        (2, 3798, Some(date(2024, 2, 1)))
    );
    assert_eq!(
        (
            c1.active_contracts,
            c1.monthly_fee_minor,
            c1.next_contract_end
        ),
        (1, 1999, Some(date(2024, 6, 30)))
    );
    assert_eq!((c1.complaints_open, c1.complaints_last_90_days), (1, 1));
    assert_eq!(
        (c1.contacts_last_30_days, c1.last_contact),
        (1, Some(date(2024, 3, 20)))
    );
    assert_eq!(
        (c1.products.clone(), c1.categories.clone()),
        (
            vec!["CASE".to_string(), "PLAN".to_string()],
            vec!["accessory".to_string(), "mobile_plan".to_string()]
        )
    );
    assert!(c1.has_email && !c1.has_phone);
    // C2's purchase comes after the date.
    assert_eq!((all[1].purchases, all[1].last_purchase), (0, None));
    assert!(
        db.store
            .customer_facts(as_of, Some("C404"))
            .await
            .unwrap()
            .is_empty()
    );

    let schema = Arc::new(FactSchema::standard());
    let facts = to_facts(&c1, &schema, as_of);
    let expected = [
        ("rfm.recency_days", Value::Number(59.0)),
        ("rfm.frequency", Value::Number(2.0)),
        ("rfm.monetary", Value::Number(37.98)),
        ("contract.days_to_end", Value::Number(91.0)),
        ("contract.monthly_fee", Value::Number(19.99)),
        ("complaints.open", Value::Number(1.0)),
        ("contacts.days_since_last", Value::Number(11.0)),
        ("profile.assets_band", Value::String("high".into())),
        ("profile.birth_date", Value::Date(date(1980, 3, 15))),
        ("value.clv", Value::Absent),
    ];
    for (name, value) in expected {
        assert_eq!(facts.get(name), &value, "{name}");
    }

    let policy = db
        .store
        .policy_inputs(date(2024, 3, 1), as_of, None)
        .await
        .unwrap();
    let p1 = &policy["C1"];
    assert_eq!(p1.contacts.len(), 1);
    assert_eq!(p1.contacts[0].channel, Some(Channel::Email));
    assert_eq!(
        p1.contacts[0].at,
        date(2024, 3, 20).and_hms_opt(9, 0, 0).unwrap()
    );
    assert_eq!(p1.consents.len(), 1);
    assert!(!p1.consents[0].granted);
    assert!(
        !policy.contains_key("C2"),
        "inbound contacts are not the policy's"
    );

    let d = db
        .store
        .detector_inputs(date(2024, 3, 1), date(2024, 4, 30), None)
        .await
        .unwrap();
    assert_eq!(d.contracts.len(), 1);
    // Before its start it does not run; an active contract past its end renewed tacitly.
    let k = &d.contracts[0];
    assert!(k.runs_on(as_of) && !k.runs_on(date(2024, 1, 4)) && k.runs_on(date(2024, 7, 1)));
    assert_eq!(d.complaints[0].complaint_id, "R1");
    assert_eq!(
        d.purchase_days,
        [
            ("C1".to_string(), vec![date(2024, 1, 10), date(2024, 2, 1)]),
            ("C2".to_string(), vec![date(2024, 4, 1)])
        ]
    );
    assert_eq!(d.inbound.len(), 1);
    assert_eq!(
        (
            d.inbound[0].customer_id.as_str(),
            d.inbound[0].channel.as_str()
        ),
        ("C2", "call_centre")
    );
    let one = db
        .store
        .detector_inputs(date(2024, 3, 1), date(2024, 4, 30), Some("C2"))
        .await
        .unwrap();
    assert_eq!(
        (
            one.contracts.len(),
            one.complaints.len(),
            one.purchase_days.len()
        ),
        (0, 0, 1)
    );
});

both!(
    segment_runs_sizes_and_memberships,
    |db: TestDb| async move {
        seed(&db.store).await;
        assert!(db.store.segment_sizes("rfm").await.unwrap().is_empty());
        let customers = db
            .store
            .customer_facts(date(2024, 3, 31), None)
            .await
            .unwrap();
        let (c1, c2) = (customers[0].id, customers[1].id);
        for (day, c2_segment) in [
            (date(2024, 3, 31), "lost"),
            (date(2024, 4, 30), "champions"),
        ] {
            let run = NewSegmentRun {
                as_of: day,
                created_at: Utc.with_ymd_and_hms(2024, 5, 1, 0, 0, 0).unwrap(),
                customers: 2,
                value_run_id: None,
                details: serde_json::json!({"clusters": {"chosen_k": 2}}),
                members: vec![
                    ("rfm".into(), "champions".into(), c1),
                    ("rfm".into(), c2_segment.into(), c2),
                    ("rfm_code".into(), "545".into(), c1),
                    ("rules".into(), "complainers".into(), c1),
                ],
                profiles: vec![SegmentProfile {
                    segmentation: "rfm".into(),
                    segment: "champions".into(),
                    fact: "rfm.frequency".into(),
                    segment_mean: Some(2.0),
                    population_mean: Some(1.0),
                }],
            };
            db.store.save_segment_run(&run).await.unwrap();
        }
        let runs = db.store.segment_runs().await.unwrap();
        assert_eq!(runs.len(), 2);
        assert_eq!(runs[1].details["clusters"]["chosen_k"], 2);
        let sizes = db.store.segment_sizes("rfm").await.unwrap();
        assert_eq!(sizes, [("champions".to_string(), 2, 0, 0)]);
        let history = db.store.segment_history(Some("rfm")).await.unwrap();
        let rows: Vec<(i64, &str, i64)> = history
            .iter()
            .map(|s| (s.run_id, s.segment.as_str(), s.customers))
            .collect();
        assert_eq!(
            rows,
            [
                (runs[0].id, "champions", 1),
                (runs[0].id, "lost", 1),
                (runs[1].id, "champions", 2)
            ]
        );
        let profiles = db.store.segment_profiles(runs[1].id, None).await.unwrap();
        assert_eq!(profiles[0].index(), Some(200.0));
        let mine = db.store.customer_segments("C1").await.unwrap().unwrap();
        let got: Vec<(&str, &str)> = mine
            .iter()
            .map(|s| (s.segmentation.as_str(), s.segment.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("rfm", "champions"),
                ("rfm_code", "545"),
                ("rules", "complainers")
            ]
        );
        assert_eq!(mine[0].run_id, runs[1].id);
        assert!(db.store.customer_segments("C404").await.unwrap().is_none());

        // Facts carry the memberships of the latest run on or before their date.
        let c1 = db
            .store
            .customer_facts(date(2024, 4, 30), Some("C1"))
            .await
            .unwrap()
            .remove(0);
        let facts = to_facts(&c1, &Arc::new(FactSchema::standard()), date(2024, 4, 30));
        assert_eq!(facts.get("rfm.segment"), &Value::String("champions".into()));
        assert_eq!(
            (facts.get("rfm.r"), facts.get("rfm.m")),
            (&Value::Number(5.0), &Value::Number(5.0))
        );
        assert_eq!(
            facts.get("segments"),
            &Value::List(vec![Value::String("complainers".into())])
        );
    }
);

both!(
    channel_report_costs_and_conversions,
    |db: TestDb| async move {
        seed(&db.store).await;
        let report = db.store.channel_report().await.unwrap();
        assert_eq!(
            (report.from, report.to),
            (Some(date(2023, 3, 26)), Some(date(2024, 3, 25)))
        );
        let cells: Vec<(&str, &str, i64, i64, i64)> = report
            .cells
            .iter()
            .map(|c| {
                (
                    c.channel.as_str(),
                    c.operation.as_str(),
                    c.contacts,
                    c.cost_minor,
                    c.conversions,
                )
            })
            .collect();
        // The call: 4.00 + 2 started minutes × 0.80; followed by C2's purchase a week later.
        assert_eq!(
            cells,
            [
                ("call_centre", "information", 1, 560, 1),
                ("email", "information", 1, 5, 0)
            ]
        );
        let costs = db.store.cost_per_contact_by_kind().await.unwrap();
        assert_eq!(costs.get("call_centre"), Some(&4.0));
    }
);

both!(
    facts_read_the_active_churn_scores_of_their_date,
    |db: TestDb| async move {
        seed(&db.store).await;
        let version = db
            .store
            .save_model(&NewModel {
                kind: ModelKind::Churn,
                created_at: Utc.with_ymd_and_hms(2024, 4, 1, 0, 0, 0).unwrap(),
                as_of: date(2024, 3, 31),
                horizon_days: Some(90),
                snapshots: vec![],
                params: serde_json::json!({}),
                feature_names: vec!["complaints_90d".into()],
                metrics: serde_json::json!({}),
                model_json: "{}".into(),
                activate: true,
            })
            .await
            .unwrap();
        let c1 = db
            .store
            .customer_facts(date(2024, 3, 31), Some("C1"))
            .await
            .unwrap()[0]
            .id;
        let reason = ScoreReason {
            feature: "complaints_90d".into(),
            text: "a complaint in the last 90 days".into(),
            contribution: 0.8,
        };
        let rows = [ScoreRow {
            customer: c1,
            risk: 0.7,
            reasons: vec![reason],
        }];
        db.store
            .save_churn_scores(version, date(2024, 3, 31), &rows)
            .await
            .unwrap();
        let schema = Arc::new(FactSchema::standard());
        let facts_on = |day: NaiveDate| {
            let store = &db.store;
            let schema = schema.clone();
            async move {
                let c = store
                    .customer_facts(day, Some("C1"))
                    .await
                    .unwrap()
                    .remove(0);
                to_facts(&c, &schema, day)
            }
        };
        let f = facts_on(date(2024, 4, 15)).await;
        assert_eq!(f.get("score.churn_risk"), &Value::Number(0.7));
        assert_eq!(
            f.get("score.churn_reasons"),
            &Value::List(vec![Value::String(
                "a complaint in the last 90 days".into()
            )])
        );
        // A score made after the date is not known on it.
        let before = facts_on(date(2024, 3, 30)).await;
        assert_eq!(before.get("score.churn_risk"), &Value::Absent);
    }
);
