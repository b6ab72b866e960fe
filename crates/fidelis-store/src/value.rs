//! Customer value in the store: the bulk reads a refresh needs (every customer's detailed history in
//! one query per table, never one per customer) and the snapshot of each refresh, written in one
//! transaction, with the reads of the value report and of a customer's trajectory.

use std::collections::HashMap;
use std::path::Path;

use chrono::{DateTime, Days, NaiveDate, SecondsFormat, Utc};
use fidelis_analytics::pnl::{
    Campaign, CampaignMemberRow, Channel, ComplaintRow, ContractRow, CustomerRow, History,
    InteractionRow, Pnl, Product, ProductKind, TransactionKind, TransactionRow,
};
use fidelis_analytics::{CustomerValue, ValueAssessment};
use futures_util::TryStreamExt;
use serde::Serialize;
use sqlx::Row;

use crate::error::StoreError;
use crate::store::{BackendKind, Store, with_pool};

/// What a refresh reads: the history up to `as_of` and the currencies its amounts are in.
#[derive(Debug, Clone, Default)]
pub struct ValueInputs {
    /// Customers, catalogue and detailed rows, with internal ids and day numbers.
    pub history: History,
    /// Every currency found in the money columns read (one, normally).
    pub currencies: Vec<String>,
}

/// How a refresh was run, stored beside its snapshots.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RefreshRunInfo {
    /// Date of the P&L and of the CLV.
    pub as_of: NaiveDate,
    /// When the refresh started and finished (read by the caller).
    pub started_at: DateTime<Utc>,
    /// End of the computation.
    pub finished_at: DateTime<Utc>,
    /// Currency of every amount.
    pub currency: String,
    /// `bgnbd` or `pareto_nbd`.
    pub purchase_model: String,
    /// CLV horizon.
    pub horizon_months: u32,
    /// Annual discount rate.
    pub annual_discount_rate: f64,
    /// Cost of handling one complaint, minor units.
    pub complaint_handling_cost_minor: i64,
}

/// A stored refresh.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RefreshRun {
    /// Run id.
    pub id: i64,
    /// Parameters and times.
    #[serde(flatten)]
    pub info: RefreshRunInfo,
    /// Customers valued.
    pub customers: i64,
    /// Net profitability above which a customer is high.
    pub profitability_cut_minor: i64,
    /// CLV above which a customer is high.
    pub potential_cut_minor: i64,
    /// Fallbacks taken during the refresh.
    pub warnings: Vec<String>,
}

/// One cell of the value matrix in a run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MatrixCell {
    /// `multi_equipment`, `loyalty`, `retention`, `termination`.
    pub strategy: String,
    /// `<profitability>_<potential>`, e.g. `low_high`.
    pub quadrant: String,
    /// Customers in the cell.
    pub customers: i64,
    /// Σ revenue.
    pub revenue_minor: i64,
    /// Σ gross margin.
    pub gross_margin_minor: i64,
    /// Σ cost to serve.
    pub cost_to_serve_minor: i64,
    /// Σ net profitability.
    pub net_minor: i64,
    /// Σ CLV.
    pub clv_minor: i64,
}

/// Customers who moved from one strategy to another between two runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StrategyMove {
    /// Strategy in the earlier run.
    pub from: String,
    /// Strategy in the later run.
    pub to: String,
    /// Customers in both runs with these strategies.
    pub customers: i64,
}

/// One roll-up row of a run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RollupRow {
    /// `product`, `channel` or `month`.
    pub dimension: String,
    /// External id, `YYYY-MM`, or empty for the rows without one.
    pub key: String,
    /// The P&L lines.
    pub pnl: Pnl,
}

/// The value report of a run: the matrix, the moves since the previous run, the roll-ups.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ValueReport {
    /// The run.
    pub run: RefreshRun,
    /// The four cells (those with customers).
    pub cells: Vec<MatrixCell>,
    /// The previous run, when there is one.
    pub previous_run: Option<i64>,
    /// Strategy moves from the previous run to this one.
    pub moves: Vec<StrategyMove>,
    /// P&L by product, channel and month.
    pub rollups: Vec<RollupRow>,
}

/// A customer's value in one run: one step of its trajectory across the matrix.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ValueSnapshot {
    /// Run id.
    pub run_id: i64,
    /// The run's date.
    pub as_of: NaiveDate,
    /// The P&L lines.
    pub pnl: Pnl,
    /// CLV of one-off purchases.
    pub purchases_clv_minor: i64,
    /// CLV of contracts.
    pub contracts_clv_minor: i64,
    /// Expected discounted cost to serve over the horizon (0 in runs before it was deducted).
    pub service_clv_minor: i64,
    /// The potential: purchases + contracts − cost to serve.
    pub clv_minor: i64,
    /// P(alive), for one-off buyers.
    pub p_alive: Option<f64>,
    /// Contracts running at the run's date.
    pub running_contracts: i64,
    /// Cell.
    pub quadrant: String,
    /// Strategy.
    pub strategy: String,
    /// Currency of the amounts.
    pub currency: String,
}

/// Day number (days since 1970-01-01) of a UTC timestamp column, per backend.
pub(crate) fn day_of_timestamp(kind: BackendKind, column: &str) -> String {
    match kind {
        // Timestamps are stored as RFC 3339 text in UTC: the date is the first ten characters.
        BackendKind::Sqlite => {
            format!("CAST(julianday(substr({column}, 1, 10)) - 2440587.5 AS INTEGER)")
        }
        BackendKind::Postgres => {
            format!("(({column} AT TIME ZONE 'UTC')::date - DATE '1970-01-01')::BIGINT")
        }
    }
}

/// Day number of a date column, per backend.
pub(crate) fn day_of_date(kind: BackendKind, column: &str) -> String {
    match kind {
        BackendKind::Sqlite => format!("CAST(julianday({column}) - 2440587.5 AS INTEGER)"),
        BackendKind::Postgres => format!("({column} - DATE '1970-01-01')::BIGINT"),
    }
}

fn day(v: i64) -> i32 {
    v as i32
}

fn transactions_sql(kind: BackendKind) -> String {
    format!(
        "SELECT customer_id, product_id, channel_id, {}, kind, amount_minor, cost_minor, currency FROM transactions \
         WHERE occurred_at < $1",
        day_of_timestamp(kind, "occurred_at")
    )
}

fn transaction(
    customer: i64,
    product: i64,
    channel: Option<i64>,
    day_number: i64,
    kind: &str,
    amount: i64,
    cost: i64,
) -> TransactionRow {
    TransactionRow {
        customer,
        product,
        channel,
        day: day(day_number),
        kind: if kind == "refund" {
            TransactionKind::Refund
        } else {
            TransactionKind::Sale
        },
        amount,
        cost,
    }
}

fn interactions_sql(kind: BackendKind) -> String {
    format!(
        "SELECT customer_id, channel_id, {}, duration_seconds, cost_minor, campaign_id, direction, operation, \
         currency FROM interactions WHERE occurred_at < $1",
        day_of_timestamp(kind, "occurred_at")
    )
}

/// Adds `currency` to the (few) currencies seen.
fn note_currency(seen: &mut Vec<String>, currency: &str) {
    if !seen.iter().any(|c| c == currency) {
        seen.push(currency.to_owned());
    }
}

#[allow(clippy::too_many_arguments)] // one argument per column read
fn interaction(
    customer: i64,
    channel: i64,
    day_number: i64,
    duration_seconds: i64,
    cost: Option<i64>,
    campaign: Option<i64>,
    direction: &str,
    operation: &str,
) -> InteractionRow {
    InteractionRow {
        customer,
        channel,
        day: day(day_number),
        duration_seconds,
        cost,
        campaign,
        campaign_delivery: direction == "outbound" && operation == "campaign",
    }
}

/// Transactions, interactions and the currencies they are in.
type LargeTables = (Vec<TransactionRow>, Vec<InteractionRow>, Vec<String>);

/// Transactions and interactions of a SQLite file through rusqlite: sqlx's per-row overhead makes
/// the same queries about eight times slower on millions of rows (BENCHMARKS.md). A connection of its
/// own, reading only; `before` is a timestamp in the text form sqlx writes.
fn read_large_tables(file: &Path, before: &str) -> Result<LargeTables, StoreError> {
    let read = || -> rusqlite::Result<LargeTables> {
        let mut currencies = Vec::new();
        let conn = rusqlite::Connection::open(file)?;
        conn.busy_timeout(std::time::Duration::from_secs(30))?;
        let mut transactions = Vec::new();
        let mut statement = conn.prepare(&transactions_sql(BackendKind::Sqlite))?;
        let mut rows = statement.query([before])?;
        while let Some(r) = rows.next()? {
            transactions.push(transaction(
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get_ref(4)?.as_str()?,
                r.get(5)?,
                r.get(6)?,
            ));
            note_currency(&mut currencies, r.get_ref(7)?.as_str()?);
        }
        let mut interactions = Vec::new();
        let mut statement = conn.prepare(&interactions_sql(BackendKind::Sqlite))?;
        let mut rows = statement.query([before])?;
        while let Some(r) = rows.next()? {
            interactions.push(interaction(
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get_ref(6)?.as_str()?,
                r.get_ref(7)?.as_str()?,
            ));
            note_currency(&mut currencies, r.get_ref(8)?.as_str()?);
        }
        Ok((transactions, interactions, currencies))
    };
    read().map_err(|source| StoreError::Sqlite {
        path: file.to_owned(),
        source,
    })
}

/// The columns written per snapshot row, in order.
const SNAPSHOT_COLUMNS: &str = "run_id, customer_id, sales_minor, refunds_minor, contract_fees_minor, revenue_minor, \
    product_cost_minor, gross_margin_minor, interaction_cost_minor, complaint_cost_minor, compensation_minor, \
    campaign_cost_minor, cost_to_serve_minor, net_minor, purchases_clv_minor, contracts_clv_minor, service_clv_minor, \
    clv_minor, p_alive, running_contracts, quadrant, strategy";

/// The P&L columns shared by snapshots and roll-ups, in the order of [`pnl_values`].
const PNL_COLUMNS: &str = "sales_minor, refunds_minor, contract_fees_minor, revenue_minor, product_cost_minor, \
    gross_margin_minor, interaction_cost_minor, complaint_cost_minor, compensation_minor, campaign_cost_minor, \
    cost_to_serve_minor, net_minor";

fn pnl_values(p: &Pnl) -> [i64; 12] {
    [
        p.sales,
        p.refunds,
        p.contract_fees,
        p.revenue(),
        p.product_cost,
        p.gross_margin(),
        p.interaction_cost,
        p.complaint_cost,
        p.compensation,
        p.campaign_cost,
        p.cost_to_serve(),
        p.net(),
    ]
}

/// Snapshot rows per INSERT statement: 21 parameters each stays below SQLite's 32,766.
const SNAPSHOTS_PER_STATEMENT: usize = 1_000;

impl Store {
    /// Every customer's detailed history up to `as_of` (customers acquired by then, rows dated on or
    /// before it), read with one query per table.
    pub async fn value_inputs(&self, as_of: NaiveDate) -> Result<ValueInputs, StoreError> {
        let kind = self.backend_kind();
        // Timestamps strictly before the next midnight UTC are on or before `as_of`.
        let before: DateTime<Utc> = as_of
            .checked_add_days(Days::new(1))
            .unwrap_or(as_of)
            .and_hms_opt(0, 0, 0)
            .map(|t| t.and_utc())
            .unwrap_or_default();
        let mut h = History::default();
        let mut currencies: Vec<String> = Vec::new();
        let ts = |c: &str| day_of_timestamp(kind, c);
        let date = |c: &str| day_of_date(kind, c);

        // A SQLite file's two large tables are read through rusqlite (below).
        let fast_file = self.sqlite_file.clone();
        let started = std::time::Instant::now();
        let mut inputs = with_pool!(self, pool => {
            let rows = sqlx::query(
                "SELECT id, status FROM customers WHERE acquisition_date IS NULL OR acquisition_date <= $1 ORDER BY id",
            )
            .bind(as_of)
            .fetch_all(pool)
            .await?;
            for r in rows {
                h.customers.push(CustomerRow { id: r.try_get(0)?, churned: r.try_get::<String, _>(1)? == "churned" });
            }
            for r in sqlx::query("SELECT id, category, kind, unit_cost_minor FROM products").fetch_all(pool).await? {
                let kind: String = r.try_get(2)?;
                h.products.push(Product {
                    id: r.try_get(0)?,
                    category: r.try_get(1)?,
                    kind: match kind.as_str() {
                        "one_off" => ProductKind::OneOff,
                        "subscription" => ProductKind::Subscription,
                        _ => ProductKind::Contract,
                    },
                    unit_cost: r.try_get(3)?,
                });
            }
            for r in sqlx::query("SELECT id, cost_per_contact_minor, cost_per_minute_minor FROM channels").fetch_all(pool).await? {
                h.channels.push(Channel { id: r.try_get(0)?, cost_per_contact: r.try_get(1)?, cost_per_minute: r.try_get(2)? });
            }
            for r in sqlx::query("SELECT id, channel_id, cost_per_contact_minor FROM campaigns").fetch_all(pool).await? {
                h.campaigns.push(Campaign { id: r.try_get(0)?, channel: r.try_get(1)?, cost_per_contact: r.try_get(2)? });
            }

            if fast_file.is_none() {
                let mut stream = sqlx::query(sqlx::AssertSqlSafe(transactions_sql(kind))).bind(before).fetch(pool);
                while let Some(r) = stream.try_next().await? {
                    h.transactions.push(transaction(
                        r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, r.try_get(3)?, r.try_get(4)?, r.try_get(5)?, r.try_get(6)?,
                    ));
                    note_currency(&mut currencies, r.try_get(7)?);
                }
            }

            let sql = format!(
                "SELECT customer_id, product_id, channel_id, {}, {}, {}, status, monthly_fee_minor FROM contracts \
                 WHERE start_date <= $1",
                date("start_date"),
                date("cancelled_on"),
                date("end_date")
            );
            for r in sqlx::query(sqlx::AssertSqlSafe(sql)).bind(as_of).fetch_all(pool).await? {
                let cancelled: Option<i64> = r.try_get(4)?;
                let end: Option<i64> = r.try_get(5)?;
                let status: &str = r.try_get(6)?;
                // A cancelled contract stops on its cancellation; an ended one at its end date.
                let stop = cancelled.or(if status == "active" { None } else { end });
                h.contracts.push(ContractRow {
                    customer: r.try_get(0)?,
                    product: r.try_get(1)?,
                    channel: r.try_get(2)?,
                    start: day(r.try_get(3)?),
                    stop: stop.map(day),
                    monthly_fee: r.try_get(7)?,
                });
            }

            if fast_file.is_none() {
                let mut stream = sqlx::query(sqlx::AssertSqlSafe(interactions_sql(kind))).bind(before).fetch(pool);
                while let Some(r) = stream.try_next().await? {
                    h.interactions.push(interaction(
                        r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, r.try_get(3)?, r.try_get(4)?, r.try_get(5)?, r.try_get(6)?, r.try_get(7)?,
                    ));
                    note_currency(&mut currencies, r.try_get(8)?);
                }
            }

            let sql = format!(
                "SELECT customer_id, product_id, channel_id, {}, compensation_minor FROM complaints WHERE opened_at < $1",
                ts("opened_at")
            );
            for r in sqlx::query(sqlx::AssertSqlSafe(sql)).bind(before).fetch_all(pool).await? {
                h.complaints.push(ComplaintRow {
                    customer: r.try_get(0)?,
                    product: r.try_get(1)?,
                    channel: r.try_get(2)?,
                    day: day(r.try_get(3)?),
                    compensation: r.try_get(4)?,
                });
            }

            let sql = format!(
                "SELECT campaign_id, customer_id, CASE WHEN grp = 'treatment' THEN {} END FROM campaign_members",
                ts("contacted_at")
            );
            for r in sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(pool).await? {
                let contacted: Option<i64> = r.try_get(2)?;
                h.campaign_members.push(CampaignMemberRow {
                    campaign: r.try_get(0)?,
                    customer: r.try_get(1)?,
                    contacted_day: contacted.map(day),
                });
            }

            tracing::debug!(seconds = started.elapsed().as_secs_f64(), "value inputs: small tables read");
            // The large tables' currencies were noted while reading them.
            let small: Vec<String> = sqlx::query_scalar(
                "SELECT currency FROM contracts UNION SELECT currency FROM complaints \
                 UNION SELECT currency FROM channels UNION SELECT currency FROM products \
                 UNION SELECT currency FROM campaigns",
            )
            .fetch_all(pool)
            .await?;
            for c in &small {
                note_currency(&mut currencies, c);
            }
            Ok::<_, StoreError>(ValueInputs { history: h, currencies })
        })?;
        tracing::debug!(
            seconds = started.elapsed().as_secs_f64(),
            "value inputs: currencies read"
        );
        if let Some(file) = fast_file {
            let before = before.to_rfc3339_opts(SecondsFormat::AutoSi, false);
            let read = tokio::task::spawn_blocking(move || read_large_tables(&file, &before)).await;
            let (transactions, interactions, currencies) = match read {
                Ok(tables) => tables?,
                Err(e) => std::panic::resume_unwind(e.into_panic()),
            };
            inputs.history.transactions = transactions;
            inputs.history.interactions = interactions;
            for c in &currencies {
                note_currency(&mut inputs.currencies, c);
            }
            tracing::debug!(
                seconds = started.elapsed().as_secs_f64(),
                "value inputs: large tables read"
            );
        }
        inputs.currencies.sort();
        Ok(inputs)
    }

    /// Stores a refresh: its run row, one snapshot per customer and the roll-ups, in one transaction.
    /// Returns the run id.
    pub async fn save_value_run(
        &self,
        info: &RefreshRunInfo,
        assessment: &ValueAssessment,
    ) -> Result<i64, StoreError> {
        let models = serde_json::to_value(&assessment.models).unwrap_or_default();
        let warnings = serde_json::to_value(&assessment.warnings).unwrap_or_default();
        with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let run_id: i64 = sqlx::query_scalar(
                "INSERT INTO refresh_runs (as_of, started_at, finished_at, customers, currency, purchase_model, \
                 horizon_months, annual_discount_rate, complaint_handling_cost_minor, profitability_cut_minor, \
                 potential_cut_minor, models, warnings) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
            )
            .bind(info.as_of)
            .bind(info.started_at)
            .bind(info.finished_at)
            .bind(assessment.customers.len() as i64)
            .bind(&info.currency)
            .bind(&info.purchase_model)
            .bind(i64::from(info.horizon_months))
            .bind(info.annual_discount_rate)
            .bind(info.complaint_handling_cost_minor)
            .bind(assessment.profitability_cut)
            .bind(assessment.potential_cut)
            .bind(&models)
            .bind(&warnings)
            .fetch_one(&mut *tx)
            .await?;

            for chunk in assessment.customers.chunks(SNAPSHOTS_PER_STATEMENT) {
                let mut qb = sqlx::QueryBuilder::new(format!("INSERT INTO customer_value_snapshots ({SNAPSHOT_COLUMNS}) "));
                qb.push_values(chunk, |mut b, c: &CustomerValue| {
                    b.push_bind(run_id).push_bind(c.customer);
                    for v in pnl_values(&c.pnl) {
                        b.push_bind(v);
                    }
                    b.push_bind(c.purchases_clv)
                        .push_bind(c.contracts_clv)
                        .push_bind(c.service_clv)
                        .push_bind(c.clv())
                        .push_bind(c.p_alive)
                        .push_bind(i64::from(c.running_contracts))
                        .push_bind(c.strategy.quadrant())
                        .push_bind(c.strategy.as_str());
                });
                qb.build().execute(&mut *tx).await?;
            }

            let products: HashMap<i64, String> = sqlx::query_as("SELECT id, external_id FROM products")
                .fetch_all(&mut *tx)
                .await?
                .into_iter()
                .collect();
            let channels: HashMap<i64, String> = sqlx::query_as("SELECT id, external_id FROM channels")
                .fetch_all(&mut *tx)
                .await?
                .into_iter()
                .collect();
            let name = |names: &HashMap<i64, String>, id: &Option<i64>| {
                id.and_then(|i| names.get(&i).cloned()).unwrap_or_default()
            };
            let r = &assessment.rollups;
            let mut rows: Vec<(&str, String, &Pnl)> = Vec::new();
            rows.extend(r.by_product.iter().map(|(k, p)| ("product", name(&products, k), p)));
            rows.extend(r.by_channel.iter().map(|(k, p)| ("channel", name(&channels, k), p)));
            rows.extend(r.by_month.iter().map(|(k, p)| ("month", k.to_string(), p)));
            for chunk in rows.chunks(SNAPSHOTS_PER_STATEMENT) {
                let mut qb = sqlx::QueryBuilder::new(format!("INSERT INTO pnl_rollups (run_id, dimension, key, {PNL_COLUMNS}) "));
                qb.push_values(chunk, |mut b, (dimension, key, pnl)| {
                    b.push_bind(run_id).push_bind(*dimension).push_bind(key.clone());
                    for v in pnl_values(pnl) {
                        b.push_bind(v);
                    }
                });
                qb.build().execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok(run_id)
        })
    }

    /// Every refresh, oldest first.
    pub async fn refresh_runs(&self) -> Result<Vec<RefreshRun>, StoreError> {
        let sql = "SELECT id, as_of, started_at, finished_at, currency, purchase_model, horizon_months, \
                   annual_discount_rate, complaint_handling_cost_minor, customers, profitability_cut_minor, \
                   potential_cut_minor, warnings FROM refresh_runs ORDER BY id";
        with_pool!(self, pool => {
            let rows = sqlx::query(sql).fetch_all(pool).await?;
            let mut runs = Vec::with_capacity(rows.len());
            for r in rows {
                let warnings: serde_json::Value = r.try_get(12)?;
                runs.push(RefreshRun {
                    id: r.try_get(0)?,
                    info: RefreshRunInfo {
                        as_of: r.try_get(1)?,
                        started_at: r.try_get(2)?,
                        finished_at: r.try_get(3)?,
                        currency: r.try_get(4)?,
                        purchase_model: r.try_get(5)?,
                        horizon_months: r.try_get::<i64, _>(6)? as u32,
                        annual_discount_rate: r.try_get(7)?,
                        complaint_handling_cost_minor: r.try_get(8)?,
                    },
                    customers: r.try_get(9)?,
                    profitability_cut_minor: r.try_get(10)?,
                    potential_cut_minor: r.try_get(11)?,
                    warnings: serde_json::from_value(warnings).unwrap_or_default(),
                });
            }
            Ok(runs)
        })
    }

    /// The value report of run `run_id`, or of the latest run; None when there is no such run.
    pub async fn value_report(
        &self,
        run_id: Option<i64>,
    ) -> Result<Option<ValueReport>, StoreError> {
        let runs = self.refresh_runs().await?;
        let position = match run_id {
            Some(id) => runs.iter().position(|r| r.id == id),
            None => runs.len().checked_sub(1),
        };
        let Some(position) = position else {
            return Ok(None);
        };
        let run = runs[position].clone();
        let previous_run = position.checked_sub(1).map(|p| runs[p].id);
        with_pool!(self, pool => {
            let mut cells = Vec::new();
            for r in sqlx::query(
                "SELECT strategy, quadrant, COUNT(*), CAST(SUM(revenue_minor) AS BIGINT), \
                 CAST(SUM(gross_margin_minor) AS BIGINT), CAST(SUM(cost_to_serve_minor) AS BIGINT), \
                 CAST(SUM(net_minor) AS BIGINT), CAST(SUM(clv_minor) AS BIGINT) FROM customer_value_snapshots \
                 WHERE run_id = $1 GROUP BY strategy, quadrant ORDER BY quadrant DESC",
            )
            .bind(run.id)
            .fetch_all(pool)
            .await?
            {
                cells.push(MatrixCell {
                    strategy: r.try_get(0)?,
                    quadrant: r.try_get(1)?,
                    customers: r.try_get(2)?,
                    revenue_minor: r.try_get(3)?,
                    gross_margin_minor: r.try_get(4)?,
                    cost_to_serve_minor: r.try_get(5)?,
                    net_minor: r.try_get(6)?,
                    clv_minor: r.try_get(7)?,
                });
            }
            let mut moves = Vec::new();
            if let Some(previous) = previous_run {
                for r in sqlx::query(
                    "SELECT a.strategy, b.strategy, COUNT(*) FROM customer_value_snapshots a \
                     JOIN customer_value_snapshots b ON b.customer_id = a.customer_id AND b.run_id = $2 \
                     WHERE a.run_id = $1 GROUP BY a.strategy, b.strategy ORDER BY a.strategy, b.strategy",
                )
                .bind(previous)
                .bind(run.id)
                .fetch_all(pool)
                .await?
                {
                    moves.push(StrategyMove { from: r.try_get(0)?, to: r.try_get(1)?, customers: r.try_get(2)? });
                }
            }
            let sql = format!(
                "SELECT dimension, key, {PNL_COLUMNS} FROM pnl_rollups WHERE run_id = $1 ORDER BY dimension, key"
            );
            let mut rollups = Vec::new();
            for r in sqlx::query(sqlx::AssertSqlSafe(sql)).bind(run.id).fetch_all(pool).await? {
                rollups.push(RollupRow { dimension: r.try_get(0)?, key: r.try_get(1)?, pnl: pnl_from(&r, 2)? });
            }
            Ok(Some(ValueReport { run, cells, previous_run, moves, rollups }))
        })
    }

    /// A customer's snapshots over the runs, oldest first: its trajectory across the value matrix.
    pub async fn customer_value_history(
        &self,
        external_id: &str,
    ) -> Result<Vec<ValueSnapshot>, StoreError> {
        let sql = format!(
            "SELECT s.run_id, r.as_of, {PNL_COLUMNS}, s.purchases_clv_minor, s.contracts_clv_minor, s.p_alive, \
             s.running_contracts, s.quadrant, s.strategy, r.currency, s.service_clv_minor, s.clv_minor FROM customer_value_snapshots s \
             JOIN refresh_runs r ON r.id = s.run_id JOIN customers c ON c.id = s.customer_id \
             WHERE c.external_id = $1 ORDER BY s.run_id"
        );
        with_pool!(self, pool => {
            let mut out = Vec::new();
            for r in sqlx::query(sqlx::AssertSqlSafe(sql)).bind(external_id).fetch_all(pool).await? {
                out.push(ValueSnapshot {
                    run_id: r.try_get(0)?,
                    as_of: r.try_get(1)?,
                    pnl: pnl_from(&r, 2)?,
                    purchases_clv_minor: r.try_get(14)?,
                    contracts_clv_minor: r.try_get(15)?,
                    p_alive: r.try_get(16)?,
                    running_contracts: r.try_get(17)?,
                    quadrant: r.try_get(18)?,
                    strategy: r.try_get(19)?,
                    currency: r.try_get(20)?,
                    service_clv_minor: r.try_get(21)?,
                    clv_minor: r.try_get(22)?,
                });
            }
            Ok(out)
        })
    }
}

/// The twelve P&L columns of [`PNL_COLUMNS`] starting at column `first`.
fn pnl_from<R: Row>(row: &R, first: usize) -> Result<Pnl, sqlx::Error>
where
    usize: sqlx::ColumnIndex<R>,
    i64: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    let v = |k: usize| row.try_get::<i64, _>(first + k);
    // Derived columns (revenue, gross margin, cost to serve, net) are stored for SQL readers only.
    Ok(Pnl {
        sales: v(0)?,
        refunds: v(1)?,
        contract_fees: v(2)?,
        product_cost: v(4)?,
        interaction_cost: v(6)?,
        complaint_cost: v(7)?,
        compensation: v(8)?,
        campaign_cost: v(9)?,
    })
}
