//! Finding customers (by id, e-mail, phone or name) and a customer's timeline across every channel.

use crate::error::StoreError;
use crate::store::{Store, with_pool};
use chrono::{DateTime, NaiveTime, Utc};
use fidelis_domain::parse::{parse_email, parse_phone};
use serde::Serialize;
use sqlx::Row;

/// A line of a search result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CustomerHit {
    pub id: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub city: Option<String>,
    pub status: String,
}

/// One event of a customer's history, whatever its source.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TimelineEntry {
    pub at: DateTime<Utc>,
    /// `transaction`, `refund`, `interaction`, `complaint`, `life_event`, `contract`, `campaign`, `survey`.
    pub kind: String,
    /// What it was: product name, operation, complaint category, life event kind, campaign name…
    pub label: String,
    /// Channel name, when there is one.
    pub channel: Option<String>,
    /// Direction, status or outcome.
    pub detail: Option<String>,
    pub amount_minor: Option<i64>,
    pub currency: Option<String>,
}

/// A search line from a row of `HIT_COLUMNS`, for either backend.
fn hit<R: Row>(r: &R) -> Result<CustomerHit, StoreError>
where
    for<'c> &'c str: sqlx::ColumnIndex<R>,
    for<'r> String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> Option<String>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    Ok(CustomerHit {
        id: r.try_get("external_id")?,
        first_name: r.try_get("first_name")?,
        last_name: r.try_get("last_name")?,
        email: r.try_get("email")?,
        phone: r.try_get("phone")?,
        city: r.try_get("city")?,
        status: r.try_get("status")?,
    })
}

const HIT_COLUMNS: &str = "external_id, first_name, last_name, email, phone, city, status";

impl Store {
    /// Customers matching `query`: an exact id, or an e-mail, a phone number (normalised as on import),
    /// or a last-name prefix (case-insensitive). Each kind of match uses its own index.
    pub async fn search_customers(
        &self,
        query: &str,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<CustomerHit>, StoreError> {
        let query = query.trim();
        if query.is_empty() {
            return Ok(Vec::new());
        }
        let digits = query.chars().filter(char::is_ascii_digit).count();
        let (condition, value) = if query.contains('@') {
            (
                "email = $1",
                parse_email(query).unwrap_or_else(|_| query.to_lowercase()),
            )
        } else if let (true, Ok(phone)) = (digits >= 6, parse_phone(query)) {
            ("phone = $1", phone)
        } else {
            let prefix = query.to_lowercase();
            match self.backend_kind() {
                // The expression index on lower(last_name) serves a range on SQLite (binary collation) and a
                // LIKE prefix on PostgreSQL (text_pattern_ops, right in any locale).
                crate::BackendKind::Sqlite => (
                    "lower(last_name) >= $1 AND lower(last_name) < $1 || char(1114111)",
                    prefix,
                ),
                crate::BackendKind::Postgres => (
                    "lower(last_name) LIKE $1 ESCAPE '\\'",
                    format!(
                        "{}%",
                        prefix
                            .replace('\\', "\\\\")
                            .replace('%', "\\%")
                            .replace('_', "\\_")
                    ),
                ),
            }
        };
        let by_name = !query.contains('@') && !condition.starts_with("phone");
        let order = if by_name {
            "lower(last_name), external_id"
        } else {
            "external_id"
        };
        // The matches walk an index in its order and stop at the page: no sort of every match.
        let sql = format!(
            "SELECT {HIT_COLUMNS} FROM customers WHERE {condition} ORDER BY {order} LIMIT $2 OFFSET $3"
        );
        let by_id = format!("SELECT {HIT_COLUMNS} FROM customers WHERE external_id = $1");
        let (mut hits, matches) = with_pool!(self, pool => {
            let exact = if offset == 0 {
                sqlx::query(sqlx::AssertSqlSafe(by_id)).bind(query).fetch_optional(pool).await?.map(|r| hit(&r)).transpose()?
            } else {
                None
            };
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(value).bind(limit).bind(offset).fetch_all(pool).await?;
            let matches = rows.iter().map(hit).collect::<Result<Vec<_>, StoreError>>()?;
            Ok::<_, StoreError>((exact.into_iter().collect::<Vec<_>>(), matches))
        })?;
        // An exact id comes first, once.
        let exact_id = hits.first().map(|h| h.id.clone());
        hits.extend(
            matches
                .into_iter()
                .filter(|m| exact_id.as_deref() != Some(m.id.as_str())),
        );
        hits.truncate(limit.max(0) as usize);
        Ok(hits)
    }

    /// The customer's latest `limit` events across transactions, contracts, interactions, complaints, life
    /// events, campaigns and surveys, newest first. `None` for an unknown customer.
    pub async fn timeline(
        &self,
        customer: &str,
        limit: i64,
    ) -> Result<Option<Vec<TimelineEntry>>, StoreError> {
        let id: Option<i64> = with_pool!(self, pool => {
            sqlx::query_scalar("SELECT id FROM customers WHERE external_id = $1").bind(customer).fetch_optional(pool).await
        })?;
        let Some(id) = id else { return Ok(None) };
        let mut entries = Vec::new();
        // Each source is read newest first and cut at `limit`, so the merge needs no more.
        let timed_sources: [&str; 4] = [
            "SELECT t.occurred_at AS at, t.kind AS kind, p.name AS label, ch.name AS channel, NULL AS detail, \
                    t.amount_minor AS amount_minor, t.currency AS currency \
             FROM transactions t JOIN products p ON p.id = t.product_id LEFT JOIN channels ch ON ch.id = t.channel_id \
             WHERE t.customer_id = $1 ORDER BY t.occurred_at DESC LIMIT $2",
            "SELECT i.occurred_at AS at, 'interaction' AS kind, i.operation AS label, ch.name AS channel, \
                    i.direction || COALESCE(' · ' || i.outcome, '') AS detail, NULL AS amount_minor, NULL AS currency \
             FROM interactions i JOIN channels ch ON ch.id = i.channel_id \
             WHERE i.customer_id = $1 ORDER BY i.occurred_at DESC LIMIT $2",
            "SELECT c.opened_at AS at, 'complaint' AS kind, c.category AS label, ch.name AS channel, c.status AS detail, \
                    c.compensation_minor AS amount_minor, c.currency AS currency \
             FROM complaints c LEFT JOIN channels ch ON ch.id = c.channel_id \
             WHERE c.customer_id = $1 ORDER BY c.opened_at DESC LIMIT $2",
            "SELECT m.contacted_at AS at, 'campaign' AS kind, k.name AS label, ch.name AS channel, m.grp AS detail, \
                    NULL AS amount_minor, NULL AS currency \
             FROM campaign_members m JOIN campaigns k ON k.id = m.campaign_id LEFT JOIN channels ch ON ch.id = k.channel_id \
             WHERE m.customer_id = $1 AND m.contacted_at IS NOT NULL ORDER BY m.contacted_at DESC LIMIT $2",
        ];
        for sql in timed_sources {
            with_pool!(self, pool => {
            let rows = sqlx::query(sql).bind(id).bind(limit).fetch_all(pool).await?;
            for r in rows {
                entries.push(TimelineEntry {
                    at: r.try_get("at")?,
                    kind: r.try_get("kind")?,
                    label: r.try_get("label")?,
                    channel: r.try_get("channel")?,
                    detail: r.try_get("detail")?,
                    amount_minor: r.try_get("amount_minor")?,
                    currency: r.try_get("currency")?,
                });
            }
            Ok::<(), StoreError>(())
            })?;
        }
        // Sources dated by a calendar day are placed at midnight UTC.
        let dated_sources: [&str; 3] = [
            "SELECT k.start_date AS day, 'contract' AS kind, p.name AS label, k.status AS detail, \
                    k.monthly_fee_minor AS amount_minor, k.currency AS currency \
             FROM contracts k JOIN products p ON p.id = k.product_id \
             WHERE k.customer_id = $1 ORDER BY k.start_date DESC LIMIT $2",
            "SELECT e.occurred_on AS day, 'life_event' AS kind, e.kind AS label, e.details AS detail, \
                    NULL AS amount_minor, NULL AS currency \
             FROM life_events e WHERE e.customer_id = $1 ORDER BY e.occurred_on DESC LIMIT $2",
            "SELECT s.answered_on AS day, 'survey' AS kind, s.kind AS label, CAST(s.score AS TEXT) AS detail, \
                    NULL AS amount_minor, NULL AS currency \
             FROM surveys s WHERE s.customer_id = $1 ORDER BY s.answered_on DESC LIMIT $2",
        ];
        for sql in dated_sources {
            with_pool!(self, pool => {
            let rows = sqlx::query(sql).bind(id).bind(limit).fetch_all(pool).await?;
            for r in rows {
                let day: chrono::NaiveDate = r.try_get("day")?;
                entries.push(TimelineEntry {
                    at: day.and_time(NaiveTime::MIN).and_utc(),
                    kind: r.try_get("kind")?,
                    label: r.try_get("label")?,
                    channel: None,
                    detail: r.try_get("detail")?,
                    amount_minor: r.try_get("amount_minor")?,
                    currency: r.try_get("currency")?,
                });
            }
            Ok::<(), StoreError>(())
            })?;
        }
        entries.sort_by_key(|e| std::cmp::Reverse(e.at));
        entries.truncate(limit.max(0) as usize);
        Ok(Some(entries))
    }
}

impl Store {
    /// Every customer as a search line, by id (for exports).
    pub async fn all_customers(&self) -> Result<Vec<CustomerHit>, StoreError> {
        let sql = format!("SELECT {HIT_COLUMNS} FROM customers ORDER BY external_id");
        with_pool!(self, pool => {
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(pool).await?;
            rows.iter().map(hit).collect()
        })
    }
}
