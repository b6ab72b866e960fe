//! Errors of the store and of imports, each naming what the user must look at.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("invalid database URL {url}: {reason}")]
    Url { url: String, reason: String },
    #[error("cannot connect to {url}: {source}")]
    Connect { url: String, source: sqlx::Error },
    #[error("migration {version} failed: {source}")]
    Migration { version: i64, source: sqlx::Error },
    #[error("{0}")]
    Conflict(String),
    /// A value given to the store (through the API) is not acceptable; the message names the field,
    /// the value and what was expected.
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    NotFound(String),
    #[error("inconsistent data: {0}")]
    Corrupt(String),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("cannot read {path}: {source}")]
    Sqlite {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error("cannot write {path}: {source}")]
    SqliteWrite {
        path: PathBuf,
        source: rusqlite::Error,
    },
}

/// Why an import stopped before committing anything. Rejected rows are not errors: they are reported in
/// the summary and the rejects file.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write the rejects file {path}: {source}")]
    WriteRejects {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}, line {line}: {message}")]
    Header {
        path: PathBuf,
        line: u64,
        message: String,
    },
    #[error("{path}: {message}")]
    File { path: PathBuf, message: String },
    #[error(
        "{path}: nothing was imported, {rejected} rows were rejected and --all-or-nothing was given"
    )]
    AllOrNothing { path: PathBuf, rejected: u64 },
    #[error("{path}: the database refused the batch, nothing was imported: {source}")]
    Database {
        path: PathBuf,
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}
