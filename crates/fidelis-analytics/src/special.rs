//! Special functions the BTYD models need: ln Γ, digamma, trigamma and the Gauss hypergeometric ₂F₁.
//!
//! They are written here rather than pulled from a crate because the models need a few specific things
//! no small crate offers together: ₂F₁ on its log scale (values overflow for heavy buyers), and its
//! derivatives with respect to its parameters (the Pareto/NBD gradient).

use std::f64::consts::PI;

/// ln √(2π).
const LN_SQRT_2PI: f64 = 0.918_938_533_204_672_8;

/// Lanczos coefficients (g = 7, n = 9); relative error of Γ about 1e−15 over the positive axis.
const LANCZOS_G: f64 = 7.0;
const LANCZOS: [f64; 9] = [
    0.999_999_999_999_809_9,
    676.520_368_121_885_1,
    -1_259.139_216_722_402_8,
    771.323_428_777_653_1,
    -176.615_029_162_140_6,
    12.507_343_278_686_905,
    -0.138_571_095_265_720_12,
    9.984_369_578_019_572e-6,
    1.505_632_735_149_311_6e-7,
];

/// ln |Γ(x)|; the reflection formula covers x < ½. Returns +∞ at the poles (0, −1, −2, …).
pub fn ln_gamma(x: f64) -> f64 {
    if x < 0.5 {
        let s = (PI * x).sin();
        if s == 0.0 {
            return f64::INFINITY;
        }
        return (PI / s.abs()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut acc = LANCZOS[0];
    for (k, c) in LANCZOS.iter().enumerate().skip(1) {
        acc += c / (x + k as f64);
    }
    let t = x + LANCZOS_G + 0.5;
    LN_SQRT_2PI + (x + 0.5) * t.ln() - t + acc.ln()
}

/// ln B(a, b) = ln Γ(a) + ln Γ(b) − ln Γ(a + b), for a, b > 0.
pub fn ln_beta(a: f64, b: f64) -> f64 {
    ln_gamma(a) + ln_gamma(b) - ln_gamma(a + b)
}

/// Digamma ψ(x) = d ln Γ(x)/dx: upward recurrence to x ≥ 15, then the asymptotic series.
pub fn digamma(x: f64) -> f64 {
    if x <= 0.0 && x == x.floor() {
        return f64::NAN;
    }
    if x < 0.0 {
        // ψ(1 − x) − ψ(x) = π cot(πx)
        return digamma(1.0 - x) - PI / (PI * x).tan();
    }
    let mut x = x;
    let mut acc = 0.0;
    while x < 15.0 {
        acc -= 1.0 / x;
        x += 1.0;
    }
    let inv2 = 1.0 / (x * x);
    let series = inv2
        * (1.0 / 12.0
            - inv2
                * (1.0 / 120.0
                    - inv2 * (1.0 / 252.0 - inv2 * (1.0 / 240.0 - inv2 * (1.0 / 132.0)))));
    acc + x.ln() - 0.5 / x - series
}

/// Trigamma ψ₁(x) = dψ(x)/dx for x > 0: upward recurrence to x ≥ 15, then the asymptotic series.
pub fn trigamma(x: f64) -> f64 {
    if x <= 0.0 {
        return f64::NAN;
    }
    let mut x = x;
    let mut acc = 0.0;
    while x < 15.0 {
        acc += 1.0 / (x * x);
        x += 1.0;
    }
    let inv = 1.0 / x;
    let inv2 = inv * inv;
    let series = inv
        + inv2 / 2.0
        + inv
            * inv2
            * (1.0 / 6.0 - inv2 * (1.0 / 30.0 - inv2 * (1.0 / 42.0 - inv2 * (1.0 / 30.0))));
    acc + series
}

/// ln(1 + eˣ) without overflow for large x or loss of precision for very negative x.
pub(crate) fn ln_1p_exp(x: f64) -> f64 {
    if x > 0.0 {
        x + (-x).exp().ln_1p()
    } else {
        x.exp().ln_1p()
    }
}

/// The logistic function 1/(1 + e⁻ˣ), stable for either sign.
pub(crate) fn logistic(x: f64) -> f64 {
    if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        let e = x.exp();
        e / (1.0 + e)
    }
}

/// Series rescaling threshold: past it the partial sum and the running term are divided by it and the
/// factor is carried on the log scale, so heavy buyers (parameters in the thousands) do not overflow.
const RESCALE: f64 = 1e200;

/// Largest number of series terms before giving up; reached only for z within about 1e−6 of 1.
const MAX_TERMS: usize = 20_000_000;

/// The Gauss hypergeometric function ₂F₁(a, b; c; z) for real parameters and real z < 1.
///
/// For 0 ≤ z < 1 it sums the defining series directly (positive ratio; the number of terms grows like
/// 1/(1 − z), and overflow is avoided by carrying a log-scale factor). For z < 0 it first applies a Pfaff
/// transformation, ₂F₁(a, b; c; z) = (1 − z)^−a ₂F₁(a, c − b; c; z/(z − 1)), which maps z onto [0, 1)
/// (choosing between the two Pfaff forms so that the series keeps positive terms when it can).
/// Returns NaN for z ≥ 1 or when c is a non-positive integer.
pub fn hyp2f1(a: f64, b: f64, c: f64, z: f64) -> f64 {
    let (ln_abs, sign) = ln_hyp2f1(a, b, c, z);
    sign * ln_abs.exp()
}

/// ln |₂F₁(a, b; c; z)| and the sign of ₂F₁, for z < 1 (see [`hyp2f1`]).
pub fn ln_hyp2f1(a: f64, b: f64, c: f64, z: f64) -> (f64, f64) {
    if z.is_nan() || z >= 1.0 || !a.is_finite() || !b.is_finite() || !c.is_finite() {
        return (f64::NAN, f64::NAN);
    }
    if c <= 0.0 && c == c.floor() {
        return (f64::NAN, f64::NAN);
    }
    if z >= 0.0 {
        return series_ln(a, b, c, z);
    }
    let w = z / (z - 1.0);
    let ln_1mz = (-z).ln_1p();
    // Both Pfaff forms are exact; prefer the one whose series has non-negative terms.
    let first_positive = a >= 0.0 && c - b >= 0.0;
    let second_positive = c - a >= 0.0 && b >= 0.0;
    if first_positive || !second_positive {
        let (ln_s, sign) = series_ln(a, c - b, c, w);
        (ln_s - a * ln_1mz, sign)
    } else {
        let (ln_s, sign) = series_ln(c - a, b, c, w);
        (ln_s - b * ln_1mz, sign)
    }
}

/// Direct summation of the ₂F₁ series for 0 ≤ z < 1, on the log scale.
fn series_ln(a: f64, b: f64, c: f64, z: f64) -> (f64, f64) {
    let mut sum = 1.0_f64;
    let mut term = 1.0_f64;
    let mut ln_scale = 0.0_f64;
    for n in 0..MAX_TERMS {
        let nf = n as f64;
        let ratio = (a + nf) * (b + nf) / ((c + nf) * (nf + 1.0)) * z;
        term *= ratio;
        sum += term;
        if sum.abs() > RESCALE {
            sum /= RESCALE;
            term /= RESCALE;
            ln_scale += RESCALE.ln();
        }
        if term == 0.0 {
            break;
        }
        // Stop once terms are negligible and the series has entered its geometric tail (the next
        // ratio is below one, so the remaining terms shrink at least as fast as they do now).
        let next = ((a + nf + 1.0) * (b + nf + 1.0) / ((c + nf + 1.0) * (nf + 2.0)) * z).abs();
        if next < 1.0 && term.abs() < 1e-17 * sum.abs() * (1.0 - next) {
            break;
        }
        if n + 1 == MAX_TERMS {
            return (f64::NAN, f64::NAN);
        }
    }
    (sum.abs().ln() + ln_scale, sum.signum())
}

/// ln ₂F₁(a, b; a + 1; z) with its partial derivatives, the form the Pareto/NBD likelihood needs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Hyp2f1Pareto {
    /// ln ₂F₁(a, b; a + 1; z).
    pub ln_value: f64,
    /// ∂ ln F / ∂a, with c = a + 1 moving together with a.
    pub d_a: f64,
    /// ∂ ln F / ∂b.
    pub d_b: f64,
    /// ∂ ln F / ∂z.
    pub d_z: f64,
}

/// ln ₂F₁(a, b; a + 1; z) and its gradient, for b > 0, a + 1 − b > 0 and 0 ≤ z < 1.
///
/// It uses Euler's transformation, ₂F₁(a, b; c; z) = (1 − z)^(c−a−b) ₂F₁(c − a, c − b; c; z), which with
/// c = a + 1 gives (1 − z)^(1−b) Σₙ (a + 1 − b)ₙ / (a + 1)ₙ zⁿ: every term is positive and each is at most
/// z times the previous one, so the sum is stable, its tail is bounded, and the parameter derivatives
/// are running sums of 1/(· + k) carried along with the terms.
pub(crate) fn hyp2f1_pareto(a: f64, b: f64, z: f64) -> Hyp2f1Pareto {
    let u = a + 1.0 - b;
    let v = a + 1.0;
    let mut sum = 1.0_f64;
    let mut term = 1.0_f64;
    // Running sums: Σₖ 1/(u + k) and Σₖ 1/(v + k) over k < n, and the derivative sums.
    let (mut du, mut dv) = (0.0_f64, 0.0_f64);
    let (mut sum_du, mut sum_dv, mut sum_dz) = (0.0_f64, 0.0_f64, 0.0_f64);
    let tail = (1.0 - z).max(1e-300);
    for n in 0..MAX_TERMS {
        let nf = n as f64;
        let q = (u + nf) / (v + nf);
        // d/dz of zⁿ⁺¹ terms: (n + 1) tₙ₊₁ / z = (n + 1) tₙ q.
        sum_dz += (nf + 1.0) * term * q;
        du += 1.0 / (u + nf);
        dv += 1.0 / (v + nf);
        term *= q * z;
        sum += term;
        sum_du += term * du;
        sum_dv += term * dv;
        if term < 1e-17 * sum * tail / (1.0 + nf) || term == 0.0 {
            break;
        }
    }
    let ln_1mz = (-z).ln_1p();
    // ln F = (1 − b) ln(1 − z) + ln S, with S depending on a through u and v and on b through u.
    let d_ln_s_du = sum_du / sum;
    let d_ln_s_dv = sum_dv / sum;
    Hyp2f1Pareto {
        ln_value: (1.0 - b) * ln_1mz + sum.ln(),
        d_a: d_ln_s_du - d_ln_s_dv,
        d_b: -ln_1mz - d_ln_s_du,
        d_z: -(1.0 - b) / (1.0 - z) + sum_dz / sum,
    }
}

/// ∫ₐᵇ f by adaptive Simpson quadrature to an absolute tolerance `tol` (Richardson-corrected).
pub(crate) fn integrate(f: &dyn Fn(f64) -> f64, a: f64, b: f64, tol: f64) -> f64 {
    fn step(
        f: &dyn Fn(f64) -> f64,
        (a, fa): (f64, f64),
        (m, fm): (f64, f64),
        (b, fb): (f64, f64),
        whole: f64,
        tol: f64,
        depth: u32,
    ) -> f64 {
        let (lm, rm) = (0.5 * (a + m), 0.5 * (m + b));
        let (flm, frm) = (f(lm), f(rm));
        let left = (m - a) / 6.0 * (fa + 4.0 * flm + fm);
        let right = (b - m) / 6.0 * (fm + 4.0 * frm + fb);
        let delta = left + right - whole;
        if depth == 0 || delta.abs() <= 15.0 * tol {
            return left + right + delta / 15.0;
        }
        step(f, (a, fa), (lm, flm), (m, fm), left, tol / 2.0, depth - 1)
            + step(f, (m, fm), (rm, frm), (b, fb), right, tol / 2.0, depth - 1)
    }
    let m = 0.5 * (a + b);
    let (fa, fm, fb) = (f(a), f(m), f(b));
    let whole = (b - a) / 6.0 * (fa + 4.0 * fm + fb);
    step(f, (a, fa), (m, fm), (b, fb), whole, tol, 40)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(got: f64, want: f64, rel: f64) {
        assert!(
            (got - want).abs() <= rel * want.abs().max(1e-300),
            "got {got:e}, want {want:e} (rel {rel:e})"
        );
    }

    #[test]
    fn ln_gamma_matches_mpmath() {
        // mpmath.loggamma at 40 digits.
        let cases = [
            (0.2426, 1.319_785_475_090_792_2),
            (1.0, 0.0),
            (2.5, 0.284_682_870_472_919_2),
            (10.578, 14.120_562_461_560_261),
            (1234.5, 7_550.550_901_077_895),
            (-0.5, 1.265_512_123_484_645_4),
        ];
        for (x, want) in cases {
            let got = ln_gamma(x);
            assert!(
                (got - want).abs() < 1e-13 * want.abs().max(1.0),
                "ln_gamma({x}) = {got}"
            );
        }
    }

    #[test]
    fn digamma_and_trigamma_match_mpmath() {
        // (x, mpmath.digamma(x), mpmath.polygamma(1, x)).
        let cases = [
            (0.2426, -4.358_361_853_222_514, 18.198_210_324_240_315),
            (1.0, -0.577_215_664_901_532_9, 1.644_934_066_848_226_4),
            (7.5, 1.946_757_484_246_086_8, 0.142_615_896_696_703_8),
            (250.0, 5.519_459_584_531_046, 0.004_008_010_666_632_534),
        ];
        for (x, psi, psi1) in cases {
            close(digamma(x), psi, 1e-13);
            close(trigamma(x), psi1, 1e-13);
        }
        close(digamma(-2.5), 1.103_156_640_645_243, 1e-12);
    }

    #[test]
    fn hyp2f1_matches_mpmath() {
        // (a, b, c, z, mpmath.hyp2f1(a, b, c, z)): small and large z, z < 0 (Pfaff), large parameters,
        // a terminating series and a negative c.
        let cases = [
            (0.5, 1.5, 2.5, 0.3, 1.108_062_551_056_932),
            (1.2, 3.4, 5.6, 0.9, 3.243_454_540_320_701_4),
            (1.0, 2.5, 3.2, 0.99, 14.725_451_380_909_89),
            (0.2426, 2.4258, 2.2187, 0.946, 2.380_352_716_620_856),
            (200.0, 150.0, 250.0, 0.5, 1.454_803_405_744_781_3e35),
            (2.0, 3.0, 4.0, -0.5, 0.537_674_810_808_109_7),
            (0.7, 1.3, 2.9, -3.0, 0.589_736_303_419_801_6),
            (1.5, -0.5, 2.2, -20.0, 3.746_366_684_956_556),
            (26.55, 27.43, 28.62, 0.47, 10_245_917.555_421_887),
            (5.5, 1.5, 6.5, 0.0, 1.0),
            (-3.0, 2.0, 1.5, 0.4, 0.050_971_428_571_428_55),
            (0.3, 0.2, -0.7, 0.6, 0.686_356_819_417_960_8),
            (1200.0, 1201.2, 1203.1, 0.2, 1.283_252_239_209_170_7e116),
        ];
        for (a, b, c, z, want) in cases {
            close(hyp2f1(a, b, c, z), want, 1e-11);
        }
        assert!(hyp2f1(1.0, 1.0, 2.0, 1.0).is_nan());
        assert!(hyp2f1(1.0, 1.0, -2.0, 0.5).is_nan());
    }

    #[test]
    fn pareto_hyp2f1_and_its_gradient_match_mpmath() {
        // (a, b, z, ln F, ∂/∂a, ∂/∂b, ∂/∂z) of ln ₂F₁(a, b; a + 1; z), by mpmath.diff.
        let cases = [
            (
                1.5,
                1.6,
                0.1,
                0.100_598_689_557_158_72,
                0.026_593_419_594_413_885,
                0.063_484_143_067_557_87,
                1.055_128_585_910_549_5,
            ),
            (
                27.2,
                1.6,
                0.95,
                4.189_142_977_459_914,
                0.014_132_563_012_083_93,
                2.683_684_783_275_765,
                23.749_159_031_081_19,
            ),
            (
                0.8,
                0.5,
                0.999,
                0.582_362_419_912_772_8,
                0.432_681_329_148_202_2,
                1.593_107_183_751_062_2,
                13.344_354_283_624_7,
            ),
            (
                100.3,
                1.1,
                0.3,
                0.387_718_401_968_189_9,
                4.536_061_918_230_869e-5,
                0.352_480_713_811_523_6,
                1.549_549_316_362_824_2,
            ),
        ];
        for (a, b, z, ln_f, d_a, d_b, d_z) in cases {
            let h = hyp2f1_pareto(a, b, z);
            close(h.ln_value, ln_f, 1e-12);
            close(h.d_a, d_a, 1e-9);
            close(h.d_b, d_b, 1e-10);
            close(h.d_z, d_z, 1e-10);
        }
    }
}
