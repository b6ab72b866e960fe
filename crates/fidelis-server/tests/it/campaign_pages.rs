//! Campaign impact on the analyst dashboard: a seeded campaign's response rates, uplift with its
//! interval, incremental revenue and margin, cost, return on investment and the plain-words verdict,
//! in French and in English; its CSV export for analysts, refused to agents.

use crate::harness::TestApp;
use crate::pages::import;
use fidelis_domain::Entity;

/// An imported past campaign on the web channel at 1.50 per contact: four treated members (all
/// contacted) of whom T1 and T2 bought for 100.00 (margin 40.00) in the window, four control members
/// of whom K1 bought the same. Response 50 % against 25 %: +25 points, an interval of
/// ±1.96 × √(0.5·0.5/3 + 0.25·0.75/3) = ±74.85 points, so not significant; incremental revenue
/// (50.00 − 25.00) × 4 = 100.00, margin (20.00 − 10.00) × 4 = 40.00, cost 4 × 1.50 = 6.00, return on
/// investment (40 − 6) / 6 = +567 %.
async fn seed_campaign(app: &TestApp) {
    import(
        app,
        Entity::Customers,
        "id,first_name,country\nT1,Tina,FR\nT2,Tom,FR\nT3,Theo,FR\nT4,Tess,FR\nK1,Kim,FR\nK2,Kai,FR\nK3,Kurt,FR\nK4,Kate,FR\n",
    )
    .await;
    import(
        app,
        Entity::Campaigns,
        "id,name,channel_id,start_date,cost_per_contact,control_share\nIMP1,Relance automne,WEB,2026-10-01,1.50,0.5\n",
    )
    .await;
    let mut members = String::from("campaign_id,customer_id,group,contacted_at\n");
    for t in ["T1", "T2", "T3", "T4"] {
        members.push_str(&format!("IMP1,{t},treatment,2026-10-01T09:00:00Z\n"));
    }
    for k in ["K1", "K2", "K3", "K4"] {
        members.push_str(&format!("IMP1,{k},control,\n"));
    }
    import(app, Entity::CampaignMembers, &members).await;
    import(
        app,
        Entity::Transactions,
        "id,customer_id,product_id,channel_id,time,amount,cost\n\
         S1,T1,P1,WEB,2026-10-05T10:00:00Z,100.00,60.00\n\
         S2,T2,P1,WEB,2026-10-06T10:00:00Z,100.00,60.00\n\
         S3,K1,P1,WEB,2026-10-07T10:00:00Z,100.00,60.00\n\
         S4,T3,P1,WEB,2026-12-20T10:00:00Z,100.00,60.00\n",
    )
    .await;
}

fn campaigns_section(html: &str) -> &str {
    html.split("<section id=\"campaigns\">")
        .nth(1)
        .and_then(|s| s.split("</section>").next())
        .unwrap_or("")
}

#[tokio::test]
async fn the_dashboard_shows_a_campaigns_impact_in_both_languages() {
    let app = TestApp::spawn().await;
    let analyst = app.login("analyst").await;
    let empty = app
        .get_as(&analyst, "/dashboard")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        campaigns_section(&empty).contains("Aucune campagne pour l&#39;instant."),
        "{empty}"
    );

    seed_campaign(&app).await;
    let html = app
        .get_as(&analyst, "/dashboard")
        .await
        .text()
        .await
        .unwrap();
    let section = campaigns_section(&html);
    assert!(
        section.contains("<h2>Impact des campagnes</h2>"),
        "{section}"
    );
    let numbers = "<td class=\"num\">4</td><td class=\"num\">4</td>\
        <td class=\"num\">50,00\u{a0}%</td><td class=\"num\">25,00\u{a0}%</td>\
        <td class=\"num\">+25,00</td><td class=\"num\">[-49,85 ; +99,85]</td>\
        <td class=\"num\">100,00 EUR</td><td class=\"num\">40,00 EUR</td>\
        <td class=\"num\">6,00 EUR</td><td class=\"num\">+567\u{a0}%</td>";
    assert!(
        section.contains(&format!(
            "<th scope=\"row\">Relance automne <small>(IMP1)</small></th><td>Tous canaux</td>{numbers}"
        )),
        "{section}"
    );
    // The channel line: every treated member was reached on the web.
    assert!(
        section.contains(&format!("<td></td><td>Site web</td>{numbers}")),
        "{section}"
    );
    assert!(
        section.contains(
            "Pas d&#39;effet significatif : l&#39;écart de +25,00 points peut être dû au hasard \
             (l&#39;intervalle à 95 %, de -49,85 points à +99,85 points, contient zéro)."
        ),
        "{section}"
    );
    assert!(section.contains("href=\"/dashboard/export/campaigns.csv\""));

    let english = app.get_in(&analyst, "/dashboard", "en").await;
    let section = campaigns_section(&english);
    assert!(
        section.contains(
            "<td>All channels</td><td class=\"num\">4</td><td class=\"num\">4</td>\
             <td class=\"num\">50.00%</td><td class=\"num\">25.00%</td><td class=\"num\">+25.00</td>\
             <td class=\"num\">[-49.85, +99.85]</td><td class=\"num\">100.00 EUR</td>\
             <td class=\"num\">40.00 EUR</td><td class=\"num\">6.00 EUR</td><td class=\"num\">+567%</td>"
        ),
        "{section}"
    );
    assert!(
        section.contains(
            "No significant effect: the difference of +25.00 points could be chance \
             (the 95% interval, -49.85 points to +99.85 points, includes zero)."
        ),
        "{section}"
    );
}

#[tokio::test]
async fn a_campaign_not_measurable_yet_says_so() {
    let app = TestApp::spawn().await;
    import(
        &app,
        Entity::Campaigns,
        "id,name,start_date\nNEW1,Nouvelle offre,2026-11-01\n",
    )
    .await;
    let analyst = app.login("analyst").await;
    let html = app
        .get_as(&analyst, "/dashboard")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        campaigns_section(&html).contains(
            "<td colspan=\"12\" class=\"none\">Pas encore mesurable : il faut au moins deux clients \
             dans le groupe traité et dans le groupe témoin.</td>"
        ),
        "{html}"
    );
}

#[tokio::test]
async fn campaign_impact_exports_as_csv_for_analysts_only() {
    let app = TestApp::spawn().await;
    seed_campaign(&app).await;
    let agent = app.login("agent").await;
    let refused = app.get_as(&agent, "/dashboard/export/campaigns.csv").await;
    assert_eq!(refused.status(), 403);
    let analyst = app.login("analyst").await;
    let r = app
        .get_as(&analyst, "/dashboard/export/campaigns.csv")
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.headers()["content-disposition"],
        "attachment; filename=\"campaigns.csv\""
    );
    let csv = r.text().await.unwrap();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some(
            "campaign,name,waves,channel,treated,control,response_treated,response_control,uplift,\
             uplift_ci_low,uplift_ci_high,significant,incremental_revenue,incremental_margin,\
             incremental_margin_ci_low,incremental_margin_ci_high,cost,roi,currency,verdict"
        )
    );
    let all = lines.next().unwrap();
    assert!(
        all.starts_with(
            "IMP1,Relance automne,,all,4,4,0.500000,0.250000,0.250000,-0.498474,0.998474,false,100.00,40.00,"
        ),
        "{csv}"
    );
    assert!(all.contains(",6.00,5.6667,EUR,"), "{all}");
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("IMP1,Relance automne,,web,4,4,")
    );
    let audit = app.store.audit_log(None, 1).await.unwrap();
    assert_eq!(audit[0].action, "export_campaigns");
}
