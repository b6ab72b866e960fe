//! Reads for the analyst dashboard: what each channel's contacts cost, and complaints against the
//! service norms.

use crate::error::StoreError;
use crate::store::{BackendKind, Store, with_pool};
use chrono::NaiveDate;
use serde::Serialize;
use sqlx::Row;

/// The contacts of one channel and what they cost.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChannelCost {
    /// The channel's external id.
    pub channel: String,
    pub name: String,
    /// `store`, `call_centre`, `web`…
    pub kind: String,
    /// Interactions on the channel.
    pub contacts: i64,
    /// Σ cost of those interactions: each its own cost, else the channel's cost per contact plus its
    /// minutes at the cost per minute (as the customer P&L counts them).
    pub total_cost_minor: i64,
    pub currency: String,
}

impl ChannelCost {
    /// The mean cost of one contact, rounded half up to the minor unit; `None` without contacts.
    pub fn cost_per_contact_minor(&self) -> Option<i64> {
        (self.contacts > 0)
            .then(|| (self.total_cost_minor * 2 + self.contacts) / (2 * self.contacts))
    }
}

/// The service norms complaints are held to, in calendar days from the day a complaint was opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ServiceNorms {
    /// A first response within this many days.
    pub first_response_days: i64,
    /// A resolution within this many days.
    pub resolution_days: i64,
}

/// The complaints of one category against the service norms, as of a day.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ComplaintNorms {
    pub category: String,
    /// Complaints opened by the day.
    pub complaints: i64,
    /// Those with a first response.
    pub answered: i64,
    /// Σ days from opening to first response, over the answered ones.
    pub response_days: i64,
    /// Answered later than the norm, or unanswered past it.
    pub response_breaches: i64,
    /// Those resolved.
    pub resolved: i64,
    /// Σ days from opening to resolution, over the resolved ones.
    pub resolution_days: i64,
    /// Resolved later than the norm, or unresolved past it.
    pub resolution_breaches: i64,
    /// Σ compensation paid.
    pub compensation_minor: i64,
    pub currency: String,
}

impl ComplaintNorms {
    /// Mean days to the first response, over the answered complaints.
    pub fn mean_response_days(&self) -> Option<f64> {
        (self.answered > 0).then(|| self.response_days as f64 / self.answered as f64)
    }

    /// Mean days to resolution, over the resolved complaints.
    pub fn mean_resolution_days(&self) -> Option<f64> {
        (self.resolved > 0).then(|| self.resolution_days as f64 / self.resolved as f64)
    }

    /// Share of the complaints whose first response broke the norm.
    pub fn response_breach_share(&self) -> f64 {
        share(self.response_breaches, self.complaints)
    }

    /// Share of the complaints whose resolution broke the norm.
    pub fn resolution_breach_share(&self) -> f64 {
        share(self.resolution_breaches, self.complaints)
    }
}

fn share(part: i64, whole: i64) -> f64 {
    if whole > 0 {
        part as f64 / whole as f64
    } else {
        0.0
    }
}

/// Day number (days since 1970-01-01, UTC) of a timestamp column, per backend; NULL stays NULL.
fn day_of(kind: BackendKind, column: &str) -> String {
    match kind {
        // Stored as RFC 3339 text in UTC: the date is the first ten characters.
        BackendKind::Sqlite => {
            format!("CAST(julianday(substr({column}, 1, 10)) - 2440587.5 AS INTEGER)")
        }
        BackendKind::Postgres => {
            format!("(({column} AT TIME ZONE 'UTC')::date - DATE '1970-01-01')::BIGINT")
        }
    }
}

fn day_number(day: NaiveDate) -> i64 {
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
    (day - epoch).num_days()
}

impl Store {
    /// Every channel with its contacts and their cost, the costliest first.
    pub async fn channel_costs(&self) -> Result<Vec<ChannelCost>, StoreError> {
        // Rounded half up to the minor unit: seconds × cost per minute / 60, as in the P&L. The
        // contacts are summed per channel first: one pass over the interactions (joining them to every
        // channel row first scanned them once per channel: 7 s instead of 2 at 1M customers).
        const SQL: &str = "SELECT ch.external_id, ch.name, ch.kind, ch.currency, \
             COALESCE(a.contacts, 0) AS contacts, CAST(COALESCE(a.cost, 0) AS BIGINT) AS cost \
             FROM channels ch LEFT JOIN ( \
                 SELECT i.channel_id, COUNT(*) AS contacts, \
                        SUM(COALESCE(i.cost_minor, c.cost_per_contact_minor \
                            + (i.duration_seconds * c.cost_per_minute_minor * 2 + 60) / 120)) AS cost \
                 FROM interactions i JOIN channels c ON c.id = i.channel_id GROUP BY i.channel_id \
             ) a ON a.channel_id = ch.id \
             ORDER BY cost DESC, ch.external_id";
        with_pool!(self, pool => {
            let rows = sqlx::query(SQL).fetch_all(pool).await?;
            rows.iter()
                .map(|r| {
                    Ok(ChannelCost {
                        channel: r.try_get("external_id")?,
                        name: r.try_get("name")?,
                        kind: r.try_get("kind")?,
                        contacts: r.try_get("contacts")?,
                        total_cost_minor: r.try_get("cost")?,
                        currency: r.try_get("currency")?,
                    })
                })
                .collect()
        })
    }

    /// Complaints opened by `as_of`, per category, against `norms`: a complaint without a response (or
    /// a resolution) counts as a breach once `as_of` is past the norm.
    pub async fn complaints_against_norms(
        &self,
        norms: ServiceNorms,
        as_of: NaiveDate,
    ) -> Result<Vec<ComplaintNorms>, StoreError> {
        let kind = self.backend_kind();
        // Column expressions come from this file only; every value is bound.
        let sql = format!(
            "SELECT category, COUNT(*) AS complaints, \
                CAST(SUM(CASE WHEN fr IS NULL THEN 0 ELSE 1 END) AS BIGINT) AS answered, \
                CAST(SUM(CASE WHEN fr IS NULL THEN 0 ELSE fr - op END) AS BIGINT) AS response_days, \
                CAST(SUM(CASE WHEN COALESCE(fr, $1) - op > $2 THEN 1 ELSE 0 END) AS BIGINT) AS response_breaches, \
                CAST(SUM(CASE WHEN rs IS NULL THEN 0 ELSE 1 END) AS BIGINT) AS resolved, \
                CAST(SUM(CASE WHEN rs IS NULL THEN 0 ELSE rs - op END) AS BIGINT) AS resolution_days, \
                CAST(SUM(CASE WHEN COALESCE(rs, $1) - op > $3 THEN 1 ELSE 0 END) AS BIGINT) AS resolution_breaches, \
                CAST(SUM(compensation_minor) AS BIGINT) AS compensation, MIN(currency) AS currency \
             FROM (SELECT category, {op} AS op, {fr} AS fr, {rs} AS rs, compensation_minor, currency \
                   FROM complaints) c \
             WHERE op <= $1 GROUP BY category ORDER BY category",
            op = day_of(kind, "opened_at"),
            fr = day_of(kind, "first_response_at"),
            rs = day_of(kind, "resolved_at"),
        );
        with_pool!(self, pool => {
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(day_number(as_of))
                .bind(norms.first_response_days)
                .bind(norms.resolution_days)
                .fetch_all(pool)
                .await?;
            rows.iter()
                .map(|r| {
                    Ok(ComplaintNorms {
                        category: r.try_get("category")?,
                        complaints: r.try_get("complaints")?,
                        answered: r.try_get("answered")?,
                        response_days: r.try_get("response_days")?,
                        response_breaches: r.try_get("response_breaches")?,
                        resolved: r.try_get("resolved")?,
                        resolution_days: r.try_get("resolution_days")?,
                        resolution_breaches: r.try_get("resolution_breaches")?,
                        compensation_minor: r.try_get("compensation")?,
                        currency: r.try_get("currency")?,
                    })
                })
                .collect()
        })
    }
}
