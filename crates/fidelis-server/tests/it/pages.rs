//! The agent screen and the analyst pages, in French and English.

use crate::harness::{TestApp, hidden_value, location};
use fidelis_domain::{Entity, FieldKind, Role};
use fidelis_store::import::{ImportOptions, import_file};

#[tokio::test]
async fn agent_finds_a_customer_and_opens_the_page() {
    let app = TestApp::spawn().await;
    let agent = app.login("agent").await;
    let home = app.get_as(&agent, "/").await.text().await.unwrap();
    assert!(
        home.contains("<th scope=\"row\">Clients</th><td class=\"num\">3</td>"),
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
        html.contains("<td>E-mail</td><td>Prospection commerciale</td><td>Accordé</td>"),
        "consents shown"
    );
    // The timeline, in French by default: the purchase with its amount, the complaint call.
    assert!(html.contains("Achat · Forfait 20 Go"), "{html}");
    assert!(html.contains("1\u{202f}234,56 EUR"), "{html}");
    assert!(html.contains("Contact · Réclamation"), "{html}");
    assert!(html.contains("Entrant · Résolu"), "{html}");
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
        .get_in(&agent, "/customers/C1", "en-GB,en;q=0.9,fr;q=0.5")
        .await;
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
    let french = app.get_in(&agent, "/customers/C1", "en").await;
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

/// Imports `csv` as `entity` into the app's database, every row accepted.
pub async fn import(app: &TestApp, entity: Entity, csv: &str) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(format!("{entity}.csv"));
    std::fs::write(&path, csv).unwrap();
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
    let summary = import_file(
        &app.store,
        &path,
        &ImportOptions::new(entity, today),
        &|_| {},
    )
    .await
    .unwrap();
    assert_eq!(summary.rejected, 0, "{entity}: {:?}", summary.first_rejects);
}

/// A customer with one of almost everything: every consent channel, purpose and status, every contract
/// status, every operation, direction, life event, complaint status and survey kind.
pub async fn import_rich_customer(app: &TestApp) {
    let files: &[(Entity, &str)] = &[
        (
            Entity::Customers,
            "id,first_name,last_name,gender,income_band,assets_band,status,birth_date\n\
             C4,Zoé,Lefèvre,F,very_high,medium,inactive,1980-02-03\n",
        ),
        (
            Entity::Consents,
            "customer_id,channel,purpose,status,date\n\
             C4,email,marketing,granted,2024-01-01\nC4,sms,service,withdrawn,2024-01-02\n\
             C4,phone,profiling,granted,2024-01-03\nC4,mail,partners,withdrawn,2024-01-04\n\
             C4,push,marketing,granted,2024-01-05\n",
        ),
        (
            Entity::Contracts,
            "id,customer_id,product_id,start_date,end_date,status,monthly_fee,cancelled_on\n\
             K1,C4,P1,2023-01-01,2025-01-01,active,19.99,\nK2,C4,P1,2021-01-01,2022-01-01,ended,9.99,\n\
             K3,C4,P1,2020-01-01,2021-01-01,cancelled,5,2020-06-01\n",
        ),
        (
            Entity::Transactions,
            "id,customer_id,product_id,channel_id,time,kind,amount\n\
             T41,C4,P1,WEB,2024-02-01T10:00:00Z,sale,10\nT42,C4,P1,WEB,2024-02-02T10:00:00Z,refund,10\n",
        ),
        (
            Entity::Interactions,
            "customer_id,channel_id,direction,operation,time,outcome\n\
             C4,CC,inbound,information,2024-04-01T09:00:00Z,information_given\n\
             C4,CC,inbound,appointment,2024-04-02T09:00:00Z,appointment_booked\n\
             C4,CC,outbound,simple_sale,2024-04-03T09:00:00Z,no_sale\n\
             C4,CC,outbound,complex_sale,2024-04-04T09:00:00Z,sale\n\
             C4,CC,inbound,service,2024-04-05T09:00:00Z,escalated\n\
             C4,CC,inbound,complaint,2024-04-06T09:00:00Z,complaint_logged\n\
             C4,CC,inbound,retention,2024-04-07T09:00:00Z,retention_offer_declined\n\
             C4,WEB,outbound,campaign,2024-04-08T09:00:00Z,clicked\n",
        ),
        (
            Entity::LifeEvents,
            "customer_id,kind,date\nC4,moving,2024-05-01\nC4,birth,2024-05-02\nC4,marriage,2024-05-03\n\
             C4,divorce,2024-05-04\nC4,retirement,2024-05-05\nC4,job_change,2024-05-06\n\
             C4,bereavement,2024-05-07\n",
        ),
        (
            Entity::Complaints,
            "id,customer_id,category,opened_at,status\nR1,C4,billing,2024-06-01T08:00:00Z,open\n\
             R2,C4,network,2024-06-02T08:00:00Z,answered\nR3,C4,device,2024-06-03T08:00:00Z,resolved\n\
             R4,C4,service,2024-06-04T08:00:00Z,closed\n",
        ),
        (
            Entity::Surveys,
            "customer_id,date,kind,score\nC4,2024-07-01,nps,9\nC4,2024-07-02,csat,4\nC4,2024-07-03,ces,2\n",
        ),
        (
            Entity::Campaigns,
            "id,name,channel_id,start_date\nK-AUT,Automne,WEB,2024-09-01\n",
        ),
        (
            Entity::CampaignMembers,
            "campaign_id,customer_id,group,contacted_at\nK-AUT,C4,treatment,2024-09-02T09:00:00Z\n",
        ),
    ];
    for (entity, csv) in files {
        import(app, *entity, csv).await;
    }
}

/// Every code the database stores for an enumerated field, and the other codes pages could show.
fn stored_codes() -> std::collections::HashSet<&'static str> {
    let mut codes = std::collections::HashSet::new();
    for entity in Entity::ALL {
        codes.insert(entity.name());
        for field in entity.spec().fields {
            if let FieldKind::Enum(choices) = field.kind {
                codes.extend(choices.iter().map(|c| c.value));
            }
        }
    }
    codes.extend(Role::ALL.map(Role::as_str));
    codes.extend([
        "multi_equipment",
        "loyalty",
        "retention",
        "termination",
        "low_high",
        "high_high",
        "high_low",
        "low_low",
        "life_event",
        "interaction",
        "complaint",
        "survey",
        "campaign",
        // Outcomes and categories planted above.
        "information_given",
        "appointment_booked",
        "no_sale",
        "escalated",
        "complaint_logged",
        "retention_offer_declined",
        "clicked",
        "billing",
        "network",
        "device",
    ]);
    codes
}

/// The words of every table cell and description of the page's main part: where stored values show.
fn shown_values(html: &str) -> Vec<String> {
    let main = html.split("<main>").nth(1).unwrap_or("");
    let mut words = Vec::new();
    for tag in ["<td", "<dd"] {
        for piece in main.split(tag).skip(1) {
            let content = piece.split_once('>').map(|(_, c)| c).unwrap_or("");
            let end = content.find("</").unwrap_or(content.len());
            words.extend(
                content[..end]
                    .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-'))
                    .filter(|w| !w.is_empty())
                    .map(str::to_owned),
            );
        }
    }
    words
}

#[tokio::test]
async fn french_pages_show_words_not_codes() {
    let app = TestApp::spawn().await;
    import_rich_customer(&app).await;
    let agent = app.login("agent").await;
    let html = app
        .get_as(&agent, "/customers/C4")
        .await
        .text()
        .await
        .unwrap();
    let codes = stored_codes();
    let words = shown_values(&html);
    assert!(words.len() > 100, "{words:?}");
    let leaked: Vec<&String> = words
        .iter()
        .filter(|w| codes.contains(w.as_str()))
        .collect();
    assert!(
        leaked.is_empty(),
        "codes shown as they are: {leaked:?}\n{html}"
    );
    for expected in [
        "<dd>Inactif</dd>",
        "<dd>Femme</dd>",
        "<dd>Très élevé</dd>",
        "<td>SMS</td><td>Relation client</td><td>Retiré</td>",
        "<td>Notification</td><td>Prospection commerciale</td><td>Accordé</td>",
        "Contrat · Forfait 20 Go",
        "<td>Résilié</td>",
        "Remboursement · Forfait 20 Go",
        "Contact · Vente complexe",
        "<td>Sortant · Vente</td>",
        "Événement de vie · Séparation",
        "Réclamation · Facturation",
        "<td>Ouverte</td>",
        "Enquête · CES (effort)",
        "Campagne · Automne",
        "<td>Groupe ciblé</td>",
    ] {
        assert!(html.contains(expected), "{expected}\n{html}");
    }
    // The same page in English uses the English words.
    let english = app.get_in(&agent, "/customers/C4", "en").await;
    // (English words can be codes themselves, "Simple sale", so only a few are checked.)
    for expected in [
        "<td>Outbound · Sale</td>",
        "<dd>Very high</dd>",
        "Life event · Divorce",
        "<td>Treatment group</td>",
    ] {
        assert!(english.contains(expected), "{expected}\n{english}");
    }
    // Search results and the header too.
    let results = app
        .get_as(&agent, "/customers?q=lef")
        .await
        .text()
        .await
        .unwrap();
    assert!(results.contains("<td>Inactif</td>"), "{results}");
    assert!(results.contains("(Conseiller)"), "{results}");
}

#[tokio::test]
async fn refusals_and_missing_pages_are_styled_pages_in_the_users_language() {
    let app = TestApp::spawn().await;
    let agent = app.login("agent").await;
    let refused = app.get_as(&agent, "/dashboard").await;
    assert_eq!(refused.status(), 403);
    assert_eq!(
        refused.headers()["content-type"],
        "text/html; charset=utf-8"
    );
    let html = refused.text().await.unwrap();
    assert!(
        html.contains("<html lang=\"fr\">") && html.contains("<style>"),
        "{html}"
    );
    assert!(html.contains("<h1>Accès refusé</h1>"), "{html}");
    assert!(
        html.contains("<p id=\"error\">Votre rôle ne donne pas accès à cette page.</p>"),
        "{html}"
    );
    let english = app
        .client
        .get(app.url("/dashboard/export/customers.csv"))
        .header("cookie", &agent.cookie)
        .header("accept-language", "en")
        .send()
        .await
        .unwrap();
    assert_eq!(english.status(), 403);
    assert!(
        english
            .text()
            .await
            .unwrap()
            .contains("<h1>Access denied</h1>")
    );

    let missing = app.get_as(&agent, "/customers/C404").await;
    assert_eq!(missing.status(), 404);
    let html = missing.text().await.unwrap();
    assert!(
        html.contains("<h1>Page introuvable</h1>")
            && html.contains("Aucun client n&#39;a cet identifiant."),
        "{html}"
    );
    for path in ["/nowhere", "/customers/C1/nothing"] {
        let r = app.get_as(&agent, path).await;
        assert_eq!(r.status(), 404, "{path}");
        assert!(
            r.text()
                .await
                .unwrap()
                .contains("Cette page n&#39;existe pas."),
            "{path}"
        );
    }
    // Unknown paths under the API keep JSON errors.
    let api = app.get_as(&agent, "/api/v1/nowhere").await;
    assert_eq!(api.status(), 404);
    let body: serde_json::Value = api.json().await.unwrap();
    assert_eq!(body["error"]["code"], "not_found");
    // A form sent without its token says why, in words.
    let r = app
        .post_form("/logout", Some(&agent.cookie), &[("csrf", "wrong")])
        .await;
    assert_eq!(r.status(), 403);
    assert!(r.text().await.unwrap().contains("Le formulaire a expiré"));
}

#[tokio::test]
async fn the_login_page_switches_language_before_login() {
    let app = TestApp::spawn().await;
    let get = |lang: &'static str, cookie: Option<String>, path: &'static str| {
        let mut request = app
            .client
            .get(app.url(path))
            .header("accept-language", lang);
        if let Some(c) = cookie {
            request = request.header("cookie", c);
        }
        request.send()
    };
    // The browser's language by default.
    let english = get("en-GB", None, "/login").await.unwrap();
    assert!(english.headers().get("set-cookie").is_some());
    let html = english.text().await.unwrap();
    assert!(html.contains("<html lang=\"en\">") && html.contains(">Log in</button>"));
    assert!(
        html.contains("id=\"login-language\" href=\"/login?lang=fr&#38;next=/\""),
        "{html}"
    );
    // The switch picks French for this browser, remembered in a cookie.
    let picked = get("en-GB", None, "/login?lang=fr&next=/customers/C1")
        .await
        .unwrap();
    let cookie = picked
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("fidelis_lang="))
        .expect("a language cookie")
        .to_owned();
    assert!(cookie.starts_with("fidelis_lang=fr;") && cookie.contains("SameSite=Strict"));
    let html = picked.text().await.unwrap();
    assert!(html.contains("<html lang=\"fr\">") && html.contains(">Se connecter</button>"));
    assert!(hidden_value(&html, "next") == "/customers/C1", "{html}");
    let again = get("en-GB", Some("fidelis_lang=fr".into()), "/login")
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(again.contains("<html lang=\"fr\">"));
    // A logged-in user without a setting of their own keeps the language picked at login.
    let agent = app.login("agent").await;
    let page = app
        .client
        .get(app.url("/customers/C1"))
        .header("cookie", format!("{}; fidelis_lang=en", agent.cookie))
        .header("accept-language", "fr")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("<html lang=\"en\">"), "{page}");
}

/// The numbers of the page links of a result page, and its previous / next links.
fn page_nav(html: &str) -> (Vec<String>, bool, bool) {
    let nav = html
        .split("<nav class=\"pages\"")
        .nth(1)
        .and_then(|n| n.split("</nav>").next())
        .unwrap_or("");
    let numbers = nav
        .split("class=\"page\" href=\"")
        .skip(1)
        .map(|l| l.split('"').next().unwrap_or("").to_owned())
        .collect();
    (
        numbers,
        nav.contains("id=\"page-prev\""),
        nav.contains("id=\"page-next\""),
    )
}

#[tokio::test]
async fn search_results_come_in_pages() {
    let app = TestApp::spawn().await;
    let mut csv = String::from("id,first_name,last_name\n");
    for i in 1..=120 {
        csv.push_str(&format!("P{i:03},Jean,Petit\n"));
    }
    import(&app, Entity::Customers, &csv).await;
    let agent = app.login("agent").await;
    let ids = |html: &str| -> Vec<String> {
        html.match_indices("<a href=\"/customers/")
            .map(|(i, _)| html[i + 20..i + 24].to_owned())
            .collect()
    };
    let first = app
        .get_as(&agent, "/customers?q=petit")
        .await
        .text()
        .await
        .unwrap();
    let shown = ids(&first);
    assert_eq!(shown.len(), 50);
    assert_eq!((shown[0].as_str(), shown[49].as_str()), ("P001", "P050"));
    assert_eq!(
        page_nav(&first),
        (
            vec!["/customers?q=petit&#38;page=2".to_owned()],
            false,
            true
        )
    );
    assert!(first.contains("<strong aria-current=\"page\">1</strong>"));

    let second = app
        .get_as(&agent, "/customers?q=petit&page=2")
        .await
        .text()
        .await
        .unwrap();
    let shown = ids(&second);
    assert_eq!((shown.len(), shown[0].as_str()), (50, "P051"));
    let (links, prev, next) = page_nav(&second);
    assert_eq!(links.len(), 2, "{links:?}");
    assert!(prev && next);

    let last = app
        .get_as(&agent, "/customers?q=petit&page=3")
        .await
        .text()
        .await
        .unwrap();
    let shown = ids(&last);
    assert_eq!((shown.len(), shown[19].as_str()), (20, "P120"));
    let (links, prev, next) = page_nav(&last);
    assert_eq!(links.len(), 2, "{links:?}");
    assert!(prev && !next);
    assert!(
        ids(&app
            .get_as(&agent, "/customers?q=petit&page=4")
            .await
            .text()
            .await
            .unwrap())
        .is_empty()
    );
    // A page that is not a number, or not positive, is the first.
    for bad in ["abc", "0", "-3", ""] {
        let html = app
            .get_as(&agent, &format!("/customers?q=petit&page={bad}"))
            .await
            .text()
            .await
            .unwrap();
        assert_eq!(ids(&html)[0], "P001", "page={bad}");
    }
    // Few results: no page links.
    let few = app
        .get_as(&agent, "/customers?q=dur")
        .await
        .text()
        .await
        .unwrap();
    assert!(!few.contains("<nav class=\"pages\""));
}

#[tokio::test]
async fn the_timeline_shows_older_events_on_demand() {
    let app = TestApp::spawn().await;
    let mut csv = String::from("customer_id,channel_id,direction,operation,time\n");
    for day in 0..205 {
        let date = chrono::NaiveDate::from_ymd_opt(2024, 1, 1).unwrap() + chrono::Days::new(day);
        csv.push_str(&format!("C3,WEB,inbound,information,{date}T10:00:00Z\n"));
    }
    import(&app, Entity::Interactions, &csv).await;
    let agent = app.login("agent").await;
    let rows = |html: &str| html.matches("<tr class=\"kind-").count();
    let page = app
        .get_as(&agent, "/customers/C3")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(rows(&page), 200);
    assert!(page.contains("2024-07-23 10:00"), "the newest first");
    assert!(!page.contains("2024-01-01 10:00"));
    assert!(
        page.contains("<a id=\"timeline-more\" href=\"?events=400#timeline\">"),
        "{page}"
    );
    let more = app
        .get_as(&agent, "/customers/C3?events=400")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(rows(&more), 205);
    assert!(more.contains("2024-01-01 10:00"));
    assert!(!more.contains("id=\"timeline-more\""));
    let bad = app
        .get_as(&agent, "/customers/C3?events=lots")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(rows(&bad), 200);
}

/// A reason of a departure score: feature, text, contribution.
pub type Reason<'a> = (&'a str, &'a str, f64);

/// Registers an active departure model (with ROC and lift points in its metrics) and scores customers
/// with it: (external id, risk, reasons).
pub async fn score_customers(app: &TestApp, scores: &[(&str, f64, &[Reason<'_>])]) {
    use fidelis_store::{ModelKind, NewModel, ScoreReason, ScoreRow};
    let day = chrono::NaiveDate::from_ymd_opt(2026, 11, 1).unwrap();
    let version = app
        .store
        .save_model(&NewModel {
            kind: ModelKind::Churn,
            created_at: chrono::Utc::now(),
            as_of: day,
            horizon_days: Some(90),
            snapshots: vec![day],
            params: serde_json::json!({}),
            feature_names: vec!["calls_trend".into()],
            metrics: serde_json::json!({
                "gbdt": { "auc": 0.8126 },
                "roc": [[0.0, 0.0], [0.2, 0.6], [1.0, 1.0]],
                "lift_curve": [
                    { "fraction": 0.1, "lift": 3.2, "capture": 0.32 },
                    { "fraction": 0.5, "lift": 1.6, "capture": 0.8 },
                    { "fraction": 1.0, "lift": 1.0, "capture": 1.0 }
                ],
            }),
            model_json: "{}".into(),
            activate: true,
        })
        .await
        .unwrap();
    let keys: std::collections::HashMap<String, i64> = app
        .store
        .customer_keys()
        .await
        .unwrap()
        .into_iter()
        .map(|(id, external)| (external, id))
        .collect();
    let rows: Vec<ScoreRow> = scores
        .iter()
        .map(|(customer, risk, reasons)| ScoreRow {
            customer: keys[*customer],
            risk: *risk,
            reasons: reasons
                .iter()
                .map(|(feature, text, contribution)| ScoreReason {
                    feature: (*feature).into(),
                    text: (*text).into(),
                    contribution: *contribution,
                })
                .collect(),
        })
        .collect();
    app.store
        .save_churn_scores(version, day, &rows)
        .await
        .unwrap();
}

#[tokio::test]
async fn the_dashboard_shows_costs_complaints_and_risk_as_the_data_comes() {
    let app = TestApp::spawn().await;
    import(
        &app,
        Entity::Complaints,
        "id,customer_id,category,opened_at,first_response_at,resolved_at,compensation\n\
         R1,C1,billing,2024-03-01T10:00:00Z,2024-03-04T09:00:00Z,2024-03-20T10:00:00Z,10\n\
         R2,C1,billing,2024-03-01T10:00:00Z,2024-03-13T10:00:00Z,2024-03-15T10:00:00Z,0\n",
    )
    .await;
    let analyst = app.login("analyst").await;
    let html = app
        .get_as(&analyst, "/dashboard")
        .await
        .text()
        .await
        .unwrap();
    // Channel costs: the fixture's one call-centre contact at 4.00; the web has none.
    assert!(
        html.contains("<th scope=\"row\">Centre d&#39;appels</th><td>Centre d&#39;appels</td><td class=\"num\">1</td><td class=\"num\">4,00 EUR</td><td class=\"num\">4,00 EUR</td>"),
        "{html}"
    );
    assert!(html.contains(
        "<td class=\"num\">0</td><td class=\"num\">—</td><td class=\"num\">0,00 EUR</td>"
    ));
    // Complaints: answered in 3 and 12 days (one beyond the 8-day norm), resolved in 19 and 14 days.
    assert!(
        html.contains("<th scope=\"row\">Facturation</th><td class=\"num\">2</td><td class=\"num\">7,5 j</td><td class=\"num\">50,0\u{a0}%</td><td class=\"num\">16,5 j</td><td class=\"num\">0,0\u{a0}%</td><td class=\"num\">10,00 EUR</td>"),
        "{html}"
    );
    // No model yet, no segmentation, no value refresh: said so, in French.
    assert!(
        html.contains("id=\"no-model\">Pas encore de modèle de départ"),
        "{html}"
    );
    assert!(!html.contains("id=\"roc\""));
    assert!(html.contains("Pas encore de segmentation"));

    // A segment refresh: sizes per segmentation, names in words.
    let keys: std::collections::HashMap<String, i64> = app
        .store
        .customer_keys()
        .await
        .unwrap()
        .into_iter()
        .map(|(id, external)| (external, id))
        .collect();
    let member = |seg: &str, segment: &str, customer: &str| {
        (seg.to_owned(), segment.to_owned(), keys[customer])
    };
    app.store
        .save_segment_run(&fidelis_store::segments::NewSegmentRun {
            as_of: chrono::NaiveDate::from_ymd_opt(2026, 11, 1).unwrap(),
            created_at: chrono::Utc::now(),
            customers: 3,
            members: vec![
                member("rfm", "champions", "C1"),
                member("rfm", "hibernating", "C2"),
                member("rfm", "hibernating", "C3"),
                member("value", "not_valued", "C1"),
            ],
            ..Default::default()
        })
        .await
        .unwrap();
    score_customers(
        &app,
        &[("C1", 0.83, &[]), ("C2", 0.15, &[]), ("C3", 0.12, &[])],
    )
    .await;
    let html = app
        .get_as(&analyst, "/dashboard")
        .await
        .text()
        .await
        .unwrap();
    assert!(!html.contains("id=\"no-model\""));
    let segments = section(&html, "segments");
    assert!(
        segments.contains("<td>RFM</td><th scope=\"row\">En sommeil</th><td class=\"num\">2</td>"),
        "{segments}"
    );
    assert!(segments.contains("<td>Stratégie de valeur</td><th scope=\"row\">Non valorisé</th>"));
    assert!(html.contains("AUC 0,813"), "{html}");
    let histogram = html
        .split("<figure id=\"risk-histogram\">")
        .nth(1)
        .and_then(|f| f.split("</figure>").next())
        .unwrap();
    assert_eq!(
        histogram.matches("<rect class=\"bar\"").count(),
        10,
        "{histogram}"
    );
    // Two customers in 10–20 %: the tallest bar, full height; one in 80–90 %, half.
    assert!(histogram.contains("height=\"324.0\"") && histogram.contains("height=\"162.0\""));
    assert!(
        html.contains("<td>10,0\u{a0}% – 20,0\u{a0}%</td><td class=\"num\">2</td>"),
        "{html}"
    );
    let roc = html.split("<figure id=\"roc\">").nth(1).unwrap();
    assert!(
        roc.contains("<polyline points=\"48.0,372.0 156.8,177.6 592.0,48.0\""),
        "{roc}"
    );
    let lift = html.split("<figure id=\"lift\">").nth(1).unwrap();
    assert!(lift.contains("<polyline points=\""), "{lift}");

    // The English dashboard.
    let english = app.get_in(&analyst, "/dashboard", "en").await;
    assert!(
        english.contains("Complaints against service norms")
            && english.contains("<th scope=\"row\">Billing</th>")
    );
}

#[tokio::test]
async fn every_dashboard_table_exports_as_csv_for_analysts_only() {
    let app = TestApp::spawn().await;
    score_customers(&app, &[("C1", 0.83, &[])]).await;
    let analyst = app.login("analyst").await;
    let agent = app.login("agent").await;
    let html = app
        .get_as(&analyst, "/dashboard")
        .await
        .text()
        .await
        .unwrap();
    for (file, header) in [
        (
            "customers",
            "id,first_name,last_name,email,phone,city,status",
        ),
        (
            "strategies",
            "strategy,quadrant,customers,revenue,gross_margin,cost_to_serve,net,clv",
        ),
        (
            "segments",
            "run,as_of,segmentation,segment,customers,net,clv",
        ),
        ("risk", "risk_from,risk_to,customers"),
        (
            "channels",
            "channel,name,kind,contacts,total_cost,cost_per_contact,currency",
        ),
        (
            "channel_operations",
            "channel_kind,operation,contacts,cost,cost_per_contact,conversions,conversion_rate",
        ),
        (
            "complaints",
            "category,complaints,answered,mean_response_days,response_norm_days,response_breaches,resolved,mean_resolution_days,resolution_norm_days,resolution_breaches,compensation,currency",
        ),
    ] {
        let path = format!("/dashboard/export/{file}.csv");
        let refused = app.get_as(&agent, &path).await;
        assert_eq!(refused.status(), 403, "{path}");
        let r = app.get_as(&analyst, &path).await;
        assert_eq!(r.status(), 200, "{path}");
        assert_eq!(
            r.headers()["content-disposition"],
            format!("attachment; filename=\"{file}.csv\"").as_str()
        );
        let csv = r.text().await.unwrap();
        assert_eq!(csv.lines().next(), Some(header), "{path}");
        if ["customers", "risk", "channels"].contains(&file) {
            assert!(html.contains(&format!("href=\"{path}\"")), "{path} linked");
        }
        let audit = app.store.audit_log(None, 1).await.unwrap();
        assert_eq!(audit[0].action, format!("export_{file}"));
    }
    let channels = app
        .get_as(&analyst, "/dashboard/export/channels.csv")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        channels.contains("CC,Centre d'appels,call_centre,1,4.00,4.00,EUR"),
        "{channels}"
    );
    let risk = app
        .get_as(&analyst, "/dashboard/export/risk.csv")
        .await
        .text()
        .await
        .unwrap();
    assert!(risk.contains("0.80,0.90,1"), "{risk}");
    assert_eq!(
        app.get_as(&analyst, "/dashboard/export/passwords.csv")
            .await
            .status(),
        404
    );
}

/// Values every customer as of `as_of` as `fidelis refresh` does, cutting the matrix at zero.
pub async fn refresh_value(app: &TestApp, as_of: chrono::NaiveDate) {
    use fidelis_analytics::{CutOff, ValueOptions, assess_value};
    let day = (as_of - chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap()).num_days() as i32;
    let inputs = app.store.value_inputs(as_of).await.unwrap();
    let options = ValueOptions {
        profitability_cut: CutOff::Amount(0),
        potential_cut: CutOff::Amount(0),
        ..ValueOptions::new(day)
    };
    let assessment = assess_value(&inputs.history, &options).unwrap();
    let info = fidelis_store::value::RefreshRunInfo {
        as_of,
        started_at: chrono::Utc::now(),
        finished_at: chrono::Utc::now(),
        currency: "EUR".into(),
        purchase_model: "bgnbd".into(),
        horizon_months: options.horizon_months,
        annual_discount_rate: options.annual_discount_rate,
        complaint_handling_cost_minor: options.pnl.complaint_handling_cost,
    };
    app.store.save_value_run(&info, &assessment).await.unwrap();
}

/// The text of the element with `id` (its first `>` to the next `</section>`).
fn section<'h>(html: &'h str, id: &str) -> &'h str {
    html.split(&format!("id=\"{id}\""))
        .nth(1)
        .and_then(|s| s.split("</section>").next())
        .unwrap_or("")
}

#[tokio::test]
async fn the_agent_screen_shows_risk_reasons_actions_and_routing() {
    let app = TestApp::spawn().await;
    import(
        &app,
        Entity::Customers,
        "id,first_name,last_name,assets_band\nC6,Hugo,Riche,very_high\n",
    )
    .await;
    let agent = app.login("agent").await;
    let before = app
        .get_as(&agent, "/customers/C1")
        .await
        .text()
        .await
        .unwrap();
    for absent in [
        "id=\"departure-risk\"",
        "id=\"next-actions\"",
        "id=\"alert-banner\"",
        "id=\"routing-advice\"",
    ] {
        assert!(
            !before.contains(absent),
            "{absent} before any score or refresh"
        );
    }
    assert!(
        before.contains("<option value=\"complex_sale\">Vente complexe</option>"),
        "{before}"
    );

    score_customers(
        &app,
        &[
            (
                "C1",
                0.83,
                &[
                    (
                        "calls_trend",
                        "Appels en baisse de 60 % en trois mois",
                        0.41,
                    ),
                    ("complaints_90d", "Deux réclamations en 90 jours", 0.22),
                ],
            ),
            ("C2", 0.1, &[]),
        ],
    )
    .await;
    refresh_value(&app, chrono::NaiveDate::from_ymd_opt(2024, 12, 31).unwrap()).await;
    let page = app
        .get_as(&agent, "/customers/C1")
        .await
        .text()
        .await
        .unwrap();
    let risk = section(&page, "departure-risk");
    assert!(
        page.contains("<section id=\"departure-risk\" class=\"at-risk\">"),
        "{page}"
    );
    assert!(
        risk.contains("<strong id=\"risk-value\">83\u{a0}%</strong>")
            && risk.contains("Risque élevé"),
        "{risk}"
    );
    assert!(
        risk.contains("<li>Appels en baisse de 60 % en trois mois</li>\n<li>Deux réclamations en 90 jours</li>"),
        "{risk}"
    );
    // The next best actions follow the value strategy.
    let strategy = section(&page, "value")
        .split("id=\"strategy\">")
        .nth(1)
        .and_then(|s| s.split(" (").next())
        .unwrap()
        .to_owned();
    let expected = match strategy.as_str() {
        "Multi-équipement" => "Proposer un produit complémentaire",
        "Fidélisation" => "Remercier le client de sa fidélité",
        "Rétention" => "Sécuriser le renouvellement",
        "Résiliation" => "Orienter vers les canaux les moins coûteux",
        other => panic!("strategy {other:?}"),
    };
    let actions = section(&page, "next-actions");
    assert!(
        actions.contains(&format!("<li>{expected}")),
        "{strategy}: {actions}"
    );
    assert_eq!(actions.matches("<li>").count(), 3);

    let low = app
        .get_as(&agent, "/customers/C2")
        .await
        .text()
        .await
        .unwrap();
    assert!(section(&low, "departure-risk").contains("10\u{a0}%"));
    assert!(!low.contains("Risque élevé") && !low.contains("class=\"at-risk\""));
    assert!(
        !app.get_as(&agent, "/customers/C3")
            .await
            .text()
            .await
            .unwrap()
            .contains("id=\"departure-risk\"")
    );

    // Routing: a wealthy customer's complex sale goes to an adviser, else a store (routing.toml).
    let routed = app
        .get_as(&agent, "/customers/C6?operation=complex_sale")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        routed.contains("<p id=\"routing-advice\">À confier à : <strong>Conseiller</strong> · sinon Magasin, agence</p>"),
        "{routed}"
    );
    assert!(routed.contains("<option value=\"complex_sale\" selected>"));
    assert!(routed.contains("Segment de routage : wealthy"));
    let unknown = app
        .get_as(&agent, "/customers/C6?operation=teleportation")
        .await;
    assert_eq!(unknown.status(), 200);
    assert!(
        !unknown
            .text()
            .await
            .unwrap()
            .contains("id=\"routing-advice\"")
    );
}

#[tokio::test]
async fn the_agent_screen_shows_what_the_rules_and_campaigns_have_planned() {
    use fidelis_store::outbox::{NewMessage, SourceKind};
    let app = TestApp::spawn().await;
    let now = chrono::Utc::now();
    let message = |key: &str, channel: &str, source: &str, payload| NewMessage {
        key: key.into(),
        customer: "C1".into(),
        channel: channel.into(),
        purpose: "marketing".into(),
        payload,
        source_kind: SourceKind::Rule,
        source: source.into(),
        send_at: now,
        created_at: now,
    };
    let alert = serde_json::json!({
        "action": {"kind": "alert", "message": "Départ probable (appels en baisse): proposer l'offre fidélité"},
    });
    app.store
        .enqueue(&message(
            "C1/at_risk_alert/x",
            "alert",
            "at_risk_alert",
            alert,
        ))
        .await
        .unwrap();
    let call = serde_json::json!({"action": {"kind": "call_task", "script": "retention_offer"}});
    app.store
        .enqueue(&message(
            "C1/renewal_call/x",
            "telesales",
            "renewal_call",
            call,
        ))
        .await
        .unwrap();
    // Done or withdrawn actions are not shown.
    let sms = serde_json::json!({"action": {"kind": "message", "text": "Bon anniversaire"}});
    let gone = app
        .store
        .enqueue(&message("C1/birthday/x", "sms", "birthday", sms))
        .await
        .unwrap();
    assert!(app.store.cancel_message(gone.id).await.unwrap());

    let agent = app.login("agent").await;
    let page = app
        .get_as(&agent, "/customers/C1")
        .await
        .text()
        .await
        .unwrap();
    let planned = section(&page, "planned-actions");
    assert!(
        planned.contains("<tr class=\"planned-alert\"><th scope=\"row\">Alerte à dire</th><td>Départ probable (appels en baisse): proposer l&#39;offre fidélité</td><td>Écran conseiller</td>"),
        "{planned}"
    );
    assert!(planned.contains("Règle at_risk_alert"), "{planned}");
    assert!(
        planned.contains("Appel à passer</th><td>retention_offer</td><td>Télévente</td>"),
        "{planned}"
    );
    assert!(!planned.contains("anniversaire"), "{planned}");

    let english = app.get_in(&agent, "/customers/C1", "en").await;
    let planned = section(&english, "planned-actions");
    assert!(
        planned.contains("Alert to voice") && planned.contains("Agent screen"),
        "{planned}"
    );
    assert!(planned.contains("Call to make") && planned.contains("Rule renewal_call"));
    // A customer with nothing planned has no such section.
    let other = app
        .get_as(&agent, "/customers/C2")
        .await
        .text()
        .await
        .unwrap();
    assert!(!other.contains("id=\"planned-actions\""));
}
