//! Users, sessions, API tokens and the audit log. The store keeps only hashes of secrets: password
//! hashing (argon2) and token generation belong to the server.

use crate::error::StoreError;
use crate::store::{Store, with_pool};
use chrono::{DateTime, Utc};
use fidelis_domain::{Role, User};
use serde::Serialize;
use sqlx::Row;

/// One line of the audit log: who did what to which customer record, when.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditEntry {
    pub at: DateTime<Utc>,
    pub username: String,
    pub action: String,
    pub customer: Option<String>,
    pub detail: Option<String>,
}

/// A user from a row holding `id`, `username`, `role` and `locale`, for either backend.
fn user_from<R: Row>(r: &R) -> Result<User, StoreError>
where
    for<'c> &'c str: sqlx::ColumnIndex<R>,
    for<'r> i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> Option<String>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    let username: String = r.try_get("username")?;
    let role: String = r.try_get("role")?;
    let role = Role::parse(&role)
        .ok_or_else(|| StoreError::Corrupt(format!("user {username} has unknown role {role:?}")))?;
    Ok(User {
        id: r.try_get("id")?,
        username,
        role,
        locale: r.try_get("locale")?,
    })
}

impl Store {
    /// Creates a user; a taken username is a `Conflict`.
    pub async fn create_user(
        &self,
        username: &str,
        password_hash: &str,
        role: Role,
        now: DateTime<Utc>,
    ) -> Result<User, StoreError> {
        let _turn = self.write_turn().await;
        let result = with_pool!(self, pool => {
            sqlx::query_scalar::<_, i64>(
                "INSERT INTO users (username, password_hash, role, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
            )
            .bind(username)
            .bind(password_hash)
            .bind(role.as_str())
            .bind(now)
            .fetch_one(pool)
            .await
        });
        match result {
            Ok(id) => Ok(User {
                id,
                username: username.to_owned(),
                role,
                locale: None,
            }),
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Err(StoreError::Conflict(
                format!("a user named {username:?} already exists"),
            )),
            Err(e) => Err(e.into()),
        }
    }

    pub async fn count_users(&self) -> Result<i64, StoreError> {
        Ok(
            with_pool!(self, pool => sqlx::query_scalar("SELECT COUNT(*) FROM users").fetch_one(pool).await)?,
        )
    }

    /// The user and their password hash, for a login.
    pub async fn user_credentials(
        &self,
        username: &str,
    ) -> Result<Option<(User, String)>, StoreError> {
        with_pool!(self, pool => {
            let row = sqlx::query("SELECT id, username, role, locale, password_hash FROM users WHERE username = $1")
                .bind(username)
                .fetch_optional(pool)
                .await?;
            row.map(|r| {
                let user = user_from(&r)?;
                Ok((user, r.try_get("password_hash")?))
            })
            .transpose()
        })
    }

    pub async fn set_user_locale(
        &self,
        user_id: i64,
        locale: Option<&str>,
    ) -> Result<(), StoreError> {
        let _turn = self.write_turn().await;
        with_pool!(self, pool => {
            sqlx::query("UPDATE users SET locale = $1 WHERE id = $2").bind(locale).bind(user_id).execute(pool).await.map(|_| ())
        })?;
        Ok(())
    }

    pub async fn create_session(
        &self,
        token_hash: &str,
        user_id: i64,
        csrf_token: &str,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let _turn = self.write_turn().await;
        with_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(token_hash)
            .bind(user_id)
            .bind(csrf_token)
            .bind(now)
            .bind(expires_at)
            .execute(pool)
            .await
            .map(|_| ())
        })?;
        Ok(())
    }

    /// The user of an unexpired session, with the session's CSRF token.
    pub async fn session(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<(User, String)>, StoreError> {
        with_pool!(self, pool => {
            let row = sqlx::query(
                "SELECT u.id, u.username, u.role, u.locale, s.csrf_token FROM sessions s JOIN users u ON u.id = s.user_id \
                 WHERE s.token_hash = $1 AND s.expires_at > $2",
            )
            .bind(token_hash)
            .bind(now)
            .fetch_optional(pool)
            .await?;
            row.map(|r| {
                let user = user_from(&r)?;
                Ok((user, r.try_get("csrf_token")?))
            })
            .transpose()
        })
    }

    pub async fn delete_session(&self, token_hash: &str) -> Result<(), StoreError> {
        let _turn = self.write_turn().await;
        with_pool!(self, pool => {
            sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash).execute(pool).await.map(|_| ())
        })?;
        Ok(())
    }

    pub async fn create_api_token(
        &self,
        user_id: i64,
        name: &str,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let _turn = self.write_turn().await;
        with_pool!(self, pool => {
            sqlx::query("INSERT INTO api_tokens (user_id, name, token_hash, created_at) VALUES ($1, $2, $3, $4)")
                .bind(user_id)
                .bind(name)
                .bind(token_hash)
                .bind(now)
                .execute(pool)
                .await
                .map(|_| ())
        })?;
        Ok(())
    }

    /// The user an API token belongs to.
    pub async fn api_token_user(&self, token_hash: &str) -> Result<Option<User>, StoreError> {
        with_pool!(self, pool => {
            let row = sqlx::query(
                "SELECT u.id, u.username, u.role, u.locale FROM api_tokens t JOIN users u ON u.id = t.user_id \
                 WHERE t.token_hash = $1",
            )
            .bind(token_hash)
            .fetch_optional(pool)
            .await?;
            row.map(|r| user_from(&r))
                .transpose()
        })
    }

    /// Appends to the audit log.
    pub async fn record_audit(
        &self,
        user: &User,
        action: &str,
        customer: Option<&str>,
        detail: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let _turn = self.write_turn().await;
        with_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO audit_log (at, user_id, username, action, customer_external_id, detail) VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(at)
            .bind(user.id)
            .bind(&user.username)
            .bind(action)
            .bind(customer)
            .bind(detail)
            .execute(pool)
            .await
            .map(|_| ())
        })?;
        Ok(())
    }

    /// The latest audit entries, for one customer or for all.
    pub async fn audit_log(
        &self,
        customer: Option<&str>,
        limit: i64,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        with_pool!(self, pool => {
            let rows = sqlx::query(
                "SELECT at, username, action, customer_external_id, detail FROM audit_log \
                 WHERE ($1 IS NULL OR customer_external_id = $1) ORDER BY id DESC LIMIT $2",
            )
            .bind(customer)
            .bind(limit)
            .fetch_all(pool)
            .await?;
            rows.into_iter()
            .map(|r| {
                Ok(AuditEntry {
                    at: r.try_get("at")?,
                    username: r.try_get("username")?,
                    action: r.try_get("action")?,
                    customer: r.try_get("customer_external_id")?,
                    detail: r.try_get("detail")?,
                })
            })
            .collect()
        })
    }
}
