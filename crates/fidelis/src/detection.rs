//! One day of event detection: the store's dated records handed to each detector of
//! `fidelis_rules::detect` with the parameters below (wiring only; the detectors are the rules
//! crate's).
//!
//! | detector | parameter |
//! |---|---|
//! | contract end | running contracts whose commitment ends within 90 days |
//! | usage drop | the last 2 full months under half of the 6 before (semi-attrition) |
//! | renewal due | 3 purchases or more, 60 days ahead, 30 days of grace |
//! | birthday, holiday | on the day |
//! | new product | on the launch day, in a category the customer bought |
//! | complaint opened | on the day |
//! | service norm breached | first response after 8 days, on the first day of the breach |
//! | life event | on the day |
//! | inbound_call | an inbound interaction on a phone channel that day |

use chrono::NaiveDate;
use fidelis_rules::detect::{
    self, BirthInfo, ComplaintInfo, ContractInfo, CustomerPurchases, CycleConfig, PurchaseHistory,
    SemiAttrition,
};
use fidelis_rules::{Event, EventKind};
use fidelis_store::facts::{CustomerFacts, DetectorInputs};

/// Days ahead a contract end is reported.
pub const CONTRACT_END_DAYS: u32 = 90;
/// The service norm: first response within 8 days (EDF's charter).
pub const SERVICE_NORM_DAYS: u32 = 8;

/// Customers' static inputs of the detectors (birth dates, what they bought).
pub struct Detection<'a> {
    pub inputs: &'a DetectorInputs,
    pub births: Vec<BirthInfo>,
    pub purchases: Vec<CustomerPurchases>,
    pub calendar: &'a detect::Calendar,
    pub customer_ids: Vec<String>,
}

impl<'a> Detection<'a> {
    pub fn new(
        inputs: &'a DetectorInputs,
        customers: &[CustomerFacts],
        calendar: &'a detect::Calendar,
    ) -> Detection<'a> {
        Detection {
            inputs,
            births: customers
                .iter()
                .filter_map(|c| {
                    Some(BirthInfo {
                        customer_id: c.external_id.clone(),
                        birth_date: c.birth_date?,
                    })
                })
                .collect(),
            purchases: customers
                .iter()
                .map(|c| CustomerPurchases {
                    customer_id: c.external_id.clone(),
                    categories: c.categories.clone(),
                    products: c.products.clone(),
                })
                .collect(),
            calendar,
            customer_ids: customers.iter().map(|c| c.external_id.clone()).collect(),
        }
    }

    /// Every event detected on `day`, from the records known by the end of that day.
    pub fn events_on(&self, day: NaiveDate) -> Vec<Event> {
        let d = self.inputs;
        let contracts: Vec<ContractInfo> = d
            .contracts
            .iter()
            .map(|k| ContractInfo {
                customer_id: k.customer_id.clone(),
                contract_id: k.contract_id.clone(),
                end_date: k.end,
                active: k.runs_on(day),
            })
            .collect();
        let mut events = detect::contract_ends(&contracts, day, CONTRACT_END_DAYS);
        events.extend(detect::usage_drops(
            &d.usage,
            day,
            &SemiAttrition::default(),
        ));
        let histories: Vec<PurchaseHistory> = d
            .purchase_days
            .iter()
            .map(|(c, days)| PurchaseHistory {
                customer_id: c.clone(),
                dates: days.iter().copied().filter(|&p| p <= day).collect(),
            })
            .collect();
        events.extend(detect::renewals_due(
            &histories,
            day,
            &CycleConfig::default(),
        ));
        events.extend(detect::birthdays(&self.births, day, 0));
        events.extend(detect::holiday_events(
            self.calendar,
            self.customer_ids.iter().map(String::as_str),
            day,
            0,
        ));
        events.extend(detect::new_products(
            &d.launches,
            &self.purchases,
            day,
            0,
            0,
        ));
        let known: Vec<ComplaintInfo> = d
            .complaints
            .iter()
            .filter(|c| c.opened_at.date() <= day)
            .map(|c| ComplaintInfo {
                first_response_at: c.first_response_at.filter(|a| a.date() <= day),
                ..c.clone()
            })
            .collect();
        events.extend(detect::complaints_opened(&known, day, 0));
        events.extend(detect::service_norm_breaches(
            &known,
            day,
            SERVICE_NORM_DAYS,
            0,
        ));
        events.extend(detect::life_events(&d.life_events, day, 0, 0));
        for i in d.inbound.iter().filter(|i| i.at.date() == day) {
            if matches!(i.channel.as_str(), "call_centre" | "adviser" | "telesales") {
                events.push(
                    Event::new(&i.customer_id, EventKind::Other("inbound_call".into()), day)
                        .with_detail(&i.operation),
                );
            }
        }
        events
    }
}
