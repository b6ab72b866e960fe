//! The feature catalogue: each feature's name, plain-English description, unit and reason template.

use serde::{Deserialize, Serialize};

/// How a feature's value reads, which decides how a reason template shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// A number of things.
    Count,
    /// A duration in days.
    Days,
    /// A duration in months.
    Months,
    /// A duration in years.
    Years,
    /// Money, in euros.
    Money,
    /// A relative change: −0.62 means "down 62 %".
    Change,
    /// A proportion in 0..1.
    Share,
    /// 1 for yes, 0 for no.
    Flag,
    /// A usage level in the measure's own unit.
    Level,
    /// A score (NPS, CSAT, standard deviations).
    Score,
    /// An ordered band: 0 low, 1 medium, 2 high, 3 very high.
    Band,
}

/// One named variable of the catalogue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureSpec {
    /// Unique snake_case name (`calls_change_1m_vs_6m_baseline`).
    pub name: String,
    /// What it measures, in plain English.
    pub description: String,
    /// How its value reads.
    pub unit: Unit,
    /// Template of the sentence explaining it. Placeholders: `{value}` (shown in the unit),
    /// `{pct}` (value × 100), `{abs_pct}` (|value| × 100), `{direction}` (`down`, `up` or `flat` by
    /// the value's sign).
    pub reason: String,
}

impl FeatureSpec {
    /// A spec from its parts.
    pub fn new(
        name: impl Into<String>,
        unit: Unit,
        description: impl Into<String>,
        reason: impl Into<String>,
    ) -> FeatureSpec {
        FeatureSpec {
            name: name.into(),
            description: description.into(),
            unit,
            reason: reason.into(),
        }
    }

    /// The reason template filled with `value`: "calls down 62 % vs 6-month baseline".
    /// A missing value reads "`description`: no data".
    pub fn reason_text(&self, value: f32) -> String {
        render_reason(&self.reason, &self.description, self.unit, value)
    }
}

/// Fills a reason template (see [`FeatureSpec::reason`]) with a value shown in `unit`.
pub fn render_reason(template: &str, description: &str, unit: Unit, value: f32) -> String {
    if !value.is_finite() {
        return format!("{description}: no data");
    }
    let v = f64::from(value);
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open..];
        let Some(close) = after.find('}') else {
            break;
        };
        let key = &after[1..close];
        match key {
            "value" => out.push_str(&show_value(unit, v)),
            "pct" => out.push_str(&format!("{:.0}", v * 100.0)),
            "abs_pct" => out.push_str(&format!("{:.0}", (v * 100.0).abs())),
            "direction" => out.push_str(if (v * 100.0).round() == 0.0 {
                "flat"
            } else if v < 0.0 {
                "down"
            } else {
                "up"
            }),
            _ => out.push_str(&after[..=close]),
        }
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    out
}

fn show_value(unit: Unit, v: f64) -> String {
    match unit {
        Unit::Count | Unit::Days | Unit::Months | Unit::Years => format!("{:.0}", v),
        Unit::Money => format!("{} €", group_thousands(v.round())),
        Unit::Change => format!("{:+.0} %", v * 100.0),
        Unit::Share => format!("{:.0} %", v * 100.0),
        Unit::Flag => (if v >= 0.5 { "yes" } else { "no" }).to_owned(),
        Unit::Level if v.abs() >= 100.0 => group_thousands(v.round()),
        Unit::Level | Unit::Score => {
            let s = format!("{:.1}", v);
            s.strip_suffix(".0").map_or(s.clone(), str::to_owned)
        }
        Unit::Band => match v.round() as i64 {
            0 => "low",
            1 => "medium",
            2 => "high",
            _ => "very high",
        }
        .to_owned(),
    }
}

/// `1234567` → `1 234 567` (the French and SI grouping).
fn group_thousands(v: f64) -> String {
    let digits = format!("{:.0}", v.abs());
    let mut out = String::new();
    if v < 0.0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(' ');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_render_in_plain_words() {
        let check = |template: &str, unit: Unit, value: f32, want: &str| {
            assert_eq!(render_reason(template, "the thing", unit, value), want);
        };
        check(
            "calls {direction} {abs_pct} % vs 6-month baseline",
            Unit::Change,
            -0.62,
            "calls down 62 % vs 6-month baseline",
        );
        check("{direction} {abs_pct} %", Unit::Change, 0.004, "flat 0 %");
        check("{value} complaints", Unit::Count, 2.0, "2 complaints");
        check("spent {value}", Unit::Money, 1234.4, "spent 1 234 €");
        check("{value} minutes", Unit::Level, 12.25, "12.2 minutes");
        check("{value} minutes", Unit::Level, 7.0, "7 minutes");
        check("NPS {value}", Unit::Score, 6.0, "NPS 6");
        check("income {value}", Unit::Band, 3.0, "income very high");
        check("insolvent: {value}", Unit::Flag, 1.0, "insolvent: yes");
        check("share {value}", Unit::Share, 0.25, "share 25 %");
        check("{unknown} kept", Unit::Count, 1.0, "{unknown} kept");
        check("{value} days", Unit::Days, f32::NAN, "the thing: no data");
    }
}
