//! The crossing of two segmentations: a matrix of customer counts and value (seed 001: a strategic
//! segmentation, such as the value matrix's four strategies, crossed with a behavioural one, such as
//! RFM segments).

use std::collections::BTreeMap;

/// Counts and summed value per (row segment, column segment), with totals.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CrossMatrix {
    /// Row labels, sorted.
    pub rows: Vec<String>,
    /// Column labels, sorted.
    pub columns: Vec<String>,
    /// `counts[row][column]`.
    pub counts: Vec<Vec<u64>>,
    /// `value[row][column]`: the sum of the customers' values.
    pub value: Vec<Vec<f64>>,
    pub row_counts: Vec<u64>,
    pub column_counts: Vec<u64>,
    pub total_count: u64,
    pub total_value: f64,
}

impl CrossMatrix {
    /// The cell of a row and column label, as (count, value).
    pub fn cell(&self, row: &str, column: &str) -> Option<(u64, f64)> {
        let r = self.rows.iter().position(|x| x == row)?;
        let c = self.columns.iter().position(|x| x == column)?;
        Some((self.counts[r][c], self.value[r][c]))
    }
}

/// Crosses two segmentations from (row segment, column segment, customer value) triples, one per
/// customer.
pub fn cross<R: AsRef<str>, C: AsRef<str>>(
    customers: impl IntoIterator<Item = (R, C, f64)>,
) -> CrossMatrix {
    let mut cells: BTreeMap<(String, String), (u64, f64)> = BTreeMap::new();
    for (r, c, v) in customers {
        let cell = cells
            .entry((r.as_ref().to_string(), c.as_ref().to_string()))
            .or_default();
        cell.0 += 1;
        cell.1 += v;
    }
    let mut rows: Vec<String> = cells.keys().map(|(r, _)| r.clone()).collect();
    rows.dedup();
    let mut columns: Vec<String> = cells.keys().map(|(_, c)| c.clone()).collect();
    columns.sort();
    columns.dedup();
    let mut counts = vec![vec![0; columns.len()]; rows.len()];
    let mut value = vec![vec![0.0; columns.len()]; rows.len()];
    for ((r, c), (n, v)) in &cells {
        let (i, j) = (
            rows.binary_search(r).unwrap_or_default(),
            columns.binary_search(c).unwrap_or_default(),
        );
        counts[i][j] = *n;
        value[i][j] = *v;
    }
    let row_counts: Vec<u64> = counts.iter().map(|r| r.iter().sum()).collect();
    let column_counts: Vec<u64> = (0..columns.len())
        .map(|j| counts.iter().map(|r| r[j]).sum())
        .collect();
    CrossMatrix {
        total_count: row_counts.iter().sum(),
        total_value: value.iter().flatten().sum(),
        rows,
        columns,
        counts,
        value,
        row_counts,
        column_counts,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strategy_by_rfm_segment() {
        let m = cross([
            ("loyalty", "champions", 100.0),
            ("loyalty", "champions", 50.0),
            ("retention", "at_risk", 30.0),
            ("loyalty", "at_risk", 20.0),
            ("termination", "lost", -5.0),
        ]);
        assert_eq!(m.rows, ["loyalty", "retention", "termination"]);
        assert_eq!(m.columns, ["at_risk", "champions", "lost"]);
        assert_eq!(m.counts, [[1, 2, 0], [1, 0, 0], [0, 0, 1]]);
        assert_eq!(m.cell("loyalty", "champions"), Some((2, 150.0)));
        assert_eq!(m.cell("retention", "lost"), Some((0, 0.0)));
        assert_eq!(m.cell("nope", "lost"), None);
        assert_eq!(
            (m.row_counts.clone(), m.column_counts.clone()),
            (vec![3, 1, 1], vec![2, 2, 1])
        );
        assert_eq!((m.total_count, m.total_value), (5, 195.0));
        let empty = cross(Vec::<(&str, &str, f64)>::new());
        assert_eq!((empty.total_count, empty.rows.len()), (0, 0));
    }
}
