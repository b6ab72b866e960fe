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
    /// Seconds of the same load sent first and not measured (connections opened, caches warm).
    #[arg(long, default_value_t = 3)]
    warmup: u32,
    /// Requests per second of the departure-alert lookup and of posted contacts.
    #[arg(long, default_value_t = 1000)]
    alert_rate: u32,
    /// What to load, comma-separated: page, search, alerts (GET /api/v1/customers/{id}/alerts),
    /// events (POST /api/v1/events, an inbound call that may raise an alert).
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "page,search,alerts,events"
    )]
    routes: Vec<String>,
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
    for r in &args.routes {
        if !["page", "search", "alerts", "events"].contains(&r.as_str()) {
            bail!("--routes: {r:?} is not one of page, search, alerts, events");
        }
    }
    let wants = |r: &str| args.routes.iter().any(|x| x == r);
    if (wants("alerts") || wants("events"))
        && store
            .active_model(fidelis_store::ModelKind::Churn)
            .await?
            .is_none()
    {
        score_everyone(&store).await?;
    }
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
    let alerts = {
        let base = base.clone();
        move |i: u64| {
            let id = 1 + (i.wrapping_mul(104_729) % customers as u64);
            Request::Get(format!("{base}/api/v1/customers/C{id:06}/alerts"))
        }
    };
    let events = {
        let base = base.clone();
        let run = chrono::Utc::now().timestamp();
        move |i: u64| {
            let id = 1 + (i.wrapping_mul(15_485_863) % customers as u64);
            Request::Post(
                format!("{base}/api/v1/events"),
                serde_json::json!({
                    "kind": "interaction",
                    "id": format!("bench-{run}-{i}"),
                    "customer_id": format!("C{id:06}"),
                    "channel_id": "CH02",
                    "direction": "inbound",
                    "operation": "service",
                    "occurred_at": chrono::Utc::now(),
                    "duration_seconds": 180,
                }),
            )
        }
    };
    let get = |f: Box<dyn Fn(u64) -> String>| move |i: u64| Request::Get(f(i));
    let mut results = Vec::new();
    if wants("page") {
        let r = load(
            &client,
            &token,
            "GET /customers/{id}",
            args.rate,
            (args.warmup, args.seconds),
            get(Box::new(page)),
        )
        .await;
        results.push(r);
    }
    if wants("search") {
        let r = load(
            &client,
            &token,
            "GET /customers?q={name prefix}",
            args.rate,
            (args.warmup, args.seconds),
            get(Box::new(search)),
        )
        .await;
        results.push(r);
    }
    if wants("alerts") {
        let r = load(
            &client,
            &token,
            "GET /api/v1/customers/{id}/alerts",
            args.alert_rate,
            (args.warmup, args.seconds),
            alerts,
        )
        .await;
        results.push(r);
    }
    if wants("events") {
        let r = load(
            &client,
            &token,
            "POST /api/v1/events",
            args.alert_rate,
            (args.warmup, args.seconds),
            events,
        )
        .await;
        results.push(r);
    }
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

/// A request of the load.
enum Request {
    Get(String),
    Post(String, serde_json::Value),
}

/// Registers a benchmark churn model and gives every customer a seeded random risk (a quarter of
/// them above the alert threshold) with one reason, so alert lookups find scores as in production.
async fn score_everyone(store: &Store) -> Result<()> {
    use fidelis_store::{ModelKind, NewModel, ScoreReason, ScoreRow};
    let today = chrono::Utc::now().date_naive();
    let version = store
        .save_model(&NewModel {
            kind: ModelKind::Churn,
            created_at: chrono::Utc::now(),
            as_of: today,
            horizon_days: Some(90),
            snapshots: vec![today],
            params: serde_json::json!({"benchmark": true}),
            feature_names: vec!["usage_mean_change_3m_vs_prev_3m".into()],
            metrics: serde_json::json!({}),
            model_json: "{}".into(),
            activate: true,
        })
        .await?;
    let mut rng = fidelis_analytics::btyd::simulate::Rng::new(42);
    let rows: Vec<ScoreRow> = store
        .customer_keys()
        .await?
        .into_iter()
        .map(|(key, _)| {
            let risk = rng.uniform() * 0.47;
            ScoreRow {
                customer: key,
                risk,
                reasons: vec![ScoreReason {
                    feature: "usage_mean_change_3m_vs_prev_3m".into(),
                    text: "usage down vs the previous 3 months".into(),
                    contribution: 1.0,
                }],
            }
        })
        .collect();
    store.save_churn_scores(version, today, &rows).await?;
    Ok(())
}

/// Sends `rate` requests per second for `seconds`, each started on its schedule; latency is measured
/// from the scheduled start.
async fn load(
    client: &reqwest::Client,
    token: &str,
    route: &'static str,
    rate: u32,
    (warmup, seconds): (u32, u32),
    request_of: impl Fn(u64) -> Request,
) -> Latencies {
    let skipped = rate as u64 * warmup as u64;
    let total = skipped + rate as u64 * seconds as u64;
    let interval = Duration::from_secs_f64(1.0 / rate.max(1) as f64);
    let start = Instant::now() + Duration::from_millis(50);
    let mut tasks = Vec::with_capacity(total as usize);
    for i in 0..total {
        let scheduled = start + interval * i as u32;
        tokio::time::sleep_until(scheduled.into()).await;
        let request = match request_of(i) {
            Request::Get(url) => client.get(url),
            Request::Post(url, body) => client.post(url).json(&body),
        }
        .bearer_auth(token);
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
    let mut slowest_second = vec![0f64; (warmup + seconds) as usize];
    for (i, t) in tasks.into_iter().enumerate() {
        let measured = i as u64 >= skipped;
        match t.await {
            Ok((d, ok)) => {
                let ms = d.as_secs_f64() * 1000.0;
                let second = (i as u64 / rate.max(1) as u64) as usize;
                if let Some(worst) = slowest_second.get_mut(second) {
                    *worst = worst.max(ms);
                }
                if measured {
                    times.push(ms);
                    if !ok {
                        errors += 1;
                    }
                }
            }
            Err(_) if measured => errors += 1,
            Err(_) => {}
        }
    }
    tracing::info!(
        route,
        ?slowest_second,
        "slowest request per second, warm-up first"
    );
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
