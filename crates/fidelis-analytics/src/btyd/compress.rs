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
///
/// Each distinct frequency, T and t_x gets a small id first (through small hash tables that stay in
/// cache: real data are on a day grid, so there are a few hundred distinct times). The id triples
/// are then packed into u64 keys and radix-sorted, so identical histories become runs counted in one
/// sequential sweep, with no large hash table and its cache misses.
pub(crate) fn compress_unchecked(summaries: &[CustomerSummary]) -> Compressed {
    let mut x_index: FxMap<u32, u32> = FxMap::default();
    let mut t_index: FxMap<u64, u32> = FxMap::default();
    let mut tx_index: FxMap<u64, u32> = FxMap::default();
    let (mut xs, mut ts, mut txs) = (Vec::new(), Vec::new(), Vec::new());
    let mut repeat_purchases = 0.0;
    let mut ids: Vec<[u32; 3]> = Vec::with_capacity(summaries.len());
    for s in summaries {
        repeat_purchases += f64::from(s.frequency);
        // +0.0 normalises −0.0 so equal values share an id.
        let (t_x, t) = (s.recency + 0.0, s.t + 0.0);
        let ix = *x_index.entry(s.frequency).or_insert_with(|| {
            xs.push((s.frequency, 0.0));
            (xs.len() - 1) as u32
        });
        let it = *t_index.entry(t.to_bits()).or_insert_with(|| {
            ts.push(t);
            (ts.len() - 1) as u32
        });
        let itx = *tx_index.entry(t_x.to_bits()).or_insert_with(|| {
            txs.push(t_x);
            (txs.len() - 1) as u32
        });
        ids.push([ix, it, itx]);
    }
    let bits = |n: usize| usize::BITS - n.saturating_sub(1).leading_zeros();
    let (bx, bt, btx) = (bits(xs.len()), bits(ts.len()), bits(txs.len()));
    let mut rows: Vec<Row> = Vec::new();
    let mut push = |[ix, it, itx]: [u32; 3], weight: f64| {
        rows.push(Row {
            x: xs[ix as usize].0,
            t_x: txs[itx as usize],
            t: ts[it as usize],
            weight,
            ix,
            it,
            itx,
        })
    };
    if bx + bt + btx <= 64 {
        let mut keys: Vec<u64> = ids
            .iter()
            .map(|&[ix, it, itx]| {
                (u64::from(ix) << (bt + btx)) | (u64::from(it) << btx) | u64::from(itx)
            })
            .collect();
        drop(ids);
        radix_sort(&mut keys, bx + bt + btx);
        let unpack = |k: u64| {
            let mask = |b: u32| (1u64 << b) - 1;
            [
                (k >> (bt + btx)) as u32,
                ((k >> btx) & mask(bt)) as u32,
                (k & mask(btx)) as u32,
            ]
        };
        for run in keys.chunk_by(|a, b| a == b) {
            push(unpack(run[0]), run.len() as f64);
        }
    } else {
        ids.sort_unstable();
        for run in ids.chunk_by(|a, b| a == b) {
            push(run[0], run.len() as f64);
        }
    }
    let mut out = Compressed {
        rows,
        xs,
        ts,
        txs,
        customers: summaries.len() as f64,
        repeat_purchases,
    };
    for r in &out.rows {
        out.xs[r.ix as usize].1 += r.weight;
    }
    out
}

/// Least-significant-digit radix sort of keys using only their low `bits` bits, 11 bits a pass.
fn radix_sort(keys: &mut Vec<u64>, bits: u32) {
    const DIGIT: u32 = 11;
    let mut buffer = vec![0u64; keys.len()];
    let mut shift = 0;
    while shift < bits {
        let mut counts = vec![0usize; 1 << DIGIT];
        let digit = |k: u64| ((k >> shift) & ((1 << DIGIT) - 1)) as usize;
        for &k in keys.iter() {
            counts[digit(k)] += 1;
        }
        let mut total = 0;
        for c in counts.iter_mut() {
            (*c, total) = (total, total + *c);
        }
        for &k in keys.iter() {
            let d = digit(k);
            buffer[counts[d]] = k;
            counts[d] += 1;
        }
        std::mem::swap(keys, &mut buffer);
        shift += DIGIT;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_histories_share_a_row() {
        let s = |x, t_x, t| CustomerSummary::new(x, t_x, t);
        let data = vec![
            s(0, 0.0, 5.0),
            s(2, 1.0, 5.0),
            s(0, 0.0, 5.0),
            s(2, 1.0, 5.0),
            s(2, 1.0, 6.0),
            s(0, -0.0, 5.0),
        ];
        let c = compress_unchecked(&data);
        let mut got: Vec<(u32, f64, f64, f64)> =
            c.rows.iter().map(|r| (r.x, r.t_x, r.t, r.weight)).collect();
        got.sort_by(|a, b| a.partial_cmp(b).unwrap());
        assert_eq!(
            got,
            vec![(0, 0.0, 5.0, 3.0), (2, 1.0, 5.0, 2.0), (2, 1.0, 6.0, 1.0)]
        );
        assert_eq!((c.customers, c.repeat_purchases), (6.0, 6.0));
        let mut xs = c.xs.clone();
        xs.sort_by(|a, b| a.partial_cmp(b).unwrap());
        assert_eq!(xs, vec![(0, 3.0), (2, 3.0)]);
    }
}
