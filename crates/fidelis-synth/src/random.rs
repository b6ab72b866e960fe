//! Seeded random streams and the few distributions the story needs.
//!
//! Every customer draws from its own stream derived from (seed, purpose, index), so customers can be
//! simulated in any order or in parallel and still give byte-identical files. PCG64 (MCG variant) is
//! fixed by its published algorithm, so a seed means the same data on every platform.

use rand::Rng;
use rand_distr::{Distribution, StandardNormal};
use rand_pcg::Pcg64Mcg;

pub(crate) type Stream = Pcg64Mcg;

/// What a stream is used for; distinct purposes never share draws.
#[derive(Clone, Copy)]
pub(crate) enum Purpose {
    Customer = 1,
    Household = 2,
    HouseholdPlan = 3,
    /// The campaign's random assignment: kept apart so that control membership is independent of
    /// everything else about the customer.
    CampaignAssignment = 4,
}

fn splitmix64(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

pub(crate) fn stream(seed: u64, purpose: Purpose, index: u64) -> Stream {
    let a = splitmix64(seed ^ splitmix64(purpose as u64));
    let b = splitmix64(a ^ splitmix64(index.wrapping_add(0x5851_F42D_4C95_7F2D)));
    let c = splitmix64(b ^ a.rotate_left(17));
    Pcg64Mcg::new((u128::from(b) << 64) | u128::from(c))
}

pub(crate) fn chance(rng: &mut Stream, p: f64) -> bool {
    rng.random::<f64>() < p
}

/// Uniform integer in `lo..hi`; `lo` when the range is empty.
pub(crate) fn between(rng: &mut Stream, lo: i64, hi: i64) -> i64 {
    if hi <= lo {
        lo
    } else {
        rng.random_range(lo..hi)
    }
}

pub(crate) fn normal(rng: &mut Stream) -> f64 {
    StandardNormal.sample(rng)
}

/// Log-normal with the given median and log-scale spread.
pub(crate) fn lognormal(rng: &mut Stream, median: f64, sigma: f64) -> f64 {
    median * (sigma * normal(rng)).exp()
}

/// Gamma(shape, scale) by Marsaglia and Tsang; shapes below 1 use the boost `G(a+1) * U^(1/a)`.
pub(crate) fn gamma(rng: &mut Stream, shape: f64, scale: f64) -> f64 {
    if shape < 1.0 {
        let u: f64 = rng.random();
        return gamma(rng, shape + 1.0, scale) * u.powf(1.0 / shape);
    }
    let d = shape - 1.0 / 3.0;
    let c = 1.0 / (9.0 * d).sqrt();
    loop {
        let x = normal(rng);
        let v = 1.0 + c * x;
        if v <= 0.0 {
            continue;
        }
        let v = v * v * v;
        let u: f64 = rng.random();
        if u < 1.0 - 0.0331 * x * x * x * x || u.ln() < 0.5 * x * x + d * (1.0 - v + v.ln()) {
            return d * v * scale;
        }
    }
}

/// Poisson count; Knuth's product method, fine for the small means used here (clamped at 50).
pub(crate) fn poisson(rng: &mut Stream, mean: f64) -> u32 {
    let limit = (-mean.clamp(0.0, 50.0)).exp();
    let mut k = 0;
    let mut p: f64 = rng.random();
    while p > limit {
        k += 1;
        p *= rng.random::<f64>();
    }
    k
}

/// Index drawn with probability proportional to its weight; the last index if all weights are 0.
pub(crate) fn weighted(rng: &mut Stream, weights: &[f64]) -> usize {
    let total: f64 = weights.iter().sum();
    let mut x = rng.random::<f64>() * total;
    for (i, w) in weights.iter().enumerate() {
        if x < *w {
            return i;
        }
        x -= w;
    }
    weights.len().saturating_sub(1)
}

pub(crate) fn pick<'a, T>(rng: &mut Stream, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_reproducible_and_distinct() {
        let a: u64 = stream(7, Purpose::Customer, 3).random();
        let b: u64 = stream(7, Purpose::Customer, 3).random();
        let c: u64 = stream(7, Purpose::Customer, 4).random();
        let d: u64 = stream(8, Purpose::Customer, 3).random();
        let e: u64 = stream(7, Purpose::Household, 3).random();
        assert_eq!(a, b);
        assert!(a != c && a != d && a != e);
    }

    #[test]
    fn distribution_means() {
        let mut rng = stream(1, Purpose::Customer, 0);
        let n = 20_000;
        let g: f64 = (0..n).map(|_| gamma(&mut rng, 2.0, 0.5)).sum::<f64>() / f64::from(n);
        let g_small: f64 = (0..n).map(|_| gamma(&mut rng, 0.8, 0.15)).sum::<f64>() / f64::from(n);
        let p: f64 = (0..n)
            .map(|_| f64::from(poisson(&mut rng, 0.7)))
            .sum::<f64>()
            / f64::from(n);
        assert!((g - 1.0).abs() < 0.03, "{g}");
        assert!((g_small - 0.12).abs() < 0.01, "{g_small}");
        assert!((p - 0.7).abs() < 0.03, "{p}");
    }
}
