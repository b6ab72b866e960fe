//! Segments over time in the store: each segment refresh writes a run, the membership snapshot of
//! every segmentation (RFM, value, behavioural clusters, rule segments, ...) and the segments'
//! profiles against the population, in one transaction (migration `0006_segments.sql`). Reads give a
//! segmentation's sizes and value over the runs, the latest sizes for the dashboard and a customer's
//! segments for the agent screen.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use sqlx::Row;

use crate::error::StoreError;
use crate::store::{Store, with_pool};

/// A segment refresh to store. Customers are internal ids.
#[derive(Debug, Clone, Default)]
pub struct NewSegmentRun {
    pub as_of: NaiveDate,
    pub created_at: DateTime<Utc>,
    /// Customers segmented.
    pub customers: i64,
    /// The value refresh whose snapshots give the segments' margin and CLV.
    pub value_run_id: Option<i64>,
    /// How the segments were made (k-means criterion table, chosen k, features), as JSON.
    pub details: serde_json::Value,
    /// (segmentation, segment, customer).
    pub members: Vec<(String, String, i64)>,
    pub profiles: Vec<SegmentProfile>,
}

/// The mean of one fact in a segment, against the whole population.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SegmentProfile {
    pub segmentation: String,
    pub segment: String,
    pub fact: String,
    pub segment_mean: Option<f64>,
    pub population_mean: Option<f64>,
}

impl SegmentProfile {
    /// Index against the population: 100 × segment mean / population mean (100 = like everyone).
    pub fn index(&self) -> Option<f64> {
        match (self.segment_mean, self.population_mean) {
            (Some(s), Some(p)) if p != 0.0 => Some(100.0 * s / p),
            _ => None,
        }
    }
}

/// A stored segment refresh.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SegmentRun {
    pub id: i64,
    pub as_of: NaiveDate,
    pub created_at: DateTime<Utc>,
    pub customers: i64,
    pub value_run_id: Option<i64>,
    pub details: serde_json::Value,
}

/// A segment's size and value in one run. Money in minor units of the value refresh's currency.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SegmentSize {
    pub run_id: i64,
    pub as_of: NaiveDate,
    pub segmentation: String,
    pub segment: String,
    pub customers: i64,
    /// Σ net profitability to date (rentabilité) of the members.
    pub margin_minor: i64,
    /// Σ lifetime value of the members.
    pub clv_minor: i64,
}

/// One of a customer's segments.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CustomerSegment {
    pub run_id: i64,
    pub as_of: NaiveDate,
    pub segmentation: String,
    pub segment: String,
}

/// Membership rows per INSERT: 4 parameters each.
const MEMBERS_PER_STATEMENT: usize = 5_000;

impl Store {
    /// Stores a segment refresh in one transaction; returns its id.
    pub async fn save_segment_run(&self, run: &NewSegmentRun) -> Result<i64, StoreError> {
        let _turn = self.write_turn().await;
        with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let run_id: i64 = sqlx::query_scalar(
                "INSERT INTO segment_runs (as_of, created_at, customers, value_run_id, details) \
                 VALUES ($1, $2, $3, $4, $5) RETURNING id",
            )
            .bind(run.as_of)
            .bind(run.created_at)
            .bind(run.customers)
            .bind(run.value_run_id)
            .bind(&run.details)
            .fetch_one(&mut *tx)
            .await?;
            for chunk in run.members.chunks(MEMBERS_PER_STATEMENT) {
                let mut qb = sqlx::QueryBuilder::new(
                    "INSERT INTO segment_members (run_id, segmentation, segment, customer_id) ",
                );
                qb.push_values(chunk, |mut b, (segmentation, segment, customer)| {
                    b.push_bind(run_id).push_bind(segmentation).push_bind(segment).push_bind(*customer);
                });
                qb.build().execute(&mut *tx).await?;
            }
            for chunk in run.profiles.chunks(MEMBERS_PER_STATEMENT / 2) {
                let mut qb = sqlx::QueryBuilder::new(
                    "INSERT INTO segment_profiles (run_id, segmentation, segment, fact, segment_mean, population_mean) ",
                );
                qb.push_values(chunk, |mut b, p| {
                    b.push_bind(run_id)
                        .push_bind(&p.segmentation)
                        .push_bind(&p.segment)
                        .push_bind(&p.fact)
                        .push_bind(p.segment_mean)
                        .push_bind(p.population_mean);
                });
                qb.build().execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok(run_id)
        })
    }

    /// Every segment refresh, oldest first.
    pub async fn segment_runs(&self) -> Result<Vec<SegmentRun>, StoreError> {
        with_pool!(self, pool => {
            let mut out = Vec::new();
            for r in sqlx::query(
                "SELECT id, as_of, created_at, customers, value_run_id, details FROM segment_runs ORDER BY id",
            )
            .fetch_all(pool)
            .await?
            {
                out.push(SegmentRun {
                    id: r.try_get(0)?,
                    as_of: r.try_get(1)?,
                    created_at: r.try_get(2)?,
                    customers: r.try_get(3)?,
                    value_run_id: r.try_get(4)?,
                    details: r.try_get(5)?,
                });
            }
            Ok(out)
        })
    }

    /// Size and value of every segment in every run (of one segmentation, or all), by run then
    /// segmentation then segment.
    pub async fn segment_history(
        &self,
        segmentation: Option<&str>,
    ) -> Result<Vec<SegmentSize>, StoreError> {
        self.sizes(None, segmentation).await
    }

    /// For the dashboard: (segment, customers, margin, CLV) of one segmentation in the latest run,
    /// money in minor units; empty before the first refresh.
    pub async fn segment_sizes(
        &self,
        segmentation: &str,
    ) -> Result<Vec<(String, i64, i64, i64)>, StoreError> {
        let latest: Option<i64> = with_pool!(self, pool => {
            sqlx::query_scalar("SELECT MAX(id) FROM segment_runs").fetch_one(pool).await
        })?;
        let Some(run) = latest else {
            return Ok(Vec::new());
        };
        Ok(self
            .sizes(Some(run), Some(segmentation))
            .await?
            .into_iter()
            .map(|s| (s.segment, s.customers, s.margin_minor, s.clv_minor))
            .collect())
    }

    async fn sizes(
        &self,
        run: Option<i64>,
        segmentation: Option<&str>,
    ) -> Result<Vec<SegmentSize>, StoreError> {
        let sql = "SELECT r.id, r.as_of, m.segmentation, m.segment, COUNT(*), \
                   CAST(COALESCE(SUM(s.net_minor), 0) AS BIGINT), CAST(COALESCE(SUM(s.clv_minor), 0) AS BIGINT) \
                   FROM segment_members m JOIN segment_runs r ON r.id = m.run_id \
                   LEFT JOIN customer_value_snapshots s ON s.run_id = r.value_run_id AND s.customer_id = m.customer_id \
                   WHERE (CAST($1 AS BIGINT) IS NULL OR r.id = $1) AND (CAST($2 AS TEXT) IS NULL OR m.segmentation = $2) \
                   GROUP BY r.id, r.as_of, m.segmentation, m.segment ORDER BY r.id, m.segmentation, m.segment";
        with_pool!(self, pool => {
            let mut out = Vec::new();
            for r in sqlx::query(sql).bind(run).bind(segmentation).fetch_all(pool).await? {
                out.push(SegmentSize {
                    run_id: r.try_get(0)?,
                    as_of: r.try_get(1)?,
                    segmentation: r.try_get(2)?,
                    segment: r.try_get(3)?,
                    customers: r.try_get(4)?,
                    margin_minor: r.try_get(5)?,
                    clv_minor: r.try_get(6)?,
                });
            }
            Ok(out)
        })
    }

    /// The segments' profiles of a run (of one segmentation, or all).
    pub async fn segment_profiles(
        &self,
        run_id: i64,
        segmentation: Option<&str>,
    ) -> Result<Vec<SegmentProfile>, StoreError> {
        let sql = "SELECT segmentation, segment, fact, segment_mean, population_mean FROM segment_profiles \
                   WHERE run_id = $1 AND (CAST($2 AS TEXT) IS NULL OR segmentation = $2) \
                   ORDER BY segmentation, segment, fact";
        with_pool!(self, pool => {
            let mut out = Vec::new();
            for r in sqlx::query(sql).bind(run_id).bind(segmentation).fetch_all(pool).await? {
                out.push(SegmentProfile {
                    segmentation: r.try_get(0)?,
                    segment: r.try_get(1)?,
                    fact: r.try_get(2)?,
                    segment_mean: r.try_get(3)?,
                    population_mean: r.try_get(4)?,
                });
            }
            Ok(out)
        })
    }

    /// For the agent screen: a customer's segments in the latest run that segmented them; `None` for
    /// an unknown customer.
    pub async fn customer_segments(
        &self,
        external_id: &str,
    ) -> Result<Option<Vec<CustomerSegment>>, StoreError> {
        with_pool!(self, pool => {
            let id: Option<i64> = sqlx::query_scalar("SELECT id FROM customers WHERE external_id = $1")
                .bind(external_id)
                .fetch_optional(pool)
                .await?;
            let Some(id) = id else { return Ok(None) };
            let mut out = Vec::new();
            for r in sqlx::query(
                "SELECT r.id, r.as_of, m.segmentation, m.segment FROM segment_members m \
                 JOIN segment_runs r ON r.id = m.run_id \
                 WHERE m.customer_id = $1 AND m.run_id = (SELECT MAX(run_id) FROM segment_members WHERE customer_id = $1) \
                 ORDER BY m.segmentation, m.segment",
            )
            .bind(id)
            .fetch_all(pool)
            .await?
            {
                out.push(CustomerSegment {
                    run_id: r.try_get(0)?,
                    as_of: r.try_get(1)?,
                    segmentation: r.try_get(2)?,
                    segment: r.try_get(3)?,
                });
            }
            Ok(Some(out))
        })
    }
}
