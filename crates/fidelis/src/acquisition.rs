//! `fidelis train acquisition`: past customers' first-year net margin (store → P&L rules) against
//! what was known of them at sign-up → `fidelis_analytics::acquisition` → model registry.
//! Orchestration only.

use std::collections::HashMap;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result, anyhow, bail};
use chrono::{Datelike, NaiveDate, Utc};
use clap::Args;
use fidelis_analytics::acquisition::{
    AcquisitionOptions, Applicant, IsoDate, RegressionMetrics, first_year_net, train_acquisition,
};
use fidelis_analytics::calendar::days_from_civil;
use fidelis_analytics::churn::{Band, ChannelKind, Day};
use fidelis_domain::Currency;
use fidelis_store::{ModelKind, NewModel, SignupRecord, Store};
use serde::Serialize;

#[derive(Args)]
pub struct TrainAcquisitionArgs {
    /// Database URL: sqlite://file.db or postgres://user@host/db.
    #[arg(long, env = "FIDELIS_DB")]
    db: String,
    /// Last day of the data used (default: the day after the last dated row); customers acquired
    /// at least 365 days before it are learnt from.
    #[arg(long, value_parser = parse_day)]
    as_of: Option<NaiveDate>,
    /// Cost of handling one complaint, minor units (as in `fidelis refresh`).
    #[arg(long, default_value_t = 2_000)]
    complaint_cost_minor: i64,
    /// Seed of the customer split and of the trees.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Print a JSON summary.
    #[arg(long)]
    json: bool,
}

fn parse_day(text: &str) -> Result<NaiveDate, String> {
    fidelis_domain::parse::parse_date(text).map_err(|e| format!("expected {e}"))
}

fn day_number(d: NaiveDate) -> i32 {
    days_from_civil(d.year(), d.month(), d.day())
}

/// Contracts starting this many days after acquisition count as products taken at sign-up.
const SIGNUP_PRODUCTS_DAYS: i32 = 30;

/// What `train acquisition --json` prints.
#[derive(Serialize)]
struct AcquisitionSummary {
    version: i64,
    as_of: NaiveDate,
    currency: String,
    customers: usize,
    cohort_from: NaiveDate,
    cohort_to: NaiveDate,
    train_rows: usize,
    mean_first_year_net: f64,
    validation: RegressionMetrics,
    top_features: Vec<(String, f64)>,
    seconds: f64,
}

/// The applicant a past customer was at sign-up.
fn applicant(r: &SignupRecord, products: Vec<String>) -> Applicant {
    let date = |d: Option<NaiveDate>| d.map(|d| IsoDate(Day(day_number(d))));
    Applicant {
        signup_date: date(r.acquisition_date),
        birth_date: date(r.birth_date),
        acquisition_channel: r
            .acquisition_channel
            .as_deref()
            .and_then(ChannelKind::parse),
        income_band: r.income_band.as_deref().and_then(Band::parse),
        assets_band: r.assets_band.as_deref().and_then(Band::parse),
        postcode: r.postcode.clone(),
        gender: r.gender.clone(),
        products,
    }
}

pub async fn train(args: TrainAcquisitionArgs) -> Result<ExitCode> {
    let started = Instant::now();
    let store = Store::open(&args.db).await?;
    let records = store.signup_records().await?;
    let probe = match args.as_of {
        Some(d) => d,
        None => Utc::now().date_naive(),
    };
    let inputs = store
        .value_inputs(probe)
        .await
        .context("reading the history")?;
    let h = &inputs.history;
    // The days the data covers, from its dated events (contracts may start long before the data
    // does): a customer's first year must lie inside them.
    let days = h
        .transactions
        .iter()
        .map(|t| t.day)
        .chain(h.interactions.iter().map(|i| i.day));
    let (first, last) = days.fold((i32::MAX, i32::MIN), |(lo, hi), d| (lo.min(d), hi.max(d)));
    if first > last {
        bail!("the database holds no transactions or interactions: import data first");
    }
    let as_of = match args.as_of {
        Some(d) => day_number(d),
        None => last + 1,
    };
    let code = match inputs.currencies.as_slice() {
        [] => "EUR".to_owned(),
        [one] => one.clone(),
        many => bail!(
            "the amounts are in several currencies ({}): the acquisition model learns one",
            many.join(", ")
        ),
    };
    let currency =
        Currency::parse(&code).map_err(|e| anyhow!("currency {code:?}: expected {e}"))?;
    let unit = 10f64.powi(currency.exponent() as i32);

    // Customers whose whole first year (acquisition day … +364) is inside the data before as_of.
    let cohort: Vec<(&SignupRecord, i32)> = records
        .iter()
        .filter_map(|r| {
            let d = day_number(r.acquisition_date?);
            (d >= first && d + 364 < as_of).then_some((r, d))
        })
        .collect();
    let category_of: HashMap<i64, &str> = h
        .products
        .iter()
        .map(|p| (p.id, p.category.as_str()))
        .collect();
    let mut categories: Vec<String> = h.products.iter().map(|p| p.category.clone()).collect();
    categories.sort();
    categories.dedup();
    let start: HashMap<i64, i32> = cohort.iter().map(|(r, d)| (r.id, *d)).collect();
    let mut products: HashMap<i64, Vec<String>> = HashMap::new();
    for c in &h.contracts {
        if let (Some(&s), Some(&category)) = (start.get(&c.customer), category_of.get(&c.product))
            && c.start >= s
            && c.start < s + SIGNUP_PRODUCTS_DAYS
        {
            products
                .entry(c.customer)
                .or_default()
                .push(category.to_owned());
        }
    }
    let pairs: Vec<(i64, i32)> = cohort.iter().map(|(r, d)| (r.id, *d)).collect();
    let net: HashMap<i64, i64> = first_year_net(h, &pairs, args.complaint_cost_minor)
        .into_iter()
        .collect();
    let mut applicants = Vec::with_capacity(cohort.len());
    let mut targets = Vec::with_capacity(cohort.len());
    for (r, _) in &cohort {
        applicants.push(applicant(r, products.remove(&r.id).unwrap_or_default()));
        targets.push(net.get(&r.id).copied().unwrap_or(0) as f64 / unit);
    }
    let options = AcquisitionOptions {
        seed: args.seed,
        gbdt: fidelis_analytics::churn::GbdtParams {
            seed: args.seed,
            ..AcquisitionOptions::default().gbdt
        },
        ..AcquisitionOptions::default()
    };
    let training = train_acquisition(&applicants, &targets, &categories, &options)
        .context("training the acquisition model")?;
    let cohort_from = cohort.iter().map(|(_, d)| *d).min().unwrap_or(first);
    let cohort_to = cohort.iter().map(|(_, d)| *d).max().unwrap_or(first);
    let date = |d: i32| {
        let (y, m, day) = fidelis_analytics::calendar::civil_from_days(d);
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
    };
    let mean = targets.iter().sum::<f64>() / targets.len().max(1) as f64;
    let top_features: Vec<(String, f64)> = training.importance.iter().take(15).cloned().collect();
    let version = store
        .save_model(&NewModel {
            kind: ModelKind::Acquisition,
            created_at: Utc::now(),
            as_of: date(as_of),
            horizon_days: Some(365),
            snapshots: vec![date(cohort_from), date(cohort_to)],
            params: serde_json::json!({
                "options": options,
                "categories": categories,
                "complaint_cost_minor": args.complaint_cost_minor,
                "signup_products_days": SIGNUP_PRODUCTS_DAYS,
                "currency": code,
            }),
            feature_names: training.model.model.feature_names.clone(),
            metrics: serde_json::json!({
                "validation": training.validation,
                "importance": training.importance,
                "customers": applicants.len(),
                "train_rows": training.train_rows,
                "mean_first_year_net": mean,
            }),
            model_json: serde_json::to_string(&training.model)?,
            activate: true,
        })
        .await
        .context("saving the model")?;
    store.close().await;
    let summary = AcquisitionSummary {
        version,
        as_of: date(as_of),
        currency: code,
        customers: applicants.len(),
        cohort_from: date(cohort_from),
        cohort_to: date(cohort_to),
        train_rows: training.train_rows,
        mean_first_year_net: mean,
        validation: training.validation,
        top_features,
        seconds: started.elapsed().as_secs_f64(),
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&summary)?);
    } else {
        let v = &summary.validation;
        println!(
            "acquisition model version {} trained as of {} on {} customers acquired {} … {} (mean first-year net {:.2} {})",
            summary.version,
            summary.as_of,
            summary.customers,
            summary.cohort_from,
            summary.cohort_to,
            summary.mean_first_year_net,
            summary.currency
        );
        println!(
            "  held-out customers ({}): R² {:.3}, MAE {:.2}, RMSE {:.2}; predicting the mean: R² {:.3}, MAE {:.2}, RMSE {:.2}",
            v.rows, v.r2, v.mae, v.rmse, v.mean_r2, v.mean_mae, v.mean_rmse
        );
        println!("  most important sign-up attributes:");
        for (name, gain) in summary.top_features.iter().take(8) {
            println!("    {name:<28} gain {gain:>12.1}");
        }
        println!("  saved as version {} (active)", summary.version);
    }
    Ok(ExitCode::SUCCESS)
}
