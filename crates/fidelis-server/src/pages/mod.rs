//! Server-rendered pages (askama templates in `templates/`, escaped by default), in French or English.

pub mod customers;
pub mod dashboard;
pub mod home;
pub mod login;

use crate::AppState;
use crate::auth::{CurrentUser, Permission, allows};
use crate::error::ApiError;
use crate::i18n::Locale;
use askama::Template;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use fidelis_domain::User;

/// The logged-in user of a page; anyone else is sent to the login page.
pub struct PageUser {
    pub current: CurrentUser,
    pub locale: Locale,
}

impl FromRequestParts<AppState> for PageUser {
    type Rejection = PageError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<PageUser, PageError> {
        let locale = Locale::choose(None, &parts.headers);
        match CurrentUser::from_request_parts(parts, state).await {
            Ok(current) => {
                let locale = Locale::choose(current.user.locale.as_deref(), &parts.headers);
                Ok(PageUser { current, locale })
            }
            Err(ApiError::Unauthenticated(_)) => {
                let next = parts
                    .uri
                    .path_and_query()
                    .map(|p| p.as_str())
                    .unwrap_or("/");
                Err(PageError::Login(format!("/login?next={}", urlencode(next))))
            }
            Err(e) => Err(PageError::Api(e, locale)),
        }
    }
}

impl PageUser {
    /// The header's pieces every page template carries.
    pub fn chrome(&self) -> Chrome {
        Chrome {
            locale: self.locale,
            user: Some(self.current.user.clone()),
            csrf: self.current.csrf().to_owned(),
            can_dashboard: allows(self.current.user.role, Permission::ViewDashboard),
        }
    }

    pub fn require(&self, permission: Permission) -> Result<(), PageError> {
        self.current
            .require(permission)
            .map_err(|e| PageError::Api(e, self.locale))
    }
}

/// What the base template shows around every page.
pub struct Chrome {
    pub locale: Locale,
    pub user: Option<User>,
    pub csrf: String,
    pub can_dashboard: bool,
}

/// A page that cannot be shown: to the login page, or an error page in the user's language.
pub enum PageError {
    Login(String),
    Api(ApiError, Locale),
}

impl From<ApiError> for PageError {
    fn from(e: ApiError) -> PageError {
        PageError::Api(e, Locale::Fr)
    }
}

impl From<fidelis_store::StoreError> for PageError {
    fn from(e: fidelis_store::StoreError) -> PageError {
        PageError::Api(e.into(), Locale::Fr)
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        match self {
            PageError::Login(to) => Redirect::to(&to).into_response(),
            PageError::Api(e, locale) => {
                let (status, _) = e.status_and_code();
                if status == StatusCode::INTERNAL_SERVER_ERROR {
                    return e.into_response();
                }
                let title = if status == StatusCode::FORBIDDEN {
                    locale.t("error.forbidden")
                } else {
                    "Fidelis"
                };
                let body = format!(
                    "<!doctype html><html lang=\"{}\"><meta charset=\"utf-8\"><title>{title}</title><h1>{title}</h1><p id=\"error\">{}</p><p><a href=\"/\">{}</a></p></html>",
                    locale.code(),
                    escape(&e.to_string()),
                    locale.t("nav.home")
                );
                (status, Html(body)).into_response()
            }
        }
    }
}

/// Renders a template into a response.
pub fn render(template: &impl Template) -> Result<Html<String>, PageError> {
    template
        .render()
        .map(Html)
        .map_err(|e| PageError::Api(ApiError::Internal(e.to_string()), Locale::Fr))
}

/// Escapes text for HTML element content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Percent-encodes a string for a URL query value.
pub fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The locale for a request without a user (the login page).
pub fn anonymous_locale(headers: &HeaderMap) -> Locale {
    Locale::choose(None, headers)
}
