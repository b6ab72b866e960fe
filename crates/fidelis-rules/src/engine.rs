//! Compiled rules and the first half of the decide flow: an event (or a scheduled run) and a
//! customer's facts in, candidate actions out. The contact policy then decides which go.

use crate::channel::{Channel, Operation, shift};
use crate::error::{ExprError, Position, RulesError, SourceFile};
use crate::event::{Event, EventKind};
use crate::expr::{Condition, EvalContext, NumberExpr};
use crate::facts::{FactSchema, Facts};
use crate::policy::Candidate;
use crate::routing::{Route, RoutingMatrix};
use crate::rule::{
    Action, ChannelChoice, ExpectedValue, RuleSpans, RuleSpec, RulesFile, SpansFile, Trigger,
};
use crate::template::check_template;
use chrono::{NaiveDateTime, TimeDelta};
use std::collections::{HashMap, HashSet};

/// A validated rule with its expressions compiled.
#[derive(Debug)]
pub struct Rule {
    pub spec: RuleSpec,
    condition: Option<Condition>,
    expected_value: Option<NumberExpr>,
}

impl Rule {
    /// Whether the condition holds for this context (no condition: always).
    pub fn condition_holds(&self, cx: &EvalContext) -> bool {
        self.condition.as_ref().is_none_or(|c| c.matches(cx))
    }

    /// The expected value for this context (0 when unknown or not given).
    pub fn expected_value(&self, cx: &EvalContext) -> f64 {
        match (&self.spec.expected_value, &self.expected_value) {
            (_, Some(e)) => e.eval(cx).unwrap_or(0.0),
            (Some(ExpectedValue::Amount(x)), None) => *x,
            _ => 0.0,
        }
    }
}

/// A set of rules, indexed by trigger.
#[derive(Debug, Default)]
pub struct RuleSet {
    rules: Vec<Rule>,
    by_event: HashMap<EventKind, Vec<usize>>,
    scheduled: Vec<usize>,
}

/// Where the parts of one rule were written, for error positions.
struct Place<'a> {
    /// The file, or `None` for rules that came through the API.
    file: Option<&'a SourceFile<'a>>,
    spans: Option<&'a RuleSpans>,
    /// Offset of the rule's table, the fallback position.
    start: usize,
    /// For API rules: `rule <id>`.
    label: String,
}

impl Place<'_> {
    fn name(&self) -> String {
        self.file
            .map_or_else(|| self.label.clone(), |f| f.name.to_string())
    }

    fn position(&self, offset: Option<usize>) -> Position {
        match self.file {
            Some(f) => f.position(offset.unwrap_or(self.start)),
            None => Position { line: 1, column: 1 },
        }
    }

    fn invalid(&self, offset: Option<usize>, message: String) -> RulesError {
        RulesError::Invalid {
            file: self.name(),
            position: self.position(offset),
            message,
        }
    }

    fn expression(
        &self,
        span: Option<std::ops::Range<usize>>,
        value: &str,
        context: &str,
        error: ExprError,
    ) -> RulesError {
        match (self.file, span) {
            (Some(f), Some(span)) => f.expr_error(span, value, context, error),
            _ => RulesError::Expression {
                file: self.name(),
                position: error.position,
                context: context.to_string(),
                message: error.message,
            },
        }
    }
}

impl RuleSet {
    /// Reads and validates a rules file. Every problem is reported with its line and column; several
    /// problems come back together as [`RulesError::Several`].
    pub fn from_toml(
        file_name: &str,
        text: &str,
        schema: &FactSchema,
    ) -> Result<RuleSet, RulesError> {
        let source = SourceFile {
            name: file_name,
            text,
        };
        let parsed: RulesFile = toml::from_str(text).map_err(|e| source.toml_error(&e))?;
        let spans: SpansFile = toml::from_str(text).unwrap_or_default();
        if parsed.version != 1 {
            let offset = spans.version.as_ref().map(|v| v.span().start);
            return Err(source.invalid(
                offset.unwrap_or(0),
                format!(
                    "rules format version {} is not known; this Fidelis reads version 1",
                    parsed.version
                ),
            ));
        }
        let places: Vec<Place> = (0..parsed.rules.len())
            .map(|i| {
                let spanned = spans.rule.get(i);
                Place {
                    file: Some(&source),
                    spans: spanned.map(|s| s.get_ref()),
                    start: spanned.map_or(0, |s| s.span().start),
                    label: String::new(),
                }
            })
            .collect();
        Self::build(parsed.rules, &places, schema)
    }

    /// Validates rules that came through the API; errors name the rule, and expression positions are
    /// relative to the expression's text.
    pub fn from_specs(specs: Vec<RuleSpec>, schema: &FactSchema) -> Result<RuleSet, RulesError> {
        let places: Vec<Place> = specs
            .iter()
            .map(|s| Place {
                file: None,
                spans: None,
                start: 0,
                label: format!("rule {}", s.id),
            })
            .collect();
        Self::build(specs, &places, schema)
    }

    fn build(
        specs: Vec<RuleSpec>,
        places: &[Place],
        schema: &FactSchema,
    ) -> Result<RuleSet, RulesError> {
        let mut errors = Vec::new();
        let mut rules = Vec::with_capacity(specs.len());
        let mut seen = HashSet::new();
        for (spec, place) in specs.into_iter().zip(places) {
            let id_offset = place
                .spans
                .and_then(|s| s.id.as_ref())
                .map(|s| s.span().start);
            if !seen.insert(spec.id.clone()) {
                errors.push(place.invalid(id_offset, format!("duplicate rule id `{}`", spec.id)));
                continue;
            }
            match compile_rule(spec, place, schema) {
                Ok(rule) => rules.push(rule),
                Err(mut e) => errors.append(&mut e),
            }
        }
        match errors.len() {
            0 => Ok(RuleSet::index(rules)),
            1 => Err(errors.remove(0)),
            _ => Err(RulesError::Several(errors)),
        }
    }

    fn index(rules: Vec<Rule>) -> RuleSet {
        let mut set = RuleSet {
            rules,
            ..RuleSet::default()
        };
        for (i, rule) in set.rules.iter().enumerate() {
            if !rule.spec.enabled {
                continue;
            }
            match &rule.spec.trigger {
                Trigger::Event(kind) => set.by_event.entry(kind.clone()).or_default().push(i),
                Trigger::Schedule(_) => set.scheduled.push(i),
            }
        }
        set
    }

    /// Every rule, enabled or not, in file order.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// Candidate actions for an event: the enabled rules triggered by its kind whose condition holds.
    /// `now` is the local time the event is handled.
    pub fn on_event(
        &self,
        event: &Event,
        facts: &Facts,
        now: NaiveDateTime,
        routing: Option<&RoutingMatrix>,
    ) -> Vec<Candidate> {
        let Some(indices) = self.by_event.get(&event.kind) else {
            return Vec::new();
        };
        let cx = EvalContext {
            facts,
            event: Some(event),
            today: now.date(),
        };
        let why = format!("event {} of {}", event.kind, event.date);
        let trigger = format!(
            "{}/{}/{}",
            event.kind,
            event.date,
            event.detail.as_deref().unwrap_or("")
        );
        let mut routes = RouteCache::default();
        indices
            .iter()
            .map(|&i| &self.rules[i])
            .filter(|r| r.condition_holds(&cx))
            .map(|r| {
                let key = format!("{}/{}/{trigger}", event.customer_id, r.spec.id);
                candidate(
                    r,
                    &event.customer_id,
                    &cx,
                    now,
                    routing,
                    &mut routes,
                    why.clone(),
                    key,
                )
            })
            .collect()
    }

    /// Candidate actions of the scheduled rules due on `now`'s day for one customer.
    pub fn on_schedule(
        &self,
        customer_id: &str,
        facts: &Facts,
        now: NaiveDateTime,
        routing: Option<&RoutingMatrix>,
    ) -> Vec<Candidate> {
        let cx = EvalContext {
            facts,
            event: None,
            today: now.date(),
        };
        let mut routes = RouteCache::default();
        self.scheduled
            .iter()
            .map(|&i| &self.rules[i])
            .filter(|r| matches!(r.spec.trigger, Trigger::Schedule(s) if s.is_due(now.date())))
            .filter(|r| r.condition_holds(&cx))
            .map(|r| {
                let why = format!(
                    "schedule {}",
                    match r.spec.trigger {
                        Trigger::Schedule(s) => s.to_string(),
                        Trigger::Event(_) => String::new(),
                    }
                );
                let key = format!("{customer_id}/{}/schedule/{}", r.spec.id, now.date());
                candidate(r, customer_id, &cx, now, routing, &mut routes, why, key)
            })
            .collect()
    }

    /// For `rules test`: every enabled rule a given event would trigger, with whether its condition
    /// holds (`None`: unknown because of absent facts).
    pub fn explain(
        &self,
        event: &Event,
        facts: &Facts,
        now: NaiveDateTime,
    ) -> Vec<(&str, Option<bool>)> {
        let cx = EvalContext {
            facts,
            event: Some(event),
            today: now.date(),
        };
        self.by_event
            .get(&event.kind)
            .into_iter()
            .flatten()
            .map(|&i| {
                let r = &self.rules[i];
                let holds = r.condition.as_ref().map_or(Some(true), |c| c.eval(&cx));
                (r.spec.id.as_str(), holds)
            })
            .collect()
    }
}

/// Routes already computed for this customer, by operation: several rules of one event often route
/// the same operation.
#[derive(Default)]
struct RouteCache(Vec<(Operation, Route)>);

#[allow(clippy::too_many_arguments)] // one private constructor, called from two places
fn candidate(
    rule: &Rule,
    customer_id: &str,
    cx: &EvalContext,
    now: NaiveDateTime,
    routing: Option<&RoutingMatrix>,
    routes: &mut RouteCache,
    mut why: String,
    key: String,
) -> Candidate {
    let spec = &rule.spec;
    let channels = match spec.channel {
        None => Vec::new(),
        Some(ChannelChoice::Fixed(c)) => vec![c],
        Some(ChannelChoice::FromRouting(op)) => match routing {
            Some(matrix) => {
                let route = match routes.0.iter().position(|(o, _)| *o == op) {
                    Some(i) => &routes.0[i].1,
                    None => {
                        routes
                            .0
                            .push((op, matrix.route_all(cx.facts, op, cx.today)));
                        &routes.0[routes.0.len() - 1].1
                    }
                };
                why.push_str("; ");
                why.push_str(&route.reason);
                route.channels.clone()
            }
            None => {
                why.push_str("; no routing matrix loaded");
                Vec::new()
            }
        },
    };
    let earliest = shift(now, TimeDelta::hours(i64::from(spec.timing.delay_hours)));
    Candidate {
        customer_id: customer_id.to_string(),
        source: spec.id.clone(),
        action: spec.action.rendered(cx.facts, cx.event),
        needs_channel: spec.channel.is_some(),
        channels,
        purpose: spec.purpose,
        priority: spec.priority,
        expected_value: rule.expected_value(cx),
        earliest,
        send_window: spec.timing.send_window,
        expires_at: spec
            .timing
            .expires_after_hours
            .map(|h| shift(earliest, TimeDelta::hours(i64::from(h)))),
        cooldown_days: spec.cooldown_days,
        max_per_customer: spec.max_per_customer,
        why,
        key,
    }
}

fn compile_rule(
    spec: RuleSpec,
    place: &Place,
    schema: &FactSchema,
) -> Result<Rule, Vec<RulesError>> {
    let mut errors = Vec::new();
    let spans = place.spans;
    let id_offset = spans.and_then(|s| s.id.as_ref()).map(|s| s.span().start);
    if spec.id.is_empty()
        || !spec
            .id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        errors.push(place.invalid(
            id_offset,
            format!("rule id `{}` must be letters, digits, `_` or `-`", spec.id),
        ));
    }
    let context = format!("the condition of rule `{}`", spec.id);
    let condition = spec.condition.as_deref().and_then(|src| {
        Condition::compile(src, schema)
            .map_err(|e| {
                let span = spans.and_then(|s| s.condition.as_ref()).map(|s| s.span());
                errors.push(place.expression(span, src, &context, e));
            })
            .ok()
    });
    let expected_value = match &spec.expected_value {
        Some(ExpectedValue::Expression(src)) => NumberExpr::compile(src, schema)
            .map_err(|e| {
                let span = spans
                    .and_then(|s| s.expected_value.as_ref())
                    .map(|s| s.span());
                let context = format!("the expected value of rule `{}`", spec.id);
                errors.push(place.expression(span, src, &context, e));
            })
            .ok(),
        Some(ExpectedValue::Amount(x)) if !x.is_finite() => {
            errors.push(place.invalid(
                None,
                format!("rule `{}`: expected_value must be finite", spec.id),
            ));
            None
        }
        _ => None,
    };
    let channel_offset = spans
        .and_then(|s| s.channel.as_ref())
        .map(|s| s.span().start);
    let action_spans = spans.and_then(|s| s.action.as_ref());
    let action_offset = action_spans.map(|s| s.span().start);
    match (&spec.action, spec.channel) {
        (Action::Alert { .. } | Action::Webhook { .. } | Action::AddToCampaign { .. }, Some(_)) => {
            errors.push(place.invalid(
                channel_offset,
                format!(
                    "rule `{}`: a {} has no channel of its own (alerts go to the agent's screen, \
                     campaigns deliver through their own channel); remove `channel`",
                    spec.id,
                    spec.action.kind()
                ),
            ));
        }
        (Action::Offer { .. } | Action::Message { .. }, None) => {
            errors.push(place.invalid(
                action_offset,
                format!(
                    "rule `{}`: a {} needs a `channel` (fixed, or routing:<operation>)",
                    spec.id,
                    spec.action.kind()
                ),
            ));
        }
        (Action::CallTask { .. }, Some(ChannelChoice::Fixed(c)))
            if !matches!(
                c,
                Channel::CallCentre | Channel::Telesales | Channel::Adviser | Channel::Store
            ) =>
        {
            errors.push(place.invalid(
                channel_offset,
                format!(
                    "rule `{}`: a call task goes to call_centre, telesales, adviser or store, not {c}",
                    spec.id
                ),
            ));
        }
        _ => {}
    }
    let templates: Vec<(&str, Option<&toml::Spanned<String>>)> = match &spec.action {
        Action::Message { text, subject } => {
            let mut t = vec![(
                text.as_str(),
                action_spans.and_then(|a| a.get_ref().text.as_ref()),
            )];
            if let Some(s) = subject {
                t.push((s.as_str(), None));
            }
            t
        }
        Action::Offer {
            text: Some(text), ..
        } => {
            vec![(
                text.as_str(),
                action_spans.and_then(|a| a.get_ref().text.as_ref()),
            )]
        }
        Action::Alert { message } => {
            vec![(
                message.as_str(),
                action_spans.and_then(|a| a.get_ref().message.as_ref()),
            )]
        }
        _ => Vec::new(),
    };
    for (text, span) in templates {
        if let Err(e) = check_template(text, schema) {
            let error = ExprError {
                position: Position::at(text, e.offset),
                message: e.message,
            };
            let context = format!("the text of rule `{}`", spec.id);
            errors.push(place.expression(span.map(|s| s.span()), text, &context, error));
        }
    }
    if let Action::Webhook { url } = &spec.action
        && !(url.starts_with("https://") || url.starts_with("http://"))
    {
        let offset = action_spans
            .and_then(|a| a.get_ref().url.as_ref())
            .map(|u| u.span().start);
        errors.push(place.invalid(
            offset.or(action_offset),
            format!(
                "rule `{}`: webhook url `{url}` must start with http:// or https://",
                spec.id
            ),
        ));
    }
    if errors.is_empty() {
        Ok(Rule {
            spec,
            condition,
            expected_value,
        })
    } else {
        Err(errors)
    }
}
