//! Users, sessions, tokens, audit and search, asserted identically on both backends.

use crate::harness::{TestDb, both};
use chrono::{Duration, TimeZone, Utc};
use fidelis_domain::{Entity, Role};
use fidelis_store::StoreError;
use fidelis_store::import::{ImportOptions, import_file};

both!(users_sessions_tokens_and_audit, |db: TestDb| async move {
    let now = Utc.with_ymd_and_hms(2026, 11, 22, 10, 0, 0).unwrap();
    let user = db
        .store
        .create_user("marie", "$argon2id$hash", Role::Analyst, now)
        .await
        .unwrap();
    assert!(matches!(
        db.store.create_user("marie", "x", Role::Agent, now).await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(db.store.count_users().await.unwrap(), 1);
    let (found, hash) = db.store.user_credentials("marie").await.unwrap().unwrap();
    assert_eq!(
        (found.role, hash.as_str()),
        (Role::Analyst, "$argon2id$hash")
    );
    assert!(db.store.user_credentials("nobody").await.unwrap().is_none());

    db.store
        .create_session("s1", user.id, "csrf1", now, now + Duration::hours(1))
        .await
        .unwrap();
    let (u, csrf) = db
        .store
        .session("s1", now + Duration::minutes(59))
        .await
        .unwrap()
        .unwrap();
    assert_eq!((u.username.as_str(), csrf.as_str()), ("marie", "csrf1"));
    assert!(
        db.store
            .session("s1", now + Duration::minutes(61))
            .await
            .unwrap()
            .is_none(),
        "expired"
    );
    db.store.delete_session("s1").await.unwrap();
    assert!(db.store.session("s1", now).await.unwrap().is_none());

    db.store
        .create_api_token(user.id, "sync", "t1", now)
        .await
        .unwrap();
    assert_eq!(
        db.store
            .api_token_user("t1")
            .await
            .unwrap()
            .unwrap()
            .username,
        "marie"
    );
    assert!(db.store.api_token_user("t2").await.unwrap().is_none());

    db.store.set_user_locale(user.id, Some("en")).await.unwrap();
    assert_eq!(
        db.store
            .user_credentials("marie")
            .await
            .unwrap()
            .unwrap()
            .0
            .locale
            .as_deref(),
        Some("en")
    );

    db.store
        .record_audit(&user, "view_customer", Some("C1"), Some("page"), now)
        .await
        .unwrap();
    db.store
        .record_audit(&user, "export_customers", None, None, now)
        .await
        .unwrap();
    let c1 = db.store.audit_log(Some("C1"), 10).await.unwrap();
    assert_eq!(c1.len(), 1);
    assert_eq!((c1[0].action.as_str(), c1[0].at), ("view_customer", now));
    assert_eq!(
        db.store.audit_log(None, 10).await.unwrap()[0].action,
        "export_customers"
    );
});

both!(search_and_timeline, |db: TestDb| async move {
    let dir = tempfile::tempdir().unwrap();
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
    let files: &[(Entity, &str)] = &[
        (Entity::Channels, "id,name,kind\nWEB,Web,web\n"),
        (
            Entity::Products,
            "id,name,category,kind,price\nP1,Box,internet,contract,30\n",
        ),
        (
            Entity::Customers,
            "id,first_name,last_name,email,phone\nC1,Anne,Durand,anne@example.fr,0612345678\nC2,Paul,Dupont,,\nC3,Zoé,d_u%rand,,\n",
        ),
        (
            Entity::Transactions,
            "id,customer_id,product_id,time,amount\nT1,C1,P1,2024-01-01T10:00:00Z,30\nT2,C1,P1,2024-02-01T10:00:00Z,30\n",
        ),
        (
            Entity::Contracts,
            "id,customer_id,product_id,start_date\nK1,C1,P1,2024-01-15\n",
        ),
        (
            Entity::LifeEvents,
            "customer_id,kind,date\nC1,moving,2024-03-01\n",
        ),
    ];
    for (entity, text) in files {
        let path = dir.path().join(format!("{entity}.csv"));
        std::fs::write(&path, text).unwrap();
        import_file(
            &db.store,
            &path,
            &ImportOptions::new(*entity, today),
            &|_| {},
        )
        .await
        .unwrap();
    }
    let ids =
        |hits: Vec<fidelis_store::CustomerHit>| hits.into_iter().map(|h| h.id).collect::<Vec<_>>();
    assert_eq!(
        ids(db.store.search_customers("du", 10, 0).await.unwrap()),
        ["C2", "C1"]
    );
    assert_eq!(
        ids(db.store.search_customers("du", 1, 1).await.unwrap()),
        ["C1"]
    );
    assert_eq!(
        ids(db
            .store
            .search_customers("06 12 34 56 78", 10, 0)
            .await
            .unwrap()),
        ["C1"]
    );
    assert_eq!(
        ids(db
            .store
            .search_customers("ANNE@example.fr", 10, 0)
            .await
            .unwrap()),
        ["C1"]
    );
    assert_eq!(
        ids(db.store.search_customers("C3", 10, 0).await.unwrap()),
        ["C3"]
    );
    // LIKE wildcards in the query are literal.
    assert_eq!(
        ids(db.store.search_customers("d_u%", 10, 0).await.unwrap()),
        ["C3"]
    );
    assert!(
        db.store
            .search_customers("d%", 10, 0)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        db.store
            .search_customers("' OR 1=1 --", 10, 0)
            .await
            .unwrap()
            .is_empty()
    );

    let timeline = db.store.timeline("C1", 10).await.unwrap().unwrap();
    let kinds: Vec<&str> = timeline.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds, ["life_event", "sale", "contract", "sale"]);
    assert_eq!(timeline[1].amount_minor, Some(3000));
    assert_eq!(db.store.timeline("C1", 2).await.unwrap().unwrap().len(), 2);
    assert!(db.store.timeline("C404", 10).await.unwrap().is_none());
});
