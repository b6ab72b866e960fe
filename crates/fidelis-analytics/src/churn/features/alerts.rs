//! Departure-alert features: the agents' outcomes as training feedback. An alert is raised when an
//! at-risk customer makes contact; what the customer then did with the retention offer (accepted,
//! declined, found it not relevant) is known from the moment the agent recorded it, and says more
//! about the coming months than the contact itself.

use super::Sink;
use super::catalogue::{FeatureSpec, Unit};
use super::censor::Censored;
use crate::churn::history::AlertOutcome;

const ALERT_WINDOWS: [f64; 3] = [90.0, 180.0, 365.0];
const OUTCOME_WINDOWS: [f64; 2] = [180.0, 365.0];

fn outcome_words(outcome: AlertOutcome) -> (&'static str, &'static str) {
    match outcome {
        AlertOutcome::Accepted => ("accepted", "accepted the retention offer"),
        AlertOutcome::Declined => ("declined", "declined the retention offer"),
        AlertOutcome::NotRelevant => ("not_relevant", "found the alert not relevant"),
    }
}

pub(super) fn alert_features<S: Sink>(s: &mut S, v: &Censored) {
    let mut raised = [0.0f64; 3];
    let mut offered = [0.0f64; 3];
    // Outcomes per window (OUTCOME_WINDOWS) and kind (AlertOutcome::ALL order), by the day the
    // alert was raised.
    let mut outcomes = [[0.0f64; 3]; 2];
    let mut pending_180 = 0.0;
    let mut accepted_cost_365 = 0.0;
    let (mut last, mut last_outcome) = (f64::NAN, None::<(f64, AlertOutcome)>);
    let (mut last_accepted, mut last_declined) = (f64::NAN, f64::NAN);
    for a in &v.alerts {
        let age = a.raised.days_until(v.cut);
        for (w, &days) in ALERT_WINDOWS.iter().enumerate() {
            if age <= days {
                raised[w] += 1.0;
                offered[w] += f64::from(u8::from(a.offer_cost.is_some()));
            }
        }
        if age < last || last.is_nan() {
            last = age;
        }
        match a.outcome {
            Some(outcome) => {
                for (w, &days) in OUTCOME_WINDOWS.iter().enumerate() {
                    if age <= days {
                        outcomes[w][outcome as usize] += 1.0;
                    }
                }
                // The newest alert with a recorded outcome (equal days: the later in the list).
                if last_outcome.is_none_or(|(d, _)| age <= d) {
                    last_outcome = Some((age, outcome));
                }
                match outcome {
                    AlertOutcome::Accepted => {
                        if age <= 365.0 {
                            accepted_cost_365 += a.offer_cost.unwrap_or(0.0);
                        }
                        last_accepted = if last_accepted.is_nan() {
                            age
                        } else {
                            last_accepted.min(age)
                        };
                    }
                    AlertOutcome::Declined => {
                        last_declined = if last_declined.is_nan() {
                            age
                        } else {
                            last_declined.min(age)
                        };
                    }
                    AlertOutcome::NotRelevant => {}
                }
            }
            None if age <= 180.0 => pending_180 += 1.0,
            None => {}
        }
    }

    for (w, &days) in ALERT_WINDOWS.iter().enumerate() {
        s.put(raised[w], || {
            FeatureSpec::new(
                format!("alerts_{days}d"),
                Unit::Count,
                format!(
                    "departure alerts raised when the customer made contact in the last {days} days"
                ),
                format!("{{value}} departure alerts in the last {days} days"),
            )
        });
        s.put(offered[w], || {
            FeatureSpec::new(
                format!("alert_offers_{days}d"),
                Unit::Count,
                format!("retention offers shown with a departure alert in the last {days} days"),
                format!("{{value}} retention offers shown in the last {days} days"),
            )
        });
    }
    for (w, &days) in OUTCOME_WINDOWS.iter().enumerate() {
        for &outcome in AlertOutcome::ALL {
            let (key, words) = outcome_words(outcome);
            s.put(outcomes[w][outcome as usize], || {
                FeatureSpec::new(
                    format!("alerts_{key}_{days}d"),
                    Unit::Count,
                    format!("departure alerts of the last {days} days where the customer {words}, as recorded by the agent"),
                    format!("{words} {{value}} times in the last {days} days"),
                )
            });
        }
    }
    s.put(pending_180, || {
        FeatureSpec::new(
            "alerts_without_outcome_180d",
            Unit::Count,
            "departure alerts of the last 180 days with no outcome recorded",
            "{value} departure alerts without an outcome in the last 180 days",
        )
    });
    let with_outcome: f64 = outcomes[1].iter().sum();
    let acceptance = if with_outcome > 0.0 {
        outcomes[1][AlertOutcome::Accepted as usize] / with_outcome
    } else {
        f64::NAN
    };
    s.put(acceptance, || {
        FeatureSpec::new(
            "alert_acceptance_share_365d",
            Unit::Share,
            "share of the last 365 days' departure alerts with an outcome where the offer was accepted",
            "accepted {value} of the retention offers of the last year",
        )
    });
    s.put(accepted_cost_365, || {
        FeatureSpec::new(
            "accepted_offer_cost_365d",
            Unit::Money,
            "cost of the retention offers accepted in the last 365 days",
            "retention offers worth {value} accepted in the last year",
        )
    });
    s.put(last, || {
        FeatureSpec::new(
            "days_since_last_alert",
            Unit::Days,
            "days since the latest departure alert",
            "departure alert {value} days ago",
        )
    });
    for &outcome in AlertOutcome::ALL {
        let (key, words) = outcome_words(outcome);
        let flag = last_outcome.map_or(f64::NAN, |(_, o)| f64::from(u8::from(o == outcome)));
        s.put(flag, || {
            FeatureSpec::new(
                format!("last_alert_{key}"),
                Unit::Flag,
                format!("at the latest departure alert with an outcome, the customer {words}"),
                format!("{words} at the last departure alert: {{value}}"),
            )
        });
    }
    s.put(last_accepted, || {
        FeatureSpec::new(
            "days_since_offer_accepted",
            Unit::Days,
            "days since the latest departure alert whose retention offer was accepted",
            "accepted a retention offer {value} days ago",
        )
    });
    s.put(last_declined, || {
        FeatureSpec::new(
            "days_since_offer_declined",
            Unit::Days,
            "days since the latest departure alert whose retention offer was declined",
            "declined a retention offer {value} days ago",
        )
    });
}
