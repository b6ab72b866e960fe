//! Customers in the API: search, record, timeline. Every read of a record is written to the audit log.

use crate::AppState;
use crate::auth::{CurrentUser, Permission};
use crate::error::ApiError;
use axum::Json;
use axum::extract::{Path, Query, State};
use fidelis_domain::Customer;
use fidelis_store::{CustomerHit, TimelineEntry};
use serde::{Deserialize, Serialize};

#[derive(Deserialize)]
pub struct SearchParams {
    #[serde(default)]
    q: String,
    page: Option<i64>,
    per_page: Option<i64>,
}

/// A page of results.
#[derive(Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub page: i64,
    pub per_page: i64,
}

pub async fn search(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(p): Query<SearchParams>,
) -> Result<Json<Page<CustomerHit>>, ApiError> {
    user.require(Permission::ViewCustomers)?;
    let page = p.page.unwrap_or(1);
    let per_page = p.per_page.unwrap_or(20);
    if page < 1 || !(1..=200).contains(&per_page) {
        return Err(ApiError::BadRequest(
            "expected page ≥ 1 and per_page between 1 and 200".into(),
        ));
    }
    let items = state
        .store
        .search_customers(&p.q, per_page, (page - 1) * per_page)
        .await?;
    Ok(Json(Page {
        items,
        page,
        per_page,
    }))
}

pub async fn get_customer(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<Json<Customer>, ApiError> {
    user.require(Permission::ViewCustomers)?;
    match state.store.customer(&id).await? {
        Some(customer) => {
            state
                .store
                .record_audit(
                    &user.user,
                    "view_customer",
                    Some(&customer.id),
                    Some("api"),
                    chrono::Utc::now(),
                )
                .await?;
            Ok(Json(customer))
        }
        None => Err(ApiError::NotFound(format!("no customer with id {id:?}"))),
    }
}

#[derive(Deserialize)]
pub struct TimelineParams {
    limit: Option<i64>,
}

pub async fn timeline(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    Query(p): Query<TimelineParams>,
) -> Result<Json<Vec<TimelineEntry>>, ApiError> {
    user.require(Permission::ViewCustomers)?;
    let limit = p.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(ApiError::BadRequest(
            "expected limit between 1 and 1000".into(),
        ));
    }
    match state.store.timeline(&id, limit).await? {
        Some(entries) => {
            state
                .store
                .record_audit(
                    &user.user,
                    "view_timeline",
                    Some(&id),
                    Some("api"),
                    chrono::Utc::now(),
                )
                .await?;
            Ok(Json(entries))
        }
        None => Err(ApiError::NotFound(format!("no customer with id {id:?}"))),
    }
}

/// A customer's scores: the departure risk of the active model with its reasons, and the value
/// (P&L, lifetime value, quadrant, strategy) of every refresh, oldest first.
#[derive(Serialize)]
pub struct Scores {
    pub churn: Option<fidelis_store::ChurnScore>,
    pub value: Vec<fidelis_store::value::ValueSnapshot>,
}

pub async fn scores(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<Json<Scores>, ApiError> {
    user.require(Permission::ViewCustomers)?;
    let churn = state.store.churn_score(&id).await?;
    let value = state.store.customer_value_history(&id).await?;
    if churn.is_none() && value.is_empty() && state.store.customer(&id).await?.is_none() {
        return Err(ApiError::NotFound(format!("no customer with id {id:?}")));
    }
    Ok(Json(Scores { churn, value }))
}
