//! Contact and complaint features: contacts by window, channel, direction and operation; complaints
//! and breaches of the service norms (first response within 8 days, resolution).

use super::Sink;
use super::catalogue::{FeatureSpec, Unit};
use super::censor::Censored;
use crate::churn::history::{ChannelKind, Direction, Operation};

const CONTACT_WINDOWS: [f64; 4] = [7.0, 30.0, 90.0, 180.0];
/// The service norm: a complaint gets a first response within this many days.
pub(crate) const RESPONSE_NORM_DAYS: f64 = 8.0;

fn channel_label(kind: ChannelKind) -> &'static str {
    match kind {
        ChannelKind::Store => "store",
        ChannelKind::CallCentre => "call centre",
        ChannelKind::Web => "web",
        ChannelKind::App => "app",
        ChannelKind::Email => "e-mail",
        ChannelKind::Sms => "SMS",
        ChannelKind::Mail => "mail",
        ChannelKind::Adviser => "adviser",
        ChannelKind::Telesales => "telesales",
        ChannelKind::Social => "social media",
    }
}

fn operation_label(op: Operation) -> &'static str {
    match op {
        Operation::Information => "information",
        Operation::Appointment => "appointment",
        Operation::SimpleSale => "simple sale",
        Operation::ComplexSale => "complex sale",
        Operation::Service => "service",
        Operation::Complaint => "complaint",
        Operation::Retention => "retention",
        Operation::Campaign => "campaign",
    }
}

fn min_nan(current: f64, x: f64) -> f64 {
    if current.is_nan() { x } else { current.min(x) }
}

pub(super) fn interaction_features<S: Sink>(s: &mut S, v: &Censored) {
    let mut all = [0.0f64; 4];
    let mut inbound = [0.0f64; 4];
    let mut outbound = [0.0f64; 4];
    let mut by_channel_90 = [0.0f64; 10];
    let mut by_channel_180 = [0.0f64; 10];
    let mut by_op_90 = [0.0f64; 8];
    let mut by_op_180 = [0.0f64; 8];
    let (mut minutes_90, mut minutes_180, mut count_180) = (0.0, 0.0, 0.0);
    let (mut last, mut last_in, mut last_out) = (f64::NAN, f64::NAN, f64::NAN);
    let (mut last_retention, mut last_complaint) = (f64::NAN, f64::NAN);
    let (mut inbound_30_180, mut digital_in_180) = (0.0, 0.0);

    for i in &v.interactions {
        let age = i.time.days_until(v.cut);
        let is_in = i.direction == Direction::Inbound;
        for (w, &days) in CONTACT_WINDOWS.iter().enumerate() {
            if age <= days {
                all[w] += 1.0;
                if is_in {
                    inbound[w] += 1.0;
                } else {
                    outbound[w] += 1.0;
                }
            }
        }
        let channel = i.channel as usize;
        let op = i.operation as usize;
        if age <= 180.0 {
            if is_in {
                by_channel_180[channel] += 1.0;
                if age > 30.0 {
                    inbound_30_180 += 1.0;
                }
                if matches!(i.channel, ChannelKind::Web | ChannelKind::App) {
                    digital_in_180 += 1.0;
                }
            }
            by_op_180[op] += 1.0;
            minutes_180 += f64::from(i.duration_seconds) / 60.0;
            count_180 += 1.0;
            if age <= 90.0 {
                if is_in {
                    by_channel_90[channel] += 1.0;
                }
                by_op_90[op] += 1.0;
                minutes_90 += f64::from(i.duration_seconds) / 60.0;
            }
        }
        last = min_nan(last, age);
        if is_in {
            last_in = min_nan(last_in, age);
        } else {
            last_out = min_nan(last_out, age);
        }
        match i.operation {
            Operation::Retention => last_retention = min_nan(last_retention, age),
            Operation::Complaint => last_complaint = min_nan(last_complaint, age),
            _ => {}
        }
    }

    for (w, &days) in CONTACT_WINDOWS.iter().enumerate() {
        s.put(all[w], || {
            FeatureSpec::new(
                format!("contacts_{days}d"),
                Unit::Count,
                format!("contacts of any kind in the last {days} days"),
                format!("{{value}} contacts in the last {days} days"),
            )
        });
        s.put(inbound[w], || {
            FeatureSpec::new(
                format!("contacts_inbound_{days}d"),
                Unit::Count,
                format!("contacts started by the customer in the last {days} days"),
                format!("contacted us {{value}} times in the last {days} days"),
            )
        });
        s.put(outbound[w], || {
            FeatureSpec::new(
                format!("contacts_outbound_{days}d"),
                Unit::Count,
                format!("contacts started by the company in the last {days} days"),
                format!("contacted by us {{value}} times in the last {days} days"),
            )
        });
    }
    for (counts, days) in [(&by_channel_90, 90), (&by_channel_180, 180)] {
        for &kind in ChannelKind::ALL {
            let (key, label) = (kind.name(), channel_label(kind));
            s.put(counts[kind as usize], || {
                FeatureSpec::new(
                    format!("contacts_inbound_{days}d_{key}"),
                    Unit::Count,
                    format!("contacts by the customer through the {label} in the last {days} days"),
                    format!("{{value}} {label} contacts in the last {days} days"),
                )
            });
        }
    }
    for (counts, days) in [(&by_op_90, 90), (&by_op_180, 180)] {
        for &op in Operation::ALL {
            let (key, label) = (op.name(), operation_label(op));
            s.put(counts[op as usize], || {
                FeatureSpec::new(
                    format!("contacts_{days}d_{key}"),
                    Unit::Count,
                    format!("{label} contacts in the last {days} days, either direction"),
                    format!("{{value}} {label} contacts in the last {days} days"),
                )
            });
        }
    }
    s.put(minutes_90, || {
        FeatureSpec::new(
            "contact_minutes_90d",
            Unit::Count,
            "minutes spent in contacts in the last 90 days",
            "{value} minutes of contact in the last 90 days",
        )
    });
    s.put(minutes_180, || {
        FeatureSpec::new(
            "contact_minutes_180d",
            Unit::Count,
            "minutes spent in contacts in the last 180 days",
            "{value} minutes of contact in the last 180 days",
        )
    });
    let mean_minutes = if count_180 > 0.0 {
        minutes_180 / count_180
    } else {
        f64::NAN
    };
    s.put(mean_minutes, || {
        FeatureSpec::new(
            "contact_mean_minutes_180d",
            Unit::Score,
            "mean duration in minutes of a contact in the last 180 days",
            "contacts last {value} minutes on average",
        )
    });
    let recency = [
        (
            "days_since_last_contact",
            last,
            "any contact",
            "last contact",
        ),
        (
            "days_since_last_inbound",
            last_in,
            "a contact started by the customer",
            "last called us",
        ),
        (
            "days_since_last_outbound",
            last_out,
            "a contact started by the company",
            "last contacted by us",
        ),
        (
            "days_since_last_retention_contact",
            last_retention,
            "a retention contact",
            "last retention contact",
        ),
        (
            "days_since_last_complaint_contact",
            last_complaint,
            "a complaint contact",
            "last complaint contact",
        ),
    ];
    for (name, value, what, reason) in recency {
        s.put(value, || {
            FeatureSpec::new(
                name,
                Unit::Days,
                format!("days since {what}"),
                format!("{reason} {{value}} days ago"),
            )
        });
    }
    // Inbound rate of the last 30 days vs the monthly rate of the 150 days before, smoothed by one
    // contact so that a first call does not read as an infinite rise.
    let baseline = inbound_30_180 / 5.0;
    s.put((inbound[1] + 1.0) / (baseline + 1.0) - 1.0, || {
        FeatureSpec::new(
            "contacts_inbound_change_30d_vs_baseline",
            Unit::Change,
            "inbound contacts in the last 30 days vs the monthly rate of the 150 days before (smoothed)",
            "calls to us {direction} {abs_pct} % vs their usual rate",
        )
    });
    let digital = if inbound[3] > 0.0 {
        digital_in_180 / inbound[3]
    } else {
        f64::NAN
    };
    s.put(digital, || {
        FeatureSpec::new(
            "contacts_inbound_share_digital_180d",
            Unit::Share,
            "share of the customer's contacts in the last 180 days made on the web or in the app",
            "{pct} % of contacts made online",
        )
    });
}

pub(super) fn complaint_features<S: Sink>(s: &mut S, v: &Censored) {
    let mut by_window = [0.0f64; 4];
    let windows = [30.0, 90.0, 180.0, 365.0];
    let (mut open, mut unanswered, mut open_over_30) = (0.0, 0.0, 0.0);
    let (mut late_180, mut late_365) = (0.0, 0.0);
    let mut last = f64::NAN;
    let (mut response_sum, mut response_n, mut response_max) = (0.0, 0.0, f64::NAN);
    let (mut resolution_sum, mut resolution_n) = (0.0, 0.0);
    let mut compensation = 0.0;
    let mut oldest_open = f64::NAN;

    for c in &v.complaints {
        let age = c.opened.days_until(v.cut);
        for (w, &days) in windows.iter().enumerate() {
            if age <= days {
                by_window[w] += 1.0;
            }
        }
        last = min_nan(last, age);
        let response_days = c.first_response.map(|t| c.opened.days_until(t));
        let late = match response_days {
            Some(d) => d > RESPONSE_NORM_DAYS,
            None => age > RESPONSE_NORM_DAYS,
        };
        if late && age <= 180.0 {
            late_180 += 1.0;
        }
        if late && age <= 365.0 {
            late_365 += 1.0;
        }
        if response_days.is_none() {
            unanswered += 1.0;
        }
        match c.resolved {
            None => {
                open += 1.0;
                if age > 30.0 {
                    open_over_30 += 1.0;
                }
                oldest_open = if oldest_open.is_nan() {
                    age
                } else {
                    oldest_open.max(age)
                };
            }
            Some(t) if age <= 365.0 => {
                resolution_sum += c.opened.days_until(t);
                resolution_n += 1.0;
                compensation += c.compensation;
            }
            Some(_) => {}
        }
        if let (Some(d), true) = (response_days, age <= 365.0) {
            response_sum += d;
            response_n += 1.0;
            response_max = if response_max.is_nan() {
                d
            } else {
                response_max.max(d)
            };
        }
    }

    for (w, &days) in windows.iter().enumerate() {
        s.put(by_window[w], || {
            FeatureSpec::new(
                format!("complaints_{days}d"),
                Unit::Count,
                format!("complaints opened in the last {days} days"),
                format!("{{value}} complaints in the last {days} days"),
            )
        });
    }
    let counts = [
        (
            "complaints_ever",
            v.complaints.len() as f64,
            "complaints ever opened",
            "{value} complaints so far",
        ),
        (
            "complaints_open",
            open,
            "complaints not yet resolved",
            "{value} complaints unresolved",
        ),
        (
            "complaints_unanswered",
            unanswered,
            "complaints without a first response yet",
            "{value} complaints still unanswered",
        ),
        (
            "complaints_open_over_30d",
            open_over_30,
            "complaints unresolved for more than 30 days",
            "{value} complaints unresolved for over a month",
        ),
        (
            "complaints_late_response_180d",
            late_180,
            "complaints of the last 180 days whose first response took (or is taking) more than 8 days",
            "{value} complaints answered late (over 8 days) in the last 6 months",
        ),
        (
            "complaints_late_response_365d",
            late_365,
            "complaints of the last 365 days whose first response took (or is taking) more than 8 days",
            "{value} complaints answered late (over 8 days) in the last year",
        ),
    ];
    for (name, value, description, reason) in counts {
        s.put(value, || {
            FeatureSpec::new(name, Unit::Count, description, reason)
        });
    }
    s.put(last, || {
        FeatureSpec::new(
            "days_since_last_complaint",
            Unit::Days,
            "days since the last complaint was opened",
            "last complaint {value} days ago",
        )
    });
    let mean_or_nan = |sum: f64, n: f64| if n > 0.0 { sum / n } else { f64::NAN };
    s.put(mean_or_nan(response_sum, response_n), || {
        FeatureSpec::new(
            "complaint_response_days_mean_365d",
            Unit::Days,
            "mean days to a first response, complaints of the last 365 days",
            "complaints answered in {value} days on average",
        )
    });
    s.put(response_max, || {
        FeatureSpec::new(
            "complaint_response_days_max_365d",
            Unit::Days,
            "longest wait for a first response, complaints of the last 365 days",
            "waited up to {value} days for an answer to a complaint",
        )
    });
    s.put(mean_or_nan(resolution_sum, resolution_n), || {
        FeatureSpec::new(
            "complaint_resolution_days_mean_365d",
            Unit::Days,
            "mean days to resolution, resolved complaints of the last 365 days",
            "complaints resolved in {value} days on average",
        )
    });
    s.put(compensation, || {
        FeatureSpec::new(
            "complaint_compensation_365d",
            Unit::Money,
            "compensation granted on complaints resolved in the last 365 days",
            "{value} of compensation in the last year",
        )
    });
    s.put(oldest_open, || {
        FeatureSpec::new(
            "oldest_open_complaint_days",
            Unit::Days,
            "age in days of the oldest unresolved complaint",
            "a complaint open for {value} days",
        )
    });
}
