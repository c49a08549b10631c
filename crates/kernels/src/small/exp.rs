//! `e^x` for the softmax's arguments `z − max z ≤ 0`, cheaper than the general
//! [`crate::exp`]: the same range reduction and Taylor polynomial, every step fused, and
//! `2^k` built once from the bits of the rounding step.
//!
//! Why a second `exp`: the softmax's four per row were the largest block of Question 2's
//! fused pass (about 47 vector instructions each). Here the argument is never positive,
//! so `k ≤ 0` and a result that would fall below `e^−708` (a subnormal, next to the
//! normaliser's `1` from the row's maximum) can be that floor instead: `2^k` is one
//! normal power, not two halves, and it comes from the integer that the rounding step
//! leaves in the low bits of `x·log₂e + 1.5·2⁵²`. With `mul_add` in the reduction and
//! the Horner steps: 21 instructions a vector.

use crate::math::{LN2_HI, LN2_LO, LOG2E, SHIFT, TAYLOR, TAYLOR_LEAD};

/// The floor of the argument: `e^−708 ≈ 3.3·10⁻³⁰⁸` is still a normal number, so `2^k`
/// needs no second factor.
const FLOOR: f64 = -708.0;

/// `e^x` for `x ≤ 0`: within 2 ulps of `f64::exp` on `[−708, 0]`, exactly 1 at 0, `e^−708`
/// below `−708` and for `−∞`, NaN for NaN (tested). Positive arguments are out of its
/// domain (their result is wrong, never undefined behaviour). Branch-free and with
/// `mul_add` throughout, so its bits are the same on every CPU, vectorised or not.
#[inline(always)]
pub(super) fn exp_nonpositive(x: f64) -> f64 {
    // `x < FLOOR` is false for NaN, which passes on.
    let x = if x < FLOOR { FLOOR } else { x };
    let t = x.mul_add(LOG2E, SHIFT);
    let k = t - SHIFT;
    let r = (-k).mul_add(LN2_LO, (-k).mul_add(LN2_HI, x));
    let mut p: f64 = TAYLOR_LEAD;
    for c in TAYLOR {
        p = p.mul_add(r, c);
    }
    // The low bits of `t` hold `k` (two's complement, |k| ≤ 1022): `2^k` has the exponent
    // field `k + 1023`.
    let pow2 = f64::from_bits(t.to_bits().wrapping_sub(SHIFT.to_bits()).wrapping_add(1023) << 52);
    p * pow2
}

#[cfg(test)]
mod tests {
    use super::exp_nonpositive;

    fn ulps(a: f64, b: f64) -> u64 {
        a.to_bits().abs_diff(b.to_bits())
    }

    #[test]
    fn within_two_ulps_of_libm_on_its_domain_with_its_edges() {
        let mut worst = 0;
        let dense = (0..=2_000_000).map(|i| -f64::from(i) * 1e-5);
        let wide = (0..=7_080_000).map(|i| -f64::from(i) * 1e-4);
        for x in dense.chain(wide) {
            worst = worst.max(ulps(exp_nonpositive(x), x.exp()));
        }
        assert!(worst <= 2, "worst error {worst} ulps");
        assert_eq!(exp_nonpositive(0.0), 1.0);
        assert_eq!(exp_nonpositive(-0.0), 1.0);
        let floor = (-708f64).exp();
        assert!(ulps(exp_nonpositive(-708.0), floor) <= 2);
        assert_eq!(exp_nonpositive(-709.0), exp_nonpositive(-708.0));
        assert_eq!(exp_nonpositive(f64::NEG_INFINITY), exp_nonpositive(-708.0));
        assert!(exp_nonpositive(f64::NAN).is_nan());
        // The smallest step below 0 and the first rounding boundaries of `k`.
        for x in [
            -f64::MIN_POSITIVE,
            -1e-300,
            -0.346_573_590_279_972_6,
            -0.346_573_590_279_972_7,
        ] {
            assert!(ulps(exp_nonpositive(x), x.exp()) <= 2, "{x}");
        }
    }

    #[test]
    fn the_vectorised_exp_has_the_scalar_bits() {
        let xs: Vec<f64> = (0..40_000).map(|i| -f64::from(i) * 1.77e-2).collect();
        let mut ys = vec![0.0; xs.len()];
        crate::vectorize(
            #[inline(always)]
            || {
                for (y, &x) in ys.iter_mut().zip(&xs) {
                    *y = exp_nonpositive(x);
                }
            },
        );
        for (&x, &y) in xs.iter().zip(&ys) {
            assert_eq!(y.to_bits(), exp_nonpositive(x).to_bits(), "{x}");
        }
    }
}
