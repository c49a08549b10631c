//! `exp` and the logistic function in branch-free arithmetic.

/// `e^x` in plain branch-free arithmetic, so that loops calling it vectorise.
///
/// glibc's `exp` is a call per element (about 5 ns here, and it dominated the softmax and
/// sigmoid sweeps). This is the textbook method: `x = k·ln 2 + r` with `k` rounded to the
/// nearest integer (the 1.5·2⁵² trick) and `ln 2` split Cody–Waite style so `r` is exact to
/// within an ulp, `|r| ≤ ln 2 / 2`; `e^r` by its degree-13 Taylor polynomial (truncation
/// below 10⁻¹⁷); `2^k` assembled from exponent bits in two halves so that results down to
/// the subnormals and up to overflow come out right. Error about one ulp against the
/// correctly rounded value; `±∞` and NaN behave as in `f64::exp`. No `mul_add`, so the
/// bits do not depend on whether the CPU has FMA.
#[inline(always)]
pub fn exp(x: f64) -> f64 {
    const SHIFT: f64 = 6_755_399_441_055_744.0; // 1.5 · 2^52
    const LOG2E: f64 = std::f64::consts::LOG2_E;
    // fdlibm's split: LN2_HI has 32 significant bits, so k·LN2_HI is exact for |k| < 2^21.
    const LN2_HI: f64 = f64::from_bits(0x3fe6_2e42_fee0_0000);
    const LN2_LO: f64 = f64::from_bits(0x3dea_39ef_3579_3c76);
    let x = x.clamp(-746.0, 710.0);
    let k = (x * LOG2E + SHIFT) - SHIFT;
    let r = (x - k * LN2_HI) - k * LN2_LO;
    let mut p = 1.0 / 6_227_020_800.0;
    for c in [
        1.0 / 479_001_600.0,
        1.0 / 39_916_800.0,
        1.0 / 3_628_800.0,
        1.0 / 362_880.0,
        1.0 / 40_320.0,
        1.0 / 5_040.0,
        1.0 / 720.0,
        1.0 / 120.0,
        1.0 / 24.0,
        1.0 / 6.0,
        0.5,
        1.0,
        1.0,
    ] {
        p = p * r + c;
    }
    // 2^j for an integral j in [-1022, 1023], from the bits of j + 1023 + SHIFT.
    let pow2 = |j: f64| f64::from_bits(((j + (1023.0 + SHIFT)).to_bits() - SHIFT.to_bits()) << 52);
    let k1 = (k * 0.5 + SHIFT) - SHIFT;
    p * pow2(k1) * pow2(k - k1)
}

/// Logistic function, written so that neither branch overflows; branch-free (a select), so
/// loops over it vectorise.
#[inline(always)]
pub fn sigmoid(x: f64) -> f64 {
    let e = exp(-x.abs());
    let r = 1.0 / (1.0 + e);
    if x >= 0.0 { r } else { e * r }
}

#[cfg(test)]
mod tests {
    use super::{exp, sigmoid};

    /// Distance in units in the last place between two finite positive doubles.
    fn ulps(a: f64, b: f64) -> u64 {
        a.to_bits().abs_diff(b.to_bits())
    }

    #[test]
    fn exp_is_within_two_ulps_of_libm_and_keeps_the_special_values() {
        let mut worst = 0;
        let mut x = -745.0;
        while x < 709.7 {
            let (a, b) = (exp(x), x.exp());
            if b >= f64::MIN_POSITIVE {
                worst = worst.max(ulps(a, b));
            } else {
                assert!((a - b).abs() <= 2.0 * 4.9e-324, "{x}: {a} vs {b}");
            }
            x += 0.000_731_1;
        }
        assert!(worst <= 2, "worst error {worst} ulps");
        assert_eq!(exp(0.0), 1.0);
        assert_eq!(exp(f64::INFINITY), f64::INFINITY);
        assert_eq!(exp(710.0), f64::INFINITY);
        assert_eq!(exp(f64::NEG_INFINITY), 0.0);
        assert_eq!(exp(-800.0), 0.0);
        assert!(exp(f64::NAN).is_nan());
        assert_eq!(sigmoid(800.0), 1.0);
        assert_eq!(sigmoid(0.0), 0.5);
        assert_eq!(sigmoid(-800.0), 0.0);
        assert!(sigmoid(f64::NAN).is_nan());
    }

    #[test]
    fn sigmoid_is_within_four_ulps_of_the_textbook_formula() {
        let mut worst = 0;
        let mut x: f64 = -36.0;
        while x < 36.0 {
            let want = 1.0 / (1.0 + (-x).exp());
            worst = worst.max(ulps(sigmoid(x), want));
            // The two branches agree where they meet: σ(−x) = 1 − σ(x).
            assert!((sigmoid(-x) - (1.0 - sigmoid(x))).abs() < 1e-15, "{x}");
            x += 0.000_917_3;
        }
        assert!(worst <= 4, "worst error {worst} ulps");
    }
}
