//! Campaign jobs: the target chosen by a condition over customers' facts (minus exclusions), the
//! random stratified assignment to treatment or control (stored), and the queueing of treated members
//! into the outbox under the contact policy, each refusal recorded as a suppression. Control members
//! are never queued: `Store::queue_candidates` reads treated members only.

use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use fidelis_analytics::uplift::{AssignmentUnit, assign_control};
use fidelis_rules::policy::{Candidate, ContactPolicy, ContactRecord, Outcome, Suppression};
use fidelis_rules::{Action, Channel, Condition, EvalContext, FactSchema, Purpose};
use fidelis_store::Store;
use fidelis_store::campaigns::{Assignment, BatchMessage, BatchSuppression, QueueCandidate};
use fidelis_store::facts::CustomerFacts;
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

/// A campaign's target and exclusions, compiled against the facts' schema.
pub struct Targeting {
    target: Option<Condition>,
    exclusions: Vec<Condition>,
}

/// Whether a campaign takes a customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Take {
    Yes,
    NotInTarget,
    Excluded,
}

impl Targeting {
    /// Compiles the plan's target and exclusions; an error names the campaign and the expression.
    pub fn compile(
        campaign: &str,
        plan: &fidelis_store::campaigns::CampaignPlan,
        schema: &Arc<FactSchema>,
    ) -> Result<Targeting, CampaignError> {
        let compile = |what: &'static str, text: &str| {
            Condition::compile(text, schema).map_err(|e| CampaignError::Condition {
                campaign: campaign.into(),
                what,
                source_text: text.into(),
                message: e.to_string(),
            })
        };
        Ok(Targeting {
            target: plan
                .target
                .as_deref()
                .map(|t| compile("target", t))
                .transpose()?,
            exclusions: plan
                .exclusions
                .iter()
                .map(|e| compile("exclusion", e))
                .collect::<Result<_, _>>()?,
        })
    }

    /// In the target (the active customers when there is none) and in no exclusion.
    pub fn take(&self, customer: &CustomerFacts, cx: &EvalContext) -> Take {
        let in_target = match &self.target {
            Some(t) => t.matches(cx),
            None => customer.status == "active",
        };
        if !in_target {
            Take::NotInTarget
        } else if self.exclusions.iter().any(|e| e.matches(cx)) {
            Take::Excluded
        } else {
            Take::Yes
        }
    }
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
    let targeting = Targeting::compile(campaign, &plan, &schema)?;
    let customers = store.customer_facts(as_of, None).await?;
    let mut chosen = Vec::new();
    let mut excluded = 0;
    for c in &customers {
        let facts = fidelis_store::facts::to_facts(c, &schema, as_of);
        let cx = EvalContext {
            facts: &facts,
            event: None,
            today: as_of,
        };
        match targeting.take(c, &cx) {
            Take::Yes => {}
            Take::NotInTarget => continue,
            Take::Excluded => {
                excluded += 1;
                continue;
            }
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
    let started = std::time::Instant::now();
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
    let drawn = started.elapsed().as_secs_f64();
    store.save_assignment(campaign, &assignments).await?;
    tracing::debug!(
        campaign,
        drawn,
        stored = started.elapsed().as_secs_f64(),
        "campaign assigned"
    );
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
/// `running`. Members are decided and written in chunks, the next chunk decided while the last is
/// written; a run stopped midway leaves whole chunks queued, and the next run queues the rest.
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
    let started = std::time::Instant::now();
    let candidates = store.queue_candidates(campaign).await?;
    let read_candidates = started.elapsed().as_secs_f64();
    let since = now - Duration::days(31);
    let inputs = store
        .policy_inputs(since.date_naive(), now.date_naive(), None)
        .await?;
    let queued = store.queued_contacts(since).await?;
    let read_inputs = started.elapsed().as_secs_f64();
    // The template stays in the campaign, read once per delivery pass (`channel_template`): a
    // million messages carry only their fields.
    let offer = plan.offer.clone().unwrap_or_default();
    let mut decider = Decider {
        campaign,
        policy,
        now,
        channels,
        expires: plan
            .end_date
            .map(|d| d.and_time(chrono::NaiveTime::MIN) + Duration::days(1)),
        payload: serde_json::json!({"fields": {"offer": offer}}),
        call_payload: serde_json::json!({"fields": {"offer": offer}, "script": offer}),
        offer,
        inputs,
        queued,
        reasons: Default::default(),
        per_channel: Default::default(),
    };
    let (mut created, mut suppressed) = (0, 0);
    let mut chunks = candidates.chunks(QUEUE_CHUNK);
    let mut decided: Option<(Vec<BatchMessage>, Vec<BatchSuppression>)> = None;
    loop {
        // The store writes the last chunk on its own thread while this one decides the next.
        let write = async {
            let Some((messages, suppressions)) = &decided else {
                return Ok::<_, CampaignError>(0);
            };
            let created = store
                .enqueue_batch(SourceKind::Campaign, campaign, messages, now)
                .await?;
            store
                .record_suppressions(SourceKind::Campaign, campaign, suppressions, now)
                .await?;
            Ok(created)
        };
        let next = chunks.next();
        let decide = async { next.map(|chunk| decider.decide(chunk)) };
        let (written, next) = tokio::join!(write, decide);
        created += written?;
        suppressed += decided.as_ref().map_or(0, |(_, s)| s.len() as u64);
        match next {
            Some(next) => decided = Some(next),
            None => break,
        }
    }
    store
        .update_campaign(
            campaign,
            &fidelis_store::campaigns::PlanChanges {
                status: Some(fidelis_store::campaigns::CampaignStatus::Running),
                ..Default::default()
            },
        )
        .await?;
    // Where the time goes, for the debug log (seconds since the start, at the end of each step).
    tracing::debug!(
        campaign,
        read_candidates,
        read_inputs,
        queued = started.elapsed().as_secs_f64(),
        "campaign queued"
    );
    Ok(QueueSummary {
        candidates: candidates.len() as u64,
        queued: created,
        suppressed,
        reasons: decider.reasons.into_iter().collect(),
        channels: decider.per_channel.into_iter().collect(),
    })
}

/// Members decided and written at a time by [`queue`].
const QUEUE_CHUNK: usize = 50_000;

/// The policy's decisions for a campaign's members, chunk by chunk, with the counts so far.
struct Decider<'a> {
    campaign: &'a str,
    policy: &'a ContactPolicy,
    now: DateTime<Utc>,
    channels: Vec<Channel>,
    expires: Option<chrono::NaiveDateTime>,
    offer: String,
    payload: serde_json::Value,
    call_payload: serde_json::Value,
    inputs: std::collections::HashMap<String, fidelis_store::facts::PolicyInputs>,
    queued: std::collections::HashMap<String, Vec<fidelis_store::outbox::RecentContact>>,
    reasons: std::collections::BTreeMap<String, u64>,
    per_channel: std::collections::BTreeMap<String, u64>,
}

impl Decider<'_> {
    fn decide(&mut self, chunk: &[QueueCandidate]) -> (Vec<BatchMessage>, Vec<BatchSuppression>) {
        let campaign = self.campaign;
        let mut messages = Vec::with_capacity(chunk.len());
        let mut suppressions = Vec::new();
        for c in chunk {
            let reachable: Vec<Channel> = self
                .channels
                .iter()
                .copied()
                .filter(|ch| reachable(*ch, c))
                .collect();
            let customer_inputs = self.inputs.remove(&c.customer).unwrap_or_default();
            let mut history = customer_inputs.contacts;
            history.extend(self.queued.get(&c.customer).into_iter().flatten().map(|q| {
                ContactRecord {
                    at: q.at.naive_utc(),
                    channel: q.channel.parse::<Channel>().ok(),
                    source: q.source.clone(),
                }
            }));
            let candidate = Candidate {
                customer_id: c.customer.clone(),
                source: campaign.to_owned(),
                action: Action::Message {
                    subject: None,
                    text: self.offer.clone(),
                },
                needs_channel: true,
                channels: reachable,
                purpose: Purpose::Marketing,
                priority: 0,
                expected_value: 0.0,
                earliest: self.now.naive_utc(),
                send_window: None,
                expires_at: self.expires,
                cooldown_days: None,
                max_per_customer: Some(1),
                why: format!("campaign {campaign}"),
                key: format!("campaign/{campaign}/{}", c.customer),
            };
            let decision = self
                .policy
                .decide(vec![candidate], &history, &customer_inputs.consents)
                .into_iter()
                .next()
                .map(|d| (d.outcome, d.candidate.key));
            match decision {
                Some((
                    Outcome::Send {
                        channel: Some(channel),
                        at,
                        ..
                    },
                    key,
                )) => {
                    let payload = if channel == Channel::Telesales {
                        self.call_payload.clone()
                    } else {
                        self.payload.clone()
                    };
                    *self
                        .per_channel
                        .entry(channel.as_str().to_owned())
                        .or_default() += 1;
                    messages.push(BatchMessage {
                        customer_id: c.customer_id,
                        key,
                        channel: channel.as_str().to_owned(),
                        purpose: Purpose::Marketing.as_str().to_owned(),
                        payload,
                        send_at: at.and_utc(),
                    });
                }
                Some((Outcome::Suppressed(s), _)) => {
                    let code = reason_code(&s);
                    *self.reasons.entry(code.clone()).or_default() += 1;
                    suppressions.push(BatchSuppression {
                        customer_id: c.customer_id,
                        channel: None,
                        reason: code,
                        detail: serde_json::to_string(&s).ok(),
                    });
                }
                _ => {
                    *self.reasons.entry("no_channel".into()).or_default() += 1;
                    suppressions.push(BatchSuppression {
                        customer_id: c.customer_id,
                        channel: None,
                        reason: "no_channel".into(),
                        detail: None,
                    });
                }
            }
        }
        (messages, suppressions)
    }
}

/// The template of a campaign's messages on `channel`, from the campaign's templates per channel
/// (`{"email": {"fr": {...}, "en": {...}}, "sms": ...}`): the channel's own, else the e-mail's, else
/// the whole value (a campaign with one template in languages only).
pub fn channel_template(templates: &serde_json::Value, channel: &str) -> serde_json::Value {
    templates
        .get(channel)
        .or_else(|| templates.get("email"))
        .unwrap_or(templates)
        .clone()
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
