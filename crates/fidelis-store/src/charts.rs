//! Reads shaped for the dashboard's charts.

use crate::error::StoreError;
use crate::store::{Store, with_pool};
use serde::Serialize;
use sqlx::Row;

/// One customer of the value matrix scatter.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ValuePoint {
    pub net_minor: i64,
    pub clv_minor: i64,
    pub strategy: String,
}

impl Store {
    /// At most about `max_points` customers of a refresh run, a deterministic sample by customer id.
    pub async fn value_points(
        &self,
        run_id: i64,
        max_points: i64,
    ) -> Result<Vec<ValuePoint>, StoreError> {
        with_pool!(self, pool => {
            let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM customer_value_snapshots WHERE run_id = $1")
                .bind(run_id)
                .fetch_one(pool)
                .await?;
            let step = (total / max_points.max(1)).max(1);
            let rows = sqlx::query(
                "SELECT net_minor, clv_minor, strategy FROM customer_value_snapshots \
                 WHERE run_id = $1 AND customer_id % $2 = 0 ORDER BY customer_id",
            )
            .bind(run_id)
            .bind(step)
            .fetch_all(pool)
            .await?;
            rows.into_iter()
                .map(|r| {
                    Ok(ValuePoint {
                        net_minor: r.try_get("net_minor")?,
                        clv_minor: r.try_get("clv_minor")?,
                        strategy: r.try_get("strategy")?,
                    })
                })
                .collect()
        })
    }
}
