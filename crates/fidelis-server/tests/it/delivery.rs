//! Delivery against real channels: a real SMTP server (Python's aiosmtpd, `smtp_sink.py`) that
//! drops the connection mid-send or refuses a recipient, a local HTTP receiver that answers 500
//! then 200 and checks the HMAC signature, a worker that dies holding a lease; each message arrives
//! exactly once. Then a campaign end to end: assignment, queueing under the policy (control never
//! queued, refusals recorded), telesales call list, direct-mail file, opt-out, report.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};

use crate::harness::TestApp;
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use fidelis_domain::Entity;
use fidelis_server::delivery::webhook::{WebhookConfig, signature};
use fidelis_server::delivery::{self, DeliveryConfig, smtp::SmtpConfig};
use fidelis_store::Store;
use fidelis_store::campaigns::{CampaignPlan, CampaignStatus};
use fidelis_store::import::{ImportOptions, import_file};
use fidelis_store::outbox::{NewMessage, OutboxState, SourceKind};

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 10, 0, 0).unwrap()
}

struct Db {
    store: Store,
    _dir: tempfile::TempDir,
}

impl Db {
    fn path(&self) -> &Path {
        self._dir.path()
    }
}

async fn db() -> Db {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&format!("sqlite://{}", dir.path().join("t.db").display()))
        .await
        .unwrap();
    Db { store, _dir: dir }
}

async fn import(store: &Store, entity: Entity, text: &str) {
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

const CUSTOMERS: &str = "id,first_name,last_name,email,phone,address,postcode,city,country,status\n\
    C1,Anne,Martin,anne@example.org,+33612345678,1 rue de la Paix,75002,Paris,FR,active\n\
    C2,Bob,Stone,bob@example.org,+447700900123,2 High Street,SW1A 1AA,London,GB,active\n\
    C3,Carl,Bounce,bounce@example.org,,,,,FR,active\n\
    C4,Dora,Nophone,dora@example.org,,3 rue Verte,69001,Lyon,FR,active\n\
    C5,Eve,Five,eve@example.org,+33600000005,5 quai Sud,13001,Marseille,FR,active\n";

fn email(key: &str, customer: &str) -> NewMessage {
    NewMessage {
        key: key.into(),
        customer: customer.into(),
        channel: "email".into(),
        purpose: "marketing".into(),
        payload: serde_json::json!({
            "template": {
                "fr": {"subject": "Bonjour {first_name}", "body": "Votre offre : {offer}"},
                "en": {"subject": "Hello {first_name}", "body": "Your offer: {offer}"}
            },
            "fields": {"offer": "-20 %"}
        }),
        source_kind: SourceKind::Campaign,
        source: "WINTER".into(),
        send_at: t0(),
        created_at: t0(),
    }
}

/// The aiosmtpd server, stopped when dropped.
struct SmtpSink {
    child: Child,
    port: u16,
    out: PathBuf,
}

impl SmtpSink {
    fn start(dir: &Path, drop_first: bool) -> SmtpSink {
        let out = dir.join(format!("mail-{drop_first}.jsonl"));
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/it/smtp_sink.py");
        let mut command = Command::new("python3");
        command.arg(script).arg("--out").arg(&out);
        if drop_first {
            command.arg("--drop-first");
        }
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 with aiosmtpd (pip install aiosmtpd; .ci/run installs it)");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line
            .trim()
            .strip_prefix("READY ")
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| {
                panic!("the SMTP sink did not start: {line:?} (is aiosmtpd installed?)")
            });
        SmtpSink { child, port, out }
    }

    fn config(&self) -> SmtpConfig {
        SmtpConfig {
            host: "127.0.0.1".into(),
            port: self.port,
            from: "Fidelis <crm@fidelis.test>".into(),
            timeout: std::time::Duration::from_secs(10),
            message_id_domain: "fidelis.test".into(),
        }
    }

    fn received(&self) -> Vec<serde_json::Value> {
        std::fs::read_to_string(&self.out)
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        if let Some(mut stdin) = self.child.stdin.take() {
            let _ = stdin.write_all(b"");
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn smtp_only(sink: &SmtpSink) -> DeliveryConfig {
    DeliveryConfig {
        smtp: Some(sink.config()),
        ..Default::default()
    }
}

/// Message-IDs received, each with how many times.
fn counts(received: &[serde_json::Value]) -> HashMap<String, usize> {
    let mut m = HashMap::new();
    for r in received {
        *m.entry(r["message_id"].as_str().unwrap().to_owned())
            .or_default() += 1;
    }
    m
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn smtp_connection_dropped_mid_send_delivers_each_message_once() {
    let db = db().await;
    import(&db.store, Entity::Customers, CUSTOMERS).await;
    for c in ["C1", "C2", "C3"] {
        db.store
            .enqueue(&email(&format!("WINTER/{c}"), c))
            .await
            .unwrap();
    }
    let sink = SmtpSink::start(db.path(), true);
    let config = smtp_only(&sink);

    let first = delivery::deliver_due(&db.store, &config, t0())
        .await
        .unwrap();
    assert_eq!(
        (first.claimed, first.sent, first.retried, first.failed),
        (3, 0, 2, 1),
        "{first:?}"
    );
    assert!(
        sink.received().is_empty(),
        "the sink dropped every first attempt"
    );
    let second = delivery::deliver_due(&db.store, &config, t0() + Duration::seconds(31))
        .await
        .unwrap();
    assert_eq!((second.claimed, second.sent), (2, 2), "{second:?}");
    let third = delivery::deliver_due(&db.store, &config, t0() + Duration::hours(1))
        .await
        .unwrap();
    assert_eq!(third.claimed, 0);

    let received = sink.received();
    let per_id = counts(&received);
    assert_eq!(per_id.len(), 2);
    assert!(per_id.values().all(|&n| n == 1), "{per_id:?}");
    let subjects: Vec<&str> = received
        .iter()
        .map(|r| r["subject"].as_str().unwrap())
        .collect();
    assert!(
        subjects.contains(&"Bonjour Anne") && subjects.contains(&"Hello Bob"),
        "{subjects:?}"
    );
    assert!(
        received
            .iter()
            .any(|r| r["body"].as_str().unwrap().contains("Votre offre : -20 %"))
    );

    let messages = db
        .store
        .outbox_messages_of(SourceKind::Campaign, "WINTER")
        .await
        .unwrap();
    let states: Vec<(&str, OutboxState, i64)> = messages
        .iter()
        .map(|m| (m.customer.as_str(), m.state, m.attempts))
        .collect();
    assert_eq!(
        states,
        vec![
            ("C1", OutboxState::Sent, 2),
            ("C2", OutboxState::Sent, 2),
            ("C3", OutboxState::Failed, 1)
        ]
    );
    let sent_id = messages[0].provider_message_id.clone().unwrap();
    assert!(
        per_id.contains_key(&sent_id),
        "the Message-ID is the stored provider id"
    );
    let bounces = db
        .store
        .suppressions_of(SourceKind::Campaign, "WINTER")
        .await
        .unwrap();
    assert_eq!(
        bounces
            .iter()
            .map(|s| (s.customer.as_str(), s.reason.as_str()))
            .collect::<Vec<_>>(),
        vec![("C3", "bounce")]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_killed_mid_run_is_resumed_without_duplicates() {
    let db = db().await;
    import(&db.store, Entity::Customers, CUSTOMERS).await;
    for c in ["C1", "C2", "C4", "C5"] {
        db.store
            .enqueue(&email(&format!("WINTER/{c}"), c))
            .await
            .unwrap();
    }
    let sink = SmtpSink::start(db.path(), false);
    let config = smtp_only(&sink);
    // Worker A claims two messages under a 5-minute lease and dies before sending them.
    let held = db
        .store
        .claim_due_on("email", t0(), 2, Duration::minutes(5))
        .await
        .unwrap();
    assert_eq!(held.len(), 2);
    // Worker B, a minute later, sends only what A does not hold…
    let b = delivery::deliver_due(&db.store, &config, t0() + Duration::minutes(1))
        .await
        .unwrap();
    assert_eq!(b.sent, 2);
    // …and after the lease, A's messages.
    let later = delivery::deliver_due(&db.store, &config, t0() + Duration::minutes(6))
        .await
        .unwrap();
    assert_eq!(later.sent, 2);
    assert_eq!(
        delivery::deliver_due(&db.store, &config, t0() + Duration::hours(2))
            .await
            .unwrap()
            .claimed,
        0
    );
    let per_id = counts(&sink.received());
    assert_eq!(per_id.len(), 4);
    assert!(per_id.values().all(|&n| n == 1), "{per_id:?}");
    for m in held {
        let m = db.store.outbox_message(m.id).await.unwrap().unwrap();
        assert_eq!((m.state, m.attempts), (OutboxState::Sent, 2));
    }
}

#[derive(Default)]
struct Receiver {
    /// Requests seen per idempotency key.
    seen: HashMap<String, u32>,
    /// Keys answered 200, in order.
    accepted: Vec<String>,
    bad_signatures: u32,
}

async fn start_receiver(secret: &'static str) -> (String, Arc<Mutex<Receiver>>) {
    use axum::http::{HeaderMap, StatusCode};
    let state = Arc::new(Mutex::new(Receiver::default()));
    let shared = state.clone();
    let app = axum::Router::new().route(
        "/sms",
        axum::routing::post(move |headers: HeaderMap, body: axum::body::Bytes| {
            let state = shared.clone();
            async move {
                let key = headers
                    .get("idempotency-key")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("")
                    .to_owned();
                let sig = headers
                    .get("x-fidelis-signature")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("");
                let t: i64 = sig
                    .strip_prefix("t=")
                    .and_then(|s| s.split(',').next())
                    .and_then(|s| s.parse().ok())
                    .unwrap_or(0);
                let mut s = state.lock().unwrap();
                if signature(secret, t, &body) != sig {
                    s.bad_signatures += 1;
                    return (StatusCode::UNAUTHORIZED, String::new());
                }
                let n = s.seen.entry(key.clone()).or_default();
                *n += 1;
                if *n == 1 {
                    return (StatusCode::INTERNAL_SERVER_ERROR, String::new());
                }
                s.accepted.push(key.clone());
                (StatusCode::OK, format!("{{\"id\": \"prov-{key}\"}}"))
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/sms", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, state)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signed_webhook_answering_500_then_200_is_delivered_once() {
    let db = db().await;
    import(&db.store, Entity::Customers, CUSTOMERS).await;
    for c in ["C1", "C2", "C4"] {
        let mut m = email(&format!("SMS/{c}"), c);
        m.channel = "sms".into();
        db.store.enqueue(&m).await.unwrap();
    }
    let (url, receiver) = start_receiver("s3cret").await;
    let config = DeliveryConfig {
        sms: Some(WebhookConfig {
            url,
            secret: "s3cret".into(),
            timeout: std::time::Duration::from_secs(10),
        }),
        ..Default::default()
    };
    let first = delivery::deliver_due(&db.store, &config, t0())
        .await
        .unwrap();
    assert_eq!(
        (first.retried, first.suppressed),
        (2, 1),
        "C4 has no phone: {first:?}"
    );
    let early = delivery::deliver_due(&db.store, &config, t0() + Duration::seconds(10))
        .await
        .unwrap();
    assert_eq!(early.claimed, 0, "back-off: not before 30 s");
    let second = delivery::deliver_due(&db.store, &config, t0() + Duration::seconds(30))
        .await
        .unwrap();
    assert_eq!(second.sent, 2);
    assert_eq!(
        delivery::deliver_due(&db.store, &config, t0() + Duration::hours(1))
            .await
            .unwrap()
            .claimed,
        0
    );
    let (mut accepted, bad_signatures) = {
        let r = receiver.lock().unwrap();
        (r.accepted.clone(), r.bad_signatures)
    };
    accepted.sort();
    assert_eq!(accepted, vec!["SMS/C1", "SMS/C2"]);
    assert_eq!(bad_signatures, 0);
    let sent = db
        .store
        .outbox_messages_of(SourceKind::Campaign, "WINTER")
        .await
        .unwrap();
    let ids: Vec<Option<&str>> = sent
        .iter()
        .map(|m| m.provider_message_id.as_deref())
        .collect();
    assert_eq!(ids, vec![Some("prov-SMS/C1"), Some("prov-SMS/C2"), None]);
    assert_eq!(sent[2].state, OutboxState::Suppressed);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn campaign_assign_queue_call_list_direct_mail_opt_out_and_report() {
    let db = db().await;
    let store = &db.store;
    import(store, Entity::Customers, CUSTOMERS).await;
    // C2 withdrew e-mail marketing: the policy passes to the next channel, telesales.
    import(
        store,
        Entity::Consents,
        "customer_id,channel,purpose,status,date\nC2,email,marketing,withdrawn,2026-01-01\n",
    )
    .await;
    let mut extra =
        String::from("id,first_name,last_name,email,address,postcode,city,country,status\n");
    for i in 0..40 {
        extra.push_str(&format!(
            "M{i:02},Max,Mail{i},,{i} avenue Foch,7500{},Paris,FR,active\n",
            i % 10
        ));
    }
    import(store, Entity::Customers, &extra).await;
    let plan = CampaignPlan {
        id: "WINTER".into(),
        name: "Winter offer".into(),
        objective: Some("sell the winter bundle".into()),
        target: Some("profile.status == \"active\"".into()),
        exclusions: vec!["profile.city == \"Marseille\"".into()],
        offer: Some("-20 %".into()),
        offer_product: None,
        channels: vec!["email".into(), "telesales".into(), "mail".into()],
        start_date: NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(),
        end_date: Some(NaiveDate::from_ymd_opt(2026, 12, 31).unwrap()),
        budget_minor: Some(10_000),
        cost_per_contact_minor: 50,
        currency: "EUR".into(),
        control_share: 0.25,
        status: CampaignStatus::Draft,
        seed: 3,
        response_window_days: 30,
        template: serde_json::json!({}),
    };
    store.create_campaign(&plan).await.unwrap();
    let as_of = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
    let assigned = delivery::campaign::assign(store, "WINTER", as_of)
        .await
        .unwrap();
    assert_eq!(
        (
            assigned.targeted,
            assigned.excluded,
            assigned.control,
            assigned.treatment
        ),
        (44, 1, 11, 33)
    );
    assert!(
        delivery::campaign::assign(store, "WINTER", as_of)
            .await
            .is_err(),
        "assigned once"
    );
    let groups = store.campaign_groups("WINTER").await.unwrap();
    let control: Vec<i64> = groups
        .iter()
        .filter(|g| g.group == "control")
        .map(|g| g.members)
        .collect();
    assert_eq!(control.iter().sum::<i64>(), 11);

    // Opt-out regime on these channels: no consent record allows contact, a withdrawal blocks.
    let policy = fidelis_rules::policy::ContactPolicy {
        opt_out_channels: vec![
            fidelis_rules::ConsentChannel::Email,
            fidelis_rules::ConsentChannel::Phone,
            fidelis_rules::ConsentChannel::Mail,
        ],
        quiet_channels: Vec::new(),
        ..Default::default()
    };
    let queued = delivery::campaign::queue(store, "WINTER", &policy, t0())
        .await
        .unwrap();
    assert_eq!(queued.candidates, 33);
    assert_eq!(queued.queued + queued.suppressed, 33);
    let again = delivery::campaign::queue(store, "WINTER", &policy, t0())
        .await
        .unwrap();
    assert_eq!((again.candidates, again.queued), (0, 0), "queued once");
    let messages = store
        .outbox_messages_of(SourceKind::Campaign, "WINTER")
        .await
        .unwrap();
    // Control members are never in the outbox.
    let members = store.campaign_report("WINTER").await.unwrap();
    assert_eq!(members.groups.iter().map(|g| g.members).sum::<i64>(), 44);
    assert_eq!(messages.len() as u64, queued.queued);
    for m in &messages {
        let channel_ok = match m.customer.as_str() {
            c if c.starts_with('M') => m.channel == "mail",
            "C2" => m.channel == "telesales",
            _ => m.channel == "email",
        };
        assert!(channel_ok, "{} on {}", m.customer, m.channel);
    }

    // Telesales: the call list, an outcome; direct mail: the printer's file.
    let pool = store.agent_queue(None).await.unwrap();
    let calls = messages.iter().filter(|m| m.channel == "telesales").count();
    assert_eq!(pool.len(), calls);
    if let Some(call) = pool.first() {
        assert_eq!(call.customer, "C2");
        assert_eq!(store.assign_calls("WINTER", "agent1", 10).await.unwrap(), 1);
        assert_eq!(store.agent_queue(Some("agent1")).await.unwrap().len(), 1);
        store
            .record_call_outcome(call.id, "interested", None, t0())
            .await
            .unwrap();
        assert!(store.agent_queue(Some("agent1")).await.unwrap().is_empty());
    }
    let mail_dir = db.path().join("print");
    std::fs::create_dir_all(&mail_dir).unwrap();
    let config = DeliveryConfig {
        mail_dir: Some(mail_dir.clone()),
        ..Default::default()
    };
    let r = delivery::deliver_due(store, &config, t0()).await.unwrap();
    let letters = messages.iter().filter(|m| m.channel == "mail").count() as u64;
    assert_eq!(r.sent, letters);
    let file = std::fs::read_to_string(&r.files[0]).unwrap();
    assert_eq!(file.lines().count() as u64, letters + 1);
    assert!(
        file.starts_with(
            "key,customer_id,first_name,last_name,address,postcode,city,country,offer\n"
        )
    );

    // An opt-out withdraws the consent at once and suppresses what was still waiting.
    let waiting: Vec<_> = messages.iter().filter(|m| m.channel == "email").collect();
    let first = waiting[0];
    let other = NewMessage {
        key: format!("other/{}", first.customer),
        ..email("x", &first.customer)
    };
    let other = store.enqueue(&other).await.unwrap().id;
    delivery::opt_out(store, first.id, t0()).await.unwrap();
    assert_eq!(
        store.outbox_message(other).await.unwrap().unwrap().state,
        OutboxState::Suppressed
    );
    let c = store.customer(&first.customer).await.unwrap().unwrap();
    assert!(
        c.consents
            .iter()
            .any(|k| k.channel == "email" && k.status == "withdrawn")
    );

    let report = store.campaign_report("WINTER").await.unwrap();
    assert_eq!(report.impact[0].scope, "all");
    assert_eq!(
        (report.impact[0].treated, report.impact[0].control),
        (33, 11)
    );
    assert_eq!(
        report.cost_minor,
        50 * report.contacts.values().sum::<u64>() as i64
    );
    assert!(!report.impact[0].response.significant);
    assert!(
        report.impact[0]
            .summary
            .starts_with("No significant effect"),
        "{}",
        report.impact[0].summary
    );
}

async fn post_json(
    app: &TestApp,
    token: &str,
    path: &str,
    body: &serde_json::Value,
) -> reqwest::Response {
    app.client
        .post(app.url(path))
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .unwrap()
}

async fn get_json(app: &TestApp, token: &str, path: &str) -> reqwest::Response {
    app.client
        .get(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn campaign_api_report_responses_opt_out_and_calls() {
    let app = TestApp::spawn().await;
    let agent = app.api_token("agent").await;
    let analyst = app.api_token("analyst").await;
    let mut winter = plan_for_api();
    winter.channels = vec!["email".into()];
    app.store.create_campaign(&winter).await.unwrap();

    // Responses: recorded once per (customer, kind, time); bad fields and unknown customers named.
    let body = serde_json::json!({"customer_id": "C1", "at": "2026-11-24T10:00:00+01:00", "kind": "coupon", "revenue_minor": 1999});
    let r = post_json(&app, &agent, "/api/v1/campaigns/WINTER/responses", &body).await;
    assert_eq!(r.status(), 201);
    let r = post_json(
        &app,
        &agent,
        "/api/v1/campaigns/WINTER/responses",
        &serde_json::json!({"customer_id": "C1", "at": "tomorrow", "kind": "coupon"}),
    )
    .await;
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("field at"));
    let r = post_json(&app, &agent, "/api/v1/campaigns/WINTER/responses", &serde_json::json!({"customer_id": "NOBODY", "at": "2026-11-24T10:00:00Z", "kind": "coupon"})).await;
    assert_eq!(r.status(), 404);
    let r = post_json(&app, &agent, "/api/v1/campaigns/NONE/responses", &body).await;
    assert_eq!(r.status(), 404);

    // The report is the analysts'; with no members yet it says why it cannot measure.
    assert_eq!(
        get_json(&app, &agent, "/api/v1/campaigns/report?campaign=WINTER")
            .await
            .status(),
        403
    );
    let r = get_json(&app, &analyst, "/api/v1/campaigns/report?campaign=WINTER").await;
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("cannot be measured yet"));

    // An opt-out through the API withdraws the consent at once.
    let id = app
        .store
        .enqueue(&email("WINTER/C1", "C1"))
        .await
        .unwrap()
        .id;
    let r = post_json(
        &app,
        &agent,
        &format!("/api/v1/outbox/{id}/opt-out"),
        &serde_json::json!({}),
    )
    .await;
    assert_eq!(r.status(), 200);
    let c1 = app.store.customer("C1").await.unwrap().unwrap();
    assert!(c1.consents.iter().any(|k| (
        k.channel.as_str(),
        k.purpose.as_str(),
        k.status.as_str()
    ) == ("email", "marketing", "withdrawn")));
    assert_eq!(
        post_json(
            &app,
            &agent,
            "/api/v1/outbox/999999/opt-out",
            &serde_json::json!({})
        )
        .await
        .status(),
        404
    );

    let r = get_json(&app, &agent, "/api/v1/calls?agent=zoe").await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.json::<serde_json::Value>().await.unwrap(),
        serde_json::json!([])
    );
}

fn plan_for_api() -> CampaignPlan {
    CampaignPlan {
        id: "WINTER".into(),
        name: "Winter".into(),
        objective: None,
        target: None,
        exclusions: Vec::new(),
        offer: None,
        offer_product: None,
        channels: Vec::new(),
        start_date: NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(),
        end_date: None,
        budget_minor: None,
        cost_per_contact_minor: 0,
        currency: "EUR".into(),
        control_share: 0.1,
        status: CampaignStatus::Draft,
        seed: 1,
        response_window_days: 30,
        template: serde_json::json!({}),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn campaign_template_is_kept_once_and_rendered_at_delivery() {
    let db = db().await;
    let store = &db.store;
    import(store, Entity::Customers, CUSTOMERS).await;
    let plan = CampaignPlan {
        id: "TPL".into(),
        name: "Template once".into(),
        objective: None,
        target: None,
        exclusions: Vec::new(),
        offer: Some("-15 %".into()),
        offer_product: None,
        channels: vec!["email".into()],
        start_date: NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(),
        end_date: None,
        budget_minor: None,
        cost_per_contact_minor: 5,
        currency: "EUR".into(),
        control_share: 0.0,
        status: CampaignStatus::Draft,
        seed: 1,
        response_window_days: 30,
        template: serde_json::json!({"email": {
            "fr": {"subject": "Bonjour {first_name}", "body": "Votre offre : {offer}"},
            "en": {"subject": "Hello {first_name}", "body": "Your offer: {offer}"}
        }}),
    };
    store.create_campaign(&plan).await.unwrap();
    let members: Vec<(i64, String)> = store
        .customer_keys()
        .await
        .unwrap()
        .into_iter()
        .map(|(id, _)| (id, "all".into()))
        .collect();
    delivery::campaign::save(store, "TPL", &members, 0.0, 1)
        .await
        .unwrap();
    let policy = fidelis_rules::policy::ContactPolicy {
        opt_out_channels: vec![fidelis_rules::ConsentChannel::Email],
        quiet_channels: Vec::new(),
        ..Default::default()
    };
    let queued = delivery::campaign::queue(store, "TPL", &policy, t0())
        .await
        .unwrap();
    assert_eq!(queued.queued, 5);
    // Each message carries its fields only; the template stays in the campaign.
    let messages = store
        .outbox_messages_of(SourceKind::Campaign, "TPL")
        .await
        .unwrap();
    assert_eq!(messages.len(), 5);
    for m in &messages {
        assert!(m.payload.get("template").is_none(), "{:?}", m.payload);
        assert_eq!(m.payload["fields"]["offer"], "-15 %");
    }

    let sink = SmtpSink::start(db.path(), false);
    let report = delivery::deliver_due(store, &smtp_only(&sink), t0())
        .await
        .unwrap();
    assert_eq!((report.sent, report.failed), (4, 1), "{report:?}");
    let received = sink.received();
    assert!(counts(&received).values().all(|&n| n == 1));
    let mut mails: Vec<(String, String)> = received
        .iter()
        .map(|r| {
            (
                r["subject"].as_str().unwrap().to_owned(),
                r["body"].as_str().unwrap().trim().to_owned(),
            )
        })
        .collect();
    mails.sort();
    assert_eq!(
        mails,
        vec![
            ("Bonjour Anne".into(), "Votre offre : -15 %".into()),
            ("Bonjour Dora".into(), "Votre offre : -15 %".into()),
            ("Bonjour Eve".into(), "Votre offre : -15 %".into()),
            ("Hello Bob".into(), "Your offer: -15 %".into()),
        ]
    );
}
