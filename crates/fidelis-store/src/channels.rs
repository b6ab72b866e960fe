//! The channel report: what a contact costs and how often it converts, by channel × operation, and
//! the low-value loyal customers served on costly channels who could move to a cheaper one, with the
//! saving (seed 004). Costs come from the interactions (their own cost, else the channel's cost per
//! contact and per minute); a conversion is a one-off purchase or a new contract by the same customer
//! within [`CONVERSION_DAYS`] after the contact.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use fidelis_domain::Currency;
use fidelis_rules::Channel;
use fidelis_rules::routing::{
    ChannelUse, CheaperChannel, CheaperChannelConfig, cheaper_channel_suggestions,
};
use serde::Serialize;
use sqlx::Row;

use crate::error::StoreError;
use crate::store::{BackendKind, Store, with_pool};

/// Days after a contact within which a purchase or a new contract counts as its conversion.
pub const CONVERSION_DAYS: i64 = 30;

/// One cell of the report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChannelOperation {
    /// The channel's kind (`call_centre`, `email`, `web`, ...).
    pub channel: String,
    pub operation: String,
    pub contacts: i64,
    pub cost_minor: i64,
    pub cost_per_contact_minor: f64,
    /// Contacts followed by a conversion.
    pub conversions: i64,
    pub conversion_rate: f64,
    /// Cost per conversion, when there are any.
    pub cost_per_conversion_minor: Option<f64>,
}

/// The channel report over the year up to the latest interaction.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChannelReport {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub currency: String,
    pub cells: Vec<ChannelOperation>,
    /// Customers whose value suggests a cheaper channel, largest saving first (currency units).
    pub cheaper: Vec<CheaperChannel>,
    /// Σ yearly saving of the suggestions, currency units.
    pub total_saving: f64,
    /// How the suggestions were chosen.
    pub rule: String,
}

/// The cost of an interaction: its own, else the channel's per contact plus per started minute.
const COST: &str = "COALESCE(i.cost_minor, ch.cost_per_contact_minor + ch.cost_per_minute_minor * ((i.duration_seconds + 59) / 60))";

fn conversion_sql(kind: BackendKind) -> String {
    let (after_purchase, after_contract) = match kind {
        BackendKind::Sqlite => (
            "julianday(t.occurred_at) > julianday(i.occurred_at) AND julianday(t.occurred_at) <= julianday(i.occurred_at) + 30",
            "julianday(k.start_date) >= julianday(substr(i.occurred_at, 1, 10)) AND julianday(k.start_date) <= julianday(i.occurred_at) + 30",
        ),
        BackendKind::Postgres => (
            "t.occurred_at > i.occurred_at AND t.occurred_at <= i.occurred_at + INTERVAL '30 days'",
            "k.start_date >= (i.occurred_at AT TIME ZONE 'UTC')::date AND k.start_date <= ((i.occurred_at AT TIME ZONE 'UTC') + INTERVAL '30 days')::date",
        ),
    };
    format!(
        "(EXISTS (SELECT 1 FROM transactions t JOIN products p ON p.id = t.product_id \
           WHERE t.customer_id = i.customer_id AND t.kind = 'sale' AND p.kind = 'one_off' AND {after_purchase}) \
         OR EXISTS (SELECT 1 FROM contracts k WHERE k.customer_id = i.customer_id AND {after_contract}))"
    )
}

impl Store {
    /// The channel report over the 365 days up to the latest interaction. The cheaper channel is the
    /// web; a customer is low-value below the latest value refresh's CLV cut, loyal when active for a
    /// year or more, and served too dearly when contacts cost more than half the margin of the year.
    pub async fn channel_report(&self) -> Result<ChannelReport, StoreError> {
        let kind = self.backend_kind();
        let (last, currency, potential_cut, web_cost): (
            Option<DateTime<Utc>>,
            String,
            Option<i64>,
            Option<f64>,
        ) = with_pool!(self, pool => {
            let last: Option<DateTime<Utc>> = sqlx::query_scalar("SELECT MAX(occurred_at) FROM interactions")
                .fetch_one(pool)
                .await?;
            let currency: Option<String> = sqlx::query_scalar("SELECT currency FROM channels ORDER BY id LIMIT 1")
                .fetch_optional(pool)
                .await?;
            let cut: Option<i64> = sqlx::query_scalar("SELECT potential_cut_minor FROM refresh_runs ORDER BY id DESC LIMIT 1")
                .fetch_optional(pool)
                .await?;
            let web: Option<f64> = sqlx::query_scalar(
                "SELECT CAST(AVG(cost_per_contact_minor) AS DOUBLE PRECISION) FROM channels WHERE kind = 'web'",
            )
            .fetch_one(pool)
            .await?;
            Ok::<_, StoreError>((last, currency.unwrap_or_else(|| "EUR".to_owned()), cut, web))
        })?;
        let exponent = Currency::parse(&currency).map_or(2, |c| c.exponent());
        let units = |minor: f64| minor / 10f64.powi(exponent as i32);
        let rule = "to the web: active customers of a year or more, lifetime value under the value matrix's cut, \
                    whose contacts of the year cost more than half their margin of the year"
            .to_owned();
        let Some(last) = last else {
            return Ok(ChannelReport {
                from: None,
                to: None,
                currency,
                cells: Vec::new(),
                cheaper: Vec::new(),
                total_saving: 0.0,
                rule,
            });
        };
        let to = last + TimeDelta::seconds(1);
        let from = last - TimeDelta::days(365);
        let cells_sql = format!(
            "SELECT ch.kind, i.operation, COUNT(*), CAST(SUM({COST}) AS BIGINT), \
             CAST(SUM(CASE WHEN {} THEN 1 ELSE 0 END) AS BIGINT) \
             FROM interactions i JOIN channels ch ON ch.id = i.channel_id \
             WHERE i.occurred_at >= $1 AND i.occurred_at < $2 GROUP BY ch.kind, i.operation ORDER BY ch.kind, i.operation",
            conversion_sql(kind)
        );
        let use_sql = "SELECT c.external_id, ch.kind, COUNT(*) FROM interactions i JOIN channels ch ON ch.id = i.channel_id \
             JOIN customers c ON c.id = i.customer_id WHERE i.occurred_at >= $1 AND i.occurred_at < $2 \
             GROUP BY c.external_id, ch.kind";
        let acquired_before = from.date_naive();
        let (cells, uses, customers) = with_pool!(self, pool => {
            let mut cells = Vec::new();
            for r in sqlx::query(sqlx::AssertSqlSafe(cells_sql)).bind(from).bind(to).fetch_all(pool).await? {
                let contacts: i64 = r.try_get(2)?;
                let cost: i64 = r.try_get(3)?;
                let conversions: i64 = r.try_get(4)?;
                cells.push(ChannelOperation {
                    channel: r.try_get(0)?,
                    operation: r.try_get(1)?,
                    contacts,
                    cost_minor: cost,
                    cost_per_contact_minor: cost as f64 / contacts.max(1) as f64,
                    conversions,
                    conversion_rate: conversions as f64 / contacts.max(1) as f64,
                    cost_per_conversion_minor: (conversions > 0).then(|| cost as f64 / conversions as f64),
                });
            }
            let mut uses: Vec<(String, String, i64)> = Vec::new();
            for r in sqlx::query(use_sql).bind(from).bind(to).fetch_all(pool).await? {
                uses.push((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?));
            }
            // Margin of the year (sales minus refunds, less their cost), lifetime value of the latest
            // value refresh, and loyalty, for the customers with contacts.
            let mut customers: HashMap<String, (i64, Option<i64>, bool)> = HashMap::new();
            for r in sqlx::query(
                "SELECT c.external_id, CAST(COALESCE(SUM(CASE WHEN t.kind = 'sale' THEN t.amount_minor - t.cost_minor \
                 ELSE t.cost_minor - t.amount_minor END), 0) AS BIGINT), \
                 MAX(s.clv_minor), MAX(CASE WHEN c.status = 'active' AND c.acquisition_date <= $3 THEN 1 ELSE 0 END) \
                 FROM customers c JOIN (SELECT DISTINCT customer_id FROM interactions WHERE occurred_at >= $1 AND occurred_at < $2) x \
                 ON x.customer_id = c.id \
                 LEFT JOIN transactions t ON t.customer_id = c.id AND t.occurred_at >= $1 AND t.occurred_at < $2 \
                 LEFT JOIN customer_value_snapshots s ON s.customer_id = c.id \
                 AND s.run_id = (SELECT MAX(id) FROM refresh_runs) GROUP BY c.external_id",
            )
            .bind(from)
            .bind(to)
            .bind(acquired_before)
            .fetch_all(pool)
            .await?
            {
                let loyal: i32 = r.try_get(3)?;
                customers.insert(r.try_get(0)?, (r.try_get(1)?, r.try_get(2)?, loyal == 1));
            }
            Ok::<_, StoreError>((cells, uses, customers))
        })?;

        // Cost per contact of each channel kind, measured over the year.
        let mut cost_per_contact: BTreeMap<Channel, f64> = BTreeMap::new();
        let mut totals: BTreeMap<Channel, (i64, i64)> = BTreeMap::new();
        for c in &cells {
            if let Ok(channel) = c.channel.parse::<Channel>() {
                let t = totals.entry(channel).or_default();
                t.0 += c.cost_minor;
                t.1 += c.contacts;
            }
        }
        for (channel, (cost, contacts)) in totals {
            cost_per_contact.insert(channel, units(cost as f64 / contacts.max(1) as f64));
        }
        cost_per_contact
            .entry(Channel::Web)
            .or_insert_with(|| units(web_cost.unwrap_or(0.0)));
        let mut by_customer: BTreeMap<String, BTreeMap<Channel, f64>> = BTreeMap::new();
        for (customer, channel, n) in uses {
            if let Ok(channel) = channel.parse::<Channel>() {
                *by_customer
                    .entry(customer)
                    .or_default()
                    .entry(channel)
                    .or_default() += n as f64;
            }
        }
        let channel_use: Vec<ChannelUse> = by_customer
            .into_iter()
            .filter_map(|(customer_id, contacts_per_year)| {
                let &(margin, clv, loyal) = customers.get(&customer_id)?;
                Some(ChannelUse {
                    customer_id,
                    yearly_margin: units(margin as f64),
                    potential: clv.map_or(f64::INFINITY, |c| units(c as f64)),
                    loyal,
                    contacts_per_year,
                })
            })
            .collect();
        let config = CheaperChannelConfig {
            cost_per_contact,
            target: Channel::Web,
            max_cost_share: 0.5,
            max_potential: potential_cut.map_or(f64::NEG_INFINITY, |c| units(c as f64)),
        };
        let cheaper = cheaper_channel_suggestions(&channel_use, &config);
        let total_saving = cheaper.iter().map(|c| c.yearly_saving).sum();
        Ok(ChannelReport {
            from: Some(from.date_naive()),
            to: Some(last.date_naive()),
            currency,
            cells,
            cheaper,
            total_saving,
            rule,
        })
    }
}

impl Store {
    /// Cost of one contact on each kind of channel (the mean over the channels of that kind), in
    /// currency units, from the channels table.
    pub async fn cost_per_contact_by_kind(&self) -> Result<BTreeMap<String, f64>, StoreError> {
        let rows: Vec<(String, i64, String)> = with_pool!(self, pool => {
            sqlx::query_as("SELECT kind, cost_per_contact_minor, currency FROM channels ORDER BY kind, id")
                .fetch_all(pool)
                .await
        })?;
        let mut sums: BTreeMap<String, (f64, u32)> = BTreeMap::new();
        for (kind, minor, currency) in rows {
            let exponent = Currency::parse(&currency).map_or(2, |c| c.exponent());
            let s = sums.entry(kind).or_default();
            s.0 += minor as f64 / 10f64.powi(exponent as i32);
            s.1 += 1;
        }
        Ok(sums
            .into_iter()
            .map(|(kind, (sum, n))| (kind, sum / f64::from(n.max(1))))
            .collect())
    }
}
