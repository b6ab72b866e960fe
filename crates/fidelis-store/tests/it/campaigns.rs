//! Campaigns in the store on both backends: plan, assignment stored once, treated members queued
//! in bulk (control never), suppressions, a telesales call list, responses, and the report's
//! attribution of purchases within the response window.

use crate::harness::{TestDb, both};
use crate::outbox::import_ok;
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use fidelis_domain::Entity;
use fidelis_store::StoreError;
use fidelis_store::campaigns::{
    Assignment, BatchMessage, BatchSuppression, CampaignPlan, CampaignStatus, PlanChanges,
};
use fidelis_store::outbox::{OutboxState, SourceKind};

fn at(d: u32, h: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, d, h, 0, 0).unwrap()
}

fn plan() -> CampaignPlan {
    CampaignPlan {
        id: "SPRING".into(),
        name: "Spring".into(),
        objective: Some("sell cases".into()),
        target: Some("profile.status == \"active\"".into()),
        exclusions: vec!["profile.city == \"Lyon\"".into()],
        offer: Some("-10 %".into()),
        offer_product: Some("CASE".into()),
        channels: vec!["email".into(), "telesales".into()],
        start_date: NaiveDate::from_ymd_opt(2026, 3, 1).unwrap(),
        end_date: Some(NaiveDate::from_ymd_opt(2026, 3, 31).unwrap()),
        budget_minor: Some(1000),
        cost_per_contact_minor: 40,
        currency: "EUR".into(),
        control_share: 0.5,
        status: CampaignStatus::Draft,
        seed: 9,
        response_window_days: 10,
        template: serde_json::json!({"email": {"fr": {"subject": "Bonjour", "body": "{offer}"}}}),
    }
}

both!(
    campaign_plan_assignment_queue_calls_and_report,
    |db: TestDb| async move {
        let store = &db.store;
        import_ok(store, Entity::Products, "id,name,category,kind,price,unit_cost\nCASE,Coque,accessory,one_off,20.00,5.00\nPLAN,Forfait,mobile_plan,contract,19.99,7.50\n").await;
        import_ok(store, Entity::Customers, "id,email,phone,status,country\nT1,t1@x.org,,active,FR\nT2,t2@x.org,,active,FR\nT3,,+33611111111,active,FR\nK1,k1@x.org,,active,FR\nK2,k2@x.org,,active,FR\n").await;
        // T1 buys the offer within the window, T2 after it, K1 (control) buys another product; T3 signs
        // a contract of another product (not a response); K2 buys the offer within the window.
        import_ok(
            store,
            Entity::Transactions,
            "customer_id,product_id,time,kind,amount,cost\n\
         T1,CASE,2026-03-05T10:00:00Z,sale,20.00,5.00\n\
         T2,CASE,2026-03-12T10:00:00Z,sale,20.00,5.00\n\
         K1,PLAN,2026-03-02T10:00:00Z,sale,19.99,7.50\n\
         K2,CASE,2026-03-09T23:59:00Z,sale,18.00,5.00\n",
        )
        .await;

        let id = store.create_campaign(&plan()).await.unwrap();
        assert!(id > 0);
        assert!(matches!(
            store.create_campaign(&plan()).await,
            Err(StoreError::Conflict(_))
        ));
        let mut bad = plan();
        bad.id = "OTHER".into();
        bad.offer_product = Some("NOPE".into());
        assert!(
            matches!(store.create_campaign(&bad).await, Err(StoreError::NotFound(m)) if m.contains("NOPE"))
        );
        assert_eq!(store.campaign("SPRING").await.unwrap().unwrap(), plan());
        assert!(store.campaign("NONE").await.unwrap().is_none());

        let keys: std::collections::HashMap<String, i64> = store
            .customer_keys()
            .await
            .unwrap()
            .into_iter()
            .map(|(k, e)| (e, k))
            .collect();
        let member = |c: &str, control: bool| Assignment {
            customer_id: keys[c],
            stratum: "unvalued".into(),
            control,
        };
        let members = vec![
            member("T1", false),
            member("T2", false),
            member("T3", false),
            member("K1", true),
            member("K2", true),
        ];
        store.save_assignment("SPRING", &members).await.unwrap();
        assert!(matches!(
            store.save_assignment("SPRING", &members).await,
            Err(StoreError::Conflict(_))
        ));
        assert_eq!(
            store.campaign("SPRING").await.unwrap().unwrap().status,
            CampaignStatus::Scheduled
        );
        let groups = store.campaign_groups("SPRING").await.unwrap();
        assert_eq!(
            groups
                .iter()
                .map(|g| (g.group.as_str(), g.members))
                .collect::<Vec<_>>(),
            vec![("control", 2), ("treatment", 3)]
        );

        let candidates = store.queue_candidates("SPRING").await.unwrap();
        let seen: Vec<(&str, bool, bool)> = candidates
            .iter()
            .map(|c| (c.customer.as_str(), c.has_email, c.has_phone))
            .collect();
        assert_eq!(
            seen,
            vec![
                ("T1", true, false),
                ("T2", true, false),
                ("T3", false, true)
            ],
            "treated members only"
        );
        let message = |c: &str, channel: &str| BatchMessage {
            customer_id: keys[c],
            key: format!("campaign/SPRING/{c}"),
            channel: channel.into(),
            purpose: "marketing".into(),
            payload: serde_json::json!({"fields": {"offer": "-10 %"}}),
            send_at: at(1, 9),
        };
        let created = store
            .enqueue_batch(
                SourceKind::Campaign,
                "SPRING",
                &[message("T1", "email"), message("T3", "telesales")],
                at(1, 8),
            )
            .await
            .unwrap();
        assert_eq!(created, 2);
        assert_eq!(
            store
                .enqueue_batch(
                    SourceKind::Campaign,
                    "SPRING",
                    &[message("T1", "email")],
                    at(1, 8)
                )
                .await
                .unwrap(),
            0,
            "idempotent"
        );
        store
            .record_suppressions(
                SourceKind::Campaign,
                "SPRING",
                &[BatchSuppression {
                    customer_id: keys["T2"],
                    channel: None,
                    reason: "consent".into(),
                    detail: None,
                }],
                at(1, 8),
            )
            .await
            .unwrap();
        assert!(
            store.queue_candidates("SPRING").await.unwrap().is_empty(),
            "queued or suppressed"
        );

        // The telesales message is an open call in the pool until an agent takes it and records an outcome.
        let pool = store.agent_queue(None).await.unwrap();
        assert_eq!(
            pool.iter().map(|c| c.customer.as_str()).collect::<Vec<_>>(),
            vec!["T3"]
        );
        assert_eq!(store.assign_calls("SPRING", "zoe", 5).await.unwrap(), 1);
        let mine = store.agent_queue(Some("zoe")).await.unwrap();
        assert_eq!(
            (mine.len(), mine[0].phone.as_deref()),
            (1, Some("+33611111111"))
        );
        store
            .record_call_outcome(
                mine[0].id,
                "refused_contact",
                Some("no more calls"),
                at(2, 10),
            )
            .await
            .unwrap();
        assert!(store.agent_queue(Some("zoe")).await.unwrap().is_empty());
        assert_eq!(
            store
                .outbox_message(mine[0].outbox_id)
                .await
                .unwrap()
                .unwrap()
                .state,
            OutboxState::Suppressed
        );
        let t3 = store.customer("T3").await.unwrap().unwrap();
        assert!(
            t3.consents
                .iter()
                .any(|k| (k.channel.as_str(), k.status.as_str()) == ("phone", "withdrawn")),
            "refusal withdraws consent"
        );

        // The e-mail is sent: the member is contacted.
        let claimed = store
            .claim_due(at(1, 9), 10, chrono::Duration::minutes(5))
            .await
            .unwrap();
        assert_eq!(claimed.len(), 1);
        assert!(
            store
                .mark_sent(claimed[0].id, Some("<m1>"), at(1, 9))
                .await
                .unwrap()
        );

        store
            .record_campaign_response("SPRING", "T3", at(3, 12), "answered_yes", 0, 0, "EUR")
            .await
            .unwrap();
        assert!(matches!(
            store
                .record_campaign_response("SPRING", "NOBODY", at(3, 12), "x", 0, 0, "EUR")
                .await,
            Err(StoreError::NotFound(_))
        ));

        store
            .update_campaign(
                "SPRING",
                &PlanChanges {
                    status: Some(CampaignStatus::Done),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let report = store.campaign_report("SPRING").await.unwrap();
        assert_eq!(report.campaign.status, CampaignStatus::Done);
        assert_eq!(report.contacts.get("email"), Some(&1));
        assert_eq!(report.cost_minor, 40);
        assert_eq!(report.suppressions.get("consent"), Some(&1));
        assert_eq!(report.suppressions.get("opt_out"), Some(&1));
        assert_eq!((report.outbox.sent, report.outbox.suppressed), (1, 1));
        let all = &report.impact[0];
        assert_eq!(
            (all.scope.as_str(), all.treated, all.control),
            ("all", 3, 2)
        );
        // Treated: T1 bought within 10 days (margin 15.00), T2 after, T3 answered yes: 2 of 3. Control:
        // K2 bought the offer (margin 13.00), K1 another product: 1 of 2.
        assert!((all.response.treatment.mean - 2.0 / 3.0).abs() < 1e-12);
        assert!((all.response.control.mean - 0.5).abs() < 1e-12);
        assert!((all.revenue.treatment.mean - 2000.0 / 3.0).abs() < 1e-9);
        assert!((all.margin.control.mean - 650.0).abs() < 1e-9);
        assert!(!all.response.significant);
        assert_eq!(
            report.response_window,
            (
                at(1, 0),
                Utc.with_ymd_and_hms(2026, 3, 11, 0, 0, 0).unwrap()
            )
        );
    }
);
