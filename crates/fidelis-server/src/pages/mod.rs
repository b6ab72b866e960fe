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
        let locale = anonymous_locale(&parts.headers);
        match CurrentUser::from_request_parts(parts, state).await {
            Ok(current) => {
                let locale = choose_locale(current.user.locale.as_deref(), &parts.headers);
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

    /// Checks the CSRF token of a form.
    pub fn check_csrf(&self, provided: Option<&str>) -> Result<(), PageError> {
        self.current
            .check_csrf(provided)
            .map_err(|_| PageError::csrf(self.locale))
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
    /// An error page: its status and the key of the sentence that says what went wrong.
    Page {
        status: StatusCode,
        text: &'static str,
        locale: Locale,
    },
    Api(ApiError, Locale),
}

impl PageError {
    pub fn not_found(text: &'static str, locale: Locale) -> PageError {
        PageError::Page {
            status: StatusCode::NOT_FOUND,
            text,
            locale,
        }
    }

    pub fn csrf(locale: Locale) -> PageError {
        PageError::Page {
            status: StatusCode::FORBIDDEN,
            text: "error.csrf",
            locale,
        }
    }
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

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    locale: Locale,
    user: Option<User>,
    csrf: String,
    can_dashboard: bool,
    status: u16,
    title: &'static str,
    text: &'static str,
}

/// The styled error page, in `locale`.
fn error_page(status: StatusCode, text: &'static str, locale: Locale) -> Response {
    let title = match status {
        StatusCode::FORBIDDEN => "error.forbidden",
        StatusCode::NOT_FOUND => "error.not_found",
        StatusCode::BAD_REQUEST => "error.bad_request",
        StatusCode::CONFLICT => "error.conflict",
        _ => "error.internal",
    };
    let page = ErrorPage {
        locale,
        user: None,
        csrf: String::new(),
        can_dashboard: false,
        status: status.as_u16(),
        title: locale.t(title),
        text: locale.t(text),
    };
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => ApiError::Internal(e.to_string()).into_response(),
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        match self {
            PageError::Login(to) => Redirect::to(&to).into_response(),
            PageError::Page {
                status,
                text,
                locale,
            } => error_page(status, text, locale),
            PageError::Api(e, locale) => {
                let (status, _) = e.status_and_code();
                let text = match &e {
                    ApiError::Forbidden(_) => "error.forbidden.text",
                    ApiError::NotFound(_) => "error.not_found.text",
                    ApiError::BadRequest(_) => "error.bad_request.text",
                    ApiError::Conflict(_) => "error.conflict.text",
                    ApiError::Unauthenticated(_) => "error.forbidden.text",
                    _ => {
                        // Logged once, here; the page says no more than that something failed.
                        tracing::error!(error = ?e, "page failed");
                        "error.internal.text"
                    }
                };
                error_page(status, text, locale)
            }
        }
    }
}

/// Unknown paths: a JSON error under `/api/`, else the 404 page in the caller's language.
pub async fn not_found(
    axum::extract::State(state): axum::extract::State<AppState>,
    request: axum::extract::Request,
) -> Response {
    let (mut parts, _) = request.into_parts();
    if parts.uri.path().starts_with("/api/") {
        return crate::api::not_found(parts.uri).await.into_response();
    }
    let setting = CurrentUser::from_request_parts(&mut parts, &state)
        .await
        .ok()
        .and_then(|u| u.user.locale);
    let locale = choose_locale(setting.as_deref(), &parts.headers);
    error_page(StatusCode::NOT_FOUND, "error.not_found.text", locale)
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

/// The cookie holding the language picked on the login page (before any user setting exists).
pub const LANGUAGE_COOKIE: &str = "fidelis_lang";

/// The user's setting, else the language picked on the login page, else the browser's.
pub fn choose_locale(setting: Option<&str>, headers: &HeaderMap) -> Locale {
    let picked = crate::auth::cookie(headers, LANGUAGE_COOKIE);
    Locale::choose(setting.or(picked), headers)
}

/// The locale for a request without a user (the login page).
pub fn anonymous_locale(headers: &HeaderMap) -> Locale {
    choose_locale(None, headers)
}
