//! Routing, segments and rules through the API: the route of an operation for a customer from the
//! sample matrix, segment sizes and a customer's segments after a refresh, the loaded rules, and the
//! check of a posted file with line and column; analysts and admins only for rules.

use crate::harness::TestApp;
use fidelis_domain::Entity;
use fidelis_store::import::{ImportOptions, import_file};
use fidelis_store::segments::NewSegmentRun;
use serde_json::{Value, json};

async fn post(app: &TestApp, token: &str, path: &str, body: &Value) -> reqwest::Response {
    app.client
        .post(app.url(path))
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .unwrap()
}

async fn json_of(r: reqwest::Response) -> Value {
    r.json().await.unwrap()
}

#[tokio::test]
async fn route_answers_channel_fallbacks_and_reason() {
    let app = TestApp::spawn().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("customers.csv");
    std::fs::write(&path, "id,last_name,assets_band\nC9,Riche,very_high\n").unwrap();
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
    let options = ImportOptions::new(Entity::Customers, today);
    import_file(&app.store, &path, &options, &|_| {})
        .await
        .unwrap();
    let token = app.api_token("agent").await;

    let cases = [
        // (customer, operation, channel, fallbacks, segment, route cell in the reason)
        (
            "C1",
            "complex_sale",
            "store",
            vec!["adviser"],
            "mass",
            "route * × complex_sale",
        ),
        (
            "C1",
            "appointment",
            "call_centre",
            vec!["web"],
            "mass",
            "route * × appointment",
        ),
        (
            "C9",
            "complex_sale",
            "adviser",
            vec!["store"],
            "wealthy",
            "route wealthy × complex_sale",
        ),
        (
            "C9",
            "service",
            "adviser",
            vec!["call_centre"],
            "wealthy",
            "route wealthy × *",
        ),
    ];
    for (customer, operation, channel, fallbacks, segment, cell) in cases {
        let r = post(
            &app,
            &token,
            "/api/v1/route",
            &json!({"customer_id": customer, "operation": operation}),
        )
        .await;
        assert_eq!(r.status(), 200, "{customer} {operation}");
        let body = json_of(r).await;
        assert_eq!(body["channel"], channel, "{customer} {operation}: {body}");
        assert_eq!(body["fallbacks"], json!(fallbacks), "{body}");
        assert_eq!(body["segment"], segment, "{body}");
        assert!(body["reason"].as_str().unwrap().contains(cell), "{body}");
    }

    let r = post(
        &app,
        &token,
        "/api/v1/route",
        &json!({"customer_id": "C1", "operation": "teleportation"}),
    )
    .await;
    assert_eq!(r.status(), 400);
    let body = json_of(r).await;
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("unknown operation `teleportation`"),
        "{body}"
    );
    let r = post(
        &app,
        &token,
        "/api/v1/route",
        &json!({"customer_id": "C404", "operation": "service"}),
    )
    .await;
    assert_eq!(r.status(), 404);
    let r = post(&app, &token, "/api/v1/route", &json!({"customer": "C1"})).await;
    assert_eq!(r.status(), 400);
}

#[tokio::test]
async fn segments_of_the_latest_refresh() {
    let app = TestApp::spawn().await;
    let analyst = app.api_token("analyst").await;
    let agent = app.api_token("agent").await;

    let empty = json_of(app.get_with_token(&analyst, "/api/v1/segments").await).await;
    assert_eq!(empty["segments"], json!([]));
    assert_eq!(
        app.get_with_token(&agent, "/api/v1/segments")
            .await
            .status(),
        403
    );

    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
    let ids: Vec<(String, i64)> = app
        .store
        .customer_facts(today, None)
        .await
        .unwrap()
        .into_iter()
        .map(|c| (c.external_id, c.id))
        .collect();
    let id = |name: &str| ids.iter().find(|(e, _)| e == name).unwrap().1;
    let members = [
        ("rfm", "champions", "C1"),
        ("rfm", "lost", "C2"),
        ("rfm", "lost", "C3"),
        ("value", "loyalty", "C1"),
    ];
    let run = NewSegmentRun {
        as_of: today,
        created_at: chrono::Utc::now(),
        customers: 3,
        members: members
            .iter()
            .map(|(s, n, c)| (s.to_string(), n.to_string(), id(c)))
            .collect(),
        ..NewSegmentRun::default()
    };
    app.store.save_segment_run(&run).await.unwrap();

    let body = json_of(app.get_with_token(&analyst, "/api/v1/segments").await).await;
    assert_eq!(body["segmentation"], "rfm");
    let sizes: Vec<(&str, i64)> = body["segments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["segment"].as_str().unwrap(),
                s["customers"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(sizes, [("champions", 1), ("lost", 2)]);
    let body = json_of(
        app.get_with_token(&analyst, "/api/v1/segments?segmentation=value")
            .await,
    )
    .await;
    assert_eq!(body["segments"][0]["segment"], "loyalty");

    let mine = json_of(
        app.get_with_token(&agent, "/api/v1/customers/C1/segments")
            .await,
    )
    .await;
    let got: Vec<(&str, &str)> = mine
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["segmentation"].as_str().unwrap(),
                s["segment"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(got, [("rfm", "champions"), ("value", "loyalty")]);
    assert_eq!(
        app.get_with_token(&agent, "/api/v1/customers/C404/segments")
            .await
            .status(),
        404
    );
}

#[tokio::test]
async fn rules_are_listed_and_checked_for_analysts_only() {
    let app = TestApp::spawn().await;
    let analyst = app.api_token("analyst").await;
    let agent = app.api_token("agent").await;

    let rules = json_of(app.get_with_token(&analyst, "/api/v1/rules").await).await;
    let ids: Vec<&str> = rules
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&"contract_end_retention"), "{ids:?}");
    assert_eq!(
        app.get_with_token(&agent, "/api/v1/rules").await.status(),
        403
    );

    let broken = "version = 1\n\n[[rule]]\nid = \"late\"\ntrigger = { event = \"complaint_opened\" }\ncondition = \"complaints.open >\"\naction = { kind = \"alert\", message = \"late\" }\n";
    let r = post(
        &app,
        &analyst,
        "/api/v1/rules/check",
        &json!({"toml": broken}),
    )
    .await;
    assert_eq!(r.status(), 200);
    let body = json_of(r).await;
    assert_eq!(body["ok"], false);
    assert_eq!(
        (
            body["errors"][0]["line"].as_u64(),
            body["errors"][0]["column"].as_u64()
        ),
        (Some(6), Some(31)),
        "{body}"
    );
    let fine = fidelis_rules::samples::ROUTING;
    let body = json_of(
        post(
            &app,
            &analyst,
            "/api/v1/rules/check",
            &json!({"kind": "routing", "toml": fine}),
        )
        .await,
    )
    .await;
    assert_eq!(body["ok"], true, "{body}");
    assert_eq!(body["summary"], "3 segments, 7 routes");
    let r = post(
        &app,
        &analyst,
        "/api/v1/rules/check",
        &json!({"kind": "spreadsheet", "toml": ""}),
    )
    .await;
    assert_eq!(r.status(), 400);
    let r = post(
        &app,
        &agent,
        "/api/v1/rules/check",
        &json!({"toml": broken}),
    )
    .await;
    assert_eq!(r.status(), 403);
}

#[tokio::test]
async fn rules_are_replaced_through_the_api_in_the_configuration_directory() {
    let config = tempfile::tempdir().unwrap();
    let app = crate::harness::TestApp::spawn_with(fidelis_server::Settings {
        config_dir: Some(config.path().to_path_buf()),
        ..fidelis_server::Settings::default()
    })
    .await;
    let analyst = app.api_token("analyst").await;
    let agent = app.api_token("agent").await;
    let sample = fidelis_rules::samples::RULES;
    let put = |token: &str, body: serde_json::Value| {
        app.client
            .put(app.url("/api/v1/rules"))
            .bearer_auth(token)
            .json(&body)
            .send()
    };
    let r = put(&agent, serde_json::json!({ "toml": sample }))
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let broken = sample.replacen("version = 1", "version = 1\nnonsense = ", 1);
    let r = put(&analyst, serde_json::json!({ "toml": broken }))
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let e: serde_json::Value = r.json().await.unwrap();
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap()
            .contains("line 4, column 12"),
        "{e}"
    );
    assert!(
        !config.path().join("rules.toml").exists(),
        "nothing written"
    );

    let r = put(&analyst, serde_json::json!({ "toml": sample }))
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let answer: serde_json::Value = r.json().await.unwrap();
    assert_eq!(answer["rules"], 10);
    assert_eq!(
        std::fs::read_to_string(config.path().join("rules.toml")).unwrap(),
        sample
    );
    let listed: serde_json::Value = app
        .get_with_token(&analyst, "/api/v1/rules")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 10);

    // Without a configuration directory the server refuses to change its built-in samples.
    let plain = crate::harness::TestApp::spawn().await;
    let token = plain.api_token("admin").await;
    let r = plain
        .client
        .put(plain.url("/api/v1/rules"))
        .bearer_auth(&token)
        .json(&serde_json::json!({ "toml": sample }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 409);
}
