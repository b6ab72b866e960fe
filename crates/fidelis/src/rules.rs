//! `fidelis rules`: checks rules, contact-policy, routing, segment and calendar files, and lists the
//! facts conditions can read. Parsing and validation are fidelis-rules'; this reads the file and
//! prints what it found.

use anyhow::{Context, Result};
use clap::{Args, Subcommand, ValueEnum};
use fidelis_rules::detect::Calendar;
use fidelis_rules::segment::RuleSegments;
use fidelis_rules::{ContactPolicy, FactSchema, Kind, RoutingMatrix, RuleSet, RulesError, Trigger};
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

pub fn run(command: RulesCommand) -> Result<ExitCode> {
    match command {
        RulesCommand::Check(args) => check(args),
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
