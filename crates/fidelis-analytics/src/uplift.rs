//! Uplift of a treatment over a control group: the difference in means with Welch's standard error
//! (unequal variances), a normal confidence interval, the relative lift and a two-sided p-value. For a
//! rate (a 0/1 outcome) the same formulas apply to the proportions: the sample variance of 0/1 values
//! is `p (1 − p) n / (n − 1)`, which is what [`GroupStats::from_rate`] gives.
//!
//! With groups of campaign size (hundreds and more) the normal interval is what analysts expect and
//! what published analyses of randomised campaigns (Hillstrom's e-mail test) report; the crate's
//! integration test reproduces those to five decimals.

use serde::Serialize;

/// Count, mean and sample variance (n − 1 denominator) of one group's outcome.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct GroupStats {
    /// Members in the group.
    pub n: u64,
    /// Mean outcome.
    pub mean: f64,
    /// Sample variance of the outcome (0 with fewer than two members).
    pub variance: f64,
}

impl GroupStats {
    /// Summarises values in one pass (Welford's update, stable for large groups).
    pub fn from_values(values: impl IntoIterator<Item = f64>) -> GroupStats {
        let mut acc = Accumulator::default();
        for v in values {
            acc.push(v);
        }
        acc.stats()
    }

    /// A rate: `successes` out of `n`.
    pub fn from_rate(successes: u64, n: u64) -> GroupStats {
        if n == 0 {
            return GroupStats {
                n: 0,
                mean: 0.0,
                variance: 0.0,
            };
        }
        let p = successes as f64 / n as f64;
        let variance = if n > 1 {
            p * (1.0 - p) * n as f64 / (n as f64 - 1.0)
        } else {
            0.0
        };
        GroupStats {
            n,
            mean: p,
            variance,
        }
    }
}

/// Welford's running mean and variance, for callers that stream rows.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Accumulator {
    n: u64,
    mean: f64,
    m2: f64,
}

impl Accumulator {
    /// Adds one value.
    pub fn push(&mut self, x: f64) {
        self.n += 1;
        let delta = x - self.mean;
        self.mean += delta / self.n as f64;
        self.m2 += delta * (x - self.mean);
    }

    /// The group's statistics so far.
    pub fn stats(&self) -> GroupStats {
        GroupStats {
            n: self.n,
            mean: self.mean,
            variance: if self.n > 1 {
                self.m2 / (self.n - 1) as f64
            } else {
                0.0
            },
        }
    }
}

/// The effect of a treatment on an outcome, against control.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Uplift {
    /// The treated group.
    pub treatment: GroupStats,
    /// The control group.
    pub control: GroupStats,
    /// Mean of treatment − mean of control.
    pub difference: f64,
    /// Welch's standard error of the difference: √(s²ₜ/nₜ + s²꜀/n꜀).
    pub standard_error: f64,
    /// Confidence level of the interval (0.95).
    pub confidence: f64,
    /// Lower end of the interval.
    pub ci_low: f64,
    /// Upper end of the interval.
    pub ci_high: f64,
    /// Difference over the control mean; `None` when the control mean is 0.
    pub relative_lift: Option<f64>,
    /// Difference over its standard error.
    pub z: f64,
    /// Two-sided p-value of "no effect" (normal approximation).
    pub p_value: f64,
    /// Whether the interval excludes 0.
    pub significant: bool,
}

/// Why an uplift cannot be computed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum UpliftError {
    /// A group is empty or has a single member: no variance, no interval.
    #[error("the {group} group has {n} member(s); at least 2 are needed for an interval")]
    TooSmall {
        /// `treatment` or `control`.
        group: &'static str,
        /// Its size.
        n: u64,
    },
    /// The confidence level is not strictly between 0 and 1.
    #[error("the confidence level must be between 0 and 1, got {0}")]
    Confidence(f64),
}

/// The uplift of `treatment` over `control` at the given confidence level (0.95 for a 95 % interval).
pub fn uplift(
    treatment: GroupStats,
    control: GroupStats,
    confidence: f64,
) -> Result<Uplift, UpliftError> {
    if !(confidence > 0.0 && confidence < 1.0) {
        return Err(UpliftError::Confidence(confidence));
    }
    for (group, g) in [("treatment", treatment), ("control", control)] {
        if g.n < 2 {
            return Err(UpliftError::TooSmall { group, n: g.n });
        }
    }
    let difference = treatment.mean - control.mean;
    let standard_error =
        (treatment.variance / treatment.n as f64 + control.variance / control.n as f64).sqrt();
    let z_crit = normal_quantile(0.5 + confidence / 2.0);
    let ci_low = difference - z_crit * standard_error;
    let ci_high = difference + z_crit * standard_error;
    let (z, p_value) = if standard_error > 0.0 {
        let z = difference / standard_error;
        (z, 2.0 * normal_sf(z.abs()))
    } else if difference == 0.0 {
        (0.0, 1.0)
    } else {
        (difference.signum() * f64::INFINITY, 0.0)
    };
    Ok(Uplift {
        treatment,
        control,
        difference,
        standard_error,
        confidence,
        ci_low,
        ci_high,
        relative_lift: (control.mean != 0.0).then(|| difference / control.mean),
        z,
        p_value,
        significant: ci_low > 0.0 || ci_high < 0.0,
    })
}

/// One sentence for people: the effect and its interval, or that no effect can be told from chance.
/// `what` names the outcome ("response rate", "revenue per member"); `percent` prints rates as points.
pub fn describe(u: &Uplift, what: &str, percent: bool) -> String {
    let level = (u.confidence * 100.0).round();
    let show = |x: f64| {
        if percent {
            format!("{:+.2} points", x * 100.0)
        } else {
            format!("{x:+.4}")
        }
    };
    if u.significant {
        let direction = if u.difference > 0.0 {
            "raised"
        } else {
            "lowered"
        };
        format!(
            "The treatment {direction} the {what} by {} ({level}% confidence interval {} to {}).",
            show(u.difference),
            show(u.ci_low),
            show(u.ci_high)
        )
    } else {
        format!(
            "No significant effect on the {what}: the difference of {} could be chance ({level}% \
             confidence interval {} to {} includes zero).",
            show(u.difference),
            show(u.ci_low),
            show(u.ci_high)
        )
    }
}

/// A campaign target's member for assignment: an id (any stable key) and its stratum (the value
/// quadrant, or any label).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssignmentUnit<'a> {
    /// Stable id (the customer's internal id).
    pub id: i64,
    /// Stratum label; members are randomised within it.
    pub stratum: &'a str,
}

/// Random assignment to control, stratified: within each stratum, members sorted by id are shuffled
/// with a stream seeded by `seed` and the stratum, and the first `round(share × n)` go to control. So
/// every stratum has the control share (to one member), and the result depends only on the seed and
/// the set of members, not on their order. Answers, per unit in input order, whether it is control.
pub fn assign_control(units: &[AssignmentUnit<'_>], share: f64, seed: u64) -> Vec<bool> {
    let share = share.clamp(0.0, 1.0);
    let mut strata: std::collections::BTreeMap<&str, Vec<usize>> = Default::default();
    for (i, u) in units.iter().enumerate() {
        strata.entry(u.stratum).or_default().push(i);
    }
    let mut control = vec![false; units.len()];
    for (stratum, mut members) in strata {
        members.sort_by_key(|&i| (units[i].id, i));
        // FNV-1a of the stratum label, mixed into the seed: one independent stream per stratum.
        let label = stratum.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        });
        let mut rng = crate::Rng::new(seed ^ label.rotate_left(17));
        // Fisher–Yates on the sorted members.
        for k in (1..members.len()).rev() {
            let j = (rng.next_u64() % (k as u64 + 1)) as usize;
            members.swap(k, j);
        }
        let n_control = (share * members.len() as f64).round() as usize;
        for &i in &members[..n_control] {
            control[i] = true;
        }
    }
    control
}

/// One member's outcome in a campaign's response window.
#[derive(Debug, Clone, PartialEq)]
pub struct MemberOutcome {
    /// Control (not contacted) or treatment.
    pub control: bool,
    /// The channel a treated member was contacted on (`None` for control and unreached members).
    pub channel: Option<String>,
    /// Whether the member responded (bought the offer, signed, answered) in the window.
    pub responded: bool,
    /// Revenue attributed in the window, minor units.
    pub revenue_minor: i64,
    /// Margin attributed in the window (revenue − product cost), minor units.
    pub margin_minor: i64,
}

/// The measured impact of a campaign, or of one of its channels, against the whole control group.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Impact {
    /// `all`, or the channel.
    pub scope: String,
    /// Treated members in the scope.
    pub treated: u64,
    /// Control members.
    pub control: u64,
    /// Response rate: uplift of treatment over control.
    pub response: Uplift,
    /// Revenue per member (minor units): uplift.
    pub revenue: Uplift,
    /// Margin per member (minor units): uplift.
    pub margin: Uplift,
    /// Extra responders caused: response uplift × treated.
    pub incremental_responders: f64,
    /// Extra revenue caused, minor units, with its 95 % interval.
    pub incremental_revenue_minor: f64,
    /// Extra margin caused, minor units.
    pub incremental_margin_minor: f64,
    /// Interval of the extra margin.
    pub incremental_margin_ci_minor: (f64, f64),
    /// Contacts made × cost per contact, minor units.
    pub cost_minor: i64,
    /// (Incremental margin − cost) / cost; `None` without cost.
    pub roi: Option<f64>,
    /// Plain words.
    pub summary: String,
}

/// The impact of a campaign overall and per channel: each scope's treated members against the whole
/// control group (control members were never contacted, so they have no channel). `contacts` counts
/// the contacts made per channel, which the cost is made of.
pub fn campaign_impact(
    members: &[MemberOutcome],
    contacts: &std::collections::BTreeMap<String, u64>,
    cost_per_contact_minor: i64,
    confidence: f64,
) -> Result<Vec<Impact>, UpliftError> {
    let control: Vec<&MemberOutcome> = members.iter().filter(|m| m.control).collect();
    let mut scopes: Vec<Option<&str>> = vec![None];
    let mut channels: Vec<&str> = members
        .iter()
        .filter(|m| !m.control)
        .filter_map(|m| m.channel.as_deref())
        .collect();
    channels.sort_unstable();
    channels.dedup();
    scopes.extend(channels.into_iter().map(Some));
    let stats = |group: &[&MemberOutcome]| {
        let responders = group.iter().filter(|m| m.responded).count() as u64;
        (
            GroupStats::from_rate(responders, group.len() as u64),
            GroupStats::from_values(group.iter().map(|m| m.revenue_minor as f64)),
            GroupStats::from_values(group.iter().map(|m| m.margin_minor as f64)),
        )
    };
    let (c_rate, c_revenue, c_margin) = stats(&control);
    let mut out = Vec::new();
    for scope in scopes {
        let treated: Vec<&MemberOutcome> = members
            .iter()
            .filter(|m| !m.control && scope.is_none_or(|s| m.channel.as_deref() == Some(s)))
            .collect();
        if treated.len() < 2 && scope.is_some() {
            continue;
        }
        let (t_rate, t_revenue, t_margin) = stats(&treated);
        let response = uplift(t_rate, c_rate, confidence)?;
        let revenue = uplift(t_revenue, c_revenue, confidence)?;
        let margin = uplift(t_margin, c_margin, confidence)?;
        let n = treated.len() as f64;
        let n_contacts: u64 = match scope {
            None => contacts.values().sum(),
            Some(s) => contacts.get(s).copied().unwrap_or(0),
        };
        let cost_minor = n_contacts as i64 * cost_per_contact_minor;
        let incremental_margin_minor = margin.difference * n;
        let roi = (cost_minor > 0)
            .then(|| (incremental_margin_minor - cost_minor as f64) / cost_minor as f64);
        let mut summary = describe(&response, "response rate", true);
        if let Some(r) = roi {
            summary.push_str(&format!(
                " Incremental margin {:.2} for a cost of {:.2} (minor units ÷ 100): return on investment {:+.0}%.",
                incremental_margin_minor / 100.0,
                cost_minor as f64 / 100.0,
                r * 100.0
            ));
            if !margin.significant {
                summary.push_str(" The margin difference itself is not significant.");
            }
        }
        out.push(Impact {
            scope: scope.unwrap_or("all").to_owned(),
            treated: treated.len() as u64,
            control: control.len() as u64,
            incremental_responders: response.difference * n,
            incremental_revenue_minor: revenue.difference * n,
            incremental_margin_minor,
            incremental_margin_ci_minor: (margin.ci_low * n, margin.ci_high * n),
            response,
            revenue,
            margin,
            cost_minor,
            roi,
            summary,
        });
    }
    Ok(out)
}

/// Φ(x) for x ≥ 0 as 1 − Φ: the upper tail of the standard normal distribution.
pub fn normal_sf(x: f64) -> f64 {
    if x < 0.0 {
        return 1.0 - normal_sf(-x);
    }
    let density = (-0.5 * x * x).exp() / (2.0 * std::f64::consts::PI).sqrt();
    if x < 5.0 {
        // Φ(x) − ½ = φ(x) Σ x^(2k+1) / (1·3·…·(2k+1)): every term positive, no cancellation.
        let mut term = x;
        let mut sum = x;
        let mut k = 1.0;
        while term > sum * 1e-17 {
            term *= x * x / (2.0 * k + 1.0);
            sum += term;
            k += 1.0;
        }
        0.5 - density * sum
    } else {
        // Continued fraction for the tail (Lentz): φ(x) / (x + 1/(x + 2/(x + 3/(x + …)))).
        let tiny = 1e-300;
        let mut f = x;
        let mut c = x;
        let mut d = 0.0;
        for k in 1..200 {
            let a = k as f64;
            d = x + a * d;
            d = if d.abs() < tiny { tiny } else { d };
            c = x + a / c;
            c = if c.abs() < tiny { tiny } else { c };
            d = 1.0 / d;
            let delta = c * d;
            f *= delta;
            if (delta - 1.0).abs() < 1e-16 {
                break;
            }
        }
        density / f
    }
}

/// The standard normal quantile: x with Φ(x) = p, for 0 < p < 1 (Acklam's rational approximation,
/// then one Halley step on the exact tail, good to about 1e-15).
pub fn normal_quantile(p: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969683028665376e1,
        2.209460984245205e2,
        -2.759285104469687e2,
        1.38357751867269e2,
        -3.066479806614716e1,
        2.506628277459239,
    ];
    const B: [f64; 5] = [
        -5.447609879822406e1,
        1.615858368580409e2,
        -1.556989798598866e2,
        6.680131188771972e1,
        -1.328068155288572e1,
    ];
    const C: [f64; 6] = [
        -7.784894002430293e-3,
        -3.223964580411365e-1,
        -2.400758277161838,
        -2.549732539343734,
        4.374664141464968,
        2.938163982698783,
    ];
    const D: [f64; 4] = [
        7.784695709041462e-3,
        3.224671290700398e-1,
        2.445134137142996,
        3.754408661907416,
    ];
    if p <= 0.0 {
        return f64::NEG_INFINITY;
    }
    if p >= 1.0 {
        return f64::INFINITY;
    }
    let low = 0.02425;
    let x = if p < low {
        let q = (-2.0 * p.ln()).sqrt();
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    } else if p <= 1.0 - low {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    } else {
        let q = (-2.0 * (1.0 - p).ln()).sqrt();
        -(((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    // Halley refinement: e = Φ(x) − p.
    let e = (1.0 - normal_sf(x)) - p;
    let u = e * (2.0 * std::f64::consts::PI).sqrt() * (0.5 * x * x).exp();
    x - u / (1.0 + x * u / 2.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normal_quantiles_and_tails() {
        let cases = [
            (0.975, 1.959963984540054),
            (0.5, 0.0),
            (0.995, 2.5758293035489004),
            (0.01, -2.3263478740408408),
            (0.9999, 3.7190164854556804),
        ];
        for (p, x) in cases {
            assert!(
                (normal_quantile(p) - x).abs() < 1e-12,
                "{p}: {}",
                normal_quantile(p)
            );
            assert!((1.0 - normal_sf(x) - p).abs() < 1e-14, "{x}");
        }
        assert!((normal_sf(6.0) - 9.86587645037698e-10).abs() < 1e-22);
    }

    #[test]
    fn assignment_is_stratified_seeded_and_order_free() {
        let labels = ["high_high", "low_low", "high_low"];
        let units: Vec<AssignmentUnit> = (0..3000)
            .map(|i| AssignmentUnit {
                id: i,
                stratum: labels[(i % 3) as usize],
            })
            .collect();
        let a = assign_control(&units, 0.1, 7);
        for label in labels {
            let n = units
                .iter()
                .zip(&a)
                .filter(|(u, c)| u.stratum == label && **c)
                .count();
            assert_eq!(n, 100, "{label}");
        }
        let mut reversed = units.clone();
        reversed.reverse();
        let mut b = assign_control(&reversed, 0.1, 7);
        b.reverse();
        assert_eq!(a, b, "order of the input does not matter");
        assert_ne!(a, assign_control(&units, 0.1, 8), "the seed does");
    }

    #[test]
    fn groups_rates_and_uplift() {
        let g = GroupStats::from_values([1.0, 2.0, 3.0, 4.0]);
        assert_eq!((g.n, g.mean), (4, 2.5));
        assert!((g.variance - 5.0 / 3.0).abs() < 1e-15);
        let r = GroupStats::from_rate(3, 10);
        let v = GroupStats::from_values([1.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]);
        assert!((r.mean - v.mean).abs() < 1e-15 && (r.variance - v.variance).abs() < 1e-15);

        let u = uplift(
            GroupStats::from_rate(60, 1000),
            GroupStats::from_rate(30, 1000),
            0.95,
        )
        .unwrap();
        assert!((u.difference - 0.03).abs() < 1e-15);
        let se = (0.06 * 0.94 / 999.0 + 0.03 * 0.97 / 999.0f64).sqrt();
        assert!((u.standard_error - se).abs() < 1e-15);
        assert!(u.significant && u.p_value < 0.01);
        assert!((u.relative_lift.unwrap() - 1.0).abs() < 1e-12);
        assert!(
            describe(&u, "response rate", true)
                .starts_with("The treatment raised the response rate by +3.00 points")
        );

        let flat = uplift(
            GroupStats::from_rate(31, 1000),
            GroupStats::from_rate(30, 1000),
            0.95,
        )
        .unwrap();
        assert!(!flat.significant);
        assert!(describe(&flat, "response rate", true).starts_with("No significant effect"));
        assert_eq!(
            uplift(GroupStats::from_rate(1, 1), r, 0.95),
            Err(UpliftError::TooSmall {
                group: "treatment",
                n: 1
            })
        );
        assert_eq!(uplift(r, r, 1.0), Err(UpliftError::Confidence(1.0)));
    }
}
