//! Reads: counts per entity and a customer's record with its consents.

use crate::error::StoreError;
use crate::store::{Store, with_pool};
use chrono::{DateTime, NaiveDate, Utc};
use fidelis_domain::{Consent, Customer, Entity};
use serde::Serialize;
use sqlx::Row;

/// Number of stored rows of an entity.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EntityCount {
    pub entity: Entity,
    pub rows: i64,
}

const CUSTOMER_COLUMNS: &str = "c.external_id, c.first_name, c.last_name, c.email, c.phone, c.address, c.postcode, \
    c.city, c.country, c.latitude, c.longitude, c.birth_date, c.gender, c.household_id, c.income_band, \
    c.assets_band, c.solvent, c.status, c.acquisition_date, ch.external_id AS acquisition_channel, c.attributes";

impl Store {
    /// The internal id of a customer, by external id.
    pub async fn internal_customer_id(&self, external_id: &str) -> Result<Option<i64>, StoreError> {
        with_pool!(self, pool => {
            Ok(sqlx::query_scalar("SELECT id FROM customers WHERE external_id = $1")
                .bind(external_id)
                .fetch_optional(pool)
                .await?)
        })
    }

    /// Rows per entity, in import order.
    pub async fn counts(&self) -> Result<Vec<EntityCount>, StoreError> {
        let mut out = Vec::with_capacity(Entity::ALL.len());
        for entity in Entity::ALL {
            // Table names come from the static specification, never from input.
            let sql = format!("SELECT COUNT(*) FROM {}", entity.spec().table);
            let rows: i64 = with_pool!(self, pool => sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).fetch_one(pool).await)?;
            out.push(EntityCount { entity, rows });
        }
        Ok(out)
    }

    /// The customer with this external id, with consents, or `None`.
    pub async fn customer(&self, external_id: &str) -> Result<Option<Customer>, StoreError> {
        let sql = format!(
            "SELECT c.id, {CUSTOMER_COLUMNS} FROM customers c \
             LEFT JOIN channels ch ON ch.id = c.acquisition_channel_id WHERE c.external_id = $1"
        );
        with_pool!(self, pool => {
            let Some(row) = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(external_id).fetch_optional(pool).await? else {
                return Ok(None);
            };
            let internal: i64 = row.try_get("id")?;
            let attributes: serde_json::Value = row.try_get("attributes")?;
            let mut customer = Customer {
                id: row.try_get("external_id")?,
                first_name: row.try_get("first_name")?,
                last_name: row.try_get("last_name")?,
                email: row.try_get("email")?,
                phone: row.try_get("phone")?,
                address: row.try_get("address")?,
                postcode: row.try_get("postcode")?,
                city: row.try_get("city")?,
                country: row.try_get("country")?,
                latitude: row.try_get("latitude")?,
                longitude: row.try_get("longitude")?,
                birth_date: row.try_get::<Option<NaiveDate>, _>("birth_date")?,
                gender: row.try_get("gender")?,
                household_id: row.try_get("household_id")?,
                income_band: row.try_get("income_band")?,
                assets_band: row.try_get("assets_band")?,
                solvent: row.try_get("solvent")?,
                status: row.try_get("status")?,
                acquisition_date: row.try_get::<Option<NaiveDate>, _>("acquisition_date")?,
                acquisition_channel: row.try_get("acquisition_channel")?,
                attributes: match attributes {
                    serde_json::Value::Object(map) => map,
                    _ => serde_json::Map::new(),
                },
                consents: Vec::new(),
            };
            let consents = sqlx::query(
                "SELECT channel, purpose, status, recorded_at FROM consents WHERE customer_id = $1 ORDER BY channel, purpose",
            )
            .bind(internal)
            .fetch_all(pool)
            .await?;
            for row in consents {
                customer.consents.push(Consent {
                    channel: row.try_get("channel")?,
                    purpose: row.try_get("purpose")?,
                    status: row.try_get("status")?,
                    recorded_at: row.try_get::<DateTime<Utc>, _>("recorded_at")?,
                });
            }
            Ok(Some(customer))
        })
    }
}
