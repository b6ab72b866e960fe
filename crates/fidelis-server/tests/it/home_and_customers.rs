//! The first page and the customer API.

use crate::harness::TestApp;

#[tokio::test]
async fn home_page_counts_rows_per_entity() {
    let app = TestApp::spawn().await;
    let response = app.get("/").await;
    assert_eq!(response.status(), 200);
    let html = response.text().await.unwrap();
    assert!(
        html.contains("<th scope=\"row\">customers</th><td>2</td>"),
        "{html}"
    );
    assert!(
        html.contains("<th scope=\"row\">consents</th><td>1</td>"),
        "{html}"
    );
    assert!(
        html.contains("<th scope=\"row\">transactions</th><td>0</td>"),
        "{html}"
    );
}

#[tokio::test]
async fn customer_as_json() {
    let app = TestApp::spawn().await;
    let response = app.get("/api/v1/customers/C1").await;
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["id"], "C1");
    assert_eq!(body["city"], "Béziers");
    assert_eq!(body["acquisition_channel"], "WEB");
    assert_eq!(body["attributes"]["card"], "gold");
    assert_eq!(body["consents"][0]["channel"], "email");
    assert_eq!(body["consents"][0]["status"], "granted");
    // Stored verbatim; JSON carries it as data.
    let body: serde_json::Value = app.get("/api/v1/customers/C2").await.json().await.unwrap();
    assert_eq!(body["first_name"], "<b>Paul</b>");
}

#[tokio::test]
async fn unknown_customer_and_route_are_json_404s() {
    let app = TestApp::spawn().await;
    let response = app.get("/api/v1/customers/C404").await;
    assert_eq!(response.status(), 404);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "not_found");
    assert!(body["error"]["message"].as_str().unwrap().contains("C404"));
    let response = app.get("/api/v1/nothing").await;
    assert_eq!(response.status(), 404);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "not_found");
}
