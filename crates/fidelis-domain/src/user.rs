//! Users of Fidelis and their roles.

use serde::Serialize;

/// What a user may do is decided by their role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Manages users and everything an analyst does.
    Admin,
    /// Imports data, reads dashboards, exports, defines segments and rules.
    Analyst,
    /// Call-centre agent or adviser: opens customers, records outcomes.
    Agent,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Admin, Role::Analyst, Role::Agent];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Analyst => "analyst",
            Role::Agent => "agent",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == text.trim().to_ascii_lowercase())
    }
}

/// A user account (the password hash stays in the store).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub role: Role,
    /// Preferred interface language (`fr`, `en`); the browser's when absent.
    pub locale: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse(" Agent "), Some(Role::Agent));
        assert_eq!(Role::parse("root"), None);
    }
}
