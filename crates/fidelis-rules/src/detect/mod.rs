//! Event detectors: pure functions from plain input structs and an `as_of` date to dated
//! [`Event`](crate::Event)s. They run daily or at refresh; an event keeps being reported while its condition holds
//! (a contract ending within 60 days is reported on each of those days), so a rule's cool-down or
//! maximum per customer, and the outbox's idempotency key (customer, rule, event kind, event date),
//! keep a customer from hearing about it twice.
//!
//! The moments of fragility of the course (seed 002): contract end, usage under the semi-attrition
//! threshold (SFR), the estimated renewal date (Mercedes), release alerts in a category the customer
//! buys (Amazon), complaints and the service norm (EDF's answer within 8 days), life events
//! (moving, birth, divorce, retirement); and seed 001's birthdays and holidays.

mod birthday;
mod complaint;
mod contract;
mod cycle;
mod holiday;
mod life;
mod product;
mod usage;

pub use birthday::{BirthInfo, birthdays};
pub use complaint::{ComplaintInfo, complaints_opened, service_norm_breaches};
pub use contract::{ContractInfo, contract_ends};
pub use cycle::{CycleConfig, PurchaseHistory, estimated_next_purchase, renewals_due};
pub use holiday::{Calendar, HolidaySpec, easter, holiday_events};
pub use life::{LifeEventRecord, life_events};
pub use product::{CustomerPurchases, ProductLaunch, new_products};
pub use usage::{SemiAttrition, UsageSeries, usage_drops};

use chrono::{NaiveDate, TimeDelta};

/// `as_of + days`, saturating at the calendar's end.
pub(crate) fn plus_days(d: NaiveDate, days: i64) -> NaiveDate {
    d.checked_add_signed(TimeDelta::days(days))
        .unwrap_or(if days >= 0 {
            NaiveDate::MAX
        } else {
            NaiveDate::MIN
        })
}

/// Orders events for reproducible output: by date, customer, kind, detail.
pub(crate) fn sort_events(events: &mut [crate::Event]) {
    events.sort_by(|a, b| {
        (a.date, &a.customer_id, &a.kind, &a.detail).cmp(&(
            b.date,
            &b.customer_id,
            &b.kind,
            &b.detail,
        ))
    });
}
