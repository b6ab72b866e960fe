//! Authentication on every route, CSRF on every form, injection inert.

use crate::harness::TestApp;

#[tokio::test]
async fn no_route_answers_without_credentials() {
    let app = TestApp::spawn().await;
    for page in [
        "/",
        "/customers?q=dur",
        "/customers/C1",
        "/dashboard",
        "/dashboard/export/customers.csv",
        "/dashboard/export/complaints.csv",
        "/dashboard/export/risk.csv",
        "/login/../dashboard",
    ] {
        let r = app.get(page).await;
        assert_eq!(r.status(), 303, "{page}");
        assert!(
            crate::harness::location(&r).starts_with("/login?next="),
            "{page}"
        );
    }
    for route in fidelis_server::api::routes() {
        let path = route.path.replace("{id}", "C1");
        let r = app
            .client
            .request(route.method.to_uppercase().parse().unwrap(), app.url(&path))
            .send()
            .await
            .unwrap();
        if route.permission.is_some() {
            assert_eq!(r.status(), 401, "{} {}", route.method, route.path);
            let body: serde_json::Value = r.json().await.unwrap();
            assert_eq!(body["error"]["code"], "unauthenticated");
        } else {
            assert_eq!(r.status(), 200, "{} {}", route.method, route.path);
        }
    }
    let bad = app
        .get_with_token("not-a-token", "/api/v1/customers/C1")
        .await;
    assert_eq!(bad.status(), 401);
    let forged = app
        .client
        .get(app.url("/"))
        .header("cookie", "fidelis_session=forged")
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 303);
}

#[tokio::test]
async fn forms_without_their_csrf_token_are_refused() {
    let app = TestApp::spawn().await;
    let session = app.login("agent").await;
    for (path, pairs) in [
        ("/logout", vec![]),
        ("/logout", vec![("csrf", "wrong")]),
        ("/settings/language", vec![("language", "en")]),
    ] {
        let r = app.post_form(path, Some(&session.cookie), &pairs).await;
        assert_eq!(r.status(), 403, "{path} {pairs:?}");
    }
    assert_eq!(
        app.get_as(&session, "/").await.status(),
        200,
        "still logged in"
    );
    // The login form too: without the cookie and field pair, no session.
    let r = app
        .post_form(
            "/login",
            None,
            &[
                ("username", "agent"),
                ("password", crate::harness::PASSWORD),
            ],
        )
        .await;
    assert_eq!(r.status(), 403);
    assert!(r.headers().get("set-cookie").is_none());
}

#[tokio::test]
async fn html_and_sql_injection_are_inert() {
    let app = TestApp::spawn().await;
    let agent = app.login("agent").await;
    let html = app
        .get_as(&agent, "/customers/C2")
        .await
        .text()
        .await
        .unwrap();
    assert!(is_escaped(&html, "<b>Paul</b>"), "{html}");
    let html = app
        .get_as(&agent, "/customers?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E")
        .await
        .text()
        .await
        .unwrap();
    assert!(is_escaped(&html, "<script>alert(1)</script>"), "{html}");
    for q in [
        "%27%20OR%201%3D1%20--",
        "%25",
        "_",
        "C1%27%3B%20DROP%20TABLE%20customers%3B--",
    ] {
        let r = app.get_as(&agent, &format!("/customers?q={q}")).await;
        assert_eq!(r.status(), 200);
        assert!(
            r.text().await.unwrap().contains("id=\"no-results\""),
            "{q} matches nothing"
        );
    }
    assert_eq!(
        app.store
            .counts()
            .await
            .unwrap()
            .iter()
            .find(|c| c.entity.name() == "customers")
            .unwrap()
            .rows,
        3
    );
    // Cookies are HttpOnly and SameSite.
    let page = app.get("/login").await;
    let cookie = page.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
}

/// The page shows `text` only in escaped form (`&lt;` or `&#60;` for `<`).
fn is_escaped(html: &str, text: &str) -> bool {
    let named = text.replace('<', "&lt;").replace('>', "&gt;");
    let numeric = text.replace('<', "&#60;").replace('>', "&#62;");
    !html.contains(text) && (html.contains(&named) || html.contains(&numeric))
}
