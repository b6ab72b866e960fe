//! `fidelis clv`: BTYD fits and transaction summaries for any data (files in, figures out); reading
//! the files and naming bad cells is done here, the models are `fidelis-analytics`'.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, anyhow, bail};
use chrono::NaiveDate;
use clap::{Args, Subcommand, ValueEnum};
use fidelis_analytics::{
    CustomerSummary, FitDiagnostics, FitError, FitWarning, TimeUnit, Transaction, fit_bgnbd,
    fit_gamma_gamma, fit_pareto_nbd, summarise_transactions,
};
use serde::Serialize;

#[derive(Subcommand)]
pub enum ClvCommand {
    /// Fit BG/NBD, Pareto/NBD or Gamma-Gamma to a summary file (CSV with a header: frequency,
    /// recency, T, and monetary_value for gg; x, t_x, zbar accepted too; other columns ignored).
    Fit(FitArgs),
    /// Summarise a transaction log into frequency, recency, T and monetary value per customer.
    Summarize(SummarizeArgs),
}

#[derive(Args)]
pub struct FitArgs {
    #[arg(long, value_enum)]
    model: Model,
    /// The summary CSV file.
    #[arg(long)]
    summary: PathBuf,
    /// Print the result as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Clone, Copy, ValueEnum)]
enum Model {
    /// BG/NBD: purchases and dropout after a purchase.
    Bgnbd,
    /// Pareto/NBD: purchases and dropout at any time.
    Pnbd,
    /// Gamma-Gamma: spend per purchase of repeat buyers.
    Gg,
}

#[derive(Args)]
pub struct SummarizeArgs {
    /// The transaction log: CSV, or whitespace-separated with `--separator whitespace`.
    #[arg(long)]
    transactions: PathBuf,
    /// Customer column: a header name, or a 1-based position with --no-header.
    #[arg(long)]
    customer_col: String,
    /// Date column (name or position).
    #[arg(long)]
    date_col: String,
    /// Amount column (name or position); without it, monetary values are 0.
    #[arg(long)]
    amount_col: Option<String>,
    /// Last day of the calibration period (later transactions are ignored).
    #[arg(long, value_parser = parse_day)]
    calibration_end: NaiveDate,
    /// Unit of recency and T.
    #[arg(long, value_enum, default_value = "week")]
    unit: Unit,
    /// Write the summary CSV here instead of standard output.
    #[arg(long)]
    out: Option<PathBuf>,
    /// `,`, `;`, `tab` or `whitespace`; by default detected from the first line (`,`, `;` or tab).
    #[arg(long)]
    separator: Option<String>,
    /// The file has no header line: columns are given by position.
    #[arg(long)]
    no_header: bool,
    /// A chrono format for the dates (e.g. `%Y%m%d`); by default 2024-12-31, 31/12/2024 and
    /// ISO date-times are accepted.
    #[arg(long)]
    date_format: Option<String>,
    /// Decimals of the amounts (2 for cents).
    #[arg(long, default_value_t = 2)]
    decimals: u32,
}

#[derive(Clone, Copy, ValueEnum)]
enum Unit {
    Day,
    Week,
    Month,
}

fn parse_day(text: &str) -> Result<NaiveDate, String> {
    fidelis_domain::parse::parse_date(text).map_err(|e| format!("expected {e}"))
}

pub fn run(command: ClvCommand) -> Result<ExitCode> {
    match command {
        ClvCommand::Fit(args) => fit(&args),
        ClvCommand::Summarize(args) => summarize(&args),
    }
}

/// A fit as printed: parameters by name.
#[derive(Serialize)]
struct FitReport {
    model: &'static str,
    /// Parameter names in the model's usual order, for the table.
    #[serde(skip)]
    names: &'static [&'static str],
    file: String,
    customers: usize,
    params: serde_json::Value,
    standard_errors: serde_json::Value,
    log_likelihood: f64,
    converged: bool,
    iterations: usize,
    warnings: Vec<FitWarning>,
}

fn fit(args: &FitArgs) -> Result<ExitCode> {
    let needs_money = matches!(args.model, Model::Gg);
    let (rows, lines) = read_summary(&args.summary, needs_money)?;
    let file = args.summary.display().to_string();
    let located = |e: FitError| match e {
        FitError::InvalidRow {
            row,
            field,
            value,
            expected,
        } => anyhow!(
            "{file}, line {}: {field} = {value} is invalid, expected {expected}",
            lines[row]
        ),
        other => anyhow!("{file}: {other}"),
    };
    let (model, params, standard_errors, log_likelihood, diagnostics): (
        _,
        _,
        _,
        _,
        FitDiagnostics,
    ) = match args.model {
        Model::Bgnbd => {
            let f = fit_bgnbd(&rows).map_err(located)?;
            (
                "bgnbd",
                serde_json::to_value(f.params)?,
                serde_json::to_value(f.standard_errors)?,
                f.log_likelihood,
                f.diagnostics,
            )
        }
        Model::Pnbd => {
            let f = fit_pareto_nbd(&rows).map_err(located)?;
            (
                "pareto_nbd",
                serde_json::to_value(f.params)?,
                serde_json::to_value(f.standard_errors)?,
                f.log_likelihood,
                f.diagnostics,
            )
        }
        Model::Gg => {
            let f = fit_gamma_gamma(&rows).map_err(located)?;
            (
                "gamma_gamma",
                serde_json::to_value(f.params)?,
                serde_json::to_value(f.standard_errors)?,
                f.log_likelihood,
                f.diagnostics,
            )
        }
    };
    let names: &[&str] = match args.model {
        Model::Bgnbd => &["r", "alpha", "a", "b"],
        Model::Pnbd => &["r", "alpha", "s", "beta"],
        Model::Gg => &["p", "q", "gamma"],
    };
    let report = FitReport {
        model,
        names,
        file,
        customers: rows.len(),
        params,
        standard_errors,
        log_likelihood,
        converged: diagnostics.converged,
        iterations: diagnostics.iterations,
        warnings: diagnostics.warnings,
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print_fit(&report);
    }
    Ok(ExitCode::SUCCESS)
}

fn print_fit(r: &FitReport) {
    println!(
        "{} fitted on {} customers of {}",
        r.model, r.customers, r.file
    );
    println!("  {:<8} {:>14} {:>14}", "", "estimate", "std. error");
    for name in r.names {
        let value = r
            .params
            .get(name)
            .and_then(|v| v.as_f64())
            .unwrap_or(f64::NAN);
        let se = r.standard_errors.get(name).and_then(|v| v.as_f64());
        let se = se.map_or_else(|| "-".to_owned(), |v| format!("{v:.6}"));
        println!("  {name:<8} {value:>14.6} {se:>14}");
    }
    println!("  log-likelihood {:.4}", r.log_likelihood);
    if !r.converged {
        println!(
            "  the optimiser did not converge ({} iterations)",
            r.iterations
        );
    }
    for w in &r.warnings {
        println!("  warning: {}", describe(w));
    }
}

fn describe(w: &FitWarning) -> String {
    match w {
        FitWarning::BoundaryEstimate { parameter, value } => format!(
            "{parameter} = {value:e} is a boundary estimate: the likelihood keeps rising in that \
             direction, so the data do not pin it down (no heterogeneity, or nobody leaving)"
        ),
        FitWarning::NotConverged { gradient } => {
            format!("not converged, largest gradient {gradient:e}: the best point seen is reported")
        }
        FitWarning::NoStandardErrors => {
            "the Hessian is not positive definite: no standard errors".to_owned()
        }
    }
}

/// Reads a summary CSV; returns the rows and the file line of each.
fn read_summary(path: &Path, needs_money: bool) -> Result<(Vec<CustomerSummary>, Vec<u64>)> {
    let file = path.display();
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_path(path)
        .with_context(|| format!("cannot read {file}"))?;
    let headers = reader
        .headers()
        .with_context(|| format!("{file}: cannot read the header line"))?
        .clone();
    let find = |names: &[&str]| {
        headers
            .iter()
            .position(|h| names.iter().any(|n| h.eq_ignore_ascii_case(n)))
    };
    let frequency = find(&["frequency", "x"]);
    let recency = find(&["recency", "t_x"]);
    let t = find(&["T"]);
    let money = find(&["monetary_value", "zbar", "m_x", "monetary"]);
    let Some(frequency) = frequency else {
        bail!("{file}, line 1: no frequency column (expected frequency or x)");
    };
    if needs_money && money.is_none() {
        bail!("{file}, line 1: no monetary_value column (expected monetary_value, zbar or m_x)");
    }
    if !needs_money && (recency.is_none() || t.is_none()) {
        bail!("{file}, line 1: expected the columns frequency, recency and T");
    }
    let mut rows = Vec::new();
    let mut lines = Vec::new();
    for record in reader.records() {
        let record = record.with_context(|| format!("cannot read {file}"))?;
        let line = record.position().map_or(0, |p| p.line());
        let number = |column: Option<usize>, field: &str| -> Result<f64> {
            let Some(i) = column else { return Ok(0.0) };
            let text = record.get(i).unwrap_or("");
            text.parse::<f64>()
                .map_err(|_| anyhow!("{file}, line {line}: {field} = {text:?} is not a number"))
        };
        let x = number(Some(frequency), "frequency")?;
        if !(x >= 0.0 && x.fract() == 0.0 && x <= f64::from(u32::MAX)) {
            bail!("{file}, line {line}: frequency = {x} is invalid, expected a whole number ≥ 0");
        }
        let summary = CustomerSummary::new(x as u32, number(recency, "recency")?, number(t, "T")?)
            .with_monetary_value(number(money, "monetary_value")?);
        rows.push(summary);
        lines.push(line);
    }
    Ok((rows, lines))
}

/// How to split a line of the transaction file.
enum Split {
    Delimiter(u8),
    Whitespace,
}

fn summarize(args: &SummarizeArgs) -> Result<ExitCode> {
    let path = &args.transactions;
    let file = path.display();
    let reader =
        BufReader::new(std::fs::File::open(path).with_context(|| format!("cannot read {file}"))?);
    let mut lines = reader.lines();
    let split = match args.separator.as_deref() {
        Some(",") => Split::Delimiter(b','),
        Some(";") => Split::Delimiter(b';'),
        Some("tab") | Some("\t") => Split::Delimiter(b'\t'),
        Some("whitespace") => Split::Whitespace,
        Some(other) => bail!("--separator {other:?}: expected ',', ';', 'tab' or 'whitespace'"),
        None => Split::Delimiter(b','),
    };
    let mut first: Option<String> = None;
    let mut columns: Vec<String> = Vec::new();
    if !args.no_header {
        let header = lines
            .next()
            .transpose()
            .with_context(|| format!("cannot read {file}"))?
            .ok_or_else(|| anyhow!("{file} is empty"))?;
        first = Some(header);
    }
    let split = match (split, args.separator.is_none(), &first) {
        (Split::Delimiter(_), true, Some(h)) => {
            let d = [b';', b'\t']
                .into_iter()
                .find(|d| h.as_bytes().contains(d))
                .unwrap_or(b',');
            Split::Delimiter(d)
        }
        (s, _, _) => s,
    };
    let cells = |line: &str| -> Vec<String> {
        match split {
            Split::Whitespace => line.split_whitespace().map(str::to_owned).collect(),
            Split::Delimiter(d) => line
                .split(d as char)
                .map(|c| c.trim().trim_matches('"').to_owned())
                .collect(),
        }
    };
    if let Some(h) = &first {
        columns = cells(h);
    }
    let column = |spec: &str, what: &str| -> Result<usize> {
        if args.no_header {
            return match spec.parse::<usize>() {
                Ok(n) if n >= 1 => Ok(n - 1),
                _ => bail!(
                    "--{what} {spec:?}: expected a column position (1, 2, …) with --no-header"
                ),
            };
        }
        columns
            .iter()
            .position(|c| c.eq_ignore_ascii_case(spec))
            .ok_or_else(|| {
                anyhow!(
                    "{file}, line 1: no column {spec:?} (columns: {})",
                    columns.join(", ")
                )
            })
    };
    let customer_col = column(&args.customer_col, "customer-col")?;
    let date_col = column(&args.date_col, "date-col")?;
    let amount_col = args
        .amount_col
        .as_deref()
        .map(|c| column(c, "amount-col"))
        .transpose()?;
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).context("epoch")?;
    let day_of = |d: NaiveDate| (d - epoch).num_days() as i32;

    let mut ids: Vec<String> = Vec::new();
    let mut index: HashMap<String, u32> = HashMap::new();
    let mut log = Vec::new();
    let first_line = if args.no_header { 1 } else { 2 };
    for (n, line) in lines.enumerate() {
        let line_number = n as u64 + first_line;
        let line = line.with_context(|| format!("cannot read {file}"))?;
        if line.trim().is_empty() {
            continue;
        }
        let cells = cells(&line);
        let cell = |i: usize, field: &str| -> Result<&str> {
            cells.get(i).map(String::as_str).ok_or_else(|| {
                anyhow!(
                    "{file}, line {line_number}: no {field} cell (only {} cells)",
                    cells.len()
                )
            })
        };
        let customer = cell(customer_col, "customer")?;
        let date_text = cell(date_col, "date")?;
        let date = match &args.date_format {
            Some(f) => NaiveDate::parse_from_str(date_text, f).map_err(|_| {
                anyhow!("{file}, line {line_number}: date = {date_text:?} does not match {f}")
            }),
            None => fidelis_domain::parse::parse_date(date_text).map_err(|e| {
                anyhow!("{file}, line {line_number}: date = {date_text:?} is invalid, expected {e}")
            }),
        }?;
        let amount = match amount_col {
            Some(i) => {
                let text = cell(i, "amount")?;
                fidelis_domain::parse::parse_amount(text, args.decimals).map_err(|e| {
                    anyhow!(
                        "{file}, line {line_number}: amount = {text:?} is invalid, expected {e}"
                    )
                })?
            }
            None => 0,
        };
        let next = ids.len() as u32;
        let c = *index.entry(customer.to_owned()).or_insert_with(|| {
            ids.push(customer.to_owned());
            next
        });
        log.push(Transaction {
            customer: c,
            day: day_of(date),
            amount,
        });
    }
    if log.is_empty() {
        bail!("{file}: no transactions");
    }
    let unit = match args.unit {
        Unit::Day => TimeUnit::Days,
        Unit::Week => TimeUnit::Weeks,
        Unit::Month => TimeUnit::Months,
    };
    let summary = summarise_transactions(&log, day_of(args.calibration_end), unit)
        .map_err(|e| anyhow!("{file}: {e}"))?;
    let scale = 10f64.powi(args.decimals as i32);
    let mut out: Box<dyn Write> = match &args.out {
        Some(p) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(p).with_context(|| format!("cannot write {}", p.display()))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    writeln!(out, "customer,frequency,recency,T,monetary_value")?;
    for (c, s) in summary.customers.iter().zip(&summary.summaries) {
        writeln!(
            out,
            "{},{},{},{},{}",
            csv_cell(&ids[*c as usize]),
            s.frequency,
            s.recency,
            s.t,
            s.monetary_value / scale
        )?;
    }
    out.flush()?;
    if let Some(p) = &args.out {
        eprintln!(
            "{} customers summarised from {} transactions into {}",
            summary.customers.len(),
            log.len(),
            p.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// A CSV cell, quoted when it holds a comma, a quote or a line break.
fn csv_cell(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}
