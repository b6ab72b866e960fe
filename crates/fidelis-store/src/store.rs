//! The one concrete `Store`: a SQLite or PostgreSQL pool chosen by the database URL, with the backend
//! dispatch kept inside so that callers never see a database type parameter.

use crate::error::StoreError;
use crate::migrate;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use std::str::FromStr;
use std::time::Duration;

/// Which database engine a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackendKind {
    Sqlite,
    Postgres,
}

pub(crate) enum Backend {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Runs the same code against whichever pool the store holds; each arm is type-checked for its backend.
macro_rules! with_pool {
    ($store:expr, $pool:ident => $body:expr) => {
        match &$store.backend {
            $crate::store::Backend::Sqlite($pool) => $body,
            $crate::store::Backend::Postgres($pool) => $body,
        }
    };
}
pub(crate) use with_pool;

/// The customer database.
pub struct Store {
    pub(crate) backend: Backend,
    /// The database file of a file-backed SQLite store (the bulk import writes it directly).
    pub(crate) sqlite_file: Option<std::path::PathBuf>,
    /// Serialises the small writes of concurrent requests on SQLite: one writer at a time inside the
    /// process instead of SQLite's busy-wait back-off (sleeps of up to 100 ms), which made the tail
    /// latency of pages that write an audit entry.
    write_gate: tokio::sync::Mutex<()>,
}

impl Store {
    /// Opens (creating a SQLite file if needed) the database at `url` and applies pending migrations.
    ///
    /// `sqlite://path/to/file.db` (or `sqlite::memory:`), `postgres://user@host:port/db`.
    pub async fn open(url: &str) -> Result<Store, StoreError> {
        let store = Store::connect(url).await?;
        migrate::run(&store).await?;
        Ok(store)
    }

    async fn connect(url: &str) -> Result<Store, StoreError> {
        let bad_url = |reason: String| StoreError::Url {
            url: redact(url),
            reason,
        };
        if url.starts_with("sqlite:") {
            let options = SqliteConnectOptions::from_str(url)
                .map_err(|e| bad_url(e.to_string()))?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(30))
                // Checkpoints run in the background (`checkpoint`), not inside the commit of whichever
                // request crosses the threshold: that commit would wait for the copy and its fsync.
                .pragma("wal_autocheckpoint", "0");
            // An in-memory database lives in one connection; a file is shared by a small pool.
            let in_memory = url.contains(":memory:") || url.contains("mode=memory");
            let max = if in_memory { 1 } else { 4 };
            let sqlite_file = (!in_memory).then(|| options.get_filename().to_owned());
            let pool = SqlitePoolOptions::new()
                .max_connections(max)
                .connect_with(options)
                .await
                .map_err(|e| StoreError::Connect {
                    url: redact(url),
                    source: e,
                })?;
            Ok(Store {
                backend: Backend::Sqlite(pool),
                sqlite_file,
                write_gate: Default::default(),
            })
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            let options = PgConnectOptions::from_str(url).map_err(|e| bad_url(e.to_string()))?;
            let pool = PgPoolOptions::new()
                .max_connections(8)
                .acquire_timeout(Duration::from_secs(30))
                .connect_with(options)
                .await
                .map_err(|e| StoreError::Connect {
                    url: redact(url),
                    source: e,
                })?;
            Ok(Store {
                backend: Backend::Postgres(pool),
                sqlite_file: None,
                write_gate: Default::default(),
            })
        } else {
            Err(bad_url(
                "expected a URL starting with sqlite:// or postgres://".into(),
            ))
        }
    }

    /// Held while a request writes, on SQLite only (PostgreSQL handles concurrent writers itself).
    pub(crate) async fn write_turn(&self) -> Option<tokio::sync::MutexGuard<'_, ()>> {
        match self.backend {
            Backend::Sqlite(_) => Some(self.write_gate.lock().await),
            Backend::Postgres(_) => None,
        }
    }

    /// Copies SQLite's write-ahead log back into the database without blocking readers or writers
    /// (`PASSIVE`); a long-running process calls it every few seconds. Nothing to do on PostgreSQL.
    pub async fn checkpoint(&self) -> Result<(), StoreError> {
        if let Backend::Sqlite(pool) = &self.backend {
            sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
                .execute(pool)
                .await?;
        }
        Ok(())
    }

    /// Flushes the log fully before closing (so the database file stands alone).
    async fn final_checkpoint(&self) {
        if let Backend::Sqlite(pool) = &self.backend {
            let _ = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                .execute(pool)
                .await;
        }
    }

    pub fn backend_kind(&self) -> BackendKind {
        match self.backend {
            Backend::Sqlite(_) => BackendKind::Sqlite,
            Backend::Postgres(_) => BackendKind::Postgres,
        }
    }

    /// Closes the pool, waiting for connections to finish (flushes SQLite's WAL).
    pub async fn close(&self) {
        self.final_checkpoint().await;
        with_pool!(self, pool => pool.close().await)
    }
}

/// The URL with any password replaced, for messages and logs.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{}:***{}", &url[..scheme_end + 3], user, &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(
            redact("postgres://app:s3cret@db:5432/crm"),
            "postgres://app:***@db:5432/crm"
        );
        assert_eq!(redact("postgres://app@db/crm"), "postgres://app@db/crm");
        assert_eq!(redact("sqlite://fidelis.db"), "sqlite://fidelis.db");
    }
}
