//! `fidelis refresh` and `fidelis value`: read the history from the store, value every customer with
//! `fidelis-analytics`, store the snapshot, and print the value matrix (orchestration only).

use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result, anyhow, bail};
use chrono::{Datelike, NaiveDate, Utc};
use clap::{Args, Subcommand, ValueEnum};
use fidelis_analytics::calendar::days_from_civil;
use fidelis_analytics::value::PurchaseFit;
use fidelis_analytics::{CutOff, PnlOptions, PurchaseModel, Strategy, ValueOptions, assess_value};
use fidelis_domain::{Currency, Money};
use fidelis_store::Store;
use fidelis_store::value::{RefreshRunInfo, ValueReport};
use serde::Serialize;

#[derive(Args)]
pub struct RefreshArgs {
    /// Database URL: sqlite://file.db or postgres://user@host/db.
    #[arg(long, env = "FIDELIS_DB")]
    db: String,
    /// Date of the P&L and the lifetime values (default: today, UTC).
    #[arg(long, value_parser = parse_day)]
    as_of: Option<NaiveDate>,
    /// First day of the P&L period (default: the whole history).
    #[arg(long, value_parser = parse_day)]
    since: Option<NaiveDate>,
    /// Model of one-off purchases.
    #[arg(long, value_enum, default_value = "bgnbd")]
    model: Model,
    /// Lifetime value horizon.
    #[arg(long, default_value_t = 36)]
    horizon_months: u32,
    /// Annual discount rate of future margins (0.10 for 10 %).
    #[arg(long, default_value_t = 0.10)]
    discount_rate: f64,
    /// Trailing months whose cost to serve (interactions, complaints, compensations) is projected over
    /// the horizon and deducted from the lifetime value; 0 for the gross lifetime value.
    #[arg(long, default_value_t = 12)]
    cost_to_serve_months: u32,
    /// Cost of handling one complaint (back office), in the data's currency.
    #[arg(long, default_value = "20.00")]
    complaint_cost: String,
    /// Quantile of net profitability and of lifetime value that separates low from high (0.5: medians).
    #[arg(long, default_value_t = 0.5)]
    cut_quantile: f64,
    /// A fixed net profitability cut-off (an amount) instead of the quantile.
    #[arg(long)]
    profitability_cut: Option<String>,
    /// A fixed lifetime value cut-off (an amount) instead of the quantile.
    #[arg(long)]
    potential_cut: Option<String>,
    /// Print a JSON summary.
    #[arg(long)]
    json: bool,
}

#[derive(Clone, Copy, ValueEnum)]
enum Model {
    /// BG/NBD.
    Bgnbd,
    /// Pareto/NBD.
    Pnbd,
}

#[derive(Subcommand)]
pub enum ValueCommand {
    /// The value matrix of the latest refresh (or of --run): customers, margin and lifetime value per
    /// cell, and the moves between strategies since the previous refresh.
    Report {
        #[arg(long, env = "FIDELIS_DB")]
        db: String,
        /// A refresh id (default: the latest).
        #[arg(long)]
        run: Option<i64>,
        #[arg(long)]
        json: bool,
    },
    /// One customer's trajectory across the matrix: its value at every refresh.
    History {
        #[arg(long, env = "FIDELIS_DB")]
        db: String,
        /// The customer's external id.
        #[arg(long)]
        customer: String,
        #[arg(long)]
        json: bool,
    },
}

fn parse_day(text: &str) -> Result<NaiveDate, String> {
    fidelis_domain::parse::parse_date(text).map_err(|e| format!("expected {e}"))
}

fn day_number(d: NaiveDate) -> i32 {
    days_from_civil(d.year(), d.month(), d.day())
}

/// What `refresh --json` prints.
#[derive(Serialize)]
struct RefreshSummary {
    run_id: i64,
    as_of: NaiveDate,
    customers: usize,
    currency: String,
    read_seconds: f64,
    compute_seconds: f64,
    write_seconds: f64,
    total_seconds: f64,
    profitability_cut_minor: i64,
    potential_cut_minor: i64,
    strategies: Vec<(Strategy, usize)>,
    purchase_model: Option<PurchaseFit>,
    warnings: Vec<String>,
}

pub async fn refresh(args: RefreshArgs) -> Result<ExitCode> {
    let started_at = Utc::now();
    let started = Instant::now();
    let as_of = args.as_of.unwrap_or_else(|| started_at.date_naive());
    let store = Store::open(&args.db).await?;
    let inputs = store
        .value_inputs(as_of)
        .await
        .context("reading the history")?;
    let read_seconds = started.elapsed().as_secs_f64();

    let code = match inputs.currencies.as_slice() {
        [] => "EUR".to_owned(),
        [one] => one.clone(),
        many => bail!(
            "the amounts are in several currencies ({}): a refresh values one currency",
            many.join(", ")
        ),
    };
    let currency =
        Currency::parse(&code).map_err(|e| anyhow!("currency {code:?}: expected {e}"))?;
    let amount = |option: &str, text: &str| {
        fidelis_domain::parse::parse_amount(text, currency.exponent())
            .map_err(|e| anyhow!("--{option} {text:?}: expected {e}"))
    };
    let quantile = CutOff::Quantile(args.cut_quantile);
    let options = ValueOptions {
        pnl: PnlOptions {
            as_of: day_number(as_of),
            since: args.since.map(day_number),
            complaint_handling_cost: amount("complaint-cost", &args.complaint_cost)?,
        },
        horizon_months: args.horizon_months,
        annual_discount_rate: args.discount_rate,
        cost_to_serve_months: args.cost_to_serve_months,
        purchase_model: match args.model {
            Model::Bgnbd => PurchaseModel::Bgnbd,
            Model::Pnbd => PurchaseModel::ParetoNbd,
        },
        profitability_cut: match &args.profitability_cut {
            Some(t) => CutOff::Amount(amount("profitability-cut", t)?),
            None => quantile,
        },
        potential_cut: match &args.potential_cut {
            Some(t) => CutOff::Amount(amount("potential-cut", t)?),
            None => quantile,
        },
        ..ValueOptions::new(day_number(as_of))
    };
    let computing = Instant::now();
    let assessment = assess_value(&inputs.history, &options)?;
    drop(inputs);
    let compute_seconds = computing.elapsed().as_secs_f64();

    let writing = Instant::now();
    let info = RefreshRunInfo {
        as_of,
        started_at,
        finished_at: Utc::now(),
        currency: code.clone(),
        purchase_model: match options.purchase_model {
            PurchaseModel::Bgnbd => "bgnbd",
            PurchaseModel::ParetoNbd => "pareto_nbd",
        }
        .to_owned(),
        horizon_months: options.horizon_months,
        annual_discount_rate: options.annual_discount_rate,
        complaint_handling_cost_minor: options.pnl.complaint_handling_cost,
    };
    let run_id = store.save_value_run(&info, &assessment).await?;
    store.close().await;
    let write_seconds = writing.elapsed().as_secs_f64();

    let summary = RefreshSummary {
        run_id,
        as_of,
        customers: assessment.customers.len(),
        currency: code,
        read_seconds,
        compute_seconds,
        write_seconds,
        total_seconds: started.elapsed().as_secs_f64(),
        profitability_cut_minor: assessment.profitability_cut,
        potential_cut_minor: assessment.potential_cut,
        strategies: Strategy::ALL
            .iter()
            .map(|s| {
                let n = assessment
                    .customers
                    .iter()
                    .filter(|c| c.strategy == *s)
                    .count();
                (*s, n)
            })
            .collect(),
        purchase_model: assessment.models.purchases.model.clone(),
        warnings: assessment.warnings.clone(),
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&summary)?);
    } else {
        let money = |minor| Money::new(minor, currency);
        println!(
            "refresh {} as of {}: {} customers valued in {:.1} s (read {:.1} s, compute {:.1} s, write {:.1} s)",
            run_id,
            as_of,
            summary.customers,
            summary.total_seconds,
            read_seconds,
            compute_seconds,
            write_seconds
        );
        println!(
            "  cut-offs: net profitability above {}, lifetime value above {}",
            money(summary.profitability_cut_minor),
            money(summary.potential_cut_minor)
        );
        for (s, n) in &summary.strategies {
            println!("  {:<16} {n:>9} customers", s.as_str());
        }
        for w in &summary.warnings {
            println!("  warning: {w}");
        }
        println!("  see `fidelis value report --db …`");
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn run(command: ValueCommand) -> Result<ExitCode> {
    match command {
        ValueCommand::Report { db, run, json } => {
            let store = Store::open(&db).await?;
            let report = store.value_report(run).await?;
            store.close().await;
            let Some(report) = report else {
                bail!(match run {
                    Some(id) => format!("no refresh {id} in this database"),
                    None => "no refresh yet: run `fidelis refresh --db …` first".to_owned(),
                });
            };
            if json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                print_report(&report)?;
            }
            Ok(ExitCode::SUCCESS)
        }
        ValueCommand::History { db, customer, json } => {
            let store = Store::open(&db).await?;
            let snapshots = store.customer_value_history(&customer).await?;
            store.close().await;
            if snapshots.is_empty() {
                bail!(
                    "no value snapshot of customer {customer:?}: unknown customer, or no refresh yet"
                );
            }
            if json {
                println!("{}", serde_json::to_string_pretty(&snapshots)?);
            } else {
                println!(
                    "{:>5}  {:<10}  {:>16}  {:>16}  {:>8}  strategy",
                    "run", "as of", "net", "CLV", "P(alive)"
                );
                for s in &snapshots {
                    let currency = Currency::parse(&s.currency)
                        .map_err(|e| anyhow!("currency {:?}: expected {e}", s.currency))?;
                    let money = |minor| Money::new(minor, currency).to_string();
                    let p = s
                        .p_alive
                        .map_or_else(|| "-".to_owned(), |p| format!("{p:.3}"));
                    println!(
                        "{:>5}  {:<10}  {:>16}  {:>16}  {:>8}  {}",
                        s.run_id,
                        s.as_of,
                        money(s.pnl.net()),
                        money(s.clv_minor),
                        p,
                        s.strategy
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn print_report(report: &ValueReport) -> Result<()> {
    let run = &report.run;
    let currency = Currency::parse(&run.info.currency).map_err(|e| anyhow!("currency: {e}"))?;
    let money = |minor| Money::new(minor, currency).to_string();
    println!(
        "value matrix of refresh {} as of {} ({} customers)",
        run.id, run.info.as_of, run.customers
    );
    println!(
        "  high profitability: net above {}; high potential: lifetime value above {} ({} months, {:.1} %/year)",
        money(run.profitability_cut_minor),
        money(run.potential_cut_minor),
        run.info.horizon_months,
        run.info.annual_discount_rate * 100.0
    );
    println!(
        "  {:<16} {:<10} {:>9} {:>20} {:>20} {:>20}",
        "strategy", "cell", "customers", "net profitability", "gross margin", "lifetime value"
    );
    for s in Strategy::ALL {
        let cell = report.cells.iter().find(|c| c.strategy == s.as_str());
        let (n, net, margin, clv) = cell.map_or((0, 0, 0, 0), |c| {
            (c.customers, c.net_minor, c.gross_margin_minor, c.clv_minor)
        });
        println!(
            "  {:<16} {:<10} {:>9} {:>20} {:>20} {:>20}",
            s.as_str(),
            s.quadrant(),
            n,
            money(net),
            money(margin),
            money(clv)
        );
    }
    if let Some(previous) = report.previous_run {
        println!("  moves since refresh {previous} (customers in both):");
        for m in report.moves.iter().filter(|m| m.from != m.to) {
            println!("    {:<16} → {:<16} {:>9}", m.from, m.to, m.customers);
        }
        let stayed: i64 = report
            .moves
            .iter()
            .filter(|m| m.from == m.to)
            .map(|m| m.customers)
            .sum();
        println!("    {stayed} stayed in their cell");
    }
    for w in &run.warnings {
        println!("  warning: {w}");
    }
    Ok(())
}
