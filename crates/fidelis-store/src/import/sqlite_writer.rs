//! The SQLite writer of an import: one connection of its own on the database file, one `BEGIN IMMEDIATE`
//! transaction, one prepared upsert executed row by row. Binding through sqlx costs about half the
//! throughput on bulk loads (BENCHMARKS.md), so file-backed SQLite stores take this path; the values are
//! written in exactly the text forms sqlx uses, so both read the same data and re-imports compare equal.

use super::rows::CheckedRow;
use super::write::UpsertPlan;
use super::{ImportOptions, Message, Progress, Written, settle_rejects};
use crate::error::ImportError;
use chrono::SecondsFormat;
use fidelis_domain::value::Value;
use rusqlite::{Statement, TransactionBehavior};
use std::path::{Path, PathBuf};
use std::time::Duration;

type Sender = tokio::sync::mpsc::UnboundedSender<Progress>;

/// A writer thread holding the database's write lock, consuming the reader's rows.
pub(crate) struct SqliteWriter {
    progress: tokio::sync::mpsc::UnboundedReceiver<Progress>,
    done: tokio::sync::oneshot::Receiver<Result<Written, ImportError>>,
    path: PathBuf,
}

impl SqliteWriter {
    /// Opens the file, begins an immediate (write-locked) transaction and returns once it holds the lock,
    /// then writes the rows coming from `rx` in the background.
    pub(crate) async fn start(
        file: PathBuf,
        plan: UpsertPlan,
        rx: tokio::sync::mpsc::Receiver<Message>,
        path: PathBuf,
        options: ImportOptions,
        bytes_total: u64,
    ) -> Result<SqliteWriter, ImportError> {
        let (progress_tx, progress) = tokio::sync::mpsc::unbounded_channel();
        let (ready_tx, ready) = tokio::sync::oneshot::channel();
        let (done_tx, done) = tokio::sync::oneshot::channel();
        let shown_path = path.clone();
        let job = Job {
            file,
            plan,
            path,
            options,
            bytes_total,
        };
        std::thread::spawn(move || {
            let result = run(&job, rx, &progress_tx, ready_tx);
            drop(progress_tx);
            let _ = done_tx.send(result);
        });
        let writer = SqliteWriter {
            progress,
            done,
            path: shown_path,
        };
        match ready.await {
            Ok(()) => Ok(writer),
            // The thread failed before taking the lock: its error is the answer.
            Err(_) => Err(writer
                .result()
                .await
                .err()
                .unwrap_or_else(|| stopped(&PathBuf::new()))),
        }
    }

    /// Relays progress until the writer is done, and returns what it wrote.
    pub(crate) async fn finish(
        mut self,
        progress: &(dyn Fn(Progress) + Sync),
    ) -> Result<Written, ImportError> {
        while let Some(p) = self.progress.recv().await {
            progress(p);
        }
        self.result().await
    }

    async fn result(self) -> Result<Written, ImportError> {
        let path = self.path;
        self.done.await.unwrap_or_else(|_| Err(stopped(&path)))
    }
}

fn stopped(path: &Path) -> ImportError {
    ImportError::Database {
        path: path.to_owned(),
        source: "the import writer stopped unexpectedly".into(),
    }
}

/// What the writer thread works on.
struct Job {
    file: PathBuf,
    plan: UpsertPlan,
    path: PathBuf,
    options: ImportOptions,
    bytes_total: u64,
}

fn run(
    job: &Job,
    mut rx: tokio::sync::mpsc::Receiver<Message>,
    progress: &Sender,
    ready: tokio::sync::oneshot::Sender<()>,
) -> Result<Written, ImportError> {
    let Job {
        file,
        plan,
        path,
        options,
        bytes_total,
    } = job;
    let bytes_total = *bytes_total;
    let db_error = |e: rusqlite::Error| ImportError::Database {
        path: path.to_owned(),
        source: Box::new(e),
    };
    let mut conn = rusqlite::Connection::open(file).map_err(db_error)?;
    conn.busy_timeout(Duration::from_secs(30))
        .map_err(db_error)?;
    // References were resolved against maps loaded while this transaction held the write lock, so
    // nothing can have removed them: the per-row foreign-key lookups would only repeat that work.
    conn.execute_batch(
        "PRAGMA foreign_keys = OFF; PRAGMA synchronous = NORMAL; PRAGMA cache_size = -262144;",
    )
    .map_err(db_error)?;
    // Dropping the transaction without committing rolls it back: every early return below does.
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(db_error)?;
    let _ = ready.send(());
    // The table name comes from the static entity specification, never from input.
    let count_sql = format!("SELECT COUNT(*) FROM {}", plan.table);
    let before: i64 = tx
        .query_row(&count_sql, [], |r| r.get(0))
        .map_err(db_error)?;
    let (mut read, mut affected, mut rejects) = (0u64, 0u64, Vec::new());
    {
        let mut statement = tx.prepare(&plan.single_row_sql()).map_err(db_error)?;
        // Where the time goes, for the debug log: waiting for the reader, or writing.
        let (mut waiting, mut writing) = (Duration::ZERO, Duration::ZERO);
        let mut clock = std::time::Instant::now();
        while let Some(message) = rx.blocking_recv() {
            waiting += clock.elapsed();
            clock = std::time::Instant::now();
            match message {
                Message::Rows {
                    rows,
                    rejects: found,
                    read: n,
                    bytes_done,
                } => {
                    read += n;
                    rejects.extend(found);
                    for row in rows {
                        affected += execute_row(&mut statement, row).map_err(db_error)? as u64;
                    }
                    let _ = progress.send(Progress {
                        bytes_done,
                        bytes_total,
                        rows_read: read,
                    });
                    writing += clock.elapsed();
                    clock = std::time::Instant::now();
                }
                Message::Failed(e) => return Err(e),
            }
        }
        tracing::debug!(
            table = plan.table,
            waiting_for_reader = waiting.as_secs_f64(),
            writing = writing.as_secs_f64(),
            "import rows written"
        );
    }
    let after: i64 = tx
        .query_row(&count_sql, [], |r| r.get(0))
        .map_err(db_error)?;
    let (rejects_file, commit) = settle_rejects(path, options, &rejects)?;
    if commit {
        tx.commit().map_err(db_error)?;
    }
    Ok(Written {
        read,
        affected,
        before,
        after,
        rejects,
        committed: commit,
        rejects_file,
    })
}

fn execute_row(statement: &mut Statement<'_>, row: CheckedRow) -> rusqlite::Result<usize> {
    let extra = row.attributes.map(Value::Json);
    for (i, value) in row.values.into_iter().chain(extra).enumerate() {
        let index = i + 1;
        match value {
            Value::Null => statement.raw_bind_parameter(index, rusqlite::types::Null)?,
            Value::Text(s) => statement.raw_bind_parameter(index, s)?,
            Value::Int(v) => statement.raw_bind_parameter(index, v)?,
            Value::Float(v) => statement.raw_bind_parameter(index, v)?,
            Value::Bool(v) => statement.raw_bind_parameter(index, v as i64)?,
            // The text forms sqlx's SQLite encoders write.
            Value::Date(d) => statement.raw_bind_parameter(index, d.format("%F").to_string())?,
            Value::DateTime(t) => statement
                .raw_bind_parameter(index, t.to_rfc3339_opts(SecondsFormat::AutoSi, false))?,
            Value::Json(j) => statement.raw_bind_parameter(index, j.to_string())?,
        }
    }
    statement.raw_execute()
}
