//! The agent screen and the analyst pages, in French and English.

use crate::harness::{TestApp, hidden_value, location};

#[tokio::test]
async fn agent_finds_a_customer_and_opens_the_page() {
    let app = TestApp::spawn().await;
    let agent = app.login("agent").await;
    let home = app.get_as(&agent, "/").await.text().await.unwrap();
    assert!(
        home.contains("<th scope=\"row\">customers</th><td class=\"num\">3</td>"),
        "{home}"
    );

    for (query, expected) in [
        ("dur", vec!["C1", "C3"]),
        ("DURANDAL", vec!["C3"]),
        ("06 12 34 56 78", vec!["C1"]),
        ("+33612345678", vec!["C1"]),
        ("Anne@Example.fr", vec!["C1"]),
        ("C2", vec!["C2"]),
        ("nobody", vec![]),
    ] {
        let html = app
            .get_as(
                &agent,
                &format!("/customers?q={}", crate::harness::enc(query)),
            )
            .await
            .text()
            .await
            .unwrap();
        let found: Vec<&str> = html
            .match_indices("<a href=\"/customers/")
            .map(|(i, _)| &html[i + 20..i + 22])
            .collect();
        assert_eq!(found, expected, "search {query:?}");
    }

    let page = app.get_as(&agent, "/customers/C1").await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("id=\"customer-name\">Anne Durand"), "{html}");
    assert!(html.contains("Béziers"));
    assert!(
        html.contains("<td>email</td><td>marketing</td><td>granted</td>"),
        "consents shown"
    );
    // The timeline, in French by default: the purchase with its amount, the complaint call.
    assert!(html.contains("Achat · Forfait 20 Go"), "{html}");
    assert!(html.contains("1\u{202f}234,56 EUR"), "{html}");
    assert!(html.contains("Contact · complaint"), "{html}");
    let audit = app.store.audit_log(Some("C1"), 10).await.unwrap();
    assert_eq!(
        (audit[0].username.as_str(), audit[0].action.as_str()),
        ("agent", "view_customer")
    );

    let missing = app.get_as(&agent, "/customers/C404").await;
    assert_eq!(missing.status(), 404);
}

#[tokio::test]
async fn pages_follow_the_language_setting_or_the_browser() {
    let app = TestApp::spawn().await;
    let agent = app.login("agent").await;
    let english = app
        .client
        .get(app.url("/customers/C1"))
        .header("cookie", &agent.cookie)
        .header("accept-language", "en-GB,en;q=0.9,fr;q=0.5")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        english.contains("<html lang=\"en\">") && english.contains("Purchase · Forfait 20 Go"),
        "{english}"
    );
    assert!(english.contains("1,234.56 EUR"));
    // The user's own setting wins over the browser's.
    let r = app
        .post_form(
            "/settings/language",
            Some(&agent.cookie),
            &[("csrf", &agent.csrf), ("language", "fr")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let french = app
        .client
        .get(app.url("/customers/C1"))
        .header("cookie", &agent.cookie)
        .header("accept-language", "en")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        french.contains("<html lang=\"fr\">") && french.contains("Historique, tous canaux"),
        "{french}"
    );
}

#[tokio::test]
async fn dashboard_and_exports_are_for_analysts() {
    let app = TestApp::spawn().await;
    let agent = app.login("agent").await;
    assert_eq!(app.get_as(&agent, "/dashboard").await.status(), 403);
    let refused = app.get_as(&agent, "/dashboard/export/customers.csv").await;
    assert_eq!(refused.status(), 403);
    assert!(!refused.text().await.unwrap().contains("anne@example.fr"));
    let home = app.get_as(&agent, "/").await.text().await.unwrap();
    assert!(
        !home.contains("id=\"nav-dashboard\""),
        "agents get no dashboard link"
    );

    let analyst = app.login("analyst").await;
    assert_eq!(app.get_as(&analyst, "/dashboard").await.status(), 200);
    let export = app
        .get_as(&analyst, "/dashboard/export/customers.csv")
        .await;
    assert_eq!(export.status(), 200);
    assert_eq!(export.headers()["content-type"], "text/csv; charset=utf-8");
    let csv = export.text().await.unwrap();
    assert_eq!(
        csv.lines().next(),
        Some("id,first_name,last_name,email,phone,city,status")
    );
    assert!(
        csv.contains("C1,Anne,Durand,anne@example.fr,+33612345678,Béziers,active"),
        "{csv}"
    );
    let audit = app.store.audit_log(None, 5).await.unwrap();
    assert_eq!(audit[0].action, "export_customers");
}

#[tokio::test]
async fn login_and_logout() {
    let app = TestApp::spawn().await;
    assert!(app.try_login("agent", "wrong password").await.is_none());
    let page = app.get("/").await;
    assert_eq!(page.status(), 303);
    assert_eq!(location(&page), "/login?next=/");
    let session = app.login("agent").await;
    assert!(!session.csrf.is_empty());
    let home = app.get_as(&session, "/").await.text().await.unwrap();
    assert_eq!(hidden_value(&home, "csrf"), session.csrf);
    let out = app
        .post_form("/logout", Some(&session.cookie), &[("csrf", &session.csrf)])
        .await;
    assert_eq!(out.status(), 303);
    assert_eq!(
        app.get_as(&session, "/").await.status(),
        303,
        "the session is gone"
    );
}
