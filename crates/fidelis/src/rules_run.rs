//! `fidelis rules run`: the daily run of the rules against the store. The day's events are detected,
//! every rule triggered by them or scheduled that day proposes its actions, the contact policy decides
//! on the customer's real contact history and consents, and what goes out is queued in the outbox
//! (idempotent per action: running the same day again queues nothing twice); every suppression is
//! recorded with its reason. Then the recurring campaigns run on the same day's events (`fidelis
//! campaign run`): after the rules, so that their queueing counts what the rules just queued.
//! Delivery is the outbox's (`fidelis campaign deliver`).

use crate::detection::Detection;
use anyhow::{Context, Result};
use chrono::{NaiveDate, NaiveDateTime, TimeDelta, Utc};
use clap::Args;
use fidelis_rules::backtest::reason_name;
use fidelis_rules::{Outcome, Purpose};
use fidelis_store::Store;
use fidelis_store::facts::to_facts;
use fidelis_store::outbox::{NewMessage, NewSuppression, SourceKind};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args)]
pub struct RunArgs {
    #[arg(long, env = "FIDELIS_DB")]
    db: String,
    /// The day run (default: today, UTC); events are handled at 09:00 that day.
    #[arg(long, value_parser = super::rules::parse_day)]
    as_of: Option<NaiveDate>,
    /// Directory of the configuration files (missing files: the built-in samples).
    #[arg(long)]
    config: Option<PathBuf>,
    #[arg(long)]
    json: bool,
}

/// What a run did.
#[derive(Debug, Default, Serialize)]
pub struct RunReport {
    pub day: Option<NaiveDate>,
    pub customers: usize,
    pub events: usize,
    pub candidates: usize,
    /// Actions queued in the outbox by this run.
    pub queued: usize,
    /// Actions already in the outbox from an earlier run (same idempotency key).
    pub already_queued: usize,
    /// Suppressions recorded, per reason.
    pub suppressed: BTreeMap<String, usize>,
    /// Actions queued per rule.
    pub queued_by_rule: BTreeMap<String, usize>,
    /// The recurring campaigns' waves of the day.
    pub campaigns: Option<crate::campaign::RecurringRun>,
}

fn utc(t: NaiveDateTime) -> chrono::DateTime<Utc> {
    // Policy times are the company's wall-clock time; the store keeps UTC. Without a configured
    // time zone the two are taken as equal.
    t.and_utc()
}

fn purpose_code(p: Purpose) -> String {
    serde_json::to_value(p)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_else(|| format!("{p:?}").to_lowercase())
}

pub async fn run(args: RunArgs) -> Result<ExitCode> {
    let day = args.as_of.unwrap_or_else(|| Utc::now().date_naive());
    let cfg = super::rules::open_config(args.config.as_deref())?;
    let store = Store::open(&args.db).await?;
    let customers = store
        .customer_facts(day, None)
        .await
        .context("reading customer facts")?;
    let mut facts: Vec<_> = customers
        .iter()
        .map(|c| to_facts(c, &cfg.schema, day))
        .collect();
    crate::segment::score_rfm(&customers, &mut facts, day);
    let mut policy = store
        .policy_inputs(day - TimeDelta::days(super::rules::HISTORY_DAYS), day, None)
        .await
        .context("reading contacts and consents")?;
    let inputs = store
        .detector_inputs(day, day, None)
        .await
        .context("reading the detectors' records")?;
    let detection = Detection::new(&inputs, &customers, &cfg.calendar);
    let events = detection.events_on(day);
    let now = NaiveDateTime::new(day, super::rules::handled_at());
    let mut by_customer: BTreeMap<&str, Vec<&fidelis_rules::Event>> = BTreeMap::new();
    for e in &events {
        by_customer
            .entry(e.customer_id.as_str())
            .or_default()
            .push(e);
    }
    let mut report = RunReport {
        day: Some(day),
        customers: customers.len(),
        events: events.len(),
        ..RunReport::default()
    };
    for (c, facts) in customers.iter().zip(&facts) {
        let id = c.external_id.as_str();
        let mut candidates = Vec::new();
        for e in by_customer.get(id).into_iter().flatten() {
            candidates.extend(cfg.rules.on_event(e, facts, now, Some(&cfg.routing)));
        }
        candidates.extend(cfg.rules.on_schedule(id, facts, now, Some(&cfg.routing)));
        if candidates.is_empty() {
            continue;
        }
        report.candidates += candidates.len();
        let inputs = policy.remove(id).unwrap_or_default();
        for d in cfg
            .policy
            .decide(candidates, &inputs.contacts, &inputs.consents)
        {
            let candidate = &d.candidate;
            match &d.outcome {
                Outcome::Send { channel, at, .. } => {
                    let queued = store
                        .enqueue(&NewMessage {
                            key: candidate.key.clone(),
                            customer: id.to_string(),
                            channel: channel
                                .map(|c| c.as_str().to_string())
                                .unwrap_or_else(|| candidate.action.kind().to_string()),
                            purpose: purpose_code(candidate.purpose),
                            payload: serde_json::json!({
                                "action": candidate.action,
                                "why": candidate.why,
                                "expected_value": candidate.expected_value,
                            }),
                            source_kind: SourceKind::Rule,
                            source: candidate.source.clone(),
                            send_at: utc(*at),
                            created_at: Utc::now(),
                        })
                        .await
                        .with_context(|| format!("queueing {}", candidate.key))?;
                    if queued.created {
                        report.queued += 1;
                        *report
                            .queued_by_rule
                            .entry(candidate.source.clone())
                            .or_default() += 1;
                    } else {
                        report.already_queued += 1;
                    }
                }
                Outcome::Suppressed(s) => {
                    let reason = reason_name(s);
                    store
                        .record_suppression(&NewSuppression {
                            customer: id.to_string(),
                            channel: candidate.channels.first().map(|c| c.as_str().to_string()),
                            source_kind: SourceKind::Rule,
                            source: candidate.source.clone(),
                            reason: reason.clone(),
                            detail: Some(candidate.why.clone()),
                            at: utc(now),
                        })
                        .await?;
                    *report.suppressed.entry(reason).or_default() += 1;
                }
            }
        }
    }
    report.campaigns = Some(
        crate::campaign::run_recurring(&store, day, None, &customers, &events, &cfg.policy)
            .await
            .context("running the recurring campaigns")?,
    );
    store.close().await;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        println!(
            "{day}: {} customers, {} events, {} actions proposed: {} queued, {} already queued, {} suppressed",
            report.customers,
            report.events,
            report.candidates,
            report.queued,
            report.already_queued,
            report.suppressed.values().sum::<usize>()
        );
        for (rule, n) in &report.queued_by_rule {
            println!("  queued  {n:>6}  {rule}");
        }
        for (reason, n) in &report.suppressed {
            println!("  suppressed  {n:>6}  {reason}");
        }
        if let Some(c) = report
            .campaigns
            .as_ref()
            .filter(|c| !c.campaigns.is_empty())
        {
            crate::campaign::print_recurring_run(c);
        }
    }
    Ok(ExitCode::SUCCESS)
}
