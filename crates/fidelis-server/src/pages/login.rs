//! The login page, logging in and out, and the language setting.

use super::{LANGUAGE_COOKIE, PageError, PageUser, anonymous_locale, render};
use crate::AppState;
use crate::auth::{
    LOGIN_CSRF_COOKIE, SESSION_COOKIE, cookie, random_token, same_secret, token_hash,
    verify_password,
};
use crate::i18n::Locale;
use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use fidelis_domain::User;
use serde::Deserialize;

/// How long a session lasts.
const SESSION_HOURS: i64 = 12;
/// How long the language picked on the login page is remembered.
const LANGUAGE_COOKIE_SECONDS: i64 = 365 * 24 * 3600;

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    locale: Locale,
    user: Option<User>,
    csrf: String,
    can_dashboard: bool,
    next: String,
    failed: bool,
}

impl LoginPage {
    /// The login page in the other language, keeping where to go after logging in.
    fn switch_href(&self) -> String {
        let other = if self.locale == Locale::Fr {
            "en"
        } else {
            "fr"
        };
        format!("/login?lang={other}&next={}", super::urlencode(&self.next))
    }
}

#[derive(Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
    failed: Option<String>,
    /// `fr` or `en`: the language picked on the login page, kept in a cookie.
    lang: Option<String>,
}

fn cookie_header(state: &AppState, name: &str, value: &str, max_age_seconds: i64) -> HeaderValue {
    let secure = if state.settings.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    let text = format!(
        "{name}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age_seconds}{secure}"
    );
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// Only local paths are followed after login (no open redirect).
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_owned(),
        _ => "/".to_owned(),
    }
}

pub async fn page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<LoginQuery>,
) -> Result<Response, PageError> {
    // Login CSRF: a random token in a cookie and in the form, compared on submission.
    let csrf = random_token();
    let picked = q.lang.as_deref().and_then(Locale::parse);
    let page = LoginPage {
        locale: picked.unwrap_or_else(|| anonymous_locale(&headers)),
        user: None,
        csrf: csrf.clone(),
        can_dashboard: false,
        next: safe_next(q.next.as_deref()),
        failed: q.failed.is_some(),
    };
    let mut response = render(&page)?.into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        cookie_header(&state, LOGIN_CSRF_COOKIE, &csrf, 3600),
    );
    if let Some(locale) = picked {
        response.headers_mut().append(
            header::SET_COOKIE,
            cookie_header(
                &state,
                LANGUAGE_COOKIE,
                locale.code(),
                LANGUAGE_COOKIE_SECONDS,
            ),
        );
    }
    Ok(response)
}

#[derive(Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
    csrf: Option<String>,
    next: Option<String>,
}

pub async fn submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Result<Response, PageError> {
    let expected = cookie(&headers, LOGIN_CSRF_COOKIE);
    let csrf_ok =
        matches!((expected, form.csrf.as_deref()), (Some(e), Some(p)) if same_secret(e, p));
    if !csrf_ok {
        return Err(PageError::csrf(anonymous_locale(&headers)));
    }
    let next = safe_next(form.next.as_deref());
    let credentials = state.store.user_credentials(form.username.trim()).await?;
    let user = match credentials {
        Some((user, hash)) if verify_password(&form.password, &hash) => user,
        _ => {
            tracing::info!(username = %form.username.trim(), "failed login");
            return Ok(
                Redirect::to(&format!("/login?failed=1&next={}", super::urlencode(&next)))
                    .into_response(),
            );
        }
    };
    let session = random_token();
    let now = chrono::Utc::now();
    let expires = now + chrono::Duration::hours(SESSION_HOURS);
    state
        .store
        .create_session(
            &token_hash(&session),
            user.id,
            &random_token(),
            now,
            expires,
        )
        .await?;
    tracing::info!(user = %user.username, "login");
    let mut response = Redirect::to(&next).into_response();
    let headers = response.headers_mut();
    headers.append(
        header::SET_COOKIE,
        cookie_header(&state, SESSION_COOKIE, &session, SESSION_HOURS * 3600),
    );
    headers.append(
        header::SET_COOKIE,
        cookie_header(&state, LOGIN_CSRF_COOKIE, "", 0),
    );
    Ok(response)
}

#[derive(Deserialize)]
pub struct CsrfForm {
    csrf: Option<String>,
}

pub async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    user: PageUser,
    Form(form): Form<CsrfForm>,
) -> Result<Response, PageError> {
    user.check_csrf(form.csrf.as_deref())?;
    if let Some(session) = cookie(&headers, SESSION_COOKIE) {
        state.store.delete_session(&token_hash(session)).await?;
    }
    let mut response = Redirect::to("/login").into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        cookie_header(&state, SESSION_COOKIE, "", 0),
    );
    Ok(response)
}

#[derive(Deserialize)]
pub struct LanguageForm {
    csrf: Option<String>,
    language: String,
}

pub async fn set_language(
    State(state): State<AppState>,
    headers: HeaderMap,
    user: PageUser,
    Form(form): Form<LanguageForm>,
) -> Result<Response, PageError> {
    user.check_csrf(form.csrf.as_deref())?;
    let locale = Locale::parse(&form.language).ok_or_else(|| {
        PageError::Api(
            crate::ApiError::BadRequest("expected language fr or en".into()),
            user.locale,
        )
    })?;
    state
        .store
        .set_user_locale(user.current.user.id, Some(locale.code()))
        .await?;
    let back = headers
        .get(header::REFERER)
        .and_then(|r| r.to_str().ok())
        .and_then(|r| {
            r.find("://")
                .and_then(|i| r[i + 3..].find('/').map(|j| r[i + 3 + j..].to_owned()))
        });
    let mut response = Redirect::to(&safe_next(back.as_deref())).into_response();
    // The login page, after logging out, keeps speaking the user's language.
    response.headers_mut().append(
        header::SET_COOKIE,
        cookie_header(
            &state,
            LANGUAGE_COOKIE,
            locale.code(),
            LANGUAGE_COOKIE_SECONDS,
        ),
    );
    Ok(response)
}
