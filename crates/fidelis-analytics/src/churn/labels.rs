//! Departure labels and training snapshots: features at day t from what was known before t, the
//! label from what happened in (t, t + horizon].
//!
//! Time is in days and "at t" means the start of day t, while an event dated day d happens during d.
//! Features therefore see days before t, and the label window (t, t + h] is the h days t … t + h − 1:
//! nothing falls between the two, nothing is in both.
//!
//! A customer is in a snapshot at day t when they were a customer then: acquired before t, with a
//! contract running at t (if they ever had one), and — when an inactivity period P is configured —
//! some activity in the P days before t. They departed within the horizon when a contract running
//! at t was cancelled on a day of the window (or, by [`CancellationRule::AllContracts`], every
//! one of them stopped by the window's last day with at least one cancelled in the window), or
//! when a run of P days without activity completed within the window. Activity is a purchase, a contact started by the
//! customer, a complaint, a survey answer, or a month with usage (dated to the month's last day).

use serde::{Deserialize, Serialize};

use super::calendar::Day;
use super::error::ChurnError;
use super::features::FeatureFactory;
use super::history::{ContractRow, ContractStatus, CustomerHistory, Direction};
use super::matrix::FeatureMatrix;

/// Which cancellations make a departure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CancellationRule {
    /// Any contract running at the snapshot cancelled in the window.
    AnyContract,
    /// Every contract running at the snapshot stopped by the window's end, one at least cancelled
    /// in the window (dropping a TV option is not leaving).
    AllContracts,
}

/// What "departure within the horizon" means.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LabelConfig {
    /// Length h of the label window after the snapshot, in days (≥ 1).
    pub horizon_days: i32,
    /// P: this many days without activity also count as a departure (≥ 1); `None` to ignore activity.
    pub inactivity_days: Option<i32>,
    /// Which cancellations count.
    pub cancellation: CancellationRule,
}

impl Default for LabelConfig {
    /// 90-day horizon, any cancellation, no inactivity rule.
    fn default() -> Self {
        LabelConfig {
            horizon_days: 90,
            inactivity_days: None,
            cancellation: CancellationRule::AnyContract,
        }
    }
}

impl LabelConfig {
    fn validate(&self) -> Result<(), ChurnError> {
        if self.horizon_days < 1 {
            return Err(ChurnError::InvalidParameter {
                name: "horizon_days",
                value: self.horizon_days.to_string(),
                expected: "at least 1",
            });
        }
        if let Some(p) = self.inactivity_days.filter(|&p| p < 1) {
            return Err(ChurnError::InvalidParameter {
                name: "inactivity_days",
                value: p.to_string(),
                expected: "at least 1",
            });
        }
        Ok(())
    }
}

/// Whether the contract was running at the start of `day` (started before, not yet stopped).
fn running_at(c: &ContractRow, day: Day) -> bool {
    c.start < day && stop_day(c).is_none_or(|d| d >= day)
}

/// The day a contract stopped, if it did: its cancellation, or its end for an ended contract
/// (an ended contract without an end date stopped at an unknown time, taken as long ago).
fn stop_day(c: &ContractRow) -> Option<Day> {
    match c.status {
        ContractStatus::Active => None,
        ContractStatus::Cancelled => Some(c.cancelled_on.unwrap_or(Day(i32::MIN))),
        ContractStatus::Ended => Some(c.end.unwrap_or(Day(i32::MIN))),
    }
}

/// Days with customer activity, sorted, distinct.
fn activity_days(h: &CustomerHistory) -> Vec<i32> {
    let mut days: Vec<i32> = Vec::new();
    days.extend(h.transactions.iter().map(|t| t.time.day().0));
    days.extend(
        h.interactions
            .iter()
            .filter(|i| i.direction == Direction::Inbound)
            .map(|i| i.time.day().0),
    );
    days.extend(h.complaints.iter().map(|c| c.opened.day().0));
    days.extend(h.surveys.iter().map(|s| s.date.0));
    days.extend(
        h.usage
            .iter()
            .filter(|u| u.value > 0.0)
            .map(|u| u.period.last_day().0),
    );
    days.sort_unstable();
    days.dedup();
    days
}

/// Whether the customer belongs to the snapshot at `day` (see the module documentation).
pub fn is_customer_at(history: &CustomerHistory, day: Day, config: &LabelConfig) -> bool {
    customer_at(history, day, config, &activity_days(history))
}

fn customer_at(h: &CustomerHistory, day: Day, config: &LabelConfig, activity: &[i32]) -> bool {
    let last_activity = activity.iter().rev().find(|&&d| d < day.0).copied();
    let acquired = match h.profile.acquisition_date {
        Some(a) => a < day,
        None => last_activity.is_some() || h.contracts.iter().any(|c| c.start < day),
    };
    if !acquired {
        return false;
    }
    let started: Vec<&ContractRow> = h.contracts.iter().filter(|c| c.start < day).collect();
    if !started.is_empty() && !started.iter().any(|c| running_at(c, day)) {
        return false;
    }
    match config.inactivity_days {
        Some(p) => last_activity.is_some_and(|d| day.0 - d < p),
        None => !started.is_empty() || last_activity.is_some(),
    }
}

/// Whether the customer, in the snapshot at `day`, departed within the horizon.
pub fn departed_within(history: &CustomerHistory, day: Day, config: &LabelConfig) -> bool {
    departed(history, day, config, &activity_days(history))
}

fn departed(h: &CustomerHistory, day: Day, config: &LabelConfig, activity: &[i32]) -> bool {
    // Last day of the window.
    let end = day.0 + config.horizon_days - 1;
    let in_window = |d: Day| d.0 >= day.0 && d.0 <= end;
    let running: Vec<&ContractRow> = h.contracts.iter().filter(|c| running_at(c, day)).collect();
    let cancelled_in_window = |c: &&ContractRow| {
        c.status == ContractStatus::Cancelled && c.cancelled_on.is_some_and(in_window)
    };
    let by_cancellation = match config.cancellation {
        CancellationRule::AnyContract => running.iter().any(cancelled_in_window),
        CancellationRule::AllContracts => {
            running.iter().any(cancelled_in_window)
                && running
                    .iter()
                    .all(|c| stop_day(c).is_some_and(|d| d.0 <= end))
        }
    };
    if by_cancellation {
        return true;
    }
    let Some(p) = config.inactivity_days else {
        return false;
    };
    // Walk the activity from the last day before the snapshot: the first gap of P days ends the
    // relationship on (last active day + P).
    let Some(mut current) = activity.iter().rev().find(|&&d| d < day.0).copied() else {
        return false;
    };
    for &d in activity.iter().filter(|&&d| d >= day.0) {
        if d > end || d - current >= p {
            break;
        }
        current = d;
    }
    current + p <= end
}

/// One training row's origin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotRow {
    /// Index of the customer in the histories given.
    pub customer: usize,
    /// The snapshot day.
    pub snapshot: Day,
}

/// Features and labels of customers at several snapshot days.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainingSet {
    /// One row per (customer, snapshot), features as of the snapshot.
    pub features: FeatureMatrix,
    /// Departure within the horizon after the snapshot.
    pub labels: Vec<bool>,
    /// Where each row comes from.
    pub rows: Vec<SnapshotRow>,
}

/// Builds training rows: for each snapshot day (in the order given) and each customer of the
/// snapshot (in order), the factory's features as of that day and the departure label of the
/// following horizon. Every label window must end by `data_end`, the last day the data covers
/// (t + h − 1 ≤ `data_end`);
/// otherwise departures would go unseen and the labels would lie.
pub fn build_training_set(
    factory: &FeatureFactory,
    histories: &[CustomerHistory],
    snapshots: &[Day],
    data_end: Day,
    config: &LabelConfig,
) -> Result<TrainingSet, ChurnError> {
    config.validate()?;
    if snapshots.is_empty() {
        return Err(ChurnError::Empty {
            what: "snapshot days".into(),
        });
    }
    for &t in snapshots {
        let window_end = t.plus(config.horizon_days - 1);
        if window_end > data_end {
            return Err(ChurnError::CensoredLabels {
                snapshot: t.iso(),
                window_end: window_end.iso(),
                data_end: data_end.iso(),
            });
        }
    }
    let activity: Vec<Vec<i32>> = histories.iter().map(activity_days).collect();
    let mut rows = Vec::new();
    let mut labels = Vec::new();
    for &t in snapshots {
        for (customer, h) in histories.iter().enumerate() {
            if customer_at(h, t, config, &activity[customer]) {
                rows.push(SnapshotRow {
                    customer,
                    snapshot: t,
                });
                labels.push(departed(h, t, config, &activity[customer]));
            }
        }
    }
    if rows.is_empty() {
        return Err(ChurnError::Empty {
            what: "customers in any snapshot".into(),
        });
    }
    let pairs: Vec<(&CustomerHistory, Day)> = rows
        .iter()
        .map(|r| (&histories[r.customer], r.snapshot))
        .collect();
    Ok(TrainingSet {
        features: factory.compute_at(&pairs),
        labels,
        rows,
    })
}
