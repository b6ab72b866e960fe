//! Departure alerts: the context an alert reads, contacts posted through the API, alerts and their
//! outcomes, asserted identically on both backends.

use crate::harness::{TestDb, both};
use chrono::{Duration, NaiveDate, TimeZone, Utc};
use fidelis_domain::Entity;
use fidelis_store::import::{ImportOptions, import_file};
use fidelis_store::{NewAlert, NewInteraction, StoreError};

async fn load(db: &TestDb, today: NaiveDate) {
    let dir = tempfile::tempdir().unwrap();
    let files: &[(Entity, &str)] = &[
        (
            Entity::Channels,
            "id,name,kind,cost_per_contact,cost_per_minute\nCALL,Call centre,call_centre,4.50,0.80\n",
        ),
        (
            Entity::Products,
            "id,name,category,kind,price\nP1,Box,internet,contract,30\n",
        ),
        (
            Entity::Customers,
            "id,first_name,last_name,solvent,assets_band\nC1,Anne,Durand,true,high\nC2,Paul,Dupont,false,\n",
        ),
        (
            Entity::Contracts,
            "id,customer_id,product_id,start_date,end_date,status,monthly_fee,cancelled_on\n\
             K1,C1,P1,2025-01-15,2027-01-15,active,29.90,\n\
             K2,C1,P1,2025-06-01,2026-12-31,active,10.00,\n\
             K3,C1,P1,2020-01-01,2021-01-01,cancelled,50.00,2020-06-30\n",
        ),
        (
            Entity::Complaints,
            "id,customer_id,category,opened_at,resolved_at,status\n\
             R1,C1,billing,2026-10-01T09:00:00Z,,open\n\
             R2,C1,network,2026-03-01T09:00:00Z,2026-03-05T09:00:00Z,resolved\n",
        ),
    ];
    for (entity, text) in files {
        let path = dir.path().join(format!("{entity}.csv"));
        std::fs::write(&path, text).unwrap();
        let summary = import_file(
            &db.store,
            &path,
            &ImportOptions::new(*entity, today),
            &|_| {},
        )
        .await
        .unwrap();
        assert_eq!(summary.rejected, 0, "{entity}: {summary:?}");
    }
}

both!(alert_context_reads_one_customer, |db: TestDb| async move {
    let today = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
    load(&db, today).await;
    let c = db.store.alert_context("C1", today).await.unwrap().unwrap();
    assert!(c.solvent);
    assert_eq!(c.assets_band.as_deref(), Some("high"));
    assert_eq!(c.active_contracts, 2);
    assert!((c.monthly_fee - 39.90).abs() < 1e-9);
    assert_eq!(
        c.nearest_contract_end,
        NaiveDate::from_ymd_opt(2026, 12, 31)
    );
    assert_eq!((c.open_complaints, c.complaints_last_90_days), (1, 1));
    assert_eq!(c.value, None, "no refresh yet");
    let c2 = db.store.alert_context("C2", today).await.unwrap().unwrap();
    assert!(!c2.solvent);
    assert_eq!((c2.active_contracts, c2.nearest_contract_end), (0, None));
    assert!(
        db.store
            .alert_context("nobody", today)
            .await
            .unwrap()
            .is_none()
    );
});

both!(contacts_alerts_and_outcomes, |db: TestDb| async move {
    let today = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
    load(&db, today).await;
    let at = Utc.with_ymd_and_hms(2026, 11, 22, 10, 0, 0).unwrap();
    let call = NewInteraction {
        external_id: "IVR-1".into(),
        customer_id: "C1".into(),
        channel_id: "CALL".into(),
        direction: "inbound".into(),
        operation: "service".into(),
        occurred_at: at,
        duration_seconds: 130,
        agent: None,
    };
    let first = db.store.ingest_interaction(&call).await.unwrap();
    assert!(first.created);
    let again = db.store.ingest_interaction(&call).await.unwrap();
    assert_eq!((again.key, again.created), (first.key, false));
    let timeline = db.store.timeline("C1", 50).await.unwrap().unwrap();
    assert_eq!(
        timeline.iter().filter(|e| e.kind == "interaction").count(),
        1,
        "{timeline:?}"
    );

    // Bad values name the field and change nothing.
    let bad: &[(&str, NewInteraction)] = &[
        (
            "customer_id",
            NewInteraction {
                customer_id: "C9".into(),
                external_id: "X1".into(),
                ..call.clone()
            },
        ),
        (
            "channel_id",
            NewInteraction {
                channel_id: "FAX".into(),
                external_id: "X2".into(),
                ..call.clone()
            },
        ),
        (
            "direction",
            NewInteraction {
                direction: "sideways".into(),
                external_id: "X3".into(),
                ..call.clone()
            },
        ),
        (
            "operation",
            NewInteraction {
                operation: "chat".into(),
                external_id: "X4".into(),
                ..call.clone()
            },
        ),
        (
            "duration_seconds",
            NewInteraction {
                duration_seconds: -5,
                external_id: "X5".into(),
                ..call.clone()
            },
        ),
    ];
    for (field, new) in bad {
        match db.store.ingest_interaction(new).await {
            Err(StoreError::Invalid(m)) => assert!(m.contains(field), "{m}"),
            other => panic!("{field}: {other:?}"),
        }
    }
    let counts = db.store.counts().await.unwrap();
    let interactions = counts
        .iter()
        .find(|c| c.entity == Entity::Interactions)
        .unwrap();
    assert_eq!(interactions.rows, 1);

    let key = db
        .store
        .alert_context("C1", today)
        .await
        .unwrap()
        .unwrap()
        .key;
    assert!(
        db.store
            .recent_alert(key, at - Duration::hours(24))
            .await
            .unwrap()
            .is_none()
    );
    let alert = db
        .store
        .save_alert(&NewAlert {
            customer_key: key,
            raised_at: at,
            trigger: "event",
            interaction_key: Some(first.key),
            model_version: 3,
            risk: 0.62,
            reasons: serde_json::json!([{"feature": "usage_drop", "text": "usage down 40 %"}]),
            offer_id: Some("usage_bundle"),
            offer: Some(serde_json::json!({"id": "usage_bundle", "cost": 18.0})),
            no_offer_reason: None,
        })
        .await
        .unwrap();
    assert_eq!(
        (alert.customer_id.as_str(), alert.trigger.as_str()),
        ("C1", "event")
    );
    assert_eq!(alert.raised_at, at);
    let recent = db
        .store
        .recent_alert(key, at - Duration::hours(24))
        .await
        .unwrap();
    assert_eq!(recent.map(|a| a.id), Some(alert.id));
    assert!(
        db.store
            .recent_alert(key, at + Duration::seconds(1))
            .await
            .unwrap()
            .is_none()
    );

    let later = at + Duration::minutes(5);
    match db
        .store
        .record_alert_outcome(alert.id, "maybe", "agent1", None, later)
        .await
    {
        Err(StoreError::Invalid(m)) => assert!(m.contains("outcome") && m.contains("maybe"), "{m}"),
        other => panic!("{other:?}"),
    }
    let done = db
        .store
        .record_alert_outcome(alert.id, "accepted", "agent1", Some("happy"), later)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (
            done.outcome.as_deref(),
            done.outcome_by.as_deref(),
            done.outcome_at
        ),
        (Some("accepted"), Some("agent1"), Some(later))
    );
    assert!(matches!(
        db.store
            .record_alert_outcome(alert.id, "declined", "agent2", None, later)
            .await,
        Err(StoreError::Conflict(_))
    ));
    assert!(
        db.store
            .record_alert_outcome(alert.id + 100, "declined", "a", None, later)
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(db.store.customer_alerts("C1", 10).await.unwrap().len(), 1);
    assert!(db.store.customer_alerts("C2", 10).await.unwrap().is_empty());

    // C1 cancels a contract 10 days after accepting: a departure within 90 days, not within 5.
    let path = tempfile::tempdir().unwrap();
    let file = path.path().join("contracts.csv");
    std::fs::write(
        &file,
        "id,customer_id,product_id,start_date,end_date,status,monthly_fee,cancelled_on\n\
         K2,C1,P1,2025-06-01,2026-12-31,cancelled,10.00,2026-12-02\n",
    )
    .unwrap();
    import_file(
        &db.store,
        &file,
        &ImportOptions::new(Entity::Contracts, today),
        &|_| {},
    )
    .await
    .unwrap();
    let window = (at - Duration::days(1), at + Duration::days(1));
    let follow = db
        .store
        .alert_follow_up(window.0, window.1, 90)
        .await
        .unwrap();
    assert_eq!(follow.len(), 1);
    assert_eq!(
        (
            follow[0].outcome.as_str(),
            follow[0].alerts,
            follow[0].departed
        ),
        ("accepted", 1, 1)
    );
    let follow = db
        .store
        .alert_follow_up(window.0, window.1, 5)
        .await
        .unwrap();
    assert_eq!(follow[0].departed, 0);

    let feedback = db
        .store
        .offer_feedback(at - Duration::days(1), at + Duration::days(1))
        .await
        .unwrap();
    assert_eq!(feedback.len(), 1);
    assert_eq!(
        (
            feedback[0].offer_id.as_deref(),
            feedback[0].alerts,
            feedback[0].accepted,
            feedback[0].declined
        ),
        (Some("usage_bundle"), 1, 1, 0)
    );
});
