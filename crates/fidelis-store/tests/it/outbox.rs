//! The outbox on both backends: idempotent enqueue, claims under a lease (an expired lease gives the
//! message back, two claims never share one), sent and failed with retry, suppressions, consents and
//! the contacts the policy counts.

use crate::harness::{TestDb, both};
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use fidelis_domain::Entity;
use fidelis_store::import::{ImportOptions, import_file};
use fidelis_store::outbox::{NewMessage, NewSuppression, OutboxState, SourceKind, retry_delay};
use fidelis_store::{Store, StoreError};

fn at(h: u32, m: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 22, h, m, 0).unwrap()
}

pub async fn import_ok(store: &Store, entity: Entity, text: &str) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("data.csv");
    std::fs::write(&path, text).unwrap();
    let options = ImportOptions::new(entity, NaiveDate::from_ymd_opt(2026, 11, 22).unwrap());
    let summary = import_file(store, &path, &options, &|_| {}).await.unwrap();
    assert_eq!(
        summary.rejected, 0,
        "{entity:?}: {:?}",
        summary.first_rejects
    );
}

fn message(key: &str, customer: &str, send_at: DateTime<Utc>) -> NewMessage {
    NewMessage {
        key: key.into(),
        customer: customer.into(),
        channel: "email".into(),
        purpose: "marketing".into(),
        payload: serde_json::json!({"template": "welcome", "offer": "10%"}),
        source_kind: SourceKind::Rule,
        source: "birthday".into(),
        send_at,
        created_at: at(8, 0),
    }
}

async fn seed(store: &Store) {
    import_ok(
        store,
        Entity::Customers,
        "id,first_name,last_name,email,status,country\nC1,Anne,Martin,anne@example.org,active,FR\nC2,Bob,Stone,bob@example.org,active,GB\n",
    )
    .await;
}

both!(enqueue_is_idempotent_on_the_key, |db: TestDb| async move {
    seed(&db.store).await;
    let first = db
        .store
        .enqueue(&message("C1/birthday/2026-11-22", "C1", at(9, 0)))
        .await
        .unwrap();
    assert!(first.created);
    let mut again = message("C1/birthday/2026-11-22", "C1", at(10, 0));
    again.payload = serde_json::json!({"other": true});
    let second = db.store.enqueue(&again).await.unwrap();
    assert_eq!((second.id, second.created), (first.id, false));
    let stored = db.store.outbox_message(first.id).await.unwrap().unwrap();
    assert_eq!(stored.next_attempt_at, at(9, 0), "the first enqueue wins");
    assert_eq!(stored.payload["template"], "welcome");
    assert_eq!(stored.state, OutboxState::Pending);
    assert_eq!(stored.recipient.email.as_deref(), Some("anne@example.org"));
    assert_eq!(db.store.outbox_counts(None).await.unwrap().pending, 1);
    assert!(matches!(
        db.store.enqueue(&message("X/1", "NOBODY", at(9, 0))).await,
        Err(StoreError::NotFound(m)) if m.contains("NOBODY")
    ));
});

both!(
    claims_lease_and_resume_after_expiry,
    |db: TestDb| async move {
        seed(&db.store).await;
        let a = db
            .store
            .enqueue(&message("a", "C1", at(9, 0)))
            .await
            .unwrap()
            .id;
        let b = db
            .store
            .enqueue(&message("b", "C2", at(9, 5)))
            .await
            .unwrap()
            .id;
        let later = db
            .store
            .enqueue(&message("c", "C2", at(12, 0)))
            .await
            .unwrap()
            .id;

        let lease = Duration::minutes(5);
        let claimed = db.store.claim_due(at(10, 0), 10, lease).await.unwrap();
        assert_eq!(
            claimed.iter().map(|m| m.id).collect::<Vec<_>>(),
            vec![a, b],
            "due ones, oldest first"
        );
        assert!(
            claimed
                .iter()
                .all(|m| m.state == OutboxState::Sending && m.attempts == 1)
        );
        assert_eq!(claimed[0].lease_until, Some(at(10, 5)));
        assert_eq!(claimed[1].customer, "C2");
        // Within the lease nobody else gets them; the not-yet-due one waits.
        assert!(
            db.store
                .claim_due(at(10, 4), 10, lease)
                .await
                .unwrap()
                .is_empty()
        );

        // The first worker finishes `a` and dies holding `b`: after the lease, `b` comes back once.
        assert!(
            db.store
                .mark_sent(a, Some("<a@fidelis>"), at(10, 1))
                .await
                .unwrap()
        );
        let resumed = db.store.claim_due(at(10, 6), 10, lease).await.unwrap();
        assert_eq!(
            resumed
                .iter()
                .map(|m| (m.id, m.attempts))
                .collect::<Vec<_>>(),
            vec![(b, 2)]
        );
        assert!(db.store.mark_sent(b, None, at(10, 7)).await.unwrap());
        assert!(
            !db.store.mark_sent(b, None, at(10, 8)).await.unwrap(),
            "already sent"
        );
        let sent = db.store.outbox_message(a).await.unwrap().unwrap();
        assert_eq!(
            (
                sent.state,
                sent.sent_at,
                sent.provider_message_id.as_deref()
            ),
            (OutboxState::Sent, Some(at(10, 1)), Some("<a@fidelis>"))
        );

        // A limit is a limit; a channel filter filters.
        assert!(
            db.store
                .claim_due_on("sms", at(13, 0), 10, lease)
                .await
                .unwrap()
                .is_empty()
        );
        let last = db.store.claim_due(at(13, 0), 1, lease).await.unwrap();
        assert_eq!(last.iter().map(|m| m.id).collect::<Vec<_>>(), vec![later]);
        assert!(
            db.store
                .claim_due(at(13, 0), 10, lease)
                .await
                .unwrap()
                .is_empty()
        );
    }
);

both!(
    concurrent_claims_never_share_a_message,
    |db: TestDb| async move {
        seed(&db.store).await;
        for i in 0..60 {
            db.store
                .enqueue(&message(
                    &format!("k{i}"),
                    if i % 2 == 0 { "C1" } else { "C2" },
                    at(9, 0),
                ))
                .await
                .unwrap();
        }
        // Four workers, each with its own connection pool, as four processes would have.
        let mut workers = Vec::new();
        for _ in 0..4 {
            let store = Store::open(&db.url).await.unwrap();
            workers.push(tokio::spawn(async move {
                let mut mine = Vec::new();
                loop {
                    let batch = store
                        .claim_due(at(10, 0), 7, Duration::minutes(5))
                        .await
                        .unwrap();
                    if batch.is_empty() {
                        return mine;
                    }
                    mine.extend(batch.into_iter().map(|m| m.id));
                }
            }));
        }
        let mut all = Vec::new();
        for w in workers {
            all.extend(w.await.unwrap());
        }
        all.sort();
        let before = all.len();
        all.dedup();
        assert_eq!((before, all.len()), (60, 60));
    }
);

both!(
    failures_retry_with_back_off_then_fail,
    |db: TestDb| async move {
        seed(&db.store).await;
        let id = db
            .store
            .enqueue(&message("r", "C1", at(9, 0)))
            .await
            .unwrap()
            .id;
        let lease = Duration::minutes(1);
        let m = db
            .store
            .claim_due(at(9, 0), 1, lease)
            .await
            .unwrap()
            .remove(0);
        let retry_at = at(9, 0) + retry_delay(m.attempts);
        assert!(
            db.store
                .mark_failed(id, "421 try later", Some(retry_at))
                .await
                .unwrap()
        );
        let waiting = db.store.outbox_message(id).await.unwrap().unwrap();
        assert_eq!(
            (
                waiting.state,
                waiting.next_attempt_at,
                waiting.last_error.as_deref()
            ),
            (
                OutboxState::Pending,
                at(9, 0) + Duration::seconds(30),
                Some("421 try later")
            )
        );
        assert!(
            db.store
                .claim_due(at(9, 0) + Duration::seconds(29), 1, lease)
                .await
                .unwrap()
                .is_empty()
        );
        let m = db
            .store
            .claim_due(retry_at, 1, lease)
            .await
            .unwrap()
            .remove(0);
        assert_eq!(m.attempts, 2);
        assert!(
            db.store
                .mark_failed(id, "550 no such user", None)
                .await
                .unwrap()
        );
        let failed = db.store.outbox_message(id).await.unwrap().unwrap();
        assert_eq!(failed.state, OutboxState::Failed);
        assert!(
            db.store
                .claim_due(at(23, 0), 1, lease)
                .await
                .unwrap()
                .is_empty()
        );
        assert!(
            !db.store.mark_failed(id, "again", None).await.unwrap(),
            "not being sent"
        );
    }
);

#[test]
fn retry_delay_doubles_up_to_six_hours() {
    let secs: Vec<i64> = [1, 2, 3, 4, 10, 11, 30]
        .iter()
        .map(|&a| retry_delay(a).num_seconds())
        .collect();
    assert_eq!(secs, vec![30, 60, 120, 240, 15_360, 6 * 3600, 6 * 3600]);
}

both!(
    suppressions_consents_and_recent_contacts,
    |db: TestDb| async move {
        seed(&db.store).await;
        import_ok(
            &db.store,
            Entity::Channels,
            "id,name,kind,cost_per_contact\nCC,Centre,call_centre,4.00\n",
        )
        .await;
        import_ok(
            &db.store,
            Entity::Interactions,
            "customer_id,channel_id,direction,operation,time,duration_seconds\n\
         C1,CC,outbound,simple_sale,2026-11-20T15:00:00Z,120\n\
         C1,CC,inbound,service,2026-11-21T15:00:00Z,120\n\
         C1,CC,outbound,simple_sale,2026-10-01T15:00:00Z,120\n",
        )
        .await;
        let sent = db
            .store
            .enqueue(&message("s", "C1", at(9, 0)))
            .await
            .unwrap()
            .id;
        db.store
            .claim_due(at(9, 0), 1, Duration::minutes(1))
            .await
            .unwrap();
        db.store.mark_sent(sent, None, at(9, 1)).await.unwrap();
        let mut sms = message("p", "C1", at(18, 0));
        sms.channel = "sms".into();
        db.store.enqueue(&sms).await.unwrap();
        let cancelled = db
            .store
            .enqueue(&message("x", "C1", at(19, 0)))
            .await
            .unwrap()
            .id;
        assert!(db.store.cancel_message(cancelled).await.unwrap());
        db.store
            .enqueue(&message("other", "C2", at(9, 0)))
            .await
            .unwrap();

        let since = Utc.with_ymd_and_hms(2026, 11, 15, 0, 0, 0).unwrap();
        let contacts = db.store.recent_contacts("C1", since).await.unwrap();
        let seen: Vec<(DateTime<Utc>, &str)> = contacts
            .iter()
            .map(|c| (c.at, c.channel.as_str()))
            .collect();
        assert_eq!(
            seen,
            vec![
                (
                    Utc.with_ymd_and_hms(2026, 11, 20, 15, 0, 0).unwrap(),
                    "call_centre"
                ),
                (at(9, 1), "email"),
                (at(18, 0), "sms"),
            ],
            "outbound calls and queued or sent messages; not inbound, cancelled, older or others'"
        );
        assert_eq!(contacts[1].source.as_deref(), Some("birthday"));

        db.store
            .record_suppression(&NewSuppression {
                customer: "C2".into(),
                channel: Some("sms".into()),
                source_kind: SourceKind::Campaign,
                source: "SPRING".into(),
                reason: "weekly_cap".into(),
                detail: Some("2 contacts this week".into()),
                at: at(9, 0),
            })
            .await
            .unwrap();
        let pending = db
            .store
            .enqueue(&message("y", "C2", at(20, 0)))
            .await
            .unwrap()
            .id;
        assert!(
            db.store
                .mark_suppressed(pending, "opt_out", None, at(11, 0))
                .await
                .unwrap()
        );
        let listed = db
            .store
            .suppressions_of(SourceKind::Campaign, "SPRING")
            .await
            .unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(
            (listed[0].customer.as_str(), listed[0].reason.as_str()),
            ("C2", "weekly_cap")
        );
        let rule = db
            .store
            .suppressions_of(SourceKind::Rule, "birthday")
            .await
            .unwrap();
        assert_eq!(
            rule.iter().map(|s| s.reason.as_str()).collect::<Vec<_>>(),
            vec!["opt_out"]
        );
        assert_eq!(
            db.store
                .outbox_message(pending)
                .await
                .unwrap()
                .unwrap()
                .state,
            OutboxState::Suppressed
        );
        let counts = db
            .store
            .outbox_counts(Some((SourceKind::Rule, "birthday")))
            .await
            .unwrap();
        assert_eq!(
            (
                counts.sent,
                counts.pending,
                counts.cancelled,
                counts.suppressed
            ),
            (1, 2, 1, 1)
        );

        db.store
            .set_consent("C1", "email", "marketing", false, at(12, 0))
            .await
            .unwrap();
        let c = db.store.customer("C1").await.unwrap().unwrap();
        assert_eq!(
            c.consents
                .iter()
                .map(|k| (k.channel.as_str(), k.status.as_str()))
                .collect::<Vec<_>>(),
            vec![("email", "withdrawn")]
        );
        assert!(matches!(
            db.store
                .set_consent("NOBODY", "email", "marketing", false, at(12, 0))
                .await,
            Err(StoreError::NotFound(_))
        ));
    }
);
