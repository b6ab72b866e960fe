//! Feature binning for the histogram GBDT: each column becomes at most 255 value bins plus one
//! bin for missing values, stored column-major as bytes.
//!
//! A bin's upper bound lies strictly between two distinct training values, so "bin ≤ k" and
//! "value ≤ bound k" agree for every value; trees store the bound and score raw values with it.
//! Non-finite values (NaN, ±∞) are "missing" both here and when scoring.

use rayon::prelude::*;

use super::matrix::FeatureMatrix;

/// At most this many distinct values are examined per column (an evenly spaced row sample).
const MAX_BINNING_SAMPLE: usize = 200_000;

/// Value bins of one column.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct FeatureBins {
    /// Upper bound of each value bin, increasing; the last is `f32::MAX`. Empty for an all-missing column.
    pub upper: Vec<f32>,
}

impl FeatureBins {
    /// Index of the missing-value bin (= the number of value bins, ≤ 255).
    pub fn nan_bin(&self) -> u8 {
        self.upper.len() as u8
    }

    /// The bin of a value.
    pub fn bin(&self, x: f32) -> u8 {
        if !x.is_finite() {
            return self.nan_bin();
        }
        self.upper.partition_point(|&u| u < x) as u8
    }

    fn from_values(mut values: Vec<f32>, max_bins: usize) -> FeatureBins {
        values.sort_unstable_by(f32::total_cmp);
        let mut distinct: Vec<(f32, usize)> = Vec::new();
        for v in values {
            match distinct.last_mut() {
                Some((last, count)) if *last == v => *count += 1,
                _ => distinct.push((v, 1)),
            }
        }
        if distinct.is_empty() {
            return FeatureBins { upper: Vec::new() };
        }
        let total: usize = distinct.iter().map(|d| d.1).sum();
        // Cut after distinct value k when the cumulative count passes the next quantile.
        let mut cuts = Vec::new();
        if distinct.len() <= max_bins {
            cuts.extend(0..distinct.len() - 1);
        } else {
            let mut cumulative = 0usize;
            let mut next = 1usize;
            for (k, &(_, count)) in distinct[..distinct.len() - 1].iter().enumerate() {
                cumulative += count;
                while next < max_bins && cumulative * max_bins >= next * total {
                    if cuts.last() != Some(&k) {
                        cuts.push(k);
                    }
                    next += 1;
                }
            }
        }
        let mut upper: Vec<f32> = cuts
            .into_iter()
            .map(|k| midpoint(distinct[k].0, distinct[k + 1].0))
            .collect();
        upper.push(f32::MAX);
        FeatureBins { upper }
    }
}

/// A bound `m` with `a ≤ m < b` (a < b).
fn midpoint(a: f32, b: f32) -> f32 {
    let m = ((f64::from(a) + f64::from(b)) / 2.0) as f32;
    if m >= b { a } else { m }
}

/// A matrix turned into bins: row-major bytes and per-column bins.
pub(crate) struct BinnedMatrix {
    pub n_features: usize,
    /// `bins[i * n_features + f]`: a row's bins are contiguous, which suits row-wise histograms,
    /// partitioning and tree walks alike.
    pub bins: Vec<u8>,
    pub features: Vec<FeatureBins>,
    /// Start of each feature's histogram (value bins then the missing bin) in a flat histogram.
    pub offsets: Vec<usize>,
    /// Length of a flat histogram.
    pub total_bins: usize,
}

impl BinnedMatrix {
    /// Bins every column of `x` with at most `max_bins` (2..=255) value bins.
    pub fn new(x: &FeatureMatrix, max_bins: usize) -> BinnedMatrix {
        let n = x.n_rows();
        let width = x.n_features();
        let stride = n.div_ceil(MAX_BINNING_SAMPLE).max(1);
        let values = x.values();
        let features: Vec<FeatureBins> = (0..width)
            .into_par_iter()
            .map(|f| {
                let sample: Vec<f32> = (0..n)
                    .step_by(stride)
                    .map(|i| values[i * width + f])
                    .filter(|v| v.is_finite())
                    .collect();
                FeatureBins::from_values(sample, max_bins)
            })
            .collect();
        let mut bins = vec![0u8; n * width];
        let fill = |(row, out): (&[f32], &mut [u8])| {
            for ((o, &v), fb) in out.iter_mut().zip(row).zip(&features) {
                *o = fb.bin(v);
            }
        };
        if width > 0 {
            bins.par_chunks_mut(width)
                .zip(values.par_chunks(width))
                .with_min_len(1024)
                .for_each(|(out, row)| fill((row, out)));
        }
        let mut offsets = Vec::with_capacity(width);
        let mut total_bins = 0;
        for feature in &features {
            offsets.push(total_bins);
            total_bins += feature.upper.len() + 1;
        }
        BinnedMatrix {
            n_features: width,
            bins,
            features,
            offsets,
            total_bins,
        }
    }

    /// Row `i`'s bins.
    #[inline]
    pub fn row(&self, i: usize) -> &[u8] {
        &self.bins[i * self.n_features..(i + 1) * self.n_features]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn few_distinct_values_get_one_bin_each_and_bounds_separate_them() {
        let b = FeatureBins::from_values(vec![3.0, 1.0, 2.0, 2.0, 1.0], 255);
        assert_eq!(b.upper, vec![1.5, 2.5, f32::MAX]);
        assert_eq!(b.bin(1.0), 0);
        assert_eq!(b.bin(1.5), 0);
        assert_eq!(b.bin(2.0), 1);
        assert_eq!(b.bin(3.0), 2);
        assert_eq!(b.bin(1e9), 2);
        assert_eq!(b.bin(-1e9), 0);
        assert_eq!(b.bin(f32::NAN), 3);
        assert_eq!(b.bin(f32::INFINITY), 3);
    }

    #[test]
    fn adjacent_floats_still_split() {
        let a = 1.0f32;
        let next = f32::from_bits(a.to_bits() + 1);
        let b = FeatureBins::from_values(vec![a, next], 255);
        assert_eq!(b.bin(a), 0);
        assert_eq!(b.bin(next), 1);
    }

    #[test]
    fn many_values_are_cut_at_quantiles() {
        let values: Vec<f32> = (0..10_000).map(|i| i as f32).collect();
        let b = FeatureBins::from_values(values, 10);
        assert_eq!(b.upper.len(), 10);
        for (k, &u) in b.upper[..9].iter().enumerate() {
            let want = (k as f32 + 1.0) * 1000.0 - 0.5;
            assert!(
                (u - want).abs() <= 1.0,
                "bound {k} = {u}, want about {want}"
            );
        }
    }

    #[test]
    fn heavy_values_do_not_make_empty_bins() {
        let mut values = vec![0.0f32; 9_000];
        values.extend((0..1000).map(|i| i as f32 + 1.0));
        let b = FeatureBins::from_values(values, 10);
        assert!(b.upper.len() <= 10);
        assert_eq!(b.bin(0.0), 0);
        assert!(b.bin(1.0) >= 1);
    }

    #[test]
    fn all_missing_columns_have_only_the_missing_bin() {
        let b = FeatureBins::from_values(Vec::new(), 255);
        assert_eq!(b.nan_bin(), 0);
        assert_eq!(b.bin(f32::NAN), 0);
    }
}
