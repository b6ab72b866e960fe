//! Delivery of the outbox: a worker pass claims due messages per channel under a lease, sends each
//! (e-mail over SMTP, SMS and webhooks as signed HTTP POSTs, direct mail into a printer's CSV file)
//! and records the outcome: sent, retried later with exponential back-off, failed for good (a bounce
//! is also recorded as a suppression), or suppressed when the customer has no address on the channel.
//! Telesales messages are not claimed here: they wait as call tasks in agents' queues.
//!
//! Exactly once: a message is claimed by one worker at a time (the store's lease), carries its
//! idempotency key to the channel (the e-mail's Message-ID, the webhook's `Idempotency-Key`) and is
//! marked sent right after the channel accepted it. A worker that dies mid-pass leaves its messages
//! leased; the next pass after the lease takes them again. A message accepted by the channel but not
//! yet marked when the worker died is sent again with the same key, which receivers deduplicate on.
//!
//! `campaign.rs` holds the campaign jobs that fill the outbox (assignment, queueing under the policy).

pub mod campaign;
pub mod recurring;
pub mod smtp;
pub mod webhook;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use fidelis_store::Store;
use fidelis_store::outbox::{NewSuppression, OutboxMessage, SourceKind, retry_delay};
use serde::Serialize;

/// How to reach the channels. Secrets are kept out of `Debug`.
#[derive(Clone)]
pub struct DeliveryConfig {
    pub smtp: Option<smtp::SmtpConfig>,
    /// The SMS provider's endpoint.
    pub sms: Option<webhook::WebhookConfig>,
    /// Generic webhooks (integrations).
    pub webhook: Option<webhook::WebhookConfig>,
    /// Where direct-mail files for the printer are written.
    pub mail_dir: Option<PathBuf>,
    /// How long a claimed message stays with its worker.
    pub lease: Duration,
    /// Messages claimed at a time.
    pub batch: i64,
    /// Attempts after which a message failing with a temporary error fails for good.
    pub max_attempts: i64,
    /// Messages in flight at once per channel (SMTP connections in the pool, HTTP requests).
    pub concurrency: usize,
}

impl Default for DeliveryConfig {
    fn default() -> Self {
        DeliveryConfig {
            smtp: None,
            sms: None,
            webhook: None,
            mail_dir: None,
            lease: Duration::minutes(5),
            batch: 100,
            max_attempts: 8,
            concurrency: 8,
        }
    }
}

impl std::fmt::Debug for DeliveryConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeliveryConfig")
            .field("smtp", &self.smtp)
            .field("sms", &self.sms)
            .field("webhook", &self.webhook)
            .field("mail_dir", &self.mail_dir)
            .field("lease", &self.lease)
            .field("batch", &self.batch)
            .field("max_attempts", &self.max_attempts)
            .field("concurrency", &self.concurrency)
            .finish()
    }
}

/// What one pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DeliveryReport {
    pub claimed: u64,
    pub sent: u64,
    /// Temporary failures, to be tried again later.
    pub retried: u64,
    pub failed: u64,
    pub suppressed: u64,
    /// Direct-mail files written.
    pub files: Vec<String>,
}

/// Why a pass stopped (the store failed; channel errors are outcomes, not errors).
#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    #[error(transparent)]
    Store(#[from] fidelis_store::StoreError),
    #[error("cannot write the direct-mail file {path}: {source}")]
    MailFile {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// A channel's answer to one send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendOutcome {
    /// Accepted; the provider's message id when it gave one.
    Sent(Option<String>),
    /// Worth trying again (connection lost, 4xx SMTP, HTTP 5xx or 429).
    Temporary(String),
    /// Refused for good (5xx SMTP, HTTP 4xx): `bounce` tells a recipient refused (a hard bounce).
    Permanent { error: String, bounce: bool },
    /// The customer cannot be reached on the channel (no address).
    Unreachable(String),
}

/// The language of a message: the payload's `locale`, else French for customers in French-speaking
/// countries, else English.
pub fn locale_of(message: &OutboxMessage) -> &'static str {
    match message.payload.get("locale").and_then(|l| l.as_str()) {
        Some(l) if l.starts_with("fr") => return "fr",
        Some(l) if l.starts_with("en") => return "en",
        _ => {}
    }
    match message.recipient.country.as_str() {
        "FR" | "BE" | "LU" | "MC" | "CH" => "fr",
        _ => "en",
    }
}

/// Fills `{field}` placeholders from the recipient and the payload's `fields` (`{{`/`}}` are braces);
/// unknown fields are left empty rather than sent as code.
pub fn render(text: &str, message: &OutboxMessage) -> String {
    let r = &message.recipient;
    let field = |name: &str| -> String {
        match name {
            "first_name" => r.first_name.clone().unwrap_or_default(),
            "last_name" => r.last_name.clone().unwrap_or_default(),
            "customer_id" => message.customer.clone(),
            "city" => r.city.clone().unwrap_or_default(),
            other => match message.payload.get("fields").and_then(|f| f.get(other)) {
                Some(serde_json::Value::String(s)) => s.clone(),
                Some(v) if !v.is_null() => v.to_string(),
                _ => String::new(),
            },
        }
    };
    let mut out = String::with_capacity(text.len() + 32);
    let mut rest = text;
    while let Some(i) = rest.find(['{', '}']) {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        if tail.starts_with("{{") || tail.starts_with("}}") {
            out.push_str(&tail[..1]);
            rest = &tail[2..];
        } else if let Some(stripped) = tail.strip_prefix('{')
            && let Some(end) = stripped.find('}')
        {
            out.push_str(&field(stripped[..end].trim()));
            rest = &stripped[end + 1..];
        } else {
            out.push_str(&tail[..1]);
            rest = &tail[1..];
        }
    }
    out.push_str(rest);
    out
}

/// The text of `part` (`subject`, `body`) in the message's language: from the payload's
/// `template.<locale>.<part>`, else `template.en`, else `template.fr`; without a template, the
/// payload's rule action's own subject or text as it is (filled from the customer's facts when the
/// rule proposed it).
pub fn template_part(message: &OutboxMessage, part: &str) -> Option<String> {
    let Some(template) = message.payload.get("template") else {
        let action: fidelis_rules::Action =
            serde_json::from_value(message.payload.get("action")?.clone()).ok()?;
        let (subject, body) = action.text();
        let text = match part {
            "subject" => subject,
            "body" => body,
            _ => None,
        };
        return text.filter(|t| !t.is_empty()).map(str::to_owned);
    };
    let locale = locale_of(message);
    [locale, "en", "fr"]
        .iter()
        .find_map(|l| template.get(l)?.get(part)?.as_str())
        .map(|t| render(t, message))
}

/// One delivery pass at `now`: claims and sends the due messages of every configured channel until
/// none is left due. Direct mail goes into one file per pass.
pub async fn deliver_due(
    store: &Store,
    config: &DeliveryConfig,
    now: DateTime<Utc>,
) -> Result<DeliveryReport, DeliveryError> {
    let mut report = DeliveryReport::default();
    let mut templates = Templates::new(store);
    if let Some(smtp_config) = &config.smtp {
        let mailer = Arc::new(smtp::Mailer::new(smtp_config, config.concurrency));
        let send = |m: OutboxMessage| {
            let mailer = Arc::clone(&mailer);
            async move {
                let outcome = mailer.send(&m).await;
                (m, outcome)
            }
        };
        deliver_channel(
            store,
            config,
            "email",
            now,
            &mut templates,
            &mut report,
            send,
        )
        .await?;
    }
    for (channel, hook) in [("sms", &config.sms), ("webhook", &config.webhook)] {
        let Some(hook) = hook else { continue };
        let client = Arc::new(webhook::Client::new(hook));
        let send = |m: OutboxMessage| {
            let client = Arc::clone(&client);
            async move {
                let outcome = client.post(&m, now).await;
                (m, outcome)
            }
        };
        deliver_channel(
            store,
            config,
            channel,
            now,
            &mut templates,
            &mut report,
            send,
        )
        .await?;
    }
    if let Some(dir) = &config.mail_dir {
        direct_mail(store, config, dir, now, &mut templates, &mut report).await?;
    }
    Ok(report)
}

/// Sends the due messages of one channel until none is left due, `config.concurrency` at a time,
/// each outcome recorded as soon as its send finishes (so a worker that dies leaves at most that
/// many messages sent but not marked, to be sent again under the same idempotency key).
async fn deliver_channel<F, Fut>(
    store: &Store,
    config: &DeliveryConfig,
    channel: &str,
    now: DateTime<Utc>,
    templates: &mut Templates<'_>,
    report: &mut DeliveryReport,
    send: F,
) -> Result<(), DeliveryError>
where
    F: Fn(OutboxMessage) -> Fut,
    Fut: std::future::Future<Output = (OutboxMessage, SendOutcome)> + Send + 'static,
{
    let limit = config.concurrency.max(1);
    loop {
        let batch = store
            .claim_due_on(channel, now, config.batch, config.lease)
            .await?;
        if batch.is_empty() {
            return Ok(());
        }
        let mut waiting = batch.into_iter();
        let mut in_flight = tokio::task::JoinSet::new();
        loop {
            while in_flight.len() < limit
                && let Some(mut m) = waiting.next()
            {
                templates.fill(&mut m).await?;
                in_flight.spawn(send(m));
            }
            let Some(done) = in_flight.join_next().await else {
                break;
            };
            let (m, outcome) = match done {
                Ok(sent) => sent,
                Err(e) => std::panic::resume_unwind(e.into_panic()),
            };
            settle(store, config, &m, outcome, now, report).await?;
        }
    }
}

/// The templates of campaign messages, read once per pass: queueing leaves a campaign's template in
/// the campaign rather than in each of its messages. A message that carries its own template (a
/// rule's, or one queued before templates were kept once) keeps it.
struct Templates<'a> {
    store: &'a Store,
    by_campaign: HashMap<String, Option<serde_json::Value>>,
}

impl<'a> Templates<'a> {
    fn new(store: &'a Store) -> Templates<'a> {
        Templates {
            store,
            by_campaign: HashMap::new(),
        }
    }

    async fn fill(&mut self, m: &mut OutboxMessage) -> Result<(), DeliveryError> {
        if m.source_kind != SourceKind::Campaign || m.payload.get("template").is_some() {
            return Ok(());
        }
        let Some(payload) = m.payload.as_object_mut() else {
            return Ok(());
        };
        if !self.by_campaign.contains_key(&m.source) {
            let plan = self.store.campaign(&m.source).await?;
            self.by_campaign
                .insert(m.source.clone(), plan.map(|p| p.template));
        }
        if let Some(Some(templates)) = self.by_campaign.get(&m.source) {
            payload.insert(
                "template".into(),
                campaign::channel_template(templates, &m.channel),
            );
        }
        Ok(())
    }
}

/// The delivery job: a pass every `every` until the process stops, at the clock's time. Store errors
/// are logged and the next pass tries again (messages stay leased or pending, never lost).
pub async fn run_worker(store: &Store, config: &DeliveryConfig, every: std::time::Duration) {
    loop {
        match deliver_due(store, config, Utc::now()).await {
            Ok(r) if r.claimed > 0 => tracing::info!(
                sent = r.sent,
                retried = r.retried,
                failed = r.failed,
                suppressed = r.suppressed,
                "delivery pass"
            ),
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "delivery pass failed"),
        }
        tokio::time::sleep(every).await;
    }
}

/// Records a send's outcome.
async fn settle(
    store: &Store,
    config: &DeliveryConfig,
    m: &OutboxMessage,
    outcome: SendOutcome,
    now: DateTime<Utc>,
    report: &mut DeliveryReport,
) -> Result<(), DeliveryError> {
    report.claimed += 1;
    match outcome {
        SendOutcome::Sent(provider_id) => {
            store.mark_sent(m.id, provider_id.as_deref(), now).await?;
            report.sent += 1;
        }
        SendOutcome::Temporary(error) if m.attempts < config.max_attempts => {
            tracing::info!(outbox.id = m.id, attempts = m.attempts, %error, "delivery will be retried");
            store
                .mark_failed(m.id, &error, Some(now + retry_delay(m.attempts)))
                .await?;
            report.retried += 1;
        }
        SendOutcome::Temporary(error) => {
            tracing::warn!(outbox.id = m.id, attempts = m.attempts, %error, "delivery failed after the last attempt");
            store.mark_failed(m.id, &error, None).await?;
            report.failed += 1;
        }
        SendOutcome::Permanent { error, bounce } => {
            tracing::warn!(outbox.id = m.id, %error, "delivery refused");
            store.mark_failed(m.id, &error, None).await?;
            if bounce {
                store
                    .record_suppression(&NewSuppression {
                        customer: m.customer.clone(),
                        channel: Some(m.channel.clone()),
                        source_kind: m.source_kind,
                        source: m.source.clone(),
                        reason: "bounce".into(),
                        detail: Some(error),
                        at: now,
                    })
                    .await?;
            }
            report.failed += 1;
        }
        SendOutcome::Unreachable(why) => {
            store
                .mark_suppressed(m.id, "no_address", Some(&why), now)
                .await?;
            report.suppressed += 1;
        }
    }
    Ok(())
}

/// Direct mail: the due letters go into one CSV file for the printer (name, postal address, offer,
/// and the idempotency key so a file sent twice is deduplicated), written to a temporary name and
/// renamed once complete, then marked sent with the file name as provider id.
async fn direct_mail(
    store: &Store,
    config: &DeliveryConfig,
    dir: &std::path::Path,
    now: DateTime<Utc>,
    templates: &mut Templates<'_>,
    report: &mut DeliveryReport,
) -> Result<(), DeliveryError> {
    let mut letters = Vec::new();
    loop {
        let batch = store
            .claim_due_on("mail", now, config.batch, config.lease)
            .await?;
        if batch.is_empty() {
            break;
        }
        for mut m in batch {
            templates.fill(&mut m).await?;
            letters.push(m);
        }
    }
    if letters.is_empty() {
        return Ok(());
    }
    let name = format!("direct-mail-{}.csv", now.format("%Y%m%dT%H%M%S"));
    let path = dir.join(&name);
    let mut text =
        String::from("key,customer_id,first_name,last_name,address,postcode,city,country,offer\n");
    let mut printable = Vec::new();
    for m in &letters {
        let r = &m.recipient;
        let (Some(address), Some(postcode), Some(city)) = (&r.address, &r.postcode, &r.city) else {
            report.claimed += 1;
            store
                .mark_suppressed(m.id, "no_address", Some("no postal address"), now)
                .await?;
            report.suppressed += 1;
            continue;
        };
        let offer = template_part(m, "body").unwrap_or_default();
        let cells = [
            m.key.as_str(),
            m.customer.as_str(),
            r.first_name.as_deref().unwrap_or(""),
            r.last_name.as_deref().unwrap_or(""),
            address,
            postcode,
            city,
            r.country.as_str(),
            offer.as_str(),
        ];
        let line: Vec<String> = cells.iter().map(|c| csv_cell(c)).collect();
        text.push_str(&line.join(","));
        text.push('\n');
        printable.push(m.id);
    }
    if !printable.is_empty() {
        let partial = dir.join(format!("{name}.partial"));
        let write = std::fs::write(&partial, &text).and_then(|()| std::fs::rename(&partial, &path));
        if let Err(source) = write {
            for id in &printable {
                store
                    .mark_failed(
                        *id,
                        "cannot write the direct-mail file",
                        Some(now + retry_delay(1)),
                    )
                    .await?;
            }
            return Err(DeliveryError::MailFile { path, source });
        }
        for id in &printable {
            store.mark_sent(*id, Some(&name), now).await?;
            report.claimed += 1;
            report.sent += 1;
        }
        report.files.push(path.display().to_string());
    }
    Ok(())
}

/// A CSV cell: quoted when needed, and a leading `=`, `+`, `-`, `@` neutralised so that a
/// spreadsheet does not run it as a formula.
fn csv_cell(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s.to_owned()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

/// An opt-out from a message (an unsubscribe link, an SMS `STOP`, a refusal on the phone): the
/// customer's consent for the message's channel and purpose is withdrawn at once, and their other
/// messages on that channel not yet sent are suppressed.
pub async fn opt_out(
    store: &Store,
    outbox_id: i64,
    at: DateTime<Utc>,
) -> Result<u64, DeliveryError> {
    let Some(m) = store.outbox_message(outbox_id).await? else {
        return Err(
            fidelis_store::StoreError::NotFound(format!("no outbox message {outbox_id}")).into(),
        );
    };
    let consent_channel = match m.channel.as_str() {
        "telesales" | "call_centre" | "adviser" => "phone",
        "app" => "push",
        other => other,
    };
    store
        .set_consent(&m.customer, consent_channel, &m.purpose, false, at)
        .await?;
    let mut suppressed = 0;
    for other in store.pending_messages_of_customer(m.customer_id).await? {
        if other.channel == m.channel
            && other.purpose == m.purpose
            && store
                .mark_suppressed(other.id, "opt_out", Some("the customer opted out"), at)
                .await?
        {
            suppressed += 1;
        }
    }
    store
        .record_suppression(&NewSuppression {
            customer: m.customer.clone(),
            channel: Some(m.channel.clone()),
            source_kind: m.source_kind,
            source: m.source.clone(),
            reason: "opt_out".into(),
            detail: Some(format!("consent {consent_channel}/{} withdrawn", m.purpose)),
            at,
        })
        .await?;
    Ok(suppressed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use fidelis_store::outbox::{OutboxState, Recipient, SourceKind};

    fn message(country: &str, payload: serde_json::Value) -> OutboxMessage {
        let t = DateTime::<Utc>::from_timestamp(0, 0).unwrap_or_default();
        OutboxMessage {
            id: 1,
            key: "k".into(),
            customer_id: 1,
            customer: "C1".into(),
            channel: "email".into(),
            purpose: "marketing".into(),
            payload,
            source_kind: SourceKind::Campaign,
            source: "SPRING".into(),
            state: OutboxState::Sending,
            attempts: 1,
            next_attempt_at: t,
            lease_until: None,
            last_error: None,
            created_at: t,
            sent_at: None,
            provider_message_id: None,
            recipient: Recipient {
                first_name: Some("Anne".into()),
                country: country.into(),
                ..Default::default()
            },
        }
    }

    #[test]
    fn templates_in_the_customer_language() {
        let payload = serde_json::json!({
            "template": {
                "fr": {"subject": "Bonjour {first_name}", "body": "Offre : {offer} {{code}}"},
                "en": {"subject": "Hello {first_name}", "body": "Offer: {offer}, {unknown}!"}
            },
            "fields": {"offer": "-20 %"}
        });
        let fr = message("FR", payload.clone());
        assert_eq!(
            template_part(&fr, "subject").as_deref(),
            Some("Bonjour Anne")
        );
        assert_eq!(
            template_part(&fr, "body").as_deref(),
            Some("Offre : -20 % {code}")
        );
        let en = message("GB", payload.clone());
        assert_eq!(
            template_part(&en, "body").as_deref(),
            Some("Offer: -20 %, !")
        );
        let mut forced = payload;
        forced["locale"] = "en-GB".into();
        assert_eq!(
            template_part(&message("FR", forced), "subject").as_deref(),
            Some("Hello Anne")
        );
        assert_eq!(render("a } b {", &en), "a } b {");
    }

    #[test]
    fn a_rules_message_is_sent_with_the_text_the_rule_filled() {
        let payload = serde_json::json!({
            "action": {"kind": "message", "subject": "Votre déménagement", "text": "Guide pour Lyon {x}"},
        });
        let m = message("GB", payload);
        assert_eq!(
            template_part(&m, "subject").as_deref(),
            Some("Votre déménagement")
        );
        // Filled once, by the rule: braces in a customer's data are not read as placeholders.
        assert_eq!(
            template_part(&m, "body").as_deref(),
            Some("Guide pour Lyon {x}")
        );
        let alert = message(
            "FR",
            serde_json::json!({"action": {"kind": "alert", "message": ""}}),
        );
        assert_eq!(template_part(&alert, "body"), None);
    }

    #[test]
    fn csv_cells_are_quoted_and_defused() {
        let cases = [
            ("plain", "plain"),
            ("a,b", "\"a,b\""),
            ("=SUM(A1)", "'=SUM(A1)"),
            ("say \"hi\"", "\"say \"\"hi\"\"\""),
        ];
        for (input, want) in cases {
            assert_eq!(csv_cell(input), want, "{input}");
        }
    }
}
