//! The sample configuration files in `examples/config` stay valid.

use fidelis_rules::detect::Calendar;
use fidelis_rules::segment::RuleSegments;
use fidelis_rules::{ContactPolicy, FactSchema, RoutingMatrix, RuleSet};

fn read(name: &str) -> String {
    let path = format!("{}/examples/config/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn sample_files_load() {
    let schema = FactSchema::standard();
    let rules = RuleSet::from_toml("rules.toml", &read("rules.toml"), &schema).unwrap();
    assert_eq!(rules.rules().len(), 10);
    let policy = ContactPolicy::from_toml("policy.toml", &read("policy.toml")).unwrap();
    assert_eq!(policy.max_per_week, Some(2));
    let routing = RoutingMatrix::from_toml("routing.toml", &read("routing.toml"), &schema).unwrap();
    assert_eq!(routing.spec().routes.len(), 7);
    Calendar::from_toml("calendar.toml", &read("calendar.toml")).unwrap();
    let segments =
        RuleSegments::from_toml("segments.toml", &read("segments.toml"), &schema).unwrap();
    assert_eq!(segments.segments().count(), 3);
}

#[test]
fn sample_offers_load_and_match_the_built_in_copy() {
    let text = read("offers.toml");
    let offers =
        fidelis_rules::OfferCatalogue::from_toml("offers.toml", &text, &FactSchema::standard())
            .unwrap();
    assert_eq!(offers.specs().count(), 5);
    assert!(offers.raises_alert(0.5) && !offers.raises_alert(0.1));
    assert_eq!(
        fidelis_rules::samples::by_file_name("offers.toml"),
        Some(text.as_str())
    );
}
