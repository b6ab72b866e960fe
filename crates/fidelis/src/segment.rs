//! `fidelis segment refresh | report`: segments every customer as of a date — RFM (named segments and
//! codes), value (the value matrix's strategy), behavioural clusters (k-means, fidelis-analytics) and
//! the rule segments of `segments.toml` — and stores the membership snapshot with each segment's
//! profile against the population; then reports sizes and value over the runs (orchestration only).

use crate::rules_config;
use anyhow::{Context, Result};
use chrono::{NaiveDate, Utc};
use clap::{Args, Subcommand};
use fidelis_analytics::cluster::{ClusterOptions, cluster};
use fidelis_rules::segment::{RfmInput, rfm_scores};
use fidelis_rules::{Facts, Value};
use fidelis_store::Store;
use fidelis_store::facts::{CustomerFacts, to_facts};
use fidelis_store::segments::{NewSegmentRun, SegmentProfile};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Subcommand)]
pub enum SegmentCommand {
    /// Compute RFM, value, behavioural-cluster and rule segments as of a date and store the
    /// membership snapshot.
    Refresh(RefreshArgs),
    /// Size and value (margin, CLV) of each segment over the runs, and the latest run's profiles
    /// against the population.
    Report(ReportArgs),
}

#[derive(Args)]
pub struct RefreshArgs {
    #[arg(long, env = "FIDELIS_DB")]
    db: String,
    /// The date to segment as of (default: today, UTC).
    #[arg(long, value_parser = parse_day)]
    as_of: Option<NaiveDate>,
    /// Directory holding segments.toml (default: the built-in sample).
    #[arg(long)]
    config: Option<PathBuf>,
    /// Seed of the clustering.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
pub struct ReportArgs {
    #[arg(long, env = "FIDELIS_DB")]
    db: String,
    /// One segmentation: rfm, rfm_code, value, cluster, rules.
    #[arg(long)]
    segmentation: Option<String>,
    #[arg(long)]
    json: bool,
}

fn parse_day(text: &str) -> Result<NaiveDate, String> {
    fidelis_domain::parse::parse_date(text).map_err(|e| format!("expected {e}"))
}

/// The behavioural features clustered: log scales for counts and amounts, whose tails would
/// otherwise make the clusters.
const CLUSTER_FEATURES: &[&str] = &[
    "recency_days",
    "log_frequency",
    "log_monetary",
    "tenure_days",
    "active_contracts",
    "log_monthly_fee",
    "complaints_last_90_days",
    "contacts_last_30_days",
];

/// The facts a segment's profile compares with the population.
const PROFILE_FACTS: &[&str] = &[
    "value.margin_to_date",
    "value.clv",
    "rfm.recency_days",
    "rfm.frequency",
    "rfm.monetary",
    "profile.tenure_days",
    "contract.active_count",
    "contract.monthly_fee",
    "complaints.last_90_days",
    "contacts.last_30_days",
    "satisfaction.nps",
    "score.churn_risk",
];

fn rfm_input(c: &CustomerFacts, as_of: NaiveDate) -> RfmInput {
    RfmInput {
        customer_id: c.external_id.clone(),
        // Never bought: as far back as can be (scores 1).
        recency_days: c
            .last_purchase
            .map_or(f64::INFINITY, |d| (as_of - d).num_days() as f64),
        frequency: c.purchases as f64,
        monetary: c.units(c.spend_minor),
    }
}

/// Scores RFM over the whole base and writes `rfm.r`, `rfm.f`, `rfm.m`, `rfm.code` and
/// `rfm.segment` into each customer's facts (same order).
pub fn score_rfm(customers: &[CustomerFacts], facts: &mut [Facts], as_of: NaiveDate) {
    let inputs: Vec<RfmInput> = customers.iter().map(|c| rfm_input(c, as_of)).collect();
    for (score, f) in rfm_scores(&inputs).into_iter().zip(facts.iter_mut()) {
        let _ = f.set("rfm.r", f64::from(score.r));
        let _ = f.set("rfm.f", f64::from(score.f));
        let _ = f.set("rfm.m", f64::from(score.m));
        let _ = f.set("rfm.code", score.code.as_str());
        let _ = f.set("rfm.segment", score.segment.as_str());
    }
}

fn features(c: &CustomerFacts, as_of: NaiveDate) -> Vec<f64> {
    let days = |d: Option<NaiveDate>, none: f64| d.map_or(none, |d| (as_of - d).num_days() as f64);
    let tenure = days(c.acquisition_date, 0.0);
    vec![
        days(c.last_purchase, tenure.max(365.0)),
        (c.purchases as f64).ln_1p(),
        c.units(c.spend_minor).max(0.0).ln_1p(),
        tenure,
        c.active_contracts as f64,
        c.units(c.monthly_fee_minor).max(0.0).ln_1p(),
        c.complaints_last_90_days as f64,
        c.contacts_last_30_days as f64,
    ]
}

fn number(facts: &Facts, name: &str) -> Option<f64> {
    match facts.get(name) {
        Value::Number(x) if x.is_finite() => Some(*x),
        _ => None,
    }
}

fn mean(values: impl Iterator<Item = f64>) -> Option<f64> {
    let (sum, n) = values.fold((0.0, 0usize), |(s, n), x| (s + x, n + 1));
    (n > 0).then(|| sum / n as f64)
}

#[derive(Serialize)]
struct RefreshSummary {
    run_id: i64,
    as_of: NaiveDate,
    customers: usize,
    segmentations: BTreeMap<String, BTreeMap<String, usize>>,
    clusters: serde_json::Value,
    seconds: f64,
}

pub async fn run(command: SegmentCommand) -> Result<ExitCode> {
    match command {
        SegmentCommand::Refresh(args) => refresh(args).await,
        SegmentCommand::Report(args) => report(args).await,
    }
}

async fn refresh(args: RefreshArgs) -> Result<ExitCode> {
    let started = std::time::Instant::now();
    let cfg = rules_config::load(args.config.as_deref())?;
    let as_of = args.as_of.unwrap_or_else(|| Utc::now().date_naive());
    let store = Store::open(&args.db).await?;
    let customers = store
        .customer_facts(as_of, None)
        .await
        .context("reading customer facts")?;
    let mut facts: Vec<Facts> = customers
        .iter()
        .map(|c| to_facts(c, &cfg.schema, as_of))
        .collect();
    score_rfm(&customers, &mut facts, as_of);

    // (segmentation, segment) of each customer, same order as `customers`.
    let mut members: Vec<Vec<(String, String)>> = vec![Vec::new(); customers.len()];
    for (m, f) in members.iter_mut().zip(&facts) {
        for (segmentation, fact) in [("rfm", "rfm.segment"), ("rfm_code", "rfm.code")] {
            if let Value::String(s) = f.get(fact) {
                m.push((segmentation.to_owned(), s.clone()));
            }
        }
    }
    for (m, c) in members.iter_mut().zip(&customers) {
        let strategy = c
            .value
            .as_ref()
            .map_or("not_valued", |v| v.strategy.as_str());
        m.push(("value".to_owned(), strategy.to_owned()));
    }
    let rows: Vec<Vec<f64>> = customers.iter().map(|c| features(c, as_of)).collect();
    let options = ClusterOptions {
        seed: args.seed,
        ..ClusterOptions::default()
    };
    let clustering = cluster(&rows, &options);
    let clusters = match &clustering {
        Some(c) => {
            for (m, &label) in members.iter_mut().zip(&c.labels) {
                m.push(("cluster".to_owned(), format!("c{}", label + 1)));
            }
            serde_json::json!({
                "features": CLUSTER_FEATURES,
                "criterion": "mean silhouette on a sample (highest wins); inertia (elbow) and Calinski-Harabasz reported",
                "chosen_k": c.chosen_k,
                "table": c.table,
                "centres": c.centres,
                "options": options,
            })
        }
        None => serde_json::json!({"chosen_k": null, "reason": "too few customers to cluster"}),
    };
    for ((m, f), _) in members.iter_mut().zip(&facts).zip(&customers) {
        for name in cfg.segments.membership(f, as_of) {
            m.push(("rules".to_owned(), name.to_owned()));
        }
    }

    // Profiles: the mean of each profile fact per segment against the population.
    let population: BTreeMap<&str, Option<f64>> = PROFILE_FACTS
        .iter()
        .map(|&name| (name, mean(facts.iter().filter_map(|f| number(f, name)))))
        .collect();
    let mut by_segment: BTreeMap<(String, String), Vec<usize>> = BTreeMap::new();
    for (i, m) in members.iter().enumerate() {
        for key in m {
            by_segment.entry(key.clone()).or_default().push(i);
        }
    }
    let mut profiles = Vec::new();
    for ((segmentation, segment), indices) in &by_segment {
        if segmentation == "rfm_code" {
            continue;
        }
        for &name in PROFILE_FACTS {
            profiles.push(SegmentProfile {
                segmentation: segmentation.clone(),
                segment: segment.clone(),
                fact: name.to_owned(),
                segment_mean: mean(indices.iter().filter_map(|&i| number(&facts[i], name))),
                population_mean: population.get(name).copied().flatten(),
            });
        }
    }
    let value_run_id = customers
        .iter()
        .find_map(|c| c.value.as_ref().map(|v| v.run_id));
    let run = NewSegmentRun {
        as_of,
        created_at: Utc::now(),
        customers: customers.len() as i64,
        value_run_id,
        details: serde_json::json!({ "clusters": clusters }),
        members: members
            .iter()
            .zip(&customers)
            .flat_map(|(m, c)| m.iter().map(move |(s, n)| (s.clone(), n.clone(), c.id)))
            .collect(),
        profiles,
    };
    let run_id = store.save_segment_run(&run).await?;
    store.close().await;

    let mut segmentations: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
    for ((segmentation, segment), indices) in &by_segment {
        segmentations
            .entry(segmentation.clone())
            .or_default()
            .insert(segment.clone(), indices.len());
    }
    let summary = RefreshSummary {
        run_id,
        as_of,
        customers: customers.len(),
        segmentations,
        clusters,
        seconds: started.elapsed().as_secs_f64(),
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&summary)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "segment run {run_id} as of {as_of}: {} customers in {:.1} s",
        summary.customers, summary.seconds
    );
    for (segmentation, segments) in &summary.segmentations {
        if segmentation == "rfm_code" {
            println!("  rfm_code: {} codes", segments.len());
            continue;
        }
        println!("  {segmentation}:");
        for (segment, n) in segments {
            println!("    {segment:<24} {n:>9}");
        }
    }
    if let Some(c) = &clustering {
        println!(
            "  k-means on {} (standardised): k chosen by the mean silhouette",
            CLUSTER_FEATURES.join(", ")
        );
        println!(
            "    {:>3} {:>12} {:>11} {:>18}",
            "k", "inertia", "silhouette", "calinski_harabasz"
        );
        for t in &c.table {
            println!(
                "    {:>3} {:>12.1} {:>11.3} {:>18.1}{}",
                t.k,
                t.inertia,
                t.silhouette,
                t.calinski_harabasz,
                if t.k == c.chosen_k {
                    "  ← chosen"
                } else {
                    ""
                }
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(Serialize)]
struct Report {
    runs: Vec<fidelis_store::segments::SegmentRun>,
    sizes: Vec<fidelis_store::segments::SegmentSize>,
    profiles: Vec<ProfileRow>,
}

#[derive(Serialize)]
struct ProfileRow {
    #[serde(flatten)]
    profile: SegmentProfile,
    index: Option<f64>,
}

async fn report(args: ReportArgs) -> Result<ExitCode> {
    let store = Store::open(&args.db).await?;
    let runs = store.segment_runs().await?;
    let sizes = store.segment_history(args.segmentation.as_deref()).await?;
    let profiles = match runs.last() {
        Some(run) => {
            store
                .segment_profiles(run.id, args.segmentation.as_deref())
                .await?
        }
        None => Vec::new(),
    };
    store.close().await;
    let report = Report {
        runs,
        sizes,
        profiles: profiles
            .into_iter()
            .map(|p| ProfileRow {
                index: p.index(),
                profile: p,
            })
            .collect(),
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(ExitCode::SUCCESS);
    }
    if report.runs.is_empty() {
        println!("no segment run yet: run `fidelis segment refresh` first");
        return Ok(ExitCode::SUCCESS);
    }
    println!("size and value per segment over the runs (money in the value refresh's currency):");
    println!(
        "{:>4} {:<11} {:<10} {:<24} {:>9} {:>15} {:>15}",
        "run", "as_of", "segmentation", "segment", "customers", "margin", "clv"
    );
    for s in &report.sizes {
        if s.segmentation == "rfm_code" && args.segmentation.as_deref() != Some("rfm_code") {
            continue;
        }
        println!(
            "{:>4} {:<11} {:<10} {:<24} {:>9} {:>15.2} {:>15.2}",
            s.run_id,
            s.as_of.to_string(),
            s.segmentation,
            s.segment,
            s.customers,
            s.margin_minor as f64 / 100.0,
            s.clv_minor as f64 / 100.0
        );
    }
    println!("\nprofiles against the population (latest run; index 100 = population mean):");
    let mut current = (String::new(), String::new());
    for p in &report.profiles {
        let key = (p.profile.segmentation.clone(), p.profile.segment.clone());
        if key != current {
            println!("  {} / {}", key.0, key.1);
            current = key;
        }
        let fmt = |x: Option<f64>| x.map_or("-".to_owned(), |x| format!("{x:.2}"));
        println!(
            "    {:<26} {:>12} vs {:>12}  index {}",
            p.profile.fact,
            fmt(p.profile.segment_mean),
            fmt(p.profile.population_mean),
            p.index.map_or("-".to_owned(), |i| format!("{i:.0}"))
        );
    }
    Ok(ExitCode::SUCCESS)
}
