//! The feature factory: one customer's history as of a date → a few hundred named variables.
//!
//! **No future leakage by construction.** Feature code never sees a [`CustomerHistory`]: it sees a
//! `Censored` view, built by `Censored::fill`, holding only what was known at the start of the
//! snapshot day `as_of`: events strictly before it, usage of complete months only, contracts as
//! they stood (a cancellation dated on or after `as_of` is undone), complaints without the answers
//! and resolutions that came later, consents whose current state was recorded before `as_of`,
//! departure alerts without the agents' outcomes recorded later.
//!
//! **One source of truth for names and values.** Each feature group is one generic function that
//! calls `sink.put(value, || spec)` in a fixed order. Computing runs it with a sink that writes the
//! values (the spec closures are never called); the catalogue runs the same code with a sink that
//! keeps the specs. Names and columns therefore cannot drift apart.

mod alerts;
mod catalogue;
mod censor;
mod commerce;
mod contacts;
mod person;
mod usage;

use rayon::prelude::*;

pub use catalogue::{FeatureSpec, Unit, render_reason};
pub(crate) use censor::Censored;

use super::calendar::Day;
use super::error::ChurnError;
use super::history::CustomerHistory;
use super::matrix::FeatureMatrix;

/// What the factory needs beyond the history: the product categories to break spend down by.
#[derive(Debug, Clone, PartialEq)]
pub struct FeatureConfig {
    /// Product categories, in the order [`crate::churn::TransactionRow::category`] indexes them;
    /// each gets spend and contract features named after it (lower-case, `[a-z0-9_]`).
    pub product_categories: Vec<String>,
}

impl Default for FeatureConfig {
    /// The categories of the synthetic data set.
    fn default() -> Self {
        FeatureConfig {
            product_categories: [
                "mobile_plan",
                "internet",
                "tv",
                "insurance",
                "accessory",
                "handset",
                "service",
                "premium_service",
                "wealth",
            ]
            .map(str::to_owned)
            .to_vec(),
        }
    }
}

impl FeatureConfig {
    /// Index of a category name, for filling [`crate::churn::TransactionRow::category`].
    pub fn category_index(&self, name: &str) -> Option<u16> {
        self.product_categories
            .iter()
            .position(|c| c == name)
            .and_then(|i| u16::try_from(i).ok())
    }

    /// The category names as they appear in feature names.
    fn category_keys(&self) -> Vec<String> {
        self.product_categories
            .iter()
            .map(|c| {
                c.to_lowercase()
                    .chars()
                    .map(|ch| if ch.is_ascii_alphanumeric() { ch } else { '_' })
                    .collect()
            })
            .collect()
    }
}

/// Receives the features of one customer in catalogue order.
pub(crate) trait Sink {
    /// One feature: its value (non-finite values are stored as NaN) and, lazily, its spec.
    fn put(&mut self, value: f64, spec: impl FnOnce() -> FeatureSpec);
}

/// Writes values into a row.
struct RowWriter<'a> {
    out: &'a mut [f32],
    pos: usize,
}

impl Sink for RowWriter<'_> {
    #[inline]
    fn put(&mut self, value: f64, _spec: impl FnOnce() -> FeatureSpec) {
        if let Some(slot) = self.out.get_mut(self.pos) {
            *slot = if value.is_finite() {
                value as f32
            } else {
                f32::NAN
            };
        }
        self.pos += 1;
    }
}

/// Keeps the specs.
struct SpecCollector(Vec<FeatureSpec>);

impl Sink for SpecCollector {
    fn put(&mut self, _value: f64, spec: impl FnOnce() -> FeatureSpec) {
        self.0.push(spec());
    }
}

/// Every feature group, in catalogue order.
fn all_features<S: Sink>(sink: &mut S, view: &Censored, categories: &[String]) {
    person::profile_features(sink, view);
    usage::usage_features(sink, view);
    commerce::transaction_features(sink, view, categories);
    commerce::contract_features(sink, view, categories);
    contacts::interaction_features(sink, view);
    contacts::complaint_features(sink, view);
    person::life_event_features(sink, view);
    person::consent_features(sink, view);
    person::survey_features(sink, view);
    person::activity_features(sink, view);
    alerts::alert_features(sink, view);
}

/// Computes the catalogue's features from customer histories as of snapshot dates.
#[derive(Debug, Clone)]
pub struct FeatureFactory {
    config: FeatureConfig,
    category_keys: Vec<String>,
    catalogue: Vec<FeatureSpec>,
    names: Vec<String>,
}

/// Rows per parallel task: large enough to amortise scheduling, small enough to balance 2 cores.
const ROWS_PER_TASK: usize = 2048;

impl FeatureFactory {
    /// A factory for `config`; builds the catalogue once.
    pub fn new(config: FeatureConfig) -> FeatureFactory {
        let category_keys = config.category_keys();
        let mut collector = SpecCollector(Vec::with_capacity(320));
        all_features(&mut collector, &Censored::empty(), &category_keys);
        let catalogue = collector.0;
        let names = catalogue.iter().map(|s| s.name.clone()).collect();
        FeatureFactory {
            config,
            category_keys,
            catalogue,
            names,
        }
    }

    /// The configuration.
    pub fn config(&self) -> &FeatureConfig {
        &self.config
    }

    /// Every feature, in column order.
    pub fn catalogue(&self) -> &[FeatureSpec] {
        &self.catalogue
    }

    /// Feature names, in column order.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The spec of a feature by name.
    pub fn spec(&self, name: &str) -> Option<&FeatureSpec> {
        self.catalogue.iter().find(|s| s.name == name)
    }

    /// One customer's features as of the start of `as_of` into `out` (one slot per catalogue entry).
    pub fn customer_features(
        &self,
        history: &CustomerHistory,
        as_of: Day,
        out: &mut [f32],
    ) -> Result<(), ChurnError> {
        if out.len() != self.catalogue.len() {
            return Err(ChurnError::LengthMismatch {
                what: "feature row".into(),
                found: out.len(),
                expected: self.catalogue.len(),
            });
        }
        let mut view = Censored::empty();
        view.fill(history, as_of);
        self.write_row(&view, out);
        Ok(())
    }

    fn write_row(&self, view: &Censored, out: &mut [f32]) {
        let mut writer = RowWriter { out, pos: 0 };
        all_features(&mut writer, view, &self.category_keys);
        debug_assert_eq!(writer.pos, self.catalogue.len());
    }

    /// Features of every customer as of the same day, one row each, in order.
    pub fn compute(&self, histories: &[CustomerHistory], as_of: Day) -> FeatureMatrix {
        self.compute_with(histories.len(), |i| (&histories[i], as_of))
    }

    /// Features of (customer, snapshot day) pairs, one row each, in order.
    pub fn compute_at(&self, rows: &[(&CustomerHistory, Day)]) -> FeatureMatrix {
        self.compute_with(rows.len(), |i| rows[i])
    }

    fn compute_with<'h>(
        &self,
        n: usize,
        row: impl Fn(usize) -> (&'h CustomerHistory, Day) + Sync,
    ) -> FeatureMatrix {
        let width = self.catalogue.len();
        let mut values = vec![f32::NAN; n * width];
        let work = |(task, chunk): (usize, &mut [f32])| {
            let mut view = Censored::empty();
            for (k, out) in chunk.chunks_exact_mut(width).enumerate() {
                let (history, as_of) = row(task * ROWS_PER_TASK + k);
                view.fill(history, as_of);
                self.write_row(&view, out);
            }
        };
        if n > ROWS_PER_TASK {
            values
                .par_chunks_mut(ROWS_PER_TASK * width)
                .enumerate()
                .for_each(work);
        } else {
            values
                .chunks_mut(ROWS_PER_TASK * width)
                .enumerate()
                .for_each(work);
        }
        FeatureMatrix::from_raw(self.names.clone(), n, values)
    }
}
