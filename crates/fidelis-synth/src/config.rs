//! What to generate (`SynthConfig`), what went wrong (`SynthError`) and what was written (`SynthSummary`).

use std::path::PathBuf;

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use crate::entity::Entity;

/// The largest customer count accepted: the ground truth is held in memory, about 200 bytes a customer.
pub const MAX_CUSTOMERS: u32 = 10_000_000;
/// The longest simulated period, twenty years.
pub const MAX_MONTHS: u32 = 240;
/// The `end` dates accepted; the history reaches up to 40 years before `end` (births, early customers).
pub const MIN_END_YEAR: i32 = 2000;
pub const MAX_END_YEAR: i32 = 2200;

/// What `fidelis generate` asks for. The period is the `months` calendar months ending on `end`
/// (inclusive); nothing reads the clock, so the same config always gives the same files.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SynthConfig {
    pub customers: u32,
    pub months: u32,
    pub seed: u64,
    /// Last day of the simulated period.
    pub end: NaiveDate,
}

impl SynthConfig {
    /// Checks the ranges; `generate` calls it first.
    pub fn validate(&self) -> Result<(), SynthError> {
        if !(1..=MAX_CUSTOMERS).contains(&self.customers) {
            return Err(SynthError::Customers {
                got: self.customers,
                max: MAX_CUSTOMERS,
            });
        }
        if !(1..=MAX_MONTHS).contains(&self.months) {
            return Err(SynthError::Months {
                got: self.months,
                max: MAX_MONTHS,
            });
        }
        if !(MIN_END_YEAR..=MAX_END_YEAR).contains(&self.end.year()) {
            return Err(SynthError::End {
                got: self.end,
                min_year: MIN_END_YEAR,
                max_year: MAX_END_YEAR,
            });
        }
        Ok(())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SynthError {
    #[error("customers must be between 1 and {max}, got {got}")]
    Customers { got: u32, max: u32 },
    #[error("months must be between 1 and {max}, got {got}")]
    Months { got: u32, max: u32 },
    #[error("end date {got} must fall in the years {min_year} to {max_year}")]
    End {
        got: NaiveDate,
        min_year: i32,
        max_year: i32,
    },
    #[error("cannot write {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Rows written to one file (header excluded).
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct FileRows {
    pub entity: Entity,
    pub file: String,
    pub rows: u64,
}

/// What `generate` wrote: one entry per CSV file, in import order, plus the ground-truth file.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct SynthSummary {
    pub customers: u32,
    pub months: u32,
    pub seed: u64,
    /// First day of the simulated period, `YYYY-MM-DD`.
    pub window_start: String,
    /// Last day of the simulated period, `YYYY-MM-DD`.
    pub end: String,
    pub files: Vec<FileRows>,
    pub total_rows: u64,
    /// Customers whose status is `churned` at `end`.
    pub churned_customers: u64,
    pub ground_truth_file: String,
}

impl SynthSummary {
    /// Rows written for one entity.
    pub fn rows(&self, entity: Entity) -> u64 {
        self.files
            .iter()
            .find(|f| f.entity == entity)
            .map_or(0, |f| f.rows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(customers: u32, months: u32, end: (i32, u32, u32)) -> SynthConfig {
        SynthConfig {
            customers,
            months,
            seed: 1,
            end: NaiveDate::from_ymd_opt(end.0, end.1, end.2).unwrap_or_default(),
        }
    }

    #[test]
    fn validation() {
        let ok = (2026, 10, 31);
        assert!(config(1, 1, ok).validate().is_ok());
        assert!(config(MAX_CUSTOMERS, MAX_MONTHS, ok).validate().is_ok());
        assert!(matches!(
            config(0, 24, ok).validate(),
            Err(SynthError::Customers { got: 0, .. })
        ));
        assert!(matches!(
            config(10, 0, ok).validate(),
            Err(SynthError::Months { got: 0, .. })
        ));
        assert!(matches!(
            config(10, 241, ok).validate(),
            Err(SynthError::Months { .. })
        ));
        assert!(matches!(
            config(10, 12, (1999, 12, 31)).validate(),
            Err(SynthError::End { .. })
        ));
        let msg = config(10, 0, ok).validate().err().map(|e| e.to_string());
        assert_eq!(
            msg.as_deref(),
            Some("months must be between 1 and 240, got 0")
        );
    }
}
