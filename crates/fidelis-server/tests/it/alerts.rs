//! The departure alert through the API: contacts posted as events raise alerts for at-risk customers
//! only, once a day; alerts are listed per customer; agents record outcomes once.

use crate::harness::TestApp;
use chrono::{NaiveDate, TimeZone, Utc};
use fidelis_domain::Entity;
use fidelis_store::import::{ImportOptions, import_file};
use fidelis_store::{ModelKind, NewModel};
use serde_json::{Value, json};

/// Registers an active churn model and scores: C1 at risk (usage falling), C2 at risk but insolvent,
/// C3 safe.
async fn score(app: &TestApp) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("customers.csv");
    std::fs::write(
        &path,
        "id,first_name,last_name,solvent\nC2,<b>Paul</b>,Martin,false\n",
    )
    .unwrap();
    let today = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
    let options = ImportOptions::new(Entity::Customers, today);
    import_file(&app.store, &path, &options, &|_| {})
        .await
        .unwrap();
    let usage: &[(&str, &str, f64)] = &[(
        "usage_mean_change_3m_vs_prev_3m",
        "usage down 48 % vs the previous 3 months",
        1.2,
    )];
    crate::pages::score_customers(
        app,
        &[("C1", 0.72, usage), ("C2", 0.8, usage), ("C3", 0.05, usage)],
    )
    .await;
}

fn call(id: &str, customer: &str, direction: &str, hour: u32) -> Value {
    json!({
        "kind": "interaction",
        "id": id,
        "customer_id": customer,
        "channel_id": "CC",
        "direction": direction,
        "operation": "service",
        "occurred_at": Utc.with_ymd_and_hms(2026, 11, 22, hour, 0, 0).unwrap(),
        "duration_seconds": 240,
    })
}

async fn post(app: &TestApp, token: &str, path: &str, body: &Value) -> reqwest::Response {
    app.client
        .post(app.url(path))
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn an_inbound_contact_of_an_at_risk_customer_raises_one_alert_a_day() {
    let app = TestApp::spawn().await;
    let token = app.api_token("agent").await;

    // Before any model is scored, contacts are stored and raise nothing.
    let r = post(
        &app,
        &token,
        "/api/v1/events",
        &call("E0", "C1", "inbound", 8),
    )
    .await;
    assert_eq!(r.status(), 201);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["alert"], Value::Null);

    score(&app).await;
    let r = post(
        &app,
        &token,
        "/api/v1/events",
        &call("E1", "C1", "inbound", 9),
    )
    .await;
    assert_eq!(r.status(), 201);
    let body: Value = r.json().await.unwrap();
    let alert = &body["alert"];
    assert_eq!(alert["customer_id"], "C1");
    assert_eq!(alert["trigger"], "event");
    assert_eq!(alert["risk"], 0.72);
    assert_eq!(
        alert["reasons"][0]["text"],
        "usage down 48 % vs the previous 3 months"
    );
    // No value refresh yet: no offer can be weighed, and the alert says so.
    assert_eq!(alert["offer_id"], Value::Null);
    assert_eq!(alert["no_offer_reason"], "no_value");
    let first_id = alert["id"].as_i64().unwrap();

    // The same contact posted again is stored once; a second call the same day shows the same alert.
    let r = post(
        &app,
        &token,
        "/api/v1/events",
        &call("E1", "C1", "inbound", 9),
    )
    .await;
    assert_eq!(r.status(), 200);
    let r = post(
        &app,
        &token,
        "/api/v1/events",
        &call("E2", "C1", "inbound", 15),
    )
    .await;
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["alert"]["id"].as_i64(), Some(first_id));

    // Outbound contacts and safe customers raise nothing; insolvent ones get no offer, with the reason.
    let r = post(
        &app,
        &token,
        "/api/v1/events",
        &call("E3", "C1", "outbound", 16),
    )
    .await;
    assert_eq!(
        r.json::<Value>().await.unwrap()["alert"]["id"].as_i64(),
        None
    );
    let r = post(
        &app,
        &token,
        "/api/v1/events",
        &call("E4", "C3", "inbound", 10),
    )
    .await;
    assert_eq!(r.json::<Value>().await.unwrap()["alert"], Value::Null);
    let r = post(
        &app,
        &token,
        "/api/v1/events",
        &call("E5", "C2", "inbound", 10),
    )
    .await;
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["alert"]["no_offer_reason"], "insolvent");

    let list: Value = app
        .get_with_token(&token, "/api/v1/customers/C1/alerts")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert_eq!(
        (&list["current"]["risk"], &list["current"]["at_risk"]),
        (&json!(0.72), &json!(true))
    );
    let safe: Value = app
        .get_with_token(&token, "/api/v1/customers/C3/alerts")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(safe["current"]["at_risk"], false);
    let scores: Value = app
        .get_with_token(&token, "/api/v1/customers/C1/scores")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(scores["churn"]["risk"], 0.72);
    assert_eq!(scores["value"], json!([]), "no refresh yet");
    let r = app
        .get_with_token(&token, "/api/v1/customers/C404/scores")
        .await;
    assert_eq!(r.status(), 404);
    assert_eq!(safe["items"], json!([]));
    assert_eq!(
        app.get_with_token(&token, "/api/v1/customers/C404/alerts")
            .await
            .status(),
        404
    );
    let timeline: Value = app
        .get_with_token(&token, "/api/v1/customers/C1/timeline")
        .await
        .json()
        .await
        .unwrap();
    let interactions = timeline
        .as_array()
        .map(|a| a.iter().filter(|e| e["kind"] == "interaction").count())
        .unwrap_or_else(|| {
            timeline["items"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|e| e["kind"] == "interaction")
                .count()
        });
    assert_eq!(
        interactions,
        1 + 4,
        "the fixture's contact and E0, E1, E2, E3"
    );

    // The agent records the outcome once; it is stored.
    let path = format!("/api/v1/alerts/{first_id}/outcome");
    let r = post(&app, &token, &path, &json!({"outcome": "maybe"})).await;
    assert_eq!(r.status(), 400);
    let r = post(
        &app,
        &token,
        &path,
        &json!({"outcome": "declined", "note": "moving abroad"}),
    )
    .await;
    assert_eq!(r.status(), 200);
    let stored = app.store.alert(first_id).await.unwrap().unwrap();
    assert_eq!(
        (stored.outcome.as_deref(), stored.outcome_by.as_deref()),
        (Some("declined"), Some("agent"))
    );
    let r = post(&app, &token, &path, &json!({"outcome": "accepted"})).await;
    assert_eq!(r.status(), 409);
    let r = post(
        &app,
        &token,
        "/api/v1/alerts/999999/outcome",
        &json!({"outcome": "accepted"}),
    )
    .await;
    assert_eq!(r.status(), 404);
}

#[tokio::test]
async fn bad_events_are_refused_with_the_field_named_and_nothing_stored() {
    let app = TestApp::spawn().await;
    let token = app.api_token("agent").await;
    let cases: &[(Value, &str)] = &[
        (json!({"kind": "interaction"}), "missing field"),
        (
            json!({"kind": "fax", "id": "X0", "customer_id": "C1", "channel_id": "CC",
                   "direction": "inbound", "operation": "service", "occurred_at": "2026-11-22T10:00:00Z"}),
            "field kind",
        ),
        (
            json!({"kind": "interaction", "id": "X1", "customer_id": "C404", "channel_id": "CC",
                   "direction": "inbound", "operation": "service", "occurred_at": "2026-11-22T10:00:00Z"}),
            "customer_id",
        ),
        (
            json!({"kind": "interaction", "id": "X2", "customer_id": "C1", "channel_id": "CC",
                   "direction": "inbound", "operation": "service", "occurred_at": "yesterday"}),
            "occurred_at",
        ),
        (
            json!({"kind": "interaction", "id": "X3", "customer_id": "C1", "channel_id": "CC",
                   "direction": "up", "operation": "service", "occurred_at": "2026-11-22T10:00:00Z"}),
            "direction",
        ),
    ];
    for (body, expected) in cases {
        let r = post(&app, &token, "/api/v1/events", body).await;
        assert_eq!(r.status(), 400, "{body}");
        let e: Value = r.json().await.unwrap();
        let message = e["error"]["message"].as_str().unwrap();
        assert!(message.contains(expected), "{message:?} lacks {expected:?}");
    }
    let counts = app.store.counts().await.unwrap();
    let n = counts
        .iter()
        .find(|c| c.entity == Entity::Interactions)
        .unwrap()
        .rows;
    assert_eq!(n, 1, "only the fixture's contact");
}

#[tokio::test]
async fn a_browser_session_must_send_its_csrf_token_to_post_an_event() {
    let app = TestApp::spawn().await;
    let session = app.login("agent").await;
    let r = app
        .client
        .post(app.url("/api/v1/events"))
        .header(reqwest::header::COOKIE, &session.cookie)
        .json(&call("S1", "C1", "inbound", 9))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let r = app
        .client
        .post(app.url("/api/v1/events"))
        .header(reqwest::header::COOKIE, &session.cookie)
        .header("x-csrf-token", &session.csrf)
        .json(&call("S1", "C1", "inbound", 9))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
}

#[tokio::test]
async fn applicants_are_scored_by_the_active_acquisition_model() {
    use fidelis_analytics::acquisition::{AcquisitionOptions, Applicant, train_acquisition};
    use fidelis_analytics::churn::Band;
    let app = TestApp::spawn().await;
    let token = app.api_token("agent").await;
    let applicant = json!({"signup_date": "2026-11-01", "birth_date": "1980-05-04",
                           "income_band": "high", "postcode": "34500"});
    let r = post(&app, &token, "/api/v1/prospects/score", &applicant).await;
    assert_eq!(r.status(), 404, "no model yet");

    // Past customers: high incomes made 300 in their first year, low ones 40.
    let (mut past, mut targets) = (Vec::new(), Vec::new());
    for i in 0..400 {
        let high = i % 2 == 0;
        past.push(Applicant {
            income_band: Some(if high { Band::High } else { Band::Low }),
            postcode: Some(format!("{:02}000", 10 + i % 7)),
            ..Applicant::default()
        });
        targets.push(if high { 300.0 } else { 40.0 } + (i % 5) as f64);
    }
    let training = train_acquisition(&past, &targets, &[], &AcquisitionOptions::default()).unwrap();
    let today = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
    let version = app
        .store
        .save_model(&NewModel {
            kind: ModelKind::Acquisition,
            created_at: Utc::now(),
            as_of: today,
            horizon_days: Some(365),
            snapshots: vec![],
            params: json!({"currency": "EUR"}),
            feature_names: training.model.model.feature_names.clone(),
            metrics: json!({}),
            model_json: serde_json::to_string(&training.model).unwrap(),
            activate: true,
        })
        .await
        .unwrap();
    let score = |body: Value| {
        let app = &app;
        let token = token.clone();
        async move {
            let r = post(app, &token, "/api/v1/prospects/score", &body).await;
            assert_eq!(r.status(), 200, "{body}");
            r.json::<Value>().await.unwrap()
        }
    };
    let high = score(applicant.clone()).await;
    let low = score(json!({"income_band": "low", "postcode": "34500"})).await;
    assert_eq!(high["model_version"], version);
    assert_eq!(high["currency"], "EUR");
    let (h, l) = (
        high["expected_profit_12m"].as_f64().unwrap(),
        low["expected_profit_12m"].as_f64().unwrap(),
    );
    assert!(h > 200.0 && l < 120.0, "high {h}, low {l}");

    let bad: &[(Value, &str)] = &[
        (
            json!({"birth_date": "2030-01-01", "signup_date": "2026-11-01"}),
            "birth_date",
        ),
        (json!({"income_band": "rich"}), "income_band"),
        (json!({"birth_date": "1er mai"}), "birth_date"),
    ];
    for (body, field) in bad {
        let r = post(&app, &token, "/api/v1/prospects/score", body).await;
        assert_eq!(r.status(), 400, "{body}");
        let e: Value = r.json().await.unwrap();
        let message = e["error"]["message"].as_str().unwrap_or_default();
        assert!(message.contains(field), "{message:?} lacks {field:?}");
    }
}

#[tokio::test]
async fn the_agent_screen_raises_the_alert_and_records_the_outcome() {
    let app = TestApp::spawn().await;
    score(&app).await;
    let session = app.login("agent").await;
    let html = app
        .get_as(&session, "/customers/C1")
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("id=\"alert-banner\""), "{html}");
    assert!(html.contains("usage down 48 % vs the previous 3 months"));
    assert!(
        html.contains("id=\"alert-no-offer\""),
        "no value refresh yet"
    );
    let start = html.find("data-alert=\"").unwrap() + "data-alert=\"".len();
    let id: i64 = html[start..].split('"').next().unwrap().parse().unwrap();
    let stored = app.store.alert(id).await.unwrap().unwrap();
    assert_eq!(
        (stored.trigger.as_str(), stored.customer_id.as_str()),
        ("view", "C1")
    );

    let path = format!("/customers/C1/alerts/{id}/outcome");
    let r = app
        .post_form(&path, Some(&session.cookie), &[("outcome", "accepted")])
        .await;
    assert_eq!(r.status(), 403, "no CSRF token");
    let r = app
        .post_form(
            &format!("/customers/C3/alerts/{id}/outcome"),
            Some(&session.cookie),
            &[("csrf", &session.csrf), ("outcome", "accepted")],
        )
        .await;
    assert_eq!(r.status(), 404, "the alert is not C3's");
    let r = app
        .post_form(
            &path,
            Some(&session.cookie),
            &[("csrf", &session.csrf), ("outcome", "accepted")],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(crate::harness::location(&r), "/customers/C1");
    let stored = app.store.alert(id).await.unwrap().unwrap();
    assert_eq!(
        (stored.outcome.as_deref(), stored.outcome_by.as_deref()),
        (Some("accepted"), Some("agent"))
    );
    let html = app
        .get_as(&session, "/customers/C1")
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("id=\"alert-outcome\""));
    assert!(!html.contains("id=\"alert-outcome-form\""));
    assert_eq!(
        app.store.customer_alerts("C1", 10).await.unwrap().len(),
        1,
        "one a day"
    );

    // A safe customer shows no banner; an insolvent one shows why there is no offer, in French.
    let html = app
        .get_as(&session, "/customers/C3")
        .await
        .text()
        .await
        .unwrap();
    assert!(!html.contains("id=\"alert-banner\""));
    let french = app
        .client
        .get(app.url("/customers/C2"))
        .header(reqwest::header::COOKIE, &session.cookie)
        .header(reqwest::header::ACCEPT_LANGUAGE, "fr-FR,fr;q=0.9")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(french.contains("Alerte départ"), "{french}");
    assert!(french.contains("insolvable"));
}

#[tokio::test]
async fn files_are_imported_through_the_api_with_their_rejects() {
    let app = TestApp::spawn().await;
    let analyst = app.api_token("analyst").await;
    let agent = app.api_token("agent").await;
    let file = "id,first_name,last_name,birth_date\nC10,Inès,Morel,12/03/1985\nC11,Marc,Petit,31/02/1990\n";
    let send = |token: &str, path: &str, body: &'static str| {
        app.client
            .post(app.url(path))
            .bearer_auth(token)
            .body(body)
            .send()
    };
    let file: &'static str = file;
    assert_eq!(
        send(&agent, "/api/v1/imports/customers", file)
            .await
            .unwrap()
            .status(),
        403
    );
    assert_eq!(
        send(&analyst, "/api/v1/imports/unicorns", file)
            .await
            .unwrap()
            .status(),
        400
    );
    let r = send(
        &analyst,
        "/api/v1/imports/customers?all_or_nothing=true",
        file,
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 200);
    let answer: Value = r.json().await.unwrap();
    assert_eq!(
        (&answer["committed"], &answer["rejected"]),
        (&json!(false), &json!(1))
    );
    assert!(
        app.store.customer("C10").await.unwrap().is_none(),
        "nothing half-written"
    );

    let r = send(&analyst, "/api/v1/imports/customers", file)
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let answer: Value = r.json().await.unwrap();
    assert_eq!(
        (answer["inserted"].as_u64(), answer["rejected"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(answer["rejects"][0]["line"], 3);
    assert_eq!(answer["rejects"][0]["field"], "birth_date");
    assert_eq!(answer["rejects"][0]["value"], "31/02/1990");
    assert_eq!(answer["file"], "body");
    let stored = app.store.customer("C10").await.unwrap().unwrap();
    assert_eq!(stored.first_name.as_deref(), Some("Inès"));
    let audit = app.store.audit_log(None, 5).await.unwrap();
    assert!(
        audit
            .iter()
            .any(|e| e.action == "import" && e.username == "analyst")
    );
}
