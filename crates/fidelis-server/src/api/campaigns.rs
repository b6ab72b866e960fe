//! Campaigns over the API: the impact report, responses posted by channel systems (a form filled, a
//! coupon redeemed), opt-outs from a message (an unsubscribe link, an SMS `STOP` relayed by the
//! provider) and an agent's call list.

use crate::AppState;
use crate::auth::{CurrentUser, Permission};
use crate::error::ApiError;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use chrono::{DateTime, Utc};
use fidelis_store::campaigns::{CallTask, CampaignReport};
use serde::Deserialize;
use serde_json::{Value, json};

fn csrf_header(headers: &HeaderMap) -> Option<&str> {
    headers.get("x-csrf-token").and_then(|v| v.to_str().ok())
}

#[derive(Debug, Deserialize)]
pub struct ReportQuery {
    campaign: String,
}

/// `GET /api/v1/campaigns/report?campaign=ID`.
pub async fn report(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<ReportQuery>,
) -> Result<Json<CampaignReport>, ApiError> {
    user.require(Permission::ViewDashboard)?;
    Ok(Json(state.store.campaign_report(&q.campaign).await?))
}

/// A response to a campaign, posted by the system that saw it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResponseBody {
    customer_id: String,
    /// RFC 3339 date-time with an offset.
    at: String,
    /// What the customer did: `form`, `coupon`, `answered_yes`…
    kind: String,
    #[serde(default)]
    revenue_minor: i64,
    #[serde(default)]
    margin_minor: i64,
    #[serde(default = "euro")]
    currency: String,
}

fn euro() -> String {
    "EUR".into()
}

/// `POST /api/v1/campaigns/{id}/responses`: records a response (idempotent on customer, kind, time).
pub async fn post_response(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Result<Json<ResponseBody>, axum::extract::rejection::JsonRejection>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    user.require(Permission::PostEvents)?;
    user.check_csrf(csrf_header(&headers))?;
    let Json(b) = body.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let at: DateTime<Utc> = fidelis_domain::parse::parse_datetime(&b.at)
        .map_err(|e| ApiError::BadRequest(format!("field at: {:?} is not {e}", b.at)))?;
    if b.kind.trim().is_empty() {
        return Err(ApiError::BadRequest(
            "field kind: expected a non-empty word".into(),
        ));
    }
    fidelis_domain::Currency::parse(&b.currency)
        .map_err(|e| ApiError::BadRequest(format!("field currency: {:?}: {e}", b.currency)))?;
    state
        .store
        .record_campaign_response(
            &id,
            &b.customer_id,
            at,
            b.kind.trim(),
            b.revenue_minor,
            b.margin_minor,
            &b.currency,
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"campaign": id, "customer_id": b.customer_id})),
    ))
}

/// `POST /api/v1/outbox/{id}/opt-out`: the customer opted out from this message: consent withdrawn
/// at once, their waiting messages on the channel suppressed.
pub async fn opt_out(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Result<Json<Value>, ApiError> {
    user.require(Permission::PostEvents)?;
    user.check_csrf(csrf_header(&headers))?;
    let suppressed = crate::delivery::opt_out(&state.store, id, Utc::now())
        .await
        .map_err(|e| match e {
            crate::delivery::DeliveryError::Store(s) => ApiError::from(s),
            other => ApiError::Internal(other.to_string()),
        })?;
    Ok(Json(json!({"message": id, "suppressed": suppressed})))
}

#[derive(Debug, Deserialize)]
pub struct CallsQuery {
    agent: Option<String>,
}

/// `GET /api/v1/calls?agent=NAME`: the open calls of an agent (of the unassigned pool without one).
pub async fn calls(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<CallsQuery>,
) -> Result<Json<Vec<CallTask>>, ApiError> {
    user.require(Permission::ViewCustomers)?;
    Ok(Json(state.store.agent_queue(q.agent.as_deref()).await?))
}
