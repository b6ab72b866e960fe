//! The analyst dashboard and its CSV exports (analysts and admins only).

use super::{PageError, PageUser, render};
use crate::AppState;
use crate::auth::Permission;
use crate::i18n::Locale;
use askama::Template;
use axum::extract::State;
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use fidelis_domain::User;
use fidelis_store::EntityCount;

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    locale: Locale,
    user: Option<User>,
    csrf: String,
    can_dashboard: bool,
    counts: Vec<EntityCount>,
}

pub async fn page(
    State(state): State<AppState>,
    user: PageUser,
) -> Result<Html<String>, PageError> {
    user.require(Permission::ViewDashboard)?;
    let counts = state.store.counts().await?;
    let chrome = user.chrome();
    render(&DashboardPage {
        locale: chrome.locale,
        user: chrome.user,
        csrf: chrome.csrf,
        can_dashboard: chrome.can_dashboard,
        counts,
    })
}

/// Customers as CSV (id, names, e-mail, phone, city, status), for analysts.
pub async fn export_customers(
    State(state): State<AppState>,
    user: PageUser,
) -> Result<Response, PageError> {
    user.require(Permission::Export)?;
    let hits = state.store.all_customers().await?;
    let mut out = String::from("id,first_name,last_name,email,phone,city,status\n");
    for h in hits {
        let fields = [
            h.id.as_str(),
            h.first_name.as_deref().unwrap_or(""),
            h.last_name.as_deref().unwrap_or(""),
            h.email.as_deref().unwrap_or(""),
            h.phone.as_deref().unwrap_or(""),
            h.city.as_deref().unwrap_or(""),
            h.status.as_str(),
        ];
        let line: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
        out.push_str(&line.join(","));
        out.push('\n');
    }
    state
        .store
        .record_audit(
            &user.current.user,
            "export_customers",
            None,
            None,
            chrono::Utc::now(),
        )
        .await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"customers.csv\"",
            ),
        ],
        out,
    )
        .into_response())
}

/// Quotes a CSV field when needed; a leading `=`, `@`, or a `+`/`-` not followed by a plain number (as in
/// a phone number) is neutralised so that a spreadsheet does not run the field as a formula.
fn csv_field(text: &str) -> String {
    let number = |rest: &str| {
        !rest.is_empty()
            && rest
                .chars()
                .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '.' | ','))
    };
    let formula = text.starts_with(['=', '@'])
        || text
            .strip_prefix(['+', '-'])
            .is_some_and(|rest| !number(rest));
    let guarded = if formula {
        format!("'{text}")
    } else {
        text.to_owned()
    };
    if guarded.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", guarded.replace('"', "\"\""))
    } else {
        guarded
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn csv_fields() {
        assert_eq!(super::csv_field("plain"), "plain");
        assert_eq!(super::csv_field("a,b"), "\"a,b\"");
        assert_eq!(super::csv_field("=cmd()"), "'=cmd()");
        assert_eq!(
            super::csv_field("+cmd|' /C calc'!A0"),
            "'+cmd|' /C calc'!A0"
        );
        assert_eq!(super::csv_field("+33612345678"), "+33612345678");
        assert_eq!(super::csv_field("-12.5"), "-12.5");
        assert_eq!(super::csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
    }
}
