//! The dashboard's reads on both backends: channel costs from the contacts, complaints against norms.

use crate::harness::{TestDb, both};
use chrono::NaiveDate;
use fidelis_domain::Entity;
use fidelis_store::import::{ImportOptions, import_file};
use fidelis_store::{ChannelCost, ServiceNorms, Store};

async fn import_ok(store: &Store, entity: Entity, text: &str) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("data.csv");
    std::fs::write(&path, text).unwrap();
    let today = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
    let summary = import_file(store, &path, &ImportOptions::new(entity, today), &|_| {})
        .await
        .unwrap();
    assert_eq!(
        summary.rejected, 0,
        "{entity:?}: {:?}",
        summary.first_rejects
    );
}

async fn seed(store: &Store) {
    import_ok(
        store,
        Entity::Channels,
        "id,name,kind,cost_per_contact,cost_per_minute\nCC,Centre,call_centre,4.00,0.80\n\
         WEB,Web,web,0.20,0\nSHOP,Boutique,store,12,0\n",
    )
    .await;
    import_ok(store, Entity::Customers, "id\nC1\nC2\n").await;
    import_ok(
        store,
        Entity::Interactions,
        "customer_id,channel_id,direction,operation,time,duration_seconds,cost\n\
         C1,CC,inbound,service,2024-02-10T10:00:00Z,300,\n\
         C1,CC,inbound,service,2024-02-11T10:00:00Z,45,\n\
         C2,CC,outbound,retention,2024-02-12T10:00:00Z,0,2.50\n\
         C2,WEB,inbound,information,2024-02-13T10:00:00Z,600,\n",
    )
    .await;
    import_ok(
        store,
        Entity::Complaints,
        "id,customer_id,category,opened_at,first_response_at,resolved_at,compensation\n\
         R1,C1,billing,2024-03-01T10:00:00Z,2024-03-04T09:00:00Z,2024-03-20T10:00:00Z,10\n\
         R2,C1,billing,2024-03-01T23:30:00Z,2024-03-10T08:00:00Z,,0\n\
         R3,C2,billing,2024-03-25T10:00:00Z,,,0\n\
         R4,C2,network,2024-02-01T10:00:00Z,,,5.50\n\
         R5,C2,network,2024-04-10T10:00:00Z,,,0\n",
    )
    .await;
}

both!(channel_costs_count_every_contact, |db: TestDb| async move {
    seed(&db.store).await;
    let costs = db.store.channel_costs().await.unwrap();
    let cc = ChannelCost {
        channel: "CC".into(),
        name: "Centre".into(),
        kind: "call_centre".into(),
        contacts: 3,
        // 4.00 + 5 min × 0.80; 4.00 + 45 s × 0.80 (0.60); its own 2.50.
        total_cost_minor: 800 + 460 + 250,
        currency: "EUR".into(),
    };
    assert_eq!(costs[0], cc);
    assert_eq!(cc.cost_per_contact_minor(), Some(503));
    assert_eq!(
        (
            costs[1].channel.as_str(),
            costs[1].contacts,
            costs[1].total_cost_minor
        ),
        ("WEB", 1, 20)
    );
    // A channel without contacts is listed, at nothing.
    assert_eq!(
        (
            costs[2].channel.as_str(),
            costs[2].contacts,
            costs[2].total_cost_minor
        ),
        ("SHOP", 0, 0)
    );
    assert_eq!(costs[2].cost_per_contact_minor(), None);
});

both!(complaints_are_held_to_the_norms, |db: TestDb| async move {
    seed(&db.store).await;
    let norms = ServiceNorms {
        first_response_days: 8,
        resolution_days: 15,
    };
    let as_of = NaiveDate::from_ymd_opt(2024, 4, 2).unwrap();
    let rows = db
        .store
        .complaints_against_norms(norms, as_of)
        .await
        .unwrap();
    assert_eq!(rows.len(), 2, "{rows:?}");
    let billing = &rows[0];
    assert_eq!(billing.category, "billing");
    // R1 answered in 3 days, resolved in 19 (late); R2 answered on day 9 (late), unresolved and past
    // the norm on 2 April; R3 unanswered but only 8 days old.
    assert_eq!(
        (
            billing.complaints,
            billing.answered,
            billing.response_days,
            billing.response_breaches
        ),
        (3, 2, 3 + 9, 1)
    );
    assert_eq!(
        (
            billing.resolved,
            billing.resolution_days,
            billing.resolution_breaches
        ),
        (1, 19, 2)
    );
    assert_eq!(billing.compensation_minor, 1000);
    assert_eq!(billing.mean_response_days(), Some(6.0));
    assert!((billing.response_breach_share() - 1.0 / 3.0).abs() < 1e-12);
    // R5 is opened after the day: left out. R4 has had nothing for two months.
    let network = &rows[1];
    assert_eq!(
        (
            network.complaints,
            network.answered,
            network.response_breaches,
            network.resolution_breaches
        ),
        (1, 0, 1, 1)
    );
    assert_eq!(network.mean_resolution_days(), None);
    assert_eq!(network.compensation_minor, 550);
});
