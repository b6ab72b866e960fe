//! `fidelis uplift` (any table of a randomised test: each arm against control) and `fidelis campaign`
//! (create, assign, queue, deliver, report, and `run`: the day's waves of the recurring campaigns).
//! Files and arguments are read and checked here; the statistics are `fidelis-analytics`', the
//! campaign data the store's, the delivery and the recurring job the server's.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, anyhow, bail};
use clap::Args;
use fidelis_analytics::uplift::{Accumulator, Uplift, describe, uplift};
use fidelis_rules::Trigger;
use fidelis_store::campaign_waves::{Recurrence, RecurringReport};
use serde::Serialize;

#[derive(Args)]
pub struct UpliftArgs {
    /// The CSV file, one row per member, with a header.
    #[arg(long)]
    table: PathBuf,
    /// The column naming each row's arm (treatment variant or control).
    #[arg(long)]
    arm_col: String,
    /// The value of the arm column that marks the control group.
    #[arg(long)]
    control: String,
    /// An outcome column (numbers; 0/1, true/false, yes/no for rates); repeat for several.
    #[arg(long, required = true)]
    outcome: Vec<String>,
    /// Confidence level of the intervals.
    #[arg(long, default_value_t = 0.95)]
    confidence: f64,
    #[arg(long)]
    json: bool,
}

#[derive(Serialize)]
struct UpliftRow {
    arm: String,
    outcome: String,
    #[serde(flatten)]
    uplift: Uplift,
    summary: String,
}

/// A cell's number: decimals with `.` or `,`, and the booleans of 0/1 outcomes.
fn outcome_value(text: &str) -> Option<f64> {
    let t = text.trim();
    match t.to_ascii_lowercase().as_str() {
        "true" | "yes" | "oui" | "vrai" => return Some(1.0),
        "false" | "no" | "non" | "faux" => return Some(0.0),
        _ => {}
    }
    let v: f64 = t.replace(',', ".").parse().ok()?;
    v.is_finite().then_some(v)
}

pub fn run_uplift(args: UpliftArgs) -> Result<ExitCode> {
    let path = &args.table;
    let mut reader = csv::ReaderBuilder::new()
        .flexible(false)
        .from_path(path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    let headers = reader
        .headers()
        .with_context(|| format!("{}, line 1: cannot read the header", path.display()))?
        .clone();
    let find = |name: &str| {
        headers
            .iter()
            .position(|h| h.trim() == name)
            .ok_or_else(|| {
                anyhow!(
                    "{}, line 1: no column {name:?}; the columns are: {}",
                    path.display(),
                    headers.iter().collect::<Vec<_>>().join(", ")
                )
            })
    };
    let arm_col = find(&args.arm_col)?;
    let outcome_cols: Vec<usize> = args
        .outcome
        .iter()
        .map(|o| find(o))
        .collect::<Result<_>>()?;
    // Per arm, per outcome: running mean and variance (the file is streamed).
    let mut arms: BTreeMap<String, Vec<Accumulator>> = BTreeMap::new();
    for (i, record) in reader.records().enumerate() {
        let line = i + 2;
        let record = record.with_context(|| format!("{}, line {line}", path.display()))?;
        let arm = record.get(arm_col).unwrap_or_default().to_owned();
        let accs = arms
            .entry(arm)
            .or_insert_with(|| vec![Accumulator::default(); outcome_cols.len()]);
        for (k, &col) in outcome_cols.iter().enumerate() {
            let text = record.get(col).unwrap_or_default();
            let value = outcome_value(text).ok_or_else(|| {
                anyhow!(
                    "{}, line {line}, field {}: {text:?} is not a number (expected a number, 0/1 or true/false)",
                    path.display(),
                    args.outcome[k]
                )
            })?;
            accs[k].push(value);
        }
    }
    let control = arms.get(&args.control).ok_or_else(|| {
        anyhow!(
            "{}: no row has {} = {:?}; the arms are: {}",
            path.display(),
            args.arm_col,
            args.control,
            arms.keys()
                .map(|k| format!("{k:?}"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    })?;
    let mut rows = Vec::new();
    for (arm, accs) in arms.iter().filter(|(a, _)| **a != args.control) {
        for (k, outcome) in args.outcome.iter().enumerate() {
            let u = uplift(accs[k].stats(), control[k].stats(), args.confidence)
                .map_err(|e| anyhow!("arm {arm:?}, outcome {outcome}: {e}"))?;
            rows.push(UpliftRow {
                arm: arm.clone(),
                outcome: outcome.clone(),
                summary: describe(&u, outcome, false),
                uplift: u,
            });
        }
    }
    if rows.is_empty() {
        bail!(
            "{}: only the control arm {:?} was found",
            path.display(),
            args.control
        );
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&rows)?);
    } else {
        println!(
            "{:<20} {:<14} {:>10} {:>10} {:>10} {:>10} {:>22} {:>9}",
            "arm", "outcome", "treated", "control", "effect", "std err", "interval", "lift"
        );
        for r in &rows {
            let u = &r.uplift;
            println!(
                "{:<20} {:<14} {:>10.6} {:>10.6} {:>10.6} {:>10.6} [{:>9.6}, {:>9.6}] {:>9}",
                r.arm,
                r.outcome,
                u.treatment.mean,
                u.control.mean,
                u.difference,
                u.standard_error,
                u.ci_low,
                u.ci_high,
                u.relative_lift
                    .map(|l| format!("{:+.1}%", l * 100.0))
                    .unwrap_or_default()
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

// Parsed once per process: the size of the largest variant does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(clap::Subcommand)]
pub enum CampaignCommand {
    /// Create a campaign (a draft): target, exclusions, offer, channels, dates, budget, control share.
    Create(CreateArgs),
    /// Change the offer product, the response window or the status of a campaign.
    Update(UpdateArgs),
    /// Choose the target and assign each member to treatment or control (random, seeded,
    /// stratified by value quadrant); stored once.
    Assign {
        #[arg(long, env = "FIDELIS_DB")]
        db: String,
        id: String,
        /// The date the target is evaluated on (facts, value quadrant).
        #[arg(long, value_parser = parse_day)]
        as_of: chrono::NaiveDate,
        #[arg(long)]
        json: bool,
    },
    /// Queue the treated members into the outbox under the contact policy (suppressions recorded).
    Queue {
        #[arg(long, env = "FIDELIS_DB")]
        db: String,
        id: String,
        /// Directory of policy.toml (the built-in sample otherwise).
        #[arg(long)]
        config_dir: Option<PathBuf>,
        /// The queueing time (RFC 3339, UTC); now by default.
        #[arg(long, value_parser = parse_time)]
        now: Option<chrono::DateTime<chrono::Utc>>,
        #[arg(long)]
        json: bool,
    },
    /// Deliver the due messages of the outbox once: e-mail over SMTP, SMS and webhooks as signed
    /// POSTs, direct mail into a CSV file. The webhook secret is read from FIDELIS_WEBHOOK_SECRET.
    Deliver(DeliverArgs),
    /// The open calls of an agent's queue (or of the unassigned pool).
    Calls {
        #[arg(long, env = "FIDELIS_DB")]
        db: String,
        #[arg(long)]
        agent: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// The day's run of the recurring campaigns (those with a `--trigger`): for each, the customers
    /// the trigger fires for that day make one wave, assigned to treatment or control (stored) and
    /// queued under the contact policy. Running a day again queues nothing new.
    Run(RunArgs),
    /// The impact report: response in treatment and control, uplift with its 95 % interval,
    /// incremental revenue and margin, cost and return on investment, overall and per channel. For a
    /// recurring campaign, its waves pooled, then wave by wave.
    Report {
        #[arg(long, env = "FIDELIS_DB")]
        db: String,
        id: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Args)]
pub struct CreateArgs {
    #[arg(long, env = "FIDELIS_DB")]
    db: String,
    #[arg(long)]
    id: String,
    #[arg(long)]
    name: String,
    #[arg(long)]
    objective: Option<String>,
    /// A condition over the customer's facts (`fidelis rules facts` lists them); all active
    /// customers when absent.
    #[arg(long)]
    target: Option<String>,
    /// A condition whose customers are left out; repeat for several.
    #[arg(long)]
    exclude: Vec<String>,
    /// The offer, in words (the `{offer}` of the templates).
    #[arg(long)]
    offer: Option<String>,
    /// The product whose purchase is the response (any purchase when absent).
    #[arg(long)]
    offer_product: Option<String>,
    /// A channel: email, sms, mail, telesales; repeat, preferred first.
    #[arg(long = "channel", required = true)]
    channels: Vec<String>,
    #[arg(long, value_parser = parse_day)]
    start: chrono::NaiveDate,
    #[arg(long, value_parser = parse_day)]
    end: Option<chrono::NaiveDate>,
    /// Budget, in currency units (`1500`, `1 500,00`).
    #[arg(long)]
    budget: Option<String>,
    /// Cost of one contact, in currency units.
    #[arg(long, default_value = "0")]
    cost_per_contact: String,
    #[arg(long, default_value = "EUR")]
    currency: String,
    #[arg(long, default_value_t = 0.10)]
    control_share: f64,
    #[arg(long, default_value_t = 1)]
    seed: i64,
    #[arg(long, default_value_t = 30)]
    response_window_days: i64,
    /// JSON file of templates: `{"email": {"fr": {"subject": …, "body": …}, "en": {…}}}`.
    #[arg(long)]
    template: Option<PathBuf>,
    /// Created as `scheduled` rather than `draft`.
    #[arg(long)]
    scheduled: bool,
    /// Makes the campaign recurring, with a trigger in the rules' syntax: `{ event = "birthday" }`,
    /// `{ event = "holiday" }` (with a target such as `event.detail == "Noël"`), `{ event =
    /// "contract_end" }`, `{ schedule = "monthly:1" }`. `fidelis campaign run` makes its waves.
    #[arg(long, value_parser = parse_trigger)]
    trigger: Option<Trigger>,
    /// Days a recurring campaign's wave may wait for the contact policy before its messages expire.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(i64).range(1..=366))]
    send_within_days: i64,
}

#[derive(Args)]
pub struct RunArgs {
    #[arg(long, env = "FIDELIS_DB")]
    db: String,
    /// The day run (default: today, UTC); waves are queued at 09:00 that day.
    #[arg(long, value_parser = parse_day)]
    as_of: Option<chrono::NaiveDate>,
    /// Only this recurring campaign.
    #[arg(long)]
    campaign: Option<String>,
    /// Directory of policy.toml and calendar.toml (missing files: the built-in samples).
    #[arg(long)]
    config: Option<PathBuf>,
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
pub struct UpdateArgs {
    #[arg(long, env = "FIDELIS_DB")]
    db: String,
    id: String,
    #[arg(long)]
    offer_product: Option<String>,
    #[arg(long)]
    response_window_days: Option<i64>,
    /// draft, scheduled, running or done.
    #[arg(long)]
    status: Option<String>,
    /// Makes the campaign recurring or changes its trigger (see `campaign create --trigger`).
    #[arg(long, value_parser = parse_trigger)]
    trigger: Option<Trigger>,
    /// With `--trigger`: days a wave may wait for the contact policy.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(i64).range(1..=366))]
    send_within_days: i64,
}

#[derive(Args)]
pub struct DeliverArgs {
    #[arg(long, env = "FIDELIS_DB")]
    db: String,
    /// SMTP relay `host:port` (plain SMTP).
    #[arg(long)]
    smtp: Option<String>,
    /// Sender of the e-mails.
    #[arg(long, default_value = "Fidelis <crm@fidelis.invalid>")]
    from: String,
    /// The SMS provider's URL.
    #[arg(long)]
    sms_url: Option<String>,
    /// The URL generic webhooks are posted to.
    #[arg(long)]
    webhook_url: Option<String>,
    /// Directory for direct-mail files.
    #[arg(long)]
    mail_dir: Option<PathBuf>,
    /// The delivery time (RFC 3339, UTC); now by default.
    #[arg(long, value_parser = parse_time)]
    now: Option<chrono::DateTime<chrono::Utc>>,
    /// Keep delivering: a pass every this many seconds until stopped (one pass without it).
    #[arg(long)]
    every: Option<u64>,
    #[arg(long)]
    json: bool,
}

fn parse_day(s: &str) -> Result<chrono::NaiveDate, String> {
    fidelis_domain::parse::parse_date(s).map_err(|e| format!("{s:?}: {e}"))
}

/// A trigger in the rules' syntax, `{ event = "birthday" }` or `{ schedule = "monthly:1" }`.
fn parse_trigger(text: &str) -> Result<Trigger, String> {
    let bad = || {
        format!(
            "{text:?}: expected a trigger in the rules' syntax: {{ event = \"birthday\" }} or \
             {{ schedule = \"monthly:1\" }}"
        )
    };
    let inner = text
        .trim()
        .strip_prefix('{')
        .and_then(|t| t.strip_suffix('}'))
        .ok_or_else(bad)?;
    let (key, value) = inner.split_once('=').ok_or_else(bad)?;
    let value = value.trim();
    let value = value
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .or_else(|| value.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')))
        .ok_or_else(bad)?;
    let key = key.trim();
    if !["event", "schedule"].contains(&key) {
        return Err(format!(
            "{text:?}: unknown trigger `{key}`; expected `event` or `schedule`"
        ));
    }
    serde_json::from_value(serde_json::json!({ key: value })).map_err(|e| format!("{text:?}: {e}"))
}

/// Warns when an event trigger names no detected kind: it fires only on events posted under it.
fn warn_unknown_kind(trigger: &Trigger) {
    if let Trigger::Event(fidelis_rules::EventKind::Other(name)) = trigger {
        eprintln!(
            "note: `{name}` is not a detected event kind (contract_end, usage_drop, renewal_due, \
             birthday, holiday, new_product, complaint_opened, service_norm_breached, life_event); \
             the campaign fires only on events of that name"
        );
    }
}

fn parse_time(s: &str) -> Result<chrono::DateTime<chrono::Utc>, String> {
    fidelis_domain::parse::parse_datetime(s).map_err(|e| format!("{s:?}: {e}"))
}

fn minor(what: &str, text: &str, currency: &str) -> Result<i64> {
    let exponent = fidelis_domain::Currency::parse(currency)
        .map_err(|e| anyhow!("--currency {currency:?}: {e}"))?
        .exponent();
    fidelis_domain::parse::parse_amount(text, exponent)
        .map_err(|e| anyhow!("{what} {text:?}: expected an amount ({e})"))
}

fn print<T: Serialize>(json: bool, value: &T, text: impl FnOnce(&T)) -> Result<()> {
    if json {
        println!("{}", serde_json::to_string_pretty(value)?);
    } else {
        text(value);
    }
    Ok(())
}

pub async fn run(command: CampaignCommand) -> Result<ExitCode> {
    use fidelis_server::delivery;
    use fidelis_store::campaigns::{CampaignPlan, CampaignStatus, PlanChanges};
    match command {
        CampaignCommand::Create(a) => {
            let store = fidelis_store::Store::open(&a.db).await?;
            if !(0.0..1.0).contains(&a.control_share) {
                bail!(
                    "--control-share {}: expected a share from 0 to under 1",
                    a.control_share
                );
            }
            let template = match &a.template {
                Some(path) => {
                    let text = std::fs::read_to_string(path)
                        .with_context(|| format!("cannot read {}", path.display()))?;
                    serde_json::from_str(&text).map_err(|e| {
                        anyhow!(
                            "{}, line {}, column {}: {e}",
                            path.display(),
                            e.line(),
                            e.column()
                        )
                    })?
                }
                None => serde_json::json!({}),
            };
            let plan = CampaignPlan {
                id: a.id.clone(),
                name: a.name,
                objective: a.objective,
                target: a.target,
                exclusions: a.exclude,
                offer: a.offer,
                offer_product: a.offer_product,
                channels: a.channels,
                start_date: a.start,
                end_date: a.end,
                budget_minor: a
                    .budget
                    .as_deref()
                    .map(|b| minor("--budget", b, &a.currency))
                    .transpose()?,
                cost_per_contact_minor: minor(
                    "--cost-per-contact",
                    &a.cost_per_contact,
                    &a.currency,
                )?,
                currency: a.currency,
                control_share: a.control_share,
                status: if a.scheduled {
                    CampaignStatus::Scheduled
                } else {
                    CampaignStatus::Draft
                },
                seed: a.seed,
                response_window_days: a.response_window_days,
                template,
            };
            if let Some(t) = &a.trigger {
                warn_unknown_kind(t);
            }
            store.create_campaign(&plan).await?;
            if let Some(trigger) = a.trigger {
                store
                    .set_recurrence(
                        &plan.id,
                        &Recurrence {
                            trigger,
                            send_within_days: a.send_within_days,
                        },
                    )
                    .await?;
                println!(
                    "campaign {} created ({}), recurring: `fidelis campaign run` makes its waves",
                    plan.id,
                    plan.status.as_str()
                );
            } else {
                println!("campaign {} created ({})", plan.id, plan.status.as_str());
            }
            store.close().await;
        }
        CampaignCommand::Update(a) => {
            let store = fidelis_store::Store::open(&a.db).await?;
            let status = a
                .status
                .as_deref()
                .map(|s| {
                    CampaignStatus::parse(s).ok_or_else(|| {
                        anyhow!("--status {s:?}: expected draft, scheduled, running or done")
                    })
                })
                .transpose()?;
            let changes = PlanChanges {
                status,
                offer_product: a.offer_product,
                response_window_days: a.response_window_days,
                ..Default::default()
            };
            store.update_campaign(&a.id, &changes).await?;
            if let Some(trigger) = a.trigger {
                warn_unknown_kind(&trigger);
                store
                    .set_recurrence(
                        &a.id,
                        &Recurrence {
                            trigger,
                            send_within_days: a.send_within_days,
                        },
                    )
                    .await?;
            }
            println!("campaign {} updated", a.id);
            store.close().await;
        }
        CampaignCommand::Assign {
            db,
            id,
            as_of,
            json,
        } => {
            let store = fidelis_store::Store::open(&db).await?;
            if store.recurrence(&id).await?.is_some() {
                bail!(
                    "campaign {id:?} is recurring: its waves are assigned by `fidelis campaign run`"
                );
            }
            let s = delivery::campaign::assign(&store, &id, as_of).await?;
            print(json, &s, |s| {
                println!(
                    "{} targeted ({} excluded): {} treatment, {} control",
                    s.targeted, s.excluded, s.treatment, s.control
                );
                for (stratum, n) in &s.strata {
                    println!("  {stratum:<12} {n:>9}");
                }
            })?;
            store.close().await;
        }
        CampaignCommand::Queue {
            db,
            id,
            config_dir,
            now,
            json,
        } => {
            let store = fidelis_store::Store::open(&db).await?;
            let settings = fidelis_server::Settings {
                config_dir,
                ..Default::default()
            };
            let (file, text) = fidelis_server::config_text(&settings, "policy.toml")?;
            let policy = fidelis_rules::policy::ContactPolicy::from_toml(&file, &text)
                .map_err(|e| anyhow!("{e}"))?;
            let now = now.unwrap_or_else(chrono::Utc::now);
            let s = delivery::campaign::queue(&store, &id, &policy, now).await?;
            print(json, &s, |s| {
                println!(
                    "{} candidates: {} queued, {} suppressed",
                    s.candidates, s.queued, s.suppressed
                );
                for (reason, n) in &s.reasons {
                    println!("  suppressed, {reason}: {n}");
                }
                for (channel, n) in &s.channels {
                    println!("  queued on {channel}: {n}");
                }
            })?;
            store.close().await;
        }
        CampaignCommand::Deliver(a) => {
            let store = fidelis_store::Store::open(&a.db).await?;
            let secret = std::env::var("FIDELIS_WEBHOOK_SECRET").unwrap_or_default();
            if (a.sms_url.is_some() || a.webhook_url.is_some()) && secret.is_empty() {
                bail!(
                    "FIDELIS_WEBHOOK_SECRET must hold the signing secret of the SMS and webhook posts"
                );
            }
            let hook = |url: Option<String>| {
                url.map(|url| delivery::webhook::WebhookConfig {
                    url,
                    secret: secret.clone(),
                    timeout: std::time::Duration::from_secs(10),
                })
            };
            let smtp = match &a.smtp {
                Some(hp) => {
                    let (host, port) = hp
                        .rsplit_once(':')
                        .and_then(|(h, p)| Some((h.to_owned(), p.parse::<u16>().ok()?)))
                        .ok_or_else(|| anyhow!("--smtp {hp:?}: expected host:port"))?;
                    Some(delivery::smtp::SmtpConfig {
                        host,
                        port,
                        from: a.from.clone(),
                        timeout: std::time::Duration::from_secs(10),
                        message_id_domain: "fidelis.invalid".into(),
                    })
                }
                None => None,
            };
            let config = delivery::DeliveryConfig {
                smtp,
                sms: hook(a.sms_url),
                webhook: hook(a.webhook_url),
                mail_dir: a.mail_dir,
                ..Default::default()
            };
            if let Some(every) = a.every {
                let every = std::time::Duration::from_secs(every.max(1));
                tokio::select! {
                    () = delivery::run_worker(&store, &config, every) => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
                store.close().await;
                return Ok(ExitCode::SUCCESS);
            }
            let now = a.now.unwrap_or_else(chrono::Utc::now);
            let r = delivery::deliver_due(&store, &config, now).await?;
            print(a.json, &r, |r| {
                println!(
                    "{} claimed: {} sent, {} to retry, {} failed, {} suppressed",
                    r.claimed, r.sent, r.retried, r.failed, r.suppressed
                );
                for f in &r.files {
                    println!("  direct-mail file {f}");
                }
            })?;
            store.close().await;
        }
        CampaignCommand::Calls { db, agent, json } => {
            let store = fidelis_store::Store::open(&db).await?;
            let calls = store.agent_queue(agent.as_deref()).await?;
            print(json, &calls, |calls| {
                for c in calls {
                    println!(
                        "{:>6}  {:<10} {} {}  {}  ({})",
                        c.id,
                        c.customer,
                        c.first_name.as_deref().unwrap_or(""),
                        c.last_name.as_deref().unwrap_or(""),
                        c.phone.as_deref().unwrap_or("no phone"),
                        c.source
                    );
                }
            })?;
            store.close().await;
        }
        CampaignCommand::Run(a) => return run_recurring_command(a).await,
        CampaignCommand::Report { db, id, json } => {
            let store = fidelis_store::Store::open(&db).await?;
            if store.recurrence(&id).await?.is_some() {
                let r = store.recurring_report(&id).await?;
                print(json, &r, print_recurring_report)?;
                store.close().await;
                return Ok(ExitCode::SUCCESS);
            }
            let r = store.campaign_report(&id).await?;
            print(json, &r, |r| {
                println!(
                    "{} — {} ({})",
                    r.campaign.id,
                    r.campaign.name,
                    r.campaign.status.as_str()
                );
                for g in &r.groups {
                    println!("  {:<10} {:<12} {:>9}", g.group, g.stratum, g.members);
                }
                print_impacts(&r.impact);
            })?;
            store.close().await;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn print_impacts(impact: &[fidelis_analytics::uplift::Impact]) {
    for i in impact {
        println!(
            "  [{}] treated {} at {:.2}%, control {} at {:.2}%: uplift {:+.2} points [{:+.2}, {:+.2}]",
            i.scope,
            i.treated,
            i.response.treatment.mean * 100.0,
            i.control,
            i.response.control.mean * 100.0,
            i.response.difference * 100.0,
            i.response.ci_low * 100.0,
            i.response.ci_high * 100.0
        );
        println!("      {}", i.summary);
    }
}

fn print_recurring_report(r: &RecurringReport) {
    println!(
        "{} — {} ({}), recurring on {}: {} waves",
        r.campaign.id,
        r.campaign.name,
        r.campaign.status.as_str(),
        trigger_text(&r.recurrence.trigger),
        r.waves.len()
    );
    for g in &r.groups {
        println!("  {:<10} {:<12} {:>9}", g.group, g.stratum, g.members);
    }
    match &r.not_measurable {
        Some(why) => println!("  not measurable yet: {why}"),
        None => print_impacts(&r.impact),
    }
    for (reason, n) in &r.suppressions {
        println!("  suppressed, {reason}: {n}");
    }
    println!(
        "\n  {:<24} {:>9} {:>8} {:>7} {:>7} {:>10} {:>10}",
        "wave", "treatment", "control", "queued", "sent", "suppressed", "responded"
    );
    for w in &r.waves {
        println!(
            "  {:<24} {:>9} {:>8} {:>7} {:>7} {:>10} {:>4} / {:<4}",
            w.id,
            w.treatment,
            w.control,
            w.queued,
            w.sent,
            w.suppressed,
            w.treatment_responders,
            w.control_responders
        );
    }
}

/// A trigger as written in rule files.
fn trigger_text(t: &Trigger) -> String {
    match t {
        Trigger::Event(kind) => format!("{{ event = \"{kind}\" }}"),
        Trigger::Schedule(s) => format!("{{ schedule = \"{s}\" }}"),
    }
}

/// What `campaign run` (and the daily `rules run`) did.
#[derive(Debug, Serialize)]
pub struct RecurringRun {
    pub day: chrono::NaiveDate,
    pub events: usize,
    pub campaigns: Vec<fidelis_server::delivery::recurring::WaveRun>,
}

/// Runs the recurring campaigns (one, or all) for `day` on the day's customers and events, queueing
/// at 09:00 that day under `policy`.
pub(crate) async fn run_recurring(
    store: &fidelis_store::Store,
    day: chrono::NaiveDate,
    campaign: Option<&str>,
    customers: &[fidelis_store::facts::CustomerFacts],
    events: &[fidelis_rules::Event],
    policy: &fidelis_rules::ContactPolicy,
) -> Result<RecurringRun> {
    use fidelis_server::delivery::recurring;
    let input = recurring::Day {
        day,
        customers,
        events,
        now: day.and_time(crate::rules::handled_at()).and_utc(),
    };
    let campaigns = match campaign {
        Some(id) => vec![recurring::run_campaign(store, id, &input, policy).await?],
        None => recurring::run_day(store, &input, policy).await?,
    };
    Ok(RecurringRun {
        day,
        events: events.len(),
        campaigns,
    })
}

async fn run_recurring_command(a: RunArgs) -> Result<ExitCode> {
    let day = a.as_of.unwrap_or_else(|| chrono::Utc::now().date_naive());
    let cfg = crate::rules::open_config(a.config.as_deref())?;
    let store = fidelis_store::Store::open(&a.db).await?;
    let recurring = store.recurring_campaigns().await?;
    if let Some(id) = &a.campaign
        && !recurring.contains(id)
    {
        bail!("campaign {id:?} is not recurring (or does not exist): give it a --trigger");
    }
    let (customers, events) = if recurring.is_empty() {
        (Vec::new(), Vec::new())
    } else {
        let customers = store
            .customer_facts(day, None)
            .await
            .context("reading customer facts")?;
        let inputs = store
            .detector_inputs(day, day, None)
            .await
            .context("reading the detectors' records")?;
        let events =
            crate::detection::Detection::new(&inputs, &customers, &cfg.calendar).events_on(day);
        (customers, events)
    };
    let run = run_recurring(
        &store,
        day,
        a.campaign.as_deref(),
        &customers,
        &events,
        &cfg.policy,
    )
    .await?;
    store.close().await;
    print(a.json, &run, print_recurring_run)?;
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn print_recurring_run(r: &RecurringRun) {
    println!(
        "{}: {} recurring campaign(s), {} events detected",
        r.day,
        r.campaigns.len(),
        r.events
    );
    for c in &r.campaigns {
        let queued = c.queue.as_ref().map_or(0, |q| q.queued);
        let suppressed = c.queue.as_ref().map_or(0, |q| q.suppressed);
        println!(
            "  {:<20} {:<12} fired for {}, {} already served: {} treatment, {} control; {} queued, {} suppressed{}",
            c.campaign,
            c.outcome,
            c.fired,
            c.already_served,
            c.treatment,
            c.control,
            queued,
            suppressed,
            c.wave
                .as_deref()
                .map(|w| format!(" (wave {w})"))
                .unwrap_or_default()
        );
    }
}
