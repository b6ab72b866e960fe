//! The channel-routing matrix: segment × operation type → channel or actor, with fallbacks
//! (Eurogroup's couples segment / nature d'opération: the call platform for appointments, the wealth
//! adviser for complex products, the web for low-value loyal customers).
//!
//! ```toml
//! # Segments are tried in order; the first whose `when` holds is the customer's. One without
//! # `when` catches everyone left.
//! [[segment]]
//! name = "wealthy"
//! when = 'profile.assets_band in ["high", "very_high"]'
//!
//! [[segment]]
//! name = "low_value_loyal"
//! when = 'value.strategy == "retention" && value.potential < 200'
//!
//! [[segment]]
//! name = "mass"
//!
//! # Routes: the most specific wins — (segment, operation), (segment, "*"), ("*", operation),
//! # ("*", "*"). `to` lists the channel or actor first, then its fallbacks.
//! [[route]]
//! segment = "wealthy"
//! operation = "complex_sale"
//! to = ["adviser", "store", "call_centre"]
//!
//! [[route]]
//! segment = "*"
//! operation = "*"
//! to = ["call_centre", "web"]
//! ```

use crate::channel::{Channel, Operation};
use crate::error::{RulesError, SourceFile};
use crate::expr::{Condition, EvalContext};
use crate::facts::{FactSchema, Facts};
use chrono::NaiveDate;
use std::collections::{BTreeMap, HashMap};

/// A routing file as written.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoutingSpec {
    #[serde(default, rename = "segment")]
    pub segments: Vec<SegmentSpec>,
    #[serde(default, rename = "route")]
    pub routes: Vec<RouteSpec>,
}

/// A routing segment: a name and the condition of membership (none: everyone).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SegmentSpec {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when: Option<String>,
}

/// One cell of the matrix.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RouteSpec {
    /// A segment name or `*`.
    pub segment: String,
    /// An operation type or `*`.
    pub operation: String,
    /// The channel or actor, then its fallbacks.
    pub to: Vec<Channel>,
}

#[derive(serde::Deserialize, Default)]
struct Spans {
    #[serde(default)]
    segment: Vec<toml::Spanned<SegmentSpans>>,
    #[serde(default)]
    route: Vec<toml::Spanned<RouteSpans>>,
}

#[derive(serde::Deserialize, Default)]
struct SegmentSpans {
    when: Option<toml::Spanned<String>>,
}

#[derive(serde::Deserialize, Default)]
struct RouteSpans {
    segment: Option<toml::Spanned<String>>,
    operation: Option<toml::Spanned<String>>,
    to: Option<toml::Spanned<Vec<String>>>,
}

/// The answer to "who handles this": channels in order of preference and why.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Route {
    /// The customer's routing segment (`None` when no segment matched).
    pub segment: Option<String>,
    /// The chosen channel or actor first, then the remaining fallbacks.
    pub channels: Vec<Channel>,
    pub reason: String,
}

/// A compiled routing matrix.
#[derive(Debug)]
pub struct RoutingMatrix {
    segments: Vec<(String, Option<Condition>)>,
    /// (segment or `*`, operation or None for `*`) → channels.
    cells: HashMap<(String, Option<Operation>), Vec<Channel>>,
    spec: RoutingSpec,
}

impl RoutingMatrix {
    /// Reads and validates a routing file.
    pub fn from_toml(
        file_name: &str,
        text: &str,
        schema: &FactSchema,
    ) -> Result<RoutingMatrix, RulesError> {
        let source = SourceFile {
            name: file_name,
            text,
        };
        let spec: RoutingSpec = toml::from_str(text).map_err(|e| source.toml_error(&e))?;
        let spans: Spans = toml::from_str(text).unwrap_or_default();
        Self::build(spec, Some((&source, &spans)), schema)
    }

    /// Validates a routing matrix given through the API.
    pub fn from_spec(spec: RoutingSpec, schema: &FactSchema) -> Result<RoutingMatrix, RulesError> {
        Self::build(spec, None, schema)
    }

    fn build(
        spec: RoutingSpec,
        source: Option<(&SourceFile, &Spans)>,
        schema: &FactSchema,
    ) -> Result<RoutingMatrix, RulesError> {
        let file = source.map_or("routing", |(s, _)| s.name).to_string();
        let invalid = |offset: Option<usize>, message: String| match source {
            Some((s, _)) => s.invalid(offset.unwrap_or(0), message),
            None => RulesError::Invalid {
                file: file.clone(),
                position: crate::Position { line: 1, column: 1 },
                message,
            },
        };
        let mut errors = Vec::new();
        let mut segments = Vec::new();
        for (i, seg) in spec.segments.iter().enumerate() {
            if segments.iter().any(|(n, _)| n == &seg.name) || seg.name == "*" {
                let offset = source
                    .and_then(|(_, sp)| sp.segment.get(i))
                    .map(|s| s.span().start);
                errors.push(invalid(
                    offset,
                    format!("segment `{}` is defined twice or reserved", seg.name),
                ));
                continue;
            }
            let condition = match &seg.when {
                None => None,
                Some(src) => match Condition::compile(src, schema) {
                    Ok(c) => Some(c),
                    Err(e) => {
                        let span = source.and_then(|(_, sp)| {
                            sp.segment
                                .get(i)
                                .and_then(|s| s.get_ref().when.as_ref())
                                .map(|w| w.span())
                        });
                        let context = format!("segment `{}`", seg.name);
                        errors.push(match (source, span) {
                            (Some((s, _)), Some(span)) => s.expr_error(span, src, &context, e),
                            _ => RulesError::Expression {
                                file: file.clone(),
                                position: e.position,
                                context,
                                message: e.message,
                            },
                        });
                        None
                    }
                },
            };
            segments.push((seg.name.clone(), condition));
        }
        let mut cells = HashMap::new();
        for (i, route) in spec.routes.iter().enumerate() {
            let spans = source.and_then(|(_, sp)| sp.route.get(i));
            let at = |f: fn(&RouteSpans) -> Option<usize>| {
                spans
                    .and_then(|s| f(s.get_ref()))
                    .or(spans.map(|s| s.span().start))
            };
            if route.segment != "*" && !segments.iter().any(|(n, _)| *n == route.segment) {
                errors.push(invalid(
                    at(|r| r.segment.as_ref().map(|s| s.span().start)),
                    format!(
                        "route for unknown segment `{}` (segments: {})",
                        route.segment,
                        names(&spec.segments)
                    ),
                ));
                continue;
            }
            let operation = if route.operation == "*" {
                None
            } else {
                match route.operation.parse::<Operation>() {
                    Ok(op) => Some(op),
                    Err(e) => {
                        errors.push(invalid(
                            at(|r| r.operation.as_ref().map(|s| s.span().start)),
                            e,
                        ));
                        continue;
                    }
                }
            };
            if route.to.is_empty() {
                errors.push(invalid(
                    at(|r| r.to.as_ref().map(|s| s.span().start)),
                    "`to` needs at least one channel or actor".into(),
                ));
                continue;
            }
            if cells
                .insert((route.segment.clone(), operation), route.to.clone())
                .is_some()
            {
                errors.push(invalid(
                    at(|_| None),
                    format!(
                        "two routes for segment `{}` × operation `{}`",
                        route.segment, route.operation
                    ),
                ));
            }
        }
        match errors.len() {
            0 => Ok(RoutingMatrix {
                segments,
                cells,
                spec,
            }),
            1 => Err(errors.remove(0)),
            _ => Err(RulesError::Several(errors)),
        }
    }

    /// The matrix as written.
    pub fn spec(&self) -> &RoutingSpec {
        &self.spec
    }

    /// The customer's routing segment: the first whose condition holds.
    pub fn segment_of(&self, facts: &Facts, today: NaiveDate) -> Option<&str> {
        let cx = EvalContext {
            facts,
            event: None,
            today,
        };
        self.segments
            .iter()
            .find(|(_, c)| c.as_ref().is_none_or(|c| c.matches(&cx)))
            .map(|(n, _)| n.as_str())
    }

    /// Every channel the matrix allows for this customer and operation, preferred first, and why.
    pub fn route_all(&self, facts: &Facts, operation: Operation, today: NaiveDate) -> Route {
        let segment = self.segment_of(facts, today);
        let seg = segment.unwrap_or("*");
        let keys = [
            (seg, Some(operation)),
            (seg, None),
            ("*", Some(operation)),
            ("*", None),
        ];
        for (s, op) in keys {
            if let Some(channels) = self.cells.get(&(s.to_string(), op)) {
                let cell = format!("{s} × {}", op.map_or("*", Operation::as_str));
                let reason = format!(
                    "segment {} × {operation}: route {cell} → {}",
                    segment.unwrap_or("(none)"),
                    join(channels)
                );
                return Route {
                    segment: segment.map(str::to_string),
                    channels: channels.clone(),
                    reason,
                };
            }
        }
        Route {
            segment: segment.map(str::to_string),
            channels: Vec::new(),
            reason: format!(
                "segment {} × {operation}: no route",
                segment.unwrap_or("(none)")
            ),
        }
    }

    /// Who handles this operation for this customer: the first channel of the route that is
    /// `available` (an adviser with room in the diary, a phone number on file), and why. `None` when
    /// the route is empty or nothing on it is available.
    pub fn route(
        &self,
        facts: &Facts,
        operation: Operation,
        today: NaiveDate,
        available: impl Fn(Channel) -> bool,
    ) -> Option<(Channel, String)> {
        let route = self.route_all(facts, operation, today);
        let mut skipped = Vec::new();
        for &c in &route.channels {
            if available(c) {
                let reason = if skipped.is_empty() {
                    route.reason
                } else {
                    format!(
                        "{}; fell back past {} (unavailable)",
                        route.reason,
                        join(&skipped)
                    )
                };
                return Some((c, reason));
            }
            skipped.push(c);
        }
        None
    }
}

fn join(channels: &[Channel]) -> String {
    channels
        .iter()
        .map(|c| c.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

fn names(segments: &[SegmentSpec]) -> String {
    segments
        .iter()
        .map(|s| s.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// One customer's contacts per year on each channel and what the customer is worth, for
/// [`cheaper_channel_suggestions`].
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ChannelUse {
    pub customer_id: String,
    /// Yearly margin before cost to serve (rentabilité), in currency units.
    pub yearly_margin: f64,
    /// Expected future margin (potentiel), in currency units.
    pub potential: f64,
    /// A loyal customer: long tenure, low churn risk (the caller's definition).
    pub loyal: bool,
    pub contacts_per_year: BTreeMap<Channel, f64>,
}

/// When to suggest a cheaper channel.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CheaperChannelConfig {
    /// Cost of one contact on each channel, in currency units.
    pub cost_per_contact: BTreeMap<Channel, f64>,
    /// The cheaper channel to move to (the web, in the course's example).
    pub target: Channel,
    /// Suggest when the cost to serve exceeds this share of the yearly margin.
    pub max_cost_share: f64,
    /// Only customers whose potential is below this (low-value customers).
    pub max_potential: f64,
}

/// A customer who costs too much to serve on the current channels for what they bring.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CheaperChannel {
    pub customer_id: String,
    /// The channel costing the most for this customer.
    pub from: Channel,
    pub to: Channel,
    pub cost_to_serve: f64,
    pub yearly_margin: f64,
    /// Yearly saving if the `from` contacts moved to `to`.
    pub yearly_saving: f64,
}

/// Loyal low-value customers whose cost to serve is a large share of their margin, with the saving a
/// move to the cheaper channel would bring (seed 004: « proposer un canal de distribution moins
/// coûteux »). Sorted by saving, largest first.
pub fn cheaper_channel_suggestions(
    customers: &[ChannelUse],
    config: &CheaperChannelConfig,
) -> Vec<CheaperChannel> {
    let cost = |c: &Channel| config.cost_per_contact.get(c).copied().unwrap_or(0.0);
    let target_cost = cost(&config.target);
    let mut out: Vec<CheaperChannel> = customers
        .iter()
        .filter(|u| u.loyal && u.potential < config.max_potential)
        .filter_map(|u| {
            let cost_to_serve: f64 = u.contacts_per_year.iter().map(|(c, n)| cost(c) * n).sum();
            if cost_to_serve <= config.max_cost_share * u.yearly_margin.max(0.0) {
                return None;
            }
            let (from, n) = u
                .contacts_per_year
                .iter()
                .filter(|(c, _)| **c != config.target)
                .max_by(|a, b| (cost(a.0) * a.1).total_cmp(&(cost(b.0) * b.1)))?;
            let yearly_saving = (cost(from) - target_cost) * n;
            (yearly_saving > 0.0).then(|| CheaperChannel {
                customer_id: u.customer_id.clone(),
                from: *from,
                to: config.target,
                cost_to_serve,
                yearly_margin: u.yearly_margin,
                yearly_saving,
            })
        })
        .collect();
    out.sort_by(|a, b| {
        b.yearly_saving
            .total_cmp(&a.yearly_saving)
            .then_with(|| a.customer_id.cmp(&b.customer_id))
    });
    out
}

#[cfg(test)]
mod tests;
