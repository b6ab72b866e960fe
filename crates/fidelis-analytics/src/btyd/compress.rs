//! Validation of customer summaries and their compression into weighted distinct rows.
//!
//! Likelihoods are sums over customers, and customers with the same (x, t_x, T) contribute identical
//! terms, so each distinct triple is evaluated once with a weight. On top of that, the logarithms the
//! likelihoods need, ln(α + T) and ln(α + t_x), depend on one value each: the distinct T and t_x
//! values get their own tables, computed once per evaluation, and rows hold indices into them.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use crate::btyd::summary::CustomerSummary;
use crate::error::FitError;

/// A multiply-rotate hasher (the Firefox / rustc "Fx" scheme): the keys are a few machine words
/// built from our own data, so there is no hash-flooding concern and SipHash would only cost time.
#[derive(Default)]
pub(crate) struct FxHasher(u64);

impl Hasher for FxHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.write_u64(u64::from(*b));
        }
    }
    fn write_u64(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    fn write_u32(&mut self, word: u32) {
        self.write_u64(u64::from(word));
    }
}

pub(crate) type FxMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

/// One distinct (x, t_x, T) with the number of customers sharing it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Row {
    pub x: u32,
    pub t_x: f64,
    pub t: f64,
    pub weight: f64,
    /// Index into `Compressed::xs`.
    pub ix: u32,
    /// Index into `Compressed::ts`.
    pub it: u32,
    /// Index into `Compressed::txs`.
    pub itx: u32,
}

/// Customer summaries reduced to distinct rows and value tables.
#[derive(Debug, Clone)]
pub(crate) struct Compressed {
    pub rows: Vec<Row>,
    /// Distinct frequencies, with the total weight of the rows having each.
    pub xs: Vec<(u32, f64)>,
    /// Distinct T values.
    pub ts: Vec<f64>,
    /// Distinct t_x values.
    pub txs: Vec<f64>,
    /// Number of customers.
    pub customers: f64,
    /// Total number of repeat purchases.
    pub repeat_purchases: f64,
}

/// Checks one summary's frequency, recency and T; `row` names it in the error.
pub(crate) fn validate_summary(row: usize, s: &CustomerSummary) -> Result<(), FitError> {
    let invalid = |field, value, expected| {
        Err(FitError::InvalidRow {
            row,
            field,
            value,
            expected,
        })
    };
    if !s.t.is_finite() || s.t < 0.0 {
        return invalid("T", s.t, "a finite number ≥ 0");
    }
    if !s.recency.is_finite() || s.recency < 0.0 {
        return invalid("recency", s.recency, "a finite number ≥ 0");
    }
    if s.recency > s.t {
        return invalid("recency", s.recency, "recency ≤ T");
    }
    if s.frequency == 0 && s.recency != 0.0 {
        return invalid("recency", s.recency, "0 when frequency is 0");
    }
    Ok(())
}

/// Validates every summary and compresses them; rejects data that cannot identify a BTYD model.
pub(crate) fn compress(summaries: &[CustomerSummary]) -> Result<Compressed, FitError> {
    if summaries.is_empty() {
        return Err(FitError::Empty {
            what: "no customer summaries",
        });
    }
    for (row, s) in summaries.iter().enumerate() {
        validate_summary(row, s)?;
    }
    let compressed = compress_unchecked(summaries);
    if compressed.repeat_purchases == 0.0 {
        return Err(FitError::Degenerate {
            reason: "nobody made a repeat purchase, so purchase rates and dropout cannot be told apart",
        });
    }
    if compressed.rows.len() == 1 {
        return Err(FitError::Degenerate {
            reason: "every customer has the same (frequency, recency, T): heterogeneity cannot be estimated",
        });
    }
    Ok(compressed)
}

/// Compression proper, for summaries already validated.
pub(crate) fn compress_unchecked(summaries: &[CustomerSummary]) -> Compressed {
    let mut row_index: FxMap<(u32, u64, u64), u32> = FxMap::default();
    let mut x_index: FxMap<u32, u32> = FxMap::default();
    let mut t_index: FxMap<u64, u32> = FxMap::default();
    let mut tx_index: FxMap<u64, u32> = FxMap::default();
    let mut out = Compressed {
        rows: Vec::new(),
        xs: Vec::new(),
        ts: Vec::new(),
        txs: Vec::new(),
        customers: summaries.len() as f64,
        repeat_purchases: 0.0,
    };
    for s in summaries {
        out.repeat_purchases += f64::from(s.frequency);
        // +0.0 normalises −0.0 so equal values share a row.
        let (t_x, t) = (s.recency + 0.0, s.t + 0.0);
        let key = (s.frequency, t_x.to_bits(), t.to_bits());
        if let Some(&i) = row_index.get(&key) {
            out.rows[i as usize].weight += 1.0;
            continue;
        }
        let ix = *x_index.entry(s.frequency).or_insert_with(|| {
            out.xs.push((s.frequency, 0.0));
            (out.xs.len() - 1) as u32
        });
        let it = *t_index.entry(t.to_bits()).or_insert_with(|| {
            out.ts.push(t);
            (out.ts.len() - 1) as u32
        });
        let itx = *tx_index.entry(t_x.to_bits()).or_insert_with(|| {
            out.txs.push(t_x);
            (out.txs.len() - 1) as u32
        });
        row_index.insert(key, out.rows.len() as u32);
        out.rows.push(Row {
            x: s.frequency,
            t_x,
            t,
            weight: 1.0,
            ix,
            it,
            itx,
        });
    }
    for r in &out.rows {
        out.xs[r.ix as usize].1 += r.weight;
    }
    out
}
