//! Simulated customer histories for speed measurements (`fidelis bench churn`, the `churn_speed`
//! example): two years of monthly usage, a contract, contacts, purchases, complaints and NPS
//! answers, following the synthetic data set's story in miniature. Everyone is a customer at `t`;
//! about 30 % cancel in the 200 days after it, and their usage falls and their complaints rise from
//! a decision 60–180 days before. A quarter had a departure alert in the 180 days before `t`, and
//! the agent's outcome moves the odds: of those who declined the retention offer 75 % cancel, of
//! those who accepted it 8 %. Deterministic per seed; not meant to be realistic beyond that.

use super::calendar::{Day, Month, Timestamp};
use super::history::{
    AlertOutcome, AlertRow, Band, ChannelKind, ComplaintRow, ConsentChannel, ConsentPurpose,
    ConsentRow, ContractRow, ContractStatus, CustomerHistory, Direction, InteractionRow, Operation,
    Profile, SurveyKind, SurveyRow, TransactionKind, TransactionRow, UsageMetric, UsageRow,
};
use crate::btyd::simulate::Rng;

/// A departure alert in the 180 days before `t` for a quarter of the customers: an offer shown to
/// most, and an outcome recorded within three days for most (possibly after `t`).
fn simulated_alert(rng: &mut Rng, t: Day) -> Option<AlertRow> {
    if rng.uniform() >= 0.25 {
        return None;
    }
    let raised = Timestamp(t.plus(-1 - rng.below(180) as i32).start().0 + 40_000);
    let offer_cost = (rng.uniform() < 0.85).then(|| 5.0 * (1 + rng.below(10)) as f64);
    let outcome = match rng.below(20) {
        0..=6 => Some(AlertOutcome::Accepted),
        7..=13 => Some(AlertOutcome::Declined),
        14..=16 => Some(AlertOutcome::NotRelevant),
        _ => None,
    };
    Some(AlertRow {
        raised,
        offer_cost,
        outcome,
        outcome_at: outcome.map(|_| raised.plus_days(rng.uniform() * 3.0)),
    })
}

/// One simulated customer with history up to `t`; about 30 % cancel in the 200 days after it.
pub fn simulated_history(rng: &mut Rng, t: Day) -> CustomerHistory {
    let mut h = CustomerHistory::default();
    let acquired = t.plus(-(200 + rng.below(2000) as i32));
    h.profile = Profile {
        birth_date: Some(Day::from_ymd(1945 + rng.below(60) as i32, 6, 1)),
        acquisition_date: Some(acquired),
        income_band: Some(Band::ALL[rng.below(4) as usize]),
        assets_band: Some(Band::ALL[rng.below(4) as usize]),
        solvent: rng.uniform() > 0.03,
    };
    // Everyone is still a customer at t; 30 % cancel within 200 days, fewer after accepting a
    // retention offer, more after declining one.
    let alert = simulated_alert(rng, t);
    let leave = match alert.and_then(|a| a.outcome) {
        Some(AlertOutcome::Accepted) => 0.08,
        Some(AlertOutcome::Declined) => 0.75,
        _ => 0.3,
    };
    let cancel = (rng.uniform() < leave).then(|| t.plus(rng.below(200) as i32));
    let decision = cancel.map(|c| c.plus(-(60 + rng.below(120) as i32)));
    let base: Vec<f64> = (0..6)
        .map(|k| [50.0, 150.0, 100.0, 8000.0, 15.0, 20.0][k] * (0.3 + rng.uniform()))
        .collect();
    let mut month = Month::of(t).plus(-24).max(Month::of(acquired).plus(1));
    while month < Month::of(t) && cancel.is_none_or(|c| month.first_day() < c) {
        let end = month.last_day();
        let factor = match (decision, cancel) {
            (Some(d), Some(c)) if end > d => {
                1.0 - 0.65 * (f64::from(end.0 - d.0) / f64::from(c.0 - d.0)).min(1.0)
            }
            _ => 1.0,
        };
        for (k, &metric) in UsageMetric::ALL.iter().enumerate() {
            let value = (base[k] * factor * (0.85 + 0.3 * rng.uniform())).round();
            h.usage.push(UsageRow {
                period: month,
                metric,
                value,
            });
        }
        month = month.plus(1);
    }
    h.contracts.push(ContractRow {
        start: acquired,
        end: Some(acquired.plus(730)),
        status: if cancel.is_some() {
            ContractStatus::Cancelled
        } else {
            ContractStatus::Active
        },
        monthly_fee: 9.99 + 10.0 * rng.below(4) as f64,
        cancelled_on: cancel,
        category: Some(0),
    });
    let stop = cancel.unwrap_or(t).min(t);
    let mut day = t.plus(-730).max(acquired);
    while day < stop {
        day = day.plus(1 + rng.below(45) as i32);
        let time = Timestamp(day.start().0 + 36_000);
        let channel = ChannelKind::ALL[rng.below(10) as usize];
        h.interactions.push(InteractionRow {
            time,
            channel,
            direction: if rng.uniform() < 0.7 {
                Direction::Inbound
            } else {
                Direction::Outbound
            },
            operation: Operation::ALL[rng.below(8) as usize],
            duration_seconds: rng.below(900) as u32,
        });
        if rng.uniform() < 0.3 {
            h.transactions.push(TransactionRow {
                time,
                amount: 10.0 + rng.below(300) as f64,
                cost: 5.0,
                kind: TransactionKind::Sale,
                category: Some(rng.below(9) as u16),
                channel: Some(channel),
            });
        }
        let complains = rng.uniform()
            < if decision.is_some_and(|d| day > d) {
                0.3
            } else {
                0.03
            };
        if complains {
            let opened = time;
            h.complaints.push(ComplaintRow {
                opened,
                first_response: Some(opened.plus_days(1.0 + 12.0 * rng.uniform())),
                resolved: (rng.uniform() < 0.6).then(|| opened.plus_days(20.0)),
                compensation: 0.0,
            });
        }
        if rng.uniform() < 0.05 {
            h.surveys.push(SurveyRow {
                date: day,
                kind: SurveyKind::Nps,
                score: rng.below(11) as u8,
            });
        }
    }
    h.alerts.extend(alert);
    h.consents.push(ConsentRow {
        channel: ConsentChannel::Email,
        purpose: ConsentPurpose::Marketing,
        granted: rng.uniform() < 0.6,
        date: acquired,
    });
    h
}

/// `n` simulated customers as of `t`, deterministic per `seed`.
pub fn simulated_histories(n: usize, seed: u64, t: Day) -> Vec<CustomerHistory> {
    let mut rng = Rng::new(seed);
    (0..n).map(|_| simulated_history(&mut rng, t)).collect()
}
