//! Validated, atomic import of CSV and JSONL files.
//!
//! A reader thread decodes and checks rows while the writer upserts them in one database transaction,
//! so a failure anywhere leaves the store as it was. Rejected rows are listed in a rejects file and never
//! stop the import, unless `all_or_nothing` asks for that.

mod rejects;
mod rows;
mod source;
mod sqlite_writer;
mod write;

pub use rejects::Reject;

use crate::error::{ImportError, StoreError};
use crate::store::{Store, with_pool};
use chrono::NaiveDate;
use fidelis_domain::Entity;
use fidelis_domain::schema::{EntitySpec, FieldKind};
use rows::{CheckedRow, References, RowChecker};
use serde::Serialize;
use source::{ColumnMapper, Target};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use write::{ImportConnection, UpsertPlan};

/// File formats an import reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Csv,
    Jsonl,
}

impl Format {
    /// JSONL for `.jsonl`/`.ndjson`/`.json`, CSV otherwise.
    pub fn from_path(path: &Path) -> Format {
        match path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("jsonl" | "ndjson" | "json") => Format::Jsonl,
            _ => Format::Csv,
        }
    }
}

/// What to import and how.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    pub entity: Entity,
    /// Detected from the extension when absent.
    pub format: Option<Format>,
    /// `(column in the file, field)` pairs overriding the column names.
    pub mappings: Vec<(String, String)>,
    /// Where rejected rows are written; `<file>.rejects.csv` when absent.
    pub rejects_path: Option<PathBuf>,
    /// Roll everything back when any row is rejected.
    pub all_or_nothing: bool,
    /// Today's date, bounding dates that cannot be in the future (birth dates).
    pub today: NaiveDate,
}

impl ImportOptions {
    pub fn new(entity: Entity, today: NaiveDate) -> ImportOptions {
        ImportOptions {
            entity,
            format: None,
            mappings: Vec::new(),
            rejects_path: None,
            all_or_nothing: false,
            today,
        }
    }
}

/// How far an import has gone, for a progress bar.
#[derive(Debug, Clone, Copy)]
pub struct Progress {
    pub bytes_done: u64,
    pub bytes_total: u64,
    pub rows_read: u64,
}

/// The outcome of an import.
#[derive(Debug, Clone, Serialize)]
pub struct ImportSummary {
    pub entity: Entity,
    pub file: String,
    pub format: Format,
    pub encoding: &'static str,
    pub read: u64,
    pub inserted: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub rejected: u64,
    /// False when `all_or_nothing` rolled the import back.
    pub committed: bool,
    pub rejects_file: Option<String>,
    /// The first rejects, for display (the file has them all).
    #[serde(skip)]
    pub first_rejects: Vec<Reject>,
}

/// What the reader thread sends the writer.
pub(crate) enum Message {
    Rows {
        rows: Vec<CheckedRow>,
        rejects: Vec<Reject>,
        read: u64,
        bytes_done: u64,
    },
    Failed(ImportError),
}

const ROWS_PER_MESSAGE: usize = 5_000;

/// Imports one file into the store.
pub async fn import_file(
    store: &Store,
    path: &Path,
    options: &ImportOptions,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<ImportSummary, ImportError> {
    let bytes = std::fs::read(path).map_err(|source| ImportError::Read {
        path: path.to_owned(),
        source,
    })?;
    let bytes_total = bytes.len() as u64;
    let spec = options.entity.spec();
    let format = options.format.unwrap_or_else(|| Format::from_path(path));
    let plan = UpsertPlan::new(spec, store.backend_kind());
    let (tx, rx) = tokio::sync::mpsc::channel::<Message>(4);

    // A file-backed SQLite store is written by a writer that first takes the database's write lock, so
    // the references loaded next cannot change (or vanish) before the import commits.
    let writer = match &store.sqlite_file {
        Some(file) => Writer::Sqlite(
            sqlite_writer::SqliteWriter::start(
                file.clone(),
                plan,
                rx,
                path.to_owned(),
                options.clone(),
                bytes_total,
            )
            .await?,
        ),
        None => Writer::Sqlx(plan, rx),
    };
    let refs = Arc::new(load_references(store, spec).await?);

    // The reader thread: decoding, parsing and checking, sent in chunks.
    let reader = {
        let path = path.to_owned();
        let options = options.clone();
        let refs = Arc::clone(&refs);
        std::thread::spawn(move || read_rows(bytes, &path, &options, format, &refs, &tx))
    };

    let written = match writer {
        Writer::Sqlite(writer) => writer.finish(progress).await,
        Writer::Sqlx(plan, rx) => {
            write_with_sqlx(store, &plan, rx, path, options, bytes_total, progress).await
        }
    };
    // The reader stops on its own once the writer has dropped the receiving end.
    let encoding = reader.join().unwrap_or("utf-8");
    let written = written?;
    let rejected = written
        .rejects
        .iter()
        .map(|r| r.line)
        .collect::<std::collections::HashSet<_>>()
        .len() as u64;
    let (inserted, updated) = if written.committed {
        let inserted = (written.after - written.before).max(0) as u64;
        (inserted, written.affected.saturating_sub(inserted))
    } else {
        (0, 0)
    };
    Ok(ImportSummary {
        entity: options.entity,
        file: path.display().to_string(),
        format,
        encoding,
        read: written.read,
        inserted,
        updated,
        unchanged: if written.committed {
            written.read - rejected - inserted - updated
        } else {
            0
        },
        rejected,
        committed: written.committed,
        rejects_file: written.rejects_file.map(|p| p.display().to_string()),
        first_rejects: written.rejects.into_iter().take(20).collect(),
    })
}

/// Who writes the checked rows.
enum Writer {
    Sqlite(sqlite_writer::SqliteWriter),
    Sqlx(UpsertPlan, tokio::sync::mpsc::Receiver<Message>),
}

/// What a writer did: rows read and written, table sizes around the batch, the rejects and whether the
/// transaction was committed.
pub(crate) struct Written {
    pub read: u64,
    pub affected: u64,
    pub before: i64,
    pub after: i64,
    pub rejects: Vec<Reject>,
    pub committed: bool,
    pub rejects_file: Option<PathBuf>,
}

/// Writes the rejects file (or removes a stale one) and says whether the batch may be committed.
pub(crate) fn settle_rejects(
    path: &Path,
    options: &ImportOptions,
    rejects: &[Reject],
) -> Result<(Option<PathBuf>, bool), ImportError> {
    let rejects_path = options
        .rejects_path
        .clone()
        .unwrap_or_else(|| default_rejects_path(path));
    if rejects.is_empty() {
        // A rejects file left by an earlier run of the same file would now be misleading.
        if options.rejects_path.is_none() && rejects_path.exists() {
            let _ = std::fs::remove_file(&rejects_path);
        }
        return Ok((None, true));
    }
    rejects::write_rejects(&rejects_path, rejects).map_err(|source| ImportError::WriteRejects {
        path: rejects_path.clone(),
        source,
    })?;
    Ok((Some(rejects_path), !options.all_or_nothing))
}

/// The writer for PostgreSQL (and in-memory SQLite): multi-row upserts through sqlx in one transaction.
async fn write_with_sqlx(
    store: &Store,
    plan: &UpsertPlan,
    mut rx: tokio::sync::mpsc::Receiver<Message>,
    path: &Path,
    options: &ImportOptions,
    bytes_total: u64,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<Written, ImportError> {
    let database_error = |source: sqlx::Error| ImportError::Database {
        path: path.to_owned(),
        source: Box::new(source),
    };
    with_pool!(store, pool => {
        let mut db = pool.begin().await.map_err(database_error)?;
        let before = db.count_rows(plan.table).await.map_err(database_error)?;
        let (mut read, mut affected, mut rejects) = (0u64, 0u64, Vec::new());
        while let Some(message) = rx.recv().await {
            match message {
                Message::Rows { rows, rejects: found, read: n, bytes_done } => {
                    read += n;
                    rejects.extend(found);
                    if !rows.is_empty() {
                        // On error the transaction is dropped, which rolls it back.
                        affected += db.upsert(plan, rows).await.map_err(database_error)?;
                    }
                    progress(Progress { bytes_done, bytes_total, rows_read: read });
                }
                Message::Failed(e) => return Err(e),
            }
        }
        let after = db.count_rows(plan.table).await.map_err(database_error)?;
        let (rejects_file, commit) = settle_rejects(path, options, &rejects)?;
        if commit {
            db.commit().await.map_err(database_error)?;
        } else {
            db.rollback().await.map_err(database_error)?;
        }
        Ok(Written { read, affected, before, after, rejects, committed: commit, rejects_file })
    })
}

/// `customers.csv` → `customers.csv.rejects.csv`, beside the input.
pub fn default_rejects_path(path: &Path) -> PathBuf {
    let mut name = path
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(".rejects.csv");
    path.with_file_name(name)
}

async fn load_references(store: &Store, spec: &EntitySpec) -> Result<References, StoreError> {
    let mut refs = References::default();
    for field in spec.fields {
        if let FieldKind::Ref(target) = field.kind {
            if refs.ids.contains_key(&target) {
                continue;
            }
            let sql = format!("SELECT external_id, id FROM {}", target.spec().table);
            let pairs: Vec<(String, i64)> = with_pool!(store, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_all(pool).await)?;
            refs.ids
                .insert(target, pairs.into_iter().collect::<HashMap<_, _>>());
        }
    }
    if spec.entity == Entity::Transactions {
        let costs: Vec<(i64, i64)> = with_pool!(store, pool => sqlx::query_as("SELECT id, unit_cost_minor FROM products").fetch_all(pool).await)?;
        refs.product_unit_costs = costs.into_iter().collect();
    }
    Ok(refs)
}

/// The reader thread's work. Returns the encoding the file was read with.
fn read_rows(
    bytes: Vec<u8>,
    path: &Path,
    options: &ImportOptions,
    format: Format,
    refs: &References,
    tx: &tokio::sync::mpsc::Sender<Message>,
) -> &'static str {
    let decoded = source::decode(bytes);
    let encoding = decoded.encoding;
    let spec = options.entity.spec();
    let fail = |e: ImportError| {
        let _ = tx.blocking_send(Message::Failed(e));
        encoding
    };
    let mapper = match ColumnMapper::new(spec, &options.mappings) {
        Ok(m) => m,
        Err(message) => {
            return fail(ImportError::Header {
                path: path.to_owned(),
                line: 1,
                message,
            });
        }
    };
    let mut checker = RowChecker::new(spec, refs, options.today);
    let mut batch = Batch::default();
    let send = |batch: &mut Batch, bytes_done: u64| -> bool {
        let message = Message::Rows {
            rows: std::mem::take(&mut batch.rows),
            rejects: std::mem::take(&mut batch.rejects),
            read: std::mem::take(&mut batch.read),
            bytes_done,
        };
        tx.blocking_send(message).is_ok()
    };

    match format {
        Format::Csv => {
            let text = decoded.text.as_str();
            if text.trim().is_empty() {
                return fail(ImportError::File {
                    path: path.to_owned(),
                    message: "the file is empty: expected a header line".into(),
                });
            }
            let mut reader = csv::ReaderBuilder::new()
                .delimiter(source::detect_delimiter(text))
                .flexible(true)
                .has_headers(false)
                .from_reader(text.as_bytes());
            let mut records = reader.records();
            let header = match records.next() {
                Some(Ok(h)) => h,
                Some(Err(e)) => {
                    return fail(ImportError::Header {
                        path: path.to_owned(),
                        line: 1,
                        message: e.to_string(),
                    });
                }
                None => {
                    return fail(ImportError::File {
                        path: path.to_owned(),
                        message: "the file is empty".into(),
                    });
                }
            };
            let header: Vec<&str> = header.iter().collect();
            let targets = match mapper.map_header(&header) {
                Ok(t) => t,
                Err(message) => {
                    return fail(ImportError::Header {
                        path: path.to_owned(),
                        line: 1,
                        message,
                    });
                }
            };
            for result in records {
                let record = match result {
                    Ok(r) => r,
                    Err(e) => {
                        let line = e.position().map(|p| p.line()).unwrap_or(0);
                        batch.read += 1;
                        batch.rejects.push(Reject::new(
                            line,
                            "",
                            "",
                            format!("a well-formed CSV line: {e}"),
                        ));
                        continue;
                    }
                };
                let line = record.position().map(|p| p.line()).unwrap_or(0);
                let byte = record.position().map(|p| p.byte()).unwrap_or(0);
                batch.read += 1;
                if record.len() != targets.len() {
                    let shown = record.iter().collect::<Vec<_>>().join(",");
                    let reason = format!(
                        "{} fields as in the header, found {}{}",
                        targets.len(),
                        record.len(),
                        if record.len() < targets.len() {
                            " (truncated line?)"
                        } else {
                            ""
                        }
                    );
                    batch
                        .rejects
                        .push(Reject::new(line, "(row)", &shown, reason));
                } else {
                    let mut cells: Vec<Option<&str>> = vec![None; spec.fields.len()];
                    let mut attributes = Vec::new();
                    for (target, cell) in targets.iter().zip(record.iter()) {
                        let cell = cell.trim();
                        match target {
                            Target::Field(i) if !cell.is_empty() => cells[*i] = Some(cell),
                            Target::Field(_) => {}
                            Target::Attribute(name) => {
                                attributes.push((name.clone(), cell.to_owned()))
                            }
                        }
                    }
                    if let Some(row) = checker.check(line, &cells, &attributes, &mut batch.rejects)
                    {
                        batch.rows.push(row);
                    }
                }
                if batch.rows.len() >= ROWS_PER_MESSAGE && !send(&mut batch, byte) {
                    return encoding;
                }
            }
        }
        Format::Jsonl => {
            let mut target_cache: HashMap<String, Option<Target>> = HashMap::new();
            let mut offset = 0u64;
            for (index, raw_line) in decoded.text.split('\n').enumerate() {
                let line = index as u64 + 1;
                offset += raw_line.len() as u64 + 1;
                let raw = raw_line.trim();
                if raw.is_empty() {
                    continue;
                }
                batch.read += 1;
                let object =
                    match serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(raw) {
                        Ok(o) => o,
                        Err(e) => {
                            batch.rejects.push(Reject::new(
                                line,
                                "(row)",
                                raw,
                                format!("a JSON object: {e}"),
                            ));
                            continue;
                        }
                    };
                let mut owned: Vec<Option<std::borrow::Cow<'_, str>>> =
                    vec![None; spec.fields.len()];
                let mut attributes = Vec::new();
                let mut bad = false;
                for (key, value) in &object {
                    let target = target_cache
                        .entry(key.clone())
                        .or_insert_with(|| mapper.target(key))
                        .clone();
                    let text = match source::json_cell(value) {
                        Ok(t) => t,
                        Err(expected) => {
                            batch.rejects.push(Reject::new(
                                line,
                                key,
                                &value.to_string(),
                                format!("expected {expected}"),
                            ));
                            bad = true;
                            continue;
                        }
                    };
                    match target {
                        Some(Target::Field(i)) => owned[i] = text.filter(|t| !t.trim().is_empty()),
                        Some(Target::Attribute(name)) => attributes
                            .push((name, text.map(|t| t.into_owned()).unwrap_or_default())),
                        None => {
                            let reason = format!(
                                "a known field of {}: {}",
                                spec.table,
                                source::field_list(spec)
                            );
                            batch.rejects.push(Reject::new(line, key, "", reason));
                            bad = true;
                        }
                    }
                }
                if !bad {
                    let cells: Vec<Option<&str>> =
                        owned.iter().map(|c| c.as_deref().map(str::trim)).collect();
                    if let Some(row) = checker.check(line, &cells, &attributes, &mut batch.rejects)
                    {
                        batch.rows.push(row);
                    }
                }
                if batch.rows.len() >= ROWS_PER_MESSAGE && !send(&mut batch, offset) {
                    return encoding;
                }
            }
        }
    }
    let total = decoded.text.len() as u64;
    send(&mut batch, total);
    encoding
}

#[derive(Default)]
struct Batch {
    rows: Vec<CheckedRow>,
    rejects: Vec<Reject>,
    read: u64,
}
