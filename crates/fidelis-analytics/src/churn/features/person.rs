//! Features of the person: profile and tenure, life events, consents, survey answers, last activity.

use super::Sink;
use super::catalogue::{FeatureSpec, Unit};
use super::censor::Censored;
use crate::churn::history::{ConsentChannel, ConsentPurpose, Direction, LifeEventKind, SurveyKind};

fn band_value(band: Option<crate::churn::history::Band>) -> f64 {
    band.map_or(f64::NAN, |b| b as usize as f64)
}

pub(super) fn profile_features<S: Sink>(s: &mut S, v: &Censored) {
    let p = &v.profile;
    let age = p
        .birth_date
        .map_or(f64::NAN, |b| f64::from(v.as_of.0 - b.0) / 365.25);
    s.put(age, || {
        FeatureSpec::new("age_years", Unit::Years, "age in years", "aged {value}")
    });
    let tenure = p
        .acquisition_date
        .map_or(f64::NAN, |a| f64::from(v.as_of.0 - a.0));
    s.put(tenure, || {
        FeatureSpec::new(
            "tenure_days",
            Unit::Days,
            "days since the customer was acquired",
            "customer for {value} days",
        )
    });
    s.put(
        if tenure.is_nan() {
            f64::NAN
        } else {
            f64::from(u8::from(tenure < 365.0))
        },
        || {
            FeatureSpec::new(
                "tenure_under_12_months",
                Unit::Flag,
                "customer for less than a year",
                "new customer (under a year): {value}",
            )
        },
    );
    s.put(band_value(p.income_band), || {
        FeatureSpec::new(
            "income_band",
            Unit::Band,
            "income band (0 low … 3 very high)",
            "income band {value}",
        )
    });
    s.put(band_value(p.assets_band), || {
        FeatureSpec::new(
            "assets_band",
            Unit::Band,
            "assets band (0 low … 3 very high)",
            "assets band {value}",
        )
    });
    s.put(f64::from(u8::from(!p.solvent)), || {
        FeatureSpec::new(
            "insolvent",
            Unit::Flag,
            "flagged insolvent",
            "flagged insolvent: {value}",
        )
    });
}

fn life_event_label(kind: LifeEventKind) -> &'static str {
    match kind {
        LifeEventKind::Moving => "moved house",
        LifeEventKind::Birth => "had a child",
        LifeEventKind::Marriage => "married",
        LifeEventKind::Divorce => "divorced",
        LifeEventKind::Retirement => "retired",
        LifeEventKind::JobChange => "changed job",
        LifeEventKind::Bereavement => "was bereaved",
    }
}

pub(super) fn life_event_features<S: Sink>(s: &mut S, v: &Censored) {
    let mut since = [f64::NAN; 7];
    let (mut in_90, mut in_365) = (0.0, 0.0);
    for e in &v.life_events {
        let days = f64::from(v.as_of.0 - e.date.0);
        let slot = &mut since[e.kind as usize];
        *slot = if slot.is_nan() { days } else { slot.min(days) };
        if days <= 90.0 {
            in_90 += 1.0;
        }
        if days <= 365.0 {
            in_365 += 1.0;
        }
    }
    for &kind in LifeEventKind::ALL {
        let (key, label) = (kind.name(), life_event_label(kind));
        s.put(since[kind as usize], || {
            FeatureSpec::new(
                format!("days_since_{key}"),
                Unit::Days,
                format!("days since the customer last {label}"),
                format!("{label} {{value}} days ago"),
            )
        });
    }
    s.put(in_90, || {
        FeatureSpec::new(
            "life_events_90d",
            Unit::Count,
            "life events in the last 90 days",
            "{value} life events in the last 3 months",
        )
    });
    s.put(in_365, || {
        FeatureSpec::new(
            "life_events_365d",
            Unit::Count,
            "life events in the last 365 days",
            "{value} life events in the last year",
        )
    });
}

pub(super) fn consent_features<S: Sink>(s: &mut S, v: &Censored) {
    let mut marketing = [f64::NAN; 5];
    let (mut granted, mut withdrawn_90, mut withdrawn_365) = (0.0, 0.0, 0.0);
    let mut last_withdrawal = f64::NAN;
    for c in &v.consents {
        let days = f64::from(v.as_of.0 - c.date.0);
        if c.purpose == ConsentPurpose::Marketing {
            marketing[c.channel as usize] = f64::from(u8::from(c.granted));
        }
        if c.granted {
            granted += 1.0;
        } else {
            if days <= 90.0 {
                withdrawn_90 += 1.0;
            }
            if days <= 365.0 {
                withdrawn_365 += 1.0;
            }
            last_withdrawal = if last_withdrawal.is_nan() {
                days
            } else {
                last_withdrawal.min(days)
            };
        }
    }
    for &channel in ConsentChannel::ALL {
        let key = channel.name();
        s.put(marketing[channel as usize], || {
            FeatureSpec::new(
                format!("consent_marketing_{key}"),
                Unit::Flag,
                format!("marketing by {key} allowed (1), refused (0) or unknown"),
                format!("accepts marketing by {key}: {{value}}"),
            )
        });
    }
    s.put(granted, || {
        FeatureSpec::new(
            "consents_granted",
            Unit::Count,
            "consents currently granted, all channels and purposes",
            "{value} consents granted",
        )
    });
    s.put(withdrawn_90, || {
        FeatureSpec::new(
            "consents_withdrawn_90d",
            Unit::Count,
            "consents withdrawn in the last 90 days",
            "withdrew {value} consents in the last 3 months",
        )
    });
    s.put(withdrawn_365, || {
        FeatureSpec::new(
            "consents_withdrawn_365d",
            Unit::Count,
            "consents withdrawn in the last 365 days",
            "withdrew {value} consents in the last year",
        )
    });
    s.put(last_withdrawal, || {
        FeatureSpec::new(
            "days_since_consent_withdrawal",
            Unit::Days,
            "days since a consent was last withdrawn",
            "withdrew a consent {value} days ago",
        )
    });
}

pub(super) fn survey_features<S: Sink>(s: &mut S, v: &Censored) {
    // Newest and second newest answer per kind (day, score), and 365-day sums.
    let mut newest = [(i32::MIN, f64::NAN); 3];
    let mut previous = [(i32::MIN, f64::NAN); 3];
    let mut sum_365 = [0.0f64; 3];
    let mut n_365 = [0.0f64; 3];
    for a in &v.surveys {
        let k = a.kind as usize;
        let score = f64::from(a.score);
        if a.date.0 > newest[k].0 {
            previous[k] = newest[k];
            newest[k] = (a.date.0, score);
        } else if a.date.0 > previous[k].0 {
            previous[k] = (a.date.0, score);
        }
        if v.as_of.0 - a.date.0 <= 365 {
            sum_365[k] += score;
            n_365[k] += 1.0;
        }
    }
    let mean_365 = |k: usize| {
        if n_365[k] > 0.0 {
            sum_365[k] / n_365[k]
        } else {
            f64::NAN
        }
    };
    let nps = SurveyKind::Nps as usize;
    let nps_last = newest[nps].1;
    s.put(nps_last, || {
        FeatureSpec::new(
            "nps_last",
            Unit::Score,
            "latest NPS answer (0..10)",
            "last NPS score {value}",
        )
    });
    s.put(mean_365(nps), || {
        FeatureSpec::new(
            "nps_mean_365d",
            Unit::Score,
            "mean NPS answer over the last 365 days",
            "NPS {value} on average over the last year",
        )
    });
    s.put(nps_last - previous[nps].1, || {
        FeatureSpec::new(
            "nps_change_last_vs_previous",
            Unit::Score,
            "latest NPS answer minus the one before",
            "NPS moved by {value} points since the previous answer",
        )
    });
    let since_nps = if newest[nps].0 == i32::MIN {
        f64::NAN
    } else {
        f64::from(v.as_of.0 - newest[nps].0)
    };
    s.put(since_nps, || {
        FeatureSpec::new(
            "days_since_last_nps",
            Unit::Days,
            "days since the latest NPS answer",
            "last NPS answer {value} days ago",
        )
    });
    let detractor = if nps_last.is_nan() {
        f64::NAN
    } else {
        f64::from(u8::from(nps_last <= 6.0))
    };
    s.put(detractor, || {
        FeatureSpec::new(
            "nps_detractor_last",
            Unit::Flag,
            "latest NPS answer is a detractor's (0..6)",
            "NPS detractor: {value}",
        )
    });
    for (kind, range) in [(SurveyKind::Csat, "1..5"), (SurveyKind::Ces, "1..7")] {
        let (k, key) = (kind as usize, kind.name());
        let upper = key.to_uppercase();
        s.put(newest[k].1, || {
            FeatureSpec::new(
                format!("{key}_last"),
                Unit::Score,
                format!("latest {upper} answer ({range})"),
                format!("last {upper} score {{value}}"),
            )
        });
        s.put(mean_365(k), || {
            FeatureSpec::new(
                format!("{key}_mean_365d"),
                Unit::Score,
                format!("mean {upper} answer over the last 365 days"),
                format!("{upper} {{value}} on average over the last year"),
            )
        });
    }
    s.put(n_365.iter().sum::<f64>(), || {
        FeatureSpec::new(
            "surveys_365d",
            Unit::Count,
            "survey answers in the last 365 days",
            "answered {value} surveys in the last year",
        )
    });
}

pub(super) fn activity_features<S: Sink>(s: &mut S, v: &Censored) {
    // The latest sign of life: a purchase, a contact started by the customer, a complaint, a survey
    // answer, or usage (a month with usage counts as active up to its last day).
    let mut latest = i64::MIN;
    for t in &v.transactions {
        latest = latest.max(t.time.0);
    }
    for i in v
        .interactions
        .iter()
        .filter(|i| i.direction == Direction::Inbound)
    {
        latest = latest.max(i.time.0);
    }
    for c in &v.complaints {
        latest = latest.max(c.opened.0);
    }
    for a in &v.surveys {
        latest = latest.max(a.date.start().0);
    }
    let last_month = v.last_complete_month();
    let mut active_months = 0.0;
    let mut newest_used = None;
    for age in 0..12 {
        if v.usage.iter().any(|m| m[age] > 0.0) {
            active_months += 1.0;
            newest_used.get_or_insert(age);
        }
    }
    if let Some(age) = newest_used {
        let end = last_month.plus(1 - age as i32).first_day().start();
        latest = latest.max(end.0 - 1);
    }
    let days = if latest == i64::MIN {
        f64::NAN
    } else {
        crate::churn::calendar::Timestamp(latest).days_until(v.cut)
    };
    s.put(days, || {
        FeatureSpec::new(
            "days_since_last_activity",
            Unit::Days,
            "days since the customer last did anything (bought, contacted us, complained, answered, used the service)",
            "no activity for {value} days",
        )
    });
    s.put(active_months, || {
        FeatureSpec::new(
            "active_months_12m",
            Unit::Months,
            "months with some usage among the last 12 complete months",
            "used the service in {value} of the last 12 months",
        )
    });
}
