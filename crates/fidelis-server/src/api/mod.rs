//! The REST API under `/api/v1`. Routes are declared once, in `routes()`: the router registers them
//! and the OpenAPI document describes them from the same table.

pub mod alerts;
pub mod campaigns;
pub mod customers;
pub mod imports;
pub mod openapi;
pub mod prospects;
pub mod routing;

use crate::AppState;
use crate::error::ApiError;
use axum::Json;
use axum::http::Uri;
use axum::routing::{MethodRouter, get, post};
use serde_json::{Value, json};

/// One API route: method, path (axum syntax), what it does, who may call it, and its handler.
pub struct ApiRoute {
    pub method: &'static str,
    pub path: &'static str,
    pub summary: &'static str,
    /// `None` for public routes, else the permission required.
    pub permission: Option<&'static str>,
    pub handler: MethodRouter<AppState>,
}

pub fn routes() -> Vec<ApiRoute> {
    vec![
        ApiRoute {
            method: "get",
            path: "/api/v1/health",
            summary: "Liveness check",
            permission: None,
            handler: get(health),
        },
        ApiRoute {
            method: "get",
            path: "/api/v1/openapi.json",
            summary: "This document",
            permission: None,
            handler: get(openapi::document),
        },
        ApiRoute {
            method: "get",
            path: "/api/v1/customers",
            summary: "Search customers by name prefix, e-mail, phone or id (q), paginated (page, per_page)",
            permission: Some("view_customers"),
            handler: get(customers::search),
        },
        ApiRoute {
            method: "get",
            path: "/api/v1/customers/{id}",
            summary: "A customer's record with consents (audited)",
            permission: Some("view_customers"),
            handler: get(customers::get_customer),
        },
        ApiRoute {
            method: "get",
            path: "/api/v1/customers/{id}/timeline",
            summary: "A customer's events across every channel, newest first (limit)",
            permission: Some("view_customers"),
            handler: get(customers::timeline),
        },
        ApiRoute {
            method: "get",
            path: "/api/v1/customers/{id}/scores",
            summary: "A customer's departure risk with its reasons (active model) and value at every refresh",
            permission: Some("view_customers"),
            handler: get(customers::scores),
        },
        ApiRoute {
            method: "get",
            path: "/api/v1/customers/{id}/alerts",
            summary: "A customer's departure alerts with risk, reasons, offer and outcome, newest first (limit)",
            permission: Some("view_customers"),
            handler: get(alerts::customer_alerts),
        },
        ApiRoute {
            method: "post",
            path: "/api/v1/events",
            summary: "Post a contact (kind interaction); an inbound contact of an at-risk customer raises a departure alert, returned",
            permission: Some("post_events"),
            handler: post(alerts::post_event),
        },
        ApiRoute {
            method: "post",
            path: "/api/v1/alerts/{id}/outcome",
            summary: "Record the agent's outcome of an alert: accepted, declined or not_relevant (once)",
            permission: Some("record_outcomes"),
            handler: post(alerts::post_outcome),
        },
        ApiRoute {
            method: "get",
            path: "/api/v1/campaigns/report",
            summary: "A campaign's (campaign=ID) impact: response in treatment and control, uplift with its 95 % interval, incremental revenue and margin, cost and ROI, per channel",
            permission: Some("view_dashboard"),
            handler: get(campaigns::report),
        },
        ApiRoute {
            method: "post",
            path: "/api/v1/campaigns/{id}/responses",
            summary: "Record a campaign response {customer_id, at, kind, revenue_minor, margin_minor, currency} (idempotent)",
            permission: Some("post_events"),
            handler: post(campaigns::post_response),
        },
        ApiRoute {
            method: "post",
            path: "/api/v1/outbox/{id}/opt-out",
            summary: "The customer opted out from this message: consent withdrawn at once, waiting messages on the channel suppressed",
            permission: Some("post_events"),
            handler: post(campaigns::opt_out),
        },
        ApiRoute {
            method: "get",
            path: "/api/v1/calls",
            summary: "An agent's open telesales calls (agent), or the unassigned pool",
            permission: Some("view_customers"),
            handler: get(campaigns::calls),
        },
        ApiRoute {
            method: "post",
            path: "/api/v1/prospects/score",
            summary: "Expected first-year net margin of an applicant from the attributes known at sign-up (active acquisition model)",
            permission: Some("view_customers"),
            handler: post(prospects::score),
        },
        ApiRoute {
            method: "post",
            path: "/api/v1/imports/{entity}",
            summary: "Import a file of one entity (body: CSV or JSONL, format=csv|jsonl, all_or_nothing): the summary and the rejected rows with line, field, value and reason",
            permission: Some("import"),
            handler: post(imports::import)
                .layer(axum::extract::DefaultBodyLimit::max(imports::MAX_BYTES)),
        },
        ApiRoute {
            method: "post",
            path: "/api/v1/route",
            summary: "Who handles an operation for a customer: {customer_id, operation} → channel or actor, fallbacks, segment and reason",
            permission: Some("view_customers"),
            handler: post(routing::route),
        },
        ApiRoute {
            method: "get",
            path: "/api/v1/segments",
            summary: "Size, margin and lifetime value of each segment of a segmentation (segmentation, default rfm) in the latest segment refresh",
            permission: Some("view_dashboard"),
            handler: get(routing::segments),
        },
        ApiRoute {
            method: "get",
            path: "/api/v1/customers/{id}/segments",
            summary: "A customer's segments in the latest segment refresh",
            permission: Some("view_customers"),
            handler: get(routing::customer_segments),
        },
        ApiRoute {
            method: "get",
            path: "/api/v1/rules",
            summary: "The rules loaded",
            permission: Some("manage_rules"),
            handler: get(routing::rules),
        },
        ApiRoute {
            method: "put",
            path: "/api/v1/rules",
            summary: "Replace the rules file {toml} of the server's configuration directory, checked whole first (errors with line and column, nothing written)",
            permission: Some("manage_rules"),
            handler: axum::routing::put(routing::put_rules),
        },
        ApiRoute {
            method: "post",
            path: "/api/v1/rules/check",
            summary: "Check a configuration file {kind, toml}: errors with line and column",
            permission: Some("manage_rules"),
            handler: post(routing::check),
        },
    ]
}

pub async fn health() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

pub async fn not_found(uri: Uri) -> ApiError {
    ApiError::NotFound(format!("no route for {}", uri.path()))
}
