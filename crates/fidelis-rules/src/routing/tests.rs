//! Tests of the routing matrix: segment order, the most specific route, fallbacks, errors with
//! positions, and the cheaper-channel helper.

use super::*;
use crate::Position;
use crate::facts::Value;
use std::sync::Arc;

const MATRIX: &str = r#"
[[segment]]
name = "wealthy"
when = 'profile.assets_band in ["high", "very_high"]'

[[segment]]
name = "low_value_loyal"
when = 'value.strategy == "retention" && value.potential < 200'

[[segment]]
name = "mass"

[[route]]
segment = "wealthy"
operation = "complex_sale"
to = ["adviser", "store", "call_centre"]

[[route]]
segment = "wealthy"
operation = "*"
to = ["adviser", "call_centre"]

[[route]]
segment = "low_value_loyal"
operation = "*"
to = ["web", "email"]

[[route]]
segment = "*"
operation = "appointment"
to = ["call_centre"]

[[route]]
segment = "*"
operation = "*"
to = ["call_centre", "web"]
"#;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 3, 10).unwrap()
}

fn facts(pairs: &[(&str, Value)]) -> Facts {
    let mut f = Facts::new(Arc::new(FactSchema::standard()));
    for (k, v) in pairs {
        f.set(k, v.clone()).unwrap();
    }
    f
}

#[test]
fn routes_by_segment_and_operation_with_fallbacks() {
    let m = RoutingMatrix::from_toml("routing.toml", MATRIX, &FactSchema::standard()).unwrap();
    let wealthy = facts(&[("profile.assets_band", "very_high".into())]);
    let loyal = facts(&[
        ("value.strategy", "retention".into()),
        ("value.potential", 120.0.into()),
    ]);
    let mass = facts(&[("value.potential", 5000.0.into())]);
    let all = |_: Channel| true;
    let no_adviser = |c: Channel| c != Channel::Adviser;
    let nothing = |_: Channel| false;
    type Avail<'a> = &'a dyn Fn(Channel) -> bool;
    let cases: &[(&str, &Facts, Operation, Avail, Option<(Channel, &str)>)] = &[
        (
            "wealthy complex sale: adviser (Eurogroup)",
            &wealthy,
            Operation::ComplexSale,
            &all,
            Some((
                Channel::Adviser,
                "segment wealthy × complex_sale: route wealthy × complex_sale → adviser, store, call_centre",
            )),
        ),
        (
            "adviser unavailable: the store",
            &wealthy,
            Operation::ComplexSale,
            &no_adviser,
            Some((
                Channel::Store,
                "segment wealthy × complex_sale: route wealthy × complex_sale → adviser, store, call_centre; fell back past adviser (unavailable)",
            )),
        ),
        (
            "wealthy, another operation: the segment's catch-all",
            &wealthy,
            Operation::Service,
            &all,
            Some((
                Channel::Adviser,
                "segment wealthy × service: route wealthy × * → adviser, call_centre",
            )),
        ),
        (
            "low-value loyal: the web",
            &loyal,
            Operation::SimpleSale,
            &all,
            Some((
                Channel::Web,
                "segment low_value_loyal × simple_sale: route low_value_loyal × * → web, email",
            )),
        ),
        (
            "mass appointment: the call platform",
            &mass,
            Operation::Appointment,
            &all,
            Some((
                Channel::CallCentre,
                "segment mass × appointment: route * × appointment → call_centre",
            )),
        ),
        (
            "mass anything else: the default row",
            &mass,
            Operation::Complaint,
            &all,
            Some((
                Channel::CallCentre,
                "segment mass × complaint: route * × * → call_centre, web",
            )),
        ),
        (
            "nothing available",
            &mass,
            Operation::Complaint,
            &nothing,
            None,
        ),
    ];
    for (name, f, op, avail, expected) in cases {
        let got = m.route(f, *op, today(), avail);
        let got = got.as_ref().map(|(c, r)| (*c, r.as_str()));
        assert_eq!(got, *expected, "{name}");
    }
    assert_eq!(m.segment_of(&loyal, today()), Some("low_value_loyal"));
}

#[test]
fn no_segment_and_no_route() {
    let text = "[[segment]]\nname = \"vip\"\nwhen = \"value.clv > 1000\"\n\n[[route]]\nsegment = \"vip\"\noperation = \"retention\"\nto = [\"adviser\"]\n";
    let m = RoutingMatrix::from_toml("r.toml", text, &FactSchema::standard()).unwrap();
    let route = m.route_all(&facts(&[]), Operation::Retention, today());
    assert_eq!(route.segment, None);
    assert!(route.channels.is_empty());
    assert_eq!(route.reason, "segment (none) × retention: no route");
}

#[test]
fn errors_point_at_line_and_column() {
    let cases: &[(&str, usize, usize, &str)] = &[
        (
            "[[segment]]\nname = \"a\"\nwhen = 'value.clv >'\n",
            3,
            20,
            "in segment `a`: expected a value, a name or `(`",
        ),
        (
            "[[route]]\nsegment = \"ghost\"\noperation = \"*\"\nto = [\"web\"]\n",
            2,
            11,
            "route for unknown segment `ghost`",
        ),
        (
            "[[route]]\nsegment = \"*\"\noperation = \"teleport\"\nto = [\"web\"]\n",
            3,
            13,
            "unknown operation `teleport`",
        ),
        (
            "[[route]]\nsegment = \"*\"\noperation = \"*\"\nto = []\n",
            4,
            6,
            "`to` needs at least one channel or actor",
        ),
        (
            "[[route]]\nsegment = \"*\"\noperation = \"*\"\nto = [\"pigeon\"]\n",
            4,
            6,
            "unknown channel `pigeon`",
        ),
        (
            "[[route]]\nsegment = \"*\"\noperation = \"*\"\nto = [\"web\"]\n[[route]]\nsegment = \"*\"\noperation = \"*\"\nto = [\"email\"]\n",
            5,
            1,
            "two routes for segment `*` × operation `*`",
        ),
    ];
    for &(text, line, column, message) in cases {
        let e =
            RoutingMatrix::from_toml("routing.toml", text, &FactSchema::standard()).unwrap_err();
        assert_eq!(e.position(), Some(Position { line, column }), "{text}: {e}");
        assert!(e.to_string().contains(message), "{e}");
    }
}

#[test]
fn cheaper_channel_for_low_value_loyal_customers() {
    let config = CheaperChannelConfig {
        cost_per_contact: [
            (Channel::Adviser, 40.0),
            (Channel::CallCentre, 6.0),
            (Channel::Web, 0.2),
        ]
        .into(),
        target: Channel::Web,
        max_cost_share: 0.3,
        max_potential: 500.0,
    };
    let usage =
        |id: &str, margin: f64, potential: f64, loyal: bool, calls: f64, visits: f64| ChannelUse {
            customer_id: id.into(),
            yearly_margin: margin,
            potential,
            loyal,
            contacts_per_year: [(Channel::CallCentre, calls), (Channel::Adviser, visits)].into(),
        };
    let customers = [
        // 12 calls × 6 = 72 > 30 % of 100: move the calls to the web, saving 12 × 5.8.
        usage("loyal_small", 100.0, 150.0, true, 12.0, 0.0),
        // 2 adviser meetings × 40 = 80 > 30 % of 200: the adviser is the costly channel.
        usage("loyal_adviser", 200.0, 300.0, true, 0.0, 2.0),
        // Cheap enough to serve.
        usage("loyal_cheap", 1000.0, 150.0, true, 12.0, 0.0),
        // Not loyal, or high potential: leave them.
        usage("not_loyal", 100.0, 150.0, false, 12.0, 0.0),
        usage("high_potential", 100.0, 5000.0, true, 12.0, 0.0),
    ];
    let got: Vec<(String, Channel, f64)> = cheaper_channel_suggestions(&customers, &config)
        .into_iter()
        .map(|s| {
            (
                s.customer_id,
                s.from,
                (s.yearly_saving * 100.0).round() / 100.0,
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("loyal_adviser".to_string(), Channel::Adviser, 79.6),
            ("loyal_small".to_string(), Channel::CallCentre, 69.6),
        ]
    );
}
