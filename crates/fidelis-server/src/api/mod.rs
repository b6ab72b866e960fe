//! The REST API under `/api/v1`.

pub mod customers;

use crate::error::ApiError;
use axum::Json;
use axum::http::Uri;
use serde_json::{Value, json};

pub async fn health() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

pub async fn not_found(uri: Uri) -> ApiError {
    ApiError::NotFound(format!("no route for {}", uri.path()))
}
