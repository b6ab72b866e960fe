//! `fidelis churn evaluate` (cross-validated AUC of the departure model on any table) and
//! `fidelis features list` (the catalogue of behavioural variables).

use anyhow::{Context, Result, bail};
use clap::Subcommand;
use fidelis_analytics::churn::tabular::{CvOptions, TableOptions, evaluate_table};
use fidelis_analytics::churn::{FeatureConfig, FeatureFactory};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Subcommand)]
pub enum ChurnCommand {
    /// Stratified k-fold AUC of the gradient-boosted model (and the logistic baseline) on a CSV table:
    /// categorical columns are encoded automatically, blank cells are missing values.
    Evaluate {
        /// CSV file with a header line.
        #[arg(long)]
        table: PathBuf,
        /// The column to predict (yes/no, true/false, 1/0).
        #[arg(long)]
        target: String,
        #[arg(long, default_value_t = 5)]
        folds: usize,
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// Columns to leave out, e.g. an id (repeatable; id-like columns are dropped anyway).
        #[arg(long = "drop")]
        drop_columns: Vec<String>,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
pub enum FeaturesCommand {
    /// Every variable the feature factory computes, with its description and how it reads.
    List {
        #[arg(long)]
        json: bool,
    },
}

pub fn run(command: ChurnCommand) -> Result<ExitCode> {
    match command {
        ChurnCommand::Evaluate {
            table,
            target,
            folds,
            seed,
            drop_columns,
            json,
        } => {
            let mut reader = csv::ReaderBuilder::new()
                .flexible(false)
                .from_path(&table)
                .with_context(|| format!("cannot read {}", table.display()))?;
            let headers: Vec<String> = reader
                .headers()
                .with_context(|| format!("{}: no header line", table.display()))?
                .iter()
                .map(|h| h.trim().to_owned())
                .collect();
            if !headers.contains(&target) {
                bail!(
                    "{}: no column {target:?}; the columns are {}",
                    table.display(),
                    headers.join(", ")
                );
            }
            let mut rows = Vec::new();
            for (i, record) in reader.records().enumerate() {
                let record =
                    record.with_context(|| format!("{}, line {}", table.display(), i + 2))?;
                rows.push(record.iter().map(str::to_owned).collect::<Vec<_>>());
            }
            let options = CvOptions {
                folds,
                seed,
                ..CvOptions::default()
            };
            let table_options = TableOptions {
                drop_columns,
                ..TableOptions::default()
            };
            let (_, report) = evaluate_table(&headers, &rows, &target, &table_options, &options)
                .with_context(|| format!("evaluating {}", table.display()))?;
            if json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                println!(
                    "{} rows, {} features after encoding, {:.2} % positive; {} folds (seed {})",
                    report.rows,
                    report.features,
                    report.positive_rate * 100.0,
                    report.folds,
                    report.seed
                );
                let folds: Vec<String> =
                    report.fold_aucs.iter().map(|a| format!("{a:.4}")).collect();
                println!(
                    "  gradient-boosted trees: mean AUC {:.4}  [{}]",
                    report.mean_auc,
                    folds.join(", ")
                );
                if let Some(mean) = report.baseline_mean_auc {
                    println!("  logistic baseline:      mean AUC {mean:.4}");
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

pub fn run_features(command: FeaturesCommand) -> Result<ExitCode> {
    match command {
        FeaturesCommand::List { json } => {
            let factory = FeatureFactory::new(FeatureConfig::default());
            if json {
                println!("{}", serde_json::to_string_pretty(factory.catalogue())?);
            } else {
                for spec in factory.catalogue() {
                    println!("{:<44} {}", spec.name, spec.description);
                }
                println!("{} variables", factory.catalogue().len());
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
