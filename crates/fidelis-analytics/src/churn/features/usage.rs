//! Monthly usage features: levels, trends against the customer's own baseline, volatility.
//!
//! Per metric the series is read newest first: `x[0]` is the last complete month before the
//! snapshot. The drop the synthetic churners show (usage falling linearly for 2–6 months before they
//! leave) is what the change, slope and decline-run features are for.

use super::Sink;
use super::catalogue::{FeatureSpec, Unit};
use super::censor::Censored;
use crate::churn::history::UsageMetric;

/// Relative changes are capped here (+1000 %), and growth from nothing is reported at the cap.
const MAX_CHANGE: f64 = 10.0;

/// How an amount of the metric reads: "38 calls", "2 048 MB of mobile data".
fn amount_label(metric: UsageMetric) -> &'static str {
    match metric {
        UsageMetric::Calls => "calls",
        UsageMetric::Minutes => "minutes of calls",
        UsageMetric::Sms => "SMS",
        UsageMetric::DataMb => "MB of mobile data",
        UsageMetric::Logins => "logins",
        UsageMetric::ZoneChanges => "zone changes",
    }
}

/// How the metric reads as a subject: "mobile data down 40 %".
fn label(metric: UsageMetric) -> &'static str {
    match metric {
        UsageMetric::Calls => "calls",
        UsageMetric::Minutes => "call minutes",
        UsageMetric::Sms => "SMS",
        UsageMetric::DataMb => "mobile data",
        UsageMetric::Logins => "app and web logins",
        UsageMetric::ZoneChanges => "zone changes",
    }
}

/// Mean of the observed (non-NaN) values; NaN when none.
pub(super) fn mean(xs: &[f64]) -> f64 {
    let (mut sum, mut n) = (0.0, 0u32);
    for &x in xs {
        if !x.is_nan() {
            sum += x;
            n += 1;
        }
    }
    if n == 0 { f64::NAN } else { sum / f64::from(n) }
}

/// Population standard deviation of the observed values; NaN with fewer than two.
fn std_dev(xs: &[f64]) -> f64 {
    let m = mean(xs);
    let (mut ss, mut n) = (0.0, 0u32);
    for &x in xs {
        if !x.is_nan() {
            ss += (x - m) * (x - m);
            n += 1;
        }
    }
    if n < 2 {
        f64::NAN
    } else {
        (ss / f64::from(n)).sqrt()
    }
}

/// `now / before - 1`, capped; 0 when both are 0; NaN when either is unknown.
pub(super) fn relative_change(now: f64, before: f64) -> f64 {
    if now.is_nan() || before.is_nan() {
        f64::NAN
    } else if before > 0.0 {
        (now / before - 1.0).min(MAX_CHANGE)
    } else if now > 0.0 {
        MAX_CHANGE
    } else {
        0.0
    }
}

/// Least-squares slope per month over a newest-first window, divided by the window's mean.
fn relative_slope(xs: &[f64]) -> f64 {
    let (mut n, mut st, mut sx, mut stt, mut stx) = (0.0, 0.0, 0.0, 0.0, 0.0);
    for (age, &x) in xs.iter().enumerate() {
        if !x.is_nan() {
            let t = -(age as f64);
            n += 1.0;
            st += t;
            sx += x;
            stt += t * t;
            stx += t * x;
        }
    }
    if n < 2.0 {
        return f64::NAN;
    }
    let var = stt - st * st / n;
    let slope = (stx - st * sx / n) / var;
    let m = sx / n;
    if m > 0.0 { slope / m } else { 0.0 }
}

/// Per metric, the values the cross-metric summaries need.
#[derive(Clone, Copy)]
struct MetricTrend {
    change_1m_vs_6m: f64,
    change_3m_vs_prev_3m: f64,
}

pub(super) fn usage_features<S: Sink>(s: &mut S, v: &Censored) {
    let mut trends = [MetricTrend {
        change_1m_vs_6m: f64::NAN,
        change_3m_vs_prev_3m: f64::NAN,
    }; 6];
    for (index, &metric) in UsageMetric::ALL.iter().enumerate() {
        trends[index] = metric_features(s, metric, &v.usage[index]);
    }

    let down = trends.iter().filter(|t| t.change_1m_vs_6m < -0.3).count() as f64;
    let any = trends.iter().any(|t| !t.change_1m_vs_6m.is_nan());
    s.put(if any { down } else { f64::NAN }, || {
        FeatureSpec::new(
            "usage_measures_down_30pct_vs_baseline",
            Unit::Count,
            "number of usage measures whose last month is more than 30 % below their 6-month baseline",
            "{value} usage measures down more than 30 % vs 6-month baseline",
        )
    });
    let changes = trends.map(|t| t.change_1m_vs_6m);
    s.put(mean(&changes), || {
        FeatureSpec::new(
            "usage_mean_change_1m_vs_6m_baseline",
            Unit::Change,
            "average over usage measures of last month vs the 6 months before",
            "overall usage {direction} {abs_pct} % vs 6-month baseline",
        )
    });
    let changes = trends.map(|t| t.change_3m_vs_prev_3m);
    s.put(mean(&changes), || {
        FeatureSpec::new(
            "usage_mean_change_3m_vs_prev_3m",
            Unit::Change,
            "average over usage measures of the last 3 months vs the 3 before",
            "overall usage {direction} {abs_pct} % over 3 months vs the 3 before",
        )
    });
    let observed = (0..12)
        .filter(|&age| v.usage.iter().any(|m| !m[age].is_nan()))
        .count() as f64;
    s.put(observed, || {
        FeatureSpec::new(
            "usage_months_observed_12m",
            Unit::Months,
            "months with any usage recorded among the last 12 complete months",
            "usage recorded in {value} of the last 12 months",
        )
    });
}

fn metric_features<S: Sink>(s: &mut S, metric: UsageMetric, x: &[f64]) -> MetricTrend {
    let m = metric.name();
    let l = label(metric);
    let amount = amount_label(metric);
    let last = x[0];
    let mean_3m = mean(&x[0..3]);
    let mean_6m = mean(&x[0..6]);
    let mean_12m = mean(&x[0..12]);
    let baseline_6m = mean(&x[1..7]);
    let prev_3m = mean(&x[3..6]);
    let prior_9m = mean(&x[3..12]);

    s.put(last, || {
        FeatureSpec::new(
            format!("{m}_last_month"),
            Unit::Level,
            format!("{l} in the last complete month"),
            format!("{{value}} {amount} last month"),
        )
    });
    for (value, months) in [(mean_3m, 3), (mean_6m, 6), (mean_12m, 12)] {
        s.put(value, || {
            FeatureSpec::new(
                format!("{m}_mean_{months}m"),
                Unit::Level,
                format!("mean monthly {l} over the last {months} complete months"),
                format!("{{value}} {amount} a month over the last {months} months"),
            )
        });
    }

    let change_1m_vs_6m = relative_change(last, baseline_6m);
    let change_3m_vs_prev_3m = relative_change(mean_3m, prev_3m);
    let changes = [
        (
            "change_1m_vs_prev_1m",
            relative_change(last, x[1]),
            "last month vs the month before",
            "on the month before",
        ),
        (
            "change_1m_vs_6m_baseline",
            change_1m_vs_6m,
            "last month vs the mean of the 6 months before it",
            "vs 6-month baseline",
        ),
        (
            "change_3m_vs_prev_3m",
            change_3m_vs_prev_3m,
            "mean of the last 3 months vs the 3 months before",
            "over 3 months vs the 3 before",
        ),
        (
            "change_3m_vs_prior_9m",
            relative_change(mean_3m, prior_9m),
            "mean of the last 3 months vs the 9 months before",
            "over 3 months vs the 9 before",
        ),
        (
            "change_vs_year_ago",
            relative_change(last, x[12]),
            "last month vs the same month a year earlier",
            "vs the same month a year ago",
        ),
    ];
    for (key, value, what, against) in changes {
        s.put(value, || {
            FeatureSpec::new(
                format!("{m}_{key}"),
                Unit::Change,
                format!("relative change of {l}: {what}"),
                format!("{l} {{direction}} {{abs_pct}} % {against}"),
            )
        });
    }
    for months in [3usize, 6, 12] {
        s.put(relative_slope(&x[0..months]), || {
            FeatureSpec::new(
                format!("{m}_slope_{months}m"),
                Unit::Change,
                format!(
                    "least-squares trend of {l} over the last {months} months, per month, relative to their mean"
                ),
                format!("{l} trending {{direction}} {{abs_pct}} % a month over {months} months"),
            )
        });
    }

    let cv = if mean_6m > 0.0 {
        std_dev(&x[0..6]) / mean_6m
    } else if mean_6m == 0.0 {
        0.0
    } else {
        f64::NAN
    };
    s.put(cv, || {
        FeatureSpec::new(
            format!("{m}_cv_6m"),
            Unit::Share,
            format!("coefficient of variation of monthly {l} over 6 months (volatility)"),
            format!("{l} vary by {{pct}} % from month to month"),
        )
    });
    let spread = std_dev(&x[1..7]);
    let z = if last.is_nan() || baseline_6m.is_nan() || spread.is_nan() {
        f64::NAN
    } else {
        ((last - baseline_6m) / spread.max(1e-6 + 0.01 * baseline_6m.abs())).clamp(-50.0, 50.0)
    };
    s.put(z, || {
        FeatureSpec::new(
            format!("{m}_z_last_vs_6m"),
            Unit::Score,
            format!("last month's {l} in standard deviations from the 6 months before"),
            format!("{l} last month {{value}} standard deviations from their 6-month norm"),
        )
    });

    let window = &x[0..12];
    let (mut peak, mut peak_age) = (f64::NAN, f64::NAN);
    for (age, &value) in window.iter().enumerate() {
        if !value.is_nan() && (peak.is_nan() || value > peak) {
            peak = value;
            peak_age = age as f64;
        }
    }
    s.put(relative_change(last, peak), || {
        FeatureSpec::new(
            format!("{m}_last_vs_peak_12m"),
            Unit::Change,
            format!("last month's {l} vs the highest month of the last 12"),
            format!("{l} {{direction}} {{abs_pct}} % from their 12-month peak"),
        )
    });
    let declining = if last.is_nan() {
        f64::NAN
    } else {
        x.windows(2).take_while(|w| w[0] < w[1]).count() as f64
    };
    s.put(declining, || {
        FeatureSpec::new(
            format!("{m}_months_declining"),
            Unit::Months,
            format!("consecutive months, up to the last, in which {l} fell"),
            format!("{l} falling for {{value}} months in a row"),
        )
    });
    s.put(peak_age, || {
        FeatureSpec::new(
            format!("{m}_months_since_peak_12m"),
            Unit::Months,
            format!("months since the highest month of {l} among the last 12"),
            format!("{l} peaked {{value}} months ago"),
        )
    });
    let six = &x[0..6];
    let zero_months = if six.iter().all(|v| v.is_nan()) {
        f64::NAN
    } else {
        six.iter().filter(|&&v| v == 0.0).count() as f64
    };
    s.put(zero_months, || {
        FeatureSpec::new(
            format!("{m}_zero_months_6m"),
            Unit::Months,
            format!("months without any {l} among the last 6"),
            format!("{{value}} months without {l} in the last 6"),
        )
    });

    MetricTrend {
        change_1m_vs_6m,
        change_3m_vs_prev_3m,
    }
}
