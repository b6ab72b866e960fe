//! `fidelis bench campaign`: a campaign over N targets (1,000,000 by default) in a SQLite file —
//! the stratified assignment stored, then the queueing of treated members into the outbox under the
//! contact policy — and the delivery throughput of the outbox to an SMTP server (`--smtp`, e.g. a
//! local aiosmtpd) and to a local webhook receiver started here.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result, anyhow};
use chrono::{NaiveDate, TimeZone, Utc};
use clap::Args;
use fidelis_server::delivery::{self, DeliveryConfig};
use fidelis_store::Store;
use fidelis_store::campaigns::{CampaignPlan, CampaignStatus};
use fidelis_store::import::{ImportOptions, import_file};
use serde::Serialize;

#[derive(Args)]
pub struct CampaignArgs {
    /// Campaign targets (customers in the database).
    #[arg(long, default_value_t = 1_000_000)]
    targets: u64,
    /// Messages sent per channel in the throughput part.
    #[arg(long, default_value_t = 2_000)]
    messages: u64,
    /// SMTP server `host:port` for the e-mail throughput (skipped without it).
    #[arg(long)]
    smtp: Option<String>,
    /// Working directory; a temporary one by default.
    #[arg(long)]
    dir: Option<PathBuf>,
    #[arg(long)]
    json: bool,
}

#[derive(Serialize)]
struct CampaignBench {
    targets: u64,
    import_seconds: f64,
    assign_seconds: f64,
    queue_seconds: f64,
    assign_and_queue_seconds: f64,
    treatment: u64,
    control: u64,
    queued: u64,
    smtp_messages: u64,
    smtp_seconds: Option<f64>,
    smtp_per_second: Option<f64>,
    webhook_messages: u64,
    webhook_seconds: f64,
    webhook_per_second: f64,
}

fn customers_file(path: &std::path::Path, n: u64) -> Result<()> {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    writeln!(out, "id,first_name,last_name,email,phone,country,status")?;
    for i in 0..n {
        writeln!(
            out,
            "B{i:07},Prénom{},Nom{i},b{i}@example.org,+336{i:08},FR,active",
            i % 97
        )?;
    }
    out.flush()?;
    Ok(())
}

fn plan(id: &str) -> CampaignPlan {
    CampaignPlan {
        id: id.into(),
        name: "Benchmark".into(),
        objective: None,
        target: None,
        exclusions: Vec::new(),
        offer: Some("-10 %".into()),
        offer_product: None,
        channels: vec!["email".into(), "sms".into()],
        start_date: NaiveDate::from_ymd_opt(2026, 11, 23).unwrap_or_default(),
        end_date: None,
        budget_minor: None,
        cost_per_contact_minor: 5,
        currency: "EUR".into(),
        control_share: 0.1,
        status: CampaignStatus::Draft,
        seed: 1,
        response_window_days: 30,
        template: serde_json::json!({"email": {"fr": {"subject": "Bonjour {first_name}", "body": "Offre : {offer}"}}}),
    }
}

/// A webhook receiver on loopback answering 200 to every POST (HTTP/1.1 keep-alive), one thread per
/// connection: the provider side of the throughput measure.
fn start_receiver() -> Result<String> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    let url = format!("http://{}/hook", listener.local_addr()?);
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || {
                let mut reader = BufReader::new(match stream.try_clone() {
                    Ok(s) => s,
                    Err(_) => return,
                });
                let mut writer = stream;
                loop {
                    let mut length = 0usize;
                    let mut line = String::new();
                    loop {
                        line.clear();
                        match reader.read_line(&mut line) {
                            Ok(0) | Err(_) => return,
                            Ok(_) => {}
                        }
                        if line == "\r\n" {
                            break;
                        }
                        if let Some((name, value)) = line.split_once(':')
                            && name.eq_ignore_ascii_case("content-length")
                        {
                            length = value.trim().parse().unwrap_or(0);
                        }
                    }
                    let mut body = vec![0; length];
                    if reader.read_exact(&mut body).is_err()
                        || writer
                            .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\ncontent-type: application/json\r\n\r\n{}")
                            .is_err()
                    {
                        return;
                    }
                }
            });
        }
    });
    Ok(url)
}

pub async fn run(args: CampaignArgs) -> Result<ExitCode> {
    let owned = args.dir.is_none();
    let dir = args.dir.unwrap_or_else(|| {
        std::env::temp_dir().join(format!("fidelis-bench-campaign-{}", std::process::id()))
    });
    std::fs::create_dir_all(&dir)?;
    let db_path = dir.join("campaign.db");
    let _ = std::fs::remove_file(&db_path);
    let file = dir.join("customers.csv");
    customers_file(&file, args.targets)?;
    let store = Store::open(&format!("sqlite://{}", db_path.display())).await?;
    let started = Instant::now();
    let today = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap_or_default();
    import_file(
        &store,
        &file,
        &ImportOptions::new(fidelis_domain::Entity::Customers, today),
        &|_| {},
    )
    .await
    .with_context(|| format!("importing {}", file.display()))?;
    let import_seconds = started.elapsed().as_secs_f64();

    store.create_campaign(&plan("BENCH")).await?;
    let now = Utc
        .with_ymd_and_hms(2026, 11, 23, 10, 0, 0)
        .single()
        .ok_or_else(|| anyhow!("date"))?;
    let policy = fidelis_rules::policy::ContactPolicy {
        opt_out_channels: fidelis_rules::ConsentChannel::ALL.to_vec(),
        quiet_channels: Vec::new(),
        ..Default::default()
    };
    let started = Instant::now();
    let quadrants = store.value_quadrants().await?;
    let members: Vec<(i64, String)> = store
        .customer_keys()
        .await?
        .into_iter()
        .map(|(id, _)| {
            (
                id,
                quadrants
                    .get(&id)
                    .cloned()
                    .unwrap_or_else(|| "unvalued".into()),
            )
        })
        .collect();
    let assigned = delivery::campaign::save(&store, "BENCH", &members, 0.1, 1).await?;
    let assign_seconds = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let queued = delivery::campaign::queue(&store, "BENCH", &policy, now).await?;
    let queue_seconds = started.elapsed().as_secs_f64();
    store.close().await;

    // Throughput: a fresh database with `messages` e-mails and `messages` webhooks due.
    let tp_path = dir.join("delivery.db");
    let _ = std::fs::remove_file(&tp_path);
    let tp = Store::open(&format!("sqlite://{}", tp_path.display())).await?;
    let small = dir.join("few.csv");
    customers_file(&small, args.messages)?;
    import_file(
        &tp,
        &small,
        &ImportOptions::new(fidelis_domain::Entity::Customers, today),
        &|_| {},
    )
    .await?;
    for (id, channels) in [
        ("MAIL", vec!["email".to_owned()]),
        ("HOOK", vec!["sms".to_owned()]),
    ] {
        tp.create_campaign(&CampaignPlan {
            channels,
            control_share: 0.0,
            ..plan(id)
        })
        .await?;
        let members: Vec<(i64, String)> = tp
            .customer_keys()
            .await?
            .into_iter()
            .map(|(id, _)| (id, "all".into()))
            .collect();
        delivery::campaign::save(&tp, id, &members, 0.0, 1).await?;
        delivery::campaign::queue(&tp, id, &policy, now).await?;
    }
    let receiver = start_receiver()?;
    let mut config = DeliveryConfig {
        sms: Some(delivery::webhook::WebhookConfig {
            url: receiver,
            secret: "bench".into(),
            timeout: std::time::Duration::from_secs(10),
        }),
        ..Default::default()
    };
    let started = Instant::now();
    let hooks = delivery::deliver_due(&tp, &config, now).await?;
    let webhook_seconds = started.elapsed().as_secs_f64();
    let (smtp_seconds, smtp_sent) = match &args.smtp {
        Some(hp) => {
            let (host, port) = hp
                .rsplit_once(':')
                .and_then(|(h, p)| Some((h.to_owned(), p.parse::<u16>().ok()?)))
                .ok_or_else(|| anyhow!("--smtp {hp:?}: expected host:port"))?;
            config.sms = None;
            config.smtp = Some(delivery::smtp::SmtpConfig {
                host,
                port,
                from: "Fidelis <bench@fidelis.invalid>".into(),
                timeout: std::time::Duration::from_secs(10),
                message_id_domain: "fidelis.invalid".into(),
            });
            let started = Instant::now();
            let sent = delivery::deliver_due(&tp, &config, now).await?;
            (Some(started.elapsed().as_secs_f64()), sent.sent)
        }
        None => (None, 0),
    };
    tp.close().await;

    let result = CampaignBench {
        targets: args.targets,
        import_seconds,
        assign_seconds,
        queue_seconds,
        assign_and_queue_seconds: assign_seconds + queue_seconds,
        treatment: assigned.treatment,
        control: assigned.control,
        queued: queued.queued,
        smtp_messages: smtp_sent,
        smtp_seconds,
        smtp_per_second: smtp_seconds.map(|s| smtp_sent as f64 / s),
        webhook_messages: hooks.sent,
        webhook_seconds,
        webhook_per_second: hooks.sent as f64 / webhook_seconds,
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&result)?);
    } else {
        println!(
            "campaign of {} targets (import {:.1} s, not counted)\n  assignment (stratified, stored): {:>6.2} s  ({} treatment, {} control)\n  queueing under the policy      : {:>6.2} s  ({} messages)\n  assignment + queueing          : {:>6.2} s (goal < 10 s)",
            result.targets,
            result.import_seconds,
            result.assign_seconds,
            result.treatment,
            result.control,
            result.queue_seconds,
            result.queued,
            result.assign_and_queue_seconds
        );
        println!(
            "delivery: {} signed webhooks in {:.2} s ({:.0}/s)",
            result.webhook_messages, result.webhook_seconds, result.webhook_per_second
        );
        match (result.smtp_seconds, result.smtp_per_second) {
            (Some(s), Some(r)) => println!(
                "delivery: {} e-mails over SMTP in {s:.2} s ({r:.0}/s)",
                result.smtp_messages
            ),
            _ => println!("delivery: e-mail skipped (no --smtp)"),
        }
    }
    if owned {
        let _ = std::fs::remove_dir_all(&dir);
    }
    Ok(ExitCode::SUCCESS)
}
