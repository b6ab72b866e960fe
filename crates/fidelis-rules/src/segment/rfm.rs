//! RFM (récence, fréquence, montant): quintile scores 1..5 per dimension, the three-digit code
//! ("545") and named segments.

use std::fmt;

/// One customer's raw recency, frequency and monetary value.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RfmInput {
    pub customer_id: String,
    /// Days since the last purchase (smaller is better).
    pub recency_days: f64,
    /// Purchases in the period.
    pub frequency: f64,
    /// Spend in the period (or per purchase), in currency units.
    pub monetary: f64,
}

/// Named RFM segments, from R and FM = ⌈(F + M) / 2⌉, first match wins:
///
/// | segment | R | FM / F |
/// |---|---|---|
/// | champions | 4–5 | FM 4–5 |
/// | new_customers | 5 | F 1 |
/// | loyal | 3–5 | FM 3–5 |
/// | promising | 4–5 | FM 1–2 |
/// | need_attention | 3 | FM 1–2 |
/// | cannot_lose | 1–2 | FM 5 |
/// | at_risk | 1–2 | FM 3–4 |
/// | hibernating | 2 | FM 1–2 |
/// | lost | 1 | FM 1–2 |
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum RfmSegment {
    Champions,
    NewCustomers,
    Loyal,
    Promising,
    NeedAttention,
    CannotLose,
    AtRisk,
    Hibernating,
    Lost,
}

impl RfmSegment {
    /// The segment of scores r, f, m (each 1..5).
    pub fn of(r: u8, f: u8, m: u8) -> RfmSegment {
        let fm = (f + m).div_ceil(2);
        if r >= 4 && fm >= 4 {
            RfmSegment::Champions
        } else if r == 5 && f == 1 {
            RfmSegment::NewCustomers
        } else if r >= 3 && fm >= 3 {
            RfmSegment::Loyal
        } else if r >= 4 {
            RfmSegment::Promising
        } else if r == 3 {
            RfmSegment::NeedAttention
        } else if fm == 5 {
            RfmSegment::CannotLose
        } else if fm >= 3 {
            RfmSegment::AtRisk
        } else if r == 2 {
            RfmSegment::Hibernating
        } else {
            RfmSegment::Lost
        }
    }

    /// The name used in facts (`rfm.segment`) and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            RfmSegment::Champions => "champions",
            RfmSegment::NewCustomers => "new_customers",
            RfmSegment::Loyal => "loyal",
            RfmSegment::Promising => "promising",
            RfmSegment::NeedAttention => "need_attention",
            RfmSegment::CannotLose => "cannot_lose",
            RfmSegment::AtRisk => "at_risk",
            RfmSegment::Hibernating => "hibernating",
            RfmSegment::Lost => "lost",
        }
    }
}

impl fmt::Display for RfmSegment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A customer's RFM scores.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct RfmScore {
    pub customer_id: String,
    pub r: u8,
    pub f: u8,
    pub m: u8,
    /// `format!("{r}{f}{m}")`, e.g. "545".
    pub code: String,
    pub segment: RfmSegment,
}

/// Quintile score of `x` among `sorted` values: 1 + ⌊5 × (values strictly below x) / n⌋. Ties share
/// a score, so a population with many equal values (frequency 1) fills fewer than five quintiles.
fn quintile(sorted: &[f64], x: f64) -> u8 {
    let below = sorted.partition_point(|&v| v < x);
    (1 + 5 * below / sorted.len()).min(5) as u8
}

/// Scores every customer against the others. Recency is reversed (the most recent score 5).
/// NaN values score 1.
pub fn rfm_scores(inputs: &[RfmInput]) -> Vec<RfmScore> {
    if inputs.is_empty() {
        return Vec::new();
    }
    let sorted = |f: fn(&RfmInput) -> f64| {
        let mut v: Vec<f64> = inputs
            .iter()
            .map(f)
            .map(|x| if x.is_nan() { f64::NEG_INFINITY } else { x })
            .collect();
        v.sort_unstable_by(f64::total_cmp);
        v
    };
    let clean = |x: f64| if x.is_nan() { f64::NEG_INFINITY } else { x };
    // Negated recency: fewer days is "more".
    let recency = sorted(|i| {
        if i.recency_days.is_nan() {
            f64::NAN
        } else {
            -i.recency_days
        }
    });
    let frequency = sorted(|i| i.frequency);
    let monetary = sorted(|i| i.monetary);
    inputs
        .iter()
        .map(|i| {
            let r = quintile(&recency, clean(-i.recency_days));
            let f = quintile(&frequency, clean(i.frequency));
            let m = quintile(&monetary, clean(i.monetary));
            RfmScore {
                customer_id: i.customer_id.clone(),
                r,
                f,
                m,
                code: format!("{r}{f}{m}"),
                segment: RfmSegment::of(r, f, m),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quintiles_of_ten_customers() {
        // Ten customers: recency 10, 20, …, 100 days; frequency 1..10; monetary 100..1000.
        let inputs: Vec<RfmInput> = (1..=10)
            .map(|i| RfmInput {
                customer_id: format!("c{i:02}"),
                recency_days: 10.0 * f64::from(i),
                frequency: f64::from(i),
                monetary: 100.0 * f64::from(11 - i),
            })
            .collect();
        let codes: Vec<String> = rfm_scores(&inputs).into_iter().map(|s| s.code).collect();
        assert_eq!(
            codes,
            [
                "515", "515", "424", "424", "333", "333", "242", "242", "151", "151"
            ]
        );
    }

    #[test]
    fn ties_share_a_score() {
        let inputs: Vec<RfmInput> = [1.0, 1.0, 1.0, 1.0, 5.0]
            .iter()
            .enumerate()
            .map(|(i, &f)| RfmInput {
                customer_id: format!("c{i}"),
                recency_days: 1.0,
                frequency: f,
                monetary: f64::NAN,
            })
            .collect();
        let scores = rfm_scores(&inputs);
        let fs: Vec<u8> = scores.iter().map(|s| s.f).collect();
        assert_eq!(fs, [1, 1, 1, 1, 5]);
        assert!(scores.iter().all(|s| s.r == 1 && s.m == 1));
        assert!(rfm_scores(&[]).is_empty());
    }

    #[test]
    fn named_segments_table() {
        let cases = [
            ((5, 5, 5), RfmSegment::Champions),
            ((4, 4, 3), RfmSegment::Champions),
            ((5, 1, 1), RfmSegment::NewCustomers),
            ((5, 1, 5), RfmSegment::NewCustomers),
            ((3, 2, 5), RfmSegment::Loyal),
            ((3, 3, 3), RfmSegment::Loyal),
            ((4, 2, 2), RfmSegment::Promising),
            ((3, 1, 2), RfmSegment::NeedAttention),
            ((1, 5, 5), RfmSegment::CannotLose),
            ((2, 4, 3), RfmSegment::AtRisk),
            ((2, 1, 2), RfmSegment::Hibernating),
            ((1, 1, 1), RfmSegment::Lost),
        ];
        for ((r, f, m), expected) in cases {
            assert_eq!(RfmSegment::of(r, f, m), expected, "{r}{f}{m}");
        }
        // Every code has a segment.
        for r in 1..=5 {
            for f in 1..=5 {
                for m in 1..=5 {
                    let _ = RfmSegment::of(r, f, m).as_str();
                }
            }
        }
    }
}
