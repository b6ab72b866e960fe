//! `GET /api/v1/customers/{id}`: a customer's record as JSON.

use crate::AppState;
use crate::error::ApiError;
use axum::Json;
use axum::extract::{Path, State};
use fidelis_domain::Customer;

pub async fn get_customer(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Customer>, ApiError> {
    match state.store.customer(&id).await? {
        Some(customer) => Ok(Json(customer)),
        None => Err(ApiError::NotFound(format!("no customer with id {id:?}"))),
    }
}
