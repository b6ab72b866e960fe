//! The JSON API: tokens, pagination, errors, the OpenAPI document.

use crate::harness::TestApp;

#[tokio::test]
async fn customers_through_the_api_with_a_token() {
    let app = TestApp::spawn().await;
    let token = app.api_token("agent").await;
    let r = app.get_with_token(&token, "/api/v1/customers/C1").await;
    assert_eq!(r.status(), 200);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(
        (body["id"].as_str(), body["city"].as_str()),
        (Some("C1"), Some("Béziers"))
    );
    assert_eq!(body["attributes"]["card"], "gold");
    assert_eq!(body["consents"][0]["status"], "granted");
    let audit = app.store.audit_log(Some("C1"), 5).await.unwrap();
    assert_eq!(
        (audit[0].username.as_str(), audit[0].detail.as_deref()),
        ("agent", Some("api"))
    );

    let page: serde_json::Value = app
        .get_with_token(&token, "/api/v1/customers?q=dur&per_page=1&page=2")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["items"][0]["id"], "C3");
    assert_eq!(
        (page["page"].as_i64(), page["per_page"].as_i64()),
        (Some(2), Some(1))
    );
    let bad = app
        .get_with_token(&token, "/api/v1/customers?q=dur&per_page=0")
        .await;
    assert_eq!(bad.status(), 400);
    assert_eq!(
        bad.json::<serde_json::Value>().await.unwrap()["error"]["code"],
        "bad_request"
    );

    let timeline: serde_json::Value = app
        .get_with_token(&token, "/api/v1/customers/C1/timeline")
        .await
        .json()
        .await
        .unwrap();
    let kinds: Vec<&str> = timeline
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["interaction", "sale"], "newest first");
    assert_eq!(timeline[1]["amount_minor"], 123456);

    let missing = app.get_with_token(&token, "/api/v1/customers/C404").await;
    assert_eq!(missing.status(), 404);
    assert_eq!(
        missing.json::<serde_json::Value>().await.unwrap()["error"]["code"],
        "not_found"
    );
    let nothing = app.get_with_token(&token, "/api/v1/nothing").await;
    assert_eq!(nothing.status(), 404);
}

#[tokio::test]
async fn the_openapi_document_lists_every_route() {
    let app = TestApp::spawn().await;
    let doc: serde_json::Value = app.get("/api/v1/openapi.json").await.json().await.unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    let token = app.api_token("admin").await;
    let routes = fidelis_server::api::routes();
    let documented: usize = doc["paths"]
        .as_object()
        .unwrap()
        .values()
        .map(|p| p.as_object().unwrap().len())
        .sum();
    assert_eq!(documented, routes.len());
    for route in routes {
        assert!(
            doc["paths"][route.path][route.method].is_object(),
            "{} {} documented",
            route.method,
            route.path
        );
        // And each documented route is served (not the fallback).
        let path = route.path.replace("{id}", "C1");
        let r = app
            .client
            .request(route.method.to_uppercase().parse().unwrap(), app.url(&path))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_ne!(r.status(), 404, "{} {} is routed", route.method, route.path);
    }
}
