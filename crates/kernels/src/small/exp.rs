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
pub fn exp_nonpositive(x: f64) -> f64 {
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
