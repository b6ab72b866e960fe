//! `fidelis bench`: the speed measurements recorded in BENCHMARKS.md, each beside its peer run in the
//! same process.

use crate::demo::remove_sqlite_files;
use crate::import::today;
use anyhow::{Context, Result, bail};
use clap::Subcommand;
use fidelis_domain::Entity;
use fidelis_store::Store;
use fidelis_store::import::{ImportOptions, import_file};
use serde::Serialize;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::{ExitCode, Stdio};
use std::time::Instant;

#[derive(Subcommand)]
pub enum BenchCommand {
    /// Import N generated transaction rows into SQLite, beside `sqlite3 .import` of the same file.
    Import {
        /// Transaction rows to import.
        #[arg(long, default_value_t = 10_000_000)]
        rows: u64,
        /// Working directory (generated files and databases); a temporary one by default.
        #[arg(long)]
        dir: Option<PathBuf>,
        #[arg(long, default_value_t = 42)]
        seed: u64,
        #[arg(long)]
        json: bool,
    },
    /// BG/NBD, Pareto/NBD and Gamma-Gamma fits on simulated customers and a transaction summary,
    /// beside lifetimes 0.11.3 and pandas.
    Btyd(crate::bench_btyd::BtydArgs),
    /// Customer page and search latency at a fixed rate, on a generated data set in SQLite.
    Serve(crate::bench_server::ServeArgs),
    /// Campaign of 1,000,000 targets: assignment and queueing; delivery throughput to SMTP and a
    /// webhook receiver.
    Campaign(crate::bench_campaign::CampaignArgs),
    /// Departure model: training on 100,000 customers × the feature catalogue, scoring 1,000,000.
    Churn(crate::bench_churn::ChurnArgs),
}

#[derive(Serialize)]
struct ImportBench {
    rows: u64,
    file_bytes: u64,
    fidelis_seconds: f64,
    fidelis_rows_per_second: f64,
    sqlite3_seconds: f64,
    sqlite3_rows_per_second: f64,
    ratio: f64,
    sqlite3_version: String,
}

pub async fn run(command: BenchCommand) -> Result<ExitCode> {
    match command {
        BenchCommand::Btyd(args) => crate::bench_btyd::run(args),
        BenchCommand::Churn(args) => crate::bench_churn::run(args).map(|()| ExitCode::SUCCESS),
        BenchCommand::Serve(args) => crate::bench_server::run(args).await,
        BenchCommand::Campaign(args) => crate::bench_campaign::run(args).await,
        BenchCommand::Import {
            rows,
            dir,
            seed,
            json,
        } => {
            let dir = dir.unwrap_or_else(|| {
                std::env::temp_dir().join(format!("fidelis-bench-{}", std::process::id()))
            });
            std::fs::create_dir_all(&dir)?;
            let result = bench_import(rows, &dir, seed).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&result)?);
            } else {
                println!(
                    "import of {} transaction rows ({:.0} MB) into SQLite\n  fidelis import : {:>7.2} s  {:>10.0} rows/s (validating, resolving references, upserting)\n  sqlite3 .import: {:>7.2} s  {:>10.0} rows/s (bare table, {})\n  ratio: {:.2} of the raw speed",
                    result.rows,
                    result.file_bytes as f64 / 1e6,
                    result.fidelis_seconds,
                    result.fidelis_rows_per_second,
                    result.sqlite3_seconds,
                    result.sqlite3_rows_per_second,
                    result.sqlite3_version,
                    result.ratio
                );
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

async fn bench_import(rows: u64, dir: &Path, seed: u64) -> Result<ImportBench> {
    // Enough generated customers to yield the requested transaction rows, then the first `rows` of them.
    let data = dir.join("data");
    let transactions = dir.join("transactions.csv");
    let mut customers = 20_000u32;
    loop {
        let config = fidelis_synth::SynthConfig {
            customers,
            months: 24,
            seed,
            end: chrono::NaiveDate::from_ymd_opt(2026, 10, 31).context("end date")?,
        };
        let summary = fidelis_synth::generate(&config, &data)?;
        let produced = summary.rows(fidelis_synth::Entity::Transactions);
        if produced >= rows {
            break;
        }
        let per_customer = (produced.max(1) as f64 / customers as f64).max(0.1);
        customers = ((rows as f64 / per_customer) * 1.05).ceil() as u32 + 1;
        if customers > fidelis_synth::MAX_CUSTOMERS {
            bail!("cannot generate {rows} transactions");
        }
    }
    let file_bytes = head_lines(&data.join("transactions.csv"), &transactions, rows)?;

    let db_path = dir.join("bench.db");
    remove_sqlite_files(&db_path);
    let store = Store::open(&format!("sqlite://{}", db_path.display())).await?;
    for entity in [
        Entity::Channels,
        Entity::Stores,
        Entity::Products,
        Entity::Customers,
    ] {
        let file = data.join(format!("{}.csv", entity.name()));
        import_file(&store, &file, &ImportOptions::new(entity, today()), &|_| {}).await?;
    }
    let started = Instant::now();
    let summary = import_file(
        &store,
        &transactions,
        &ImportOptions::new(Entity::Transactions, today()),
        &|_| {},
    )
    .await?;
    let fidelis_seconds = started.elapsed().as_secs_f64();
    store.close().await;
    if summary.rejected > 0 || summary.inserted != rows {
        bail!(
            "the benchmark import rejected {} rows and inserted {}",
            summary.rejected,
            summary.inserted
        );
    }

    let bare = dir.join("bare.db");
    remove_sqlite_files(&bare);
    let header = std::fs::read_to_string(&transactions)?
        .lines()
        .next()
        .unwrap_or_default()
        .to_owned();
    let columns: Vec<String> = header.split(',').map(|c| format!("\"{c}\"")).collect();
    let script = format!(
        "CREATE TABLE transactions ({});\n.mode csv\n.import --skip 1 {} transactions\n",
        columns.join(", "),
        transactions.display()
    );
    let started = Instant::now();
    let mut child = std::process::Command::new("sqlite3")
        .arg(&bare)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .context("running sqlite3 (install the sqlite3 package)")?;
    child
        .stdin
        .take()
        .context("sqlite3 stdin")?
        .write_all(script.as_bytes())?;
    let status = child.wait()?;
    let sqlite3_seconds = started.elapsed().as_secs_f64();
    if !status.success() {
        bail!("sqlite3 .import failed: {status}");
    }
    let version = std::process::Command::new("sqlite3")
        .arg("--version")
        .output()?;
    let sqlite3_version = String::from_utf8_lossy(&version.stdout)
        .split_whitespace()
        .next()
        .unwrap_or("")
        .to_owned();
    remove_sqlite_files(&db_path);
    remove_sqlite_files(&bare);
    let fidelis_rows_per_second = rows as f64 / fidelis_seconds;
    let sqlite3_rows_per_second = rows as f64 / sqlite3_seconds;
    Ok(ImportBench {
        rows,
        file_bytes,
        fidelis_seconds,
        fidelis_rows_per_second,
        sqlite3_seconds,
        sqlite3_rows_per_second,
        ratio: fidelis_rows_per_second / sqlite3_rows_per_second,
        sqlite3_version: format!("sqlite3 {sqlite3_version}"),
    })
}

/// Copies the header and the first `rows` data lines of `from` into `to`; returns the bytes written.
fn head_lines(from: &Path, to: &Path, rows: u64) -> Result<u64> {
    let reader = BufReader::new(std::fs::File::open(from)?);
    let mut writer = BufWriter::new(std::fs::File::create(to)?);
    let mut bytes = 0u64;
    for line in reader.lines().take(rows as usize + 1) {
        let line = line?;
        writeln!(writer, "{line}")?;
        bytes += line.len() as u64 + 1;
    }
    writer.flush()?;
    Ok(bytes)
}
