//! Seeded simulators drawing synthetic data from known BTYD parameters, for recovery tests and demos.
//!
//! The generator is written here (xoshiro256** seeded by SplitMix64, Marsaglia–Tsang gammas) so that a
//! seed gives the same data on every platform and every version of every dependency, forever.

use crate::btyd::bgnbd::BgNbdParams;
use crate::btyd::gamma_gamma::GammaGammaParams;
use crate::btyd::pareto_nbd::ParetoNbdParams;
use crate::btyd::sbg::SbgParams;
use crate::btyd::summary::CustomerSummary;

/// A small, fast, deterministic pseudo-random generator (xoshiro256**), not for cryptography.
#[derive(Debug, Clone)]
pub struct Rng {
    s: [u64; 4],
}

impl Rng {
    /// A generator whose whole stream is determined by `seed`.
    pub fn new(seed: u64) -> Self {
        let mut x = seed;
        let mut split = || {
            // SplitMix64, the recommended way to expand one word into xoshiro's state.
            x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = x;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        };
        Rng {
            s: [split(), split(), split(), split()],
        }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let result = self.s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = self.s[1] << 17;
        self.s[2] ^= self.s[0];
        self.s[3] ^= self.s[1];
        self.s[1] ^= self.s[2];
        self.s[0] ^= self.s[3];
        self.s[2] ^= t;
        self.s[3] = self.s[3].rotate_left(45);
        result
    }

    /// Uniform on the open interval (0, 1): never 0, so its logarithm is always finite.
    pub fn uniform(&mut self) -> f64 {
        ((self.next_u64() >> 11) as f64 + 0.5) * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform integer in 0..n (n > 0), by Lemire's multiply-shift (bias below 2⁻³² for n < 2³²).
    pub fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// Exponential with the given rate.
    pub fn exponential(&mut self, rate: f64) -> f64 {
        -self.uniform().ln() / rate
    }

    /// Standard normal (Marsaglia's polar method).
    pub fn normal(&mut self) -> f64 {
        loop {
            let u = 2.0 * self.uniform() - 1.0;
            let v = 2.0 * self.uniform() - 1.0;
            let s = u * u + v * v;
            if s < 1.0 && s > 0.0 {
                return u * (-2.0 * s.ln() / s).sqrt();
            }
        }
    }

    /// Gamma with the given shape and rate (Marsaglia & Tsang 2000; shape < 1 by the boost
    /// Gamma(k) = Gamma(k + 1) · U^(1/k)).
    pub fn gamma(&mut self, shape: f64, rate: f64) -> f64 {
        if shape < 1.0 {
            let boost = self.uniform().powf(1.0 / shape);
            return self.gamma(shape + 1.0, rate) * boost;
        }
        let d = shape - 1.0 / 3.0;
        let c = 1.0 / (9.0 * d).sqrt();
        loop {
            let x = self.normal();
            let v = (1.0 + c * x).powi(3);
            if v <= 0.0 {
                continue;
            }
            let u = self.uniform();
            if u.ln() < 0.5 * x * x + d - d * v + d * v.ln() {
                return d * v / rate;
            }
        }
    }

    /// Beta(a, b) as a ratio of gammas.
    pub fn beta(&mut self, a: f64, b: f64) -> f64 {
        let x = self.gamma(a, 1.0);
        let y = self.gamma(b, 1.0);
        x / (x + y)
    }
}

/// BG/NBD customers, one per entry of `ages` (each customer's T), from a given seed.
pub fn simulate_bgnbd(params: &BgNbdParams, ages: &[f64], seed: u64) -> Vec<CustomerSummary> {
    let mut rng = Rng::new(seed);
    ages.iter()
        .map(|&t_end| {
            let lambda = rng.gamma(params.r, params.alpha);
            let p = rng.beta(params.a, params.b);
            let (mut t, mut x, mut t_x) = (0.0, 0u32, 0.0);
            loop {
                t += rng.exponential(lambda);
                if t > t_end {
                    break;
                }
                x += 1;
                t_x = t;
                // Dropout is possible after every repeat purchase (not after the first one).
                if rng.uniform() < p {
                    break;
                }
            }
            CustomerSummary::new(x, t_x, t_end)
        })
        .collect()
}

/// Pareto/NBD customers, one per entry of `ages`, from a given seed.
pub fn simulate_pareto_nbd(
    params: &ParetoNbdParams,
    ages: &[f64],
    seed: u64,
) -> Vec<CustomerSummary> {
    let mut rng = Rng::new(seed);
    ages.iter()
        .map(|&t_end| {
            let lambda = rng.gamma(params.r, params.alpha);
            let mu = rng.gamma(params.s, params.beta);
            let active_until = rng.exponential(mu).min(t_end);
            let (mut t, mut x, mut t_x) = (0.0, 0u32, 0.0);
            loop {
                t += rng.exponential(lambda);
                if t > active_until {
                    break;
                }
                x += 1;
                t_x = t;
            }
            CustomerSummary::new(x, t_x, t_end)
        })
        .collect()
}

/// The same customers with Gamma-Gamma monetary values drawn for every repeat buyer (0 otherwise).
pub fn simulate_spend(
    params: &GammaGammaParams,
    customers: &[CustomerSummary],
    seed: u64,
) -> Vec<CustomerSummary> {
    let mut rng = Rng::new(seed);
    customers
        .iter()
        .map(|c| {
            if c.frequency == 0 {
                return c.with_monetary_value(0.0);
            }
            let x = f64::from(c.frequency);
            let nu = rng.gamma(params.q, params.gamma);
            // The mean of x Gamma(p, ν) draws is Gamma(px, xν).
            c.with_monetary_value(rng.gamma(params.p * x, nu * x))
        })
        .collect()
}

/// Survivor counts of one sBG cohort of `cohort_size` customers over `periods` renewals:
/// element t is the number still active after t renewals (element 0 is the cohort size).
pub fn simulate_sbg(params: &SbgParams, cohort_size: u64, periods: usize, seed: u64) -> Vec<u64> {
    let mut rng = Rng::new(seed);
    // churned_at[t]: customers whose first failed renewal is t (t > periods lumped together).
    let mut churned_at = vec![0u64; periods + 2];
    for _ in 0..cohort_size {
        let theta = rng.beta(params.alpha, params.beta);
        // Geometric lifetime: the first renewal t ≥ 1 at which the customer leaves.
        let t = if theta >= 1.0 {
            1.0
        } else {
            (rng.uniform().ln() / (-theta).ln_1p()).ceil().max(1.0)
        };
        let slot = if t > periods as f64 {
            periods + 1
        } else {
            t as usize
        };
        churned_at[slot] += 1;
    }
    let mut survivors = Vec::with_capacity(periods + 1);
    let mut alive = cohort_size;
    survivors.push(alive);
    for churned in churned_at.iter().take(periods + 1).skip(1) {
        alive -= churned;
        survivors.push(alive);
    }
    survivors
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generator_moments_are_right() {
        let mut rng = Rng::new(7);
        let n = 200_000;
        let draws: Vec<f64> = (0..n).map(|_| rng.gamma(0.4, 2.0)).collect();
        let mean = draws.iter().sum::<f64>() / n as f64;
        let var = draws.iter().map(|d| (d - mean).powi(2)).sum::<f64>() / n as f64;
        // Gamma(0.4, rate 2): mean 0.2, variance 0.1; 5 standard errors of slack.
        assert!(
            (mean - 0.2).abs() < 5.0 * (0.1f64 / n as f64).sqrt(),
            "{mean}"
        );
        assert!((var - 0.1).abs() < 0.01, "{var}");
        assert_eq!(Rng::new(42).next_u64(), Rng::new(42).next_u64());
    }
}
