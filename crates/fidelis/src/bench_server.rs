//! `fidelis bench serve`: latency of the customer page and of search at a fixed request rate, on a
//! generated data set in SQLite, with the server in process and an open-loop load generator (requests
//! start on schedule whether or not earlier ones have answered, so slow answers are not hidden).

use anyhow::{Context, Result, bail};
use clap::Args;
use fidelis_domain::{Entity, Role};
use fidelis_server::auth::{random_token, token_hash};
use fidelis_server::{Application, Settings};
use fidelis_store::Store;
use serde::Serialize;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Args)]
pub struct ServeArgs {
    /// Customers in the generated data set.
    #[arg(long, default_value_t = 1_000_000)]
    customers: u32,
    /// Months of history per customer.
    #[arg(long, default_value_t = 3)]
    months: u32,
    /// Requests per second of each kind.
    #[arg(long, default_value_t = 200)]
    rate: u32,
    /// Seconds of load per kind.
    #[arg(long, default_value_t = 30)]
    seconds: u32,
    /// Working directory; the generated database is reused when present.
    #[arg(long)]
    dir: Option<PathBuf>,
    #[arg(long)]
    json: bool,
}

#[derive(Serialize)]
struct Latencies {
    route: &'static str,
    requests: usize,
    errors: usize,
    rate_per_second: u32,
    p50_ms: f64,
    p99_ms: f64,
    max_ms: f64,
}

#[derive(Serialize)]
struct ServeBench {
    customers: i64,
    months: u32,
    results: Vec<Latencies>,
}

pub async fn run(args: ServeArgs) -> Result<ExitCode> {
    let dir = args
        .dir
        .clone()
        .unwrap_or_else(|| std::env::temp_dir().join("fidelis-bench-serve"));
    std::fs::create_dir_all(&dir)?;
    let db_path = dir.join(format!("serve-{}x{}.db", args.customers, args.months));
    let url = format!("sqlite://{}", db_path.display());
    if !db_path.exists() {
        let data = dir.join("data");
        let config = fidelis_synth::SynthConfig {
            customers: args.customers,
            months: args.months,
            seed: 42,
            end: chrono::NaiveDate::from_ymd_opt(2026, 10, 31).context("end date")?,
        };
        fidelis_synth::generate(&config, &data)?;
        let partial = dir.join("partial.db");
        crate::demo::remove_sqlite_files(&partial);
        let store = Store::open(&format!("sqlite://{}", partial.display())).await?;
        crate::import::import_directory(&store, &data, false, |_| Ok(())).await?;
        store.close().await;
        std::fs::rename(&partial, &db_path)?;
        let _ = std::fs::remove_dir_all(&data);
    }
    let store = Store::open(&url).await?;
    let customers = store
        .counts()
        .await?
        .iter()
        .find(|c| c.entity == Entity::Customers)
        .map(|c| c.rows)
        .unwrap_or(0);
    if customers == 0 {
        bail!("{} holds no customers", db_path.display());
    }
    // An agent with an API token: pages accept tokens as well as sessions.
    let token = random_token();
    let user = match store.user_credentials("bench-agent").await? {
        Some((user, _)) => user,
        None => {
            store
                .create_user("bench-agent", "!", Role::Agent, chrono::Utc::now())
                .await?
        }
    };
    store
        .create_api_token(user.id, "bench", &token_hash(&token), chrono::Utc::now())
        .await?;
    let names: Vec<String> = store
        .all_customers()
        .await?
        .into_iter()
        .filter_map(|h| h.last_name)
        .step_by(997)
        .map(|n| n.chars().take(3).collect())
        .collect();

    let app = Application::build("127.0.0.1:0".parse()?, store, Settings::default()).await?;
    let addr = app.local_addr()?;
    tokio::spawn(app.run_until_stopped());
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(256)
        .build()?;
    let base = format!("http://{addr}");

    let page = {
        let base = base.clone();
        move |i: u64| {
            format!(
                "{base}/customers/C{:06}",
                1 + (i.wrapping_mul(7_919) % customers as u64)
            )
        }
    };
    let search = {
        let base = base.clone();
        let names = Arc::new(names);
        move |i: u64| {
            format!(
                "{base}/customers?q={}",
                names[(i as usize) % names.len().max(1)]
            )
        }
    };
    let mut results = Vec::new();
    results.push(
        load(
            &client,
            &token,
            "GET /customers/{id}",
            args.rate,
            args.seconds,
            page,
        )
        .await,
    );
    results.push(
        load(
            &client,
            &token,
            "GET /customers?q={name prefix}",
            args.rate,
            args.seconds,
            search,
        )
        .await,
    );
    let report = ServeBench {
        customers,
        months: args.months,
        results,
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        println!(
            "{} customers × {} months in SQLite",
            report.customers, report.months
        );
        for r in &report.results {
            println!(
                "  {:<32} {} req at {}/s: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms, {} errors",
                r.route, r.requests, r.rate_per_second, r.p50_ms, r.p99_ms, r.max_ms, r.errors
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Sends `rate` requests per second for `seconds`, each started on its schedule; latency is measured
/// from the scheduled start.
async fn load(
    client: &reqwest::Client,
    token: &str,
    route: &'static str,
    rate: u32,
    seconds: u32,
    url: impl Fn(u64) -> String,
) -> Latencies {
    let total = rate as u64 * seconds as u64;
    let interval = Duration::from_secs_f64(1.0 / rate.max(1) as f64);
    let start = Instant::now() + Duration::from_millis(50);
    let mut tasks = Vec::with_capacity(total as usize);
    for i in 0..total {
        let scheduled = start + interval * i as u32;
        tokio::time::sleep_until(scheduled.into()).await;
        let request = client.get(url(i)).bearer_auth(token);
        tasks.push(tokio::spawn(async move {
            let ok = match request.send().await {
                Ok(r) => r.status().is_success() && r.bytes().await.is_ok(),
                Err(_) => false,
            };
            (scheduled.elapsed(), ok)
        }));
    }
    let mut times = Vec::with_capacity(tasks.len());
    let mut errors = 0;
    for t in tasks {
        match t.await {
            Ok((d, ok)) => {
                times.push(d.as_secs_f64() * 1000.0);
                if !ok {
                    errors += 1;
                }
            }
            Err(_) => errors += 1,
        }
    }
    times.sort_by(f64::total_cmp);
    let at = |q: f64| {
        times
            .get(((times.len() as f64 * q) as usize).min(times.len().saturating_sub(1)))
            .copied()
            .unwrap_or(0.0)
    };
    Latencies {
        route,
        requests: times.len(),
        errors,
        rate_per_second: rate,
        p50_ms: at(0.50),
        p99_ms: at(0.99),
        max_ms: times.last().copied().unwrap_or(0.0),
    }
}
