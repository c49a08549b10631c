//! `exp` and the logistic function in branch-free arithmetic.

/// `e^x` in plain branch-free arithmetic, so that loops calling it vectorise.
///
/// glibc's `exp` is a call per element (about 5 ns here, and it dominated the softmax and
/// sigmoid sweeps). This is the textbook method: `x = k·ln 2 + r` with `k` rounded to the
/// nearest integer (the 1.5·2⁵² trick) and `ln 2` split Cody–Waite style so `r` is exact to
/// within an ulp, `|r| ≤ ln 2 / 2`; `e^r` by its degree-13 Taylor polynomial (truncation
/// below 10⁻¹⁷); `2^k` assembled from exponent bits in two halves so that results down to
/// the subnormals and up to overflow come out right. Error about one ulp against the
/// correctly rounded value; `±∞` and NaN behave as in `f64::exp`. No `mul_add` (Rust
/// never contracts `a·b + c` on its own), so these bits are those of every earlier release:
/// the softmax of every network uses this one. The sigmoid uses [`exp_fused`].
#[inline(always)]
pub fn exp(x: f64) -> f64 {
    exp_with(x, |p, r, c| p * r + c)
}

/// [`exp`] with its Horner steps fused (`mul_add`): 13 instructions instead of 26 per
/// vector, and one rounding a step instead of two (same ≤ 2 ulp bound, tested). Its bits
/// differ from [`exp`]'s in the last place, so only the sigmoid uses it (the softmax keeps
/// [`exp`], and with it the bits of every ReLU result); like every `mul_add`, the same bits
/// on every CPU, vectorised or not.
#[inline(always)]
pub fn exp_fused(x: f64) -> f64 {
    exp_with(x, f64::mul_add)
}

/// `1.5 · 2⁵²`: adding it rounds to an integer, which lands in the low mantissa bits.
pub(crate) const SHIFT: f64 = 6_755_399_441_055_744.0;
/// `log₂ e`.
pub(crate) const LOG2E: f64 = std::f64::consts::LOG2_E;
/// fdlibm's split of ln 2: `LN2_HI` has 32 significant bits, so `k · LN2_HI` is exact for
/// |k| < 2^21.
pub(crate) const LN2_HI: f64 = f64::from_bits(0x3fe6_2e42_fee0_0000);
/// The rest of ln 2.
pub(crate) const LN2_LO: f64 = f64::from_bits(0x3dea_39ef_3579_3c76);
/// The Taylor polynomial of `e^r` on the reduced range, Horner from `1/13!`.
pub(crate) const TAYLOR_LEAD: f64 = 1.0 / 6_227_020_800.0;
/// The rest of its coefficients, `1/12!` down to `1`.
pub(crate) const TAYLOR: [f64; 13] = [
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
];

/// The body of [`exp`] with the Horner step `p·r + c` given.
#[inline(always)]
fn exp_with(x: f64, step: impl Fn(f64, f64, f64) -> f64) -> f64 {
    let x = x.clamp(-746.0, 710.0);
    let k = (x * LOG2E + SHIFT) - SHIFT;
    let r = (x - k * LN2_HI) - k * LN2_LO;
    let mut p = TAYLOR_LEAD;
    for c in TAYLOR {
        p = step(p, r, c);
    }
    // 2^j for an integral j in [-1022, 1023], from the bits of j + 1023 + SHIFT.
    let pow2 = |j: f64| f64::from_bits(((j + (1023.0 + SHIFT)).to_bits() - SHIFT.to_bits()) << 52);
    let k1 = (k * 0.5 + SHIFT) - SHIFT;
    p * pow2(k1) * pow2(k - k1)
}

/// Logistic function, written so that neither branch overflows; branch-free (a select), so
/// loops over it vectorise.
///
/// `σ(|x|) = 1 / (1 + e)` with `e = e^(−|x|) ∈ [0, 1]`, and `σ(−|x|) = e · σ(|x|)`; `e` by
/// [`exp_fused`], the `exp` that costs most of the time here (measured 36 % less per
/// element than with [`exp`]). The division stays: a `vdivpd` runs beside the `exp`'s
/// arithmetic, and a division-free reciprocal (a linear start and four Newton steps, nine
/// FMAs) measured slower. Within 3 ulps of a double-double reference over a dense grid
/// (tested); `σ(0) = 0.5`, exactly 1 for large `x` and `+∞`, exactly 0 from `−746` and for
/// `−∞`, NaN stays NaN.
#[inline(always)]
pub fn sigmoid(x: f64) -> f64 {
    let e = exp_fused(-x.abs());
    let r = 1.0 / (1.0 + e);
    if x >= 0.0 { r } else { e * r }
}

/// The floor of [`exp_nonpositive_f32`]'s argument, just above `ln` of the smallest normal
/// `f32` (`−126·ln 2 ≈ −87.336545`): `2^k` stays one normal power.
const FLOOR_F32: f32 = -87.336_54;

/// `e^x` for `x ≤ 0` in single precision, for the f32 engine (the softmax's `e^(z − max)`,
/// the sigmoid's `e^−|x|`, Question 2's single-precision pass): the method of
/// [`crate::small::exp_nonpositive`] with `f32` constants — `x = k·ln 2 + r` by the
/// `1.5·2²³` rounding trick with `mul_add`, `ln 2` split so that `k·LN2_HI` is exact, `e^r`
/// by its degree-7 Taylor polynomial, and `2^k` as one normal power built from the low bits
/// of the rounding step, since the argument is floored where results stop being normal
/// numbers (−87.34). Within 2 ulps of the correctly rounded value on `[−87.33, 0]`, exactly
/// 1 at 0, the smallest normal `f32` (within 10⁻⁵) below the floor and for `−∞`, NaN for
/// NaN (tested). Positive arguments are out of its domain (their result is wrong,
/// never undefined behaviour). About 16 vector instructions, against 26 for a general `exp`
/// with clamping on both sides and `2^k` in two halves.
#[inline(always)]
pub fn exp_nonpositive_f32(x: f32) -> f32 {
    const SHIFT: f32 = 12_582_912.0;
    // 0.693359375 has 9 significant bits: `k·LN2_HI` is exact for |k| < 2^15.
    const LN2_HI: f32 = 0.693_359_4;
    const LN2_LO: f32 = -2.121_944_4e-4;
    const TAYLOR: [f32; 7] = [
        1.0 / 720.0,
        1.0 / 120.0,
        1.0 / 24.0,
        1.0 / 6.0,
        0.5,
        1.0,
        1.0,
    ];
    // `x < FLOOR_F32` is false for NaN, which passes on.
    let x = if x < FLOOR_F32 { FLOOR_F32 } else { x };
    let t = x.mul_add(std::f32::consts::LOG2_E, SHIFT);
    let k = t - SHIFT;
    let r = (-k).mul_add(LN2_LO, (-k).mul_add(LN2_HI, x));
    let mut p: f32 = 1.0 / 5_040.0;
    for c in TAYLOR {
        p = p.mul_add(r, c);
    }
    // The low bits of `t` hold `k` (two's complement, |k| ≤ 126): `2^k` has the exponent
    // field `k + 127`.
    let pow2 = f32::from_bits(t.to_bits().wrapping_sub(SHIFT.to_bits()).wrapping_add(127) << 23);
    p * pow2
}

/// `ln x` in single precision, branch-free so that it vectorises (Cephes' `logf`: `x =
/// m·2^e` with `m` in `[√½, √2)` from the bits, `ln m` by a degree-8 polynomial in
/// `f = m − 1`, `e·ln 2` added in two parts). Within 2 ulps of the correctly rounded value
/// on the positive normal numbers (tested); NaN outside them (0, subnormals, negatives,
/// `+∞`, NaN), so that a non-finite input stays non-finite. The f32 softmax's one
/// logarithm a row: `libm`'s `logf` is a call per row that keeps its loop scalar.
#[inline(always)]
pub fn ln_f32(x: f32) -> f32 {
    const SQRT_HALF: f32 = std::f32::consts::FRAC_1_SQRT_2;
    const P: [f32; 9] = [
        7.037_683_6e-2,
        -1.151_461_1e-1,
        1.167_699_9e-1,
        -1.242_014_1e-1,
        1.424_932_3e-1,
        -1.666_805_8e-1,
        2.000_071_5e-1,
        -2.499_999_4e-1,
        0.333_333_3,
    ];
    let bits = x.to_bits();
    // `x = m·2^e` with `m` in `[½, 1)`, then moved to `[√½, √2)`.
    let e = ((bits >> 23) as i32 - 126) as f32;
    let m = f32::from_bits((bits & 0x007f_ffff) | 0x3f00_0000);
    let low = m < SQRT_HALF;
    let f = if low { m + m - 1.0 } else { m - 1.0 };
    let e = if low { e - 1.0 } else { e };
    let z = f * f;
    let mut p = P[0];
    for c in &P[1..] {
        p = p.mul_add(f, *c);
    }
    let y = e.mul_add(-2.121_944_4e-4, f * z * p);
    let r = f + z.mul_add(-0.5, y);
    let ln = e.mul_add(0.693_359_4, r);
    if (f32::MIN_POSITIVE..=f32::MAX).contains(&x) {
        ln
    } else {
        f32::NAN
    }
}

/// [`sigmoid`] in single precision ([`exp_nonpositive_f32`]), for the f32 engine: the same
/// branch-free form, within 3 ulps of the correctly rounded value (tested); below −87.34 it
/// is the exp's floor, the smallest normal `f32`, rather than a subnormal. (A division-free
/// reciprocal, a linear start and three Newton steps, measured slower.)
#[inline(always)]
pub fn sigmoid_f32(x: f32) -> f32 {
    let e = exp_nonpositive_f32(-x.abs());
    let r = 1.0 / (1.0 + e);
    if x >= 0.0 { r } else { e * r }
}
