//! `fidelis channels report`: cost per contact and conversion by channel × operation, and the
//! low-value loyal customers a cheaper channel would serve for less (the store computes; this prints).

use anyhow::Result;
use clap::Subcommand;
use fidelis_store::Store;
use std::process::ExitCode;

#[derive(Subcommand)]
pub enum ChannelsCommand {
    /// Cost per contact and conversion by channel × operation over the year up to the latest
    /// interaction, and customers whose value suggests a cheaper channel, with the saving.
    Report {
        #[arg(long, env = "FIDELIS_DB")]
        db: String,
        /// Customers listed (the total counts them all).
        #[arg(long, default_value_t = 20)]
        top: usize,
        #[arg(long)]
        json: bool,
    },
}

pub async fn run(command: ChannelsCommand) -> Result<ExitCode> {
    let ChannelsCommand::Report { db, top, json } = command;
    let store = Store::open(&db).await?;
    let report = store.channel_report().await?;
    store.close().await;
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(ExitCode::SUCCESS);
    }
    let (Some(from), Some(to)) = (report.from, report.to) else {
        println!("no interactions: nothing to report");
        return Ok(ExitCode::SUCCESS);
    };
    let units = |minor: f64| minor / 100.0;
    println!("channels × operations, {from} → {to} ({})", report.currency);
    println!(
        "{:<12} {:<13} {:>9} {:>12} {:>10} {:>11} {:>10} {:>12}",
        "channel",
        "operation",
        "contacts",
        "cost",
        "per contact",
        "conversions",
        "rate",
        "per conv."
    );
    for c in &report.cells {
        println!(
            "{:<12} {:<13} {:>9} {:>12.2} {:>10.2} {:>11} {:>9.1}% {:>12}",
            c.channel,
            c.operation,
            c.contacts,
            units(c.cost_minor as f64),
            units(c.cost_per_contact_minor),
            c.conversions,
            100.0 * c.conversion_rate,
            c.cost_per_conversion_minor
                .map_or("-".to_owned(), |x| format!("{:.2}", units(x)))
        );
    }
    println!(
        "\n{} customers could move to a cheaper channel, saving {:.2} a year ({})",
        report.cheaper.len(),
        report.total_saving,
        report.rule
    );
    for c in report.cheaper.iter().take(top) {
        println!(
            "  {:<14} {} → {}: cost to serve {:.2} for a margin of {:.2}; saving {:.2}",
            c.customer_id, c.from, c.to, c.cost_to_serve, c.yearly_margin, c.yearly_saving
        );
    }
    Ok(ExitCode::SUCCESS)
}
