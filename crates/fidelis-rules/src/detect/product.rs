//! A new product in a category the customer bought (Amazon's alert on a release).

use super::{plus_days, sort_events};
use crate::event::{Event, EventKind};
use chrono::NaiveDate;

/// A product and its launch date.
#[derive(Debug, Clone, PartialEq)]
pub struct ProductLaunch {
    pub product_id: String,
    pub category: String,
    pub launch_date: NaiveDate,
}

/// What a customer bought: the categories, and the products (not to announce one they have).
#[derive(Debug, Clone, PartialEq)]
pub struct CustomerPurchases {
    pub customer_id: String,
    pub categories: Vec<String>,
    pub products: Vec<String>,
}

/// Launches in `[as_of − days_after, as_of + days_before]` in a category the customer bought, of a
/// product they do not have: one event per customer and product, dated at the launch, with the
/// product id as detail and the days to launch as value (negative once launched).
pub fn new_products(
    launches: &[ProductLaunch],
    customers: &[CustomerPurchases],
    as_of: NaiveDate,
    days_before: u32,
    days_after: u32,
) -> Vec<Event> {
    let from = plus_days(as_of, -i64::from(days_after));
    let to = plus_days(as_of, i64::from(days_before));
    let recent: Vec<&ProductLaunch> = launches
        .iter()
        .filter(|l| from <= l.launch_date && l.launch_date <= to)
        .collect();
    let mut events: Vec<Event> = customers
        .iter()
        .flat_map(|c| {
            recent
                .iter()
                .filter(|l| {
                    c.categories.contains(&l.category) && !c.products.contains(&l.product_id)
                })
                .map(|l| {
                    Event::new(&c.customer_id, EventKind::NewProduct, l.launch_date)
                        .with_value((l.launch_date - as_of).num_days() as f64)
                        .with_detail(&l.product_id)
                })
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
        let launch = |id: &str, cat: &str, d: &str| ProductLaunch {
            product_id: id.into(),
            category: cat.into(),
            launch_date: day(d),
        };
        let launches = [
            launch("album-2", "music", "2025-03-12"),
            launch("novel-9", "books", "2025-03-01"),
            launch("tv-x", "tv", "2025-03-10"),
            launch("old-album", "music", "2025-01-01"),
        ];
        let buyer = |id: &str, cats: &[&str], owned: &[&str]| CustomerPurchases {
            customer_id: id.into(),
            categories: cats.iter().map(|s| s.to_string()).collect(),
            products: owned.iter().map(|s| s.to_string()).collect(),
        };
        let cases: &[(&str, CustomerPurchases, &[(&str, f64)])] = &[
            (
                "music fan: the coming album",
                buyer("c1", &["music"], &[]),
                &[("album-2", 2.0)],
            ),
            (
                "music and books",
                buyer("c1", &["books", "music"], &[]),
                &[("novel-9", -9.0), ("album-2", 2.0)],
            ),
            ("already has it", buyer("c1", &["tv"], &["tv-x"]), &[]),
            ("other categories", buyer("c1", &["garden"], &[]), &[]),
        ];
        for (name, customer, expected) in cases {
            let got: Vec<(String, f64)> = new_products(
                &launches,
                std::slice::from_ref(customer),
                day("2025-03-10"),
                7,
                14,
            )
            .into_iter()
            .map(|e| (e.detail.unwrap_or_default(), e.value.unwrap_or(0.0)))
            .collect();
            let expected: Vec<(String, f64)> =
                expected.iter().map(|&(p, v)| (p.to_string(), v)).collect();
            assert_eq!(got, expected, "{name}");
        }
    }
}
