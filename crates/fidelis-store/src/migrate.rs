//! Schema migrations, one folder per backend, embedded in the binary and applied in order, each in its
//! own transaction. A small runner of our own: sqlx's needs its macros feature (a proc-macro build of both
//! drivers) for what is a dozen lines here.

use crate::error::StoreError;
use crate::store::{Store, with_pool};

struct Migration {
    version: i64,
    description: &'static str,
    sqlite: &'static str,
    postgres: &'static str,
}

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        description: "initial schema",
        sqlite: include_str!("../migrations/sqlite/0001_initial.sql"),
        postgres: include_str!("../migrations/postgres/0001_initial.sql"),
    },
    Migration {
        version: 2,
        description: "customer value snapshots",
        sqlite: include_str!("../migrations/sqlite/0002_value.sql"),
        postgres: include_str!("../migrations/postgres/0002_value.sql"),
    },
    Migration {
        version: 3,
        description: "users, sessions, API tokens, audit log",
        sqlite: include_str!("../migrations/sqlite/0003_auth.sql"),
        postgres: include_str!("../migrations/postgres/0003_auth.sql"),
    },
    Migration {
        version: 4,
        description: "name search index in search order",
        sqlite: include_str!("../migrations/sqlite/0004_search_index.sql"),
        postgres: include_str!("../migrations/postgres/0004_search_index.sql"),
    },
    Migration {
        version: 5,
        description: "churn and acquisition model registry, departure scores",
        sqlite: include_str!("../migrations/sqlite/0005_churn.sql"),
        postgres: include_str!("../migrations/postgres/0005_churn.sql"),
    },
    Migration {
        version: 6,
        description: "segment runs, memberships and profiles",
        sqlite: include_str!("../migrations/sqlite/0006_segments.sql"),
        postgres: include_str!("../migrations/postgres/0006_segments.sql"),
    },
    Migration {
        version: 7,
        description: "outbox, contact suppressions, campaign plans, call tasks, responses",
        sqlite: include_str!("../migrations/sqlite/0007_outbox.sql"),
        postgres: include_str!("../migrations/postgres/0007_outbox.sql"),
    },
    Migration {
        version: 8,
        description: "departure alerts and their outcomes",
        sqlite: include_str!("../migrations/sqlite/0008_alerts.sql"),
        postgres: include_str!("../migrations/postgres/0008_alerts.sql"),
    },
    Migration {
        version: 9,
        description: "expected cost to serve in value snapshots",
        sqlite: include_str!("../migrations/sqlite/0009_service_clv.sql"),
        postgres: include_str!("../migrations/postgres/0009_service_clv.sql"),
    },
    Migration {
        version: 10,
        description: "recurring campaigns: triggers, waves, occasions",
        sqlite: include_str!("../migrations/sqlite/0010_campaign_waves.sql"),
        postgres: include_str!("../migrations/postgres/0010_campaign_waves.sql"),
    },
    Migration {
        version: 11,
        description: "outbox and suppression checks without IN lists (SQLite)",
        sqlite: include_str!("../migrations/sqlite/0011_outbox_checks.sql"),
        postgres: include_str!("../migrations/postgres/0011_outbox_checks.sql"),
    },
];

/// Applies the migrations not yet recorded in `schema_migrations`.
pub(crate) async fn run(store: &Store) -> Result<(), StoreError> {
    let create = "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, description TEXT NOT NULL)";
    with_pool!(store, pool => {
        sqlx::raw_sql(create).execute(pool).await?;
        let applied: Vec<i64> = sqlx::query_scalar("SELECT version FROM schema_migrations")
            .fetch_all(pool)
            .await?;
        // In version order, whatever the order of the list.
        let mut pending: Vec<&Migration> =
            MIGRATIONS.iter().filter(|m| !applied.contains(&m.version)).collect();
        pending.sort_by_key(|m| m.version);
        for m in pending {
            let sql = match store.backend_kind() {
                crate::BackendKind::Sqlite => m.sqlite,
                crate::BackendKind::Postgres => m.postgres,
            };
            let mut tx = pool.begin().await?;
            sqlx::raw_sql(sql).execute(&mut *tx).await.map_err(|e| StoreError::Migration {
                version: m.version,
                source: e,
            })?;
            sqlx::query("INSERT INTO schema_migrations (version, description) VALUES ($1, $2)")
                .bind(m.version)
                .bind(m.description)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            tracing::info!(version = m.version, description = m.description, "migration applied");
        }
        Ok(())
    })
}

/// The latest schema version this binary knows.
pub fn latest_version() -> i64 {
    MIGRATIONS.iter().map(|m| m.version).max().unwrap_or(0)
}
