//! Imported life events (événements de vie): moving, birth, marriage, divorce, retirement, job
//! change, bereavement — the external moments of fragility.

use super::{plus_days, sort_events};
use crate::event::{Event, EventKind};
use chrono::NaiveDate;

/// A life event as imported.
#[derive(Debug, Clone, PartialEq)]
pub struct LifeEventRecord {
    pub customer_id: String,
    /// `moving`, `birth`, `marriage`, `divorce`, `retirement`, `job_change`, `bereavement`.
    pub kind: String,
    pub date: NaiveDate,
}

/// Life events dated in `[as_of − lookback_days, as_of + lead_days]` (a planned move or retirement
/// may be known ahead): kind `life_event`, the life event's kind as detail, the days since it as value.
pub fn life_events(
    records: &[LifeEventRecord],
    as_of: NaiveDate,
    lookback_days: u32,
    lead_days: u32,
) -> Vec<Event> {
    let from = plus_days(as_of, -i64::from(lookback_days));
    let to = plus_days(as_of, i64::from(lead_days));
    let mut events: Vec<Event> = records
        .iter()
        .filter(|r| from <= r.date && r.date <= to)
        .map(|r| {
            Event::new(&r.customer_id, EventKind::LifeEvent, r.date)
                .with_value((as_of - r.date).num_days() as f64)
                .with_detail(&r.kind)
        })
        .collect();
    sort_events(&mut events);
    events
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table() {
        let as_of = NaiveDate::from_ymd_opt(2025, 3, 10).unwrap();
        let cases = [
            ("moving last week", "moving", "2025-03-03", Some(7.0)),
            ("birth today", "birth", "2025-03-10", Some(0.0)),
            (
                "retirement planned next month",
                "retirement",
                "2025-04-01",
                Some(-22.0),
            ),
            ("divorce last year", "divorce", "2024-03-01", None),
            ("move planned in a year", "moving", "2026-03-01", None),
        ];
        for (name, kind, date, expected) in cases {
            let r = LifeEventRecord {
                customer_id: "c1".into(),
                kind: kind.into(),
                date: NaiveDate::parse_from_str(date, "%Y-%m-%d").unwrap(),
            };
            let events = life_events(&[r], as_of, 30, 60);
            assert_eq!(events.first().and_then(|e| e.value), expected, "{name}");
            if let Some(e) = events.first() {
                assert_eq!(
                    (e.kind.as_str(), e.detail.as_deref()),
                    ("life_event", Some(kind))
                );
            }
        }
    }
}
