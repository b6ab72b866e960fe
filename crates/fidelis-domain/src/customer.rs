//! The customer as read back from the store: identity, contact, profile and consents.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

/// A customer record (`client`), identified by the source's external id.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Customer {
    pub id: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub postcode: Option<String>,
    pub city: Option<String>,
    pub country: String,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub birth_date: Option<NaiveDate>,
    pub gender: Option<String>,
    pub household_id: Option<String>,
    pub income_band: Option<String>,
    pub assets_band: Option<String>,
    /// Solvabilité: false marks a customer the company lets go rather than retains.
    pub solvent: bool,
    pub status: String,
    pub acquisition_date: Option<NaiveDate>,
    /// External id of the acquisition channel.
    pub acquisition_channel: Option<String>,
    /// Custom attributes imported from `attr.*` columns.
    pub attributes: serde_json::Map<String, serde_json::Value>,
    pub consents: Vec<Consent>,
}

/// Consentement: the customer's permission for one channel and purpose.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Consent {
    pub channel: String,
    pub purpose: String,
    pub status: String,
    pub recorded_at: DateTime<Utc>,
}
