//! Routing, segments and rules in the API: who handles an operation for a customer (the routing
//! matrix on the customer's facts), segment sizes and a customer's segments (latest segment refresh),
//! the loaded rules, and a check of a posted rules file with line and column on errors.
//!
//! The configuration comes from `Settings.config_dir`, each file falling back to the sample built
//! into the binary; it is read on each request (small files), so an edited file applies at once.

use crate::AppState;
use crate::auth::{CurrentUser, Permission};
use crate::error::ApiError;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use chrono::Utc;
use fidelis_rules::detect::Calendar;
use fidelis_rules::segment::RuleSegments;
use fidelis_rules::{
    ContactPolicy, FactSchema, Operation, RoutingMatrix, RuleSet, RuleSpec, RulesError,
};
use fidelis_store::facts::to_facts;
use fidelis_store::segments::CustomerSegment;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// The facts the store fills (the standard ones and the behavioural cluster).
fn schema() -> Arc<FactSchema> {
    Arc::new(fidelis_store::facts::schema())
}

/// (name cited in errors, text) of a configuration file.
fn config_file(state: &AppState, name: &str) -> Result<(String, String), ApiError> {
    crate::config_text(&state.settings, name)
        .map_err(|e| ApiError::Internal(format!("configuration file {name}: {e}")))
}

/// A configuration file that does not load is the server's problem, not the caller's.
fn broken(e: RulesError) -> ApiError {
    ApiError::Internal(format!("configuration: {e}"))
}

#[derive(Deserialize)]
pub struct RouteRequest {
    customer_id: String,
    operation: String,
}

#[derive(Serialize)]
pub struct RouteAnswer {
    customer_id: String,
    operation: Operation,
    /// The channel or actor who handles it (`None`: the matrix has no route).
    channel: Option<fidelis_rules::Channel>,
    /// The fallbacks, in order.
    fallbacks: Vec<fidelis_rules::Channel>,
    /// The customer's routing segment.
    segment: Option<String>,
    reason: String,
}

/// `POST /api/v1/route {customer_id, operation}`: who handles this operation for this customer.
pub async fn route(
    State(state): State<AppState>,
    user: CurrentUser,
    body: Result<Json<RouteRequest>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<RouteAnswer>, ApiError> {
    user.require(Permission::ViewCustomers)?;
    let Json(body) = body.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let operation: Operation = body
        .operation
        .parse()
        .map_err(|e: String| ApiError::BadRequest(format!("operation: {e}")))?;
    let schema = schema();
    let (file, text) = config_file(&state, "routing.toml")?;
    let matrix = RoutingMatrix::from_toml(&file, &text, &schema).map_err(broken)?;
    let today = Utc::now().date_naive();
    let found = state
        .store
        .customer_facts(today, Some(&body.customer_id))
        .await?;
    let Some(customer) = found.first() else {
        return Err(ApiError::NotFound(format!(
            "no customer with id {:?}",
            body.customer_id
        )));
    };
    let facts = to_facts(customer, &schema, today);
    let route = matrix.route_all(&facts, operation, today);
    let mut channels = route.channels.into_iter();
    Ok(Json(RouteAnswer {
        customer_id: body.customer_id,
        operation,
        channel: channels.next(),
        fallbacks: channels.collect(),
        segment: route.segment,
        reason: route.reason,
    }))
}

#[derive(Deserialize)]
pub struct SegmentsParams {
    segmentation: Option<String>,
}

#[derive(Serialize)]
pub struct SegmentSize {
    segment: String,
    customers: i64,
    margin_minor: i64,
    clv_minor: i64,
}

#[derive(Serialize)]
pub struct SegmentsAnswer {
    segmentation: String,
    segments: Vec<SegmentSize>,
}

/// `GET /api/v1/segments?segmentation=rfm`: sizes and value of the latest segment refresh.
pub async fn segments(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(p): Query<SegmentsParams>,
) -> Result<Json<SegmentsAnswer>, ApiError> {
    user.require(Permission::ViewDashboard)?;
    let segmentation = p.segmentation.unwrap_or_else(|| "rfm".to_owned());
    let segments = state
        .store
        .segment_sizes(&segmentation)
        .await?
        .into_iter()
        .map(
            |(segment, customers, margin_minor, clv_minor)| SegmentSize {
                segment,
                customers,
                margin_minor,
                clv_minor,
            },
        )
        .collect();
    Ok(Json(SegmentsAnswer {
        segmentation,
        segments,
    }))
}

/// `GET /api/v1/customers/{id}/segments`: the customer's segments in the latest refresh.
pub async fn customer_segments(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<Json<Vec<CustomerSegment>>, ApiError> {
    user.require(Permission::ViewCustomers)?;
    match state.store.customer_segments(&id).await? {
        Some(segments) => Ok(Json(segments)),
        None => Err(ApiError::NotFound(format!("no customer with id {id:?}"))),
    }
}

/// `GET /api/v1/rules`: the rules loaded, as written.
pub async fn rules(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Json<Vec<RuleSpec>>, ApiError> {
    user.require(Permission::ManageRules)?;
    let (file, text) = config_file(&state, "rules.toml")?;
    let set = RuleSet::from_toml(&file, &text, &schema()).map_err(broken)?;
    Ok(Json(set.rules().iter().map(|r| r.spec.clone()).collect()))
}

#[derive(Deserialize)]
pub struct CheckRequest {
    /// `rules` (default), `policy`, `routing`, `segments` or `calendar`.
    #[serde(default)]
    kind: Option<String>,
    /// The file's TOML text.
    toml: String,
}

#[derive(Serialize)]
pub struct CheckError {
    line: Option<usize>,
    column: Option<usize>,
    message: String,
}

#[derive(Serialize)]
pub struct CheckAnswer {
    ok: bool,
    summary: Option<String>,
    errors: Vec<CheckError>,
}

/// `POST /api/v1/rules/check {kind, toml}`: validates a configuration file without loading it;
/// problems come back with line and column.
pub async fn check(
    user: CurrentUser,
    headers: HeaderMap,
    body: Result<Json<CheckRequest>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<CheckAnswer>, ApiError> {
    user.require(Permission::ManageRules)?;
    user.check_csrf(headers.get("x-csrf-token").and_then(|v| v.to_str().ok()))?;
    let Json(body) = body.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let schema = schema();
    let name = "posted";
    let text = &body.toml;
    let outcome: Result<String, RulesError> = match body.kind.as_deref().unwrap_or("rules") {
        "rules" => {
            RuleSet::from_toml(name, text, &schema).map(|s| format!("{} rules", s.rules().len()))
        }
        "policy" => ContactPolicy::from_toml(name, text).map(|_| "a valid contact policy".into()),
        "routing" => RoutingMatrix::from_toml(name, text, &schema).map(|m| {
            format!(
                "{} segments, {} routes",
                m.spec().segments.len(),
                m.spec().routes.len()
            )
        }),
        "segments" => RuleSegments::from_toml(name, text, &schema)
            .map(|s| format!("{} segments", s.segments().count())),
        "calendar" => Calendar::from_toml(name, text).map(|_| "a valid calendar".into()),
        other => {
            return Err(ApiError::BadRequest(format!(
                "kind {other:?}: expected rules, policy, routing, segments or calendar"
            )));
        }
    };
    let errors = match outcome {
        Ok(summary) => {
            return Ok(Json(CheckAnswer {
                ok: true,
                summary: Some(summary),
                errors: Vec::new(),
            }));
        }
        Err(RulesError::Several(errors)) => errors,
        Err(e) => vec![e],
    };
    Ok(Json(CheckAnswer {
        ok: false,
        summary: None,
        errors: errors
            .iter()
            .map(|e| CheckError {
                line: e.position().map(|p| p.line),
                column: e.position().map(|p| p.column),
                message: e.to_string(),
            })
            .collect(),
    }))
}

#[derive(Deserialize)]
pub struct RulesUpdate {
    /// The new `rules.toml`, whole.
    toml: String,
}

#[derive(Serialize)]
pub struct RulesUpdated {
    /// Where the file was written (in the server's configuration directory).
    file: String,
    rules: usize,
}

/// `PUT /api/v1/rules {toml}`: replaces the rules file of the server's configuration directory
/// after checking it whole (errors with line and column, nothing written); the write is atomic
/// (a temporary file renamed), and the file stays the versionable source of the rules.
pub async fn put_rules(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    body: Result<Json<RulesUpdate>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<RulesUpdated>, ApiError> {
    user.require(Permission::ManageRules)?;
    user.check_csrf(headers.get("x-csrf-token").and_then(|v| v.to_str().ok()))?;
    let Json(body) = body.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let Some(dir) = state.settings.config_dir.as_ref() else {
        return Err(ApiError::Conflict(
            "the server runs on the built-in sample configuration: start it with --config DIR to change rules through the API".into(),
        ));
    };
    let set = RuleSet::from_toml("rules.toml", &body.toml, &schema())
        .map_err(|e| ApiError::BadRequest(e.to_string()))?;
    let path = dir.join("rules.toml");
    let partial = dir.join(".rules.toml.partial");
    std::fs::write(&partial, &body.toml)
        .and_then(|()| std::fs::rename(&partial, &path))
        .map_err(|e| ApiError::Internal(format!("writing {}: {e}", path.display())))?;
    state
        .store
        .record_audit(
            &user.user,
            "rules_update",
            None,
            Some(&format!("{} rules", set.rules().len())),
            Utc::now(),
        )
        .await?;
    Ok(Json(RulesUpdated {
        file: path.display().to_string(),
        rules: set.rules().len(),
    }))
}
