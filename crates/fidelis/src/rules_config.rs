//! The rules configuration the commands run with: the files of `--config DIR` (`rules.toml`,
//! `policy.toml`, `routing.toml`, `segments.toml`, `calendar.toml`), each falling back to the sample
//! built into the binary when the directory has no such file or no directory is given.

use anyhow::{Context, Result};
use fidelis_rules::detect::Calendar;
use fidelis_rules::segment::RuleSegments;
use fidelis_rules::{ContactPolicy, FactSchema, RoutingMatrix, RuleSet};
use std::path::Path;
use std::sync::Arc;

/// Every configuration file, validated.
pub struct RulesConfig {
    pub schema: Arc<FactSchema>,
    pub rules: RuleSet,
    pub policy: ContactPolicy,
    pub routing: RoutingMatrix,
    pub segments: RuleSegments,
    pub calendar: Calendar,
}

pub use fidelis_store::facts::schema;

/// Reads a file of the directory, or the built-in sample, as the server does; returns (name shown
/// in errors, text).
fn text(dir: Option<&Path>, file: &str) -> Result<(String, String)> {
    let settings = fidelis_server::Settings {
        config_dir: dir.map(Path::to_path_buf),
        ..fidelis_server::Settings::default()
    };
    fidelis_server::config_text(&settings, file).with_context(|| format!("reading {file}"))
}

/// Loads and validates the configuration; errors name the file, line and column.
pub fn load(dir: Option<&Path>) -> Result<RulesConfig> {
    let schema = Arc::new(schema());
    let (name, t) = text(dir, "rules.toml")?;
    let rules = RuleSet::from_toml(&name, &t, &schema)?;
    let (name, t) = text(dir, "policy.toml")?;
    let policy = ContactPolicy::from_toml(&name, &t)?;
    let (name, t) = text(dir, "routing.toml")?;
    let routing = RoutingMatrix::from_toml(&name, &t, &schema)?;
    let (name, t) = text(dir, "segments.toml")?;
    let segments = RuleSegments::from_toml(&name, &t, &schema)?;
    let (name, t) = text(dir, "calendar.toml")?;
    let calendar = Calendar::from_toml(&name, &t)?;
    Ok(RulesConfig {
        schema,
        rules,
        policy,
        routing,
        segments,
        calendar,
    })
}
