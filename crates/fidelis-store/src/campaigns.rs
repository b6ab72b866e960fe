//! Campaigns in the store: their plans (target, offer, channels, dates, budget, control share,
//! status), the stored assignment of members to treatment or control with their value stratum, the
//! bulk queueing of treated members into the outbox with the policy's suppressions, telesales call
//! tasks in agents' queues, responses, and the impact report (responses attributed within the
//! window after the campaign start, measured by `fidelis_analytics::uplift`).

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Days, NaiveDate, NaiveTime, SecondsFormat, Utc};
use fidelis_analytics::uplift::{Impact, MemberOutcome, campaign_impact};
use serde::Serialize;
use sqlx::Row;
use sqlx::types::Json;

use crate::error::StoreError;
use crate::outbox::{OutboxCounts, RecentContact, SourceKind};
use crate::store::{Store, with_pool};

/// Where a campaign is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CampaignStatus {
    Draft,
    Scheduled,
    Running,
    Done,
}

impl CampaignStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            CampaignStatus::Draft => "draft",
            CampaignStatus::Scheduled => "scheduled",
            CampaignStatus::Running => "running",
            CampaignStatus::Done => "done",
        }
    }

    pub fn parse(s: &str) -> Option<CampaignStatus> {
        Some(match s {
            "draft" => CampaignStatus::Draft,
            "scheduled" => CampaignStatus::Scheduled,
            "running" => CampaignStatus::Running,
            "done" => CampaignStatus::Done,
            _ => return None,
        })
    }
}

/// A campaign's plan.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CampaignPlan {
    /// External id.
    pub id: String,
    pub name: String,
    pub objective: Option<String>,
    /// The target: a condition over the customer's facts (the rules' language).
    pub target: Option<String>,
    /// Conditions whose customers are left out of the target.
    pub exclusions: Vec<String>,
    /// The offer, in words (shown in messages).
    pub offer: Option<String>,
    /// The product whose purchase counts as a response (any sale when absent).
    pub offer_product: Option<String>,
    /// Channels, preferred first (`email`, `sms`, `mail`, `telesales`, `webhook`).
    pub channels: Vec<String>,
    pub start_date: NaiveDate,
    pub end_date: Option<NaiveDate>,
    pub budget_minor: Option<i64>,
    pub cost_per_contact_minor: i64,
    pub currency: String,
    /// Share of the target kept as a control group, never contacted.
    pub control_share: f64,
    pub status: CampaignStatus,
    /// Seed of the random assignment.
    pub seed: i64,
    /// Days after the start in which a purchase is the campaign's response.
    pub response_window_days: i64,
    /// Message templates per channel and language: `{"email": {"fr": {"subject": …, "body": …}, "en": …}}`.
    pub template: serde_json::Value,
}

/// Changes to a plan; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PlanChanges {
    pub status: Option<CampaignStatus>,
    pub offer_product: Option<String>,
    pub response_window_days: Option<i64>,
    pub target: Option<String>,
    pub channels: Option<Vec<String>>,
}

/// One member's assignment.
#[derive(Debug, Clone, PartialEq)]
pub struct Assignment {
    /// Internal customer id.
    pub customer_id: i64,
    /// Value quadrant (or `unvalued`).
    pub stratum: String,
    pub control: bool,
}

/// Members per group and stratum.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GroupCount {
    pub group: String,
    pub stratum: String,
    pub members: i64,
}

/// A treated member not yet queued, with what the policy and the channels need.
#[derive(Debug, Clone, PartialEq)]
pub struct QueueCandidate {
    pub customer_id: i64,
    pub customer: String,
    pub has_email: bool,
    pub has_phone: bool,
    pub has_address: bool,
}

/// A message for [`Store::enqueue_batch`]: the customer by internal id, the source given once.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchMessage {
    pub customer_id: i64,
    pub key: String,
    pub channel: String,
    pub purpose: String,
    pub payload: serde_json::Value,
    pub send_at: DateTime<Utc>,
}

/// A suppression for [`Store::record_suppressions`].
#[derive(Debug, Clone, PartialEq)]
pub struct BatchSuppression {
    pub customer_id: i64,
    pub channel: Option<String>,
    pub reason: String,
    pub detail: Option<String>,
}

/// A telesales call in an agent's queue.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CallTask {
    pub id: i64,
    pub outbox_id: i64,
    pub customer: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub phone: Option<String>,
    /// The campaign or rule.
    pub source: String,
    /// The offer or script, from the message.
    pub payload: serde_json::Value,
    pub agent: Option<String>,
    pub state: String,
    pub outcome: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// The impact report of a campaign.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CampaignReport {
    pub campaign: CampaignPlan,
    /// Members per group and stratum.
    pub groups: Vec<GroupCount>,
    /// Outbox messages per state.
    pub outbox: OutboxCounts,
    /// Suppressions by reason.
    pub suppressions: BTreeMap<String, i64>,
    /// Contacts made per channel.
    pub contacts: BTreeMap<String, u64>,
    /// Responses are purchases (of the offer product when set) from the start for this many days.
    pub response_window: (DateTime<Utc>, DateTime<Utc>),
    /// Overall (`all`) then per channel.
    pub impact: Vec<Impact>,
    /// Total cost of the contacts, against the budget.
    pub cost_minor: i64,
    pub budget_minor: Option<i64>,
}

/// Telesales messages are delivered by agents: each opens a call task (`$1` source kind, `$2`
/// source, `$3` time; SQLite reads `$n` as `?n`).
const CALL_TASKS_SQL: &str = "INSERT INTO call_tasks (outbox_id, customer_id, source, agent, state, created_at) \
     SELECT o.id, o.customer_id, o.source, o.payload ->> 'agent', 'open', $3 FROM outbox o \
     WHERE o.source_kind = $1 AND o.source = $2 AND o.channel = 'telesales' \
     AND NOT EXISTS (SELECT 1 FROM call_tasks t WHERE t.outbox_id = o.id)";

fn json_list(v: &[String]) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "[]".into())
}

fn midnight(d: NaiveDate) -> DateTime<Utc> {
    d.and_time(NaiveTime::MIN).and_utc()
}

/// A time in the text form sqlx's SQLite encoder writes, so that rows written by the bulk writer
/// compare with (and sort among) those written through sqlx.
fn sqlite_time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::AutoSi, false)
}

/// Distinct texts of a bulk write, each kept once and bound by index: a million rows repeat a few
/// channels, purposes, strata and times (and, for a campaign, one payload).
#[derive(Default)]
struct Texts {
    list: Vec<String>,
    index: HashMap<String, usize>,
}

impl Texts {
    fn of(&mut self, text: &str) -> usize {
        if let Some(&i) = self.index.get(text) {
            return i;
        }
        self.list.push(text.to_owned());
        self.index.insert(text.to_owned(), self.list.len() - 1);
        self.list.len() - 1
    }

    fn get(&self, i: usize) -> &str {
        &self.list[i]
    }
}

/// A refusal inside a bulk write (the transaction is rolled back) or the database's error.
type Bulk<T> = rusqlite::Result<Result<T, StoreError>>;

impl Store {
    /// Runs `work` in one immediate transaction of a connection of its own to the store's SQLite
    /// file, on a blocking thread: the campaign's bulk writes as prepared statements executed row by
    /// row (binding through sqlx costs several times more per row, and a million rows would hold the
    /// async runtime). Commits when `work` answers `Ok(Ok(_))`, else rolls back. `None` for
    /// PostgreSQL and in-memory SQLite, which take the sqlx path. The caller holds the write turn,
    /// so the pool's own writes wait for it; other processes wait on SQLite's lock.
    async fn sqlite_bulk<T, F>(&self, work: F) -> Option<Result<T, StoreError>>
    where
        T: Send + 'static,
        F: FnOnce(&rusqlite::Transaction<'_>) -> Bulk<T> + Send + 'static,
    {
        let file = self.sqlite_file.clone()?;
        let path = file.clone();
        let run = move || -> Bulk<T> {
            let mut conn = rusqlite::Connection::open(&file)?;
            conn.busy_timeout(std::time::Duration::from_secs(30))?;
            // As the pool's connections: foreign keys checked, checkpoints left to the store's
            // background `checkpoint` rather than run inside this commit.
            conn.execute_batch(
                "PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL; PRAGMA wal_autocheckpoint = 0; \
                 PRAGMA cache_size = -262144;",
            )?;
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let answer = work(&tx)?;
            if answer.is_ok() {
                tx.commit()?;
            }
            Ok(answer)
        };
        Some(match tokio::task::spawn_blocking(run).await {
            Ok(Ok(answer)) => answer,
            Ok(Err(source)) => Err(StoreError::SqliteWrite { path, source }),
            Err(e) => std::panic::resume_unwind(e.into_panic()),
        })
    }

    /// Creates a campaign; a taken id is a `Conflict`, an unknown offer product `NotFound`.
    pub async fn create_campaign(&self, plan: &CampaignPlan) -> Result<i64, StoreError> {
        let _turn = self.write_turn().await;
        with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let product = match &plan.offer_product {
                Some(p) => Some(
                    sqlx::query_scalar::<_, i64>("SELECT id FROM products WHERE external_id = $1")
                        .bind(p)
                        .fetch_optional(&mut *tx)
                        .await?
                        .ok_or_else(|| StoreError::NotFound(format!("no product with id {p:?} (offer product)")))?,
                ),
                None => None,
            };
            let id = sqlx::query_scalar::<_, i64>(
                "INSERT INTO campaigns (external_id, name, objective, start_date, end_date, cost_per_contact_minor, \
                 currency, control_share, status, target, exclusions, offer, offer_product_id, channels, budget_minor, \
                 seed, response_window_days, template) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18) RETURNING id",
            )
            .bind(&plan.id)
            .bind(&plan.name)
            .bind(&plan.objective)
            .bind(plan.start_date)
            .bind(plan.end_date)
            .bind(plan.cost_per_contact_minor)
            .bind(&plan.currency)
            .bind(plan.control_share)
            .bind(plan.status.as_str())
            .bind(&plan.target)
            .bind(json_list(&plan.exclusions))
            .bind(&plan.offer)
            .bind(product)
            .bind(json_list(&plan.channels))
            .bind(plan.budget_minor)
            .bind(plan.seed)
            .bind(plan.response_window_days)
            .bind(plan.template.to_string())
            .fetch_one(&mut *tx)
            .await;
            match id {
                Ok(id) => {
                    tx.commit().await?;
                    Ok(id)
                }
                Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Err(StoreError::Conflict(
                    format!("a campaign with id {:?} already exists", plan.id),
                )),
                Err(e) => Err(e.into()),
            }
        })
    }

    /// A campaign's plan, or `None`.
    pub async fn campaign(&self, id: &str) -> Result<Option<CampaignPlan>, StoreError> {
        with_pool!(self, pool => {
            let row = sqlx::query(
                "SELECT c.external_id, c.name, c.objective, c.target, c.exclusions, c.offer, p.external_id AS offer_product, \
                 c.channels, c.start_date, c.end_date, c.budget_minor, c.cost_per_contact_minor, c.currency, c.control_share, \
                 c.status, c.seed, c.response_window_days, c.template, ch.kind AS channel_kind \
                 FROM campaigns c LEFT JOIN products p ON p.id = c.offer_product_id \
                 LEFT JOIN channels ch ON ch.id = c.channel_id WHERE c.external_id = $1",
            )
            .bind(id)
            .fetch_optional(pool)
            .await?;
            let Some(r) = row else { return Ok(None) };
            let status: String = r.try_get("status")?;
            let exclusions: String = r.try_get("exclusions")?;
            let channels: String = r.try_get("channels")?;
            let template: String = r.try_get("template")?;
            let corrupt = |what: &str| StoreError::Corrupt(format!("campaign {id}: bad {what}"));
            let mut channels: Vec<String> = serde_json::from_str(&channels).map_err(|_| corrupt("channels"))?;
            // An imported campaign names one channel (its `channel_id`).
            if channels.is_empty()
                && let Some(kind) = r.try_get::<Option<String>, _>("channel_kind")?
            {
                channels.push(kind);
            }
            Ok(Some(CampaignPlan {
                id: r.try_get("external_id")?,
                name: r.try_get("name")?,
                objective: r.try_get("objective")?,
                target: r.try_get("target")?,
                exclusions: serde_json::from_str(&exclusions).map_err(|_| corrupt("exclusions"))?,
                offer: r.try_get("offer")?,
                offer_product: r.try_get("offer_product")?,
                channels,
                start_date: r.try_get("start_date")?,
                end_date: r.try_get("end_date")?,
                budget_minor: r.try_get("budget_minor")?,
                cost_per_contact_minor: r.try_get("cost_per_contact_minor")?,
                currency: r.try_get("currency")?,
                control_share: r.try_get("control_share")?,
                status: CampaignStatus::parse(&status).ok_or_else(|| corrupt("status"))?,
                seed: r.try_get("seed")?,
                response_window_days: r.try_get("response_window_days")?,
                template: serde_json::from_str(&template).map_err(|_| corrupt("template"))?,
            }))
        })
    }

    async fn campaign_key(&self, id: &str) -> Result<i64, StoreError> {
        let key: Option<i64> = with_pool!(self, pool => {
            sqlx::query_scalar("SELECT id FROM campaigns WHERE external_id = $1").bind(id).fetch_optional(pool).await?
        });
        key.ok_or_else(|| StoreError::NotFound(format!("no campaign with id {id:?}")))
    }

    /// Changes parts of a plan.
    pub async fn update_campaign(&self, id: &str, changes: &PlanChanges) -> Result<(), StoreError> {
        let key = self.campaign_key(id).await?;
        let _turn = self.write_turn().await;
        with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            if let Some(p) = &changes.offer_product {
                let product: i64 = sqlx::query_scalar("SELECT id FROM products WHERE external_id = $1")
                    .bind(p)
                    .fetch_optional(&mut *tx)
                    .await?
                    .ok_or_else(|| StoreError::NotFound(format!("no product with id {p:?} (offer product)")))?;
                sqlx::query("UPDATE campaigns SET offer_product_id = $1 WHERE id = $2").bind(product).bind(key).execute(&mut *tx).await?;
            }
            if let Some(s) = changes.status {
                sqlx::query("UPDATE campaigns SET status = $1 WHERE id = $2").bind(s.as_str()).bind(key).execute(&mut *tx).await?;
            }
            if let Some(w) = changes.response_window_days {
                sqlx::query("UPDATE campaigns SET response_window_days = $1 WHERE id = $2").bind(w).bind(key).execute(&mut *tx).await?;
            }
            if let Some(t) = &changes.target {
                sqlx::query("UPDATE campaigns SET target = $1 WHERE id = $2").bind(t).bind(key).execute(&mut *tx).await?;
            }
            if let Some(c) = &changes.channels {
                sqlx::query("UPDATE campaigns SET channels = $1 WHERE id = $2").bind(json_list(c)).bind(key).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok::<(), StoreError>(())
        })
    }

    /// Every customer's value quadrant in the latest refresh (internal id → quadrant): the strata of
    /// a campaign's random assignment.
    pub async fn value_quadrants(&self) -> Result<HashMap<i64, String>, StoreError> {
        let rows: Vec<(i64, String)> = with_pool!(self, pool => {
            sqlx::query_as(
                "SELECT customer_id, quadrant FROM customer_value_snapshots \
                 WHERE run_id = (SELECT id FROM refresh_runs ORDER BY as_of DESC, id DESC LIMIT 1)",
            )
            .fetch_all(pool)
            .await?
        });
        Ok(rows.into_iter().collect())
    }

    /// Stores a campaign's assignment, all members in one transaction. A campaign is assigned once:
    /// a second assignment is a `Conflict` (members would silently change group).
    pub async fn save_assignment(
        &self,
        id: &str,
        members: &[Assignment],
    ) -> Result<(), StoreError> {
        let key = self.campaign_key(id).await?;
        let _turn = self.write_turn().await;
        if self.sqlite_file.is_some() {
            let mut strata = Texts::default();
            let rows: Vec<(i64, bool, usize)> = members
                .iter()
                .map(|m| (m.customer_id, m.control, strata.of(&m.stratum)))
                .collect();
            let campaign = id.to_owned();
            let work = move |tx: &rusqlite::Transaction<'_>| -> Bulk<()> {
                let existing: i64 = tx.query_row(
                    "SELECT COUNT(*) FROM campaign_members WHERE campaign_id = ?1",
                    [key],
                    |r| r.get(0),
                )?;
                if existing > 0 {
                    return Ok(Err(StoreError::Conflict(format!(
                        "campaign {campaign:?} is already assigned ({existing} members)"
                    ))));
                }
                let mut insert = tx.prepare(
                    "INSERT INTO campaign_members (campaign_id, customer_id, grp, stratum) VALUES (?1, ?2, ?3, ?4)",
                )?;
                for (customer, control, stratum) in rows {
                    insert.raw_bind_parameter(1, key)?;
                    insert.raw_bind_parameter(2, customer)?;
                    insert.raw_bind_parameter(3, if control { "control" } else { "treatment" })?;
                    insert.raw_bind_parameter(4, strata.get(stratum))?;
                    insert.raw_execute()?;
                }
                tx.execute(
                    "UPDATE campaigns SET status = 'scheduled' WHERE id = ?1 AND status = 'draft'",
                    [key],
                )?;
                Ok(Ok(()))
            };
            if let Some(done) = self.sqlite_bulk(work).await {
                return done;
            }
        }
        with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let existing: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM campaign_members WHERE campaign_id = $1")
                .bind(key)
                .fetch_one(&mut *tx)
                .await?;
            if existing > 0 {
                return Err(StoreError::Conflict(format!(
                    "campaign {id:?} is already assigned ({existing} members)"
                )));
            }
            for chunk in members.chunks(500) {
                let mut sql = String::from("INSERT INTO campaign_members (campaign_id, customer_id, grp, stratum) VALUES ");
                for i in 0..chunk.len() {
                    if i > 0 {
                        sql.push(',');
                    }
                    let b = 3 * i as u32;
                    sql.push_str(&format!("($1, ${}, ${}, ${})", b + 2, b + 3, b + 4));
                }
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(key);
                for m in chunk {
                    q = q
                        .bind(m.customer_id)
                        .bind(if m.control { "control" } else { "treatment" })
                        .bind(&m.stratum);
                }
                q.execute(&mut *tx).await?;
            }
            sqlx::query("UPDATE campaigns SET status = 'scheduled' WHERE id = $1 AND status = 'draft'")
                .bind(key)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// Members per group and stratum.
    pub async fn campaign_groups(&self, id: &str) -> Result<Vec<GroupCount>, StoreError> {
        let key = self.campaign_key(id).await?;
        let rows: Vec<(String, Option<String>, i64)> = with_pool!(self, pool => {
            sqlx::query_as(
                "SELECT grp, stratum, COUNT(*) FROM campaign_members WHERE campaign_id = $1 \
                 GROUP BY grp, stratum ORDER BY grp, stratum",
            )
            .bind(key)
            .fetch_all(pool)
            .await?
        });
        Ok(rows
            .into_iter()
            .map(|(group, stratum, members)| GroupCount {
                group,
                stratum: stratum.unwrap_or_else(|| "unknown".into()),
                members,
            })
            .collect())
    }

    /// Treated members with no message of this campaign in the outbox yet. Control members are
    /// never returned: this is the one path from a campaign to the outbox.
    pub async fn queue_candidates(&self, id: &str) -> Result<Vec<QueueCandidate>, StoreError> {
        let key = self.campaign_key(id).await?;
        const SQL: &str = "SELECT c.id, c.external_id, c.email IS NOT NULL AS has_email, c.phone IS NOT NULL AS has_phone, \
             (c.address IS NOT NULL AND c.postcode IS NOT NULL AND c.city IS NOT NULL) AS has_address \
             FROM campaign_members m JOIN customers c ON c.id = m.customer_id \
             WHERE m.campaign_id = $1 AND m.grp = 'treatment' \
             AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.source_kind = 'campaign' AND o.source = $2 AND o.customer_id = c.id) \
             AND NOT EXISTS (SELECT 1 FROM contact_suppressions s WHERE s.source_kind = 'campaign' AND s.source = $2 AND s.customer_id = c.id) \
             ORDER BY c.id";
        if let Some(file) = self.sqlite_file.clone() {
            // A million members: read on a connection of its own, off the async runtime (sqlx decodes
            // SQLite rows several times slower).
            let campaign = id.to_owned();
            let path = file.clone();
            let read = move || -> rusqlite::Result<Vec<QueueCandidate>> {
                let conn = rusqlite::Connection::open(&file)?;
                conn.busy_timeout(std::time::Duration::from_secs(30))?;
                let mut statement = conn.prepare(&SQL.replace('$', "?"))?;
                let mut rows = statement.query((key, campaign.as_str()))?;
                let mut out = Vec::new();
                while let Some(r) = rows.next()? {
                    out.push(QueueCandidate {
                        customer_id: r.get(0)?,
                        customer: r.get(1)?,
                        has_email: r.get(2)?,
                        has_phone: r.get(3)?,
                        has_address: r.get(4)?,
                    });
                }
                Ok(out)
            };
            return match tokio::task::spawn_blocking(read).await {
                Ok(read) => read.map_err(|source| StoreError::Sqlite { path, source }),
                Err(e) => std::panic::resume_unwind(e.into_panic()),
            };
        }
        with_pool!(self, pool => {
            let rows = sqlx::query(SQL)
            .bind(key)
            .bind(id)
            .fetch_all(pool)
            .await?;
            rows.iter()
                .map(|r| {
                    Ok(QueueCandidate {
                        customer_id: r.try_get(0)?,
                        customer: r.try_get(1)?,
                        has_email: r.try_get(2)?,
                        has_phone: r.try_get(3)?,
                        has_address: r.try_get(4)?,
                    })
                })
                .collect()
        })
    }

    /// Every customer's queued or sent outbox messages from `since` on (external id → contacts): what
    /// the policy counts besides the outbound interactions.
    pub async fn queued_contacts(
        &self,
        since: DateTime<Utc>,
    ) -> Result<HashMap<String, Vec<RecentContact>>, StoreError> {
        let rows: Vec<(String, DateTime<Utc>, String, String)> = with_pool!(self, pool => {
            sqlx::query_as(
                "SELECT c.external_id, COALESCE(o.sent_at, o.next_attempt_at), o.channel, o.source \
                 FROM outbox o JOIN customers c ON c.id = o.customer_id \
                 WHERE o.state IN ('pending', 'sending', 'sent') AND COALESCE(o.sent_at, o.next_attempt_at) >= $1",
            )
            .bind(since)
            .fetch_all(pool)
            .await?
        });
        let mut out: HashMap<String, Vec<RecentContact>> = HashMap::new();
        for (customer, at, channel, source) in rows {
            out.entry(customer).or_default().push(RecentContact {
                at,
                channel,
                source: Some(source),
            });
        }
        Ok(out)
    }

    /// Queues many messages of one source in one transaction, skipping keys already queued. Answers
    /// how many were created. Telesales messages also open a call task for `agent` (or the pool).
    pub async fn enqueue_batch(
        &self,
        source_kind: SourceKind,
        source: &str,
        messages: &[BatchMessage],
        created_at: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        let _turn = self.write_turn().await;
        let telesales = messages.iter().any(|m| m.channel == "telesales");
        if self.sqlite_file.is_some() {
            // Rows by index into their distinct texts; a campaign's payloads are alike, so each is
            // written out once per run of equal ones.
            let mut texts = Texts::default();
            let mut rows = Vec::with_capacity(messages.len());
            let mut last: Option<(&serde_json::Value, usize, DateTime<Utc>, usize)> = None;
            for m in messages {
                let (payload, send_at) = match last {
                    Some((p, i, t, j)) if *p == m.payload && t == m.send_at => (i, j),
                    _ => (
                        texts.of(&m.payload.to_string()),
                        texts.of(&sqlite_time(m.send_at)),
                    ),
                };
                last = Some((&m.payload, payload, m.send_at, send_at));
                rows.push((
                    m.key.clone(),
                    m.customer_id,
                    texts.of(&m.channel),
                    texts.of(&m.purpose),
                    payload,
                    send_at,
                ));
            }
            let (kind, source, created_at) = (
                source_kind.as_str(),
                source.to_owned(),
                sqlite_time(created_at),
            );
            let work = move |tx: &rusqlite::Transaction<'_>| -> Bulk<u64> {
                let mut insert = tx.prepare(
                    "INSERT INTO outbox (idempotency_key, customer_id, channel, purpose, payload, source_kind, source, \
                     state, attempts, next_attempt_at, created_at) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'pending', 0, ?8, ?9) ON CONFLICT (idempotency_key) DO NOTHING",
                )?;
                let mut created = 0;
                for (key, customer, channel, purpose, payload, send_at) in rows {
                    insert.raw_bind_parameter(1, key)?;
                    insert.raw_bind_parameter(2, customer)?;
                    insert.raw_bind_parameter(3, texts.get(channel))?;
                    insert.raw_bind_parameter(4, texts.get(purpose))?;
                    insert.raw_bind_parameter(5, texts.get(payload))?;
                    insert.raw_bind_parameter(6, kind)?;
                    insert.raw_bind_parameter(7, source.as_str())?;
                    insert.raw_bind_parameter(8, texts.get(send_at))?;
                    insert.raw_bind_parameter(9, created_at.as_str())?;
                    created += insert.raw_execute()? as u64;
                }
                if telesales {
                    let sql = CALL_TASKS_SQL.replace('$', "?");
                    tx.execute(&sql, (kind, source.as_str(), created_at.as_str()))?;
                }
                Ok(Ok(created))
            };
            if let Some(done) = self.sqlite_bulk(work).await {
                return done;
            }
        }
        with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let mut created = 0;
            for chunk in messages.chunks(500) {
                let mut sql = String::from(
                    "INSERT INTO outbox (idempotency_key, customer_id, channel, purpose, payload, source_kind, source, \
                     state, attempts, next_attempt_at, created_at) VALUES ",
                );
                for i in 0..chunk.len() {
                    if i > 0 {
                        sql.push(',');
                    }
                    let b = 6 * i as u32 + 3;
                    sql.push_str(&format!(
                        "(${}, ${}, ${}, ${}, ${}, $1, $2, 'pending', 0, ${}, $3)",
                        b + 1, b + 2, b + 3, b + 4, b + 5, b + 6
                    ));
                }
                sql.push_str(" ON CONFLICT (idempotency_key) DO NOTHING");
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(source_kind.as_str())
                    .bind(source)
                    .bind(created_at);
                for m in chunk {
                    q = q
                        .bind(&m.key)
                        .bind(m.customer_id)
                        .bind(&m.channel)
                        .bind(&m.purpose)
                        .bind(Json(&m.payload))
                        .bind(m.send_at);
                }
                created += q.execute(&mut *tx).await?.rows_affected();
            }
            if telesales {
                sqlx::query(CALL_TASKS_SQL)
                    .bind(source_kind.as_str())
                    .bind(source)
                    .bind(created_at)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            Ok(created)
        })
    }

    /// Records many suppressions of one source in one transaction.
    pub async fn record_suppressions(
        &self,
        source_kind: SourceKind,
        source: &str,
        suppressions: &[BatchSuppression],
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let _turn = self.write_turn().await;
        if self.sqlite_file.is_some() {
            let mut texts = Texts::default();
            let rows: Vec<(i64, Option<usize>, usize, Option<String>)> = suppressions
                .iter()
                .map(|s| {
                    (
                        s.customer_id,
                        s.channel.as_deref().map(|c| texts.of(c)),
                        texts.of(&s.reason),
                        s.detail.clone(),
                    )
                })
                .collect();
            let (kind, source, at) = (source_kind.as_str(), source.to_owned(), sqlite_time(at));
            let work = move |tx: &rusqlite::Transaction<'_>| -> Bulk<()> {
                let mut insert = tx.prepare(
                    "INSERT INTO contact_suppressions (customer_id, channel, source_kind, source, reason, detail, at) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                )?;
                for (customer, channel, reason, detail) in rows {
                    insert.raw_bind_parameter(1, customer)?;
                    insert.raw_bind_parameter(2, channel.map(|c| texts.get(c)))?;
                    insert.raw_bind_parameter(3, kind)?;
                    insert.raw_bind_parameter(4, source.as_str())?;
                    insert.raw_bind_parameter(5, texts.get(reason))?;
                    insert.raw_bind_parameter(6, detail)?;
                    insert.raw_bind_parameter(7, at.as_str())?;
                    insert.raw_execute()?;
                }
                Ok(Ok(()))
            };
            if let Some(done) = self.sqlite_bulk(work).await {
                return done;
            }
        }
        with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            for chunk in suppressions.chunks(500) {
                let mut sql = String::from(
                    "INSERT INTO contact_suppressions (customer_id, channel, source_kind, source, reason, detail, at) VALUES ",
                );
                for i in 0..chunk.len() {
                    if i > 0 {
                        sql.push(',');
                    }
                    let b = 4 * i as u32 + 3;
                    sql.push_str(&format!("(${}, ${}, $1, $2, ${}, ${}, $3)", b + 1, b + 2, b + 3, b + 4));
                }
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(source_kind.as_str()).bind(source).bind(at);
                for s in chunk {
                    q = q.bind(s.customer_id).bind(&s.channel).bind(&s.reason).bind(&s.detail);
                }
                q.execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok(())
        })
    }

    /// An agent's open calls (or the unassigned pool's, with `None`), oldest first.
    pub async fn agent_queue(&self, agent: Option<&str>) -> Result<Vec<CallTask>, StoreError> {
        with_pool!(self, pool => {
            let rows = sqlx::query(
                "SELECT t.id, t.outbox_id, c.external_id, c.first_name, c.last_name, c.phone, t.source, o.payload, \
                 t.agent, t.state, t.outcome, t.created_at FROM call_tasks t \
                 JOIN customers c ON c.id = t.customer_id JOIN outbox o ON o.id = t.outbox_id \
                 WHERE t.state = 'open' AND o.state IN ('pending', 'sending') \
                 AND (($1 IS NULL AND t.agent IS NULL) OR t.agent = $1) ORDER BY t.id",
            )
            .bind(agent)
            .fetch_all(pool)
            .await?;
            rows.iter()
                .map(|r| {
                    let Json(payload): Json<serde_json::Value> = r.try_get(7)?;
                    Ok(CallTask {
                        id: r.try_get(0)?,
                        outbox_id: r.try_get(1)?,
                        customer: r.try_get(2)?,
                        first_name: r.try_get(3)?,
                        last_name: r.try_get(4)?,
                        phone: r.try_get(5)?,
                        source: r.try_get(6)?,
                        payload,
                        agent: r.try_get(8)?,
                        state: r.try_get(9)?,
                        outcome: r.try_get(10)?,
                        created_at: r.try_get(11)?,
                    })
                })
                .collect()
        })
    }

    /// Gives open calls of the pool to an agent (up to `limit`), answering how many.
    pub async fn assign_calls(
        &self,
        source: &str,
        agent: &str,
        limit: i64,
    ) -> Result<u64, StoreError> {
        let _turn = self.write_turn().await;
        let n = with_pool!(self, pool => {
            sqlx::query(
                "UPDATE call_tasks SET agent = $1 WHERE id IN (SELECT id FROM call_tasks \
                 WHERE source = $2 AND agent IS NULL AND state = 'open' ORDER BY id LIMIT $3)",
            )
            .bind(agent)
            .bind(source)
            .bind(limit)
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(n)
    }

    /// Records a call's outcome: the task is done and its message sent (the contact was made) — or,
    /// for `refused_contact`, the customer's phone consent for marketing is withdrawn at once and the
    /// message suppressed.
    pub async fn record_call_outcome(
        &self,
        task: i64,
        outcome: &str,
        notes: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let row: Option<(i64, String, String)> = with_pool!(self, pool => {
            sqlx::query_as(
                "SELECT t.outbox_id, c.external_id, o.purpose FROM call_tasks t JOIN customers c ON c.id = t.customer_id \
                 JOIN outbox o ON o.id = t.outbox_id WHERE t.id = $1 AND t.state = 'open'",
            )
            .bind(task)
            .fetch_optional(pool)
            .await?
        });
        let Some((outbox_id, customer, purpose)) = row else {
            return Err(StoreError::NotFound(format!("no open call task {task}")));
        };
        {
            let _turn = self.write_turn().await;
            with_pool!(self, pool => {
                sqlx::query("UPDATE call_tasks SET state = 'done', outcome = $2, notes = $3, done_at = $4 WHERE id = $1")
                    .bind(task)
                    .bind(outcome)
                    .bind(notes)
                    .bind(at)
                    .execute(pool)
                    .await?;
                // Delivery of a call is its being made: the message goes to `sending` then `sent`.
                sqlx::query("UPDATE outbox SET state = 'sending' WHERE id = $1 AND state = 'pending'")
                    .bind(outbox_id)
                    .execute(pool)
                    .await?;
                Ok::<(), StoreError>(())
            })?;
        }
        if outcome == "refused_contact" {
            self.set_consent(&customer, "phone", &purpose, false, at)
                .await?;
            self.mark_suppressed(outbox_id, "opt_out", Some("refused further calls"), at)
                .await?;
        } else {
            self.mark_sent(outbox_id, None, at).await?;
        }
        Ok(())
    }

    /// Records a response posted to the API or imported (beside the purchases a report finds).
    #[allow(clippy::too_many_arguments)]
    pub async fn record_campaign_response(
        &self,
        campaign: &str,
        customer: &str,
        at: DateTime<Utc>,
        kind: &str,
        revenue_minor: i64,
        margin_minor: i64,
        currency: &str,
    ) -> Result<(), StoreError> {
        let key = self.campaign_key(campaign).await?;
        let _turn = self.write_turn().await;
        let n = with_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO campaign_responses (campaign_id, customer_id, at, kind, revenue_minor, margin_minor, currency) \
                 SELECT $1, id, $3, $4, $5, $6, $7 FROM customers WHERE external_id = $2 \
                 ON CONFLICT (campaign_id, customer_id, kind, at) DO NOTHING",
            )
            .bind(key)
            .bind(customer)
            .bind(at)
            .bind(kind)
            .bind(revenue_minor)
            .bind(margin_minor)
            .bind(currency)
            .execute(pool)
            .await?
            .rows_affected()
        });
        let known: Option<i64> = with_pool!(self, pool => {
            sqlx::query_scalar("SELECT id FROM customers WHERE external_id = $1").bind(customer).fetch_optional(pool).await?
        });
        if n == 0 && known.is_none() {
            return Err(StoreError::NotFound(format!(
                "no customer with id {customer:?}"
            )));
        }
        Ok(())
    }

    /// Each member's outcome in the response window `[start, start + window days)`: a response is a
    /// sale of the offer product (any sale without one), a contract of it signed, or a recorded
    /// response; revenue and margin are those of the sales and responses in the window.
    async fn member_outcomes(
        &self,
        key: i64,
        plan: &CampaignPlan,
    ) -> Result<(Vec<MemberOutcome>, (DateTime<Utc>, DateTime<Utc>)), StoreError> {
        let from = midnight(plan.start_date);
        let to = midnight(
            plan.start_date
                .checked_add_days(Days::new(plan.response_window_days.max(0) as u64))
                .unwrap_or(plan.start_date),
        );
        let rows: Vec<(String, Option<String>, i64, i64, i64)> = with_pool!(self, pool => {
            sqlx::query_as(
                "WITH product AS (SELECT offer_product_id AS id FROM campaigns WHERE id = $1), \
                 sales AS (SELECT t.customer_id, COUNT(*) AS n, CAST(SUM(t.amount_minor) AS BIGINT) AS revenue, \
                   CAST(SUM(t.amount_minor - t.cost_minor) AS BIGINT) AS margin FROM transactions t, product \
                   WHERE t.kind = 'sale' AND t.occurred_at >= $2 AND t.occurred_at < $3 \
                   AND (product.id IS NULL OR t.product_id = product.id) \
                   AND t.customer_id IN (SELECT customer_id FROM campaign_members WHERE campaign_id = $1) \
                   GROUP BY t.customer_id), \
                 signed AS (SELECT k.customer_id, COUNT(*) AS n FROM contracts k, product \
                   WHERE k.start_date >= $4 AND k.start_date < $5 AND (product.id IS NULL OR k.product_id = product.id) \
                   AND k.customer_id IN (SELECT customer_id FROM campaign_members WHERE campaign_id = $1) \
                   GROUP BY k.customer_id), \
                 answered AS (SELECT customer_id, COUNT(*) AS n, CAST(SUM(revenue_minor) AS BIGINT) AS revenue, CAST(SUM(margin_minor) AS BIGINT) AS margin \
                   FROM campaign_responses WHERE campaign_id = $1 AND at >= $2 AND at < $3 GROUP BY customer_id) \
                 SELECT m.grp, m.channel, COALESCE(s.n, 0) + COALESCE(k.n, 0) + COALESCE(a.n, 0), \
                   COALESCE(s.revenue, 0) + COALESCE(a.revenue, 0), COALESCE(s.margin, 0) + COALESCE(a.margin, 0) \
                 FROM campaign_members m LEFT JOIN sales s ON s.customer_id = m.customer_id \
                 LEFT JOIN signed k ON k.customer_id = m.customer_id LEFT JOIN answered a ON a.customer_id = m.customer_id \
                 WHERE m.campaign_id = $1 ORDER BY m.customer_id",
            )
            .bind(key)
            .bind(from)
            .bind(to)
            .bind(from.date_naive())
            .bind(to.date_naive())
            .fetch_all(pool)
            .await?
        });
        let outcomes = rows
            .into_iter()
            .map(|(grp, channel, n, revenue, margin)| MemberOutcome {
                control: grp == "control",
                channel: if grp == "control" { None } else { channel },
                responded: n > 0,
                revenue_minor: revenue,
                margin_minor: margin,
            })
            .collect();
        Ok((outcomes, (from, to)))
    }

    /// The impact report: groups, deliveries, suppressions, and the uplift of response, revenue and
    /// margin over control overall and per channel, with cost and return on investment.
    pub async fn campaign_report(&self, id: &str) -> Result<CampaignReport, StoreError> {
        let plan = self
            .campaign(id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("no campaign with id {id:?}")))?;
        let key = self.campaign_key(id).await?;
        let groups = self.campaign_groups(id).await?;
        let outbox = self.outbox_counts(Some((SourceKind::Campaign, id))).await?;
        type Counts<K> = Vec<(K, i64)>;
        let (suppressed, sent, members_contacted): (
            Counts<String>,
            Counts<String>,
            Counts<Option<String>>,
        ) = with_pool!(self, pool => {
            let suppressed = sqlx::query_as(
                "SELECT reason, COUNT(*) FROM contact_suppressions WHERE source_kind = 'campaign' AND source = $1 GROUP BY reason",
            )
            .bind(id)
            .fetch_all(pool)
            .await?;
            let sent = sqlx::query_as(
                "SELECT channel, COUNT(*) FROM outbox WHERE source_kind = 'campaign' AND source = $1 AND state = 'sent' GROUP BY channel",
            )
            .bind(id)
            .fetch_all(pool)
            .await?;
            // Imported campaigns have no outbox: their contacts are the members' `contacted_at`.
            let contacted = sqlx::query_as(
                "SELECT channel, COUNT(*) FROM campaign_members WHERE campaign_id = $1 AND contacted_at IS NOT NULL GROUP BY channel",
            )
            .bind(key)
            .fetch_all(pool)
            .await?;
            (suppressed, sent, contacted)
        });
        let mut contacts: BTreeMap<String, u64> = BTreeMap::new();
        let imported = sent.is_empty();
        let default_channel = plan
            .channels
            .first()
            .cloned()
            .unwrap_or_else(|| "unknown".into());
        if imported {
            for (channel, n) in members_contacted {
                *contacts
                    .entry(channel.unwrap_or_else(|| default_channel.clone()))
                    .or_default() += n as u64;
            }
        } else {
            for (channel, n) in sent {
                contacts.insert(channel, n as u64);
            }
        }
        let (mut members, window) = self.member_outcomes(key, &plan).await?;
        // An imported campaign's treated members carry no channel: the campaign's own. (Members of a
        // campaign run here carry the channel they were reached on; unreached ones count in `all`.)
        if imported {
            for m in members
                .iter_mut()
                .filter(|m| !m.control && m.channel.is_none())
            {
                m.channel = Some(default_channel.clone());
            }
        }
        let impact = campaign_impact(&members, &contacts, plan.cost_per_contact_minor, 0.95)
            .map_err(|e| {
                StoreError::Invalid(format!("campaign {id:?} cannot be measured yet: {e}"))
            })?;
        let cost_minor = contacts.values().sum::<u64>() as i64 * plan.cost_per_contact_minor;
        Ok(CampaignReport {
            budget_minor: plan.budget_minor,
            campaign: plan,
            groups,
            outbox,
            suppressions: suppressed.into_iter().collect(),
            contacts,
            response_window: window,
            impact,
            cost_minor,
        })
    }
}
