//! Acquisition scoring: the expected first-year net margin of an applicant, from what is known at
//! sign-up, by the active acquisition model (`fidelis train acquisition`).

use crate::AppState;
use crate::auth::{CurrentUser, Permission};
use crate::error::ApiError;
use axum::Json;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::HeaderMap;
use fidelis_analytics::acquisition::{AcquisitionModel, Applicant};
use fidelis_store::ModelKind;
use serde::Serialize;
use std::sync::{Arc, Mutex};

/// The last acquisition model read, by version, so a request does not parse the trees again.
#[derive(Default)]
pub struct ModelCache {
    acquisition: Mutex<Option<(i64, Arc<AcquisitionModel>)>>,
}

#[derive(Debug, Serialize)]
pub struct ProspectScore {
    /// Expected net margin of the first 12 months, in `currency` units.
    pub expected_profit_12m: f64,
    pub currency: Option<String>,
    /// The training customers' mean, for scale.
    pub mean_first_year: f64,
    pub model_version: i64,
}

/// `POST /api/v1/prospects/score`: the applicant's attributes → expected 12-month profit.
pub async fn score(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    body: Result<Json<Applicant>, JsonRejection>,
) -> Result<Json<ProspectScore>, ApiError> {
    user.require(Permission::ViewCustomers)?;
    user.check_csrf(headers.get("x-csrf-token").and_then(|v| v.to_str().ok()))?;
    let Json(applicant) = body.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    applicant
        .validate()
        .map_err(|e| ApiError::BadRequest(e.to_string()))?;
    let stored = state
        .store
        .active_model(ModelKind::Acquisition)
        .await?
        .ok_or_else(|| {
            ApiError::NotFound(
                "no acquisition model yet: train one with `fidelis train acquisition`".into(),
            )
        })?;
    let cached = {
        let guard = state
            .models
            .acquisition
            .lock()
            .map_err(|_| ApiError::Internal("model cache poisoned".into()))?;
        guard
            .as_ref()
            .filter(|(v, _)| *v == stored.info.version)
            .map(|(_, m)| Arc::clone(m))
    };
    let model = match cached {
        Some(m) => m,
        None => {
            let m: AcquisitionModel = serde_json::from_str(&stored.model_json).map_err(|e| {
                ApiError::Internal(format!("acquisition model {}: {e}", stored.info.version))
            })?;
            let m = Arc::new(m);
            if let Ok(mut guard) = state.models.acquisition.lock() {
                *guard = Some((stored.info.version, Arc::clone(&m)));
            }
            m
        }
    };
    Ok(Json(ProspectScore {
        expected_profit_12m: model.predict(&applicant),
        currency: stored.info.params["currency"].as_str().map(str::to_string),
        mean_first_year: model.mean_target,
        model_version: stored.info.version,
    }))
}
