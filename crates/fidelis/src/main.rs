//! The `fidelis` binary: parses the command line, starts logging and runs the subcommand.

mod acquisition;
mod alerts;
mod bench;
mod bench_btyd;
mod bench_campaign;
mod bench_churn;
mod bench_server;
mod campaign;
mod channels;
mod churn;
mod clv;
mod demo;
mod detection;
mod import;
mod rules;
mod rules_config;
mod rules_run;
mod segment;
mod users;
mod value;

use anyhow::{Context, Result};
use chrono::NaiveDate;
use clap::{Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "fidelis",
    version,
    about = "Fidelis: an analytical and operational CRM engine"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create the database (or bring its schema up to date).
    Init {
        /// Database URL: sqlite://file.db or postgres://user@host/db.
        #[arg(long, env = "FIDELIS_DB")]
        db: String,
    },
    /// Import a CSV or JSONL file of one entity (customers, products, transactions…).
    Import(import::ImportArgs),
    /// Import every entity file of a directory (as written by `generate`), in dependency order.
    ImportDir {
        #[arg(long, env = "FIDELIS_DB")]
        db: String,
        dir: PathBuf,
        /// Print a JSON summary per file.
        #[arg(long)]
        json: bool,
    },
    /// Write a realistic synthetic data set of a telecom-and-services company, one CSV per entity.
    Generate {
        #[arg(long, default_value_t = 10_000)]
        customers: u32,
        #[arg(long, default_value_t = 24)]
        months: u32,
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// Last day of the simulated period.
        #[arg(long, default_value = "2026-10-31")]
        end: NaiveDate,
        #[arg(long)]
        out: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// Serve the agent screen and the API.
    Serve {
        /// Database URL; with --demo, defaults to a demo SQLite file in the working directory.
        #[arg(long, env = "FIDELIS_DB")]
        db: Option<String>,
        /// Generate and import a demo data set on first start (reused afterwards).
        #[arg(long)]
        demo: bool,
        #[arg(long, default_value = "127.0.0.1:8080")]
        addr: SocketAddr,
        /// Directory of the configuration files (offers.toml, routing.toml, rules.toml…); files
        /// missing from it, or no directory, use the built-in samples.
        #[arg(long, env = "FIDELIS_CONFIG")]
        config: Option<PathBuf>,
    },
    /// Manage users and API tokens.
    #[command(subcommand)]
    User(users::UserCommand),
    /// Departure prediction on any table (cross-validated AUC).
    #[command(subcommand)]
    Churn(churn::ChurnCommand),
    /// The catalogue of behavioural variables the departure model reads.
    #[command(subcommand)]
    Features(churn::FeaturesCommand),
    /// Train a departure or acquisition model on the database and register it as the active one.
    #[command(subcommand)]
    Train(churn::TrainCommand),
    /// Score every current customer with the active departure model (risk and reasons).
    #[command(subcommand)]
    Score(churn::ScoreCommand),
    /// Uplift of each arm of a randomised test against control, from any CSV table.
    Uplift(campaign::UpliftArgs),
    /// Campaigns: create, assign (treatment/control), queue, deliver, report the measured impact.
    #[command(subcommand)]
    Campaign(campaign::CampaignCommand),
    /// Measure the speed goals of BENCHMARKS.md.
    #[command(subcommand)]
    Bench(bench::BenchCommand),
    /// Value every customer as of a date (P&L, lifetime value, value matrix) and store the snapshot.
    Refresh(value::RefreshArgs),
    /// Report the value matrix of a refresh, or a customer's trajectory across refreshes.
    #[command(subcommand)]
    Value(value::ValueCommand),
    /// Fit BTYD models to a summary file, or summarise a transaction log (any data, no database).
    #[command(subcommand)]
    Clv(clv::ClvCommand),
    /// Check rules, policy, routing, segment and calendar files; list the facts rules can read.
    #[command(subcommand)]
    Rules(rules::RulesCommand),
    /// What the departure alerts' offers did: outcomes and departures after the alerts, per offer.
    #[command(subcommand)]
    Alerts(alerts::AlertsCommand),
    /// Segment the customers (RFM, value, behavioural clusters, rule segments) and report segments
    /// over time.
    #[command(subcommand)]
    Segment(segment::SegmentCommand),
    /// Cost and conversion by channel × operation, and customers a cheaper channel would serve.
    #[command(subcommand)]
    Channels(channels::ChannelsCommand),
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "warn,fidelis=info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Init { db } => {
            let store = fidelis_store::Store::open(&db).await?;
            println!(
                "database {} ready (schema version {})",
                fidelis_store::redact(&db),
                fidelis_store::latest_version()
            );
            store.close().await;
            Ok(ExitCode::SUCCESS)
        }
        Command::Import(args) => import::run(args).await,
        Command::ImportDir { db, dir, json } => import::run_dir(&db, &dir, json).await,
        Command::Generate {
            customers,
            months,
            seed,
            end,
            out,
            json,
        } => {
            let config = fidelis_synth::SynthConfig {
                customers,
                months,
                seed,
                end,
            };
            let started = std::time::Instant::now();
            let summary = fidelis_synth::generate(&config, &out)
                .with_context(|| format!("generating into {}", out.display()))?;
            if json {
                println!("{}", serde_json::to_string_pretty(&summary)?);
            } else {
                for f in &summary.files {
                    println!("{:>12} rows  {}", f.rows, f.file);
                }
                println!(
                    "{} rows in {} files in {:.1} s",
                    summary.total_rows,
                    summary.files.len(),
                    started.elapsed().as_secs_f64()
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Serve {
            db,
            demo,
            addr,
            config,
        } => demo::serve(db, demo, addr, config).await,
        Command::User(command) => users::run(command).await,
        Command::Churn(command) => churn::run(command),
        Command::Features(command) => churn::run_features(command),
        Command::Train(command) => churn::train(command).await,
        Command::Score(command) => churn::score(command).await,
        Command::Bench(command) => bench::run(command).await,
        Command::Uplift(args) => campaign::run_uplift(args),
        Command::Campaign(command) => campaign::run(command).await,
        Command::Refresh(args) => value::refresh(args).await,
        Command::Value(command) => value::run(command).await,
        Command::Clv(command) => clv::run(command),
        Command::Rules(command) => rules::run(command).await,
        Command::Alerts(command) => alerts::run(command).await,
        Command::Segment(command) => segment::run(command).await,
        Command::Channels(command) => channels::run(command).await,
    }
}
