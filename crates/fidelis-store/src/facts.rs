//! What the rules need to know about customers, read from the store: each customer's profile, value
//! snapshot, RFM inputs, contracts, complaints, satisfaction, contacts and segment memberships
//! ([`CustomerFacts`], one query per table for the whole base or one customer), the contact history
//! and consents the contact policy weighs ([`PolicyInputs`]), and the dated records the event
//! detectors replay ([`DetectorInputs`]). [`to_facts`] turns a [`CustomerFacts`] into the
//! `fidelis_rules::Facts` that conditions read.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Days, NaiveDate, NaiveDateTime, TimeDelta, Utc};
use fidelis_domain::Currency;
use fidelis_rules::detect::{ComplaintInfo, LifeEventRecord, ProductLaunch, UsageSeries};
use fidelis_rules::{
    Channel, ConsentChannel, ConsentRecord, ContactRecord, FactSchema, Facts, Purpose, Value,
};
use serde::Serialize;
use sqlx::Row;

use crate::error::StoreError;
use crate::store::{Store, with_pool};
use crate::value::{day_of_date, day_of_timestamp};

/// A customer's value in the latest refresh on or before the date asked.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ValueFacts {
    pub run_id: i64,
    pub as_of: NaiveDate,
    /// Net profitability to date (rentabilité), minor units.
    pub net_minor: i64,
    pub gross_margin_minor: i64,
    /// Lifetime value: expected future margin (potentiel), minor units.
    pub clv_minor: i64,
    /// `<profitability>_<potential>`, e.g. `low_high`.
    pub quadrant: String,
    /// `multi_equipment`, `loyalty`, `retention`, `termination`.
    pub strategy: String,
}

/// One customer's facts as stored, as of a date. Money in minor units of `currency`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CustomerFacts {
    /// Internal id.
    #[serde(skip)]
    pub id: i64,
    pub external_id: String,
    pub birth_date: Option<NaiveDate>,
    pub gender: Option<String>,
    pub postcode: Option<String>,
    pub city: Option<String>,
    pub country: String,
    pub income_band: Option<String>,
    pub assets_band: Option<String>,
    pub solvent: bool,
    pub status: String,
    pub acquisition_date: Option<NaiveDate>,
    /// External id of the acquisition channel.
    pub acquisition_channel: Option<String>,
    pub has_email: bool,
    pub has_phone: bool,
    /// External ids of the products bought or held, sorted.
    pub products: Vec<String>,
    /// Their categories, sorted, without repeats.
    pub categories: Vec<String>,
    pub value: Option<ValueFacts>,
    /// Sales up to the date (RFM frequency).
    pub purchases: i64,
    /// Sales minus refunds up to the date (RFM monetary), minor units.
    pub spend_minor: i64,
    /// Day of the last sale (RFM recency).
    pub last_purchase: Option<NaiveDate>,
    /// Contracts running on the date.
    pub active_contracts: i64,
    pub monthly_fee_minor: i64,
    /// The nearest end of commitment on or after the date among running contracts.
    pub next_contract_end: Option<NaiveDate>,
    /// Complaints not resolved on the date.
    pub complaints_open: i64,
    /// Complaints opened in the 90 days up to the date.
    pub complaints_last_90_days: i64,
    /// Latest NPS answer on or before the date.
    pub nps: Option<i64>,
    /// Outgoing contacts (outbound interactions) in the 30 days up to the date.
    pub contacts_last_30_days: i64,
    /// Day of the last outgoing contact.
    pub last_contact: Option<NaiveDate>,
    /// Probability of departure from the active churn model's latest scores made as of the date or
    /// before (later scores would leak the future into a backtest).
    pub churn_risk: Option<f64>,
    /// Its reasons, in words, strongest first.
    pub churn_reasons: Vec<String>,
    /// (segmentation, segment) of the latest segment refresh on or before the date.
    pub segments: Vec<(String, String)>,
    /// Currency of the money fields (the value refresh's, else the data's).
    pub currency: String,
}

impl CustomerFacts {
    /// Minor units → currency units.
    pub fn units(&self, minor: i64) -> f64 {
        let exponent = Currency::parse(&self.currency).map_or(2, |c| c.exponent());
        minor as f64 / 10f64.powi(exponent as i32)
    }

    /// The segment of a segmentation in the latest segment refresh.
    pub fn segment(&self, segmentation: &str) -> Option<&str> {
        self.segments
            .iter()
            .find(|(s, _)| s == segmentation)
            .map(|(_, name)| name.as_str())
    }
}

/// A customer's outgoing contacts and consents, for the contact policy.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PolicyInputs {
    pub contacts: Vec<ContactRecord>,
    pub consents: Vec<ConsentRecord>,
}

/// A contract as the contract-end detector replays it day by day.
#[derive(Debug, Clone, PartialEq)]
pub struct ContractDates {
    pub customer_id: String,
    pub contract_id: String,
    pub start: NaiveDate,
    pub end: Option<NaiveDate>,
    pub cancelled_on: Option<NaiveDate>,
    pub status: String,
}

impl ContractDates {
    /// Whether the contract runs on `day`: started, not cancelled yet, and not past an end it did not
    /// renew past (an `active` contract past its end date renewed tacitly).
    pub fn runs_on(&self, day: NaiveDate) -> bool {
        self.start <= day
            && self.cancelled_on.is_none_or(|c| c > day)
            && (self.status == "active" || self.end.is_none_or(|e| e >= day))
    }
}

/// An inbound contact (a call, a visit), replayed as an `inbound_call` event.
#[derive(Debug, Clone, PartialEq)]
pub struct InboundContact {
    pub customer_id: String,
    /// UTC.
    pub at: NaiveDateTime,
    /// The channel's kind (`call_centre`, `store`, `web`, ...).
    pub channel: String,
    pub operation: String,
}

/// The dated records the event detectors read, for a period.
#[derive(Debug, Clone, Default)]
pub struct DetectorInputs {
    pub contracts: Vec<ContractDates>,
    pub complaints: Vec<ComplaintInfo>,
    pub life_events: Vec<LifeEventRecord>,
    pub usage: Vec<UsageSeries>,
    /// Customer → days of sales, ascending.
    pub purchase_days: Vec<(String, Vec<NaiveDate>)>,
    pub launches: Vec<ProductLaunch>,
    pub inbound: Vec<InboundContact>,
}

/// Midnight UTC after `day`: timestamps strictly before it are on or before `day`.
fn end_of(day: NaiveDate) -> DateTime<Utc> {
    day.checked_add_days(Days::new(1))
        .unwrap_or(day)
        .and_hms_opt(0, 0, 0)
        .map(|t| t.and_utc())
        .unwrap_or_default()
}

fn date_of(day_number: i64) -> Option<NaiveDate> {
    // 719 163 days from 0001-01-01 (day 1 of the common era) to 1970-01-01.
    NaiveDate::from_num_days_from_ce_opt(i32::try_from(day_number + 719_163).ok()?)
}

/// `c.external_id = $n` when a customer is asked, true otherwise; `$n` is bound to an `Option<&str>`.
fn filter(n: u32) -> String {
    format!("(CAST(${n} AS TEXT) IS NULL OR c.external_id = ${n})")
}

impl Store {
    /// Facts of every customer acquired by `as_of` (or of the one customer given), sorted by internal
    /// id; an unknown customer gives an empty list.
    pub async fn customer_facts(
        &self,
        as_of: NaiveDate,
        customer: Option<&str>,
    ) -> Result<Vec<CustomerFacts>, StoreError> {
        let kind = self.backend_kind();
        let before = end_of(as_of);
        let ts = |c: &str| day_of_timestamp(kind, c);
        let date = |c: &str| day_of_date(kind, c);
        with_pool!(self, pool => {
            let currency: Option<String> = sqlx::query_scalar(
                "SELECT currency FROM refresh_runs WHERE as_of <= $1 ORDER BY as_of DESC, id DESC LIMIT 1",
            )
            .bind(as_of)
            .fetch_optional(pool)
            .await?;
            let currency = match currency {
                Some(c) => c,
                None => sqlx::query_scalar::<_, String>("SELECT currency FROM channels ORDER BY id LIMIT 1")
                    .fetch_optional(pool)
                    .await?
                    .unwrap_or_else(|| "EUR".to_owned()),
            };
            let sql = format!(
                "SELECT c.id, c.external_id, c.birth_date, c.gender, c.postcode, c.city, c.country, c.income_band, \
                 c.assets_band, c.solvent, c.status, c.acquisition_date, ch.external_id, c.email IS NOT NULL, \
                 c.phone IS NOT NULL FROM customers c LEFT JOIN channels ch ON ch.id = c.acquisition_channel_id \
                 WHERE {} AND (c.acquisition_date IS NULL OR c.acquisition_date <= $1) ORDER BY c.id",
                filter(2)
            );
            let mut out = Vec::new();
            for r in sqlx::query(sqlx::AssertSqlSafe(sql)).bind(as_of).bind(customer).fetch_all(pool).await? {
                out.push(CustomerFacts {
                    id: r.try_get(0)?,
                    external_id: r.try_get(1)?,
                    birth_date: r.try_get(2)?,
                    gender: r.try_get(3)?,
                    postcode: r.try_get(4)?,
                    city: r.try_get(5)?,
                    country: r.try_get(6)?,
                    income_band: r.try_get(7)?,
                    assets_band: r.try_get(8)?,
                    solvent: r.try_get(9)?,
                    status: r.try_get(10)?,
                    acquisition_date: r.try_get(11)?,
                    acquisition_channel: r.try_get(12)?,
                    has_email: r.try_get(13)?,
                    has_phone: r.try_get(14)?,
                    products: Vec::new(),
                    categories: Vec::new(),
                    value: None,
                    purchases: 0,
                    spend_minor: 0,
                    last_purchase: None,
                    active_contracts: 0,
                    monthly_fee_minor: 0,
                    next_contract_end: None,
                    complaints_open: 0,
                    complaints_last_90_days: 0,
                    nps: None,
                    contacts_last_30_days: 0,
                    last_contact: None,
                    churn_risk: None,
                    churn_reasons: Vec::new(),
                    segments: Vec::new(),
                    currency: currency.clone(),
                });
            }
            let index: HashMap<i64, usize> = out.iter().enumerate().map(|(i, f)| (f.id, i)).collect();
            let at = |id: i64| index.get(&id).copied();

            let sql = format!(
                "SELECT t.customer_id, CAST(SUM(CASE WHEN t.kind = 'sale' THEN 1 ELSE 0 END) AS BIGINT), \
                 CAST(SUM(CASE WHEN t.kind = 'sale' THEN t.amount_minor ELSE -t.amount_minor END) AS BIGINT), \
                 MAX(CASE WHEN t.kind = 'sale' THEN {} END) FROM transactions t JOIN customers c ON c.id = t.customer_id \
                 WHERE {} AND t.occurred_at < $1 GROUP BY t.customer_id",
                ts("t.occurred_at"),
                filter(2)
            );
            for r in sqlx::query(sqlx::AssertSqlSafe(sql)).bind(before).bind(customer).fetch_all(pool).await? {
                if let Some(i) = at(r.try_get(0)?) {
                    out[i].purchases = r.try_get(1)?;
                    out[i].spend_minor = r.try_get(2)?;
                    out[i].last_purchase = r.try_get::<Option<i64>, _>(3)?.and_then(date_of);
                }
            }

            let sql = format!(
                "SELECT DISTINCT x.customer_id, p.external_id, p.category FROM \
                 (SELECT customer_id, product_id FROM transactions WHERE occurred_at < $1 AND kind = 'sale' \
                  UNION SELECT customer_id, product_id FROM contracts WHERE start_date <= $2) x \
                 JOIN products p ON p.id = x.product_id JOIN customers c ON c.id = x.customer_id WHERE {}",
                filter(3)
            );
            for r in sqlx::query(sqlx::AssertSqlSafe(sql)).bind(before).bind(as_of).bind(customer).fetch_all(pool).await? {
                if let Some(i) = at(r.try_get(0)?) {
                    let product: String = r.try_get(1)?;
                    let category: String = r.try_get(2)?;
                    out[i].products.push(product);
                    out[i].categories.push(category);
                }
            }
            for f in &mut out {
                f.products.sort();
                f.products.dedup();
                f.categories.sort();
                f.categories.dedup();
            }

            let sql = format!(
                "SELECT k.customer_id, COUNT(*), CAST(SUM(k.monthly_fee_minor) AS BIGINT), \
                 MIN(CASE WHEN k.end_date >= $1 THEN {} END) FROM contracts k JOIN customers c ON c.id = k.customer_id \
                 WHERE {} AND k.start_date <= $1 AND (k.cancelled_on IS NULL OR k.cancelled_on > $1) \
                 AND (k.status = 'active' OR k.end_date IS NULL OR k.end_date >= $1) GROUP BY k.customer_id",
                date("k.end_date"),
                filter(2)
            );
            for r in sqlx::query(sqlx::AssertSqlSafe(sql)).bind(as_of).bind(customer).fetch_all(pool).await? {
                if let Some(i) = at(r.try_get(0)?) {
                    out[i].active_contracts = r.try_get(1)?;
                    out[i].monthly_fee_minor = r.try_get(2)?;
                    out[i].next_contract_end = r.try_get::<Option<i64>, _>(3)?.and_then(date_of);
                }
            }

            let ninety_days_before = before - TimeDelta::days(90);
            let sql = format!(
                "SELECT k.customer_id, \
                 CAST(SUM(CASE WHEN (k.resolved_at IS NULL AND k.status IN ('open', 'answered')) OR k.resolved_at >= $1 \
                 THEN 1 ELSE 0 END) AS BIGINT), CAST(SUM(CASE WHEN k.opened_at >= $2 THEN 1 ELSE 0 END) AS BIGINT) \
                 FROM complaints k JOIN customers c ON c.id = k.customer_id WHERE {} AND k.opened_at < $1 \
                 GROUP BY k.customer_id",
                filter(3)
            );
            for r in sqlx::query(sqlx::AssertSqlSafe(sql)).bind(before).bind(ninety_days_before).bind(customer).fetch_all(pool).await? {
                if let Some(i) = at(r.try_get(0)?) {
                    out[i].complaints_open = r.try_get(1)?;
                    out[i].complaints_last_90_days = r.try_get(2)?;
                }
            }

            let sql = format!(
                "SELECT s.customer_id, CAST(s.score AS BIGINT) FROM surveys s JOIN customers c ON c.id = s.customer_id \
                 WHERE {} AND s.kind = 'nps' AND s.answered_on <= $1 ORDER BY s.customer_id, s.answered_on, s.id",
                filter(2)
            );
            for r in sqlx::query(sqlx::AssertSqlSafe(sql)).bind(as_of).bind(customer).fetch_all(pool).await? {
                if let Some(i) = at(r.try_get(0)?) {
                    out[i].nps = Some(r.try_get(1)?);
                }
            }

            let thirty_days_before = before - TimeDelta::days(30);
            let sql = format!(
                "SELECT i.customer_id, CAST(SUM(CASE WHEN i.occurred_at >= $2 THEN 1 ELSE 0 END) AS BIGINT), MAX({}) \
                 FROM interactions i JOIN customers c ON c.id = i.customer_id WHERE {} AND i.direction = 'outbound' \
                 AND i.occurred_at < $1 GROUP BY i.customer_id",
                ts("i.occurred_at"),
                filter(3)
            );
            for r in sqlx::query(sqlx::AssertSqlSafe(sql)).bind(before).bind(thirty_days_before).bind(customer).fetch_all(pool).await? {
                if let Some(i) = at(r.try_get(0)?) {
                    out[i].contacts_last_30_days = r.try_get(1)?;
                    out[i].last_contact = r.try_get::<Option<i64>, _>(2)?.and_then(date_of);
                }
            }

            let run: Option<(i64, NaiveDate)> = sqlx::query_as(
                "SELECT id, as_of FROM refresh_runs WHERE as_of <= $1 ORDER BY as_of DESC, id DESC LIMIT 1",
            )
            .bind(as_of)
            .fetch_optional(pool)
            .await?;
            if let Some((run_id, run_as_of)) = run {
                let sql = format!(
                    "SELECT s.customer_id, s.net_minor, s.gross_margin_minor, s.clv_minor, s.quadrant, s.strategy \
                     FROM customer_value_snapshots s JOIN customers c ON c.id = s.customer_id \
                     WHERE s.run_id = $1 AND {}",
                    filter(2)
                );
                for r in sqlx::query(sqlx::AssertSqlSafe(sql)).bind(run_id).bind(customer).fetch_all(pool).await? {
                    if let Some(i) = at(r.try_get(0)?) {
                        out[i].value = Some(ValueFacts {
                            run_id,
                            as_of: run_as_of,
                            net_minor: r.try_get(1)?,
                            gross_margin_minor: r.try_get(2)?,
                            clv_minor: r.try_get(3)?,
                            quadrant: r.try_get(4)?,
                            strategy: r.try_get(5)?,
                        });
                    }
                }
            }

            let sql = format!(
                "SELECT s.customer_id, s.risk, s.reasons FROM churn_scores s \
                 JOIN churn_models m ON m.version = s.model_version AND m.active \
                 JOIN customers c ON c.id = s.customer_id WHERE {} AND s.as_of <= $1",
                filter(2)
            );
            for r in sqlx::query(sqlx::AssertSqlSafe(sql)).bind(as_of).bind(customer).fetch_all(pool).await? {
                if let Some(i) = at(r.try_get(0)?) {
                    let reasons: serde_json::Value = r.try_get(2)?;
                    out[i].churn_risk = Some(r.try_get(1)?);
                    out[i].churn_reasons = reasons
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(|x| x.get("text").and_then(|t| t.as_str()).map(str::to_owned))
                        .collect();
                }
            }

            let segment_run: Option<i64> = sqlx::query_scalar(
                "SELECT id FROM segment_runs WHERE as_of <= $1 ORDER BY as_of DESC, id DESC LIMIT 1",
            )
            .bind(as_of)
            .fetch_optional(pool)
            .await?;
            if let Some(run_id) = segment_run {
                let sql = format!(
                    "SELECT m.customer_id, m.segmentation, m.segment FROM segment_members m \
                     JOIN customers c ON c.id = m.customer_id WHERE m.run_id = $1 AND {} \
                     ORDER BY m.customer_id, m.segmentation, m.segment",
                    filter(2)
                );
                for r in sqlx::query(sqlx::AssertSqlSafe(sql)).bind(run_id).bind(customer).fetch_all(pool).await? {
                    if let Some(i) = at(r.try_get(0)?) {
                        let segmentation: String = r.try_get(1)?;
                        let segment: String = r.try_get(2)?;
                        out[i].segments.push((segmentation, segment));
                    }
                }
            }
            Ok(out)
        })
    }

    /// Outgoing contacts in `[since, until]` (days, UTC) and every consent record, by customer
    /// external id (or for the one customer given). Contacts carry their campaign as source.
    pub async fn policy_inputs(
        &self,
        since: NaiveDate,
        until: NaiveDate,
        customer: Option<&str>,
    ) -> Result<HashMap<String, PolicyInputs>, StoreError> {
        let from = end_of(since) - TimeDelta::days(1);
        let to = end_of(until);
        let mut out: HashMap<String, PolicyInputs> = HashMap::new();
        with_pool!(self, pool => {
            let sql = format!(
                "SELECT c.external_id, i.occurred_at, ch.kind, cp.external_id FROM interactions i \
                 JOIN customers c ON c.id = i.customer_id JOIN channels ch ON ch.id = i.channel_id \
                 LEFT JOIN campaigns cp ON cp.id = i.campaign_id \
                 WHERE {} AND i.direction = 'outbound' AND i.occurred_at >= $1 AND i.occurred_at < $2 \
                 ORDER BY c.external_id, i.occurred_at",
                filter(3)
            );
            for r in sqlx::query(sqlx::AssertSqlSafe(sql)).bind(from).bind(to).bind(customer).fetch_all(pool).await? {
                let id: String = r.try_get(0)?;
                let at: DateTime<Utc> = r.try_get(1)?;
                let kind: String = r.try_get(2)?;
                out.entry(id).or_default().contacts.push(ContactRecord {
                    at: at.naive_utc(),
                    channel: kind.parse::<Channel>().ok(),
                    source: r.try_get(3)?,
                });
            }
            let sql = format!(
                "SELECT c.external_id, k.channel, k.purpose, k.status, k.recorded_at FROM consents k \
                 JOIN customers c ON c.id = k.customer_id WHERE {} ORDER BY c.external_id, k.recorded_at",
                filter(1)
            );
            for r in sqlx::query(sqlx::AssertSqlSafe(sql)).bind(customer).fetch_all(pool).await? {
                let id: String = r.try_get(0)?;
                let channel: String = r.try_get(1)?;
                let purpose: String = r.try_get(2)?;
                let status: String = r.try_get(3)?;
                let at: DateTime<Utc> = r.try_get(4)?;
                // Consent channels and purposes the rules do not know are not policy inputs.
                if let (Ok(channel), Ok(purpose)) =
                    (channel.parse::<ConsentChannel>(), purpose.parse::<Purpose>())
                {
                    out.entry(id).or_default().consents.push(ConsentRecord {
                        channel,
                        purpose,
                        granted: status == "granted",
                        at: at.naive_utc(),
                    });
                }
            }
            Ok::<_, StoreError>(())
        })?;
        Ok(out)
    }

    /// The dated records the detectors replay up to `until` (inbound contacts from `since`), of every
    /// customer or of the one given.
    pub async fn detector_inputs(
        &self,
        since: NaiveDate,
        until: NaiveDate,
        customer: Option<&str>,
    ) -> Result<DetectorInputs, StoreError> {
        let kind = self.backend_kind();
        let before = end_of(until);
        let from = end_of(since) - TimeDelta::days(1);
        let ts = |c: &str| day_of_timestamp(kind, c);
        let mut d = DetectorInputs::default();
        with_pool!(self, pool => {
            for r in sqlx::query(
                "SELECT c.external_id, k.external_id, k.start_date, k.end_date, k.cancelled_on, k.status \
                 FROM contracts k JOIN customers c ON c.id = k.customer_id WHERE k.start_date <= $1 AND (CAST($2 AS TEXT) IS NULL OR c.external_id = $2) \
                 ORDER BY c.external_id, k.external_id",
            )
            .bind(until)
            .bind(customer)
            .fetch_all(pool)
            .await?
            {
                d.contracts.push(ContractDates {
                    customer_id: r.try_get(0)?,
                    contract_id: r.try_get(1)?,
                    start: r.try_get(2)?,
                    end: r.try_get(3)?,
                    cancelled_on: r.try_get(4)?,
                    status: r.try_get(5)?,
                });
            }
            for r in sqlx::query(
                "SELECT c.external_id, k.external_id, k.opened_at, k.first_response_at FROM complaints k \
                 JOIN customers c ON c.id = k.customer_id WHERE k.opened_at < $1 \
                 AND (CAST($2 AS TEXT) IS NULL OR c.external_id = $2) ORDER BY k.opened_at, k.id",
            )
            .bind(before)
            .bind(customer)
            .fetch_all(pool)
            .await?
            {
                let opened: DateTime<Utc> = r.try_get(2)?;
                let answered: Option<DateTime<Utc>> = r.try_get(3)?;
                d.complaints.push(ComplaintInfo {
                    customer_id: r.try_get(0)?,
                    complaint_id: r.try_get(1)?,
                    opened_at: opened.naive_utc(),
                    // A response after the period is not known yet in it.
                    first_response_at: answered.filter(|a| *a < before).map(|a| a.naive_utc()),
                });
            }
            for r in sqlx::query(
                "SELECT c.external_id, e.kind, e.occurred_on FROM life_events e JOIN customers c ON c.id = e.customer_id \
                 WHERE (CAST($1 AS TEXT) IS NULL OR c.external_id = $1) ORDER BY e.occurred_on, e.id",
            )
            .bind(customer)
            .fetch_all(pool)
            .await?
            {
                d.life_events.push(LifeEventRecord { customer_id: r.try_get(0)?, kind: r.try_get(1)?, date: r.try_get(2)? });
            }
            let mut series: Vec<UsageSeries> = Vec::new();
            for r in sqlx::query(
                "SELECT c.external_id, u.metric, u.period, u.value FROM usage u JOIN customers c ON c.id = u.customer_id \
                 WHERE u.period <= $1 AND (CAST($2 AS TEXT) IS NULL OR c.external_id = $2) \
                 ORDER BY c.external_id, u.metric, u.period",
            )
            .bind(until)
            .bind(customer)
            .fetch_all(pool)
            .await?
            {
                let customer: String = r.try_get(0)?;
                let metric: String = r.try_get(1)?;
                let month: (NaiveDate, f64) = (r.try_get(2)?, r.try_get(3)?);
                match series.last_mut() {
                    Some(s) if s.customer_id == customer && s.metric == metric => s.months.push(month),
                    _ => series.push(UsageSeries { customer_id: customer, metric, months: vec![month] }),
                }
            }
            d.usage = series;
            let sql = format!(
                "SELECT DISTINCT c.external_id, {} FROM transactions t JOIN customers c ON c.id = t.customer_id \
                 WHERE t.kind = 'sale' AND t.occurred_at < $1 AND {} ORDER BY 1, 2",
                ts("t.occurred_at"),
                filter(2)
            );
            for r in sqlx::query(sqlx::AssertSqlSafe(sql)).bind(before).bind(customer).fetch_all(pool).await? {
                let customer: String = r.try_get(0)?;
                let Some(day) = date_of(r.try_get(1)?) else { continue };
                match d.purchase_days.last_mut() {
                    Some((c, days)) if *c == customer => days.push(day),
                    _ => d.purchase_days.push((customer, vec![day])),
                }
            }
            for r in sqlx::query(
                "SELECT external_id, category, launch_date FROM products WHERE launch_date IS NOT NULL ORDER BY launch_date, external_id",
            )
            .fetch_all(pool)
            .await?
            {
                d.launches.push(ProductLaunch { product_id: r.try_get(0)?, category: r.try_get(1)?, launch_date: r.try_get(2)? });
            }
            for r in sqlx::query(
                "SELECT c.external_id, i.occurred_at, ch.kind, i.operation FROM interactions i \
                 JOIN customers c ON c.id = i.customer_id JOIN channels ch ON ch.id = i.channel_id \
                 WHERE i.direction = 'inbound' AND i.occurred_at >= $1 AND i.occurred_at < $2 \
                 AND (CAST($3 AS TEXT) IS NULL OR c.external_id = $3) ORDER BY i.occurred_at, i.id",
            )
            .bind(from)
            .bind(before)
            .bind(customer)
            .fetch_all(pool)
            .await?
            {
                let at: DateTime<Utc> = r.try_get(1)?;
                d.inbound.push(InboundContact {
                    customer_id: r.try_get(0)?,
                    at: at.naive_utc(),
                    channel: r.try_get(2)?,
                    operation: r.try_get(3)?,
                });
            }
            Ok::<_, StoreError>(())
        })?;
        Ok(d)
    }
}

/// The schema of the facts [`to_facts`] fills: the standard facts and the behavioural cluster of
/// the latest segment refresh.
pub fn schema() -> FactSchema {
    let mut schema = FactSchema::standard();
    schema.declare(
        "cluster",
        fidelis_rules::Kind::String,
        "behavioural cluster of the latest segment refresh (c1, c2, ...)",
    );
    schema
}

/// A customer's facts for the rules, as of `as_of`. RFM scores and rule segments come from the
/// latest segment refresh (`rfm`, `rfm_code` and `rules` memberships) when there is one; callers that
/// score the whole base themselves overwrite them.
pub fn to_facts(f: &CustomerFacts, schema: &Arc<FactSchema>, as_of: NaiveDate) -> Facts {
    let mut facts = Facts::new(Arc::clone(schema));
    let mut set = |name: &str, value: Value| {
        if let Some((slot, kind)) = schema.lookup(name)
            && value.kind().is_none_or(|k| k == kind)
        {
            facts.set_slot(slot, value);
        }
    };
    let text = |s: &Option<String>| s.clone().map_or(Value::Absent, Value::String);
    let list = |v: &[String]| Value::List(v.iter().map(|s| Value::String(s.clone())).collect());
    let days = |d: NaiveDate| (as_of - d).num_days() as f64;
    set("profile.birth_date", f.birth_date.into());
    set("profile.gender", text(&f.gender));
    set("profile.postcode", text(&f.postcode));
    set("profile.city", text(&f.city));
    set("profile.country", f.country.clone().into());
    set("profile.income_band", text(&f.income_band));
    set("profile.assets_band", text(&f.assets_band));
    set("profile.solvent", f.solvent.into());
    set("profile.status", f.status.clone().into());
    set("profile.acquisition_date", f.acquisition_date.into());
    set("profile.acquisition_channel", text(&f.acquisition_channel));
    set("profile.tenure_days", f.acquisition_date.map(days).into());
    set("profile.has_email", f.has_email.into());
    set("profile.has_phone", f.has_phone.into());
    set("profile.products", list(&f.products));
    set("profile.categories", list(&f.categories));
    if let Some(v) = &f.value {
        set("value.margin_to_date", f.units(v.net_minor).into());
        set("value.potential", f.units(v.clv_minor).into());
        set("value.clv", f.units(v.clv_minor).into());
        set("value.strategy", v.strategy.clone().into());
        set("value.segment", v.quadrant.clone().into());
    }
    set("rfm.recency_days", f.last_purchase.map(days).into());
    set("rfm.frequency", (f.purchases as f64).into());
    set("rfm.monetary", f.units(f.spend_minor).into());
    if let Some(code) = f.segment("rfm_code") {
        let digits: Vec<f64> = code
            .chars()
            .filter_map(|c| c.to_digit(10).map(f64::from))
            .collect();
        if let [r, fr, m] = digits[..] {
            set("rfm.r", r.into());
            set("rfm.f", fr.into());
            set("rfm.m", m.into());
            set("rfm.code", code.into());
        }
    }
    if let Some(segment) = f.segment("rfm") {
        set("rfm.segment", segment.into());
    }
    set(
        "contract.days_to_end",
        f.next_contract_end.map(|d| -days(d)).into(),
    );
    set("contract.active_count", (f.active_contracts as f64).into());
    set("contract.monthly_fee", f.units(f.monthly_fee_minor).into());
    set("complaints.open", (f.complaints_open as f64).into());
    set(
        "complaints.last_90_days",
        (f.complaints_last_90_days as f64).into(),
    );
    set("satisfaction.nps", f.nps.map(|n| n as f64).into());
    set("score.churn_risk", f.churn_risk.into());
    if f.churn_risk.is_some() {
        set("score.churn_reasons", list(&f.churn_reasons));
    }
    set(
        "contacts.last_30_days",
        (f.contacts_last_30_days as f64).into(),
    );
    set("contacts.days_since_last", f.last_contact.map(days).into());
    let rule_segments: Vec<String> = f
        .segments
        .iter()
        .filter(|(s, _)| s == "rules")
        .map(|(_, n)| n.clone())
        .collect();
    set("segments", list(&rule_segments));
    if let Some(cluster) = f.segment("cluster") {
        set("cluster", cluster.into());
    }
    facts
}
