//! The analyst dashboard and its CSV exports (analysts and admins only).

use super::{PageError, PageUser, render};
use crate::AppState;
use crate::auth::Permission;
use crate::i18n::Locale;
use crate::pages::customers::format_money;
use crate::svg::{Point, QuadrantLabel, quadrant_scatter};
use askama::Template;
use axum::extract::State;
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use fidelis_domain::User;
use fidelis_domain::{Currency, Money};
use fidelis_store::value::ValueReport;
use fidelis_store::{EntityCount, ValuePoint};

/// Customers drawn in the value-matrix scatter (a deterministic sample beyond that).
const SCATTER_POINTS: i64 = 2_000;

/// The value matrix as a scatter of profitability (x) × potential (y), cut where the refresh cut it,
/// with each quadrant's strategy and customer count.
fn value_scatter(report: &ValueReport, points: &[ValuePoint], locale: Locale) -> String {
    let plotted: Vec<Point> = points
        .iter()
        .map(|p| Point {
            x: p.net_minor as f64 / 100.0,
            y: p.clv_minor as f64 / 100.0,
            series: &p.strategy,
        })
        .collect();
    let count = |strategy: &str| {
        report
            .cells
            .iter()
            .filter(|c| c.strategy == strategy)
            .map(|c| c.customers)
            .sum::<i64>()
    };
    let texts: Vec<(bool, bool, String)> = [
        (false, true, "multi_equipment"),
        (true, true, "loyalty"),
        (true, false, "retention"),
        (false, false, "termination"),
    ]
    .iter()
    .map(|(right, top, s)| {
        (
            *right,
            *top,
            format!("{} · {}", locale.strategy(s), count(s)),
        )
    })
    .collect();
    let labels: Vec<QuadrantLabel> = texts
        .iter()
        .map(|(right, top, text)| QuadrantLabel {
            right: *right,
            top: *top,
            text,
        })
        .collect();
    quadrant_scatter(
        &plotted,
        report.run.profitability_cut_minor as f64 / 100.0,
        report.run.potential_cut_minor as f64 / 100.0,
        locale.t("value.net"),
        locale.t("value.clv"),
        &labels,
    )
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    locale: Locale,
    user: Option<User>,
    csrf: String,
    can_dashboard: bool,
    counts: Vec<EntityCount>,
    value: Option<ValueReport>,
    scatter: String,
}

impl DashboardPage {
    fn money(&self, minor: &i64) -> String {
        let currency = self
            .value
            .as_ref()
            .and_then(|v| Currency::parse(&v.run.info.currency).ok())
            .unwrap_or(Currency::EUR);
        format_money(Money::new(*minor, currency), self.locale)
    }
}

pub async fn page(
    State(state): State<AppState>,
    user: PageUser,
) -> Result<Html<String>, PageError> {
    user.require(Permission::ViewDashboard)?;
    let counts = state.store.counts().await?;
    let value = state.store.value_report(None).await?;
    let scatter = match &value {
        Some(report) => {
            let points = state
                .store
                .value_points(report.run.id, SCATTER_POINTS)
                .await?;
            value_scatter(report, &points, user.locale)
        }
        None => String::new(),
    };
    let chrome = user.chrome();
    render(&DashboardPage {
        locale: chrome.locale,
        user: chrome.user,
        csrf: chrome.csrf,
        can_dashboard: chrome.can_dashboard,
        counts,
        value,
        scatter,
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
