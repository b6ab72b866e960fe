//! The analyst dashboard (value matrix, segments, departure risk and the model's curves, channel costs,
//! complaints against the service norms, campaign impact) and its tables as CSV (analysts and admins
//! only).

use super::{PageError, PageUser, render};
use crate::AppState;
use crate::auth::Permission;
use crate::i18n::Locale;
use crate::pages::customers::format_money;
use crate::svg::{self, Bar, Point, QuadrantLabel, Series, quadrant_scatter};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use fidelis_domain::User;
use fidelis_domain::{Currency, Money};
use fidelis_store::campaign_waves::CampaignImpactRow;
use fidelis_store::segments::SegmentSize;
use fidelis_store::value::ValueReport;
use fidelis_store::{
    ChannelCost, ComplaintNorms, EntityCount, ModelInfo, ModelKind, RiskBand, ServiceNorms,
    StoredModel, ValuePoint,
};
use std::borrow::Borrow;

/// Customers drawn in the value-matrix scatter (a deterministic sample beyond that).
const SCATTER_POINTS: i64 = 2_000;

/// Campaigns shown and exported, latest start first.
const CAMPAIGNS_SHOWN: i64 = 20;

/// A number with `digits` decimals in the page's language.
fn localized(locale: Locale, value: f64, digits: usize) -> String {
    let text = format!("{value:.digits$}");
    if locale == Locale::Fr {
        text.replace('.', ",")
    } else {
        text
    }
}

/// A signed number of percentage points: `+2,50`.
fn points(locale: Locale, share: f64) -> String {
    let sign = if share >= 0.0 { "+" } else { "" };
    format!("{sign}{}", localized(locale, share * 100.0, 2))
}

/// A percentage with `digits` decimals: `12,50 %` / `12.50%`.
fn percent_of(locale: Locale, share: f64, digits: usize) -> String {
    let text = localized(locale, share * 100.0, digits);
    if locale == Locale::Fr {
        format!("{text}\u{a0}%")
    } else {
        format!("{text}%")
    }
}

/// One line of the campaign-impact table: a campaign overall or on one channel, or a campaign not
/// measurable yet. Every figure is formatted here, in the page's language.
struct CampaignLine {
    /// The campaign's first line (its name is shown once).
    first: bool,
    campaign: String,
    name: String,
    waves: Option<usize>,
    /// `all` or the channel code.
    scope: String,
    scope_name: String,
    measured: bool,
    significant: bool,
    treated: u64,
    control: u64,
    rate_treated: String,
    rate_control: String,
    uplift: String,
    interval: String,
    revenue: String,
    margin: String,
    cost: String,
    roi: String,
    verdict: String,
}

fn campaign_lines(rows: &[CampaignImpactRow], locale: Locale) -> Vec<CampaignLine> {
    let mut lines = Vec::new();
    for row in rows {
        let plan = &row.campaign;
        let currency = Currency::parse(&plan.currency).unwrap_or(Currency::EUR);
        let money = |minor: f64| format_money(Money::new(minor.round() as i64, currency), locale);
        let base = |first: bool| CampaignLine {
            first,
            campaign: plan.id.clone(),
            name: plan.name.clone(),
            waves: row.waves,
            scope: String::new(),
            scope_name: String::new(),
            measured: false,
            significant: false,
            treated: 0,
            control: 0,
            rate_treated: String::new(),
            rate_control: String::new(),
            uplift: String::new(),
            interval: String::new(),
            revenue: String::new(),
            margin: String::new(),
            cost: String::new(),
            roi: String::new(),
            verdict: locale.t("campaigns.not_measurable").to_owned(),
        };
        if row.impact.is_empty() {
            lines.push(base(true));
            continue;
        }
        for (k, i) in row.impact.iter().enumerate() {
            let r = &i.response;
            let key = match (r.significant, r.difference > 0.0) {
                (true, true) => "campaigns.verdict_up",
                (true, false) => "campaigns.verdict_down",
                (false, _) => "campaigns.verdict_none",
            };
            let shown = |x: f64| format!("{} points", points(locale, x));
            let magnitude = if r.significant {
                r.difference.abs()
            } else {
                r.difference
            };
            let verdict = locale
                .t(key)
                .replace("{d}", &shown(magnitude))
                .replace("{lo}", &shown(r.ci_low))
                .replace("{hi}", &shown(r.ci_high));
            let separator = if locale == Locale::Fr { " ; " } else { ", " };
            lines.push(CampaignLine {
                scope: i.scope.clone(),
                scope_name: if i.scope == "all" {
                    locale.t("campaigns.all_channels").to_owned()
                } else {
                    locale.term("channels.kind", &i.scope).to_owned()
                },
                measured: true,
                significant: r.significant,
                treated: i.treated,
                control: i.control,
                rate_treated: percent_of(locale, r.treatment.mean, 2),
                rate_control: percent_of(locale, r.control.mean, 2),
                uplift: points(locale, r.difference),
                interval: format!(
                    "[{}{separator}{}]",
                    points(locale, r.ci_low),
                    points(locale, r.ci_high)
                ),
                revenue: money(i.incremental_revenue_minor),
                margin: money(i.incremental_margin_minor),
                cost: money(i.cost_minor as f64),
                roi: i.roi.map_or_else(
                    || "—".to_owned(),
                    |roi| {
                        let sign = if roi >= 0.0 { "+" } else { "" };
                        format!("{sign}{}", percent_of(locale, roi, 0))
                    },
                ),
                verdict,
                ..base(k == 0)
            });
        }
    }
    lines
}

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

/// The service norms complaints are held to: an answer within 8 days (EDF-GDF's charter, in the
/// seeds) and, our default since the seeds name none, a resolution within 30 days.
pub const SERVICE_NORMS: ServiceNorms = ServiceNorms {
    first_response_days: 8,
    resolution_days: 30,
};

/// The departure model's part of the dashboard, once a model is scored.
struct RiskView {
    version: i64,
    as_of: chrono::NaiveDate,
    auc: Option<f64>,
    bands: Vec<RiskBand>,
    histogram: String,
    roc: Option<String>,
    lift: Option<String>,
}

/// `[[x, y], …]` or `[{x_key, y_key}, …]` points from a model's metrics.
fn curve(metrics: &serde_json::Value, keys: &[&str], x_key: &str, y_key: &str) -> Vec<(f64, f64)> {
    let Some(points) = keys
        .iter()
        .find_map(|k| metrics.get(*k))
        .and_then(|v| v.as_array())
    else {
        return Vec::new();
    };
    points
        .iter()
        .filter_map(|p| match p {
            serde_json::Value::Array(xy) => Some((xy.first()?.as_f64()?, xy.get(1)?.as_f64()?)),
            serde_json::Value::Object(o) => {
                Some((o.get(x_key)?.as_f64()?, o.get(y_key)?.as_f64()?))
            }
            _ => None,
        })
        .collect()
}

fn risk_view(model: &ModelInfo, bands: Vec<RiskBand>, locale: Locale) -> RiskView {
    let labels: Vec<String> = bands
        .iter()
        .map(|b| format!("{:.0}–{:.0}", b.lower * 100.0, b.upper * 100.0))
        .collect();
    let bars: Vec<Bar> = bands
        .iter()
        .zip(&labels)
        .map(|(b, label)| Bar {
            label,
            value: b.customers as f64,
        })
        .collect();
    let histogram = svg::histogram(&bars, locale.t("risk.axis"), locale.t("value.customers"));
    let roc_points = curve(&model.metrics, &["roc", "roc_curve"], "fpr", "tpr");
    let roc = (!roc_points.is_empty()).then(|| {
        svg::line_chart(
            &[Series {
                name: "ROC",
                points: &roc_points,
                colour: "#b3261e",
            }],
            (0.0, 1.0),
            (0.0, 1.0),
            Some(((0.0, 0.0), (1.0, 1.0))),
            locale.t("risk.false_positives"),
            locale.t("risk.true_positives"),
        )
    });
    let lift_points = curve(&model.metrics, &["lift_curve", "lift"], "fraction", "lift");
    let lift = (!lift_points.is_empty()).then(|| {
        let top = lift_points
            .iter()
            .map(|p| p.1)
            .fold(1.0_f64, f64::max)
            .ceil();
        svg::line_chart(
            &[Series {
                name: locale.t("risk.lift"),
                points: &lift_points,
                colour: "#1f5fbf",
            }],
            (0.0, 1.0),
            (0.0, top),
            Some(((0.0, 1.0), (1.0, 1.0))),
            locale.t("risk.targeted"),
            locale.t("risk.lift"),
        )
    });
    let auc = ["gbdt", "validation"]
        .iter()
        .find_map(|k| model.metrics.get(*k))
        .and_then(|v| v.get("auc"))
        .or_else(|| model.metrics.get("auc"))
        .and_then(|v| v.as_f64());
    RiskView {
        version: model.version,
        as_of: model.as_of,
        auc,
        bands,
        histogram,
        roc,
        lift,
    }
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
    segments: Vec<SegmentSize>,
    risk: Option<RiskView>,
    channels: Vec<ChannelCost>,
    complaints: Vec<ComplaintNorms>,
    norms: ServiceNorms,
    campaigns: Vec<CampaignLine>,
}

impl DashboardPage {
    fn money(&self, minor: impl Borrow<i64>) -> String {
        let currency = self
            .value
            .as_ref()
            .and_then(|v| Currency::parse(&v.run.info.currency).ok())
            .unwrap_or(Currency::EUR);
        format_money(Money::new(*minor.borrow(), currency), self.locale)
    }

    fn money_in(&self, minor: impl Borrow<i64>, currency: &str) -> String {
        format_money(
            Money::new(
                *minor.borrow(),
                Currency::parse(currency).unwrap_or(Currency::EUR),
            ),
            self.locale,
        )
    }

    /// A decimal number with `digits` decimals in the page's language.
    fn number(&self, value: impl Borrow<f64>, digits: usize) -> String {
        let text = format!("{:.digits$}", value.borrow());
        if self.locale == Locale::Fr {
            text.replace('.', ",")
        } else {
            text
        }
    }

    fn percent(&self, share: impl Borrow<f64>) -> String {
        let text = self.number(share.borrow() * 100.0, 1);
        if self.locale == Locale::Fr {
            format!("{text}\u{a0}%")
        } else {
            format!("{text}%")
        }
    }

    fn days(&self, days: impl Borrow<Option<f64>>) -> String {
        match days.borrow() {
            Some(d) => format!("{} {}", self.number(d, 1), self.locale.t("unit.days")),
            None => "—".to_owned(),
        }
    }

    fn cost_per_contact(&self, c: &ChannelCost) -> String {
        match c.cost_per_contact_minor() {
            Some(cost) => self.money_in(cost, &c.currency),
            None => "—".to_owned(),
        }
    }

    fn auc(&self, r: &RiskView) -> String {
        r.auc
            .map(|auc| format!(" · AUC {}", self.number(auc, 3)))
            .unwrap_or_default()
    }

    fn segment_name<'a>(&self, segmentation: &str, segment: &'a str) -> &'a str {
        match segmentation {
            "value" => self.locale.strategy(segment),
            "rfm" => self.locale.term("rfm", segment),
            _ => segment,
        }
    }
}

/// Everything the dashboard shows, read once for the page and for its exports.
struct DashboardData {
    counts: Vec<EntityCount>,
    value: Option<ValueReport>,
    segments: Vec<SegmentSize>,
    risk: Option<(StoredModel, Vec<RiskBand>)>,
    channels: Vec<ChannelCost>,
    complaints: Vec<ComplaintNorms>,
}

async fn segments_of_latest_run(state: &AppState) -> Result<Vec<SegmentSize>, PageError> {
    let mut sizes = state.store.segment_history(None).await?;
    let latest = sizes.iter().map(|s| s.run_id).max();
    sizes.retain(|s| Some(s.run_id) == latest);
    Ok(sizes)
}

async fn risk(state: &AppState) -> Result<Option<(StoredModel, Vec<RiskBand>)>, PageError> {
    let Some(model) = state.store.active_model(ModelKind::Churn).await? else {
        return Ok(None);
    };
    let bands = state.store.risk_distribution().await?;
    // A model without scores has nothing to show yet.
    Ok((bands.iter().any(|b| b.customers > 0)).then_some((model, bands)))
}

pub async fn page(
    State(state): State<AppState>,
    user: PageUser,
) -> Result<Html<String>, PageError> {
    user.require(Permission::ViewDashboard)?;
    let locale = user.locale;
    let data = DashboardData {
        counts: state.store.counts().await?,
        value: state.store.value_report(None).await?,
        segments: segments_of_latest_run(&state).await?,
        risk: risk(&state).await?,
        channels: state.store.channel_costs().await?,
        complaints: state
            .store
            .complaints_against_norms(SERVICE_NORMS, chrono::Utc::now().date_naive())
            .await?,
    };
    let campaigns = campaign_lines(
        &state.store.campaign_impacts(CAMPAIGNS_SHOWN).await?,
        locale,
    );
    let scatter = match &data.value {
        Some(report) => {
            let points = state
                .store
                .value_points(report.run.id, SCATTER_POINTS)
                .await?;
            value_scatter(report, &points, locale)
        }
        None => String::new(),
    };
    let chrome = user.chrome();
    render(&DashboardPage {
        locale: chrome.locale,
        user: chrome.user,
        csrf: chrome.csrf,
        can_dashboard: chrome.can_dashboard,
        counts: data.counts,
        value: data.value,
        scatter,
        segments: data.segments,
        risk: data
            .risk
            .map(|(model, bands)| risk_view(&model.info, bands, locale)),
        channels: data.channels,
        complaints: data.complaints,
        norms: SERVICE_NORMS,
        campaigns,
    })
}

/// Money in minor units as a plain decimal for spreadsheets: `-1234.56`.
fn decimal(minor: i64) -> String {
    let plain = Money::eur(minor).to_string();
    plain.split(' ').next().unwrap_or("").to_owned()
}

/// A table as CSV: a header line, then one line per row.
fn csv(header: &[&str], rows: impl IntoIterator<Item = Vec<String>>) -> String {
    let mut out = header.join(",");
    out.push('\n');
    for row in rows {
        let line: Vec<String> = row.iter().map(|f| csv_field(f)).collect();
        out.push_str(&line.join(","));
        out.push('\n');
    }
    out
}

/// The dashboard's tables as CSV files, for analysts and admins: `customers`, `strategies`,
/// `segments`, `risk`, `channels`, `channel_operations`, `complaints`, `campaigns`.
pub async fn export(
    State(state): State<AppState>,
    user: PageUser,
    Path(file): Path<String>,
) -> Result<Response, PageError> {
    user.require(Permission::Export)?;
    let name = file.strip_suffix(".csv").unwrap_or("");
    let body = match name {
        "customers" => {
            let hits = state.store.all_customers().await?;
            csv(
                &[
                    "id",
                    "first_name",
                    "last_name",
                    "email",
                    "phone",
                    "city",
                    "status",
                ],
                hits.into_iter().map(|h| {
                    vec![
                        h.id,
                        h.first_name.unwrap_or_default(),
                        h.last_name.unwrap_or_default(),
                        h.email.unwrap_or_default(),
                        h.phone.unwrap_or_default(),
                        h.city.unwrap_or_default(),
                        h.status,
                    ]
                }),
            )
        }
        "strategies" => {
            let cells = state
                .store
                .value_report(None)
                .await?
                .map(|r| r.cells)
                .unwrap_or_default();
            csv(
                &[
                    "strategy",
                    "quadrant",
                    "customers",
                    "revenue",
                    "gross_margin",
                    "cost_to_serve",
                    "net",
                    "clv",
                ],
                cells.into_iter().map(|c| {
                    vec![
                        c.strategy,
                        c.quadrant,
                        c.customers.to_string(),
                        decimal(c.revenue_minor),
                        decimal(c.gross_margin_minor),
                        decimal(c.cost_to_serve_minor),
                        decimal(c.net_minor),
                        decimal(c.clv_minor),
                    ]
                }),
            )
        }
        "segments" => csv(
            &[
                "run",
                "as_of",
                "segmentation",
                "segment",
                "customers",
                "net",
                "clv",
            ],
            segments_of_latest_run(&state).await?.into_iter().map(|s| {
                vec![
                    s.run_id.to_string(),
                    s.as_of.to_string(),
                    s.segmentation,
                    s.segment,
                    s.customers.to_string(),
                    decimal(s.margin_minor),
                    decimal(s.clv_minor),
                ]
            }),
        ),
        "risk" => {
            let bands = risk(&state).await?.map(|(_, b)| b).unwrap_or_default();
            csv(
                &["risk_from", "risk_to", "customers"],
                bands.into_iter().map(|b| {
                    vec![
                        format!("{:.2}", b.lower),
                        format!("{:.2}", b.upper),
                        b.customers.to_string(),
                    ]
                }),
            )
        }
        "channels" => csv(
            &[
                "channel",
                "name",
                "kind",
                "contacts",
                "total_cost",
                "cost_per_contact",
                "currency",
            ],
            state.store.channel_costs().await?.into_iter().map(|c| {
                vec![
                    c.channel.clone(),
                    c.name.clone(),
                    c.kind.clone(),
                    c.contacts.to_string(),
                    decimal(c.total_cost_minor),
                    c.cost_per_contact_minor().map(decimal).unwrap_or_default(),
                    c.currency,
                ]
            }),
        ),
        "channel_operations" => {
            let report = state.store.channel_report().await?;
            csv(
                &[
                    "channel_kind",
                    "operation",
                    "contacts",
                    "cost",
                    "cost_per_contact",
                    "conversions",
                    "conversion_rate",
                ],
                report.cells.into_iter().map(|c| {
                    vec![
                        c.channel,
                        c.operation,
                        c.contacts.to_string(),
                        decimal(c.cost_minor),
                        format!("{:.2}", c.cost_per_contact_minor / 100.0),
                        c.conversions.to_string(),
                        format!("{:.4}", c.conversion_rate),
                    ]
                }),
            )
        }
        "complaints" => {
            let today = chrono::Utc::now().date_naive();
            let days = |d: Option<f64>| d.map(|d| format!("{d:.2}")).unwrap_or_default();
            csv(
                &[
                    "category",
                    "complaints",
                    "answered",
                    "mean_response_days",
                    "response_norm_days",
                    "response_breaches",
                    "resolved",
                    "mean_resolution_days",
                    "resolution_norm_days",
                    "resolution_breaches",
                    "compensation",
                    "currency",
                ],
                state
                    .store
                    .complaints_against_norms(SERVICE_NORMS, today)
                    .await?
                    .into_iter()
                    .map(|c| {
                        vec![
                            c.category.clone(),
                            c.complaints.to_string(),
                            c.answered.to_string(),
                            days(c.mean_response_days()),
                            SERVICE_NORMS.first_response_days.to_string(),
                            c.response_breaches.to_string(),
                            c.resolved.to_string(),
                            days(c.mean_resolution_days()),
                            SERVICE_NORMS.resolution_days.to_string(),
                            c.resolution_breaches.to_string(),
                            decimal(c.compensation_minor),
                            c.currency,
                        ]
                    }),
            )
        }
        "campaigns" => {
            let rows = state.store.campaign_impacts(CAMPAIGNS_SHOWN).await?;
            let number = |x: f64, digits: usize| format!("{x:.digits$}");
            let minor = |x: f64| decimal(x.round() as i64);
            let mut lines = Vec::new();
            for row in rows {
                let plan = &row.campaign;
                let waves = row.waves.map(|w| w.to_string()).unwrap_or_default();
                if row.impact.is_empty() {
                    let mut line = vec![plan.id.clone(), plan.name.clone(), waves];
                    line.extend(std::iter::repeat_n(String::new(), 15));
                    line.push(plan.currency.clone());
                    line.push(row.not_measurable.clone().unwrap_or_default());
                    lines.push(line);
                    continue;
                }
                for i in &row.impact {
                    let r = &i.response;
                    lines.push(vec![
                        plan.id.clone(),
                        plan.name.clone(),
                        waves.clone(),
                        i.scope.clone(),
                        i.treated.to_string(),
                        i.control.to_string(),
                        number(r.treatment.mean, 6),
                        number(r.control.mean, 6),
                        number(r.difference, 6),
                        number(r.ci_low, 6),
                        number(r.ci_high, 6),
                        r.significant.to_string(),
                        minor(i.incremental_revenue_minor),
                        minor(i.incremental_margin_minor),
                        minor(i.incremental_margin_ci_minor.0),
                        minor(i.incremental_margin_ci_minor.1),
                        decimal(i.cost_minor),
                        i.roi.map(|x| number(x, 4)).unwrap_or_default(),
                        plan.currency.clone(),
                        i.summary.clone(),
                    ]);
                }
            }
            csv(
                &[
                    "campaign",
                    "name",
                    "waves",
                    "channel",
                    "treated",
                    "control",
                    "response_treated",
                    "response_control",
                    "uplift",
                    "uplift_ci_low",
                    "uplift_ci_high",
                    "significant",
                    "incremental_revenue",
                    "incremental_margin",
                    "incremental_margin_ci_low",
                    "incremental_margin_ci_high",
                    "cost",
                    "roi",
                    "currency",
                    "verdict",
                ],
                lines,
            )
        }
        _ => return Err(PageError::not_found("error.not_found.text", user.locale)),
    };
    state
        .store
        .record_audit(
            &user.current.user,
            &format!("export_{name}"),
            None,
            None,
            chrono::Utc::now(),
        )
        .await?;
    let disposition = format!("attachment; filename=\"{name}.csv\"");
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        body,
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
