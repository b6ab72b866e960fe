//! `fidelis bench btyd`: BTYD fits on simulated customers and the summary of a transaction log, timed
//! beside lifetimes 0.11.3 and pandas on the same data in the same run (BENCHMARKS.md).

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use clap::Args;
use fidelis_analytics::{
    BgNbdParams, CustomerSummary, GammaGammaParams, ParetoNbdParams, Rng, TimeUnit, Transaction,
    fit_bgnbd, fit_gamma_gamma, fit_pareto_nbd, simulate_bgnbd, simulate_pareto_nbd,
    simulate_spend, summarise_transactions,
};
use serde::Serialize;
use serde_json::Value;

/// The peer script, written next to the data it reads.
const PEER_SCRIPT: &str = include_str!("../benches/btyd_peer.py");

#[derive(Args)]
pub struct BtydArgs {
    /// Simulated customers for the fits.
    #[arg(long, default_value_t = 1_000_000)]
    customers: usize,
    /// Transactions in the log to summarise.
    #[arg(long, default_value_t = 10_000_000)]
    transactions: usize,
    /// Working directory for the CSV files the peer reads (a temporary one by default).
    #[arg(long)]
    dir: Option<PathBuf>,
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Python with lifetimes 0.11.3 (pip install -r crates/fidelis/benches/requirements-btyd.txt).
    #[arg(long, default_value = "python3")]
    python: String,
    /// Time only Fidelis.
    #[arg(long)]
    no_peer: bool,
    /// Leave Pareto/NBD out of the peer's run (lifetimes takes minutes on it).
    #[arg(long)]
    peer_skip_pareto: bool,
    #[arg(long)]
    json: bool,
}

/// One measurement: Fidelis' time, the peer's, and the parameters each found.
#[derive(Serialize)]
struct Measure {
    what: &'static str,
    rows: usize,
    fidelis_seconds: f64,
    peer_seconds: Option<f64>,
    speedup: Option<f64>,
    fidelis_params: Value,
    peer_params: Option<Value>,
    /// Fidelis' log-likelihood at its own estimate and at the peer's (same data).
    log_likelihood: Option<(f64, f64)>,
}

#[derive(Serialize)]
struct BtydBench {
    customers: usize,
    transactions: usize,
    peer: Option<Value>,
    results: Vec<Measure>,
}

const BGNBD: BgNbdParams = BgNbdParams {
    r: 0.2426,
    alpha: 4.4135,
    a: 0.7929,
    b: 2.4258,
};
const PARETO: ParetoNbdParams = ParetoNbdParams {
    r: 0.5533,
    alpha: 10.578,
    s: 0.6062,
    beta: 11.669,
};
const SPEND: GammaGammaParams = GammaGammaParams {
    p: 6.2488,
    q: 3.7446,
    gamma: 15.4477,
};
/// Calibration end of the simulated data, in days: first purchases on days 0..364.
const END: i32 = 546;

/// Ages on a day grid and recency floored to whole days, as a summary of a real log would be.
fn simulate(customers: usize, seed: u64, pareto: bool) -> Vec<CustomerSummary> {
    let mut rng = Rng::new(seed);
    let ages: Vec<f64> = (0..customers)
        .map(|_| f64::from(END - rng.below(365) as i32) / 7.0)
        .collect();
    let raw = if pareto {
        simulate_pareto_nbd(&PARETO, &ages, seed + 1)
    } else {
        simulate_bgnbd(&BGNBD, &ages, seed + 1)
    };
    raw.into_iter()
        .map(|c| CustomerSummary {
            recency: (c.recency * 7.0).floor() / 7.0,
            ..c
        })
        .collect()
}

fn write_summaries(path: &Path, rows: &[CustomerSummary]) -> Result<()> {
    let mut w = BufWriter::new(
        std::fs::File::create(path).with_context(|| format!("cannot write {}", path.display()))?,
    );
    writeln!(w, "frequency,recency,T,monetary_value")?;
    for c in rows {
        writeln!(
            w,
            "{},{},{},{}",
            c.frequency, c.recency, c.t, c.monetary_value
        )?;
    }
    w.flush()?;
    Ok(())
}

fn seconds(start: Instant) -> f64 {
    start.elapsed().as_secs_f64()
}

pub fn run(args: BtydArgs) -> Result<ExitCode> {
    let dir = args.dir.clone().unwrap_or_else(|| {
        std::env::temp_dir().join(format!("fidelis-bench-btyd-{}", std::process::id()))
    });
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let progress = |what: &str| {
        if !args.json {
            eprintln!("{what}");
        }
    };

    progress("simulating customers and the transaction log");
    let buyers = simulate_spend(
        &SPEND,
        &simulate(args.customers, args.seed, false),
        args.seed + 2,
    );
    let pareto = simulate(args.customers, args.seed + 3, true);
    let mut rng = Rng::new(args.seed + 4);
    let customers_in_log = (args.transactions / 10).max(1) as u64;
    // Random order, as a log gathered from several systems would be.
    let log: Vec<Transaction> = (0..args.transactions)
        .map(|_| Transaction {
            customer: rng.below(customers_in_log) as u32,
            day: rng.below(730) as i32,
            amount: 500 + rng.below(20_000) as i64,
        })
        .collect();

    progress("fitting with Fidelis");
    let start = Instant::now();
    let bg = fit_bgnbd(&buyers)?;
    let bg_s = seconds(start);
    // The repeat buyers only, as lifetimes is given them.
    let repeat: Vec<CustomerSummary> = buyers.iter().filter(|c| c.frequency > 0).copied().collect();
    let start = Instant::now();
    let gg = fit_gamma_gamma(&repeat)?;
    let gg_s = seconds(start);
    let start = Instant::now();
    let pnbd = fit_pareto_nbd(&pareto)?;
    let pnbd_s = seconds(start);
    let start = Instant::now();
    let summary = summarise_transactions(&log, END, TimeUnit::Weeks)?;
    let summary_s = seconds(start);

    let peer = if args.no_peer {
        None
    } else {
        progress("writing the CSV files for the peer");
        let (bg_csv, pnbd_csv, log_csv) = (
            dir.join("bgnbd.csv"),
            dir.join("pnbd.csv"),
            dir.join("log.csv"),
        );
        write_summaries(&bg_csv, &buyers)?;
        write_summaries(&pnbd_csv, &pareto)?;
        let mut w = BufWriter::new(std::fs::File::create(&log_csv)?);
        writeln!(w, "customer,day,amount")?;
        for t in &log {
            writeln!(w, "{},{},{}", t.customer, t.day, t.amount)?;
        }
        w.flush()?;
        let script = dir.join("btyd_peer.py");
        std::fs::write(&script, PEER_SCRIPT)?;
        progress("running lifetimes 0.11.3 and pandas (Pareto/NBD takes minutes)");
        let mut command = Command::new(&args.python);
        command.arg(&script).arg("--bgnbd").arg(&bg_csv);
        if !args.peer_skip_pareto {
            command.arg("--pnbd").arg(&pnbd_csv);
        }
        let out = command
            .arg("--log")
            .arg(&log_csv)
            .arg("--calibration-end")
            .arg(END.to_string())
            .output()
            .with_context(|| format!("running {}", args.python))?;
        for f in [&bg_csv, &pnbd_csv, &log_csv, &script] {
            let _ = std::fs::remove_file(f);
        }
        if !out.status.success() {
            bail!(
                "the peer failed ({}); install it with `pip install -r crates/fidelis/benches/requirements-btyd.txt` \
                 or pass --no-peer:\n{}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            );
        }
        Some(serde_json::from_slice::<Value>(&out.stdout).context("reading the peer's JSON")?)
    };
    if args.dir.is_none() {
        let _ = std::fs::remove_dir(&dir);
    }

    let peer_part = |key: &str| peer.as_ref().and_then(|p| p.get(key)).cloned();
    let measure = |what,
                   rows,
                   fidelis_seconds,
                   fidelis_params: Value,
                   key: &str,
                   ll: &dyn Fn(&Value) -> Option<(f64, f64)>| {
        let part = peer_part(key);
        let peer_seconds = part.as_ref().and_then(|p| p["seconds"].as_f64());
        let peer_params = part
            .as_ref()
            .map(|p| p["params"].clone())
            .filter(|p| !p.is_null());
        Measure {
            what,
            rows,
            fidelis_seconds,
            peer_seconds,
            speedup: peer_seconds.map(|p| p / fidelis_seconds),
            log_likelihood: peer_params.as_ref().and_then(ll),
            fidelis_params,
            peer_params,
        }
    };
    let get = |v: &Value, k: &str| v.get(k).and_then(Value::as_f64);
    let results = vec![
        measure(
            "BG/NBD fit",
            buyers.len(),
            bg_s,
            serde_json::to_value(bg.params)?,
            "bgnbd",
            &|p| {
                let at = BgNbdParams {
                    r: get(p, "r")?,
                    alpha: get(p, "alpha")?,
                    a: get(p, "a")?,
                    b: get(p, "b")?,
                };
                Some((bg.log_likelihood, at.log_likelihood(&buyers).ok()?))
            },
        ),
        measure(
            "Pareto/NBD fit",
            pareto.len(),
            pnbd_s,
            serde_json::to_value(pnbd.params)?,
            "pareto_nbd",
            &|p| {
                let at = ParetoNbdParams {
                    r: get(p, "r")?,
                    alpha: get(p, "alpha")?,
                    s: get(p, "s")?,
                    beta: get(p, "beta")?,
                };
                Some((pnbd.log_likelihood, at.log_likelihood(&pareto).ok()?))
            },
        ),
        measure(
            "Gamma-Gamma fit",
            gg.repeat_buyers,
            gg_s,
            serde_json::to_value(gg.params)?,
            "gamma_gamma",
            &|p| {
                let at = GammaGammaParams {
                    p: get(p, "p")?,
                    q: get(p, "q")?,
                    gamma: get(p, "v")?,
                };
                Some((gg.log_likelihood, at.log_likelihood(&repeat).ok()?))
            },
        ),
        measure(
            "summary of the transaction log",
            log.len(),
            summary_s,
            serde_json::json!({ "customers": summary.customers.len() }),
            "summary",
            &|_| None,
        ),
    ];
    let versions = peer.as_ref().map(|p| {
        let mut p = p.clone();
        if let Some(o) = p.as_object_mut() {
            o.retain(|_, v| v.is_string());
        }
        p
    });
    let bench = BtydBench {
        customers: args.customers,
        transactions: args.transactions,
        peer: versions,
        results,
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&bench)?);
    } else {
        print_bench(&bench);
    }
    Ok(ExitCode::SUCCESS)
}

fn print_bench(b: &BtydBench) {
    println!(
        "BTYD on {} simulated customers, summary of {} transactions{}",
        b.customers,
        b.transactions,
        b.peer
            .as_ref()
            .map(|p| format!(
                "; peer lifetimes {} / pandas {} on Python {}",
                p["lifetimes"].as_str().unwrap_or("?"),
                p["pandas"].as_str().unwrap_or("?"),
                p["python"].as_str().unwrap_or("?")
            ))
            .unwrap_or_default()
    );
    for m in &b.results {
        let peer = match (m.peer_seconds, m.speedup) {
            (Some(p), Some(x)) => format!("peer {p:>8.2} s   {x:>7.0}× faster"),
            _ => "peer not run".to_owned(),
        };
        println!(
            "  {:<32} {:>10} rows  fidelis {:>7.3} s   {peer}",
            m.what, m.rows, m.fidelis_seconds
        );
        if let Some((ours, theirs)) = m.log_likelihood {
            println!(
                "  {:<32} log-likelihood: fidelis {ours:.2}, at the peer's estimate {theirs:.2}",
                ""
            );
        }
    }
}
