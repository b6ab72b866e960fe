//! The departure alert (issue 4): when an at-risk customer contacts the company (an inbound contact
//! posted to `POST /api/v1/events`) or an agent opens the record, an alert is raised with the risk, its
//! reasons and an offer from the retention catalogue fitted to the customer's value and reasons (or why
//! there is none). Agents record the outcome, which feeds the offers report and training.

use crate::AppState;
use crate::auth::{CurrentUser, Permission};
use crate::error::ApiError;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use chrono::{DateTime, Duration, Utc};
use fidelis_rules::{AlertInput, FactSchema, Facts, OfferChoice};
use fidelis_store::{Alert, AlertContext, NewAlert, NewInteraction};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::sync::{Arc, OnceLock};

/// An alert is raised at most once a day per customer: a second contact the same day shows the
/// first alert again.
const ALERT_WINDOW_HOURS: i64 = 24;

/// The facts an offer's eligibility can read, declared once.
fn schema() -> Arc<FactSchema> {
    static SCHEMA: OnceLock<Arc<FactSchema>> = OnceLock::new();
    Arc::clone(SCHEMA.get_or_init(|| Arc::new(FactSchema::standard())))
}

/// An event posted by a channel system. Only contacts (`kind: "interaction"`) exist today. Fields
/// are read as text and checked here, so every error names its field.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventBody {
    kind: String,
    /// The contact's id in the source system (idempotency key).
    id: String,
    customer_id: String,
    channel_id: String,
    direction: String,
    operation: String,
    /// RFC 3339 date-time with an offset.
    occurred_at: String,
    #[serde(default)]
    duration_seconds: i64,
    #[serde(default)]
    agent: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct EventAnswer {
    /// The stored contact: its store key and whether this request created it.
    pub interaction: StoredRef,
    /// The alert raised (or the one already raised today), when the customer is at risk.
    pub alert: Option<Alert>,
}

#[derive(Debug, Serialize)]
pub struct StoredRef {
    pub id: String,
    pub created: bool,
}

/// `POST /api/v1/events`: stores the contact; an inbound contact of an at-risk customer raises an
/// alert, returned in the answer.
pub async fn post_event(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    body: Result<Json<EventBody>, axum::extract::rejection::JsonRejection>,
) -> Result<(StatusCode, Json<EventAnswer>), ApiError> {
    user.require(Permission::PostEvents)?;
    user.check_csrf(csrf_header(&headers))?;
    let Json(body) = body.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let EventBody {
        kind,
        id,
        customer_id,
        channel_id,
        direction,
        operation,
        occurred_at,
        duration_seconds,
        agent,
    } = body;
    if kind != "interaction" {
        return Err(ApiError::BadRequest(format!(
            "field kind: value {kind:?} is not a known event kind; expected interaction"
        )));
    }
    let occurred_at = DateTime::parse_from_rfc3339(&occurred_at)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| {
            ApiError::BadRequest(format!(
                "field occurred_at: value {occurred_at:?} is not a date-time ({e}); expected RFC 3339 such as 2026-11-22T09:30:00Z"
            ))
        })?;
    let stored = state
        .store
        .ingest_interaction(&NewInteraction {
            external_id: id.clone(),
            customer_id: customer_id.clone(),
            channel_id,
            direction: direction.clone(),
            operation,
            occurred_at,
            duration_seconds,
            agent,
        })
        .await?;
    let alert = if direction == "inbound" {
        raise(&state, &customer_id, "event", Some(stored.key), occurred_at).await?
    } else {
        None
    };
    let status = if stored.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((
        status,
        Json(EventAnswer {
            interaction: StoredRef {
                id,
                created: stored.created,
            },
            alert,
        }),
    ))
}

#[derive(Deserialize)]
pub struct AlertsParams {
    limit: Option<i64>,
}

#[derive(Serialize)]
pub struct AlertList {
    /// The customer's latest departure score, and whether it is high enough to raise an alert.
    pub current: Option<CurrentRisk>,
    /// Alerts raised, newest first.
    pub items: Vec<Alert>,
}

#[derive(Serialize)]
pub struct CurrentRisk {
    pub risk: f64,
    pub at_risk: bool,
    pub model_version: i64,
    pub as_of: chrono::NaiveDate,
    pub reasons: Vec<fidelis_store::ScoreReason>,
}

/// `GET /api/v1/customers/{id}/alerts`: the customer's current risk and alerts, newest first.
/// Reading raises nothing (a contact posted to `/api/v1/events` or an agent's view does).
pub async fn customer_alerts(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    Query(p): Query<AlertsParams>,
) -> Result<Json<AlertList>, ApiError> {
    user.require(Permission::ViewCustomers)?;
    let limit = p.limit.unwrap_or(20);
    if !(1..=200).contains(&limit) {
        return Err(ApiError::BadRequest(format!(
            "limit: value {limit} is not between 1 and 200"
        )));
    }
    let score = state.store.churn_score(&id).await?;
    let items = state.store.customer_alerts(&id, limit).await?;
    if score.is_none() && items.is_empty() && state.store.customer(&id).await?.is_none() {
        return Err(ApiError::NotFound(format!("no customer with id {id:?}")));
    }
    let current = score.map(|s| CurrentRisk {
        at_risk: state.offers.raises_alert(s.risk),
        risk: s.risk,
        model_version: s.model_version,
        as_of: s.as_of,
        reasons: s.reasons,
    });
    Ok(Json(AlertList { current, items }))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutcomeBody {
    pub outcome: String,
    #[serde(default)]
    pub note: Option<String>,
}

/// `POST /api/v1/alerts/{id}/outcome`: the agent's outcome (accepted, declined, not_relevant),
/// recorded once.
pub async fn post_outcome(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Path(id): Path<i64>,
    body: Result<Json<OutcomeBody>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<Alert>, ApiError> {
    user.require(Permission::RecordOutcomes)?;
    user.check_csrf(csrf_header(&headers))?;
    let Json(body) = body.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    record_outcome(&state, &user, id, &body.outcome, body.note.as_deref()).await
}

/// Records an outcome (API and agent screen).
pub async fn record_outcome(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    outcome: &str,
    note: Option<&str>,
) -> Result<Json<Alert>, ApiError> {
    if note.is_some_and(|n| n.chars().count() > 2000) {
        return Err(ApiError::BadRequest(
            "note: longer than 2000 characters".into(),
        ));
    }
    let alert = state
        .store
        .record_alert_outcome(id, outcome, &user.user.username, note, Utc::now())
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no alert with id {id}")))?;
    state
        .store
        .record_audit(
            &user.user,
            "alert_outcome",
            Some(&alert.customer_id),
            Some(&format!("alert {id}: {outcome}")),
            Utc::now(),
        )
        .await?;
    Ok(Json(alert))
}

fn csrf_header(headers: &HeaderMap) -> Option<&str> {
    headers.get("x-csrf-token").and_then(|v| v.to_str().ok())
}

/// Raises the alert of customer `id` at `now`, if the latest churn score is at or above the
/// catalogue's threshold; returns the alert already raised within the day instead of a second one.
/// `None` when the customer is not at risk, was never scored, or does not exist.
pub async fn raise(
    state: &AppState,
    id: &str,
    trigger: &str,
    interaction_key: Option<i64>,
    now: DateTime<Utc>,
) -> Result<Option<Alert>, ApiError> {
    let Some(score) = state.store.churn_score(id).await? else {
        return Ok(None);
    };
    let offers = &state.offers;
    if !offers.raises_alert(score.risk) {
        return Ok(None);
    }
    let today = now.date_naive();
    let Some(cx) = state.store.alert_context(id, today).await? else {
        return Ok(None);
    };
    if let Some(alert) = state
        .store
        .recent_alert(cx.key, now - Duration::hours(ALERT_WINDOW_HOURS))
        .await?
    {
        return Ok(Some(alert));
    }
    let reasons: Vec<String> = score.reasons.iter().map(|r| r.feature.clone()).collect();
    let facts = facts_of(&cx, score.risk, &reasons, today)
        .map_err(|e| ApiError::Internal(format!("alert facts: {e}")))?;
    let choice = offers.choose(
        &AlertInput {
            risk: score.risk,
            reasons: &reasons,
            value_at_stake: cx.value.as_ref().map(|v| v.clv),
            solvent: cx.solvent,
            strategy: cx.value.as_ref().map(|v| v.strategy.as_str()),
        },
        &fidelis_rules::offers::context(&facts, today),
    );
    let reasons_json = json!(
        score
            .reasons
            .iter()
            .map(|r| json!({"feature": r.feature, "text": r.text, "contribution": r.contribution}))
            .collect::<Vec<_>>()
    );
    let (offer_id, offer, no_offer) = match &choice {
        OfferChoice::Offer(o) => (
            Some(o.id.as_str()),
            Some(json!({
                "id": o.id,
                "label": {"en": o.label.en, "fr": o.label.fr},
                "cost": o.cost,
                "expected_gain": o.expected_gain,
                "answers": o.answers,
                "currency": cx.value.as_ref().map(|v| v.currency.as_str()),
            })),
            None,
        ),
        OfferChoice::NoOffer(why) => (None, None, Some(why.code())),
    };
    let alert = state
        .store
        .save_alert(&NewAlert {
            customer_key: cx.key,
            raised_at: now,
            trigger,
            interaction_key,
            model_version: score.model_version,
            risk: score.risk,
            reasons: reasons_json,
            offer_id,
            offer,
            no_offer_reason: no_offer,
        })
        .await?;
    Ok(Some(alert))
}

/// The customer's facts an offer's eligibility may read.
fn facts_of(
    cx: &AlertContext,
    risk: f64,
    reasons: &[String],
    today: chrono::NaiveDate,
) -> Result<Facts, fidelis_rules::RulesError> {
    use fidelis_rules::Value;
    let mut f = Facts::new(schema());
    let mut result = Ok(());
    let mut set = |name: &str, value: Value| {
        if result.is_ok() {
            result = f.set(name, value);
        }
    };
    set("profile.solvent", cx.solvent.into());
    set("profile.status", cx.status.as_str().into());
    set("profile.has_email", cx.has_email.into());
    set("profile.has_phone", cx.has_phone.into());
    if let Some(d) = cx.birth_date {
        set("profile.birth_date", d.into());
    }
    if let Some(b) = &cx.income_band {
        set("profile.income_band", b.as_str().into());
    }
    if let Some(b) = &cx.assets_band {
        set("profile.assets_band", b.as_str().into());
    }
    if let Some(v) = &cx.value {
        set("value.clv", v.clv.into());
        set("value.margin_to_date", v.net.into());
        set("value.strategy", v.strategy.as_str().into());
    }
    set("score.churn_risk", risk.into());
    set(
        "score.churn_reasons",
        Value::List(reasons.iter().map(|r| Value::String(r.clone())).collect()),
    );
    set("contract.active_count", (cx.active_contracts as f64).into());
    set("contract.monthly_fee", cx.monthly_fee.into());
    if let Some(end) = cx.nearest_contract_end {
        set(
            "contract.days_to_end",
            ((end - today).num_days() as f64).into(),
        );
    }
    set("complaints.open", (cx.open_complaints as f64).into());
    set(
        "complaints.last_90_days",
        (cx.complaints_last_90_days as f64).into(),
    );
    result.map(|()| f)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alert_facts_fit_the_standard_schema() {
        let cx = AlertContext {
            key: 1,
            external_id: "C1".into(),
            solvent: true,
            status: "active".into(),
            birth_date: chrono::NaiveDate::from_ymd_opt(1980, 1, 1),
            income_band: Some("high".into()),
            assets_band: Some("low".into()),
            has_email: true,
            has_phone: false,
            value: Some(fidelis_store::AlertValue {
                as_of: chrono::NaiveDate::from_ymd_opt(2026, 10, 31).unwrap_or_default(),
                clv: 1200.0,
                net: 300.0,
                quadrant: "high_high".into(),
                strategy: "loyalty".into(),
                currency: "EUR".into(),
            }),
            active_contracts: 2,
            monthly_fee: 39.9,
            nearest_contract_end: chrono::NaiveDate::from_ymd_opt(2026, 12, 31),
            open_complaints: 1,
            complaints_last_90_days: 2,
        };
        let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 22).unwrap_or_default();
        let built = facts_of(&cx, 0.5, &["usage_drop".to_string()], today).unwrap();
        assert_eq!(
            built.get("contract.days_to_end"),
            &fidelis_rules::Value::Number(39.0)
        );
        assert_eq!(
            built.get("value.strategy"),
            &fidelis_rules::Value::String("loyalty".into())
        );
        assert_eq!(
            built.get("score.churn_reasons"),
            &fidelis_rules::Value::List(vec![fidelis_rules::Value::String("usage_drop".into())])
        );
    }
}
