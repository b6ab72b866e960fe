//! Departure (churn) and acquisition models in the store: every customer's history in the form the
//! feature factory reads (one streamed query per table, never one per customer; a SQLite file
//! through a read-only rusqlite connection, several times faster than sqlx on millions of rows),
//! the same for one range of customer row ids (runs over a large base go range by range), one
//! customer's history for alert time, the model registry (versioned models with their metrics and
//! feature lists, one active per kind) and the latest departure scores with their reasons, saved
//! at once or range by range.
//!
//! The histories include the departure alerts and the agents' outcomes (`alerts` table): the
//! feedback the next training learns from.
//!
//! The agent screen reads a score on its hot path: [`Store::churn_score`] is one query walking the
//! unique index on `customers.external_id` and the primary key of `churn_scores`.

use chrono::{DateTime, NaiveDate, Utc};
use fidelis_analytics::churn::{
    AlertOutcome, AlertRow, Band, ChannelKind, ComplaintRow, ConsentChannel, ConsentPurpose,
    ConsentRow, ContractRow, ContractStatus, CustomerHistory, Day, Direction, FeatureConfig,
    InteractionRow, LifeEventKind, LifeEventRow, Month, Operation, Profile, SurveyKind, SurveyRow,
    Timestamp, TransactionKind, TransactionRow, UsageMetric, UsageRow,
};
use fidelis_domain::Currency;
use futures_util::TryStreamExt;
use serde::{Deserialize, Serialize};
use sqlx::Row;
use std::collections::HashMap;
use std::ops::Range;
use std::path::Path;

use crate::error::StoreError;
use crate::store::{BackendKind, Store, with_pool};

/// A customer of the loaded base, in the order of [`ChurnHistories::histories`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChurnCustomer {
    /// The store's row id (what [`ScoreRow::customer`] takes).
    pub id: i64,
    /// The source's id.
    pub external_id: String,
    /// Stored status (`active`, `inactive`, `churned`, `prospect`).
    pub status: String,
}

/// Every customer's history, ready for the feature factory.
#[derive(Debug, Clone)]
pub struct ChurnHistories {
    /// The product categories that [`TransactionRow::category`] and [`ContractRow::category`] index.
    pub config: FeatureConfig,
    /// The customers, by increasing row id.
    pub customers: Vec<ChurnCustomer>,
    /// Their histories, in the same order, with every row the store holds (the factory censors).
    pub histories: Vec<CustomerHistory>,
    /// The last day any row is dated (usage months count on their last day); None without rows.
    pub last_day: Option<NaiveDate>,
}

/// What a model predicts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ModelKind {
    /// Departure within a horizon (`fidelis train churn`).
    Churn,
    /// Expected first-year profit of a new customer (`fidelis train acquisition`).
    Acquisition,
}

impl ModelKind {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            ModelKind::Churn => "churn",
            ModelKind::Acquisition => "acquisition",
        }
    }

    /// Parses the stored name.
    pub fn parse(text: &str) -> Option<ModelKind> {
        match text {
            "churn" => Some(ModelKind::Churn),
            "acquisition" => Some(ModelKind::Acquisition),
            _ => None,
        }
    }
}

/// A trained model to register.
#[derive(Debug, Clone, PartialEq)]
pub struct NewModel {
    /// What it predicts.
    pub kind: ModelKind,
    /// When it was trained.
    pub created_at: DateTime<Utc>,
    /// The date of the data it was trained on (labels end the day before).
    pub as_of: NaiveDate,
    /// Departure horizon (churn) or target period (acquisition), days.
    pub horizon_days: Option<i64>,
    /// Snapshot dates of the training rows (churn) or cohort bounds (acquisition).
    pub snapshots: Vec<NaiveDate>,
    /// Training parameters and options (including the product categories of the features).
    pub params: serde_json::Value,
    /// Feature names, in the model's column order.
    pub feature_names: Vec<String>,
    /// Evaluation: metrics, ROC and lift curve points, importance, reduction.
    pub metrics: serde_json::Value,
    /// The serialised model.
    pub model_json: String,
    /// Make it the active model of its kind (the previous active one is kept, inactive).
    pub activate: bool,
}

/// A registered model, without the model itself (for lists).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelInfo {
    /// Version number, increasing across kinds.
    pub version: i64,
    /// What it predicts.
    pub kind: ModelKind,
    /// When it was trained.
    pub created_at: DateTime<Utc>,
    /// Date of its data.
    pub as_of: NaiveDate,
    /// Horizon in days.
    pub horizon_days: Option<i64>,
    /// Snapshot dates.
    pub snapshots: Vec<NaiveDate>,
    /// Parameters.
    pub params: serde_json::Value,
    /// Feature names.
    pub feature_names: Vec<String>,
    /// Metrics.
    pub metrics: serde_json::Value,
    /// Whether it is the active model of its kind.
    pub active: bool,
}

/// A registered model with its serialised form.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredModel {
    /// What the registry says of it.
    #[serde(flatten)]
    pub info: ModelInfo,
    /// The model, as JSON text exactly as saved.
    pub model_json: String,
}

/// One reason of a score: a feature that raised the risk, in words.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoreReason {
    /// Feature name.
    pub feature: String,
    /// "calls down 62 % vs 6-month baseline".
    pub text: String,
    /// Contribution to the log-odds of departure.
    pub contribution: f64,
}

/// A customer's latest departure score.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChurnScore {
    /// The customer's external id.
    pub customer_id: String,
    /// The model that scored it.
    pub model_version: i64,
    /// Date of the features.
    pub as_of: NaiveDate,
    /// Probability of departure within the model's horizon.
    pub risk: f64,
    /// The main reasons, strongest first.
    pub reasons: Vec<ScoreReason>,
}

/// One score to write.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoreRow {
    /// The customer's row id ([`ChurnCustomer::id`]).
    pub customer: i64,
    /// Probability of departure.
    pub risk: f64,
    /// Reasons, strongest first.
    pub reasons: Vec<ScoreReason>,
}

/// Customers of the latest scores whose risk falls in [lower, upper).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RiskBand {
    /// Lower bound (included).
    pub lower: f64,
    /// Upper bound (excluded; the last band includes 1).
    pub upper: f64,
    /// Customers.
    pub customers: i64,
}

/// A customer as known at sign-up, for the acquisition model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SignupRecord {
    /// The store's row id.
    pub id: i64,
    /// The source's id.
    pub external_id: String,
    /// When the customer was acquired.
    pub acquisition_date: Option<NaiveDate>,
    /// Date of birth.
    pub birth_date: Option<NaiveDate>,
    /// Income band.
    pub income_band: Option<String>,
    /// Assets band.
    pub assets_band: Option<String>,
    /// Postcode.
    pub postcode: Option<String>,
    /// `F`, `M` or `X`.
    pub gender: Option<String>,
    /// Kind of the acquisition channel.
    pub acquisition_channel: Option<String>,
}

/// Risk bands of [`Store::risk_distribution`]: ten bands of ten points.
const RISK_BANDS: i64 = 10;

/// Score rows per INSERT: 6 parameters each stays below SQLite's 32,766.
const SCORES_PER_STATEMENT: usize = 1_000;

/// Seconds since 1970 of a UTC timestamp column, per backend.
fn seconds(kind: BackendKind, column: &str) -> String {
    match kind {
        // RFC 3339 text, which SQLite's date functions read with its offset.
        BackendKind::Sqlite => format!("CAST(strftime('%s', {column}) AS INTEGER)"),
        BackendKind::Postgres => format!("CAST(EXTRACT(EPOCH FROM {column}) AS BIGINT)"),
    }
}

/// Day number of a date column, per backend.
fn day_number(kind: BackendKind, column: &str) -> String {
    match kind {
        BackendKind::Sqlite => format!("CAST(julianday({column}) - 2440587.5 AS INTEGER)"),
        BackendKind::Postgres => format!("CAST({column} - DATE '1970-01-01' AS BIGINT)"),
    }
}

/// Month number (year × 12 + month − 1) of a period column (a month's first day).
fn month_number(kind: BackendKind, column: &str) -> String {
    match kind {
        BackendKind::Sqlite => format!(
            "CAST(substr({column}, 1, 4) AS INTEGER) * 12 + CAST(substr({column}, 6, 2) AS INTEGER) - 1"
        ),
        BackendKind::Postgres => format!(
            "CAST(EXTRACT(YEAR FROM {column}) * 12 + EXTRACT(MONTH FROM {column}) - 1 AS BIGINT)"
        ),
    }
}

fn to_naive(day: Day) -> Option<NaiveDate> {
    let (y, m, d) = day.ymd();
    NaiveDate::from_ymd_opt(y, m, d)
}

/// The day number of a date (what analytics call a [`Day`]).
pub fn day_of(date: NaiveDate) -> Day {
    use chrono::Datelike;
    Day::from_ymd(date.year(), date.month(), date.day())
}

/// The date of a day number.
pub fn date_of(day: Day) -> NaiveDate {
    to_naive(day).unwrap_or_default()
}

/// Which customers a history read covers.
#[derive(Debug, Clone)]
enum Scope<'a> {
    /// Every customer.
    All,
    /// One customer, by external id.
    One(&'a str),
    /// The customers whose row id is in the range.
    Ids(Range<i64>),
}

/// The SQL of each table read, with the filter of a [`Scope`]: none, `customer_id = $1`, or
/// `customer_id >= $1 AND customer_id < $2`. Rows come in whatever order the plan gives (a table
/// scan is twice as fast as walking the customer index for `usage`): [`Builder::finish`] puts each
/// customer's rows in one canonical order, so a customer's rows are the same, in the same order,
/// whether read alone, in a range or with everybody, through sqlx or rusqlite, on either backend —
/// sums over them give bit-identical features.
struct Queries {
    customers: String,
    usage: String,
    transactions: String,
    contracts: String,
    interactions: String,
    complaints: String,
    life_events: String,
    consents: String,
    surveys: String,
    alerts: String,
}

impl Queries {
    fn new(kind: BackendKind, scope: &Scope<'_>) -> Queries {
        let ts = |c: &str| seconds(kind, c);
        let date = |c: &str| day_number(kind, c);
        let (filter, customer_filter) = match scope {
            Scope::All => ("", ""),
            Scope::One(_) => (" WHERE customer_id = $1", " WHERE external_id = $1"),
            Scope::Ids(_) => (
                " WHERE customer_id >= $1 AND customer_id < $2",
                " WHERE id >= $1 AND id < $2",
            ),
        };
        Queries {
            customers: format!(
                "SELECT id, external_id, status, {}, {}, income_band, assets_band, \
                 CAST(CASE WHEN solvent THEN 1 ELSE 0 END AS BIGINT) FROM customers{customer_filter} ORDER BY id",
                date("birth_date"),
                date("acquisition_date"),
            ),
            usage: format!(
                "SELECT customer_id, {}, metric, value FROM usage{filter}",
                month_number(kind, "period")
            ),
            transactions: format!(
                "SELECT customer_id, product_id, channel_id, {}, kind, amount_minor, cost_minor, currency \
                 FROM transactions{filter}",
                ts("occurred_at")
            ),
            contracts: format!(
                "SELECT customer_id, product_id, {}, {}, status, monthly_fee_minor, currency, {} \
                 FROM contracts{filter}",
                date("start_date"),
                date("end_date"),
                date("cancelled_on")
            ),
            interactions: format!(
                "SELECT customer_id, channel_id, direction, operation, {}, duration_seconds \
                 FROM interactions{filter}",
                ts("occurred_at")
            ),
            complaints: format!(
                "SELECT customer_id, {}, {}, {}, compensation_minor, currency FROM complaints{filter}",
                ts("opened_at"),
                ts("first_response_at"),
                ts("resolved_at")
            ),
            life_events: format!(
                "SELECT customer_id, kind, {} FROM life_events{filter}",
                date("occurred_on")
            ),
            consents: format!(
                "SELECT customer_id, channel, purpose, status, {} FROM consents{filter}",
                ts("recorded_at")
            ),
            surveys: format!(
                "SELECT customer_id, {}, kind, score FROM surveys{filter}",
                date("answered_on")
            ),
            // The offer's cost as shown (JSON), only when an offer was shown.
            alerts: format!(
                "SELECT customer_id, {}, CASE WHEN offer_id IS NULL THEN NULL ELSE COALESCE({}, 0.0) END, \
                 outcome, {} FROM alerts{filter}",
                ts("raised_at"),
                match kind {
                    BackendKind::Sqlite => "CAST(json_extract(offer, '$.cost') AS REAL)",
                    BackendKind::Postgres => "CAST(offer->>'cost' AS DOUBLE PRECISION)",
                },
                ts("outcome_at")
            ),
        }
    }
}

/// Fills the histories from rows of any table, finding each row's customer by row id.
struct Builder {
    config: FeatureConfig,
    ids: Vec<i64>,
    customers: Vec<ChurnCustomer>,
    histories: Vec<CustomerHistory>,
    categories: HashMap<i64, u16>,
    channels: HashMap<i64, ChannelKind>,
    /// Last currency code seen and its divisor (minor → major units).
    currency: (String, f64),
    last_day: Option<i32>,
}

impl Builder {
    /// A builder resolving `products` (id, category) against the given categories (None: the
    /// store's, sorted) and `channels` (id, kind).
    fn new(
        categories: Option<&[String]>,
        products: Vec<(i64, String)>,
        channels: Vec<(i64, String)>,
    ) -> Builder {
        let config = match categories {
            Some(c) => FeatureConfig {
                product_categories: c.to_vec(),
            },
            None => {
                let mut names: Vec<String> = products.iter().map(|(_, c)| c.clone()).collect();
                names.sort();
                names.dedup();
                FeatureConfig {
                    product_categories: names,
                }
            }
        };
        let categories = products
            .iter()
            .filter_map(|(id, c)| config.category_index(c).map(|i| (*id, i)))
            .collect();
        let channels = channels
            .into_iter()
            .filter_map(|(id, k)| ChannelKind::parse(&k).map(|k| (id, k)))
            .collect();
        Builder {
            config,
            ids: Vec::new(),
            customers: Vec::new(),
            histories: Vec::new(),
            categories,
            channels,
            currency: (String::new(), 100.0),
            last_day: None,
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn customer(
        &mut self,
        id: i64,
        external_id: String,
        status: String,
        birth: Option<i64>,
        acquired: Option<i64>,
        income: Option<&str>,
        assets: Option<&str>,
        solvent: i64,
    ) {
        self.ids.push(id);
        self.customers.push(ChurnCustomer {
            id,
            external_id,
            status,
        });
        self.histories.push(CustomerHistory {
            profile: Profile {
                birth_date: birth.map(|d| Day(d as i32)),
                acquisition_date: acquired.map(|d| Day(d as i32)),
                income_band: income.and_then(Band::parse),
                assets_band: assets.and_then(Band::parse),
                solvent: solvent != 0,
            },
            ..CustomerHistory::default()
        });
    }

    fn finish(mut self) -> ChurnHistories {
        for h in &mut self.histories {
            canonical_order(h);
        }
        ChurnHistories {
            config: self.config,
            customers: self.customers,
            histories: self.histories,
            last_day: self.last_day.and_then(|d| to_naive(Day(d))),
        }
    }

    fn slot(&mut self, customer: i64) -> Option<&mut CustomerHistory> {
        let i = self.ids.binary_search(&customer).ok()?;
        self.histories.get_mut(i)
    }

    fn seen(&mut self, day: i32) {
        self.last_day = Some(self.last_day.map_or(day, |d| d.max(day)));
    }

    fn major(&mut self, minor: i64, code: &str) -> f64 {
        if self.currency.0 != code {
            let exponent = Currency::parse(code).map(|c| c.exponent()).unwrap_or(2);
            self.currency = (code.to_owned(), 10f64.powi(exponent as i32));
        }
        minor as f64 / self.currency.1
    }

    fn usage(&mut self, customer: i64, month: i64, metric: &str, value: f64) {
        let Some(metric) = UsageMetric::parse(metric) else {
            return;
        };
        let period = Month(month as i32);
        self.seen(period.last_day().0);
        if let Some(h) = self.slot(customer) {
            h.usage.push(UsageRow {
                period,
                metric,
                value,
            });
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn transaction(
        &mut self,
        customer: i64,
        product: i64,
        channel: Option<i64>,
        time: i64,
        kind: &str,
        amount: i64,
        cost: i64,
        currency: &str,
    ) {
        let kind = match kind {
            "refund" => TransactionKind::Refund,
            _ => TransactionKind::Sale,
        };
        let (amount, cost) = (self.major(amount, currency), self.major(cost, currency));
        let category = self.categories.get(&product).copied();
        let channel = channel.and_then(|c| self.channels.get(&c).copied());
        let time = Timestamp(time);
        self.seen(time.day().0);
        if let Some(h) = self.slot(customer) {
            h.transactions.push(TransactionRow {
                time,
                amount,
                cost,
                kind,
                category,
                channel,
            });
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn contract(
        &mut self,
        customer: i64,
        product: i64,
        start: i64,
        end: Option<i64>,
        status: &str,
        fee: i64,
        currency: &str,
        cancelled: Option<i64>,
    ) {
        let status = match status {
            "cancelled" => ContractStatus::Cancelled,
            "ended" => ContractStatus::Ended,
            _ => ContractStatus::Active,
        };
        let monthly_fee = self.major(fee, currency);
        let category = self.categories.get(&product).copied();
        if let Some(d) = cancelled {
            self.seen(d as i32);
        }
        if let Some(h) = self.slot(customer) {
            h.contracts.push(ContractRow {
                start: Day(start as i32),
                end: end.map(|d| Day(d as i32)),
                status,
                monthly_fee,
                cancelled_on: cancelled.map(|d| Day(d as i32)),
                category,
            });
        }
    }

    fn interaction(
        &mut self,
        customer: i64,
        channel: i64,
        direction: &str,
        operation: &str,
        time: i64,
        duration: i64,
    ) {
        let (Some(&channel), Some(operation)) =
            (self.channels.get(&channel), Operation::parse(operation))
        else {
            return;
        };
        let direction = match direction {
            "outbound" => Direction::Outbound,
            _ => Direction::Inbound,
        };
        let time = Timestamp(time);
        self.seen(time.day().0);
        if let Some(h) = self.slot(customer) {
            h.interactions.push(InteractionRow {
                time,
                channel,
                direction,
                operation,
                duration_seconds: duration.clamp(0, i64::from(u32::MAX)) as u32,
            });
        }
    }

    fn complaint(
        &mut self,
        customer: i64,
        opened: i64,
        first_response: Option<i64>,
        resolved: Option<i64>,
        compensation: i64,
        currency: &str,
    ) {
        let compensation = self.major(compensation, currency);
        self.seen(Timestamp(opened).day().0);
        if let Some(h) = self.slot(customer) {
            h.complaints.push(ComplaintRow {
                opened: Timestamp(opened),
                first_response: first_response.map(Timestamp),
                resolved: resolved.map(Timestamp),
                compensation,
            });
        }
    }

    fn life_event(&mut self, customer: i64, kind: &str, date: i64) {
        let Some(kind) = LifeEventKind::parse(kind) else {
            return;
        };
        self.seen(date as i32);
        if let Some(h) = self.slot(customer) {
            h.life_events.push(LifeEventRow {
                kind,
                date: Day(date as i32),
            });
        }
    }

    fn consent(&mut self, customer: i64, channel: &str, purpose: &str, status: &str, time: i64) {
        let (Some(channel), Some(purpose)) = (
            ConsentChannel::parse(channel),
            ConsentPurpose::parse(purpose),
        ) else {
            return;
        };
        if let Some(h) = self.slot(customer) {
            h.consents.push(ConsentRow {
                channel,
                purpose,
                granted: status == "granted",
                date: Timestamp(time).day(),
            });
        }
    }

    fn alert(
        &mut self,
        customer: i64,
        raised: i64,
        offer_cost: Option<f64>,
        outcome: Option<&str>,
        outcome_at: Option<i64>,
    ) {
        // Alerts are the company's own doing: they do not move the last dated day of the data.
        if let Some(h) = self.slot(customer) {
            h.alerts.push(AlertRow {
                raised: Timestamp(raised),
                offer_cost,
                outcome: outcome.and_then(AlertOutcome::parse),
                outcome_at: outcome_at.map(Timestamp),
            });
        }
    }

    fn survey(&mut self, customer: i64, date: i64, kind: &str, score: i64) {
        let Some(kind) = SurveyKind::parse(kind) else {
            return;
        };
        self.seen(date as i32);
        if let Some(h) = self.slot(customer) {
            h.surveys.push(SurveyRow {
                date: Day(date as i32),
                kind,
                score: score.clamp(0, 255) as u8,
            });
        }
    }
}

/// Sorts each kind of row of a history by all its fields (times first), so that the order does not
/// depend on the order the database returned them in. Rows equal in every field are interchangeable.
fn canonical_order(h: &mut CustomerHistory) {
    let f = |x: f64| x.to_bits();
    h.usage
        .sort_unstable_by_key(|u| (u.period, u.metric as u8, f(u.value)));
    h.transactions.sort_unstable_by_key(|t| {
        (
            t.time,
            t.kind as u8,
            t.category,
            t.channel.map(|c| c as u8),
            f(t.amount),
            f(t.cost),
        )
    });
    h.contracts.sort_unstable_by_key(|c| {
        (
            c.start,
            c.end,
            c.cancelled_on,
            c.status as u8,
            f(c.monthly_fee),
            c.category,
        )
    });
    h.interactions.sort_unstable_by_key(|i| {
        (
            i.time,
            i.channel as u8,
            i.direction as u8,
            i.operation as u8,
            i.duration_seconds,
        )
    });
    h.complaints
        .sort_unstable_by_key(|c| (c.opened, c.first_response, c.resolved, f(c.compensation)));
    h.life_events
        .sort_unstable_by_key(|e| (e.date, e.kind as u8));
    h.consents
        .sort_unstable_by_key(|c| (c.channel as u8, c.purpose as u8, c.date, c.granted));
    h.surveys
        .sort_unstable_by_key(|s| (s.date, s.kind as u8, s.score));
    h.alerts.sort_unstable_by_key(|a| {
        (
            a.raised,
            a.outcome_at,
            a.outcome.map(|o| o as u8),
            a.offer_cost.map(f),
        )
    });
}

/// Streams the rows of `$sql` (binding the `i64`s of `$binds`) through `$pool`, running `$body` on each.
macro_rules! each_row {
    ($pool:expr, $sql:expr, $binds:expr, |$r:ident| $body:block) => {{
        let mut query = sqlx::query(sqlx::AssertSqlSafe($sql.as_str()));
        for value in $binds {
            query = query.bind(*value);
        }
        let mut stream = query.fetch($pool);
        while let Some($r) = stream.try_next().await? {
            $body
        }
    }};
}

/// Reads every table of `q` into `b` through rusqlite, binding `binds` (the id range, if any).
/// This is the SQLite file's path: sqlx decodes about half a million rows a second here, a prepared
/// rusqlite statement several times that (BENCHMARKS.md).
fn read_rows_sqlite(
    conn: &rusqlite::Connection,
    q: &Queries,
    binds: &[i64],
    b: &mut Builder,
) -> rusqlite::Result<()> {
    let params = || rusqlite::params_from_iter(binds.iter());
    let mut statement = conn.prepare(&q.customers)?;
    let mut rows = statement.query(params())?;
    while let Some(r) = rows.next()? {
        b.customer(
            r.get(0)?,
            r.get(1)?,
            r.get(2)?,
            r.get(3)?,
            r.get(4)?,
            r.get_ref(5)?.as_str_or_null()?,
            r.get_ref(6)?.as_str_or_null()?,
            r.get(7)?,
        );
    }
    let mut statement = conn.prepare(&q.usage)?;
    let mut rows = statement.query(params())?;
    while let Some(r) = rows.next()? {
        b.usage(r.get(0)?, r.get(1)?, r.get_ref(2)?.as_str()?, r.get(3)?);
    }
    let mut statement = conn.prepare(&q.transactions)?;
    let mut rows = statement.query(params())?;
    while let Some(r) = rows.next()? {
        b.transaction(
            r.get(0)?,
            r.get(1)?,
            r.get(2)?,
            r.get(3)?,
            r.get_ref(4)?.as_str()?,
            r.get(5)?,
            r.get(6)?,
            r.get_ref(7)?.as_str()?,
        );
    }
    let mut statement = conn.prepare(&q.contracts)?;
    let mut rows = statement.query(params())?;
    while let Some(r) = rows.next()? {
        b.contract(
            r.get(0)?,
            r.get(1)?,
            r.get(2)?,
            r.get(3)?,
            r.get_ref(4)?.as_str()?,
            r.get(5)?,
            r.get_ref(6)?.as_str()?,
            r.get(7)?,
        );
    }
    let mut statement = conn.prepare(&q.interactions)?;
    let mut rows = statement.query(params())?;
    while let Some(r) = rows.next()? {
        b.interaction(
            r.get(0)?,
            r.get(1)?,
            r.get_ref(2)?.as_str()?,
            r.get_ref(3)?.as_str()?,
            r.get(4)?,
            r.get(5)?,
        );
    }
    let mut statement = conn.prepare(&q.complaints)?;
    let mut rows = statement.query(params())?;
    while let Some(r) = rows.next()? {
        b.complaint(
            r.get(0)?,
            r.get(1)?,
            r.get(2)?,
            r.get(3)?,
            r.get(4)?,
            r.get_ref(5)?.as_str()?,
        );
    }
    let mut statement = conn.prepare(&q.life_events)?;
    let mut rows = statement.query(params())?;
    while let Some(r) = rows.next()? {
        b.life_event(r.get(0)?, r.get_ref(1)?.as_str()?, r.get(2)?);
    }
    let mut statement = conn.prepare(&q.consents)?;
    let mut rows = statement.query(params())?;
    while let Some(r) = rows.next()? {
        b.consent(
            r.get(0)?,
            r.get_ref(1)?.as_str()?,
            r.get_ref(2)?.as_str()?,
            r.get_ref(3)?.as_str()?,
            r.get(4)?,
        );
    }
    let mut statement = conn.prepare(&q.surveys)?;
    let mut rows = statement.query(params())?;
    while let Some(r) = rows.next()? {
        b.survey(r.get(0)?, r.get(1)?, r.get_ref(2)?.as_str()?, r.get(3)?);
    }
    let mut statement = conn.prepare(&q.alerts)?;
    let mut rows = statement.query(params())?;
    while let Some(r) = rows.next()? {
        b.alert(
            r.get(0)?,
            r.get(1)?,
            r.get(2)?,
            r.get_ref(3)?.as_str_or_null()?,
            r.get(4)?,
        );
    }
    Ok(())
}

/// The histories of `ids` (None: everybody) in a SQLite file, through a read-only rusqlite
/// connection of its own. Blocking: run it on a blocking thread.
fn read_histories_sqlite(
    file: &Path,
    categories: Option<&[String]>,
    ids: Option<Range<i64>>,
) -> Result<ChurnHistories, StoreError> {
    let read = || -> rusqlite::Result<ChurnHistories> {
        let conn = rusqlite::Connection::open_with_flags(
            file,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.busy_timeout(std::time::Duration::from_secs(30))?;
        // One read transaction: every table is read from the same snapshot of the file.
        conn.execute_batch("BEGIN")?;
        let pairs = |sql: &str| -> rusqlite::Result<Vec<(i64, String)>> {
            let mut statement = conn.prepare(sql)?;
            let rows = statement.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
            rows.collect()
        };
        let mut b = Builder::new(
            categories,
            pairs("SELECT id, category FROM products")?,
            pairs("SELECT id, kind FROM channels")?,
        );
        let (scope, binds) = match &ids {
            Some(r) => (Scope::Ids(r.clone()), vec![r.start, r.end]),
            None => (Scope::All, Vec::new()),
        };
        read_rows_sqlite(
            &conn,
            &Queries::new(BackendKind::Sqlite, &scope),
            &binds,
            &mut b,
        )?;
        conn.execute_batch("COMMIT")?;
        Ok(b.finish())
    };
    read().map_err(|source| StoreError::Sqlite {
        path: file.to_owned(),
        source,
    })
}

impl Store {
    /// Every customer's history, with every row the store holds. `categories`: the product
    /// categories to index (those of a trained model); None takes the store's categories, sorted.
    /// A SQLite file is read through rusqlite, anything else through sqlx, with the same queries.
    pub async fn churn_histories(
        &self,
        categories: Option<&[String]>,
    ) -> Result<ChurnHistories, StoreError> {
        self.read_histories(categories, None).await
    }

    /// The histories of the customers whose row id is in `ids` (see [`Store::churn_id_ranges`]),
    /// exactly as [`Store::churn_histories`] gives them. `last_day` is that of these customers' rows.
    pub async fn churn_histories_range(
        &self,
        categories: Option<&[String]>,
        ids: Range<i64>,
    ) -> Result<ChurnHistories, StoreError> {
        self.read_histories(categories, Some(ids)).await
    }

    /// [`Store::churn_histories_range`] through sqlx whatever the backend: the portable path, kept
    /// callable so that the SQLite file's fast path can be checked against it.
    pub async fn churn_histories_range_sqlx(
        &self,
        categories: Option<&[String]>,
        ids: Range<i64>,
    ) -> Result<ChurnHistories, StoreError> {
        let scope = Scope::Ids(ids);
        self.load_histories(categories, &scope).await
    }

    async fn read_histories(
        &self,
        categories: Option<&[String]>,
        ids: Option<Range<i64>>,
    ) -> Result<ChurnHistories, StoreError> {
        let started = std::time::Instant::now();
        let loaded = match &self.sqlite_file {
            Some(file) => {
                let (file, categories) = (file.clone(), categories.map(<[String]>::to_vec));
                tokio::task::spawn_blocking(move || {
                    read_histories_sqlite(&file, categories.as_deref(), ids)
                })
                .await
                .map_err(|e| StoreError::Corrupt(format!("the history reader stopped: {e}")))??
            }
            None => {
                let scope = ids.map_or(Scope::All, Scope::Ids);
                self.load_histories(categories, &scope).await?
            }
        };
        tracing::debug!(
            seconds = started.elapsed().as_secs_f64(),
            customers = loaded.customers.len(),
            "churn histories read"
        );
        Ok(loaded)
    }

    /// Row-id ranges of consecutive customers, `per_range` customers each (the last one fewer), in
    /// increasing order and covering every customer: what a run over the whole base goes through
    /// one range at a time, so that only one range's histories are held at once.
    pub async fn churn_id_ranges(&self, per_range: usize) -> Result<Vec<Range<i64>>, StoreError> {
        let ids: Vec<i64> = with_pool!(self, pool => {
            sqlx::query_scalar("SELECT id FROM customers ORDER BY id").fetch_all(pool).await?
        });
        Ok(ids
            .chunks(per_range.max(1))
            .map(|chunk| chunk[0]..chunk[chunk.len() - 1] + 1)
            .collect())
    }

    /// The last day any row of the histories is dated, as [`ChurnHistories::last_day`] of a read of
    /// everybody gives it, without reading the histories; None without rows.
    pub async fn churn_last_day(&self) -> Result<Option<NaiveDate>, StoreError> {
        let kind = self.backend_kind();
        let sql = [
            format!("SELECT MAX({}) FROM usage", month_number(kind, "period")),
            format!(
                "SELECT MAX({}) FROM transactions",
                seconds(kind, "occurred_at")
            ),
            format!(
                "SELECT MAX({}) FROM contracts",
                day_number(kind, "cancelled_on")
            ),
            format!(
                "SELECT MAX({}) FROM interactions",
                seconds(kind, "occurred_at")
            ),
            format!("SELECT MAX({}) FROM complaints", seconds(kind, "opened_at")),
            format!(
                "SELECT MAX({}) FROM life_events",
                day_number(kind, "occurred_on")
            ),
            format!(
                "SELECT MAX({}) FROM surveys",
                day_number(kind, "answered_on")
            ),
        ];
        let mut maxima = [None::<i64>; 7];
        with_pool!(self, pool => {
            for (m, sql) in maxima.iter_mut().zip(sql) {
                *m = sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).fetch_one(pool).await?;
            }
        });
        let [
            usage,
            transactions,
            contracts,
            interactions,
            complaints,
            life_events,
            surveys,
        ] = maxima;
        let day_of_seconds = |s: Option<i64>| s.map(|s| Timestamp(s).day().0);
        let days = [
            usage.map(|m| Month(m as i32).last_day().0),
            day_of_seconds(transactions),
            contracts.map(|d| d as i32),
            day_of_seconds(interactions),
            day_of_seconds(complaints),
            life_events.map(|d| d as i32),
            surveys.map(|d| d as i32),
        ];
        Ok(days
            .into_iter()
            .flatten()
            .max()
            .and_then(|d| to_naive(Day(d))))
    }

    /// One customer's history (for alert-time scoring), by external id; None for an unknown id.
    pub async fn customer_history(
        &self,
        external_id: &str,
        categories: Option<&[String]>,
    ) -> Result<Option<(ChurnCustomer, CustomerHistory)>, StoreError> {
        let mut loaded = self
            .load_histories(categories, &Scope::One(external_id))
            .await?;
        match (loaded.customers.pop(), loaded.histories.pop()) {
            (Some(c), Some(h)) => Ok(Some((c, h))),
            _ => Ok(None),
        }
    }

    /// The histories of `scope` through sqlx.
    async fn load_histories(
        &self,
        categories: Option<&[String]>,
        scope: &Scope<'_>,
    ) -> Result<ChurnHistories, StoreError> {
        let q = Queries::new(self.backend_kind(), scope);
        with_pool!(self, pool => {
            let products: Vec<(i64, String)> = sqlx::query_as("SELECT id, category FROM products")
                .fetch_all(pool)
                .await?;
            let channels: Vec<(i64, String)> = sqlx::query_as("SELECT id, kind FROM channels")
                .fetch_all(pool)
                .await?;
            let mut b = Builder::new(categories, products, channels);
            let mut query = sqlx::query(sqlx::AssertSqlSafe(q.customers.as_str()));
            match scope {
                Scope::All => {}
                Scope::One(external_id) => query = query.bind(*external_id),
                Scope::Ids(ids) => query = query.bind(ids.start).bind(ids.end),
            }
            let mut stream = query.fetch(pool);
            while let Some(r) = stream.try_next().await? {
                b.customer(
                    r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, r.try_get(3)?,
                    r.try_get(4)?, r.try_get(5)?, r.try_get(6)?, r.try_get(7)?,
                );
            }
            drop(stream);
            let binds: Vec<i64> = match scope {
                Scope::All => Vec::new(),
                Scope::One(_) => match b.ids.first() {
                    Some(&id) => vec![id],
                    None => return Ok(b.finish()),
                },
                Scope::Ids(ids) => vec![ids.start, ids.end],
            };
            each_row!(pool, q.usage, &binds, |r| {
                b.usage(r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, r.try_get(3)?);
            });
            each_row!(pool, q.transactions, &binds, |r| {
                b.transaction(
                    r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, r.try_get(3)?,
                    r.try_get(4)?, r.try_get(5)?, r.try_get(6)?, r.try_get(7)?,
                );
            });
            each_row!(pool, q.contracts, &binds, |r| {
                b.contract(
                    r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, r.try_get(3)?,
                    r.try_get(4)?, r.try_get(5)?, r.try_get(6)?, r.try_get(7)?,
                );
            });
            each_row!(pool, q.interactions, &binds, |r| {
                b.interaction(
                    r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, r.try_get(3)?, r.try_get(4)?, r.try_get(5)?,
                );
            });
            each_row!(pool, q.complaints, &binds, |r| {
                b.complaint(
                    r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, r.try_get(3)?, r.try_get(4)?, r.try_get(5)?,
                );
            });
            each_row!(pool, q.life_events, &binds, |r| {
                b.life_event(r.try_get(0)?, r.try_get(1)?, r.try_get(2)?);
            });
            each_row!(pool, q.consents, &binds, |r| {
                b.consent(r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, r.try_get(3)?, r.try_get(4)?);
            });
            each_row!(pool, q.surveys, &binds, |r| {
                b.survey(r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, r.try_get(3)?);
            });
            each_row!(pool, q.alerts, &binds, |r| {
                b.alert(r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, r.try_get(3)?, r.try_get(4)?);
            });
            Ok(b.finish())
        })
    }

    /// Registers a model; with `activate`, makes it the active one of its kind in the same
    /// transaction. Returns its version.
    pub async fn save_model(&self, model: &NewModel) -> Result<i64, StoreError> {
        let snapshots = serde_json::to_value(&model.snapshots).unwrap_or_default();
        let features = serde_json::to_value(&model.feature_names).unwrap_or_default();
        let _turn = self.write_turn().await;
        with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            if model.activate {
                sqlx::query("UPDATE churn_models SET active = $1 WHERE kind = $2 AND active")
                    .bind(false)
                    .bind(model.kind.as_str())
                    .execute(&mut *tx)
                    .await?;
            }
            let version: i64 = sqlx::query_scalar(
                "INSERT INTO churn_models (kind, created_at, as_of, horizon_days, snapshots, params, features, \
                 metrics, model, active) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING version",
            )
            .bind(model.kind.as_str())
            .bind(model.created_at)
            .bind(model.as_of)
            .bind(model.horizon_days)
            .bind(&snapshots)
            .bind(&model.params)
            .bind(&features)
            .bind(&model.metrics)
            .bind(&model.model_json)
            .bind(model.activate)
            .fetch_one(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(version)
        })
    }

    /// Makes `version` the active model of its kind; false when there is no such version.
    pub async fn activate_model(&self, version: i64) -> Result<bool, StoreError> {
        let _turn = self.write_turn().await;
        with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let kind: Option<String> = sqlx::query_scalar("SELECT kind FROM churn_models WHERE version = $1")
                .bind(version)
                .fetch_optional(&mut *tx)
                .await?;
            let Some(kind) = kind else {
                return Ok(false);
            };
            sqlx::query("UPDATE churn_models SET active = $1 WHERE kind = $2 AND active")
                .bind(false)
                .bind(&kind)
                .execute(&mut *tx)
                .await?;
            sqlx::query("UPDATE churn_models SET active = $1 WHERE version = $2")
                .bind(true)
                .bind(version)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(true)
        })
    }

    /// The active model of `kind`, if any.
    pub async fn active_model(&self, kind: ModelKind) -> Result<Option<StoredModel>, StoreError> {
        self.stored_model("kind = $1 AND active", ModelBind::Kind(kind))
            .await
    }

    /// Model `version`, if it exists.
    pub async fn model(&self, version: i64) -> Result<Option<StoredModel>, StoreError> {
        self.stored_model("version = $1", ModelBind::Version(version))
            .await
    }

    async fn stored_model(
        &self,
        condition: &'static str,
        bind: ModelBind,
    ) -> Result<Option<StoredModel>, StoreError> {
        let sql = format!("SELECT {MODEL_COLUMNS}, model FROM churn_models WHERE {condition}");
        with_pool!(self, pool => {
            let query = sqlx::query(sqlx::AssertSqlSafe(sql));
            let query = match bind {
                ModelBind::Kind(k) => query.bind(k.as_str()),
                ModelBind::Version(v) => query.bind(v),
            };
            let Some(r) = query.fetch_optional(pool).await? else {
                return Ok(None);
            };
            let info = model_info(
                r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, r.try_get(3)?, r.try_get(4)?,
                r.try_get(5)?, r.try_get(6)?, r.try_get(7)?, r.try_get(8)?, r.try_get(9)?,
            )?;
            Ok(Some(StoredModel {
                info,
                model_json: r.try_get(10)?,
            }))
        })
    }

    /// Every model of `kind`, newest first, without the models themselves.
    pub async fn models(&self, kind: ModelKind) -> Result<Vec<ModelInfo>, StoreError> {
        let sql = format!(
            "SELECT {MODEL_COLUMNS} FROM churn_models WHERE kind = $1 ORDER BY version DESC"
        );
        with_pool!(self, pool => {
            let mut out = Vec::new();
            for r in sqlx::query(sqlx::AssertSqlSafe(sql)).bind(kind.as_str()).fetch_all(pool).await? {
                out.push(model_info(
                    r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, r.try_get(3)?, r.try_get(4)?,
                    r.try_get(5)?, r.try_get(6)?, r.try_get(7)?, r.try_get(8)?, r.try_get(9)?,
                )?);
            }
            Ok(out)
        })
    }

    /// Replaces the departure scores by those of model `version` as of `as_of`, in one transaction:
    /// readers see the previous scores until the commit, then only the new ones. Deciles are ranks
    /// of the risk among the rows given (1: the riskiest tenth). Returns the rows written.
    pub async fn save_churn_scores(
        &self,
        version: i64,
        as_of: NaiveDate,
        scores: &[ScoreRow],
    ) -> Result<usize, StoreError> {
        self.replace_scores(version, as_of, None, scores).await
    }

    /// Replaces the scores of the customers whose row id is in `ids` (one of
    /// [`Store::churn_id_ranges`]) by `scores`, in one short transaction: a run over the whole base
    /// saves range by range, so neither the scores nor SQLite's write lock are held for the whole
    /// run. A customer's score is always whole, from this run or the previous one. The deciles
    /// written are ranks within the range until [`Store::rank_churn_scores`] ranks them all.
    pub async fn save_churn_scores_range(
        &self,
        version: i64,
        as_of: NaiveDate,
        ids: Range<i64>,
        scores: &[ScoreRow],
    ) -> Result<usize, StoreError> {
        if let Some(s) = scores.iter().find(|s| !ids.contains(&s.customer)) {
            return Err(StoreError::Invalid(format!(
                "score of customer row {} outside the range {}..{}",
                s.customer, ids.start, ids.end
            )));
        }
        self.replace_scores(version, as_of, Some(ids), scores).await
    }

    /// Sets every score's decile to its rank among all the scores (1: the riskiest tenth; equal
    /// risks by customer row id), as [`Store::save_churn_scores`] ranks the rows it is given.
    pub async fn rank_churn_scores(&self) -> Result<(), StoreError> {
        let sql = "UPDATE churn_scores SET decile = r.decile FROM (SELECT customer_id, \
                   (ROW_NUMBER() OVER (ORDER BY risk DESC, customer_id) - 1) * 10 / COUNT(*) OVER () + 1 AS decile \
                   FROM churn_scores) AS r WHERE churn_scores.customer_id = r.customer_id \
                   AND churn_scores.decile <> r.decile";
        let _turn = self.write_turn().await;
        with_pool!(self, pool => {
            sqlx::query(sql).execute(pool).await?;
        });
        Ok(())
    }

    /// Deletes the scores of `ids` (None: all) and inserts `scores` in one transaction.
    async fn replace_scores(
        &self,
        version: i64,
        as_of: NaiveDate,
        ids: Option<Range<i64>>,
        scores: &[ScoreRow],
    ) -> Result<usize, StoreError> {
        // Ranks by decreasing risk, equal risks by customer row id: what `rank_churn_scores` does.
        let mut order: Vec<usize> = (0..scores.len()).collect();
        order.sort_by(|&a, &b| {
            scores[b]
                .risk
                .total_cmp(&scores[a].risk)
                .then(scores[a].customer.cmp(&scores[b].customer))
        });
        let mut decile = vec![0i64; scores.len()];
        for (rank, &i) in order.iter().enumerate() {
            decile[i] = (rank * 10 / scores.len().max(1)) as i64 + 1;
        }
        let reasons: Vec<serde_json::Value> = scores
            .iter()
            .map(|s| serde_json::to_value(&s.reasons).unwrap_or_default())
            .collect();
        let _turn = self.write_turn().await;
        with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            match &ids {
                None => {
                    sqlx::query("DELETE FROM churn_scores").execute(&mut *tx).await?;
                }
                Some(ids) => {
                    sqlx::query("DELETE FROM churn_scores WHERE customer_id >= $1 AND customer_id < $2")
                        .bind(ids.start)
                        .bind(ids.end)
                        .execute(&mut *tx)
                        .await?;
                }
            }
            let rows: Vec<usize> = (0..scores.len()).collect();
            for chunk in rows.chunks(SCORES_PER_STATEMENT) {
                let mut qb = sqlx::QueryBuilder::new(
                    "INSERT INTO churn_scores (customer_id, model_version, as_of, risk, decile, reasons) ",
                );
                qb.push_values(chunk, |mut b, &i| {
                    b.push_bind(scores[i].customer)
                        .push_bind(version)
                        .push_bind(as_of)
                        .push_bind(scores[i].risk)
                        .push_bind(decile[i])
                        .push_bind(&reasons[i]);
                });
                qb.build().execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok(scores.len())
        })
    }

    /// The latest departure score of a customer (by external id) from the active churn model;
    /// None when the customer is unknown, not scored, or scored by another model.
    pub async fn churn_score(
        &self,
        customer_external_id: &str,
    ) -> Result<Option<ChurnScore>, StoreError> {
        let sql = "SELECT s.model_version, s.as_of, s.risk, s.reasons FROM customers c \
                   JOIN churn_scores s ON s.customer_id = c.id \
                   JOIN churn_models m ON m.version = s.model_version AND m.active \
                   WHERE c.external_id = $1";
        with_pool!(self, pool => {
            let Some(r) = sqlx::query(sql).bind(customer_external_id).fetch_optional(pool).await? else {
                return Ok(None);
            };
            let reasons: serde_json::Value = r.try_get(3)?;
            Ok(Some(ChurnScore {
                customer_id: customer_external_id.to_owned(),
                model_version: r.try_get(0)?,
                as_of: r.try_get(1)?,
                risk: r.try_get(2)?,
                reasons: serde_json::from_value(reasons)
                    .map_err(|e| StoreError::Corrupt(format!("churn score reasons: {e}")))?,
            }))
        })
    }

    /// Customers of the active churn model's latest scores per risk band of ten points, every band
    /// listed (empty ones with 0).
    pub async fn risk_distribution(&self) -> Result<Vec<RiskBand>, StoreError> {
        let band = match self.backend_kind() {
            BackendKind::Sqlite => "CAST(s.risk * 10 AS INTEGER)",
            BackendKind::Postgres => "CAST(FLOOR(s.risk * 10) AS BIGINT)",
        };
        let sql = format!(
            "SELECT {band} AS band, COUNT(*) FROM churn_scores s \
             JOIN churn_models m ON m.version = s.model_version AND m.active GROUP BY band"
        );
        let counts: Vec<(i64, i64)> = with_pool!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_all(pool).await?
        });
        let mut bands: Vec<RiskBand> = (0..RISK_BANDS)
            .map(|k| RiskBand {
                lower: k as f64 / RISK_BANDS as f64,
                upper: (k + 1) as f64 / RISK_BANDS as f64,
                customers: 0,
            })
            .collect();
        for (band, n) in counts {
            // A risk of exactly 1 falls in the last band.
            let k = band.clamp(0, RISK_BANDS - 1) as usize;
            bands[k].customers += n;
        }
        Ok(bands)
    }
}

impl Store {
    /// Every customer's sign-up attributes, by increasing row id.
    pub async fn signup_records(&self) -> Result<Vec<SignupRecord>, StoreError> {
        let sql = "SELECT c.id, c.external_id, c.acquisition_date, c.birth_date, c.income_band, c.assets_band, \
                   c.postcode, c.gender, ch.kind FROM customers c \
                   LEFT JOIN channels ch ON ch.id = c.acquisition_channel_id ORDER BY c.id";
        with_pool!(self, pool => {
            let mut out = Vec::new();
            let mut rows = sqlx::query(sql).fetch(pool);
            while let Some(r) = rows.try_next().await? {
                out.push(SignupRecord {
                    id: r.try_get(0)?,
                    external_id: r.try_get(1)?,
                    acquisition_date: r.try_get(2)?,
                    birth_date: r.try_get(3)?,
                    income_band: r.try_get(4)?,
                    assets_band: r.try_get(5)?,
                    postcode: r.try_get(6)?,
                    gender: r.try_get(7)?,
                    acquisition_channel: r.try_get(8)?,
                });
            }
            Ok(out)
        })
    }

    /// The active acquisition model, ready to score applicants: (version, model).
    pub async fn active_acquisition_model(
        &self,
    ) -> Result<Option<(i64, fidelis_analytics::acquisition::AcquisitionModel)>, StoreError> {
        let Some(stored) = self.active_model(ModelKind::Acquisition).await? else {
            return Ok(None);
        };
        let model = serde_json::from_str(&stored.model_json).map_err(|e| {
            StoreError::Corrupt(format!("acquisition model {}: {e}", stored.info.version))
        })?;
        Ok(Some((stored.info.version, model)))
    }

    /// The active churn model, ready to score: (stored row, model). The feature factory's product
    /// categories are in `params.categories`.
    pub async fn active_churn_model(
        &self,
    ) -> Result<Option<(StoredModel, fidelis_analytics::churn::GbdtModel)>, StoreError> {
        let Some(stored) = self.active_model(ModelKind::Churn).await? else {
            return Ok(None);
        };
        let model = serde_json::from_str(&stored.model_json).map_err(|e| {
            StoreError::Corrupt(format!("churn model {}: {e}", stored.info.version))
        })?;
        Ok(Some((stored, model)))
    }
}

enum ModelBind {
    Kind(ModelKind),
    Version(i64),
}

const MODEL_COLUMNS: &str = "version, kind, created_at, as_of, horizon_days, snapshots, params, features, metrics, \
    CAST(CASE WHEN active THEN 1 ELSE 0 END AS BIGINT)";

#[allow(clippy::too_many_arguments)]
fn model_info(
    version: i64,
    kind: String,
    created_at: DateTime<Utc>,
    as_of: NaiveDate,
    horizon_days: Option<i64>,
    snapshots: serde_json::Value,
    params: serde_json::Value,
    features: serde_json::Value,
    metrics: serde_json::Value,
    active: i64,
) -> Result<ModelInfo, StoreError> {
    let corrupt =
        |what: &str, e: String| StoreError::Corrupt(format!("churn model {version}: {what}: {e}"));
    Ok(ModelInfo {
        version,
        kind: ModelKind::parse(&kind).ok_or_else(|| corrupt("kind", kind.clone()))?,
        created_at,
        as_of,
        horizon_days,
        snapshots: serde_json::from_value(snapshots)
            .map_err(|e| corrupt("snapshots", e.to_string()))?,
        params,
        feature_names: serde_json::from_value(features)
            .map_err(|e| corrupt("features", e.to_string()))?,
        metrics,
        active: active != 0,
    })
}
