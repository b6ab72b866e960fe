//! The agent screen: finding a customer and the customer's page.

use super::{PageError, PageUser, render};
use crate::AppState;
use crate::auth::Permission;
use crate::i18n::Locale;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Html;
use fidelis_domain::{Customer, Money, User};
use fidelis_store::value::ValueSnapshot;
use fidelis_store::{ChurnScore, CustomerHit, TimelineEntry};
use serde::Deserialize;

/// Search results shown on one page.
const SEARCH_LIMIT: i64 = 50;
/// Timeline events shown on the customer's page, and how many more each "older events" link adds.
const TIMELINE_LIMIT: i64 = 200;
/// The most timeline events one page shows.
const TIMELINE_MAX: i64 = 10_000;
/// The last search page one can ask for (deep offsets cost a walk of the index).
const SEARCH_MAX_PAGE: i64 = 2_000;

/// A link to a page of results.
pub struct PageLink {
    pub number: i64,
    pub current: bool,
    /// Pages were skipped before this one (drawn as an ellipsis).
    pub gap_before: bool,
}

/// The links of a paginated list: the first page, up to four before the current one, the current one
/// and, when there are more results, the next.
pub fn page_links(current: i64, has_next: bool) -> Vec<PageLink> {
    let first_shown = (current - 4).max(1);
    let last = if has_next { current + 1 } else { current };
    let mut links = Vec::new();
    if first_shown > 1 {
        links.push(PageLink {
            number: 1,
            current: false,
            gap_before: false,
        });
    }
    for number in first_shown..=last {
        links.push(PageLink {
            number,
            current: number == current,
            gap_before: number == first_shown && first_shown > 2,
        });
    }
    links
}

/// A positive number from a query parameter, else `default`; at most `max`.
fn positive(text: Option<&str>, default: i64, max: i64) -> i64 {
    text.and_then(|t| t.trim().parse::<i64>().ok())
        .filter(|n| *n >= 1)
        .unwrap_or(default)
        .min(max)
}

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage {
    locale: Locale,
    user: Option<User>,
    csrf: String,
    can_dashboard: bool,
    query: String,
    hits: Vec<CustomerHit>,
    page: i64,
    pages: Vec<PageLink>,
    has_next: bool,
}

impl SearchPage {
    fn href(&self, id: &str) -> String {
        format!("/customers/{}", super::urlencode(id).replace('/', "%2F"))
    }

    fn page_href(&self, page: impl std::borrow::Borrow<i64>) -> String {
        let page = page.borrow();
        format!("/customers?q={}&page={page}", super::urlencode(&self.query))
    }
}

#[derive(Deserialize)]
pub struct SearchQuery {
    #[serde(default)]
    q: String,
    /// 1-based; anything else is the first page.
    page: Option<String>,
}

pub async fn search(
    State(state): State<AppState>,
    user: PageUser,
    Query(q): Query<SearchQuery>,
) -> Result<Html<String>, PageError> {
    user.require(Permission::ViewCustomers)?;
    let page = positive(q.page.as_deref(), 1, SEARCH_MAX_PAGE);
    // One more than a page: whether there is a next page, without counting every match.
    let mut hits = state
        .store
        .search_customers(&q.q, SEARCH_LIMIT + 1, (page - 1) * SEARCH_LIMIT)
        .await?;
    let has_next = hits.len() as i64 > SEARCH_LIMIT;
    hits.truncate(SEARCH_LIMIT as usize);
    let chrome = user.chrome();
    render(&SearchPage {
        locale: chrome.locale,
        user: chrome.user,
        csrf: chrome.csrf,
        can_dashboard: chrome.can_dashboard,
        query: q.q,
        hits,
        page,
        pages: page_links(page, has_next),
        has_next,
    })
}

#[derive(Template)]
#[template(path = "customer.html")]
struct CustomerPage {
    locale: Locale,
    user: Option<User>,
    csrf: String,
    can_dashboard: bool,
    query: String,
    customer: Customer,
    timeline: Vec<TimelineEntry>,
    /// The customer's value at each refresh, oldest first: the last is the current one.
    value: Vec<ValueSnapshot>,
    /// More events than shown: the number the "older events" link asks for.
    more_events: Option<i64>,
    /// The departure-alert banner (`alert_banner.html`); `None` shows nothing.
    alert: Option<AlertView>,
    /// The latest departure score of the active model, when the customer has one.
    risk: Option<ChurnScore>,
    /// Whether that risk is high enough to raise an alert (the offer catalogue's threshold).
    at_risk: bool,
    /// Next best actions, strongest first (text keys).
    actions: Vec<&'static str>,
    /// What the rules and campaigns have planned for the customer and not yet done: the alerts and
    /// offers for the agent to voice, the calls and messages to come.
    planned: Vec<PlannedAction>,
    /// The operation types the routing advice can be asked for, and the one asked.
    operations: Vec<&'static str>,
    operation: Option<String>,
    routing: Option<RoutingAdvice>,
}

/// An action of the outbox not yet carried out, as the agent reads it.
struct PlannedAction {
    /// `rule` or `campaign`.
    source_kind: &'static str,
    /// The rule's or campaign's id.
    source: String,
    /// The action kind (`alert`, `offer`, `message`, `call_task`…) or the channel's for campaigns.
    kind: String,
    channel: String,
    /// The filled text, when the action has one.
    text: Option<String>,
    /// When it is due, UTC.
    due: String,
}

impl PlannedAction {
    fn of(m: &fidelis_store::outbox::OutboxMessage) -> PlannedAction {
        let action = m.payload.get("action");
        let kind = action
            .and_then(|a| a.get("kind"))
            .and_then(|k| k.as_str())
            .unwrap_or("message");
        // The action's own text: the alert's message, the offer's or message's text (filled when
        // the rule proposed it), the call's script, the campaign joined.
        let text = action.and_then(|action| {
            ["message", "text", "script", "campaign"]
                .iter()
                .find_map(|f| action.get(*f)?.as_str().map(str::to_owned))
        });
        PlannedAction {
            source_kind: m.source_kind.as_str(),
            source: m.source.clone(),
            kind: kind.to_owned(),
            channel: m.channel.clone(),
            text,
            due: m.next_attempt_at.format("%Y-%m-%d %H:%M").to_string(),
        }
    }
}

/// What the departure-alert banner shows. Filled by the departure-alert flow (see `api/alerts.rs`).
pub struct AlertView {
    pub id: i64,
    pub risk: f64,
    /// The retention offer proposed, in words.
    pub offer: Option<String>,
    /// Why there is no offer (a text key), when there is none.
    pub no_offer: Option<&'static str>,
    pub reasons: Vec<String>,
    /// The agent's recorded outcome (a text key), once there is one.
    pub outcome: Option<&'static str>,
    /// Where the outcome buttons post.
    pub action: String,
}

impl AlertView {
    /// The banner of a raised alert, in the page's language.
    fn of(alert: &fidelis_store::Alert, locale: Locale) -> AlertView {
        let offer = alert.offer.as_ref().and_then(|o| {
            let label = o["label"][locale.code()].as_str()?;
            Some(label.to_string())
        });
        let no_offer = alert.no_offer_reason.as_deref().map(|code| match code {
            "insolvent" => "alert.no_offer.insolvent",
            "termination" => "alert.no_offer.termination",
            "none_eligible" => "alert.no_offer.none_eligible",
            "not_worth_its_cost" => "alert.no_offer.not_worth_its_cost",
            _ => "alert.no_offer.no_value",
        });
        let outcome = alert.outcome.as_deref().map(|code| match code {
            "accepted" => "alert.outcome.accepted",
            "declined" => "alert.outcome.declined",
            _ => "alert.outcome.not_relevant",
        });
        let reasons = alert
            .reasons
            .as_array()
            .map(|rs| {
                rs.iter()
                    .filter_map(|r| r["text"].as_str().map(str::to_string))
                    .take(RISK_REASONS)
                    .collect()
            })
            .unwrap_or_default();
        AlertView {
            id: alert.id,
            risk: alert.risk,
            offer,
            no_offer,
            reasons,
            outcome,
            action: format!(
                "/customers/{}/alerts/{}/outcome",
                super::urlencode(&alert.customer_id).replace('/', "%2F"),
                alert.id
            ),
        }
    }
}

#[derive(Deserialize)]
pub struct OutcomeForm {
    csrf: Option<String>,
    outcome: String,
    /// The operation the page was showing routing advice for, kept on the way back.
    operation: Option<String>,
}

/// The outcome buttons of the alert banner: records the agent's answer, back to the page.
pub async fn record_outcome(
    State(state): State<AppState>,
    user: PageUser,
    Path((id, alert)): Path<(String, i64)>,
    axum::Form(form): axum::Form<OutcomeForm>,
) -> Result<axum::response::Redirect, PageError> {
    user.require(Permission::RecordOutcomes)?;
    user.check_csrf(form.csrf.as_deref())?;
    let belongs = state
        .store
        .alert(alert)
        .await?
        .is_some_and(|a| a.customer_id == id);
    if !belongs {
        return Err(PageError::not_found("error.not_found.text", user.locale));
    }
    let _recorded =
        crate::api::alerts::record_outcome(&state, &user.current, alert, &form.outcome, None)
            .await
            .map_err(|e| PageError::Api(e, user.locale))?;
    let mut back = format!("/customers/{}", super::urlencode(&id).replace('/', "%2F"));
    if let Some(op) = form.operation.as_deref().filter(|op| {
        fidelis_domain::schema::OPERATIONS
            .iter()
            .any(|c| c.value == *op)
    }) {
        back.push_str("?operation=");
        back.push_str(op);
    }
    Ok(axum::response::Redirect::to(&back))
}

/// Who should handle the operation at hand, from the routing matrix.
pub struct RoutingAdvice {
    /// Channel or actor codes, the preferred first.
    pub channels: Vec<&'static str>,
    /// The customer's routing segment, as named in `routing.toml`.
    pub segment: Option<String>,
}

/// Reasons of a departure score shown on the agent screen.
const RISK_REASONS: usize = 5;

/// The actions each value strategy recommends, strongest first (text keys), until the rules give
/// next best actions per customer.
fn strategy_actions(strategy: &str) -> Vec<&'static str> {
    match strategy {
        "multi_equipment" => vec!["nba.cross_sell", "nba.bundle", "nba.advice_meeting"],
        "loyalty" => vec!["nba.thank", "nba.loyalty_reward", "nba.priority_service"],
        "retention" => vec![
            "nba.secure_renewal",
            "nba.retention_gesture",
            "nba.follow_satisfaction",
        ],
        "termination" => vec!["nba.cheap_channels", "nba.no_costly_offer", "nba.let_go"],
        _ => Vec::new(),
    }
}

impl CustomerPage {
    fn eur(&self, minor: impl std::borrow::Borrow<i64>) -> String {
        format_money(Money::eur(*minor.borrow()), self.locale)
    }

    /// What an event was, in words: its kind, then its product, operation, category or event kind.
    fn what(&self, e: &TimelineEntry) -> String {
        let l = self.locale;
        let label = match e.kind.as_str() {
            "interaction" => l.term("interactions.operation", &e.label),
            "complaint" => l.term("complaints.category", &e.label),
            "life_event" => l.term("life_events.kind", &e.label),
            "survey" => l.term("surveys.kind", &e.label),
            _ => &e.label,
        };
        format!("{} · {label}", l.term("timeline", &e.kind))
    }

    /// An event's direction, outcome, status or group, in words; free text as it is.
    fn detail(&self, e: &TimelineEntry) -> String {
        let l = self.locale;
        let Some(detail) = e.detail.as_deref() else {
            return String::new();
        };
        match e.kind.as_str() {
            // `direction · outcome`
            "interaction" => detail
                .split(" · ")
                .enumerate()
                .map(|(i, part)| {
                    l.term(
                        if i == 0 {
                            "interactions.direction"
                        } else {
                            "interactions.outcome"
                        },
                        part,
                    )
                })
                .collect::<Vec<_>>()
                .join(" · "),
            "complaint" => l.term("complaints.status", detail).to_owned(),
            "contract" => l.term("contracts.status", detail).to_owned(),
            "campaign" => l.term("campaign_members.grp", detail).to_owned(),
            _ => detail.to_owned(),
        }
    }

    /// A probability as a whole percentage in the page's language.
    fn percent(&self, p: &f64) -> String {
        let value = (p * 100.0).round();
        if self.locale == Locale::Fr {
            format!("{value}\u{a0}%")
        } else {
            format!("{value}%")
        }
    }

    fn money(&self, minor: &Option<i64>, currency: Option<&str>) -> String {
        match (
            minor,
            currency.and_then(|c| fidelis_domain::Currency::parse(c).ok()),
        ) {
            (Some(m), Some(c)) => format_money(Money::new(*m, c), self.locale),
            _ => String::new(),
        }
    }
}

/// `1 234,56 EUR` in French, `1,234.56 EUR` in English.
pub fn format_money(money: Money, locale: Locale) -> String {
    let plain = money.to_string(); // "-1234.56 EUR"
    let (number, code) = plain.split_once(' ').unwrap_or((&plain, ""));
    let (sign, digits) = number
        .strip_prefix('-')
        .map(|d| ("-", d))
        .unwrap_or(("", number));
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    let (group, decimal) = if locale == Locale::Fr {
        ('\u{202f}', ',')
    } else {
        (',', '.')
    };
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(group);
        }
        grouped.push(c);
    }
    if frac.is_empty() {
        format!("{sign}{grouped} {code}")
    } else {
        format!("{sign}{grouped}{decimal}{frac} {code}")
    }
}

#[derive(Deserialize)]
pub struct CustomerQuery {
    /// How many timeline events to show.
    events: Option<String>,
    /// The operation at hand, for the routing advice.
    operation: Option<String>,
}

/// The routing matrix's answer for this customer and operation; `None` when the operation is unknown.
async fn routing_advice(
    state: &AppState,
    customer: &str,
    operation: &str,
) -> Result<Option<RoutingAdvice>, PageError> {
    use fidelis_rules::{Operation, RoutingMatrix};
    let Ok(operation) = operation.parse::<Operation>() else {
        return Ok(None);
    };
    let schema = std::sync::Arc::new(fidelis_store::facts::schema());
    let internal = |e: String| PageError::Api(crate::ApiError::Internal(e), Locale::Fr);
    let (file, text) =
        crate::config_text(&state.settings, "routing.toml").map_err(|e| internal(e.to_string()))?;
    let matrix =
        RoutingMatrix::from_toml(&file, &text, &schema).map_err(|e| internal(e.to_string()))?;
    let today = chrono::Utc::now().date_naive();
    let found = state.store.customer_facts(today, Some(customer)).await?;
    let Some(facts) = found.first() else {
        return Ok(None);
    };
    let facts = fidelis_store::facts::to_facts(facts, &schema, today);
    let route = matrix.route_all(&facts, operation, today);
    Ok(Some(RoutingAdvice {
        channels: route.channels.iter().map(|c| c.as_str()).collect(),
        segment: route.segment,
    }))
}

pub async fn page(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<String>,
    Query(q): Query<CustomerQuery>,
) -> Result<Html<String>, PageError> {
    user.require(Permission::ViewCustomers)?;
    let Some(customer) = state.store.customer(&id).await? else {
        return Err(PageError::not_found("error.no_customer", user.locale));
    };
    let events = positive(q.events.as_deref(), TIMELINE_LIMIT, TIMELINE_MAX);
    let mut timeline = state
        .store
        .timeline(&id, events + 1)
        .await?
        .unwrap_or_default();
    let more_events = (timeline.len() as i64 > events && events < TIMELINE_MAX)
        .then_some(events + TIMELINE_LIMIT);
    timeline.truncate(events as usize);
    let value = state.store.customer_value_history(&id).await?;
    let risk = state.store.churn_score(&id).await?.map(|mut score| {
        score.reasons.truncate(RISK_REASONS);
        score
    });
    let at_risk = risk
        .as_ref()
        .is_some_and(|r| state.offers.raises_alert(r.risk));
    // An agent opening an at-risk customer raises the departure alert (once a day).
    let alert = if at_risk {
        crate::api::alerts::raise(&state, &id, "view", None, chrono::Utc::now())
            .await
            .map_err(|e| PageError::Api(e, user.locale))?
            .map(|a| AlertView::of(&a, user.locale))
    } else {
        None
    };
    let actions = value
        .last()
        .map(|v| strategy_actions(&v.strategy))
        .unwrap_or_default();
    let planned = match state.store.internal_customer_id(&id).await? {
        Some(internal) => state
            .store
            .pending_messages_of_customer(internal)
            .await?
            .iter()
            .map(PlannedAction::of)
            .collect(),
        None => Vec::new(),
    };
    let operation = q.operation.filter(|o| !o.is_empty());
    let routing = match &operation {
        Some(op) => routing_advice(&state, &id, op).await?,
        None => None,
    };
    state
        .store
        .record_audit(
            &user.current.user,
            "view_customer",
            Some(&customer.id),
            Some("page"),
            chrono::Utc::now(),
        )
        .await?;
    let chrome = user.chrome();
    render(&CustomerPage {
        locale: chrome.locale,
        user: chrome.user,
        csrf: chrome.csrf,
        can_dashboard: chrome.can_dashboard,
        query: String::new(),
        customer,
        timeline,
        value,
        more_events,
        alert,
        risk,
        at_risk,
        actions,
        planned,
        operations: fidelis_domain::schema::OPERATIONS
            .iter()
            .map(|c| c.value)
            .collect(),
        operation,
        routing,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_per_locale() {
        assert_eq!(
            format_money(Money::eur(123456), Locale::Fr),
            "1\u{202f}234,56 EUR"
        );
        assert_eq!(
            format_money(Money::eur(-123456789), Locale::En),
            "-1,234,567.89 EUR"
        );
        assert_eq!(format_money(Money::eur(5), Locale::En), "0.05 EUR");
    }
}
