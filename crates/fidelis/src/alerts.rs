//! `fidelis alerts report`: what the departure alerts' offers did. Per offer, the agents' outcomes and
//! the departures within the horizon after the alert, those who accepted against those who declined:
//! the observed effect to set against the catalogue's expected one (`offers.toml`).

use anyhow::{Result, bail};
use chrono::{NaiveDate, Utc};
use clap::Subcommand;
use fidelis_store::{OutcomeFollowUp, Store};
use serde::Serialize;
use std::collections::BTreeMap;
use std::process::ExitCode;

#[derive(Subcommand)]
pub enum AlertsCommand {
    /// Outcomes and departures after the alerts raised in a period, per offer.
    Report {
        #[arg(long, env = "FIDELIS_DB")]
        db: String,
        /// First day of the alerts (default: 365 days before --to).
        #[arg(long, value_parser = parse_day)]
        from: Option<NaiveDate>,
        /// Day after the last alert (default: today, UTC).
        #[arg(long, value_parser = parse_day)]
        to: Option<NaiveDate>,
        /// Departures counted within this many days after the alert.
        #[arg(long, default_value_t = 90)]
        horizon_days: i64,
        #[arg(long)]
        json: bool,
    },
}

fn parse_day(text: &str) -> Result<NaiveDate, String> {
    fidelis_domain::parse::parse_date(text).map_err(|e| format!("expected {e}"))
}

/// One offer's line of the report.
#[derive(Debug, Serialize, PartialEq)]
pub struct OfferLine {
    pub offer_id: Option<String>,
    pub alerts: i64,
    pub accepted: i64,
    pub declined: i64,
    pub not_relevant: i64,
    pub no_outcome: i64,
    /// Departure rate within the horizon among those who accepted.
    pub departure_rate_accepted: Option<f64>,
    /// Among those who declined.
    pub departure_rate_declined: Option<f64>,
    /// 1 − accepted rate ÷ declined rate: the share of departures the offer prevented, when both
    /// groups exist. Customers choose to accept, so this is an association, not a controlled effect.
    pub observed_effect: Option<f64>,
}

/// Folds the store's (offer, outcome) rows into one line per offer.
pub fn offer_lines(rows: &[OutcomeFollowUp]) -> Vec<OfferLine> {
    let mut by_offer: BTreeMap<Option<String>, Vec<&OutcomeFollowUp>> = BTreeMap::new();
    for r in rows {
        by_offer.entry(r.offer_id.clone()).or_default().push(r);
    }
    by_offer
        .into_iter()
        .map(|(offer_id, rows)| {
            let get = |outcome: &str| rows.iter().find(|r| r.outcome == outcome);
            let count = |outcome: &str| get(outcome).map_or(0, |r| r.alerts);
            let rate = |outcome: &str| {
                get(outcome)
                    .filter(|r| r.alerts > 0)
                    .map(|r| r.departed as f64 / r.alerts as f64)
            };
            let (acc, dec) = (rate("accepted"), rate("declined"));
            OfferLine {
                alerts: rows.iter().map(|r| r.alerts).sum(),
                accepted: count("accepted"),
                declined: count("declined"),
                not_relevant: count("not_relevant"),
                no_outcome: count("none"),
                departure_rate_accepted: acc,
                departure_rate_declined: dec,
                observed_effect: match (acc, dec) {
                    (Some(a), Some(d)) if d > 0.0 => Some(1.0 - a / d),
                    _ => None,
                },
                offer_id,
            }
        })
        .collect()
}

pub async fn run(command: AlertsCommand) -> Result<ExitCode> {
    match command {
        AlertsCommand::Report {
            db,
            from,
            to,
            horizon_days,
            json,
        } => {
            let to = to.unwrap_or_else(|| Utc::now().date_naive());
            let from = from.unwrap_or(to - chrono::Days::new(365));
            if from >= to {
                bail!("--from {from} must be before --to {to}");
            }
            if !(1..=3650).contains(&horizon_days) {
                bail!("--horizon-days {horizon_days}: expected between 1 and 3650");
            }
            let midnight = |d: NaiveDate| d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
            let store = Store::open(&db).await?;
            let rows = store
                .alert_follow_up(midnight(from), midnight(to), horizon_days)
                .await?;
            store.close().await;
            let lines = offer_lines(&rows);
            if json {
                println!("{}", serde_json::to_string_pretty(&lines)?);
            } else {
                println!(
                    "alerts raised from {from} to {to}, departures within {horizon_days} days"
                );
                println!(
                    "{:<22} {:>7} {:>9} {:>9} {:>9} {:>8} {:>10} {:>10} {:>9}",
                    "offer",
                    "alerts",
                    "accepted",
                    "declined",
                    "not rel.",
                    "no ans.",
                    "left|acc.",
                    "left|decl.",
                    "effect"
                );
                let pct =
                    |v: Option<f64>| v.map_or("-".to_string(), |v| format!("{:.1} %", v * 100.0));
                for l in &lines {
                    println!(
                        "{:<22} {:>7} {:>9} {:>9} {:>9} {:>8} {:>10} {:>10} {:>9}",
                        l.offer_id.as_deref().unwrap_or("(no offer)"),
                        l.alerts,
                        l.accepted,
                        l.declined,
                        l.not_relevant,
                        l.no_outcome,
                        pct(l.departure_rate_accepted),
                        pct(l.departure_rate_declined),
                        pct(l.observed_effect)
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(offer: Option<&str>, outcome: &str, alerts: i64, departed: i64) -> OutcomeFollowUp {
        OutcomeFollowUp {
            offer_id: offer.map(str::to_string),
            outcome: outcome.into(),
            alerts,
            departed,
            mean_risk: 0.5,
        }
    }

    #[test]
    fn lines_fold_outcomes_and_compare_departures() {
        let lines = offer_lines(&[
            row(None, "none", 4, 3),
            row(Some("bonus"), "accepted", 40, 4),
            row(Some("bonus"), "declined", 20, 8),
            row(Some("bonus"), "none", 5, 1),
            row(Some("gesture"), "accepted", 3, 0),
        ]);
        assert_eq!(lines.len(), 3);
        let bonus = &lines[1];
        assert_eq!(bonus.offer_id.as_deref(), Some("bonus"));
        assert_eq!(
            (
                bonus.alerts,
                bonus.accepted,
                bonus.declined,
                bonus.no_outcome
            ),
            (65, 40, 20, 5)
        );
        assert_eq!(bonus.departure_rate_accepted, Some(0.1));
        assert_eq!(bonus.departure_rate_declined, Some(0.4));
        assert!((bonus.observed_effect.unwrap() - 0.75).abs() < 1e-12);
        assert_eq!(lines[2].observed_effect, None, "nobody declined");
        assert_eq!(
            (lines[0].offer_id.as_deref(), lines[0].no_outcome),
            (None, 4)
        );
    }
}
