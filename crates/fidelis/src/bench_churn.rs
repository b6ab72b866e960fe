//! `fidelis bench churn`: the departure model's speed goals (issue 4) on simulated histories —
//! training on 100,000 customers × the full feature catalogue (features of the snapshot, then the
//! gradient-boosted trees) and scoring 1,000,000 customers (features + model, in batches of 50,000),
//! plus TreeSHAP reasons for a sample. Generating the histories is not timed. The machine's load
//! average is printed beside the figures: the box is shared.

use std::time::Instant;

use anyhow::{Context, Result};
use clap::Args;
use fidelis_analytics::churn::simulate::simulated_histories;
use fidelis_analytics::churn::{
    Day, Explainer, FeatureConfig, FeatureFactory, GbdtParams, LabelConfig, build_training_set,
    fit_gbdt, roc_auc,
};
use serde::Serialize;

#[derive(Args)]
pub struct ChurnArgs {
    /// Customers of the training snapshot.
    #[arg(long, default_value_t = 100_000)]
    customers: usize,
    /// Customers scored.
    #[arg(long, default_value_t = 1_000_000)]
    score_customers: usize,
    /// Customers explained with TreeSHAP reasons.
    #[arg(long, default_value_t = 10_000)]
    explain_customers: usize,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    #[arg(long)]
    json: bool,
}

#[derive(Serialize)]
struct ChurnBench {
    threads: usize,
    load_average_before: String,
    load_average_after: String,
    train_customers: usize,
    features: usize,
    departures: usize,
    train_features_seconds: f64,
    train_fit_seconds: f64,
    train_total_seconds: f64,
    trees: usize,
    holdout_auc: f64,
    score_customers: usize,
    score_features_seconds: f64,
    score_model_seconds: f64,
    score_total_seconds: f64,
    explain_customers: usize,
    explain_seconds: f64,
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

/// Customers generated and scored at a time.
const BATCH: usize = 50_000;

pub fn run(args: ChurnArgs) -> Result<()> {
    let load_average_before = load_average();
    let factory = FeatureFactory::new(FeatureConfig::default());
    let t = Day::from_ymd(2024, 7, 1);
    let labels = LabelConfig::default();
    let people = simulated_histories(args.customers, args.seed, t);

    let started = Instant::now();
    let set = build_training_set(&factory, &people, &[t], t.plus(200), &labels)
        .context("building the training snapshot")?;
    let train_features_seconds = started.elapsed().as_secs_f64();
    let fitting = Instant::now();
    let model = fit_gbdt(
        &set.features,
        &set.labels,
        &GbdtParams {
            seed: args.seed,
            ..GbdtParams::default()
        },
        None,
    )?;
    let train_fit_seconds = fitting.elapsed().as_secs_f64();
    let train_total_seconds = started.elapsed().as_secs_f64();
    drop(people);

    let fresh = simulated_histories(20_000, args.seed + 1, t);
    let holdout = build_training_set(&factory, &fresh, &[t], t.plus(200), &labels)?;
    let holdout_auc = roc_auc(&model.predict(&holdout.features)?, &holdout.labels)?;
    drop(fresh);

    let explain_customers = args.explain_customers.min(set.features.n_rows());
    let sample = set
        .features
        .select_rows(&(0..explain_customers).collect::<Vec<_>>());
    let explaining = Instant::now();
    let explained = Explainer::new(&model, factory.catalogue()).explain(&sample, 3)?;
    let explain_seconds = explaining.elapsed().as_secs_f64();
    drop(explained);

    let (mut score_features_seconds, mut score_model_seconds, mut scored) = (0.0, 0.0, 0usize);
    let mut batch_seed = args.seed + 100;
    while scored < args.score_customers {
        let n = BATCH.min(args.score_customers - scored);
        let people = simulated_histories(n, batch_seed, t);
        batch_seed += 1;
        let start = Instant::now();
        let x = factory.compute(&people, t);
        score_features_seconds += start.elapsed().as_secs_f64();
        let start = Instant::now();
        let risk = model.predict(&x)?;
        score_model_seconds += start.elapsed().as_secs_f64();
        scored += risk.len();
    }

    let result = ChurnBench {
        threads: rayon_threads(),
        load_average_before,
        load_average_after: load_average(),
        train_customers: args.customers,
        features: set.features.n_features(),
        departures: set.labels.iter().filter(|&&y| y).count(),
        train_features_seconds,
        train_fit_seconds,
        train_total_seconds,
        trees: model.trees.len(),
        holdout_auc,
        score_customers: scored,
        score_features_seconds,
        score_model_seconds,
        score_total_seconds: score_features_seconds + score_model_seconds,
        explain_customers,
        explain_seconds,
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&result)?);
    } else {
        let r = &result;
        println!(
            "departure model speed ({} threads; load average {} before, {} after)",
            r.threads, r.load_average_before, r.load_average_after
        );
        println!(
            "  training: {} customers × {} features ({} departures): features {:.2} s + GBDT fit {:.2} s ({} trees) = {:.2} s; holdout AUC {:.4}",
            r.train_customers,
            r.features,
            r.departures,
            r.train_features_seconds,
            r.train_fit_seconds,
            r.trees,
            r.train_total_seconds,
            r.holdout_auc
        );
        println!(
            "  scoring: {} customers: features {:.2} s + model {:.2} s = {:.2} s",
            r.score_customers,
            r.score_features_seconds,
            r.score_model_seconds,
            r.score_total_seconds
        );
        println!(
            "  reasons (TreeSHAP, top 3): {} customers in {:.2} s",
            r.explain_customers, r.explain_seconds
        );
    }
    Ok(())
}

/// Threads of the feature and tree code (rayon's global pool; `RAYON_NUM_THREADS` sets it).
fn rayon_threads() -> usize {
    std::env::var("RAYON_NUM_THREADS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| {
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1)
        })
}
