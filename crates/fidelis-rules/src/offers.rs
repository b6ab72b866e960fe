//! The retention-offer catalogue behind the departure alert (seed 000, T-Mobile: when an at-risk
//! customer calls, the agent's screen shows a warning and an offer fitted to the customer).
//!
//! ```toml
//! [alert]
//! min_risk = 0.35          # no alert below this probability of departure
//! off_target_factor = 0.5  # share of an offer's effect when it answers none of the reasons
//!
//! [[offer]]
//! id = "usage_bonus"
//! label = { en = "Double data for 6 months", fr = "Data doublée pendant 6 mois" }
//! eligible = 'contract.active_count > 0'
//! cost = 18.0              # what the offer costs the company, currency units
//! effect = 0.30            # expected relative drop of the departure probability if accepted
//! addresses = ["usage", "data", "calls"]   # reasons (feature names) it answers
//! ```
//!
//! Choosing: customers the company lets go (insolvent, or in the termination strategy) get no offer
//! and the alert says why. Otherwise every eligible offer is valued as
//! `risk × effect × value at stake − cost`, where the effect counts in full when the offer answers
//! one of the customer's reasons and by `off_target_factor` otherwise; the best positive one wins.
//! The value at stake is the customer's lifetime value (what leaving would lose).

use crate::error::{RulesError, SourceFile};
use crate::expr::{Condition, EvalContext};
use crate::facts::{FactSchema, Facts};
use serde::{Deserialize, Serialize};

/// An offer's label in each language of the screens.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Label {
    pub en: String,
    pub fr: String,
}

/// One offer as written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OfferSpec {
    pub id: String,
    pub label: Label,
    /// Eligibility condition over the customer's facts; none: everyone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eligible: Option<String>,
    /// Cost to the company, currency units (≥ 0).
    pub cost: f64,
    /// Expected relative drop of the departure probability once accepted, in (0, 1].
    pub effect: f64,
    /// Reasons it answers: a reason matches when its feature name starts with one of these words
    /// or contains it after an underscore (`usage` matches `usage_mean_change_3m_vs_prev`).
    #[serde(default)]
    pub addresses: Vec<String>,
}

/// Alert settings.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AlertSettings {
    /// No alert below this probability of departure.
    pub min_risk: f64,
    /// Share of an offer's effect when it answers none of the customer's reasons.
    pub off_target_factor: f64,
}

impl Default for AlertSettings {
    fn default() -> Self {
        AlertSettings {
            min_risk: 0.35,
            off_target_factor: 0.5,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogueFile {
    #[serde(default)]
    alert: AlertSettings,
    #[serde(default, rename = "offer")]
    offers: Vec<OfferSpec>,
}

#[derive(Deserialize, Default)]
struct Spans {
    #[serde(default)]
    offer: Vec<toml::Spanned<OfferSpans>>,
    alert: Option<toml::Spanned<toml::Value>>,
}

#[derive(Deserialize, Default)]
struct OfferSpans {
    id: Option<toml::Spanned<String>>,
    eligible: Option<toml::Spanned<String>>,
    cost: Option<toml::Spanned<f64>>,
    effect: Option<toml::Spanned<f64>>,
}

/// What the alert knows of the customer when it chooses.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertInput<'a> {
    /// Probability of departure.
    pub risk: f64,
    /// Feature names of the customer's top reasons, strongest first.
    pub reasons: &'a [String],
    /// Lifetime value, currency units (`None` before the first value refresh).
    pub value_at_stake: Option<f64>,
    /// False for a customer flagged insolvent.
    pub solvent: bool,
    /// The value strategy (`termination` lets the customer go).
    pub strategy: Option<&'a str>,
}

/// Why a customer at risk gets no offer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoOffer {
    /// Flagged insolvent: the company lets the customer go.
    Insolvent,
    /// In the termination strategy of the value matrix.
    Termination,
    /// No offer of the catalogue is open to this customer.
    NoneEligible,
    /// Every eligible offer costs more than it is expected to keep.
    NotWorthItsCost,
    /// No lifetime value known yet, so no offer can be weighed.
    NoValue,
}

impl NoOffer {
    pub fn code(self) -> &'static str {
        match self {
            NoOffer::Insolvent => "insolvent",
            NoOffer::Termination => "termination",
            NoOffer::NoneEligible => "none_eligible",
            NoOffer::NotWorthItsCost => "not_worth_its_cost",
            NoOffer::NoValue => "no_value",
        }
    }

    pub fn from_code(code: &str) -> Option<NoOffer> {
        [
            NoOffer::Insolvent,
            NoOffer::Termination,
            NoOffer::NoneEligible,
            NoOffer::NotWorthItsCost,
            NoOffer::NoValue,
        ]
        .into_iter()
        .find(|n| n.code() == code)
    }
}

/// The chosen offer and how it was weighed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChosenOffer {
    pub id: String,
    pub label: Label,
    pub cost: f64,
    /// `risk × effect × value − cost`, currency units.
    pub expected_gain: f64,
    /// The customer's reason the offer answers, if any.
    pub answers: Option<String>,
}

/// The alert's offer decision.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum OfferChoice {
    Offer(ChosenOffer),
    NoOffer(NoOffer),
}

struct Offer {
    spec: OfferSpec,
    eligible: Option<Condition>,
}

/// A validated catalogue.
pub struct OfferCatalogue {
    settings: AlertSettings,
    offers: Vec<Offer>,
}

impl std::fmt::Debug for OfferCatalogue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OfferCatalogue")
            .field("settings", &self.settings)
            .field(
                "offers",
                &self.offers.iter().map(|o| &o.spec.id).collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl OfferCatalogue {
    /// Reads and validates an offers file; every problem comes with its line and column.
    pub fn from_toml(
        file_name: &str,
        text: &str,
        schema: &FactSchema,
    ) -> Result<OfferCatalogue, RulesError> {
        let source = SourceFile {
            name: file_name,
            text,
        };
        let file: CatalogueFile = toml::from_str(text).map_err(|e| source.toml_error(&e))?;
        let spans: Spans = toml::from_str(text).unwrap_or_default();
        let mut errors = Vec::new();
        let alert_at = spans.alert.as_ref().map_or(0, |s| s.span().start);
        if !(0.0..1.0).contains(&file.alert.min_risk) {
            errors.push(source.invalid(
                alert_at,
                format!(
                    "min_risk = {} is not a probability in [0, 1)",
                    file.alert.min_risk
                ),
            ));
        }
        if !(0.0..=1.0).contains(&file.alert.off_target_factor) {
            errors.push(source.invalid(
                alert_at,
                format!(
                    "off_target_factor = {} is not in [0, 1]",
                    file.alert.off_target_factor
                ),
            ));
        }
        let mut offers = Vec::with_capacity(file.offers.len());
        let mut seen = std::collections::HashSet::new();
        for (i, spec) in file.offers.into_iter().enumerate() {
            let sp = spans.offer.get(i);
            let start = sp.map_or(0, |s| s.span().start);
            let at = |field: Option<usize>| field.unwrap_or(start);
            let fields = sp.map(|s| s.get_ref());
            if !seen.insert(spec.id.clone()) {
                let offset = fields.and_then(|f| f.id.as_ref()).map(|s| s.span().start);
                errors
                    .push(source.invalid(at(offset), format!("duplicate offer id `{}`", spec.id)));
            }
            if !(spec.cost.is_finite() && spec.cost >= 0.0) {
                let offset = fields.and_then(|f| f.cost.as_ref()).map(|s| s.span().start);
                errors.push(source.invalid(
                    at(offset),
                    format!(
                        "offer `{}`: cost = {} is not an amount ≥ 0",
                        spec.id, spec.cost
                    ),
                ));
            }
            if !(spec.effect > 0.0 && spec.effect <= 1.0) {
                let offset = fields
                    .and_then(|f| f.effect.as_ref())
                    .map(|s| s.span().start);
                errors.push(source.invalid(
                    at(offset),
                    format!(
                        "offer `{}`: effect = {} is not a relative drop in (0, 1]",
                        spec.id, spec.effect
                    ),
                ));
            }
            let eligible = match &spec.eligible {
                None => None,
                Some(text) => match Condition::compile(text, schema) {
                    Ok(c) => Some(c),
                    Err(e) => {
                        let span = fields.and_then(|f| f.eligible.as_ref()).map(|s| s.span());
                        let context = format!("offer `{}` eligibility", spec.id);
                        errors.push(source.expr_error(
                            span.unwrap_or(start..start),
                            text,
                            &context,
                            e,
                        ));
                        None
                    }
                },
            };
            offers.push(Offer { spec, eligible });
        }
        match errors.len() {
            0 => Ok(OfferCatalogue {
                settings: file.alert,
                offers,
            }),
            1 => Err(errors.remove(0)),
            _ => Err(RulesError::Several(errors)),
        }
    }

    pub fn settings(&self) -> AlertSettings {
        self.settings
    }

    /// The offers as written.
    pub fn specs(&self) -> impl Iterator<Item = &OfferSpec> {
        self.offers.iter().map(|o| &o.spec)
    }

    /// The offer of id `id`.
    pub fn get(&self, id: &str) -> Option<&OfferSpec> {
        self.specs().find(|s| s.id == id)
    }

    /// True when the risk is high enough to raise an alert.
    pub fn raises_alert(&self, risk: f64) -> bool {
        risk >= self.settings.min_risk
    }

    /// Chooses the offer for a customer at risk (see the module's documentation).
    pub fn choose(&self, input: &AlertInput, cx: &EvalContext) -> OfferChoice {
        if !input.solvent {
            return OfferChoice::NoOffer(NoOffer::Insolvent);
        }
        if input.strategy == Some("termination") {
            return OfferChoice::NoOffer(NoOffer::Termination);
        }
        let eligible: Vec<&Offer> = self
            .offers
            .iter()
            .filter(|o| o.eligible.as_ref().is_none_or(|c| c.matches(cx)))
            .collect();
        if eligible.is_empty() {
            return OfferChoice::NoOffer(NoOffer::NoneEligible);
        }
        let Some(value) = input.value_at_stake else {
            return OfferChoice::NoOffer(NoOffer::NoValue);
        };
        let mut best: Option<ChosenOffer> = None;
        for offer in eligible {
            let answers = input
                .reasons
                .iter()
                .find(|r| offer.spec.addresses.iter().any(|word| answers(r, word)));
            let factor = if answers.is_some() {
                1.0
            } else {
                self.settings.off_target_factor
            };
            let gain = input.risk * offer.spec.effect * factor * value.max(0.0) - offer.spec.cost;
            if gain > 0.0 && best.as_ref().is_none_or(|b| gain > b.expected_gain) {
                best = Some(ChosenOffer {
                    id: offer.spec.id.clone(),
                    label: offer.spec.label.clone(),
                    cost: offer.spec.cost,
                    expected_gain: gain,
                    answers: answers.cloned(),
                });
            }
        }
        match best {
            Some(offer) => OfferChoice::Offer(offer),
            None => OfferChoice::NoOffer(NoOffer::NotWorthItsCost),
        }
    }
}

/// `usage` answers `usage_mean_change_3m_vs_prev` and `calls_usage_drop`, not `nonusage`.
fn answers(feature: &str, word: &str) -> bool {
    !word.is_empty()
        && (feature.starts_with(word)
            || feature
                .match_indices(word)
                .any(|(i, _)| feature.as_bytes().get(i.wrapping_sub(1)) == Some(&b'_')))
}

/// Facts are only read through `cx`; this keeps the signature honest for callers building one.
pub fn context<'a>(facts: &'a Facts, today: chrono::NaiveDate) -> EvalContext<'a> {
    EvalContext {
        facts,
        event: None,
        today,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use std::sync::Arc;

    const FILE: &str = r#"
[alert]
min_risk = 0.3
off_target_factor = 0.5

[[offer]]
id = "usage_bonus"
label = { en = "Double data", fr = "Data doublée" }
eligible = 'contract.active_count > 0'
cost = 10.0
effect = 0.3
addresses = ["usage", "calls"]

[[offer]]
id = "apology"
label = { en = "Apology voucher", fr = "Bon d'excuse" }
cost = 5.0
effect = 0.2
addresses = ["complaints"]
"#;

    fn catalogue() -> OfferCatalogue {
        OfferCatalogue::from_toml("offers.toml", FILE, &FactSchema::standard()).unwrap()
    }

    fn facts(active_contracts: f64) -> Facts {
        let mut f = Facts::new(Arc::new(FactSchema::standard()));
        f.set("contract.active_count", active_contracts).unwrap();
        f
    }

    fn day() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 10, 31).unwrap()
    }

    fn choose(
        risk: f64,
        reasons: &[&str],
        value: Option<f64>,
        solvent: bool,
        strategy: &str,
        contracts: f64,
    ) -> OfferChoice {
        let reasons: Vec<String> = reasons.iter().map(|s| s.to_string()).collect();
        let facts = facts(contracts);
        catalogue().choose(
            &AlertInput {
                risk,
                reasons: &reasons,
                value_at_stake: value,
                solvent,
                strategy: Some(strategy),
            },
            &context(&facts, day()),
        )
    }

    fn offer_id(choice: &OfferChoice) -> &str {
        match choice {
            OfferChoice::Offer(o) => &o.id,
            OfferChoice::NoOffer(n) => n.code(),
        }
    }

    #[test]
    fn the_offer_follows_value_and_reasons() {
        // (risk, reasons, value, solvent, strategy, active contracts) → offer or why none
        let cases: &[(f64, &[&str], Option<f64>, bool, &str, f64, &str)] = &[
            // usage reason, contract holder: 0.6×0.3×1000−10 = 170 beats 0.6×0.2×0.5×1000−5 = 55
            (
                0.6,
                &["usage_mean_change_3m_vs_prev"],
                Some(1000.0),
                true,
                "retention",
                1.0,
                "usage_bonus",
            ),
            // complaints reason: apology on target 0.6×0.2×1000−5 = 115 beats 0.6×0.3×0.5×1000−10 = 80
            (
                0.6,
                &["complaints_90d"],
                Some(1000.0),
                true,
                "retention",
                1.0,
                "apology",
            ),
            // no contract: the data offer is not open
            (
                0.6,
                &["usage_mean_change_3m_vs_prev"],
                Some(1000.0),
                true,
                "loyalty",
                0.0,
                "apology",
            ),
            // low value: 0.4×0.3×50−10 < 0 and 0.4×0.2×0.5×50−5 < 0
            (
                0.4,
                &["usage_mean_change_3m_vs_prev"],
                Some(50.0),
                true,
                "retention",
                1.0,
                "not_worth_its_cost",
            ),
            (
                0.9,
                &["usage_drop"],
                Some(5000.0),
                false,
                "retention",
                1.0,
                "insolvent",
            ),
            (
                0.9,
                &["usage_drop"],
                Some(5000.0),
                true,
                "termination",
                1.0,
                "termination",
            ),
            (
                0.9,
                &["usage_drop"],
                None,
                true,
                "retention",
                1.0,
                "no_value",
            ),
        ];
        for &(risk, reasons, value, solvent, strategy, contracts, expected) in cases {
            let choice = choose(risk, reasons, value, solvent, strategy, contracts);
            assert_eq!(
                offer_id(&choice),
                expected,
                "{risk} {reasons:?} {value:?} {strategy}"
            );
        }
    }

    #[test]
    fn gain_and_matched_reason_are_reported() {
        let OfferChoice::Offer(o) = choose(
            0.5,
            &["tenure", "calls_change_90d"],
            Some(400.0),
            true,
            "retention",
            1.0,
        ) else {
            panic!("expected an offer")
        };
        assert_eq!(o.id, "usage_bonus");
        assert!((o.expected_gain - (0.5 * 0.3 * 400.0 - 10.0)).abs() < 1e-9);
        assert_eq!(o.answers.as_deref(), Some("calls_change_90d"));
    }

    #[test]
    fn reason_words_match_on_word_boundaries() {
        for (feature, word, expected) in [
            ("usage_mean", "usage", true),
            ("calls_usage_drop", "usage", true),
            ("nonusage", "usage", false),
            ("complaints_open", "complaints", true),
            ("x", "", false),
        ] {
            assert_eq!(answers(feature, word), expected, "{feature} {word}");
        }
    }

    #[test]
    fn alert_threshold() {
        let c = catalogue();
        assert!(!c.raises_alert(0.29));
        assert!(c.raises_alert(0.3));
    }

    #[test]
    fn errors_point_at_line_and_column() {
        let cases: &[(&str, &str)] = &[
            (
                "[[offer]]\nid = \"a\"\nlabel = { en = \"A\", fr = \"A\" }\neligible = 'value.clvv > 1'\ncost = 1.0\neffect = 0.2\n",
                "offers.toml: line 4, column 13",
            ),
            (
                "[[offer]]\nid = \"a\"\nlabel = { en = \"A\", fr = \"A\" }\ncost = 1.0\neffect = 1.5\n",
                "line 5, column 10",
            ),
            (
                "[[offer]]\nid = \"a\"\nlabel = { en = \"A\", fr = \"A\" }\ncost = -1.0\neffect = 0.5\n",
                "line 4, column 8",
            ),
            (
                "[[offer]]\nid = \"a\"\nlabel = { en = \"A\" }\ncost = 1.0\neffect = 0.5\n",
                "line 3",
            ),
            ("[alert]\nmin_risk = 1.5\n", "min_risk = 1.5"),
        ];
        for (text, expected) in cases {
            let e = OfferCatalogue::from_toml("offers.toml", text, &FactSchema::standard())
                .unwrap_err()
                .to_string();
            assert!(e.contains(expected), "{e:?} lacks {expected:?}");
        }
    }

    #[test]
    fn no_offer_codes_round_trip() {
        for n in [
            NoOffer::Insolvent,
            NoOffer::Termination,
            NoOffer::NoneEligible,
            NoOffer::NotWorthItsCost,
            NoOffer::NoValue,
        ] {
            assert_eq!(NoOffer::from_code(n.code()), Some(n));
        }
    }
}
