//! Recurring campaigns in the store: a campaign's trigger (the rules' `Trigger`: an event kind or a
//! schedule), its waves — one per day the trigger fired, each a campaign of its own (copied from the
//! parent's plan, assigned, queued and reported like any other) — the occasions already served (a
//! customer's event enters one wave at most), the roll-up of the waves' impact, and the list of
//! campaigns with their impact for the dashboard.
//!
//! A wave is created whole in one transaction: its campaign row, its members with their group and
//! stratum, the occasions it serves and its response window. The window is stored with the wave so
//! that the roll-up measures every wave from its own occasion in one set-based query.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, Days, NaiveDate, NaiveTime, Utc};
use fidelis_analytics::uplift::{Impact, MemberOutcome, campaign_impact};
use fidelis_rules::Trigger;
use serde::Serialize;

use crate::campaigns::{CampaignPlan, GroupCount};
use crate::error::StoreError;
use crate::store::{Store, with_pool};

/// What makes a campaign recurring.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Recurrence {
    /// In the rules' syntax: `{ event = "birthday" }`, `{ schedule = "monthly:1" }`.
    pub trigger: Trigger,
    /// Days a wave's messages may wait for the policy (quiet hours, caps) before they expire.
    pub send_within_days: i64,
}

/// One member of a new wave.
#[derive(Debug, Clone, PartialEq)]
pub struct WaveMember {
    /// Internal customer id.
    pub customer_id: i64,
    /// Value quadrant (or `unvalued`).
    pub stratum: String,
    pub control: bool,
    /// The occasions that put the customer in this wave (`birthday/2026-03-10/`), each served once.
    pub occasions: Vec<String>,
}

/// A wave to create.
#[derive(Debug, Clone, PartialEq)]
pub struct NewWave<'a> {
    /// The recurring campaign's external id.
    pub parent: &'a str,
    /// The day the trigger fired.
    pub occasion: NaiveDate,
    /// The seed its assignment was drawn with.
    pub seed: i64,
    pub members: &'a [WaveMember],
    pub created_at: DateTime<Utc>,
}

/// A wave of a recurring campaign.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WaveInfo {
    /// The wave's campaign id: `<parent>@<occasion>`.
    pub id: String,
    pub occasion: NaiveDate,
}

/// One wave in the roll-up.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WaveReport {
    pub id: String,
    pub occasion: NaiveDate,
    pub treatment: u64,
    pub control: u64,
    /// Outbox messages of the wave, any state.
    pub queued: i64,
    pub sent: i64,
    pub suppressed: i64,
    pub treatment_responders: u64,
    pub control_responders: u64,
    /// The wave's own impact (overall), when both groups have two members or more.
    pub impact: Option<Impact>,
}

/// The impact of a recurring campaign: its waves pooled, then wave by wave.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecurringReport {
    pub campaign: CampaignPlan,
    pub recurrence: Recurrence,
    /// Members per group and stratum, all waves.
    pub groups: Vec<GroupCount>,
    /// Suppressions by reason, all waves.
    pub suppressions: BTreeMap<String, i64>,
    /// Contacts made per channel, all waves.
    pub contacts: BTreeMap<String, u64>,
    /// Overall (`all`) then per channel, every wave's members measured in their own window.
    pub impact: Vec<Impact>,
    /// Why there is no impact yet (groups too small), when so.
    pub not_measurable: Option<String>,
    pub cost_minor: i64,
    pub budget_minor: Option<i64>,
    pub waves: Vec<WaveReport>,
}

/// One campaign's line on the dashboard.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CampaignImpactRow {
    pub campaign: CampaignPlan,
    /// Waves of a recurring campaign (`None` for a one-off campaign).
    pub waves: Option<usize>,
    /// Overall (`all`) then per channel.
    pub impact: Vec<Impact>,
    pub cost_minor: i64,
    /// Why there is no impact yet, when so.
    pub not_measurable: Option<String>,
}

fn midnight(d: NaiveDate) -> DateTime<Utc> {
    d.and_time(NaiveTime::MIN).and_utc()
}

/// The wave's campaign id.
pub fn wave_id(parent: &str, occasion: NaiveDate) -> String {
    format!("{parent}@{occasion}")
}

impl Store {
    async fn campaign_internal_id(&self, id: &str) -> Result<i64, StoreError> {
        let key: Option<i64> = with_pool!(self, pool => {
            sqlx::query_scalar("SELECT id FROM campaigns WHERE external_id = $1").bind(id).fetch_optional(pool).await?
        });
        key.ok_or_else(|| StoreError::NotFound(format!("no campaign with id {id:?}")))
    }

    /// Makes a campaign recurring (or changes its trigger). A wave cannot be made recurring.
    pub async fn set_recurrence(&self, id: &str, r: &Recurrence) -> Result<(), StoreError> {
        let key = self.campaign_internal_id(id).await?;
        let trigger = serde_json::to_string(&r.trigger)
            .map_err(|e| StoreError::Invalid(format!("trigger: {e}")))?;
        let _turn = self.write_turn().await;
        with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let is_wave: Option<i64> = sqlx::query_scalar("SELECT campaign_id FROM campaign_waves WHERE campaign_id = $1")
                .bind(key)
                .fetch_optional(&mut *tx)
                .await?;
            if is_wave.is_some() {
                return Err(StoreError::Invalid(format!(
                    "campaign {id:?} is a wave of a recurring campaign; give the trigger to its parent"
                )));
            }
            let members: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM campaign_members WHERE campaign_id = $1")
                .bind(key)
                .fetch_one(&mut *tx)
                .await?;
            if members > 0 {
                return Err(StoreError::Conflict(format!(
                    "campaign {id:?} is already assigned ({members} members): a recurring campaign has its members in its waves"
                )));
            }
            sqlx::query(
                "INSERT INTO campaign_recurrences (campaign_id, trigger_spec, send_within_days) VALUES ($1, $2, $3) \
                 ON CONFLICT (campaign_id) DO UPDATE SET trigger_spec = excluded.trigger_spec, send_within_days = excluded.send_within_days",
            )
            .bind(key)
            .bind(&trigger)
            .bind(r.send_within_days)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// A campaign's trigger, when it is recurring.
    pub async fn recurrence(&self, id: &str) -> Result<Option<Recurrence>, StoreError> {
        let row: Option<(String, i64)> = with_pool!(self, pool => {
            sqlx::query_as(
                "SELECT r.trigger_spec, r.send_within_days FROM campaign_recurrences r JOIN campaigns c ON c.id = r.campaign_id \
                 WHERE c.external_id = $1",
            )
            .bind(id)
            .fetch_optional(pool)
            .await?
        });
        row.map(|(trigger, send_within_days)| {
            Ok(Recurrence {
                trigger: serde_json::from_str(&trigger).map_err(|e| {
                    StoreError::Corrupt(format!("campaign {id}: bad trigger {trigger:?}: {e}"))
                })?,
                send_within_days,
            })
        })
        .transpose()
    }

    /// The external ids of the recurring campaigns, in id order.
    pub async fn recurring_campaigns(&self) -> Result<Vec<String>, StoreError> {
        with_pool!(self, pool => {
            Ok(sqlx::query_scalar(
                "SELECT c.external_id FROM campaign_recurrences r JOIN campaigns c ON c.id = r.campaign_id ORDER BY c.id",
            )
            .fetch_all(pool)
            .await?)
        })
    }

    /// The waves of a recurring campaign, by occasion.
    pub async fn waves(&self, parent: &str) -> Result<Vec<WaveInfo>, StoreError> {
        let key = self.campaign_internal_id(parent).await?;
        let rows: Vec<(String, NaiveDate)> = with_pool!(self, pool => {
            sqlx::query_as(
                "SELECT c.external_id, w.occasion FROM campaign_waves w JOIN campaigns c ON c.id = w.campaign_id \
                 WHERE w.parent_id = $1 ORDER BY w.occasion",
            )
            .bind(key)
            .fetch_all(pool)
            .await?
        });
        Ok(rows
            .into_iter()
            .map(|(id, occasion)| WaveInfo { id, occasion })
            .collect())
    }

    /// A campaign's (or a wave's) members: (external customer id, `treatment` or `control`), by
    /// customer id.
    pub async fn campaign_members(&self, id: &str) -> Result<Vec<(String, String)>, StoreError> {
        let key = self.campaign_internal_id(id).await?;
        with_pool!(self, pool => {
            Ok(sqlx::query_as(
                "SELECT c.external_id, m.grp FROM campaign_members m JOIN customers c ON c.id = m.customer_id \
                 WHERE m.campaign_id = $1 ORDER BY c.external_id",
            )
            .bind(key)
            .fetch_all(pool)
            .await?)
        })
    }

    /// The occasions a recurring campaign has already served: (internal customer id, occasion key).
    pub async fn served_occasions(
        &self,
        parent: &str,
    ) -> Result<HashSet<(i64, String)>, StoreError> {
        let key = self.campaign_internal_id(parent).await?;
        let rows: Vec<(i64, String)> = with_pool!(self, pool => {
            sqlx::query_as("SELECT customer_id, occasion_key FROM campaign_occasions WHERE parent_id = $1")
                .bind(key)
                .fetch_all(pool)
                .await?
        });
        Ok(rows.into_iter().collect())
    }

    /// Creates a wave whole, in one transaction: its campaign (the parent's plan, starting and
    /// responding from the occasion, ending `send_within_days` later or at the parent's end), its
    /// members, the occasions it serves and its response window. A second wave of the same parent
    /// and day is a `Conflict`. Answers the wave's campaign id.
    pub async fn create_wave(&self, wave: &NewWave<'_>) -> Result<String, StoreError> {
        let plan = self.campaign(wave.parent).await?.ok_or_else(|| {
            StoreError::NotFound(format!("no campaign with id {:?}", wave.parent))
        })?;
        let recurrence = self.recurrence(wave.parent).await?.ok_or_else(|| {
            StoreError::Invalid(format!("campaign {:?} is not recurring", wave.parent))
        })?;
        let parent_key = self.campaign_internal_id(wave.parent).await?;
        let id = wave_id(wave.parent, wave.occasion);
        let day_after = |days: i64| {
            wave.occasion
                .checked_add_days(Days::new(days.max(0) as u64))
                .unwrap_or(wave.occasion)
        };
        let mut end = day_after(recurrence.send_within_days - 1);
        if let Some(parent_end) = plan.end_date {
            end = end.min(parent_end).max(wave.occasion);
        }
        let window_to_day = day_after(plan.response_window_days);
        let _turn = self.write_turn().await;
        with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let inserted = sqlx::query_scalar::<_, i64>(
                "INSERT INTO campaigns (external_id, name, objective, start_date, end_date, cost_per_contact_minor, \
                 currency, control_share, status, target, exclusions, offer, offer_product_id, channels, budget_minor, \
                 seed, response_window_days, template, channel_id) \
                 SELECT $1, $2, objective, $3, $4, cost_per_contact_minor, currency, control_share, 'scheduled', target, \
                 exclusions, offer, offer_product_id, channels, NULL, $5, response_window_days, template, channel_id \
                 FROM campaigns WHERE id = $6 RETURNING id",
            )
            .bind(&id)
            .bind(format!("{} — {}", plan.name, wave.occasion))
            .bind(wave.occasion)
            .bind(end)
            .bind(wave.seed)
            .bind(parent_key)
            .fetch_one(&mut *tx)
            .await;
            let key = match inserted {
                Ok(key) => key,
                Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                    return Err(StoreError::Conflict(format!("campaign {:?} already has its wave of {}", wave.parent, wave.occasion)));
                }
                Err(e) => return Err(e.into()),
            };
            sqlx::query(
                "INSERT INTO campaign_waves (campaign_id, parent_id, occasion, window_from, window_to, window_from_day, \
                 window_to_day, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(key)
            .bind(parent_key)
            .bind(wave.occasion)
            .bind(midnight(wave.occasion))
            .bind(midnight(window_to_day))
            .bind(wave.occasion)
            .bind(window_to_day)
            .bind(wave.created_at)
            .execute(&mut *tx)
            .await?;
            for chunk in wave.members.chunks(500) {
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
            let occasions: Vec<(i64, &str)> = wave
                .members
                .iter()
                .flat_map(|m| m.occasions.iter().map(move |o| (m.customer_id, o.as_str())))
                .collect();
            for chunk in occasions.chunks(500) {
                let mut sql = String::from("INSERT INTO campaign_occasions (parent_id, wave_id, customer_id, occasion_key) VALUES ");
                for i in 0..chunk.len() {
                    if i > 0 {
                        sql.push(',');
                    }
                    let b = 2 * i as u32;
                    sql.push_str(&format!("($1, $2, ${}, ${})", b + 3, b + 4));
                }
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(parent_key).bind(key);
                for (customer, occasion) in chunk {
                    q = q.bind(*customer).bind(*occasion);
                }
                match q.execute(&mut *tx).await {
                    Ok(_) => {}
                    Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                        return Err(StoreError::Conflict(format!(
                            "campaign {:?}: an occasion of this wave was already served by an earlier one",
                            wave.parent
                        )));
                    }
                    Err(e) => return Err(e.into()),
                }
            }
            // The recurring campaign runs from its first wave on.
            sqlx::query("UPDATE campaigns SET status = 'running' WHERE id = $1 AND status IN ('draft', 'scheduled')")
                .bind(parent_key)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(id)
        })
    }

    /// Every member of every wave with its outcome in its own wave's response window (the same
    /// attribution as a one-off campaign's report: sales of the offer product, or any sale without
    /// one; contracts of it signed; responses recorded), as (wave id, outcome).
    async fn wave_outcomes(
        &self,
        parent_key: i64,
    ) -> Result<Vec<(String, MemberOutcome)>, StoreError> {
        type Row = (String, String, Option<String>, i64, i64, i64);
        let rows: Vec<Row> = with_pool!(self, pool => {
            sqlx::query_as(
                "WITH w AS (SELECT cw.campaign_id, c.external_id, cw.window_from, cw.window_to, cw.window_from_day, \
                   cw.window_to_day, c.offer_product_id AS product FROM campaign_waves cw \
                   JOIN campaigns c ON c.id = cw.campaign_id WHERE cw.parent_id = $1), \
                 m AS (SELECT w.campaign_id, w.external_id, w.window_from, w.window_to, w.window_from_day, w.window_to_day, \
                   w.product, cm.customer_id, cm.grp, cm.channel FROM campaign_members cm JOIN w ON w.campaign_id = cm.campaign_id), \
                 sales AS (SELECT m.campaign_id, m.customer_id, COUNT(*) AS n, CAST(SUM(t.amount_minor) AS BIGINT) AS revenue, \
                   CAST(SUM(t.amount_minor - t.cost_minor) AS BIGINT) AS margin FROM m JOIN transactions t ON t.customer_id = m.customer_id \
                   WHERE t.kind = 'sale' AND t.occurred_at >= m.window_from AND t.occurred_at < m.window_to \
                   AND (m.product IS NULL OR t.product_id = m.product) GROUP BY m.campaign_id, m.customer_id), \
                 signed AS (SELECT m.campaign_id, m.customer_id, COUNT(*) AS n FROM m JOIN contracts k ON k.customer_id = m.customer_id \
                   WHERE k.start_date >= m.window_from_day AND k.start_date < m.window_to_day \
                   AND (m.product IS NULL OR k.product_id = m.product) GROUP BY m.campaign_id, m.customer_id), \
                 answered AS (SELECT r.campaign_id, r.customer_id, COUNT(*) AS n, CAST(SUM(r.revenue_minor) AS BIGINT) AS revenue, \
                   CAST(SUM(r.margin_minor) AS BIGINT) AS margin FROM campaign_responses r JOIN w ON w.campaign_id = r.campaign_id \
                   WHERE r.at >= w.window_from AND r.at < w.window_to GROUP BY r.campaign_id, r.customer_id) \
                 SELECT m.external_id, m.grp, m.channel, COALESCE(s.n, 0) + COALESCE(k.n, 0) + COALESCE(a.n, 0), \
                   COALESCE(s.revenue, 0) + COALESCE(a.revenue, 0), COALESCE(s.margin, 0) + COALESCE(a.margin, 0) \
                 FROM m LEFT JOIN sales s ON s.campaign_id = m.campaign_id AND s.customer_id = m.customer_id \
                 LEFT JOIN signed k ON k.campaign_id = m.campaign_id AND k.customer_id = m.customer_id \
                 LEFT JOIN answered a ON a.campaign_id = m.campaign_id AND a.customer_id = m.customer_id \
                 ORDER BY m.campaign_id, m.customer_id",
            )
            .bind(parent_key)
            .fetch_all(pool)
            .await?
        });
        Ok(rows
            .into_iter()
            .map(|(wave, grp, channel, n, revenue, margin)| {
                let control = grp == "control";
                (
                    wave,
                    MemberOutcome {
                        control,
                        channel: if control { None } else { channel },
                        responded: n > 0,
                        revenue_minor: revenue,
                        margin_minor: margin,
                    },
                )
            })
            .collect())
    }

    /// The impact of a recurring campaign: the waves pooled (each member measured in its own wave's
    /// window, against the pooled control group), overall and per channel, with cost and return on
    /// investment; then each wave's groups, deliveries, suppressions and responders, and its own
    /// impact when its groups are large enough.
    pub async fn recurring_report(&self, id: &str) -> Result<RecurringReport, StoreError> {
        let plan = self
            .campaign(id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("no campaign with id {id:?}")))?;
        let recurrence = self
            .recurrence(id)
            .await?
            .ok_or_else(|| StoreError::Invalid(format!("campaign {id:?} is not recurring")))?;
        let key = self.campaign_internal_id(id).await?;
        let waves = self.waves(id).await?;
        type Counts<K> = Vec<(K, i64)>;
        type Reads = (
            Vec<(String, Option<String>, i64)>,
            Counts<String>,
            Counts<String>,
            Vec<(String, String, i64)>,
            Counts<String>,
        );
        let (groups, suppressions, sent, per_wave_outbox, per_wave_suppressed): Reads = with_pool!(self, pool => {
            let groups = sqlx::query_as(
                "SELECT m.grp, m.stratum, COUNT(*) FROM campaign_members m JOIN campaign_waves w ON w.campaign_id = m.campaign_id \
                 WHERE w.parent_id = $1 GROUP BY m.grp, m.stratum ORDER BY m.grp, m.stratum",
            )
            .bind(key)
            .fetch_all(pool)
            .await?;
            let suppressions = sqlx::query_as(
                "SELECT s.reason, COUNT(*) FROM contact_suppressions s JOIN campaigns c ON c.external_id = s.source \
                 JOIN campaign_waves w ON w.campaign_id = c.id WHERE s.source_kind = 'campaign' AND w.parent_id = $1 \
                 GROUP BY s.reason ORDER BY s.reason",
            )
            .bind(key)
            .fetch_all(pool)
            .await?;
            let sent = sqlx::query_as(
                "SELECT o.channel, COUNT(*) FROM outbox o JOIN campaigns c ON c.external_id = o.source \
                 JOIN campaign_waves w ON w.campaign_id = c.id \
                 WHERE o.source_kind = 'campaign' AND o.state = 'sent' AND w.parent_id = $1 GROUP BY o.channel",
            )
            .bind(key)
            .fetch_all(pool)
            .await?;
            let per_wave_outbox = sqlx::query_as(
                "SELECT c.external_id, o.state, COUNT(*) FROM outbox o JOIN campaigns c ON c.external_id = o.source \
                 JOIN campaign_waves w ON w.campaign_id = c.id WHERE o.source_kind = 'campaign' AND w.parent_id = $1 \
                 GROUP BY c.external_id, o.state",
            )
            .bind(key)
            .fetch_all(pool)
            .await?;
            let per_wave_suppressed = sqlx::query_as(
                "SELECT c.external_id, COUNT(*) FROM contact_suppressions s JOIN campaigns c ON c.external_id = s.source \
                 JOIN campaign_waves w ON w.campaign_id = c.id WHERE s.source_kind = 'campaign' AND w.parent_id = $1 \
                 GROUP BY c.external_id",
            )
            .bind(key)
            .fetch_all(pool)
            .await?;
            (groups, suppressions, sent, per_wave_outbox, per_wave_suppressed)
        });
        let contacts: BTreeMap<String, u64> =
            sent.into_iter().map(|(c, n)| (c, n as u64)).collect();
        let outcomes = self.wave_outcomes(key).await?;
        let all: Vec<MemberOutcome> = outcomes.iter().map(|(_, m)| m.clone()).collect();
        let (impact, not_measurable) =
            match campaign_impact(&all, &contacts, plan.cost_per_contact_minor, 0.95) {
                Ok(impact) => (impact, None),
                Err(e) => (Vec::new(), Some(e.to_string())),
            };
        // Each wave's members, in one pass (a year of daily waves over a large base is long).
        let mut by_wave: std::collections::HashMap<&str, Vec<MemberOutcome>> =
            std::collections::HashMap::new();
        for (wave, m) in &outcomes {
            by_wave.entry(wave.as_str()).or_default().push(m.clone());
        }
        let mut reports = Vec::with_capacity(waves.len());
        for w in waves {
            let members = by_wave.remove(w.id.as_str()).unwrap_or_default();
            let count = |control: bool, responded: bool| {
                members
                    .iter()
                    .filter(|m| m.control == control && (!responded || m.responded))
                    .count() as u64
            };
            let state = |wanted: Option<&str>| {
                per_wave_outbox
                    .iter()
                    .filter(|(wave, s, _)| *wave == w.id && wanted.is_none_or(|x| x == s))
                    .map(|(_, _, n)| n)
                    .sum::<i64>()
            };
            let wave_contacts: BTreeMap<String, u64> =
                BTreeMap::from([("all".to_owned(), state(Some("sent")) as u64)]);
            reports.push(WaveReport {
                treatment: count(false, false),
                control: count(true, false),
                treatment_responders: count(false, true),
                control_responders: count(true, true),
                queued: state(None),
                sent: state(Some("sent")),
                suppressed: per_wave_suppressed
                    .iter()
                    .filter(|(wave, _)| *wave == w.id)
                    .map(|(_, n)| n)
                    .sum(),
                impact: campaign_impact(
                    &members,
                    &wave_contacts,
                    plan.cost_per_contact_minor,
                    0.95,
                )
                .ok()
                .and_then(|i| i.into_iter().next()),
                id: w.id,
                occasion: w.occasion,
            });
        }
        let cost_minor = contacts.values().sum::<u64>() as i64 * plan.cost_per_contact_minor;
        Ok(RecurringReport {
            budget_minor: plan.budget_minor,
            campaign: plan,
            recurrence,
            groups: groups
                .into_iter()
                .map(|(group, stratum, members)| GroupCount {
                    group,
                    stratum: stratum.unwrap_or_else(|| "unknown".into()),
                    members,
                })
                .collect(),
            suppressions: suppressions.into_iter().collect(),
            contacts,
            impact,
            not_measurable,
            cost_minor,
            waves: reports,
        })
    }

    /// The campaigns (waves aside: they are in their parent's roll-up), latest start first, at most
    /// `limit`, each with its impact overall and per channel, or why it cannot be measured yet.
    pub async fn campaign_impacts(&self, limit: i64) -> Result<Vec<CampaignImpactRow>, StoreError> {
        let ids: Vec<(String, bool)> = with_pool!(self, pool => {
            sqlx::query_as(
                "SELECT c.external_id, EXISTS (SELECT 1 FROM campaign_recurrences r WHERE r.campaign_id = c.id) \
                 FROM campaigns c WHERE NOT EXISTS (SELECT 1 FROM campaign_waves w WHERE w.campaign_id = c.id) \
                 ORDER BY c.start_date DESC, c.id DESC LIMIT $1",
            )
            .bind(limit)
            .fetch_all(pool)
            .await?
        });
        let mut rows = Vec::with_capacity(ids.len());
        for (id, recurring) in ids {
            if recurring {
                let r = self.recurring_report(&id).await?;
                rows.push(CampaignImpactRow {
                    campaign: r.campaign,
                    waves: Some(r.waves.len()),
                    impact: r.impact,
                    cost_minor: r.cost_minor,
                    not_measurable: r.not_measurable,
                });
                continue;
            }
            match self.campaign_report(&id).await {
                Ok(r) => rows.push(CampaignImpactRow {
                    campaign: r.campaign,
                    waves: None,
                    impact: r.impact,
                    cost_minor: r.cost_minor,
                    not_measurable: None,
                }),
                Err(StoreError::Invalid(reason)) => {
                    let plan = self.campaign(&id).await?.ok_or_else(|| {
                        StoreError::NotFound(format!("no campaign with id {id:?}"))
                    })?;
                    rows.push(CampaignImpactRow {
                        campaign: plan,
                        waves: None,
                        impact: Vec::new(),
                        cost_minor: 0,
                        not_measurable: Some(reason),
                    });
                }
                Err(e) => return Err(e),
            }
        }
        Ok(rows)
    }
}
