//! Recurring campaigns: a campaign with a trigger in the rules' syntax — an event kind
//! (`{ event = "birthday" }`, `{ event = "contract_end" }`, `{ event = "holiday" }` for a seasonal
//! mailing on the calendar's dates) or a schedule (`{ schedule = "monthly:1" }`) — is run day by day.
//! Each day it fires makes one wave: the customers the trigger fires for that day (its target and
//! exclusions are read with the event, so `event.detail == "Noël"` or `event.value >= 18` work),
//! less the occasions an earlier wave already served, assigned to treatment or control within each
//! value quadrant with the campaign's control share, stored, then queued like any campaign under the
//! contact policy (control members are never queued; refusals are recorded as suppressions).
//!
//! Running a day again changes nothing: the day's wave exists, so nothing is assigned again, and its
//! queueing only picks up treated members not yet queued or suppressed (none, unless the first run
//! stopped between the two steps). The day's events are the caller's: detection is wiring over the
//! store's records and lives with the daily run in the binary.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use fidelis_analytics::Rng;
use fidelis_rules::policy::ContactPolicy;
use fidelis_rules::{EvalContext, Event, FactSchema, Trigger};
use fidelis_store::Store;
use fidelis_store::campaign_waves::{NewWave, WaveMember, wave_id};
use fidelis_store::campaigns::CampaignStatus;
use fidelis_store::facts::{CustomerFacts, to_facts};
use serde::Serialize;

use super::campaign::{CampaignError, QueueSummary, Take, Targeting, queue};

/// Why a recurring run stopped.
#[derive(Debug, thiserror::Error)]
pub enum RecurringError {
    #[error(transparent)]
    Campaign(#[from] CampaignError),
    #[error(transparent)]
    Store(#[from] fidelis_store::StoreError),
    #[error(
        "campaign {0:?} is not recurring: give it a trigger (`campaign update {0} --trigger ...`)"
    )]
    NotRecurring(String),
}

/// What one run did for one recurring campaign.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WaveRun {
    pub campaign: String,
    pub day: NaiveDate,
    /// `created`, `already_run`, `nobody` (the trigger fired for no one new), `not_due` (a schedule
    /// not due that day), or `inactive` (a draft, done, or outside its dates).
    pub outcome: &'static str,
    /// The wave's campaign id, when there is one.
    pub wave: Option<String>,
    /// Customers the trigger fired for and the target took (before leaving out served occasions).
    pub fired: u64,
    /// Of those, customers whose occasion an earlier wave already served.
    pub already_served: u64,
    pub treatment: u64,
    pub control: u64,
    /// The queueing of the wave's treated members.
    pub queue: Option<QueueSummary>,
}

impl WaveRun {
    fn empty(campaign: &str, day: NaiveDate, outcome: &'static str) -> WaveRun {
        WaveRun {
            campaign: campaign.to_owned(),
            day,
            outcome,
            wave: None,
            fired: 0,
            already_served: 0,
            treatment: 0,
            control: 0,
            queue: None,
        }
    }
}

/// The day's input: customers' facts as of the day and the events detected that day.
pub struct Day<'a> {
    pub day: NaiveDate,
    pub customers: &'a [CustomerFacts],
    pub events: &'a [Event],
    /// The queueing time handed to the contact policy.
    pub now: DateTime<Utc>,
}

/// Runs every recurring campaign for the day, in id order.
pub async fn run_day(
    store: &Store,
    input: &Day<'_>,
    policy: &ContactPolicy,
) -> Result<Vec<WaveRun>, RecurringError> {
    let mut runs = Vec::new();
    for id in store.recurring_campaigns().await? {
        runs.push(run_campaign(store, &id, input, policy).await?);
    }
    Ok(runs)
}

/// Runs one recurring campaign for the day: makes the day's wave if the trigger fires for anyone
/// new, and queues its treated members.
pub async fn run_campaign(
    store: &Store,
    campaign: &str,
    input: &Day<'_>,
    policy: &ContactPolicy,
) -> Result<WaveRun, RecurringError> {
    let day = input.day;
    let plan = store
        .campaign(campaign)
        .await?
        .ok_or_else(|| CampaignError::Unknown(campaign.into()))?;
    let recurrence = store
        .recurrence(campaign)
        .await?
        .ok_or_else(|| RecurringError::NotRecurring(campaign.into()))?;
    let active = matches!(
        plan.status,
        CampaignStatus::Scheduled | CampaignStatus::Running
    ) && plan.start_date <= day
        && plan.end_date.is_none_or(|end| day <= end);
    if !active {
        return Ok(WaveRun::empty(campaign, day, "inactive"));
    }
    let id = wave_id(campaign, day);
    if store
        .waves(campaign)
        .await?
        .iter()
        .any(|w| w.occasion == day)
    {
        let groups = store.campaign_groups(&id).await?;
        let count = |g: &str| {
            groups
                .iter()
                .filter(|c| c.group == g)
                .map(|c| c.members as u64)
                .sum()
        };
        let summary = queue(store, &id, policy, input.now).await?;
        return Ok(WaveRun {
            wave: Some(id.clone()),
            treatment: count("treatment"),
            control: count("control"),
            queue: Some(summary),
            ..WaveRun::empty(campaign, day, "already_run")
        });
    }
    if let Trigger::Schedule(s) = &recurrence.trigger
        && !s.is_due(day)
    {
        return Ok(WaveRun::empty(campaign, day, "not_due"));
    }

    let schema = Arc::new(FactSchema::standard());
    let targeting = Targeting::compile(campaign, &plan, &schema)?;
    let takes = |c: &CustomerFacts, event: Option<&Event>| {
        let facts = to_facts(c, &schema, day);
        let cx = EvalContext {
            facts: &facts,
            event,
            today: day,
        };
        targeting.take(c, &cx) == Take::Yes
    };

    // Each customer the trigger fires for, with the occasions that fired it.
    let mut fired: Vec<(&CustomerFacts, Vec<String>)> = Vec::new();
    match &recurrence.trigger {
        Trigger::Event(kind) => {
            let by_id: HashMap<&str, &CustomerFacts> = input
                .customers
                .iter()
                .map(|c| (c.external_id.as_str(), c))
                .collect();
            let mut events: BTreeMap<&str, Vec<&Event>> = BTreeMap::new();
            for e in input.events.iter().filter(|e| &e.kind == kind) {
                events.entry(e.customer_id.as_str()).or_default().push(e);
            }
            for (customer, events) in events {
                let Some(c) = by_id.get(customer) else {
                    continue;
                };
                let occasions: Vec<String> = events
                    .into_iter()
                    .filter(|e| takes(c, Some(e)))
                    .map(|e| {
                        format!(
                            "{}/{}/{}",
                            e.kind,
                            e.date,
                            e.detail.as_deref().unwrap_or("")
                        )
                    })
                    .collect();
                if !occasions.is_empty() {
                    fired.push((c, occasions));
                }
            }
        }
        Trigger::Schedule(_) => {
            for c in input.customers.iter().filter(|c| takes(c, None)) {
                fired.push((c, vec![format!("schedule/{day}")]));
            }
        }
    }
    let served = store.served_occasions(campaign).await?;
    let mut members = Vec::new();
    let mut already_served = 0;
    for (c, occasions) in &fired {
        let new: Vec<String> = occasions
            .iter()
            .filter(|o| !served.contains(&(c.id, (*o).clone())))
            .cloned()
            .collect();
        if new.is_empty() {
            already_served += 1;
            continue;
        }
        members.push(WaveMember {
            customer_id: c.id,
            stratum: c
                .value
                .as_ref()
                .map_or_else(|| "unvalued".to_owned(), |v| v.quadrant.clone()),
            control: false,
            occasions: new,
        });
    }
    if members.is_empty() {
        return Ok(WaveRun {
            fired: fired.len() as u64,
            already_served,
            ..WaveRun::empty(campaign, day, "nobody")
        });
    }
    let seed = wave_seed(plan.seed, day);
    let units: Vec<(i64, &str)> = members
        .iter()
        .map(|m| (m.customer_id, m.stratum.as_str()))
        .collect();
    let control = assign_wave(&units, plan.control_share, seed);
    for (m, control) in members.iter_mut().zip(control) {
        m.control = control;
    }
    let n_control = members.iter().filter(|m| m.control).count() as u64;
    let wave = store
        .create_wave(&NewWave {
            parent: campaign,
            occasion: day,
            seed: seed as i64,
            members: &members,
            created_at: input.now,
        })
        .await?;
    let summary = queue(store, &wave, policy, input.now).await?;
    Ok(WaveRun {
        wave: Some(wave),
        fired: fired.len() as u64,
        already_served,
        treatment: members.len() as u64 - n_control,
        control: n_control,
        queue: Some(summary),
        ..WaveRun::empty(campaign, day, "created")
    })
}

/// The seed of a day's wave: the campaign's seed mixed with the day, so waves draw independently.
pub fn wave_seed(seed: i64, day: NaiveDate) -> u64 {
    let days = (day - NaiveDate::MIN).num_days() as u64;
    (seed as u64) ^ days.wrapping_mul(0x9e37_79b9_7f4a_7c15)
}

/// Random assignment of one wave to control, stratified: within each stratum, members sorted by id
/// are shuffled with a stream seeded by `seed` and the stratum, and the first `share × n` go to
/// control — its fractional part drawn at random, so that small waves (a day's birthdays: a handful
/// per stratum) keep the control share on average instead of rounding it away. Answers, per unit in
/// input order, whether it is control.
pub fn assign_wave(units: &[(i64, &str)], share: f64, seed: u64) -> Vec<bool> {
    let share = share.clamp(0.0, 1.0);
    let mut strata: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, (_, stratum)) in units.iter().enumerate() {
        strata.entry(stratum).or_default().push(i);
    }
    let mut control = vec![false; units.len()];
    for (stratum, mut members) in strata {
        members.sort_by_key(|&i| (units[i].0, i));
        // FNV-1a of the stratum label: one independent stream per stratum.
        let label = stratum.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        });
        let mut rng = Rng::new(seed ^ label.rotate_left(17));
        for k in (1..members.len()).rev() {
            let j = rng.below(k as u64 + 1) as usize;
            members.swap(k, j);
        }
        let expected = share * members.len() as f64;
        let mut n_control = expected.floor() as usize;
        if rng.uniform() < expected - expected.floor() {
            n_control += 1;
        }
        for &i in &members[..n_control.min(members.len())] {
            control[i] = true;
        }
    }
    control
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assignment_is_stratified_seeded_and_keeps_the_share_of_small_waves() {
        let units: Vec<(i64, &str)> = (0..1000)
            .map(|i| (i, if i % 4 == 0 { "loyalty" } else { "retention" }))
            .collect();
        let a = assign_wave(&units, 0.1, 7);
        assert_eq!(a, assign_wave(&units, 0.1, 7), "seeded");
        assert_ne!(a, assign_wave(&units, 0.1, 8));
        let in_stratum = |s: &str| {
            units
                .iter()
                .zip(&a)
                .filter(|((_, st), c)| *st == s && **c)
                .count()
        };
        assert_eq!((in_stratum("loyalty"), in_stratum("retention")), (25, 75));
        // Order does not matter: the same members reversed get the same groups.
        let reversed: Vec<(i64, &str)> = units.iter().rev().copied().collect();
        let b = assign_wave(&reversed, 0.1, 7);
        assert!(a.iter().rev().eq(b.iter()));
        // Waves of 3 members at 10 %: rounding would give no control ever; here 0 or 1, 10 % on
        // average over many waves.
        let total: usize = (0..2000u64)
            .map(|w| {
                assign_wave(&[(1, "x"), (2, "x"), (3, "x")], 0.1, w)
                    .iter()
                    .filter(|c| **c)
                    .count()
            })
            .sum();
        let share = total as f64 / 6000.0;
        assert!((0.085..0.115).contains(&share), "{share}");
    }
}
