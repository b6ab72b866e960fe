//! A named, row-major matrix of `f32` features with NaN for "missing": what models train and score on.

use super::error::ChurnError;

/// Rows (customers or customer-snapshots) × named feature columns, row-major, NaN for missing.
#[derive(Debug, Clone, PartialEq)]
pub struct FeatureMatrix {
    names: Vec<String>,
    n_rows: usize,
    values: Vec<f32>,
}

impl FeatureMatrix {
    /// A matrix from its column names and row-major values (`values.len()` = rows × names).
    pub fn new(names: Vec<String>, values: Vec<f32>) -> Result<FeatureMatrix, ChurnError> {
        if names.is_empty() {
            return Err(ChurnError::Empty {
                what: "feature names".into(),
            });
        }
        if !values.len().is_multiple_of(names.len()) {
            return Err(ChurnError::LengthMismatch {
                what: "matrix values (not a multiple of the column count)".into(),
                found: values.len(),
                expected: values.len() / names.len() * names.len(),
            });
        }
        Ok(FeatureMatrix {
            n_rows: values.len() / names.len(),
            names,
            values,
        })
    }

    /// A matrix whose shape the caller guarantees (`values.len() == n_rows * names.len()`).
    pub(crate) fn from_raw(names: Vec<String>, n_rows: usize, values: Vec<f32>) -> FeatureMatrix {
        debug_assert_eq!(values.len(), n_rows * names.len());
        FeatureMatrix {
            names,
            n_rows,
            values,
        }
    }

    /// A matrix from one vector per column, all of the same length.
    pub fn from_columns(
        names: Vec<String>,
        columns: &[Vec<f32>],
    ) -> Result<FeatureMatrix, ChurnError> {
        if columns.len() != names.len() {
            return Err(ChurnError::LengthMismatch {
                what: "columns".into(),
                found: columns.len(),
                expected: names.len(),
            });
        }
        let n_rows = columns.first().map_or(0, Vec::len);
        if let Some(bad) = columns.iter().position(|c| c.len() != n_rows) {
            return Err(ChurnError::LengthMismatch {
                what: format!("column {}", names[bad]),
                found: columns[bad].len(),
                expected: n_rows,
            });
        }
        let mut values = Vec::with_capacity(n_rows * names.len());
        for i in 0..n_rows {
            values.extend(columns.iter().map(|c| c[i]));
        }
        FeatureMatrix::new(names, values)
    }

    /// Column names.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// Number of rows.
    pub fn n_rows(&self) -> usize {
        self.n_rows
    }

    /// Number of feature columns.
    pub fn n_features(&self) -> usize {
        self.names.len()
    }

    /// All values, row-major.
    pub fn values(&self) -> &[f32] {
        &self.values
    }

    /// Row `i` (`i < n_rows`).
    pub fn row(&self, i: usize) -> &[f32] {
        let f = self.names.len();
        &self.values[i * f..(i + 1) * f]
    }

    /// The rows in order.
    pub fn rows(&self) -> std::slice::ChunksExact<'_, f32> {
        self.values.chunks_exact(self.names.len())
    }

    /// Column `j` copied out (`j < n_features`).
    pub fn column(&self, j: usize) -> Vec<f32> {
        self.rows().map(|r| r[j]).collect()
    }

    /// Index of the column named `name`.
    pub fn position(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| n == name)
    }

    /// A matrix of the given rows, in the given order (indices < `n_rows`).
    pub fn select_rows(&self, rows: &[usize]) -> FeatureMatrix {
        let mut values = Vec::with_capacity(rows.len() * self.names.len());
        for &i in rows {
            values.extend_from_slice(self.row(i));
        }
        FeatureMatrix {
            names: self.names.clone(),
            n_rows: rows.len(),
            values,
        }
    }

    /// A matrix of the given columns, in the given order (indices < `n_features`, at least one).
    pub fn select_columns(&self, columns: &[usize]) -> Result<FeatureMatrix, ChurnError> {
        if let Some(&bad) = columns.iter().find(|&&j| j >= self.names.len()) {
            return Err(ChurnError::LengthMismatch {
                what: "column index".into(),
                found: bad,
                expected: self.names.len(),
            });
        }
        let names = columns.iter().map(|&j| self.names[j].clone()).collect();
        let mut values = Vec::with_capacity(self.n_rows * columns.len());
        for row in self.rows() {
            values.extend(columns.iter().map(|&j| row[j]));
        }
        FeatureMatrix::new(names, values)
    }

    /// The columns named, in that order; an error names the first one missing.
    pub fn select_named(&self, names: &[String]) -> Result<FeatureMatrix, ChurnError> {
        let mut columns = Vec::with_capacity(names.len());
        for name in names {
            match self.position(name) {
                Some(j) => columns.push(j),
                None => {
                    return Err(ChurnError::UnknownColumn {
                        name: name.clone(),
                        available: format!("{} feature columns", self.names.len()),
                    });
                }
            }
        }
        self.select_columns(&columns)
    }
}
