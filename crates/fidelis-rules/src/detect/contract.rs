//! Contract end (fin de contrat): an active contract whose commitment ends within N days.

use super::{plus_days, sort_events};
use crate::event::{Event, EventKind};
use chrono::NaiveDate;

/// One contract, as the detector needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct ContractInfo {
    pub customer_id: String,
    pub contract_id: String,
    /// End of commitment or next renewal; none for open-ended contracts.
    pub end_date: Option<NaiveDate>,
    pub active: bool,
}

/// Active contracts ending in `[as_of, as_of + within_days]`: one event per contract, dated at its
/// end, with the days left as value and the contract id as detail.
pub fn contract_ends(contracts: &[ContractInfo], as_of: NaiveDate, within_days: u32) -> Vec<Event> {
    let until = plus_days(as_of, i64::from(within_days));
    let mut events: Vec<Event> = contracts
        .iter()
        .filter(|c| c.active)
        .filter_map(|c| {
            let end = c.end_date.filter(|&d| as_of <= d && d <= until)?;
            Some(
                Event::new(&c.customer_id, EventKind::ContractEnd, end)
                    .with_value((end - as_of).num_days() as f64)
                    .with_detail(&c.contract_id),
            )
        })
        .collect();
    sort_events(&mut events);
    events
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn table() {
        let as_of = day("2025-03-10");
        let cases: &[(&str, Option<&str>, bool, Option<f64>)] = &[
            ("ends today", Some("2025-03-10"), true, Some(0.0)),
            ("ends on the horizon", Some("2025-04-09"), true, Some(30.0)),
            ("past the horizon", Some("2025-04-10"), true, None),
            ("already ended", Some("2025-03-09"), true, None),
            ("open-ended", None, true, None),
            ("cancelled", Some("2025-03-20"), false, None),
        ];
        for &(name, end, active, expected) in cases {
            let c = ContractInfo {
                customer_id: "c1".into(),
                contract_id: "K1".into(),
                end_date: end.map(day),
                active,
            };
            let events = contract_ends(&[c], as_of, 30);
            assert_eq!(events.first().and_then(|e| e.value), expected, "{name}");
            if let Some(e) = events.first() {
                assert_eq!(
                    (e.kind.as_str(), e.detail.as_deref()),
                    ("contract_end", Some("K1"))
                );
                assert_eq!(Some(e.date), end.map(day));
            }
        }
    }
}
