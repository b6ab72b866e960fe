//! Recurring campaigns in the store on both backends: the trigger kept, waves created whole (their
//! campaign, members, occasions and window), an occasion served once, and the roll-up measuring each
//! wave's members in the wave's own response window.

use crate::harness::{TestDb, both};
use crate::outbox::import_ok;
use chrono::{NaiveDate, TimeZone, Utc};
use fidelis_domain::Entity;
use fidelis_rules::{EventKind, Trigger};
use fidelis_store::StoreError;
use fidelis_store::campaign_waves::{NewWave, Recurrence, WaveMember};
use fidelis_store::campaigns::{CampaignPlan, CampaignStatus};

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, d).unwrap()
}

fn member(id: i64, control: bool, occasion: &str) -> WaveMember {
    WaveMember {
        customer_id: id,
        stratum: "unvalued".into(),
        control,
        occasions: vec![occasion.into()],
    }
}

both!(
    waves_are_created_whole_and_rolled_up,
    |db: TestDb| async move {
        let store = &db.store;
        import_ok(
            store,
            Entity::Products,
            "id,name,category,kind,price\nGIFT,Cadeau,gift,one_off,10.00\n",
        )
        .await;
        import_ok(
            store,
            Entity::Customers,
            "id,country\nA1,FR\nA2,FR\nA3,FR\nA4,FR\nB1,FR\nB2,FR\nB3,FR\nB4,FR\n",
        )
        .await;
        // A1 buys within its wave's window (10 March + 5 days), B1 within its own (11 March + 5 days);
        // A2 buys on 16 March: inside B's window, outside A's.
        import_ok(
            store,
            Entity::Transactions,
            "customer_id,product_id,time,amount,cost\n\
             A1,GIFT,2026-03-12T10:00:00Z,10.00,4.00\n\
             B1,GIFT,2026-03-15T10:00:00Z,10.00,4.00\n\
             A2,GIFT,2026-03-16T10:00:00Z,10.00,4.00\n",
        )
        .await;
        let keys: std::collections::HashMap<String, i64> = store
            .customer_keys()
            .await
            .unwrap()
            .into_iter()
            .map(|(id, external)| (external, id))
            .collect();
        let plan = CampaignPlan {
            id: "BDAY".into(),
            name: "Anniversaires".into(),
            objective: None,
            target: None,
            exclusions: Vec::new(),
            offer: None,
            offer_product: Some("GIFT".into()),
            channels: vec!["email".into()],
            start_date: day(1),
            end_date: Some(day(31)),
            budget_minor: Some(10_000),
            cost_per_contact_minor: 50,
            currency: "EUR".into(),
            control_share: 0.5,
            status: CampaignStatus::Scheduled,
            seed: 1,
            response_window_days: 5,
            template: serde_json::json!({}),
        };
        store.create_campaign(&plan).await.unwrap();
        let recurrence = Recurrence {
            trigger: Trigger::Event(EventKind::Birthday),
            send_within_days: 2,
        };
        store.set_recurrence("BDAY", &recurrence).await.unwrap();
        assert_eq!(store.recurrence("BDAY").await.unwrap(), Some(recurrence));
        assert_eq!(store.recurring_campaigns().await.unwrap(), ["BDAY"]);

        let at = Utc.with_ymd_and_hms(2026, 3, 10, 9, 0, 0).unwrap();
        let a: Vec<WaveMember> = ["A1", "A2", "A3", "A4"]
            .iter()
            .enumerate()
            .map(|(i, c)| member(keys[*c], i >= 2, &format!("birthday/2026-03-10/{c}")))
            .collect();
        let wave = store
            .create_wave(&NewWave {
                parent: "BDAY",
                occasion: day(10),
                seed: 7,
                members: &a,
                created_at: at,
            })
            .await
            .unwrap();
        assert_eq!(wave, "BDAY@2026-03-10");
        let w = store.campaign(&wave).await.unwrap().unwrap();
        assert_eq!(
            (w.start_date, w.end_date, w.seed, w.budget_minor),
            (day(10), Some(day(11)), 7, None)
        );
        assert_eq!(w.offer_product.as_deref(), Some("GIFT"));
        assert_eq!(
            store.campaign("BDAY").await.unwrap().unwrap().status,
            CampaignStatus::Running
        );
        // The same day again, or an occasion already served: refused whole, nothing written.
        let again = store
            .create_wave(&NewWave {
                parent: "BDAY",
                occasion: day(10),
                seed: 7,
                members: &a,
                created_at: at,
            })
            .await;
        assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");
        let served_twice = vec![member(keys["A1"], false, "birthday/2026-03-10/A1")];
        let refused = store
            .create_wave(&NewWave {
                parent: "BDAY",
                occasion: day(11),
                seed: 8,
                members: &served_twice,
                created_at: at,
            })
            .await;
        assert!(
            matches!(refused, Err(StoreError::Conflict(_))),
            "{refused:?}"
        );
        assert!(store.campaign("BDAY@2026-03-11").await.unwrap().is_none());
        assert_eq!(store.served_occasions("BDAY").await.unwrap().len(), 4);

        let b: Vec<WaveMember> = ["B1", "B2", "B3", "B4"]
            .iter()
            .enumerate()
            .map(|(i, c)| member(keys[*c], i >= 2, &format!("birthday/2026-03-11/{c}")))
            .collect();
        store
            .create_wave(&NewWave {
                parent: "BDAY",
                occasion: day(11),
                seed: 8,
                members: &b,
                created_at: at,
            })
            .await
            .unwrap();
        assert_eq!(
            store.campaign_members("BDAY@2026-03-11").await.unwrap(),
            [
                ("B1".to_owned(), "treatment".to_owned()),
                ("B2".into(), "treatment".into()),
                ("B3".into(), "control".into()),
                ("B4".into(), "control".into())
            ]
        );

        let report = store.recurring_report("BDAY").await.unwrap();
        let responders: Vec<(String, u64, u64)> = report
            .waves
            .iter()
            .map(|w| (w.id.clone(), w.treatment_responders, w.control_responders))
            .collect();
        assert_eq!(
            responders,
            [
                ("BDAY@2026-03-10".to_owned(), 1, 0),
                ("BDAY@2026-03-11".to_owned(), 1, 0)
            ]
        );
        let all = &report.impact[0];
        assert_eq!(
            (all.scope.as_str(), all.treated, all.control),
            ("all", 4, 4)
        );
        assert!((all.response.treatment.mean - 0.5).abs() < 1e-12);
        assert_eq!(all.response.control.mean, 0.0);
        // Two purchases of 10.00 with 6.00 margin over 4 treated members.
        assert!((all.revenue.treatment.mean - 500.0).abs() < 1e-9);
        assert!((all.margin.treatment.mean - 300.0).abs() < 1e-9);
        let total: i64 = report.groups.iter().map(|g| g.members).sum();
        assert_eq!(total, 8);

        // The dashboard's list: the recurring campaign with its waves, not the waves themselves.
        let rows = store.campaign_impacts(20).await.unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(
            (rows[0].campaign.id.as_str(), rows[0].waves),
            ("BDAY", Some(2))
        );
        assert_eq!(rows[0].impact[0].treated, 4);
    }
);
