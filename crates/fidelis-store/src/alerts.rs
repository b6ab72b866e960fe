//! Departure alerts: what an alert needs to know of a customer, inbound contacts posted to the API,
//! the alerts raised and the agents' outcomes (which become training feedback).

use crate::error::StoreError;
use crate::store::{Store, with_pool};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sqlx::Row;

/// What the departure alert reads about a customer besides the churn score.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AlertContext {
    /// The store's row id.
    pub key: i64,
    pub external_id: String,
    pub solvent: bool,
    pub status: String,
    pub birth_date: Option<NaiveDate>,
    pub income_band: Option<String>,
    pub assets_band: Option<String>,
    pub has_email: bool,
    pub has_phone: bool,
    /// From the latest value refresh, when there is one.
    pub value: Option<AlertValue>,
    pub active_contracts: i64,
    /// Sum of the active contracts' monthly fees, currency units.
    pub monthly_fee: f64,
    /// The nearest end of an active contract.
    pub nearest_contract_end: Option<NaiveDate>,
    pub open_complaints: i64,
    pub complaints_last_90_days: i64,
}

/// The customer's value as of the latest refresh.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AlertValue {
    pub as_of: NaiveDate,
    /// Lifetime value, currency units.
    pub clv: f64,
    /// Net profitability to date, currency units.
    pub net: f64,
    pub quadrant: String,
    pub strategy: String,
    pub currency: String,
}

/// An inbound (or outbound) contact reported by a channel system.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct NewInteraction {
    /// The caller's id for the contact; posting it again changes nothing.
    pub external_id: String,
    pub customer_id: String,
    pub channel_id: String,
    pub direction: String,
    pub operation: String,
    pub occurred_at: DateTime<Utc>,
    pub duration_seconds: i64,
    pub agent: Option<String>,
}

/// A stored interaction: its row id and whether this call created it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoredInteraction {
    pub key: i64,
    pub created: bool,
}

/// An alert to store.
#[derive(Debug, Clone, PartialEq)]
pub struct NewAlert<'a> {
    pub customer_key: i64,
    pub raised_at: DateTime<Utc>,
    /// `event` (a contact came in) or `view` (an agent opened the record).
    pub trigger: &'a str,
    pub interaction_key: Option<i64>,
    pub model_version: i64,
    pub risk: f64,
    /// The reasons as shown, JSON.
    pub reasons: serde_json::Value,
    pub offer_id: Option<&'a str>,
    /// The offer as shown (label, cost, expected gain), JSON.
    pub offer: Option<serde_json::Value>,
    pub no_offer_reason: Option<&'a str>,
}

/// A stored alert.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Alert {
    pub id: i64,
    pub customer_id: String,
    pub raised_at: DateTime<Utc>,
    pub trigger: String,
    pub model_version: i64,
    pub risk: f64,
    pub reasons: serde_json::Value,
    pub offer_id: Option<String>,
    pub offer: Option<serde_json::Value>,
    pub no_offer_reason: Option<String>,
    pub outcome: Option<String>,
    pub outcome_at: Option<DateTime<Utc>>,
    pub outcome_by: Option<String>,
    pub outcome_note: Option<String>,
}

/// The outcomes an agent can record.
pub const OUTCOMES: &[&str] = &["accepted", "declined", "not_relevant"];

/// Outcomes per offer, for the offers report and training feedback.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OfferFeedback {
    /// The offer, or `None` for alerts shown without one.
    pub offer_id: Option<String>,
    pub alerts: i64,
    pub accepted: i64,
    pub declined: i64,
    pub not_relevant: i64,
    pub mean_risk: f64,
}

const ALERT_COLUMNS: &str = "a.id, c.external_id, a.raised_at, a.trigger, a.model_version, a.risk, \
     a.reasons, a.offer_id, a.offer, a.no_offer_reason, a.outcome, a.outcome_at, a.outcome_by, a.outcome_note";

fn alert_from<R: Row>(r: &R) -> Result<Alert, sqlx::Error>
where
    usize: sqlx::ColumnIndex<R>,
    for<'r> i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> f64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> Option<String>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> DateTime<Utc>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> Option<DateTime<Utc>>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> serde_json::Value: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> Option<serde_json::Value>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    Ok(Alert {
        id: r.try_get(0)?,
        customer_id: r.try_get(1)?,
        raised_at: r.try_get(2)?,
        trigger: r.try_get(3)?,
        model_version: r.try_get(4)?,
        risk: r.try_get(5)?,
        reasons: r.try_get(6)?,
        offer_id: r.try_get(7)?,
        offer: r.try_get(8)?,
        no_offer_reason: r.try_get(9)?,
        outcome: r.try_get(10)?,
        outcome_at: r.try_get(11)?,
        outcome_by: r.try_get(12)?,
        outcome_note: r.try_get(13)?,
    })
}

impl Store {
    /// What the alert reads of customer `external_id` as of `today`: one row, indexed lookups only.
    pub async fn alert_context(
        &self,
        external_id: &str,
        today: NaiveDate,
    ) -> Result<Option<AlertContext>, StoreError> {
        let since = today - chrono::Days::new(90);
        // Contract ends and dates are compared as ISO text on SQLite and as dates on PostgreSQL:
        // each backend gets its own literal types through binds.
        let sql = "SELECT c.id, c.external_id, c.solvent, c.status, c.birth_date, c.income_band, \
                c.assets_band, c.email IS NOT NULL, c.phone IS NOT NULL, \
                (SELECT COUNT(*) FROM contracts k WHERE k.customer_id = c.id AND k.status = 'active'), \
                (SELECT CAST(COALESCE(SUM(k.monthly_fee_minor), 0) AS BIGINT) FROM contracts k WHERE k.customer_id = c.id AND k.status = 'active'), \
                (SELECT MIN(k.end_date) FROM contracts k WHERE k.customer_id = c.id AND k.status = 'active' AND k.end_date >= $2), \
                (SELECT COUNT(*) FROM complaints p WHERE p.customer_id = c.id AND p.resolved_at IS NULL), \
                (SELECT COUNT(*) FROM complaints p WHERE p.customer_id = c.id AND p.opened_at >= $3), \
                r.as_of, s.clv_minor, s.net_minor, s.quadrant, s.strategy, r.currency \
            FROM customers c \
            LEFT JOIN refresh_runs r ON r.id = (SELECT MAX(run_id) FROM customer_value_snapshots v WHERE v.customer_id = c.id) \
            LEFT JOIN customer_value_snapshots s ON s.run_id = r.id AND s.customer_id = c.id \
            WHERE c.external_id = $1";
        let since_start = since
            .and_hms_opt(0, 0, 0)
            .map(|t| t.and_utc())
            .unwrap_or_default();
        with_pool!(self, pool => {
            let row = sqlx::query(sql)
                .bind(external_id)
                .bind(today)
                .bind(since_start)
                .fetch_optional(pool)
                .await?;
            let Some(r) = row else { return Ok(None) };
            let solvent: bool = r.try_get(2)?;
            let fee_minor: i64 = r.try_get(10)?;
            let as_of: Option<NaiveDate> = r.try_get(14)?;
            let value = match as_of {
                Some(as_of) => {
                    let clv: i64 = r.try_get(15)?;
                    let net: i64 = r.try_get(16)?;
                    let currency: String = r.try_get(19)?;
                    let scale = minor_scale(&currency);
                    Some(AlertValue {
                        as_of,
                        clv: clv as f64 / scale,
                        net: net as f64 / scale,
                        quadrant: r.try_get(17)?,
                        strategy: r.try_get(18)?,
                        currency,
                    })
                }
                None => None,
            };
            Ok::<_, StoreError>(Some(AlertContext {
                key: r.try_get(0)?,
                external_id: r.try_get(1)?,
                solvent,
                status: r.try_get(3)?,
                birth_date: r.try_get(4)?,
                income_band: r.try_get(5)?,
                assets_band: r.try_get(6)?,
                has_email: r.try_get(7)?,
                has_phone: r.try_get(8)?,
                value,
                active_contracts: r.try_get(9)?,
                monthly_fee: fee_minor as f64 / 100.0,
                nearest_contract_end: r.try_get(11)?,
                open_complaints: r.try_get(12)?,
                complaints_last_90_days: r.try_get(13)?,
            }))
        })
    }

    /// Stores a contact reported through the API, at its channel's cost. Posting the same
    /// `external_id` again stores nothing and returns the first row. Unknown customers, channels,
    /// directions or operations are `Invalid` errors naming the field.
    pub async fn ingest_interaction(
        &self,
        new: &NewInteraction,
    ) -> Result<StoredInteraction, StoreError> {
        let codes = |choices: &[fidelis_domain::schema::Choice]| -> Vec<&'static str> {
            choices.iter().map(|c| c.value).collect()
        };
        check_code(
            "direction",
            &new.direction,
            &codes(fidelis_domain::schema::DIRECTIONS),
        )?;
        check_code(
            "operation",
            &new.operation,
            &codes(fidelis_domain::schema::OPERATIONS),
        )?;
        if !(0..=86_400 * 7).contains(&new.duration_seconds) {
            return Err(StoreError::Invalid(format!(
                "field duration_seconds: value {} is not a duration in seconds between 0 and 604800",
                new.duration_seconds
            )));
        }
        if new.external_id.trim().is_empty() {
            return Err(StoreError::Invalid(
                "field external_id: an empty value; expected the contact's id in the source system"
                    .into(),
            ));
        }
        let _turn = self.write_turn().await;
        with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let existing: Option<i64> =
                sqlx::query_scalar("SELECT id FROM interactions WHERE external_id = $1")
                    .bind(&new.external_id)
                    .fetch_optional(&mut *tx)
                    .await?;
            if let Some(key) = existing {
                return Ok(StoredInteraction { key, created: false });
            }
            let customer: Option<i64> =
                sqlx::query_scalar("SELECT id FROM customers WHERE external_id = $1")
                    .bind(&new.customer_id)
                    .fetch_optional(&mut *tx)
                    .await?;
            let customer = customer.ok_or_else(|| {
                StoreError::Invalid(format!(
                    "field customer_id: value {:?} is not a known customer id",
                    new.customer_id
                ))
            })?;
            let channel = sqlx::query(
                "SELECT id, cost_per_contact_minor, cost_per_minute_minor, currency FROM channels WHERE external_id = $1",
            )
            .bind(&new.channel_id)
            .fetch_optional(&mut *tx)
            .await?;
            let channel = channel.ok_or_else(|| {
                StoreError::Invalid(format!(
                    "field channel_id: value {:?} is not a known channel id",
                    new.channel_id
                ))
            })?;
            let channel_key: i64 = channel.try_get(0)?;
            let per_contact: i64 = channel.try_get(1)?;
            let per_minute: i64 = channel.try_get(2)?;
            let currency: String = channel.try_get(3)?;
            let minutes = (new.duration_seconds + 59) / 60;
            let cost = per_contact + per_minute * minutes;
            let key: i64 = sqlx::query_scalar(
                "INSERT INTO interactions (external_id, customer_id, channel_id, direction, operation, \
                 occurred_at, duration_seconds, agent, cost_minor, currency) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
            )
            .bind(&new.external_id)
            .bind(customer)
            .bind(channel_key)
            .bind(&new.direction)
            .bind(&new.operation)
            .bind(new.occurred_at)
            .bind(new.duration_seconds)
            .bind(&new.agent)
            .bind(cost)
            .bind(&currency)
            .fetch_one(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok::<_, StoreError>(StoredInteraction { key, created: true })
        })
    }

    /// Every customer's row id and external id, in row order (benchmarks and bulk jobs).
    pub async fn customer_keys(&self) -> Result<Vec<(i64, String)>, StoreError> {
        with_pool!(self, pool => {
            let rows = sqlx::query("SELECT id, external_id FROM customers ORDER BY id")
                .fetch_all(pool)
                .await?;
            rows.iter()
                .map(|r| Ok::<_, StoreError>((r.try_get(0)?, r.try_get(1)?)))
                .collect::<Result<Vec<_>, _>>()
        })
    }

    /// The latest alert of a customer raised at or after `since`.
    pub async fn recent_alert(
        &self,
        customer_key: i64,
        since: DateTime<Utc>,
    ) -> Result<Option<Alert>, StoreError> {
        let sql = format!(
            "SELECT {ALERT_COLUMNS} FROM alerts a JOIN customers c ON c.id = a.customer_id \
             WHERE a.customer_id = $1 AND a.raised_at >= $2 ORDER BY a.raised_at DESC, a.id DESC LIMIT 1"
        );
        with_pool!(self, pool => {
            let row = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(customer_key)
                .bind(since)
                .fetch_optional(pool)
                .await?;
            Ok::<_, StoreError>(row.as_ref().map(alert_from).transpose()?)
        })
    }

    /// Stores a raised alert.
    pub async fn save_alert(&self, alert: &NewAlert<'_>) -> Result<Alert, StoreError> {
        let _turn = self.write_turn().await;
        let id: i64 = with_pool!(self, pool => {
            sqlx::query_scalar(
                "INSERT INTO alerts (customer_id, raised_at, trigger, interaction_id, model_version, \
                 risk, reasons, offer_id, offer, no_offer_reason) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
            )
            .bind(alert.customer_key)
            .bind(alert.raised_at)
            .bind(alert.trigger)
            .bind(alert.interaction_key)
            .bind(alert.model_version)
            .bind(alert.risk)
            .bind(&alert.reasons)
            .bind(alert.offer_id)
            .bind(&alert.offer)
            .bind(alert.no_offer_reason)
            .fetch_one(pool)
            .await
        })?;
        self.alert(id)
            .await?
            .ok_or_else(|| StoreError::Corrupt(format!("alert {id} vanished after insert")))
    }

    /// One alert by id.
    pub async fn alert(&self, id: i64) -> Result<Option<Alert>, StoreError> {
        let sql = format!(
            "SELECT {ALERT_COLUMNS} FROM alerts a JOIN customers c ON c.id = a.customer_id WHERE a.id = $1"
        );
        with_pool!(self, pool => {
            let row = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(id)
                .fetch_optional(pool)
                .await?;
            Ok::<_, StoreError>(row.as_ref().map(alert_from).transpose()?)
        })
    }

    /// A customer's alerts, newest first.
    pub async fn customer_alerts(
        &self,
        external_id: &str,
        limit: i64,
    ) -> Result<Vec<Alert>, StoreError> {
        let sql = format!(
            "SELECT {ALERT_COLUMNS} FROM alerts a JOIN customers c ON c.id = a.customer_id \
             WHERE c.external_id = $1 ORDER BY a.raised_at DESC, a.id DESC LIMIT $2"
        );
        with_pool!(self, pool => {
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(external_id)
                .bind(limit)
                .fetch_all(pool)
                .await?;
            Ok::<_, StoreError>(rows.iter().map(alert_from).collect::<Result<Vec<_>, _>>()?)
        })
    }

    /// Records the agent's outcome of alert `id`. An outcome is recorded once: a second one is a
    /// `Conflict`; an unknown outcome is `Invalid`; `None` when there is no such alert.
    pub async fn record_alert_outcome(
        &self,
        id: i64,
        outcome: &str,
        by: &str,
        note: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<Option<Alert>, StoreError> {
        check_code("outcome", outcome, OUTCOMES)?;
        let _turn = self.write_turn().await;
        let updated = with_pool!(self, pool => {
            sqlx::query(
                "UPDATE alerts SET outcome = $1, outcome_by = $2, outcome_note = $3, outcome_at = $4 \
                 WHERE id = $5 AND outcome IS NULL",
            )
            .bind(outcome)
            .bind(by)
            .bind(note)
            .bind(at)
            .bind(id)
            .execute(pool)
            .await
            .map(|r| r.rows_affected())
        })?;
        drop(_turn);
        let alert = self.alert(id).await?;
        match (&alert, updated) {
            (Some(a), 0) => Err(StoreError::Conflict(format!(
                "alert {id} already has the outcome {:?}",
                a.outcome.as_deref().unwrap_or("")
            ))),
            _ => Ok(alert),
        }
    }

    /// Outcomes per offer over the alerts raised in `[from, to)`.
    pub async fn offer_feedback(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<OfferFeedback>, StoreError> {
        let sql = "SELECT offer_id, COUNT(*), \
                SUM(CASE WHEN outcome = 'accepted' THEN 1 ELSE 0 END), \
                SUM(CASE WHEN outcome = 'declined' THEN 1 ELSE 0 END), \
                SUM(CASE WHEN outcome = 'not_relevant' THEN 1 ELSE 0 END), AVG(risk) \
            FROM alerts WHERE raised_at >= $1 AND raised_at < $2 GROUP BY offer_id ORDER BY offer_id";
        with_pool!(self, pool => {
            let rows = sqlx::query(sql).bind(from).bind(to).fetch_all(pool).await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in &rows {
                out.push(OfferFeedback {
                    offer_id: r.try_get(0)?,
                    alerts: r.try_get(1)?,
                    accepted: r.try_get(2)?,
                    declined: r.try_get(3)?,
                    not_relevant: r.try_get(4)?,
                    mean_risk: r.try_get(5)?,
                });
            }
            Ok::<_, StoreError>(out)
        })
    }
}

/// What became of the customers shown an offer: per offer and outcome, how many left within the
/// horizon after the alert (a contract cancelled, or the customer's status churned).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutcomeFollowUp {
    pub offer_id: Option<String>,
    /// `accepted`, `declined`, `not_relevant`, or `none` when no outcome was recorded.
    pub outcome: String,
    pub alerts: i64,
    pub departed: i64,
    pub mean_risk: f64,
}

impl Store {
    /// Follow-up of the alerts raised in `[from, to)`: departures within `horizon_days` after each,
    /// per offer and outcome. This is the feedback that tells whether an offer keeps customers: the
    /// departure rate of those who accepted against those who declined.
    pub async fn alert_follow_up(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        horizon_days: i64,
    ) -> Result<Vec<OutcomeFollowUp>, StoreError> {
        // The alert's day and the end of its horizon, as each backend compares dates.
        let (day, end) = match self.backend_kind() {
            crate::BackendKind::Sqlite => (
                "substr(a.raised_at, 1, 10)",
                "date(substr(a.raised_at, 1, 10), '+' || $3 || ' days')",
            ),
            crate::BackendKind::Postgres => (
                "CAST(a.raised_at AS DATE)",
                "CAST(a.raised_at AS DATE) + CAST($3 AS INTEGER)",
            ),
        };
        let sql = format!(
            "SELECT a.offer_id, COALESCE(a.outcome, 'none'), COUNT(*),                 SUM(CASE WHEN c.status = 'churned' OR EXISTS (SELECT 1 FROM contracts k                     WHERE k.customer_id = a.customer_id AND k.cancelled_on > {day}                     AND k.cancelled_on <= {end}) THEN 1 ELSE 0 END), AVG(a.risk)              FROM alerts a JOIN customers c ON c.id = a.customer_id              WHERE a.raised_at >= $1 AND a.raised_at < $2              GROUP BY a.offer_id, COALESCE(a.outcome, 'none')              ORDER BY a.offer_id, COALESCE(a.outcome, 'none')"
        );
        with_pool!(self, pool => {
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(from)
                .bind(to)
                .bind(horizon_days)
                .fetch_all(pool)
                .await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in &rows {
                out.push(OutcomeFollowUp {
                    offer_id: r.try_get(0)?,
                    outcome: r.try_get(1)?,
                    alerts: r.try_get(2)?,
                    departed: r.try_get(3)?,
                    mean_risk: r.try_get(4)?,
                });
            }
            Ok::<_, StoreError>(out)
        })
    }
}

fn check_code(field: &str, value: &str, allowed: &[&str]) -> Result<(), StoreError> {
    if allowed.contains(&value) {
        Ok(())
    } else {
        Err(StoreError::Invalid(format!(
            "field {field}: value {value:?} is not one of {}",
            allowed.join(", ")
        )))
    }
}

/// Minor units per currency unit.
fn minor_scale(currency: &str) -> f64 {
    let exponent = fidelis_domain::Currency::parse(currency).map_or(2, |c| c.exponent());
    10f64.powi(exponent as i32)
}
