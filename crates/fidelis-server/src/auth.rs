//! Who is calling and what they may do: argon2 passwords, session cookies with a CSRF token, API tokens,
//! and the role → permission table checked by every route.

use crate::AppState;
use crate::error::ApiError;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use fidelis_domain::{Role, User};
use sha2::{Digest, Sha256};

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "fidelis_session";
/// The cookie holding the login form's CSRF token before a session exists.
pub const LOGIN_CSRF_COOKIE: &str = "fidelis_login_csrf";

/// Something a route may require.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    ViewCustomers,
    RecordOutcomes,
    /// Post events (contacts) through the API: channel systems, and agents logging a call.
    PostEvents,
    ViewDashboard,
    Export,
    ManageRules,
    Import,
    ManageUsers,
}

/// The role → permission table: an agent sees customers and records outcomes; an analyst also reads
/// dashboards, exports, imports and manages rules; an admin also manages users.
pub fn allows(role: Role, permission: Permission) -> bool {
    use Permission::*;
    match role {
        Role::Admin => true,
        Role::Analyst => !matches!(permission, ManageUsers),
        Role::Agent => matches!(permission, ViewCustomers | RecordOutcomes | PostEvents),
    }
}

/// Argon2id cost: the defaults of the argon2 crate (19 MiB, 2 passes) in production, cheaper in tests.
#[derive(Debug, Clone, Copy)]
pub struct PasswordCost {
    pub memory_kib: u32,
    pub iterations: u32,
}

impl Default for PasswordCost {
    fn default() -> PasswordCost {
        PasswordCost {
            memory_kib: Params::DEFAULT_M_COST,
            iterations: Params::DEFAULT_T_COST,
        }
    }
}

fn argon2(cost: PasswordCost) -> Argon2<'static> {
    let params = Params::new(cost.memory_kib, cost.iterations, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes a password into a PHC string (`$argon2id$…`), salt included.
pub fn hash_password(password: &str, cost: PasswordCost) -> Result<String, ApiError> {
    let salt = SaltString::encode_b64(&random_bytes::<16>())
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    argon2(cost)
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| ApiError::Internal(e.to_string()))
}

/// Checks a password against a PHC hash (whatever cost it was made with).
pub fn verify_password(password: &str, hash: &str) -> bool {
    match PasswordHash::new(hash) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    // The OS random source does not fail on the systems we run on; if it ever did, an all-zero token
    // would be guessable, so refuse to go on.
    getrandom::getrandom(&mut bytes).expect("the operating system's random source is unavailable");
    bytes
}

/// A fresh random secret: 32 bytes, hex-encoded.
pub fn random_token() -> String {
    hex(&random_bytes::<32>())
}

/// A readable random password (24 characters from an unambiguous alphabet).
pub fn random_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    random_bytes::<24>()
        .iter()
        .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
        .collect()
}

/// What the store keeps of a session id or API token.
pub fn token_hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Compares secrets in time independent of where they differ.
pub fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// The value of a cookie in the request headers.
pub fn cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// How the caller proved who they are.
#[derive(Debug, Clone)]
pub enum Credential {
    /// A browser session; its CSRF token must accompany every state-changing request.
    Session { csrf: String },
    /// An integration's API token (no cookie, so no CSRF).
    Token,
}

/// The authenticated caller of a route.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub user: User,
    pub credential: Credential,
}

impl CurrentUser {
    /// Refuses with 403 unless the user's role allows `permission`.
    pub fn require(&self, permission: Permission) -> Result<(), ApiError> {
        if allows(self.user.role, permission) {
            Ok(())
        } else {
            Err(ApiError::Forbidden(format!(
                "the {} role may not do this",
                self.user.role.as_str()
            )))
        }
    }

    /// Checks the CSRF token sent with a state-changing request made with a session.
    pub fn check_csrf(&self, provided: Option<&str>) -> Result<(), ApiError> {
        match &self.credential {
            Credential::Token => Ok(()),
            Credential::Session { csrf } => match provided {
                Some(p) if same_secret(p, csrf) => Ok(()),
                _ => Err(ApiError::Forbidden("missing or wrong CSRF token".into())),
            },
        }
    }

    pub fn csrf(&self) -> &str {
        match &self.credential {
            Credential::Session { csrf } => csrf,
            Credential::Token => "",
        }
    }
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<CurrentUser, ApiError> {
        if let Some(value) = parts.headers.get(header::AUTHORIZATION) {
            let token = value
                .to_str()
                .ok()
                .and_then(|v| v.strip_prefix("Bearer "))
                .map(str::trim);
            let Some(token) = token else {
                return Err(ApiError::Unauthenticated(
                    "expected Authorization: Bearer <token>".into(),
                ));
            };
            return match state.store.api_token_user(&token_hash(token)).await? {
                Some(user) => Ok(CurrentUser {
                    user,
                    credential: Credential::Token,
                }),
                None => Err(ApiError::Unauthenticated("unknown API token".into())),
            };
        }
        if let Some(session) = cookie(&parts.headers, SESSION_COOKIE) {
            let now = chrono::Utc::now();
            if let Some((user, csrf)) = state.store.session(&token_hash(session), now).await? {
                return Ok(CurrentUser {
                    user,
                    credential: Credential::Session { csrf },
                });
            }
        }
        Err(ApiError::Unauthenticated(
            "log in or send an API token".into(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_and_permissions() {
        use Permission::*;
        let all = [
            ViewCustomers,
            RecordOutcomes,
            PostEvents,
            ViewDashboard,
            Export,
            ManageRules,
            Import,
            ManageUsers,
        ];
        let agent: Vec<_> = all.iter().filter(|p| allows(Role::Agent, **p)).collect();
        assert_eq!(agent, [&ViewCustomers, &RecordOutcomes, &PostEvents]);
        assert!(!allows(Role::Analyst, ManageUsers));
        assert!(allows(Role::Analyst, Export));
        assert!(all.iter().all(|p| allows(Role::Admin, *p)));
    }

    #[test]
    fn passwords_and_tokens() {
        let cost = PasswordCost {
            memory_kib: 64,
            iterations: 1,
        };
        let hash = hash_password("correct horse", cost).unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse", &hash));
        assert!(!verify_password("wrong horse", &hash));
        assert!(!verify_password("correct horse", "not a hash"));
        assert_ne!(
            hash_password("correct horse", cost).unwrap(),
            hash,
            "salted"
        );
        let (a, b) = (random_token(), random_token());
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
        assert_eq!(token_hash("abc").len(), 64);
        assert!(
            same_secret("abc", "abc") && !same_secret("abc", "abd") && !same_secret("abc", "ab")
        );
        assert_eq!(random_password().len(), 24);
    }

    #[test]
    fn cookies() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            "a=1; fidelis_session=xyz; b=2".parse().unwrap(),
        );
        assert_eq!(cookie(&headers, SESSION_COOKIE), Some("xyz"));
        assert_eq!(cookie(&headers, "c"), None);
    }
}
