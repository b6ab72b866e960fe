//! `fidelis import` and `fidelis import-dir`: argument handling, the progress bar and the summaries.

use anyhow::{Context, Result, bail};
use clap::Args;
use fidelis_domain::Entity;
use fidelis_store::Store;
use fidelis_store::import::{Format, ImportOptions, ImportSummary, Progress, import_file};
use indicatif::{ProgressBar, ProgressStyle};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Exit status when the import ran but rejected rows.
const EXIT_REJECTED: u8 = 2;

#[derive(Args)]
pub struct ImportArgs {
    #[arg(long, env = "FIDELIS_DB")]
    db: String,
    /// Entity: customers, products, channels, stores, consents, transactions, contracts, usage,
    /// interactions, life_events, complaints, surveys, campaigns, campaign_members (French names too).
    entity: String,
    file: PathBuf,
    /// Map a column of the file to a field: --map "Num client=id" (repeatable).
    #[arg(long = "map", value_name = "COLUMN=FIELD")]
    mappings: Vec<String>,
    /// csv or jsonl (default: from the file extension).
    #[arg(long)]
    format: Option<String>,
    /// Where to write rejected rows (default: FILE.rejects.csv).
    #[arg(long)]
    rejects: Option<PathBuf>,
    /// Import nothing when any row is rejected.
    #[arg(long)]
    all_or_nothing: bool,
    /// Print a machine-readable summary.
    #[arg(long)]
    json: bool,
}

pub async fn run(args: ImportArgs) -> Result<ExitCode> {
    let Some(entity) = Entity::parse(&args.entity) else {
        let names: Vec<&str> = Entity::ALL.iter().map(|e| e.name()).collect();
        bail!(
            "unknown entity {:?}: expected one of {}",
            args.entity,
            names.join(", ")
        );
    };
    let mut options = ImportOptions::new(entity, today());
    options.format = match args.format.as_deref() {
        None => None,
        Some("csv") => Some(Format::Csv),
        Some("jsonl" | "ndjson") => Some(Format::Jsonl),
        Some(other) => bail!("unknown format {other:?}: expected csv or jsonl"),
    };
    for m in &args.mappings {
        let Some((column, field)) = m.split_once('=') else {
            bail!("--map {m:?}: expected COLUMN=FIELD");
        };
        options
            .mappings
            .push((column.trim().to_owned(), field.trim().to_owned()));
    }
    options.rejects_path = args.rejects;
    options.all_or_nothing = args.all_or_nothing;
    let store = Store::open(&args.db).await?;
    let summary = import_with_progress(&store, &args.file, &options).await;
    store.close().await;
    let summary = summary?;
    report(&summary, args.json)?;
    Ok(exit_code(&[summary]))
}

pub async fn run_dir(db: &str, dir: &Path, json: bool) -> Result<ExitCode> {
    let store = Store::open(db).await?;
    let summaries = import_directory(&store, dir, true, |summary| report(summary, json)).await?;
    store.close().await;
    if summaries.is_empty() {
        bail!(
            "{}: no entity file (customers.csv, transactions.csv…) found",
            dir.display()
        );
    }
    Ok(exit_code(&summaries))
}

/// Imports every `<entity>.csv` of `dir` in dependency order (files that are absent are skipped),
/// calling `each` after each file; a progress bar on a terminal when `show_progress`.
pub async fn import_directory(
    store: &Store,
    dir: &Path,
    show_progress: bool,
    mut each: impl FnMut(&ImportSummary) -> Result<()>,
) -> Result<Vec<ImportSummary>> {
    let mut summaries = Vec::new();
    for entity in Entity::ALL {
        let path = dir.join(format!("{}.csv", entity.name()));
        if !path.exists() {
            continue;
        }
        let options = ImportOptions::new(entity, today());
        let summary = if show_progress {
            import_with_progress(store, &path, &options).await?
        } else {
            import_file(store, &path, &options, &|_| {})
                .await
                .with_context(|| format!("importing {} into {}", path.display(), entity))?
        };
        each(&summary)?;
        summaries.push(summary);
    }
    Ok(summaries)
}

pub async fn import_with_progress(
    store: &Store,
    path: &Path,
    options: &ImportOptions,
) -> Result<ImportSummary> {
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template(
            "{msg:>14} [{bar:40}] {bytes}/{total_bytes} {per_sec} eta {eta}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    bar.set_message(options.entity.name());
    let on_progress = |p: Progress| {
        bar.set_length(p.bytes_total);
        bar.set_position(p.bytes_done);
    };
    let result = import_file(store, path, options, &on_progress).await;
    bar.finish_and_clear();
    result.with_context(|| format!("importing {} into {}", path.display(), options.entity))
}

fn report(summary: &ImportSummary, json: bool) -> Result<()> {
    if json {
        println!("{}", serde_json::to_string(summary)?);
        return Ok(());
    }
    println!(
        "{}: {} read, {} inserted, {} updated, {} unchanged, {} rejected{} ({}, {})",
        summary.entity,
        summary.read,
        summary.inserted,
        summary.updated,
        summary.unchanged,
        summary.rejected,
        if summary.committed {
            ""
        } else {
            " — nothing written (--all-or-nothing)"
        },
        summary.file,
        summary.encoding
    );
    for r in summary.first_rejects.iter().take(5) {
        println!(
            "  line {}: {} = {:?}: {}",
            r.line, r.field, r.value, r.reason
        );
    }
    if let Some(file) = &summary.rejects_file {
        println!("  rejected rows are listed in {file}");
    }
    Ok(())
}

fn exit_code(summaries: &[ImportSummary]) -> ExitCode {
    if summaries.iter().all(|s| s.rejected == 0) {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_REJECTED)
    }
}

/// Today's date in UTC: the only place the import reads the clock.
pub fn today() -> chrono::NaiveDate {
    chrono::Utc::now().date_naive()
}
