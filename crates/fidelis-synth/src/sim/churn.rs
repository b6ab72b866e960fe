//! The decision to leave: the monthly hazard from the state known at a date, the decision and its
//! lead time, the months before the window, and the true risk after the window's end.

use crate::calendar::{Day, SECONDS_PER_DAY, month_start};
use crate::catalog::PRODUCTS;
use crate::names::CITIES;
use crate::random::{between, chance};
use crate::records::{Category, Decision, Driver, LifeKind};
use crate::story::CHURN;

use super::Sim;

const DAY: i64 = SECONDS_PER_DAY;

/// The product of the multipliers, remembering the largest one: the decision's driver.
struct HazardAcc {
    h: f64,
    top: (f64, Driver),
}

impl HazardAcc {
    fn apply(&mut self, factor: f64, driver: Driver) {
        self.h *= factor;
        if factor > self.top.0 {
            self.top = (factor, driver);
        }
    }
}

impl Sim<'_> {
    /// Monthly hazard of deciding to leave at `at`, from the state known then, and its main driver.
    pub(crate) fn hazard(&self, at: Day) -> (f64, Driver) {
        let m = &CHURN.multipliers;
        let mut acc = HazardAcc {
            h: CHURN.base_monthly_hazard * self.c.frailty,
            top: (1.0, Driver::Baseline),
        };
        let at_ts = i64::from(at) * DAY;
        if at - self.c.acquired < 365 {
            acc.apply(m.tenure_under_12_months, Driver::Tenure);
        }
        let main = &self.contracts[self.main];
        match main.commitment_end {
            Some(e) if e >= at && e - at <= 92 => {
                acc.apply(m.commitment_ends_within_3_months, Driver::CommitmentEnd)
            }
            Some(e) if e >= at => acc.apply(m.in_commitment, Driver::Baseline),
            _ => acc.apply(m.out_of_commitment, Driver::OutOfCommitment),
        }
        if main.fee > CHURN.affordable_monthly_fee[usize::from(self.c.income)] {
            acc.apply(m.price_above_means, Driver::Price);
        }
        let mut recent = 0;
        let mut unresolved = false;
        let mut late = false;
        let mut network = false;
        for c in &self.complaints {
            if c.opened >= at_ts || c.opened < at_ts - 182 * DAY {
                continue;
            }
            network |= c.category == Category::Network;
            recent += 1;
            unresolved |= c.unresolved_at(at_ts);
            late |= c.late_at(at_ts);
        }
        let complaint_driver = if network {
            Driver::NetworkComplaint
        } else {
            Driver::Complaint
        };
        for _ in 0..recent.min(2) {
            acc.apply(m.per_recent_complaint, complaint_driver);
        }
        if unresolved {
            acc.apply(m.unresolved_complaint, complaint_driver);
        }
        if late {
            acc.apply(m.late_first_response, complaint_driver);
        }
        let (mut moved, mut divorced, mut other) = (false, false, false);
        for e in &self.life_events {
            if e.day < at && e.day >= at - 91 {
                match e.kind {
                    LifeKind::Moving => moved = true,
                    LifeKind::Divorce => divorced = true,
                    _ => other = true,
                }
            }
        }
        if moved {
            acc.apply(m.moving, Driver::Moving);
        }
        if divorced {
            acc.apply(m.divorce, Driver::LifeChange);
        }
        if other {
            acc.apply(m.other_life_event, Driver::LifeChange);
        }
        if !self.c.solvent {
            acc.apply(m.insolvent, Driver::Insolvent);
        }
        if self.wealthy()
            && self
                .contracts
                .iter()
                .any(|k| PRODUCTS[k.product].complexity >= 4 && k.runs_on(at))
        {
            acc.apply(m.adviser_relationship, Driver::Baseline);
        }
        if CITIES[self.c.city].poor_network {
            acc.apply(m.poor_network_area, Driver::PoorNetwork);
        }
        (acc.h.min(CHURN.max_monthly_hazard), acc.top.1)
    }

    pub(super) fn decide(&mut self, month: i32, from: Day, to: Day, driver: Driver) {
        let day = between(&mut self.rng, i64::from(from), i64::from(to)) as Day;
        let lead = between(
            &mut self.rng,
            i64::from(CHURN.lead_months_min),
            i64::from(CHURN.lead_months_max) + 1,
        ) as i32;
        let departure = month_start(self.world.window.start_month + month + lead)
            + between(&mut self.rng, 0, 28) as Day;
        self.decision = Some(Decision {
            day,
            month,
            lead,
            driver,
        });
        self.departure = Some(departure);
    }

    /// Decisions in the six months before the window, so departures (and falling usage) already
    /// show in the first months; a departure that would fall before the window is not kept, since
    /// the base holds only customers still there at its start.
    pub(super) fn burn_in(&mut self) {
        let w = self.world.window;
        for b in (1..=6).rev() {
            let from = month_start(w.start_month - b);
            if from < self.c.acquired || self.decision.is_some() {
                continue;
            }
            let (h, driver) = self.hazard(from);
            if chance(&mut self.rng, h) {
                let to = month_start(w.start_month - b + 1);
                self.decide(-b, from, to, driver);
                if self.departure.is_some_and(|d| d < w.start) {
                    self.decision = None;
                    self.departure = None;
                }
            }
        }
    }

    /// Usage multiplier in window month `m`: falls linearly from the decision to the departure.
    pub(super) fn leaving_factor(&self, m: i32) -> f64 {
        match self.decision {
            Some(d) if m > d.month => {
                let f = (f64::from(m - d.month) / f64::from(d.lead)).min(1.0);
                1.0 - CHURN.usage_drop_at_departure * f
            }
            _ => 1.0,
        }
    }

    pub(super) fn leaving_in(&self, m: i32) -> bool {
        self.decision.is_some_and(|d| m > d.month)
    }

    /// The true departure risk after `end`, holding the state at `end` (no new events, no retention
    /// offer): the monthly hazard of deciding to leave in the next month (`None` once decided) and
    /// the probability of leaving within the 6 months after `end`.
    pub(crate) fn risk_after_end(&self) -> (Option<f64>, f64) {
        const HORIZON: i32 = 6;
        let w = self.world.window;
        let next = w.start_month + w.months as i32;
        if self.decision.is_some() {
            let by = month_start(next + HORIZON);
            return (
                None,
                if self.departure.is_some_and(|d| d < by) {
                    1.0
                } else {
                    0.0
                },
            );
        }
        let lead_span = f64::from(CHURN.lead_months_max - CHURN.lead_months_min + 1);
        let mut survive = 1.0;
        let mut p = 0.0;
        let mut first = 0.0;
        for k in 0..HORIZON {
            let (h, _) = self.hazard(month_start(next + k));
            if k == 0 {
                first = h;
            }
            // Decided in the (k+1)-th month after `end`, the customer leaves within the horizon when
            // lead <= HORIZON - 1 - k.
            let within =
                (f64::from(HORIZON - k - CHURN.lead_months_min) / lead_span).clamp(0.0, 1.0);
            p += survive * h * within;
            survive *= 1.0 - h;
        }
        (Some(first), p)
    }
}
