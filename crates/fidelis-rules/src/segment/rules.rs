//! Rule segments: named conditions in the condition language, evaluated over many customers.
//!
//! ```toml
//! [[segment]]
//! name = "young_families"
//! when = 'age(profile.birth_date) < 40 && "birth" in score.churn_reasons'
//!
//! [[segment]]
//! name = "big_spenders_at_risk"
//! when = 'rfm.m == 5 && score.churn_risk > 0.5'
//! ```
//!
//! Unlike routing segments, a customer may belong to several rule segments.

use crate::error::{RulesError, SourceFile};
use crate::expr::{Condition, EvalContext};
use crate::facts::{FactSchema, Facts};
use crate::routing::SegmentSpec;
use chrono::NaiveDate;

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct SegmentsFile {
    #[serde(default)]
    segment: Vec<toml::Spanned<SegmentSpec>>,
}

#[derive(serde::Deserialize, Default)]
struct SpansFile {
    #[serde(default)]
    segment: Vec<SegmentSpans>,
}

#[derive(serde::Deserialize, Default)]
struct SegmentSpans {
    when: Option<toml::Spanned<String>>,
}

/// Compiled rule segments.
#[derive(Debug)]
pub struct RuleSegments {
    segments: Vec<(String, Condition)>,
}

impl RuleSegments {
    /// Reads segments from a TOML file; every segment needs a `when`.
    pub fn from_toml(
        file_name: &str,
        text: &str,
        schema: &FactSchema,
    ) -> Result<RuleSegments, RulesError> {
        let source = SourceFile {
            name: file_name,
            text,
        };
        let file: SegmentsFile = toml::from_str(text).map_err(|e| source.toml_error(&e))?;
        let spans: SpansFile = toml::from_str(text).unwrap_or_default();
        let mut segments = Vec::new();
        let mut errors = Vec::new();
        for (i, spanned) in file.segment.iter().enumerate() {
            let spec = spanned.get_ref();
            if segments.iter().any(|(n, _)| n == &spec.name) {
                errors.push(source.invalid(
                    spanned.span().start,
                    format!("segment `{}` is defined twice", spec.name),
                ));
                continue;
            }
            let Some(src) = &spec.when else {
                errors.push(source.invalid(
                    spanned.span().start,
                    format!("segment `{}` needs a `when`", spec.name),
                ));
                continue;
            };
            match Condition::compile(src, schema) {
                Ok(c) => segments.push((spec.name.clone(), c)),
                Err(e) => {
                    let context = format!("segment `{}`", spec.name);
                    errors.push(match spans.segment.get(i).and_then(|s| s.when.as_ref()) {
                        Some(w) => source.expr_error(w.span(), src, &context, e),
                        None => source.invalid(spanned.span().start, format!("{context}: {e}")),
                    });
                }
            }
        }
        match errors.len() {
            0 => Ok(RuleSegments { segments }),
            1 => Err(errors.remove(0)),
            _ => Err(RulesError::Several(errors)),
        }
    }

    /// Segments given through the API; expression errors are positioned in the expression.
    pub fn from_specs(
        specs: &[SegmentSpec],
        schema: &FactSchema,
    ) -> Result<RuleSegments, RulesError> {
        let mut segments = Vec::new();
        for spec in specs {
            let src = spec.when.as_deref().unwrap_or("true");
            let c = Condition::compile(src, schema).map_err(|e| RulesError::Expression {
                file: format!("segment {}", spec.name),
                position: e.position,
                context: format!("segment `{}`", spec.name),
                message: e.message,
            })?;
            segments.push((spec.name.clone(), c));
        }
        Ok(RuleSegments { segments })
    }

    /// The names of the segments a customer belongs to, in definition order.
    pub fn membership(&self, facts: &Facts, today: NaiveDate) -> Vec<&str> {
        let cx = EvalContext {
            facts,
            event: None,
            today,
        };
        self.segments
            .iter()
            .filter(|(_, c)| c.matches(&cx))
            .map(|(n, _)| n.as_str())
            .collect()
    }

    /// The segments, by name, with their conditions.
    pub fn segments(&self) -> impl Iterator<Item = (&str, &Condition)> {
        self.segments.iter().map(|(n, c)| (n.as_str(), c))
    }
}

/// Indices of the customers for whom `condition` holds, in input order: one rule over a whole base.
pub fn members(condition: &Condition, customers: &[Facts], today: NaiveDate) -> Vec<usize> {
    customers
        .iter()
        .enumerate()
        .filter(|(_, facts)| {
            condition.matches(&EvalContext {
                facts,
                event: None,
                today,
            })
        })
        .map(|(i, _)| i)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Position;
    use std::sync::Arc;

    #[test]
    fn membership_and_errors() {
        let text = "[[segment]]\nname = \"at_risk_vip\"\nwhen = 'value.clv > 1000 && score.churn_risk > 0.5'\n\n[[segment]]\nname = \"vip\"\nwhen = 'value.clv > 1000'\n";
        let schema = Arc::new(FactSchema::standard());
        let segs = RuleSegments::from_toml("segments.toml", text, &schema).unwrap();
        let today = NaiveDate::from_ymd_opt(2025, 3, 10).unwrap();
        let mut customers = Vec::new();
        for (clv, risk) in [(2000.0, 0.7), (2000.0, 0.1), (10.0, 0.9)] {
            let mut f = Facts::new(schema.clone());
            f.set("value.clv", clv).unwrap();
            f.set("score.churn_risk", risk).unwrap();
            customers.push(f);
        }
        let got: Vec<Vec<&str>> = customers
            .iter()
            .map(|f| segs.membership(f, today))
            .collect();
        assert_eq!(got, [vec!["at_risk_vip", "vip"], vec!["vip"], vec![]]);
        let (_, vip) = segs.segments().nth(1).unwrap();
        assert_eq!(members(vip, &customers, today), [0, 1]);

        let cases = [
            (
                "[[segment]]\nname = \"a\"\nwhen = 'value.clv >> 3'\n",
                3,
                20,
                "expected a value",
            ),
            ("[[segment]]\nname = \"a\"\n", 1, 1, "needs a `when`"),
            (
                "[[segment]]\nname = \"a\"\nwhen = 'true'\n[[segment]]\nname = \"a\"\nwhen = 'true'\n",
                4,
                1,
                "defined twice",
            ),
        ];
        for (text, line, column, message) in cases {
            let e = RuleSegments::from_toml("segments.toml", text, &schema).unwrap_err();
            assert_eq!(e.position(), Some(Position { line, column }), "{e}");
            assert!(e.to_string().contains(message), "{e}");
        }
    }
}
