//! The home page: the search box and what the database holds.

use super::{PageError, PageUser, render};
use crate::AppState;
use crate::auth::Permission;
use crate::i18n::Locale;
use askama::Template;
use axum::extract::State;
use axum::response::Html;
use fidelis_domain::User;
use fidelis_store::EntityCount;

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    locale: Locale,
    user: Option<User>,
    csrf: String,
    can_dashboard: bool,
    query: String,
    counts: Vec<EntityCount>,
}

pub async fn page(
    State(state): State<AppState>,
    user: PageUser,
) -> Result<Html<String>, PageError> {
    user.require(Permission::ViewCustomers)?;
    let chrome = user.chrome();
    let counts = state.store.counts().await?;
    render(&HomePage {
        locale: chrome.locale,
        user: chrome.user,
        csrf: chrome.csrf,
        can_dashboard: chrome.can_dashboard,
        query: String::new(),
        counts,
    })
}
