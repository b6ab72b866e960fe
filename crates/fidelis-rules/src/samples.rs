//! The sample configuration of `examples/config`, built into the binary: what the server and the
//! command line use when no configuration directory is given, so the demo runs with no files.

pub const RULES: &str = include_str!("../examples/config/rules.toml");
pub const POLICY: &str = include_str!("../examples/config/policy.toml");
pub const ROUTING: &str = include_str!("../examples/config/routing.toml");
pub const SEGMENTS: &str = include_str!("../examples/config/segments.toml");
pub const CALENDAR: &str = include_str!("../examples/config/calendar.toml");
pub const OFFERS: &str = include_str!("../examples/config/offers.toml");

/// The sample text of a configuration file by its file name (`rules.toml`, `offers.toml`, ...).
pub fn by_file_name(name: &str) -> Option<&'static str> {
    match name {
        "rules.toml" => Some(RULES),
        "policy.toml" => Some(POLICY),
        "routing.toml" => Some(ROUTING),
        "segments.toml" => Some(SEGMENTS),
        "calendar.toml" => Some(CALENDAR),
        "offers.toml" => Some(OFFERS),
        _ => None,
    }
}
