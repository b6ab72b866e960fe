//! `POST /api/v1/imports/{entity}`: the same validated import as `fidelis import`, for integrations
//! that push files. The body is the file (CSV or JSONL, any encoding the import reads); the answer is
//! the summary with the first rejected rows (line, field, value, reason). One transaction: a failure
//! part-way leaves the store as it was.

use crate::AppState;
use crate::auth::{CurrentUser, Permission, random_token};
use crate::error::ApiError;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use fidelis_domain::Entity;
use fidelis_store::ImportError;
use fidelis_store::import::{Format, ImportOptions, ImportSummary, import_file};
use serde::{Deserialize, Serialize};

/// The largest file accepted in one request.
pub const MAX_BYTES: usize = 256 * 1024 * 1024;
/// Rejected rows returned in the answer (the count is complete).
const REJECTS_SHOWN: usize = 100;

#[derive(Deserialize)]
pub struct ImportParams {
    /// `csv` (default) or `jsonl`.
    format: Option<String>,
    /// Refuse the whole file when any row is rejected.
    #[serde(default)]
    all_or_nothing: bool,
}

#[derive(Serialize)]
pub struct ImportAnswer {
    #[serde(flatten)]
    pub summary: ImportSummary,
    pub rejects: Vec<fidelis_store::import::Reject>,
}

pub async fn import(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Path(entity): Path<String>,
    Query(params): Query<ImportParams>,
    body: Bytes,
) -> Result<Json<ImportAnswer>, ApiError> {
    user.require(Permission::Import)?;
    user.check_csrf(headers.get("x-csrf-token").and_then(|v| v.to_str().ok()))?;
    let entity = Entity::parse(&entity).ok_or_else(|| {
        ApiError::BadRequest(format!(
            "entity {entity:?} is not importable; expected one of {}",
            Entity::ALL.map(|e| e.to_string()).join(", ")
        ))
    })?;
    let format = match params.format.as_deref() {
        None | Some("csv") => Format::Csv,
        Some("jsonl") => Format::Jsonl,
        Some(other) => {
            return Err(ApiError::BadRequest(format!(
                "format: value {other:?} is not csv or jsonl"
            )));
        }
    };
    // The import reads files: the body goes to a private temporary file, removed afterwards.
    let dir = std::env::temp_dir().join(format!("fidelis-import-{}", random_token()));
    std::fs::create_dir(&dir)
        .map_err(|e| ApiError::Internal(format!("temporary directory: {e}")))?;
    let file = dir.join(format!("{entity}.upload"));
    let result = async {
        std::fs::write(&file, &body)
            .map_err(|e| ApiError::Internal(format!("temporary file: {e}")))?;
        let options = ImportOptions {
            format: Some(format),
            rejects_path: Some(dir.join("rejects.csv")),
            all_or_nothing: params.all_or_nothing,
            ..ImportOptions::new(entity, chrono::Utc::now().date_naive())
        };
        import_file(&state.store, &file, &options, &|_| {})
            .await
            .map_err(|e| match e {
                ImportError::Store(e) => ApiError::from(e),
                ImportError::Database { .. } | ImportError::Read { .. } => {
                    ApiError::Internal(e.to_string())
                }
                // Header, file-level and all-or-nothing refusals are about the request's file.
                other => ApiError::BadRequest(
                    other
                        .to_string()
                        .replace(&file.display().to_string(), "body"),
                ),
            })
    }
    .await;
    let _ = std::fs::remove_dir_all(&dir);
    let mut summary = result?;
    summary.file = "body".into();
    summary.rejects_file = None;
    let rejects = summary
        .first_rejects
        .iter()
        .take(REJECTS_SHOWN)
        .cloned()
        .collect();
    state
        .store
        .record_audit(
            &user.user,
            "import",
            None,
            Some(&format!(
                "{entity}: {} read, {} inserted, {} updated, {} rejected",
                summary.read, summary.inserted, summary.updated, summary.rejected
            )),
            chrono::Utc::now(),
        )
        .await?;
    Ok(Json(ImportAnswer { summary, rejects }))
}
