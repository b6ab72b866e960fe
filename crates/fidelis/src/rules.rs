//! `fidelis rules`: checks rules, contact-policy, routing, segment and calendar files, lists the
//! facts conditions can read, tests the rules on one customer of the store (what would fire now, and
//! why) and backtests them over a period. Parsing, validation, decisions and the replay are
//! fidelis-rules'; this reads the files and the store and prints what came out.

use crate::detection::Detection;
use crate::rules_config::{self, RulesConfig};
use anyhow::{Context, Result, bail};
use chrono::{NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, Utc};
use clap::{Args, Subcommand, ValueEnum};
use fidelis_rules::backtest::{BacktestReport, Replay, Subject, reason_name};
use fidelis_rules::detect::Calendar;
use fidelis_rules::policy::Decision;
use fidelis_rules::segment::RuleSegments;
use fidelis_rules::{Channel, Condition, EvalContext, Event, Facts, Outcome, Value};
use fidelis_rules::{ContactPolicy, FactSchema, Kind, RoutingMatrix, RuleSet, RulesError, Trigger};
use fidelis_store::Store;
use fidelis_store::facts::to_facts;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Subcommand)]
pub enum RulesCommand {
    /// Check a file: parse it, validate it and compile every condition. Problems are listed with
    /// file, line and column; the exit status is 2 when there are any.
    Check(CheckArgs),
    /// List the facts conditions and templates can read, with their kinds.
    Facts,
    /// Which rules would fire now for one customer, and why: the events detected today, each rule's
    /// condition with the values of the facts it reads, the contact policy's decision with its
    /// suppression reasons, and the channel chosen by routing.
    Test(TestArgs),
    /// Replay a period day by day through the rules and the contact policy: customers reached per
    /// rule, overlaps, contacts and their cost per channel, suppressions per reason.
    Backtest(BacktestArgs),
    /// The daily run: the day's events and scheduled rules, decided by the contact policy on the
    /// real contact history; what goes out is queued in the outbox (once per action), every
    /// suppression recorded with its reason.
    Run(crate::rules_run::RunArgs),
}

#[derive(Args)]
pub struct TestArgs {
    /// Database URL: sqlite://file.db or postgres://user@host/db.
    #[arg(long, env = "FIDELIS_DB")]
    db: String,
    /// The customer's external id.
    #[arg(long)]
    customer: String,
    /// The day to test as of (default: today, UTC); events are handled at 09:00 that day.
    #[arg(long, value_parser = parse_day)]
    as_of: Option<NaiveDate>,
    /// Directory of rules.toml, policy.toml, routing.toml, segments.toml, calendar.toml (missing
    /// files: the built-in samples).
    #[arg(long)]
    config: Option<PathBuf>,
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
pub struct BacktestArgs {
    #[arg(long, env = "FIDELIS_DB")]
    db: String,
    /// First day replayed.
    #[arg(long, value_parser = parse_day)]
    from: NaiveDate,
    /// Last day replayed.
    #[arg(long, value_parser = parse_day)]
    to: NaiveDate,
    #[arg(long)]
    config: Option<PathBuf>,
    #[arg(long)]
    json: bool,
}

pub(crate) fn parse_day(text: &str) -> Result<NaiveDate, String> {
    fidelis_domain::parse::parse_date(text).map_err(|e| format!("expected {e}"))
}

#[derive(Args)]
pub struct CheckArgs {
    /// The file to check.
    file: PathBuf,
    /// What the file holds.
    #[arg(long, value_enum, default_value_t = FileKind::Rules)]
    kind: FileKind,
    /// A fact declared beyond the standard ones, as NAME=KIND (number, string, bool, date, list),
    /// e.g. `--fact feature.calls_trend=number`; repeatable.
    #[arg(long = "fact", value_parser = parse_fact)]
    facts: Vec<(String, Kind)>,
    /// Print the result as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Clone, Copy, ValueEnum)]
enum FileKind {
    Rules,
    Policy,
    Routing,
    Segments,
    Calendar,
}

fn parse_fact(s: &str) -> Result<(String, Kind), String> {
    let (name, kind) = s
        .split_once('=')
        .ok_or_else(|| format!("`{s}` is not NAME=KIND"))?;
    let kind = match kind {
        "number" => Kind::Number,
        "string" => Kind::String,
        "bool" => Kind::Bool,
        "date" => Kind::Date,
        "list" => Kind::List,
        other => {
            return Err(format!(
                "unknown kind `{other}`: number, string, bool, date or list"
            ));
        }
    };
    Ok((name.to_string(), kind))
}

pub async fn run(command: RulesCommand) -> Result<ExitCode> {
    match command {
        RulesCommand::Check(args) => check(args),
        RulesCommand::Test(args) => test(args).await,
        RulesCommand::Backtest(args) => backtest(args).await,
        RulesCommand::Run(args) => crate::rules_run::run(args).await,
        RulesCommand::Facts => {
            // Written through a handle so that `| head` ends the listing quietly.
            let mut out = std::io::stdout().lock();
            for def in FactSchema::standard().defs() {
                let kind = def.kind.to_string();
                if writeln!(out, "{:<28} {kind:<7} {}", def.name, def.doc).is_err() {
                    return Ok(ExitCode::SUCCESS);
                }
            }
            for (name, doc) in [
                (
                    "event.kind",
                    "string  the event's kind (contract_end, birthday, ...)",
                ),
                ("event.date", "date    the day the event is about"),
                (
                    "event.value",
                    "number  the event's measure (days left, usage ratio, ...)",
                ),
                (
                    "event.detail",
                    "string  the event's label (contract id, holiday, ...)",
                ),
                ("today", "date    the day of evaluation"),
            ] {
                if writeln!(out, "{name:<28} {doc}").is_err() {
                    break;
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn check(args: CheckArgs) -> Result<ExitCode> {
    let name = args.file.display().to_string();
    let text = std::fs::read_to_string(&args.file).with_context(|| format!("reading {name}"))?;
    let mut schema = FactSchema::standard();
    for (fact, kind) in &args.facts {
        schema.declare(fact, *kind, "declared on the command line");
    }
    let outcome: Result<String, RulesError> = match args.kind {
        FileKind::Rules => RuleSet::from_toml(&name, &text, &schema).map(|set| {
            let rules = set.rules();
            let enabled = rules.iter().filter(|r| r.spec.enabled).count();
            let scheduled = rules
                .iter()
                .filter(|r| matches!(r.spec.trigger, Trigger::Schedule(_)))
                .count();
            format!(
                "{} rules ({enabled} enabled; {} on events, {scheduled} scheduled)",
                rules.len(),
                rules.len() - scheduled
            )
        }),
        FileKind::Policy => {
            ContactPolicy::from_toml(&name, &text).map(|_| "a valid contact policy".into())
        }
        FileKind::Routing => RoutingMatrix::from_toml(&name, &text, &schema).map(|m| {
            format!(
                "{} segments, {} routes",
                m.spec().segments.len(),
                m.spec().routes.len()
            )
        }),
        FileKind::Segments => RuleSegments::from_toml(&name, &text, &schema)
            .map(|s| format!("{} segments", s.segments().count())),
        FileKind::Calendar => Calendar::from_toml(&name, &text).map(|_| "a valid calendar".into()),
    };
    let errors: Vec<RulesError> = match outcome {
        Ok(summary) => {
            if args.json {
                println!(
                    "{}",
                    serde_json::json!({"file": name, "ok": true, "summary": summary})
                );
            } else {
                println!("{name}: ok: {summary}");
            }
            return Ok(ExitCode::SUCCESS);
        }
        Err(RulesError::Several(errors)) => errors,
        Err(e) => vec![e],
    };
    if args.json {
        let listed: Vec<serde_json::Value> = errors
            .iter()
            .map(|e| {
                let position = e.position();
                serde_json::json!({
                    "line": position.map(|p| p.line),
                    "column": position.map(|p| p.column),
                    "message": e.to_string(),
                })
            })
            .collect();
        println!(
            "{}",
            serde_json::json!({"file": name, "ok": false, "errors": listed})
        );
    } else {
        for e in &errors {
            eprintln!("{e}");
        }
        eprintln!(
            "{name}: {} problem{}",
            errors.len(),
            if errors.len() == 1 { "" } else { "s" }
        );
    }
    Ok(ExitCode::from(2))
}

/// Local time at which a day's events are handled in `rules test` and `rules backtest`.
pub(crate) fn handled_at() -> NaiveTime {
    NaiveTime::from_hms_opt(9, 0, 0).unwrap_or(NaiveTime::MIN)
}

/// Days of contact history before the tested day that the policy weighs (caps are per month at most).
pub(crate) const HISTORY_DAYS: i64 = 60;

/// One rule in `rules test`.
#[derive(Serialize)]
struct RuleCheck {
    rule: String,
    trigger: String,
    /// Why the trigger fires today, or does not.
    triggered: String,
    /// The events of the rule's kind detected today (none: evaluated with a hypothetical one).
    events: Vec<Event>,
    condition: Option<String>,
    /// Whether the condition holds (`None`: unknown, a fact it reads is absent).
    holds: Option<bool>,
    /// The facts the condition reads, with their values.
    values: BTreeMap<String, Value>,
}

#[derive(Serialize)]
struct TestReport {
    customer: String,
    as_of: NaiveDate,
    routing_segment: Option<String>,
    facts: BTreeMap<String, Value>,
    events: Vec<Event>,
    rules: Vec<RuleCheck>,
    decisions: Vec<Decision>,
}

/// The facts a condition's text names, with their values.
fn values_read(source: &str, facts: &Facts) -> BTreeMap<String, Value> {
    let mut names: Vec<&str> = facts
        .schema()
        .defs()
        .iter()
        .map(|d| d.name.as_str())
        .filter(|n| {
            source.match_indices(n).any(|(i, _)| {
                let before = source[..i].chars().next_back();
                let after = source[i + n.len()..].chars().next();
                let word = |c: Option<char>| {
                    c.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.')
                };
                !word(before) && !word(after)
            })
        })
        .collect();
    names.sort_unstable();
    names
        .into_iter()
        .map(|n| (n.to_string(), facts.get(n).clone()))
        .collect()
}

pub(crate) fn open_config(dir: Option<&std::path::Path>) -> Result<RulesConfig> {
    rules_config::load(dir)
}

async fn test(args: TestArgs) -> Result<ExitCode> {
    let cfg = open_config(args.config.as_deref())?;
    let as_of = args.as_of.unwrap_or_else(|| Utc::now().date_naive());
    let store = Store::open(&args.db).await?;
    let found = store
        .customer_facts(as_of, Some(&args.customer))
        .await
        .context("reading the customer's facts")?;
    let Some(customer) = found.into_iter().next() else {
        bail!(
            "no customer with id {:?} acquired by {as_of}",
            args.customer
        );
    };
    let facts = to_facts(&customer, &cfg.schema, as_of);
    let inputs = store
        .detector_inputs(as_of, as_of, Some(&args.customer))
        .await
        .context("reading the detectors' records")?;
    let detection = Detection::new(&inputs, std::slice::from_ref(&customer), &cfg.calendar);
    let events = detection.events_on(as_of);
    let mut policy_inputs = store
        .policy_inputs(
            as_of - TimeDelta::days(HISTORY_DAYS),
            as_of,
            Some(&args.customer),
        )
        .await
        .context("reading contacts and consents")?;
    let policy_inputs = policy_inputs.remove(&args.customer).unwrap_or_default();
    store.close().await;

    let now = NaiveDateTime::new(as_of, handled_at());
    let mut checks = Vec::new();
    let mut candidates = Vec::new();
    for rule in cfg.rules.rules().iter().filter(|r| r.spec.enabled) {
        let spec = &rule.spec;
        let condition = spec
            .condition
            .as_deref()
            .and_then(|src| Condition::compile(src, &cfg.schema).ok());
        let eval = |event: Option<&Event>| {
            let cx = EvalContext {
                facts: &facts,
                event,
                today: as_of,
            };
            condition.as_ref().map_or(Some(true), |c| c.eval(&cx))
        };
        let (trigger, triggered, mine, holds) = match &spec.trigger {
            fidelis_rules::Trigger::Event(kind) => {
                let mine: Vec<Event> = events.iter().filter(|e| &e.kind == kind).cloned().collect();
                let (triggered, holds) = if mine.is_empty() {
                    let hypothetical = Event::new(&customer.external_id, kind.clone(), as_of);
                    (
                        format!(
                            "no {kind} event today; the condition is shown for one happening now"
                        ),
                        eval(Some(&hypothetical)),
                    )
                } else {
                    // Holds for one of them; else unknown if unknown for one; else does not hold.
                    let each: Vec<Option<bool>> = mine.iter().map(|e| eval(Some(e))).collect();
                    let any = if each.contains(&Some(true)) {
                        Some(true)
                    } else if each.contains(&None) {
                        None
                    } else {
                        Some(false)
                    };
                    (format!("{} {kind} event(s) today", mine.len()), any)
                };
                for e in &mine {
                    candidates.extend(
                        cfg.rules
                            .on_event(e, &facts, now, Some(&cfg.routing))
                            .into_iter()
                            .filter(|c| c.source == spec.id),
                    );
                }
                (format!("event {kind}"), triggered, mine, holds)
            }
            fidelis_rules::Trigger::Schedule(s) => {
                let due = s.is_due(as_of);
                (
                    format!("schedule {s}"),
                    if due {
                        "due today".to_owned()
                    } else {
                        "not due today".to_owned()
                    },
                    Vec::new(),
                    eval(None),
                )
            }
        };
        checks.push(RuleCheck {
            rule: spec.id.clone(),
            trigger,
            triggered,
            events: mine,
            condition: spec.condition.as_ref().map(|c| c.trim().to_owned()),
            holds,
            values: spec
                .condition
                .as_deref()
                .map(|src| values_read(src, &facts))
                .unwrap_or_default(),
        });
    }
    candidates.extend(cfg.rules.on_schedule(
        &customer.external_id,
        &facts,
        now,
        Some(&cfg.routing),
    ));
    let decisions = cfg
        .policy
        .decide(candidates, &policy_inputs.contacts, &policy_inputs.consents);
    let report = TestReport {
        customer: customer.external_id.clone(),
        as_of,
        routing_segment: cfg.routing.segment_of(&facts, as_of).map(str::to_owned),
        facts: facts
            .schema()
            .defs()
            .iter()
            .filter(|d| facts.get(&d.name) != &Value::Absent)
            .map(|d| (d.name.clone(), facts.get(&d.name).clone()))
            .collect(),
        events,
        rules: checks,
        decisions,
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print_test(&report);
    }
    Ok(ExitCode::SUCCESS)
}

fn show(v: &Value) -> String {
    match v {
        Value::Absent => "(absent)".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(x) => format!("{x}"),
        Value::Date(d) => d.to_string(),
        Value::String(s) => format!("{s:?}"),
        Value::List(items) => format!(
            "[{}]",
            items.iter().map(show).collect::<Vec<_>>().join(", ")
        ),
    }
}

fn print_test(r: &TestReport) {
    println!("customer {} as of {}", r.customer, r.as_of);
    println!(
        "routing segment: {}",
        r.routing_segment.as_deref().unwrap_or("(none)")
    );
    println!("\nfacts:");
    for (name, value) in &r.facts {
        println!("  {name:<28} {}", show(value));
    }
    println!("\nevents detected today: {}", r.events.len());
    for e in &r.events {
        println!(
            "  {} {}{}{}",
            e.kind,
            e.date,
            e.value.map(|v| format!(" value {v}")).unwrap_or_default(),
            e.detail
                .as_deref()
                .map(|d| format!(" ({d})"))
                .unwrap_or_default()
        );
    }
    println!("\nrules:");
    for c in &r.rules {
        let holds = match c.holds {
            Some(true) => "holds",
            Some(false) => "does not hold",
            None => "unknown (a fact is absent)",
        };
        println!(
            "  {} [{}]: {}; condition {holds}",
            c.rule, c.trigger, c.triggered
        );
        if let Some(cond) = &c.condition {
            println!(
                "    when {}",
                cond.split_whitespace().collect::<Vec<_>>().join(" ")
            );
        }
        for (name, value) in &c.values {
            println!("      {name} = {}", show(value));
        }
    }
    println!("\nwould fire now: {}", r.decisions.len());
    for d in &r.decisions {
        let c = &d.candidate;
        match &d.outcome {
            Outcome::Send {
                channel,
                at,
                deferred_by,
            } => println!(
                "  SEND {} ({}) on {} at {at}{}; {}",
                c.source,
                c.action.kind(),
                channel.map_or("(no channel)".to_owned(), |ch| ch.to_string()),
                if deferred_by.is_empty() {
                    String::new()
                } else {
                    format!(" (deferred by {deferred_by:?})")
                },
                c.why
            ),
            Outcome::Suppressed(s) => println!(
                "  SUPPRESSED {} ({}): {} — {s:?}; {}",
                c.source,
                c.action.kind(),
                reason_name(s),
                c.why
            ),
        }
        for (channel, s) in &d.passed_over {
            println!("    passed over {channel}: {} — {s:?}", reason_name(s));
        }
    }
}

async fn backtest(args: BacktestArgs) -> Result<ExitCode> {
    if args.to < args.from {
        bail!("--to {} is before --from {}", args.to, args.from);
    }
    let cfg = open_config(args.config.as_deref())?;
    let started = std::time::Instant::now();
    let store = Store::open(&args.db).await?;
    let customers = store
        .customer_facts(args.from, None)
        .await
        .context("reading customer facts")?;
    let mut facts: Vec<Facts> = customers
        .iter()
        .map(|c| to_facts(c, &cfg.schema, args.from))
        .collect();
    crate::segment::score_rfm(&customers, &mut facts, args.from);
    let mut policy_inputs = store
        .policy_inputs(
            args.from - TimeDelta::days(HISTORY_DAYS),
            args.from - TimeDelta::days(1),
            None,
        )
        .await
        .context("reading contacts and consents")?;
    let inputs = store
        .detector_inputs(args.from, args.to, None)
        .await
        .context("reading the detectors' records")?;
    let costs = store.cost_per_contact_by_kind().await?;
    store.close().await;
    let read_seconds = started.elapsed().as_secs_f64();

    let cost_per_contact: BTreeMap<Channel, f64> = costs
        .iter()
        .filter_map(|(kind, cost)| Some((kind.parse::<Channel>().ok()?, *cost)))
        .collect();
    let detection = Detection::new(&inputs, &customers, &cfg.calendar);
    let subjects: HashMap<String, Subject> = customers
        .iter()
        .zip(facts)
        .map(|(c, facts)| {
            let p = policy_inputs.remove(&c.external_id).unwrap_or_default();
            (
                c.external_id.clone(),
                Subject {
                    facts,
                    history: p.contacts,
                    consents: p.consents,
                },
            )
        })
        .collect();
    let mut replay = Replay::new(
        &cfg.rules,
        &cfg.policy,
        Some(&cfg.routing),
        subjects,
        handled_at(),
    );
    let mut day = args.from;
    while day <= args.to {
        replay.day(day, &detection.events_on(day));
        day += TimeDelta::days(1);
    }
    let report = replay.finish(&cost_per_contact);
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print_backtest(&report);
        println!(
            "\nread {read_seconds:.1} s, total {:.1} s",
            started.elapsed().as_secs_f64()
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn print_backtest(r: &BacktestReport) {
    println!(
        "backtest {} → {} ({} days, {} customers)",
        r.from, r.to, r.days, r.customers
    );
    println!("\nevents detected:");
    for (kind, n) in &r.events {
        println!("  {kind:<24} {n:>8}");
    }
    println!(
        "\n{:<28} {:>10} {:>9} {:>10} {:>10}",
        "rule", "candidates", "reached", "suppressed", "customers"
    );
    for rule in &r.rules {
        println!(
            "{:<28} {:>10} {:>9} {:>10} {:>10}",
            rule.rule, rule.candidates, rule.reached, rule.suppressed, rule.customers_reached
        );
    }
    println!(
        "{:<28} {:>10} {:>9} {:>10} {:>10}",
        "total", r.candidates, r.reached, r.suppressed, r.customers_reached
    );
    if !r.overlaps.is_empty() {
        println!("\ncustomers reached by two rules:");
        for o in &r.overlaps {
            println!("  {} & {}: {}", o.a, o.b, o.customers);
        }
    }
    println!("\ncontacts and cost per channel:");
    for c in &r.channels {
        println!(
            "  {:<14} {:>8} × {:>8.2} = {:>12.2}",
            c.channel.as_str(),
            c.contacts,
            c.cost_per_contact,
            c.cost
        );
    }
    println!("  {:<14} {:>36.2}", "total", r.total_cost);
    println!("\nsuppressed by the policy, per reason:");
    for (reason, n) in &r.suppressed_by_reason {
        println!("  {reason:<32} {n:>8}");
    }
}
