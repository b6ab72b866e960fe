//! `fidelis churn evaluate` (cross-validated AUC of the departure model on any table),
//! `fidelis features list` (the catalogue of behavioural variables), `fidelis train churn` (store
//! histories → snapshots and labels → GBDT and baseline → model registry) and `fidelis score churn`
//! (every current customer's risk and reasons with the active model). Orchestration only: the
//! computations are in `fidelis_analytics::churn`, the reads and writes in `fidelis_store::churn`.

use anyhow::{Context, Result, anyhow, bail};
use chrono::{Days, NaiveDate, Utc};
use clap::{Args, Subcommand};
use fidelis_analytics::churn::tabular::{CvOptions, TableOptions, evaluate_table};
use fidelis_analytics::churn::{
    CancellationRule, Day, Evaluation, Explainer, FeatureConfig, FeatureFactory, GbdtModel,
    GbdtParams, LabelConfig, TrainOptions, build_training_set, is_customer_at, lift_curve,
    roc_curve, train_churn,
};
use fidelis_store::churn::{date_of, day_of};
use fidelis_store::{ChurnHistories, ModelKind, NewModel, ScoreReason, ScoreRow, Store};
use serde::Serialize;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

#[derive(Subcommand)]
pub enum ChurnCommand {
    /// Stratified k-fold AUC of the gradient-boosted model (and the logistic baseline) on a CSV table:
    /// categorical columns are encoded automatically, blank cells are missing values.
    Evaluate {
        /// CSV file with a header line.
        #[arg(long)]
        table: PathBuf,
        /// The column to predict (yes/no, true/false, 1/0).
        #[arg(long)]
        target: String,
        #[arg(long, default_value_t = 5)]
        folds: usize,
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// Columns to leave out, e.g. an id (repeatable; id-like columns are dropped anyway).
        #[arg(long = "drop")]
        drop_columns: Vec<String>,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
pub enum FeaturesCommand {
    /// Every variable the feature factory computes, with its description and how it reads.
    List {
        #[arg(long)]
        json: bool,
    },
}

pub fn run(command: ChurnCommand) -> Result<ExitCode> {
    match command {
        ChurnCommand::Evaluate {
            table,
            target,
            folds,
            seed,
            drop_columns,
            json,
        } => {
            let mut reader = csv::ReaderBuilder::new()
                .flexible(false)
                .from_path(&table)
                .with_context(|| format!("cannot read {}", table.display()))?;
            let headers: Vec<String> = reader
                .headers()
                .with_context(|| format!("{}: no header line", table.display()))?
                .iter()
                .map(|h| h.trim().to_owned())
                .collect();
            if !headers.contains(&target) {
                bail!(
                    "{}: no column {target:?}; the columns are {}",
                    table.display(),
                    headers.join(", ")
                );
            }
            let mut rows = Vec::new();
            for (i, record) in reader.records().enumerate() {
                let record =
                    record.with_context(|| format!("{}, line {}", table.display(), i + 2))?;
                rows.push(record.iter().map(str::to_owned).collect::<Vec<_>>());
            }
            let options = CvOptions {
                folds,
                seed,
                ..CvOptions::default()
            };
            let table_options = TableOptions {
                drop_columns,
                ..TableOptions::default()
            };
            let (_, report) = evaluate_table(&headers, &rows, &target, &table_options, &options)
                .with_context(|| format!("evaluating {}", table.display()))?;
            if json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                println!(
                    "{} rows, {} features after encoding, {:.2} % positive; {} folds (seed {})",
                    report.rows,
                    report.features,
                    report.positive_rate * 100.0,
                    report.folds,
                    report.seed
                );
                let folds: Vec<String> =
                    report.fold_aucs.iter().map(|a| format!("{a:.4}")).collect();
                println!(
                    "  gradient-boosted trees: mean AUC {:.4}  [{}]",
                    report.mean_auc,
                    folds.join(", ")
                );
                if let Some(mean) = report.baseline_mean_auc {
                    println!("  logistic baseline:      mean AUC {mean:.4}");
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

pub fn run_features(command: FeaturesCommand) -> Result<ExitCode> {
    match command {
        FeaturesCommand::List { json } => {
            let factory = FeatureFactory::new(FeatureConfig::default());
            if json {
                println!("{}", serde_json::to_string_pretty(factory.catalogue())?);
            } else {
                for spec in factory.catalogue() {
                    println!("{:<44} {}", spec.name, spec.description);
                }
                println!("{} variables", factory.catalogue().len());
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// A duration such as `90d`, `12w`, `3m` or `1y`, in days (a month counts 30 days, a year 365).
pub fn parse_duration(text: &str) -> Result<i32, String> {
    let expected = "expected a whole number of days, weeks, months or years such as 90d, 12w, 3m or 1y (a month counts 30 days)";
    let t = text.trim();
    let (number, unit) = t.split_at(t.len().saturating_sub(1));
    let per = match unit {
        "d" => 1,
        "w" => 7,
        "m" => 30,
        "y" => 365,
        _ => return Err(format!("{text:?}: {expected}")),
    };
    match number.parse::<i32>() {
        Ok(n) if n >= 1 && n <= 36_500 / per => Ok(n * per),
        _ => Err(format!("{text:?}: {expected}")),
    }
}

fn parse_day(text: &str) -> Result<NaiveDate, String> {
    fidelis_domain::parse::parse_date(text).map_err(|e| format!("expected {e}"))
}

#[derive(Subcommand)]
pub enum TrainCommand {
    /// Departure model: features at several past snapshot dates t (from what was known before t),
    /// labels from (t, t + horizon]; gradient-boosted trees and a logistic baseline evaluated on
    /// held-out customers; saved in the model registry and made active.
    Churn(TrainChurnArgs),
    /// Acquisition model: expected first-year net margin from the attributes known at sign-up,
    /// learnt from customers acquired at least a year before --as-of.
    Acquisition(crate::acquisition::TrainAcquisitionArgs),
}

#[derive(Args)]
pub struct TrainChurnArgs {
    /// Database URL: sqlite://file.db or postgres://user@host/db.
    #[arg(long, env = "FIDELIS_DB")]
    db: String,
    /// Departure horizon after each snapshot: 90d, 12w, 3m…
    #[arg(long, default_value = "90d", value_parser = parse_duration)]
    horizon: i32,
    /// What is known: labels end the day before (default: the day after the last dated row).
    #[arg(long, value_parser = parse_day)]
    as_of: Option<NaiveDate>,
    /// Snapshot dates: the latest is as-of − horizon, the others earlier by --every.
    #[arg(long, default_value_t = 4)]
    snapshots: u32,
    /// Interval between snapshot dates.
    #[arg(long, default_value = "30d", value_parser = parse_duration)]
    every: i32,
    /// Also count this long without any activity as a departure (default: cancellations only).
    #[arg(long, value_parser = parse_duration)]
    inactivity: Option<i32>,
    /// Departure is the cancellation of every running contract, not of any one.
    #[arg(long)]
    all_contracts: bool,
    /// Seed of the customer split and of the trees.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Skip the variable reduction (the smallest feature set within 0.005 AUC).
    #[arg(long)]
    no_reduction: bool,
    /// Print a JSON summary.
    #[arg(long)]
    json: bool,
}

#[derive(Subcommand)]
pub enum ScoreCommand {
    /// Every current customer's departure risk and top reasons with the active churn model.
    Churn(ScoreChurnArgs),
}

#[derive(Args)]
pub struct ScoreChurnArgs {
    /// Database URL.
    #[arg(long, env = "FIDELIS_DB")]
    db: String,
    /// Date of the features (default: the day after the last dated row).
    #[arg(long, value_parser = parse_day)]
    as_of: Option<NaiveDate>,
    /// Reasons kept per customer.
    #[arg(long, default_value_t = 3)]
    top_reasons: usize,
    /// Reasons are computed for customers whose risk is at least this (TreeSHAP is most of the
    /// scoring time; the offer catalogue raises alerts from 0.35 by default); 0 for everyone.
    #[arg(long, default_value_t = 0.2)]
    reasons_above: f64,
    /// Customers read, scored and saved at a time (memory grows with it, not with the base).
    #[arg(long, default_value_t = SCORE_BATCH)]
    batch: usize,
    /// Print a JSON summary.
    #[arg(long)]
    json: bool,
}

/// One feature of the ranking.
#[derive(Serialize)]
struct TopFeature {
    feature: String,
    gain: f64,
    description: String,
}

/// What `train churn --json` prints.
#[derive(Serialize)]
struct TrainChurnSummary {
    version: i64,
    as_of: NaiveDate,
    horizon_days: i32,
    inactivity_days: Option<i32>,
    snapshots: Vec<NaiveDate>,
    customers: usize,
    rows: usize,
    positive_rate: f64,
    features: usize,
    train_rows: usize,
    validation_rows: usize,
    gbdt: Evaluation,
    baseline: Option<Evaluation>,
    top_features: Vec<TopFeature>,
    reduction: Option<ReductionSummary>,
    read_seconds: f64,
    features_seconds: f64,
    train_seconds: f64,
    total_seconds: f64,
}

#[derive(Serialize)]
struct ReductionSummary {
    full_auc: f64,
    selected_auc: f64,
    tolerance: f64,
    selected: Vec<String>,
}

/// The day after the last dated row, or an error for an empty database.
fn default_as_of(last_day: Option<NaiveDate>) -> Result<NaiveDate> {
    last_day
        .and_then(|d| d.checked_add_days(Days::new(1)))
        .context("the database holds no dated history: import data first (or give --as-of)")
}

pub async fn train(command: TrainCommand) -> Result<ExitCode> {
    match command {
        TrainCommand::Churn(args) => train_churn_command(args).await,
        TrainCommand::Acquisition(args) => crate::acquisition::train(args).await,
    }
}

async fn train_churn_command(args: TrainChurnArgs) -> Result<ExitCode> {
    let started = Instant::now();
    let store = Store::open(&args.db).await?;
    let loaded = store
        .churn_histories(None)
        .await
        .context("reading the histories")?;
    let read_seconds = started.elapsed().as_secs_f64();
    let as_of = match args.as_of {
        Some(d) => d,
        None => default_as_of(loaded.last_day)?,
    };
    if args.snapshots == 0 {
        bail!("--snapshots 0: expected at least 1");
    }
    let t = day_of(as_of);
    // Snapshot k (0 = latest) at as_of − horizon − k × every: its label window ends the day before
    // as_of, so nothing at or after as_of is read.
    let snapshots: Vec<Day> = (0..args.snapshots as i32)
        .rev()
        .map(|k| t.plus(-args.horizon - k * args.every))
        .collect();
    let labels = LabelConfig {
        horizon_days: args.horizon,
        inactivity_days: args.inactivity,
        cancellation: if args.all_contracts {
            CancellationRule::AllContracts
        } else {
            CancellationRule::AnyContract
        },
    };
    let factory = FeatureFactory::new(loaded.config.clone());
    let computing = Instant::now();
    let set = build_training_set(&factory, &loaded.histories, &snapshots, t.plus(-1), &labels)
        .context("building the training rows")?;
    let features_seconds = computing.elapsed().as_secs_f64();
    let options = TrainOptions {
        gbdt: GbdtParams {
            seed: args.seed,
            ..GbdtParams::default()
        },
        seed: args.seed,
        reduction_tolerance: (!args.no_reduction).then_some(0.005),
        ..TrainOptions::default()
    };
    let training_started = Instant::now();
    let training = train_churn(&set, &options).context("training the departure model")?;
    let train_seconds = training_started.elapsed().as_secs_f64();

    let (p, y) = (
        &training.validation_probabilities,
        &training.validation_labels,
    );
    let describe = |name: &str| {
        factory
            .spec(name)
            .map(|s| s.description.clone())
            .unwrap_or_default()
    };
    let top_features: Vec<TopFeature> = training
        .importance
        .iter()
        .take(30)
        .map(|(name, gain)| TopFeature {
            feature: name.clone(),
            gain: *gain,
            description: describe(name),
        })
        .collect();
    let customers = {
        let mut c: Vec<usize> = set.rows.iter().map(|r| r.customer).collect();
        c.sort_unstable();
        c.dedup();
        c.len()
    };
    let positives = set.labels.iter().filter(|&&l| l).count();
    let snapshot_dates: Vec<NaiveDate> = snapshots.iter().map(|&d| date_of(d)).collect();
    let metrics = serde_json::json!({
        "gbdt": training.validation,
        "baseline": training.baseline_validation,
        "roc": roc_curve(p, y, 100)?,
        "lift_curve": lift_curve(p, y, 20)?,
        "importance": top_features,
        "reduction": training.reduction,
        "rows": set.labels.len(),
        "positives": positives,
        "customers": customers,
        "train_rows": training.train_rows,
        "validation_rows": training.validation_rows,
    });
    let params = serde_json::json!({
        "horizon_days": args.horizon,
        "inactivity_days": args.inactivity,
        "cancellation": labels.cancellation,
        "snapshots": args.snapshots,
        "every_days": args.every,
        "seed": args.seed,
        "categories": loaded.config.product_categories,
        "gbdt": options.gbdt,
        "validation_share": options.validation_share,
    });
    let version = store
        .save_model(&NewModel {
            kind: ModelKind::Churn,
            created_at: Utc::now(),
            as_of,
            horizon_days: Some(i64::from(args.horizon)),
            snapshots: snapshot_dates.clone(),
            params,
            feature_names: training.model.feature_names.clone(),
            metrics,
            model_json: serde_json::to_string(&training.model)?,
            activate: true,
        })
        .await
        .context("saving the model")?;
    store.close().await;

    let summary = TrainChurnSummary {
        version,
        as_of,
        horizon_days: args.horizon,
        inactivity_days: args.inactivity,
        snapshots: snapshot_dates,
        customers,
        rows: set.labels.len(),
        positive_rate: positives as f64 / set.labels.len().max(1) as f64,
        features: set.features.n_features(),
        train_rows: training.train_rows,
        validation_rows: training.validation_rows,
        gbdt: training.validation.clone(),
        baseline: training.baseline_validation.clone(),
        top_features,
        reduction: training.reduction.as_ref().map(|r| ReductionSummary {
            full_auc: r.full_auc,
            selected_auc: r.selected_auc,
            tolerance: r.tolerance,
            selected: r.selected.clone(),
        }),
        read_seconds,
        features_seconds,
        train_seconds,
        total_seconds: started.elapsed().as_secs_f64(),
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&summary)?);
    } else {
        print_training(&summary);
    }
    Ok(ExitCode::SUCCESS)
}

fn print_training(s: &TrainChurnSummary) {
    println!(
        "departure model version {} trained as of {}: horizon {} days{}, {} snapshots ({} … {})",
        s.version,
        s.as_of,
        s.horizon_days,
        s.inactivity_days
            .map(|p| format!(" (or {p} days without activity)"))
            .unwrap_or_default(),
        s.snapshots.len(),
        s.snapshots
            .first()
            .map(|d| d.to_string())
            .unwrap_or_default(),
        s.snapshots
            .last()
            .map(|d| d.to_string())
            .unwrap_or_default(),
    );
    println!(
        "  {} rows from {} customers ({:.1} % departures) × {} features; {} training rows, {} validation rows (other customers)",
        s.rows,
        s.customers,
        100.0 * s.positive_rate,
        s.features,
        s.train_rows,
        s.validation_rows
    );
    println!(
        "  read {:.1} s, features {:.1} s, training {:.1} s",
        s.read_seconds, s.features_seconds, s.train_seconds
    );
    println!(
        "  {:<22} {:>7} {:>7} {:>9} {:>12} {:>7}",
        "", "AUC", "PR-AUC", "lift@10%", "capture@10%", "Brier"
    );
    let line = |name: &str, e: &Evaluation| {
        println!(
            "  {:<22} {:>7.4} {:>7.4} {:>9.2} {:>11.1}% {:>7.4}",
            name,
            e.auc,
            e.pr_auc,
            e.top_decile.lift,
            100.0 * e.top_decile.capture,
            e.brier
        );
    };
    line("gradient-boosted trees", &s.gbdt);
    if let Some(b) = &s.baseline {
        line("logistic baseline", b);
    }
    println!("  calibration (deciles of predicted risk): predicted → observed");
    for bin in &s.gbdt.calibration {
        println!(
            "    {:>6.1} % → {:>6.1} %  ({} rows)",
            100.0 * bin.mean_predicted,
            100.0 * bin.observed_rate,
            bin.rows
        );
    }
    println!("  most important features:");
    for (i, f) in s.top_features.iter().take(10).enumerate() {
        println!(
            "    {:>2}. {:<40} gain {:>9.1}  {}",
            i + 1,
            f.feature,
            f.gain,
            f.description
        );
    }
    if let Some(r) = &s.reduction {
        println!(
            "  variable reduction: {} features keep AUC {:.4} (all {}: {:.4}, tolerance {})",
            r.selected.len(),
            r.selected_auc,
            s.features,
            r.full_auc,
            r.tolerance
        );
    }
    println!(
        "  saved as version {} (active); score with `fidelis score churn --db …`",
        s.version
    );
}

/// What `score churn --json` prints.
#[derive(Serialize)]
struct ScoreSummary {
    model_version: i64,
    as_of: NaiveDate,
    customers: usize,
    scored: usize,
    mean_risk: f64,
    bands: Vec<fidelis_store::RiskBand>,
    read_seconds: f64,
    /// Features, model and reasons.
    features_seconds: f64,
    total_seconds: f64,
}

/// Customers read, scored and saved per range: bounds the histories held (about 1 GB per 100,000
/// generated customers) and the feature matrix (~60 MB) whatever the size of the base.
const SCORE_BATCH: usize = 50_000;

pub async fn score(command: ScoreCommand) -> Result<ExitCode> {
    let ScoreCommand::Churn(args) = command;
    let started = Instant::now();
    let store = Store::open(&args.db).await?;
    let (stored, model) = store
        .active_churn_model()
        .await?
        .context("no active churn model: run `fidelis train churn --db …` first")?;
    let categories: Vec<String> = serde_json::from_value(stored.info.params["categories"].clone())
        .map_err(|e| {
            anyhow!(
                "churn model {}: product categories: {e}",
                stored.info.version
            )
        })?;
    let as_of = match args.as_of {
        Some(d) => d,
        None => default_as_of(store.churn_last_day().await?)?,
    };
    if args.batch == 0 {
        bail!("--batch 0: expected at least 1 customer per batch");
    }
    if !(0.0..=1.0).contains(&args.reasons_above) {
        bail!(
            "--reasons-above {}: expected a risk between 0 and 1",
            args.reasons_above
        );
    }
    let t = day_of(as_of);
    let factory = FeatureFactory::new(FeatureConfig {
        product_categories: categories.clone(),
    });
    let explainer = Explainer::new(&model, factory.catalogue());
    // Range by range: read, featurise, score, save; only one range's histories are held. Every
    // customer's score depends only on its own history, so the ranges change nothing.
    let (mut customers, mut scored, mut risk_sum) = (0usize, 0usize, 0.0f64);
    let (mut read_seconds, mut features_seconds) = (0.0, 0.0);
    for range in store.churn_id_ranges(args.batch).await? {
        let reading = Instant::now();
        let loaded = store
            .churn_histories_range(Some(&categories), range.clone())
            .await
            .context("reading the histories")?;
        read_seconds += reading.elapsed().as_secs_f64();
        let computing = Instant::now();
        let reasons = (args.top_reasons, args.reasons_above);
        let rows = score_histories(&loaded, t, &factory, &explainer, &model, reasons)?;
        features_seconds += computing.elapsed().as_secs_f64();
        customers += loaded.customers.len();
        // Added one by one, in customer order: the mean does not depend on the ranges.
        for r in &rows {
            risk_sum += r.risk;
        }
        scored += store
            .save_churn_scores_range(stored.info.version, as_of, range, &rows)
            .await
            .context("saving the scores")?;
    }
    store
        .rank_churn_scores()
        .await
        .context("ranking the scores")?;
    let bands = store.risk_distribution().await?;
    store.close().await;
    let summary = ScoreSummary {
        model_version: stored.info.version,
        as_of,
        customers,
        scored,
        mean_risk: risk_sum / scored.max(1) as f64,
        bands,
        read_seconds,
        features_seconds,
        total_seconds: started.elapsed().as_secs_f64(),
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&summary)?);
    } else {
        println!(
            "scored {} current customers (of {}) as of {} with departure model {} in {:.1} s; mean risk {:.1} %",
            summary.scored,
            summary.customers,
            as_of,
            summary.model_version,
            summary.total_seconds,
            100.0 * summary.mean_risk
        );
        for b in &summary.bands {
            println!(
                "  {:>3.0}–{:>3.0} %  {:>9} customers",
                100.0 * b.lower,
                100.0 * b.upper,
                b.customers
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The risk and reasons of the current customers among `loaded` as of `t`: acquired before the
/// date, with a running contract if they ever had one, and some activity, whatever their activity
/// since, as the model was trained on snapshots.
fn score_histories(
    loaded: &ChurnHistories,
    t: Day,
    factory: &FeatureFactory,
    explainer: &Explainer,
    model: &GbdtModel,
    (top_reasons, reasons_above): (usize, f64),
) -> Result<Vec<ScoreRow>> {
    let membership = LabelConfig {
        inactivity_days: None,
        ..LabelConfig::default()
    };
    let current: Vec<usize> = (0..loaded.customers.len())
        .filter(|&i| {
            loaded.customers[i].status != "prospect"
                && is_customer_at(&loaded.histories[i], t, &membership)
        })
        .collect();
    let pairs: Vec<_> = current.iter().map(|&i| (&loaded.histories[i], t)).collect();
    let x = factory.compute_at(&pairs);
    let x = if x.names() == model.feature_names.as_slice() {
        x
    } else {
        x.select_named(&model.feature_names)
            .context("the active model's features")?
    };
    let explained = explainer.explain_at_risk(&x, top_reasons, reasons_above)?;
    Ok(current
        .iter()
        .zip(explained)
        .map(|(&i, e)| ScoreRow {
            customer: loaded.customers[i].id,
            risk: e.probability,
            reasons: e
                .reasons
                .into_iter()
                .map(|r| ScoreReason {
                    feature: r.feature,
                    text: r.text,
                    contribution: r.contribution,
                })
                .collect(),
        })
        .collect())
}
