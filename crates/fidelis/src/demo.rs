//! `fidelis serve`: with `--demo`, a demo database is generated and imported on first start into a SQLite
//! file of the working directory, then reused.

use anyhow::{Context, Result, bail};
use clap::Parser;
use fidelis_server::Application;
use fidelis_store::Store;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The demo database, in the working directory.
pub const DEMO_DB_FILE: &str = "fidelis-demo.db";
/// Size of the demo data set: big enough to look real, small enough to be ready in seconds.
const DEMO_CUSTOMERS: u32 = 5_000;
const DEMO_MONTHS: u32 = 24;
const DEMO_SEED: u64 = 42;

pub async fn serve(
    db: Option<String>,
    demo: bool,
    addr: SocketAddr,
    config: Option<PathBuf>,
) -> Result<ExitCode> {
    if let Some(dir) = &config
        && !dir.is_dir()
    {
        bail!("--config {}: not a directory", dir.display());
    }
    let url = match (db, demo) {
        (Some(url), _) => url,
        (None, true) => {
            let path = PathBuf::from(DEMO_DB_FILE);
            if !path.exists() {
                build_demo_database(&path).await?;
            }
            format!("sqlite://{}", path.display())
        }
        (None, false) => bail!("give --db URL (or FIDELIS_DB), or --demo for the demo database"),
    };
    let store = Store::open(&url).await?;
    crate::users::ensure_first_users(&store, demo).await?;
    let settings = fidelis_server::Settings {
        config_dir: config,
        ..fidelis_server::Settings::default()
    };
    // A broken configuration file stops the start with its file, line and column.
    fidelis_server::load_offers(&settings)?;
    let app = Application::build(addr, store, settings)
        .await
        .with_context(|| format!("cannot listen on {addr}"))?;
    let local = app.local_addr()?;
    println!(
        "Fidelis is serving {} on http://{local}/",
        fidelis_store::redact(&url)
    );
    app.run_until_stopped().await?;
    Ok(ExitCode::SUCCESS)
}

/// Generates the demo data set and imports it into `path`, atomically: the data goes into a side file
/// renamed into place only when complete, so an interrupted first start leaves no half database.
pub async fn build_demo_database(path: &Path) -> Result<()> {
    let started = std::time::Instant::now();
    let work = std::env::temp_dir().join(format!("fidelis-demo-{}", std::process::id()));
    let config = fidelis_synth::SynthConfig {
        customers: DEMO_CUSTOMERS,
        months: DEMO_MONTHS,
        seed: DEMO_SEED,
        end: chrono::NaiveDate::from_ymd_opt(2026, 10, 31).context("demo end date")?,
    };
    println!(
        "Creating the demo database {} ({DEMO_CUSTOMERS} customers × {DEMO_MONTHS} months)…",
        path.display()
    );
    fidelis_synth::generate(&config, &work)
        .with_context(|| format!("generating demo data into {}", work.display()))?;
    let partial = path.with_extension("db.partial");
    remove_sqlite_files(&partial);
    let store = Store::open(&format!("sqlite://{}", partial.display())).await?;
    crate::import::import_directory(&store, &work, false, |summary| {
        if summary.rejected > 0 {
            bail!(
                "the demo data set has {} rejected {} rows (see {})",
                summary.rejected,
                summary.entity,
                work.display()
            );
        }
        Ok(())
    })
    .await?;
    store.close().await;
    // Value every customer once, so the screens show the value matrix from the first start.
    let refresh = RefreshOnly::try_parse_from([
        "refresh",
        "--db",
        &format!("sqlite://{}", partial.display()),
        "--as-of",
        &config.end.to_string(),
    ])?;
    crate::value::refresh(refresh.args)
        .await
        .context("valuing the demo customers")?;
    // Train the departure and acquisition models and score everyone, so the agent screen shows
    // risks, reasons and departure alerts from the first start.
    let url = format!("sqlite://{}", partial.display());
    for (what, args) in [
        (
            "training the departure model",
            &["train", "churn", "--no-reduction"][..],
        ),
        ("scoring the demo customers", &["score", "churn"][..]),
        (
            "training the acquisition model",
            &["train", "acquisition"][..],
        ),
    ] {
        let mut argv: Vec<&str> = vec!["fidelis"];
        argv.extend_from_slice(args);
        argv.extend_from_slice(&["--db", &url]);
        let step = ModelStep::try_parse_from(argv)?;
        let done = match step.command {
            ModelCommand::Train(command) => crate::churn::train(command).await,
            ModelCommand::Score(command) => crate::churn::score(command).await,
        };
        done.with_context(|| what.to_string())?;
    }
    std::fs::rename(&partial, path)
        .with_context(|| format!("moving the demo database to {}", path.display()))?;
    remove_sqlite_files(&partial);
    let _ = std::fs::remove_dir_all(&work);
    println!(
        "Demo database ready in {:.1} s.",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// `fidelis refresh`'s arguments, parsed as the command line would.
#[derive(clap::Parser)]
struct RefreshOnly {
    #[command(flatten)]
    args: crate::value::RefreshArgs,
}

/// `fidelis train` and `fidelis score`, parsed as the command line would.
#[derive(clap::Parser)]
struct ModelStep {
    #[command(subcommand)]
    command: ModelCommand,
}

#[derive(clap::Subcommand)]
enum ModelCommand {
    #[command(subcommand)]
    Train(crate::churn::TrainCommand),
    #[command(subcommand)]
    Score(crate::churn::ScoreCommand),
}

/// Removes a SQLite database file with its WAL and shared-memory files.
pub fn remove_sqlite_files(db: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let mut name = db.as_os_str().to_owned();
        name.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(name));
    }
}
