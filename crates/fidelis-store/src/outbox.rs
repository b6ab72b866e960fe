//! The outbox: the durable queue of outgoing actions (from rules and campaigns) with their delivery
//! state, and the suppressions of the contact policy.
//!
//! A message's life: `pending` → `sending` (claimed by a delivery worker under a lease) → `sent`, or
//! back to `pending` with a later `next_attempt_at` after a failure worth retrying, or `failed` for
//! good; `suppressed` when the policy stopped it after it was queued; `cancelled` by hand. The
//! idempotency key is unique: enqueuing the same key twice keeps one row, and the key is what the
//! channel sees (the e-mail's Message-ID, the webhook's `Idempotency-Key`), so a receiver can drop a
//! retry it already has. A worker that dies holding a lease does not lose its messages: once the lease
//! expires, the next claim takes them again (and counts the attempt).

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use sqlx::Row;
use sqlx::types::Json;

use crate::error::StoreError;
use crate::store::{BackendKind, Store, with_pool};

/// What produced an outgoing action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    Rule,
    Campaign,
    /// An action queued by hand or through the API.
    Manual,
}

impl SourceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::Rule => "rule",
            SourceKind::Campaign => "campaign",
            SourceKind::Manual => "manual",
        }
    }

    pub fn parse(s: &str) -> Option<SourceKind> {
        Some(match s {
            "rule" => SourceKind::Rule,
            "campaign" => SourceKind::Campaign,
            "manual" => SourceKind::Manual,
            _ => return None,
        })
    }
}

/// Where a message is in its delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OutboxState {
    Pending,
    Sending,
    Sent,
    Failed,
    Suppressed,
    Cancelled,
}

impl OutboxState {
    pub fn as_str(self) -> &'static str {
        match self {
            OutboxState::Pending => "pending",
            OutboxState::Sending => "sending",
            OutboxState::Sent => "sent",
            OutboxState::Failed => "failed",
            OutboxState::Suppressed => "suppressed",
            OutboxState::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<OutboxState> {
        Some(match s {
            "pending" => OutboxState::Pending,
            "sending" => OutboxState::Sending,
            "sent" => OutboxState::Sent,
            "failed" => OutboxState::Failed,
            "suppressed" => OutboxState::Suppressed,
            "cancelled" => OutboxState::Cancelled,
            _ => return None,
        })
    }
}

/// A message to queue.
#[derive(Debug, Clone, PartialEq)]
pub struct NewMessage {
    /// Unique per action: the same key enqueued twice is one message (rules use
    /// `customer/rule/trigger`, campaigns `campaign/customer/channel`).
    pub key: String,
    /// The customer's external id.
    pub customer: String,
    /// `email`, `sms`, `mail`, `telesales`, `webhook`… (the rules' channel names).
    pub channel: String,
    /// `marketing`, `service`… (the consent purposes).
    pub purpose: String,
    /// What the channel needs: template id and fields, offer, webhook body.
    pub payload: serde_json::Value,
    pub source_kind: SourceKind,
    /// The rule or campaign id.
    pub source: String,
    /// Not delivered before this time.
    pub send_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
}

/// The answer of [`Store::enqueue`]: the message's id, and whether this call created it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Enqueued {
    pub id: i64,
    pub created: bool,
}

/// The customer fields a channel needs to reach them and to fill a template.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Recipient {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub postcode: Option<String>,
    pub city: Option<String>,
    pub country: String,
}

/// A queued message with its delivery state and its recipient.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutboxMessage {
    pub id: i64,
    pub key: String,
    /// Internal customer id.
    pub customer_id: i64,
    /// External customer id.
    pub customer: String,
    pub channel: String,
    pub purpose: String,
    pub payload: serde_json::Value,
    pub source_kind: SourceKind,
    pub source: String,
    pub state: OutboxState,
    /// Delivery attempts started (claims), including the current one.
    pub attempts: i64,
    pub next_attempt_at: DateTime<Utc>,
    pub lease_until: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    pub provider_message_id: Option<String>,
    pub recipient: Recipient,
}

/// An action the contact policy (or a delivery outcome) stopped: recorded by
/// [`Store::record_suppression`], read back by [`Store::suppressions_of`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewSuppression {
    /// The customer's external id.
    pub customer: String,
    /// The channel refused, if the action had one.
    pub channel: Option<String>,
    pub source_kind: SourceKind,
    pub source: String,
    /// A short stable code: `consent`, `weekly_cap`, `cooldown`, `opt_out`, `bounce`…
    pub reason: String,
    /// The policy's sentence, for people.
    pub detail: Option<String>,
    pub at: DateTime<Utc>,
}

/// A contact of a customer, past or scheduled, as the contact policy counts them: outbox messages
/// pending, being sent or sent, and outbound interactions (calls made by hand, imported contacts).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecentContact {
    /// When it was (or is to be) sent.
    pub at: DateTime<Utc>,
    pub channel: String,
    /// The rule or campaign id, for outbox messages and campaign interactions.
    pub source: Option<String>,
}

/// Messages per state, for a report.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct OutboxCounts {
    pub pending: i64,
    pub sending: i64,
    pub sent: i64,
    pub failed: i64,
    pub suppressed: i64,
    pub cancelled: i64,
}

/// The wait before retry number `attempts + 1` after `attempts` failed ones: 30 s doubled each time,
/// at most six hours.
pub fn retry_delay(attempts: i64) -> Duration {
    let exponent = attempts.clamp(1, 20) - 1;
    let seconds = 30_i64.saturating_mul(1_i64 << exponent);
    Duration::seconds(seconds.min(6 * 3600))
}

const MESSAGE_COLUMNS: &str = "o.id, o.idempotency_key, o.customer_id, c.external_id AS customer, o.channel, o.purpose, \
     o.payload, o.source_kind, o.source, o.state, o.attempts, o.next_attempt_at, o.lease_until, o.last_error, \
     o.created_at, o.sent_at, o.provider_message_id, c.first_name, c.last_name, c.email, c.phone, c.address, \
     c.postcode, c.city, c.country";

/// Builds an [`OutboxMessage`] from a row selected with `MESSAGE_COLUMNS` (inside `with_pool!`, so
/// that each backend decodes its own row type).
macro_rules! message_from_row {
    ($r:expr) => {{
        let r = $r;
        let source_kind: String = r.try_get("source_kind")?;
        let state: String = r.try_get("state")?;
        let id: i64 = r.try_get("id")?;
        let Json(payload): Json<serde_json::Value> = r.try_get("payload")?;
        Ok::<OutboxMessage, StoreError>(OutboxMessage {
            id,
            key: r.try_get("idempotency_key")?,
            customer_id: r.try_get("customer_id")?,
            customer: r.try_get("customer")?,
            channel: r.try_get("channel")?,
            purpose: r.try_get("purpose")?,
            payload,
            source_kind: SourceKind::parse(&source_kind).ok_or_else(|| {
                StoreError::Corrupt(format!(
                    "outbox message {id} has unknown source kind {source_kind:?}"
                ))
            })?,
            source: r.try_get("source")?,
            state: OutboxState::parse(&state).ok_or_else(|| {
                StoreError::Corrupt(format!("outbox message {id} has unknown state {state:?}"))
            })?,
            attempts: r.try_get("attempts")?,
            next_attempt_at: r.try_get("next_attempt_at")?,
            lease_until: r.try_get("lease_until")?,
            last_error: r.try_get("last_error")?,
            created_at: r.try_get("created_at")?,
            sent_at: r.try_get("sent_at")?,
            provider_message_id: r.try_get("provider_message_id")?,
            recipient: Recipient {
                first_name: r.try_get("first_name")?,
                last_name: r.try_get("last_name")?,
                email: r.try_get("email")?,
                phone: r.try_get("phone")?,
                address: r.try_get("address")?,
                postcode: r.try_get("postcode")?,
                city: r.try_get("city")?,
                country: r.try_get("country")?,
            },
        })
    }};
}

/// A token unique to one claim in this process and across processes (time, process id, counter).
fn lease_token(now: DateTime<Utc>) -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let wall = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!(
        "{}-{}-{}-{n}",
        now.timestamp_micros(),
        wall,
        std::process::id()
    )
}

impl Store {
    /// Queues a message once per idempotency key: a second call with the same key changes nothing
    /// and answers the first message's id with `created: false`. An unknown customer is `NotFound`.
    pub async fn enqueue(&self, message: &NewMessage) -> Result<Enqueued, StoreError> {
        let _turn = self.write_turn().await;
        with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let customer: Option<i64> = sqlx::query_scalar("SELECT id FROM customers WHERE external_id = $1")
                .bind(&message.customer)
                .fetch_optional(&mut *tx)
                .await?;
            let Some(customer) = customer else {
                return Err(StoreError::NotFound(format!(
                    "no customer with id {:?} for outbox message {:?}",
                    message.customer, message.key
                )));
            };
            let inserted: Option<i64> = sqlx::query_scalar(
                "INSERT INTO outbox (idempotency_key, customer_id, channel, purpose, payload, source_kind, source, \
                 state, attempts, next_attempt_at, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', 0, $8, $9) \
                 ON CONFLICT (idempotency_key) DO NOTHING RETURNING id",
            )
            .bind(&message.key)
            .bind(customer)
            .bind(&message.channel)
            .bind(&message.purpose)
            .bind(Json(&message.payload))
            .bind(message.source_kind.as_str())
            .bind(&message.source)
            .bind(message.send_at)
            .bind(message.created_at)
            .fetch_optional(&mut *tx)
            .await?;
            let result = match inserted {
                Some(id) => Enqueued { id, created: true },
                None => {
                    let id: i64 = sqlx::query_scalar("SELECT id FROM outbox WHERE idempotency_key = $1")
                        .bind(&message.key)
                        .fetch_one(&mut *tx)
                        .await?;
                    Enqueued { id, created: false }
                }
            };
            tx.commit().await?;
            Ok(result)
        })
    }

    /// Claims up to `limit` messages due at `now` for delivery: pending ones whose time has come, and
    /// ones whose delivery lease has expired (their worker died). Each is moved to `sending` with a
    /// lease until `now + lease` and its attempt counted, in one statement, so two workers never hold
    /// the same message. Oldest due first.
    pub async fn claim_due(
        &self,
        now: DateTime<Utc>,
        limit: i64,
        lease: Duration,
    ) -> Result<Vec<OutboxMessage>, StoreError> {
        self.claim(now, limit, lease, None).await
    }

    /// [`Store::claim_due`] for the messages of one channel only.
    pub async fn claim_due_on(
        &self,
        channel: &str,
        now: DateTime<Utc>,
        limit: i64,
        lease: Duration,
    ) -> Result<Vec<OutboxMessage>, StoreError> {
        self.claim(now, limit, lease, Some(channel)).await
    }

    async fn claim(
        &self,
        now: DateTime<Utc>,
        limit: i64,
        lease: Duration,
        channel: Option<&str>,
    ) -> Result<Vec<OutboxMessage>, StoreError> {
        let token = lease_token(now);
        // PostgreSQL: concurrent claimers skip each other's locked rows instead of waiting. SQLite
        // has one writer at a time, so the UPDATE is atomic as it stands.
        let lock = match self.backend_kind() {
            BackendKind::Postgres => " FOR UPDATE SKIP LOCKED",
            BackendKind::Sqlite => "",
        };
        let claim = format!(
            "UPDATE outbox SET state = 'sending', lease_until = $1, lease_token = $2, attempts = attempts + 1 \
             WHERE id IN (SELECT id FROM outbox \
               WHERE ((state = 'pending' AND next_attempt_at <= $3) OR (state = 'sending' AND lease_until <= $3)) \
               AND ($4 IS NULL OR channel = $4) \
               ORDER BY next_attempt_at, id LIMIT $5{lock})"
        );
        let read = format!(
            "SELECT {MESSAGE_COLUMNS} FROM outbox o JOIN customers c ON c.id = o.customer_id \
             WHERE o.lease_token = $1 AND o.state = 'sending' ORDER BY o.next_attempt_at, o.id"
        );
        let _turn = self.write_turn().await;
        with_pool!(self, pool => {
            sqlx::query(sqlx::AssertSqlSafe(claim.as_str()))
                .bind(now + lease)
                .bind(&token)
                .bind(now)
                .bind(channel)
                .bind(limit)
                .execute(pool)
                .await?;
            let rows = sqlx::query(sqlx::AssertSqlSafe(read.as_str()))
                .bind(&token)
                .fetch_all(pool)
                .await?;
            rows.iter().map(|r| message_from_row!(r)).collect()
        })
    }

    /// Records a delivery: the message is `sent` (with the provider's id when there is one), and a
    /// campaign member's `contacted_at` is set. Answers `false`, changing nothing, when the message was
    /// not being sent (already sent, cancelled, or taken back after its lease expired and finished by
    /// another worker).
    pub async fn mark_sent(
        &self,
        id: i64,
        provider_id: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let _turn = self.write_turn().await;
        with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let row = sqlx::query(
                "UPDATE outbox SET state = 'sent', sent_at = $2, provider_message_id = $3, lease_until = NULL, \
                 lease_token = NULL, last_error = NULL WHERE id = $1 AND state = 'sending' \
                 RETURNING source_kind, source, customer_id, channel",
            )
            .bind(id)
            .bind(at)
            .bind(provider_id)
            .fetch_optional(&mut *tx)
            .await?;
            let Some(row) = row else { return Ok(false) };
            let source_kind: String = row.try_get("source_kind")?;
            if source_kind == SourceKind::Campaign.as_str() {
                let source: String = row.try_get("source")?;
                let customer: i64 = row.try_get("customer_id")?;
                let channel: String = row.try_get("channel")?;
                sqlx::query(
                    "UPDATE campaign_members SET contacted_at = $1, channel = $2 \
                     WHERE customer_id = $3 AND contacted_at IS NULL \
                     AND campaign_id = (SELECT id FROM campaigns WHERE external_id = $4)",
                )
                .bind(at)
                .bind(channel)
                .bind(customer)
                .bind(source)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            Ok(true)
        })
    }

    /// Records a failed attempt: with `retry_at`, the message waits in `pending` until then; without,
    /// it is `failed` for good. Answers `false` when the message was not being sent.
    pub async fn mark_failed(
        &self,
        id: i64,
        error: &str,
        retry_at: Option<DateTime<Utc>>,
    ) -> Result<bool, StoreError> {
        let _turn = self.write_turn().await;
        let done = with_pool!(self, pool => {
            match retry_at {
                Some(at) => sqlx::query(
                    "UPDATE outbox SET state = 'pending', next_attempt_at = $2, last_error = $3, lease_until = NULL, \
                     lease_token = NULL WHERE id = $1 AND state = 'sending'",
                )
                .bind(id)
                .bind(at)
                .bind(error)
                .execute(pool)
                .await?
                .rows_affected(),
                None => sqlx::query(
                    "UPDATE outbox SET state = 'failed', last_error = $2, lease_until = NULL, lease_token = NULL \
                     WHERE id = $1 AND state = 'sending'",
                )
                .bind(id)
                .bind(error)
                .execute(pool)
                .await?
                .rows_affected(),
            }
        });
        Ok(done == 1)
    }

    /// Stops a queued or leased message because the policy or the recipient refused it (consent
    /// withdrawn, opt-out, hard bounce): the message is `suppressed` and the suppression recorded.
    pub async fn mark_suppressed(
        &self,
        id: i64,
        reason: &str,
        detail: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let _turn = self.write_turn().await;
        with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let row = sqlx::query(
                "UPDATE outbox SET state = 'suppressed', last_error = $2, lease_until = NULL, lease_token = NULL \
                 WHERE id = $1 AND state IN ('pending', 'sending') RETURNING customer_id, channel, source_kind, source",
            )
            .bind(id)
            .bind(reason)
            .fetch_optional(&mut *tx)
            .await?;
            let Some(row) = row else { return Ok(false) };
            sqlx::query(
                "INSERT INTO contact_suppressions (customer_id, channel, source_kind, source, reason, detail, at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(row.try_get::<i64, _>("customer_id")?)
            .bind(row.try_get::<String, _>("channel")?)
            .bind(row.try_get::<String, _>("source_kind")?)
            .bind(row.try_get::<String, _>("source")?)
            .bind(reason)
            .bind(detail)
            .bind(at)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(true)
        })
    }

    /// Cancels a message not yet sent. Answers whether it was.
    pub async fn cancel_message(&self, id: i64) -> Result<bool, StoreError> {
        let _turn = self.write_turn().await;
        let done = with_pool!(self, pool => {
            sqlx::query(
                "UPDATE outbox SET state = 'cancelled', lease_until = NULL, lease_token = NULL \
                 WHERE id = $1 AND state IN ('pending', 'sending')",
            )
            .bind(id)
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(done == 1)
    }

    /// Records that the contact policy stopped an action before it was queued.
    pub async fn record_suppression(&self, s: &NewSuppression) -> Result<(), StoreError> {
        let _turn = self.write_turn().await;
        let done = with_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO contact_suppressions (customer_id, channel, source_kind, source, reason, detail, at) \
                 SELECT id, $2, $3, $4, $5, $6, $7 FROM customers WHERE external_id = $1",
            )
            .bind(&s.customer)
            .bind(&s.channel)
            .bind(s.source_kind.as_str())
            .bind(&s.source)
            .bind(&s.reason)
            .bind(&s.detail)
            .bind(s.at)
            .execute(pool)
            .await?
            .rows_affected()
        });
        if done == 0 {
            return Err(StoreError::NotFound(format!(
                "no customer with id {:?} for the suppression",
                s.customer
            )));
        }
        Ok(())
    }

    /// The suppressions recorded for a rule or campaign, oldest first.
    pub async fn suppressions_of(
        &self,
        source_kind: SourceKind,
        source: &str,
    ) -> Result<Vec<NewSuppression>, StoreError> {
        with_pool!(self, pool => {
            let rows = sqlx::query(
                "SELECT c.external_id, s.channel, s.source_kind, s.source, s.reason, s.detail, s.at \
                 FROM contact_suppressions s JOIN customers c ON c.id = s.customer_id \
                 WHERE s.source_kind = $1 AND s.source = $2 ORDER BY s.at, s.id",
            )
            .bind(source_kind.as_str())
            .bind(source)
            .fetch_all(pool)
            .await?;
            rows.iter()
                .map(|r| {
                    let kind: String = r.try_get("source_kind")?;
                    Ok(NewSuppression {
                        customer: r.try_get("external_id")?,
                        channel: r.try_get("channel")?,
                        source_kind: SourceKind::parse(&kind).ok_or_else(|| {
                            StoreError::Corrupt(format!("suppression with unknown source kind {kind:?}"))
                        })?,
                        source: r.try_get("source")?,
                        reason: r.try_get("reason")?,
                        detail: r.try_get("detail")?,
                        at: r.try_get("at")?,
                    })
                })
                .collect()
        })
    }

    /// A customer's contacts from `since` on, scheduled ones included, oldest first: what the contact
    /// policy counts against its caps and cool-down.
    pub async fn recent_contacts(
        &self,
        customer: &str,
        since: DateTime<Utc>,
    ) -> Result<Vec<RecentContact>, StoreError> {
        with_pool!(self, pool => {
            let queued = sqlx::query(
                "SELECT COALESCE(o.sent_at, o.next_attempt_at) AS at, o.channel, o.source \
                 FROM outbox o JOIN customers c ON c.id = o.customer_id \
                 WHERE c.external_id = $1 AND o.state IN ('pending', 'sending', 'sent') \
                 AND COALESCE(o.sent_at, o.next_attempt_at) >= $2",
            )
            .bind(customer)
            .bind(since)
            .fetch_all(pool)
            .await?;
            // Outbound interactions, except those the outbox already holds (a campaign's sends are
            // recorded in both when they are imported back).
            let made = sqlx::query(
                "SELECT i.occurred_at AS at, ch.kind AS channel, cp.external_id AS source \
                 FROM interactions i JOIN customers c ON c.id = i.customer_id \
                 JOIN channels ch ON ch.id = i.channel_id \
                 LEFT JOIN campaigns cp ON cp.id = i.campaign_id \
                 WHERE c.external_id = $1 AND i.direction = 'outbound' AND i.occurred_at >= $2",
            )
            .bind(customer)
            .bind(since)
            .fetch_all(pool)
            .await?;
            let mut contacts = Vec::with_capacity(queued.len() + made.len());
            for r in queued.iter().chain(made.iter()) {
                contacts.push(RecentContact {
                    at: r.try_get("at")?,
                    channel: r.try_get("channel")?,
                    source: r.try_get("source")?,
                });
            }
            contacts.sort_by(|a, b| a.at.cmp(&b.at).then_with(|| a.channel.cmp(&b.channel)));
            Ok(contacts)
        })
    }

    /// One message by id.
    pub async fn outbox_message(&self, id: i64) -> Result<Option<OutboxMessage>, StoreError> {
        let sql = format!(
            "SELECT {MESSAGE_COLUMNS} FROM outbox o JOIN customers c ON c.id = o.customer_id WHERE o.id = $1"
        );
        with_pool!(self, pool => {
            let row = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(id)
                .fetch_optional(pool)
                .await?;
            row.as_ref().map(|r| message_from_row!(r)).transpose()
        })
    }

    /// A customer's messages not yet sent (pending or being sent), in id order.
    pub async fn pending_messages_of_customer(
        &self,
        customer_id: i64,
    ) -> Result<Vec<OutboxMessage>, StoreError> {
        let sql = format!(
            "SELECT {MESSAGE_COLUMNS} FROM outbox o JOIN customers c ON c.id = o.customer_id \
             WHERE o.customer_id = $1 AND o.state IN ('pending', 'sending') ORDER BY o.id"
        );
        with_pool!(self, pool => {
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(customer_id)
                .fetch_all(pool)
                .await?;
            rows.iter().map(|r| message_from_row!(r)).collect()
        })
    }

    /// The messages of a rule or campaign, in id order.
    pub async fn outbox_messages_of(
        &self,
        source_kind: SourceKind,
        source: &str,
    ) -> Result<Vec<OutboxMessage>, StoreError> {
        let sql = format!(
            "SELECT {MESSAGE_COLUMNS} FROM outbox o JOIN customers c ON c.id = o.customer_id \
             WHERE o.source_kind = $1 AND o.source = $2 ORDER BY o.id"
        );
        with_pool!(self, pool => {
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(source_kind.as_str())
                .bind(source)
                .fetch_all(pool)
                .await?;
            rows.iter().map(|r| message_from_row!(r)).collect()
        })
    }

    /// Messages per state, over all sources or one.
    pub async fn outbox_counts(
        &self,
        source: Option<(SourceKind, &str)>,
    ) -> Result<OutboxCounts, StoreError> {
        let (kind, name) = match source {
            Some((k, s)) => (Some(k.as_str()), Some(s)),
            None => (None, None),
        };
        let rows: Vec<(String, i64)> = with_pool!(self, pool => {
            sqlx::query_as(
                "SELECT state, COUNT(*) FROM outbox WHERE ($1 IS NULL OR source_kind = $1) \
                 AND ($2 IS NULL OR source = $2) GROUP BY state",
            )
            .bind(kind)
            .bind(name)
            .fetch_all(pool)
            .await?
        });
        let mut counts = OutboxCounts::default();
        for (state, n) in rows {
            match OutboxState::parse(&state) {
                Some(OutboxState::Pending) => counts.pending = n,
                Some(OutboxState::Sending) => counts.sending = n,
                Some(OutboxState::Sent) => counts.sent = n,
                Some(OutboxState::Failed) => counts.failed = n,
                Some(OutboxState::Suppressed) => counts.suppressed = n,
                Some(OutboxState::Cancelled) => counts.cancelled = n,
                None => {
                    return Err(StoreError::Corrupt(format!(
                        "outbox state {state:?} is unknown"
                    )));
                }
            }
        }
        Ok(counts)
    }

    /// Records a consent decision now in force (an opt-out from a message withdraws consent at once).
    pub async fn set_consent(
        &self,
        customer: &str,
        channel: &str,
        purpose: &str,
        granted: bool,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let status = if granted { "granted" } else { "withdrawn" };
        let _turn = self.write_turn().await;
        let done = with_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO consents (customer_id, channel, purpose, status, recorded_at) \
                 SELECT id, $2, $3, $4, $5 FROM customers WHERE external_id = $1 \
                 ON CONFLICT (customer_id, channel, purpose) DO UPDATE SET status = excluded.status, \
                 recorded_at = excluded.recorded_at",
            )
            .bind(customer)
            .bind(channel)
            .bind(purpose)
            .bind(status)
            .bind(at)
            .execute(pool)
            .await?
            .rows_affected()
        });
        if done == 0 {
            return Err(StoreError::NotFound(format!(
                "no customer with id {customer:?} for the consent"
            )));
        }
        Ok(())
    }
}
