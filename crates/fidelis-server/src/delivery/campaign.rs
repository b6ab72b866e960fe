//! Campaign jobs: the target chosen by a condition over customers' facts (minus exclusions), the
//! random stratified assignment to treatment or control (stored), and the queueing of treated members
//! into the outbox under the contact policy, each refusal recorded as a suppression. Control members
//! are never queued: `Store::queue_candidates` reads treated members only.

use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use fidelis_analytics::uplift::{AssignmentUnit, assign_control};
use fidelis_rules::policy::{Candidate, ContactPolicy, ContactRecord, Outcome, Suppression};
use fidelis_rules::{Action, Channel, Condition, FactSchema, Purpose};
use fidelis_store::Store;
use fidelis_store::campaigns::{Assignment, BatchMessage, BatchSuppression, QueueCandidate};
use fidelis_store::outbox::SourceKind;
use serde::Serialize;

/// Why a campaign job stopped.
#[derive(Debug, thiserror::Error)]
pub enum CampaignError {
    #[error(transparent)]
    Store(#[from] fidelis_store::StoreError),
    #[error("campaign {0:?} does not exist")]
    Unknown(String),
    #[error("campaign {campaign:?}, {what} {source_text:?}: {message}")]
    Condition {
        campaign: String,
        what: &'static str,
        source_text: String,
        message: String,
    },
    #[error(
        "campaign {campaign:?}: unknown channel {channel:?} (expected email, sms, mail or telesales)"
    )]
    Channel { campaign: String, channel: String },
}

/// What an assignment did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AssignSummary {
    pub targeted: u64,
    pub excluded: u64,
    pub treatment: u64,
    pub control: u64,
    /// Members per stratum (value quadrant).
    pub strata: Vec<(String, u64)>,
}

/// Chooses the campaign's target as of `as_of` (every active customer when it has no target
/// condition), leaves out the exclusions, assigns control randomly within each value quadrant and
/// stores the result.
pub async fn assign(
    store: &Store,
    campaign: &str,
    as_of: NaiveDate,
) -> Result<AssignSummary, CampaignError> {
    let plan = store
        .campaign(campaign)
        .await?
        .ok_or_else(|| CampaignError::Unknown(campaign.into()))?;
    let schema = Arc::new(FactSchema::standard());
    let compile = |what: &'static str, text: &str| {
        Condition::compile(text, &schema).map_err(|e| CampaignError::Condition {
            campaign: campaign.into(),
            what,
            source_text: text.into(),
            message: e.to_string(),
        })
    };
    let target = plan
        .target
        .as_deref()
        .map(|t| compile("target", t))
        .transpose()?;
    let exclusions: Vec<Condition> = plan
        .exclusions
        .iter()
        .map(|e| compile("exclusion", e))
        .collect::<Result<_, _>>()?;
    let customers = store.customer_facts(as_of, None).await?;
    let mut chosen = Vec::new();
    let mut excluded = 0;
    for c in &customers {
        let facts = fidelis_store::facts::to_facts(c, &schema, as_of);
        let cx = fidelis_rules::EvalContext {
            facts: &facts,
            event: None,
            today: as_of,
        };
        let in_target = match &target {
            Some(t) => t.matches(&cx),
            None => c.status == "active",
        };
        if !in_target {
            continue;
        }
        if exclusions.iter().any(|e| e.matches(&cx)) {
            excluded += 1;
            continue;
        }
        let stratum = c
            .value
            .as_ref()
            .map_or_else(|| "unvalued".to_owned(), |v| v.quadrant.clone());
        chosen.push((c.id, stratum));
    }
    let summary = save(store, campaign, &chosen, plan.control_share, plan.seed).await?;
    Ok(AssignSummary {
        excluded,
        ..summary
    })
}

/// Assigns and stores a given list of (internal customer id, stratum): the part of [`assign`] after
/// targeting, also used by the benchmark on a million members.
pub async fn save(
    store: &Store,
    campaign: &str,
    members: &[(i64, String)],
    control_share: f64,
    seed: i64,
) -> Result<AssignSummary, CampaignError> {
    let units: Vec<AssignmentUnit> = members
        .iter()
        .map(|(id, stratum)| AssignmentUnit { id: *id, stratum })
        .collect();
    let control = assign_control(&units, control_share, seed as u64);
    let assignments: Vec<Assignment> = members
        .iter()
        .zip(&control)
        .map(|((id, stratum), &control)| Assignment {
            customer_id: *id,
            stratum: stratum.clone(),
            control,
        })
        .collect();
    store.save_assignment(campaign, &assignments).await?;
    let mut strata: std::collections::BTreeMap<String, u64> = Default::default();
    for (_, s) in members {
        *strata.entry(s.clone()).or_default() += 1;
    }
    let n_control = control.iter().filter(|c| **c).count() as u64;
    Ok(AssignSummary {
        targeted: members.len() as u64,
        excluded: 0,
        treatment: members.len() as u64 - n_control,
        control: n_control,
        strata: strata.into_iter().collect(),
    })
}

/// What queueing did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QueueSummary {
    pub candidates: u64,
    pub queued: u64,
    pub suppressed: u64,
    /// Suppressions by reason.
    pub reasons: Vec<(String, u64)>,
    /// Messages per channel.
    pub channels: Vec<(String, u64)>,
}

/// A stable code for a suppression.
fn reason_code(s: &Suppression) -> String {
    match s {
        Suppression::RuleMaxReached { .. } => "max_per_customer",
        Suppression::RuleCoolDown { .. } => "campaign_cooldown",
        Suppression::NoChannel => "no_channel",
        Suppression::NoConsent { .. } => "consent",
        Suppression::ChannelCap { .. } => "channel_cap",
        Suppression::Expired { .. } => "expired",
        Suppression::CoolDown { .. } => "cooldown",
        Suppression::ContactCap { .. } => "contact_cap",
        Suppression::Outranked { .. } => "outranked",
    }
    .to_owned()
}

/// Queues the campaign's treated members not yet queued, at `now`, under `policy`: each member's
/// first channel (in the campaign's order) that they can be reached on and that the policy allows;
/// the refused ones are recorded as suppressions with the policy's reason. The campaign is then
/// `running`.
pub async fn queue(
    store: &Store,
    campaign: &str,
    policy: &ContactPolicy,
    now: DateTime<Utc>,
) -> Result<QueueSummary, CampaignError> {
    let plan = store
        .campaign(campaign)
        .await?
        .ok_or_else(|| CampaignError::Unknown(campaign.into()))?;
    let channels: Vec<Channel> = plan
        .channels
        .iter()
        .map(|c| {
            c.parse::<Channel>().map_err(|_| CampaignError::Channel {
                campaign: campaign.into(),
                channel: c.clone(),
            })
        })
        .collect::<Result<_, _>>()?;
    let candidates = store.queue_candidates(campaign).await?;
    let since = now - Duration::days(31);
    let mut inputs = store
        .policy_inputs(since.date_naive(), now.date_naive(), None)
        .await?;
    let queued = store.queued_contacts(since).await?;
    let empty = fidelis_store::facts::PolicyInputs::default();
    let template = serde_json::json!({
        "template": plan.template.get("email").cloned().unwrap_or(plan.template.clone()),
        "fields": {"offer": plan.offer.clone().unwrap_or_default()},
    });
    let mut messages = Vec::new();
    let mut suppressions = Vec::new();
    let mut reasons: std::collections::BTreeMap<String, u64> = Default::default();
    let mut per_channel: std::collections::BTreeMap<String, u64> = Default::default();
    let expires = plan
        .end_date
        .map(|d| d.and_time(chrono::NaiveTime::MIN) + Duration::days(1));
    for c in &candidates {
        let reachable: Vec<Channel> = channels
            .iter()
            .copied()
            .filter(|ch| reachable(*ch, c))
            .collect();
        let customer_inputs = inputs.remove(&c.customer).unwrap_or_else(|| empty.clone());
        let mut history = customer_inputs.contacts;
        history.extend(
            queued
                .get(&c.customer)
                .into_iter()
                .flatten()
                .map(|q| ContactRecord {
                    at: q.at.naive_utc(),
                    channel: q.channel.parse::<Channel>().ok(),
                    source: q.source.clone(),
                }),
        );
        let candidate = Candidate {
            customer_id: c.customer.clone(),
            source: campaign.to_owned(),
            action: Action::Message {
                subject: None,
                text: plan.offer.clone().unwrap_or_default(),
            },
            needs_channel: true,
            channels: reachable,
            purpose: Purpose::Marketing,
            priority: 0,
            expected_value: 0.0,
            earliest: now.naive_utc(),
            send_window: None,
            expires_at: expires,
            cooldown_days: None,
            max_per_customer: Some(1),
            why: format!("campaign {campaign}"),
            key: format!("campaign/{campaign}/{}", c.customer),
        };
        let decision = policy
            .decide(vec![candidate], &history, &customer_inputs.consents)
            .into_iter()
            .next();
        match decision.map(|d| d.outcome) {
            Some(Outcome::Send {
                channel: Some(channel),
                at,
                ..
            }) => {
                let mut payload = template.clone();
                if channel == Channel::Telesales {
                    payload["script"] = plan.offer.clone().unwrap_or_default().into();
                }
                if let Some(t) = plan.template.get(channel.as_str()) {
                    payload["template"] = t.clone();
                }
                *per_channel.entry(channel.as_str().to_owned()).or_default() += 1;
                messages.push(BatchMessage {
                    customer_id: c.customer_id,
                    key: format!("campaign/{campaign}/{}", c.customer),
                    channel: channel.as_str().to_owned(),
                    purpose: Purpose::Marketing.as_str().to_owned(),
                    payload,
                    send_at: at.and_utc(),
                });
            }
            Some(Outcome::Suppressed(s)) => {
                let code = reason_code(&s);
                *reasons.entry(code.clone()).or_default() += 1;
                suppressions.push(BatchSuppression {
                    customer_id: c.customer_id,
                    channel: None,
                    reason: code,
                    detail: serde_json::to_string(&s).ok(),
                });
            }
            _ => {
                *reasons.entry("no_channel".into()).or_default() += 1;
                suppressions.push(BatchSuppression {
                    customer_id: c.customer_id,
                    channel: None,
                    reason: "no_channel".into(),
                    detail: None,
                });
            }
        }
    }
    let created = store
        .enqueue_batch(SourceKind::Campaign, campaign, &messages, now)
        .await?;
    store
        .record_suppressions(SourceKind::Campaign, campaign, &suppressions, now)
        .await?;
    store
        .update_campaign(
            campaign,
            &fidelis_store::campaigns::PlanChanges {
                status: Some(fidelis_store::campaigns::CampaignStatus::Running),
                ..Default::default()
            },
        )
        .await?;
    Ok(QueueSummary {
        candidates: candidates.len() as u64,
        queued: created,
        suppressed: suppressions.len() as u64,
        reasons: reasons.into_iter().collect(),
        channels: per_channel.into_iter().collect(),
    })
}

/// Whether the customer has an address on the channel.
fn reachable(channel: Channel, c: &QueueCandidate) -> bool {
    match channel {
        Channel::Email => c.has_email,
        Channel::Sms | Channel::Telesales | Channel::CallCentre | Channel::Adviser => c.has_phone,
        Channel::Mail => c.has_address,
        _ => true,
    }
}
