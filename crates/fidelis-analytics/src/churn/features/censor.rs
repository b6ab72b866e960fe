//! The history as it was known at the start of the snapshot day: the only input of feature code.

use crate::churn::calendar::{Day, Month, Timestamp};
use crate::churn::history::{
    AlertRow, ComplaintRow, ConsentRow, ContractRow, ContractStatus, CustomerHistory,
    InteractionRow, LifeEventRow, Profile, SurveyRow, TransactionRow,
};

/// Months of usage kept, newest first: enough for a 12-month window and the same month a year ago.
pub(crate) const USAGE_MONTHS: usize = 13;

/// What was known at the start of `as_of`. Built only by [`Censored::fill`]; its buffers are reused
/// from one customer to the next, so filling allocates nothing once warm.
pub(crate) struct Censored {
    /// The snapshot day.
    pub as_of: Day,
    /// Its first instant: everything kept happened strictly before.
    pub cut: Timestamp,
    /// The profile, without an acquisition date that lies in the future.
    pub profile: Profile,
    /// Usage per metric ([`crate::churn::UsageMetric::ALL`] order) and complete month, newest first: index 0 is
    /// the month before the one containing `as_of`. NaN where no row exists.
    pub usage: [[f64; USAGE_MONTHS]; 6],
    /// Transactions before the cut.
    pub transactions: Vec<TransactionRow>,
    /// Contracts started before `as_of`, with the status they had then.
    pub contracts: Vec<ContractRow>,
    /// Interactions before the cut.
    pub interactions: Vec<InteractionRow>,
    /// Complaints opened before the cut, without later answers and resolutions.
    pub complaints: Vec<ComplaintRow>,
    /// Life events before `as_of`.
    pub life_events: Vec<LifeEventRow>,
    /// Consents whose state was recorded before `as_of`.
    pub consents: Vec<ConsentRow>,
    /// Survey answers before `as_of`.
    pub surveys: Vec<SurveyRow>,
    /// Alerts raised before the cut, without the outcomes recorded later.
    pub alerts: Vec<AlertRow>,
}

impl Censored {
    /// A view of nobody, as of day 0.
    pub fn empty() -> Censored {
        Censored {
            as_of: Day(0),
            cut: Timestamp(0),
            profile: Profile::default(),
            usage: [[f64::NAN; USAGE_MONTHS]; 6],
            transactions: Vec::new(),
            contracts: Vec::new(),
            interactions: Vec::new(),
            complaints: Vec::new(),
            life_events: Vec::new(),
            consents: Vec::new(),
            surveys: Vec::new(),
            alerts: Vec::new(),
        }
    }

    /// The month index 0 of `usage` refers to.
    pub fn last_complete_month(&self) -> Month {
        Month::of(self.as_of).plus(-1)
    }

    /// Replaces the view by `history` as known at the start of `as_of`.
    pub fn fill(&mut self, history: &CustomerHistory, as_of: Day) {
        let cut = as_of.start();
        self.as_of = as_of;
        self.cut = cut;

        self.profile = history.profile.clone();
        if self.profile.acquisition_date.is_some_and(|d| d >= as_of) {
            self.profile.acquisition_date = None;
        }

        let last = self.last_complete_month();
        self.usage = [[f64::NAN; USAGE_MONTHS]; 6];
        for row in &history.usage {
            let age = last.0 - row.period.0;
            if (0..USAGE_MONTHS as i32).contains(&age) && row.value.is_finite() {
                self.usage[row.metric as usize][age as usize] = row.value;
            }
        }

        refill(&mut self.transactions, &history.transactions, |t| {
            (t.time < cut).then_some(*t)
        });
        refill(&mut self.contracts, &history.contracts, |c| {
            (c.start < as_of).then(|| as_known(*c, as_of))
        });
        refill(&mut self.interactions, &history.interactions, |i| {
            (i.time < cut).then_some(*i)
        });
        refill(&mut self.complaints, &history.complaints, |c| {
            (c.opened < cut).then(|| ComplaintRow {
                first_response: c.first_response.filter(|&t| t < cut),
                resolved: c.resolved.filter(|&t| t < cut),
                ..*c
            })
        });
        refill(&mut self.life_events, &history.life_events, |e| {
            (e.date < as_of).then_some(*e)
        });
        refill(&mut self.consents, &history.consents, |c| {
            (c.date < as_of).then_some(*c)
        });
        refill(&mut self.surveys, &history.surveys, |s| {
            (s.date < as_of).then_some(*s)
        });
        refill(&mut self.alerts, &history.alerts, |a| {
            (a.raised < cut).then(|| {
                let known = a.outcome_at.is_some_and(|t| t < cut);
                AlertRow {
                    outcome: a.outcome.filter(|_| known),
                    outcome_at: a.outcome_at.filter(|_| known),
                    ..*a
                }
            })
        });
    }
}

/// A contract as it stood at the start of `as_of` (it started before).
fn as_known(mut c: ContractRow, as_of: Day) -> ContractRow {
    match c.status {
        ContractStatus::Cancelled => {
            if c.cancelled_on.is_none_or(|d| d >= as_of) {
                // Cancelled later (or at an unknown date, which cannot be placed before the cut).
                c.status = ContractStatus::Active;
                c.cancelled_on = None;
            }
        }
        ContractStatus::Ended => {
            if c.end.is_some_and(|d| d >= as_of) {
                c.status = ContractStatus::Active;
            }
        }
        ContractStatus::Active => c.cancelled_on = None,
    }
    c
}

fn refill<T, U: Copy>(buffer: &mut Vec<U>, rows: &[T], keep: impl Fn(&T) -> Option<U>) {
    buffer.clear();
    buffer.extend(rows.iter().filter_map(keep));
}
