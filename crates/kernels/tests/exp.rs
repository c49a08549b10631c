//! The `exp`s and the sigmoids against libm, their edges and special values, and
//! their vectorised forms against the scalar bits.

use kernels::small::exp_nonpositive;
use kernels::{exp, exp_fused, sigmoid};

/// Distance in units in the last place between two finite positive doubles.
fn ulps(a: f64, b: f64) -> u64 {
    a.to_bits().abs_diff(b.to_bits())
}

/// Within 2 ulps of libm over `[−745, 709.7]` (absolutely, among the subnormals), with
/// the special values of `f64::exp`.
fn assert_like_libm(exp: fn(f64) -> f64) {
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
}

#[test]
fn both_exps_are_within_two_ulps_of_libm_and_keep_the_special_values() {
    assert_like_libm(exp);
    assert_like_libm(exp_fused);
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

/// `σ(x)` to about half an ulp: libm's `e^(−|x|)` (within an ulp, damped by
/// `e/(1 + e) ≤ 1/2` in `1/(1 + e)`), `1 + e` held exactly as a double-double, its
/// reciprocal refined once with a fused residual, and the product `e · r` rounded once.
fn sigmoid_reference(x: f64) -> f64 {
    let e = (-x.abs()).exp();
    let hi = 1.0 + e;
    let lo = e - (hi - 1.0);
    let q = 1.0 / hi;
    let residual = (-q).mul_add(hi, 1.0) - q * lo;
    let r = q.mul_add(residual, q);
    if x >= 0.0 { r } else { e * r }
}

#[test]
fn sigmoid_is_within_three_ulps_of_a_reference_and_two_of_the_unfused_exp() {
    let (mut worst_ref, mut worst_change, mut worst_old) = (0, 0, 0);
    // Densely where the sigmoid is not saturated, then over its whole range.
    let dense = (-400_000..=400_000).map(|i| f64::from(i) * 1e-4);
    let wide = (-745_000..=745_000).map(|i| f64::from(i) * 1e-3);
    for x in dense.chain(wide) {
        let s = sigmoid(x);
        let want = sigmoid_reference(x);
        // The sigmoid before the fused `exp`.
        let e = exp(-x.abs());
        let old = if x >= 0.0 {
            1.0 / (1.0 + e)
        } else {
            e * (1.0 / (1.0 + e))
        };
        if want >= f64::MIN_POSITIVE {
            worst_ref = worst_ref.max(ulps(s, want));
        } else {
            assert!((s - want).abs() <= 2.0 * 4.9e-324, "{x}: {s} vs {want}");
        }
        worst_change = worst_change.max(ulps(s, old));
        if want >= f64::MIN_POSITIVE {
            worst_old = worst_old.max(ulps(old, want));
        }
    }
    // 3 ulps, as with the unfused `exp` (whose error it mostly is); at most 2 from it.
    assert!(
        worst_ref <= 3,
        "worst error {worst_ref} ulps against the reference"
    );
    assert!(
        worst_ref <= worst_old,
        "{worst_ref} ulps, the unfused `exp` {worst_old}"
    );
    assert!(
        worst_change <= 2,
        "worst change {worst_change} ulps from the unfused `exp`"
    );
    // The extremes and the special values.
    assert_eq!(sigmoid(0.0), 0.5);
    assert_eq!(sigmoid(-0.0), 0.5);
    assert_eq!(sigmoid(745.0), 1.0);
    assert_eq!(sigmoid(f64::INFINITY), 1.0);
    assert_eq!(sigmoid(f64::MAX), 1.0);
    assert_eq!(sigmoid(-746.0), 0.0);
    assert_eq!(sigmoid(f64::NEG_INFINITY), 0.0);
    assert_eq!(sigmoid(-f64::MAX), 0.0);
    assert_eq!(sigmoid(-745.0), (-745f64).exp());
    assert!(sigmoid(f64::NAN).is_nan());
    assert!(sigmoid(-f64::NAN).is_nan());
}

#[test]
fn the_vectorised_sigmoid_has_the_scalar_bits() {
    // Under `vectorize` (in an optimised build: AVX-512 or AVX2 lanes with hardware
    // FMA) every lane must give what the scalar `mul_add` path gives.
    let xs: Vec<f64> = (-20_000..20_000).map(|i| f64::from(i) * 3.7e-3).collect();
    let mut ys = vec![0.0; xs.len()];
    kernels::vectorize(
        #[inline(always)]
        || {
            for (y, &x) in ys.iter_mut().zip(&xs) {
                *y = sigmoid(x);
            }
        },
    );
    for (&x, &y) in xs.iter().zip(&ys) {
        assert_eq!(y.to_bits(), sigmoid(x).to_bits(), "{x}");
    }
}

// `exp_nonpositive`, the softmax's `e^x` of Question 2's fused pass.
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
    kernels::vectorize(
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

/// Distance in units in the last place between two finite positive floats.
fn ulps32(a: f32, b: f32) -> u32 {
    a.to_bits().abs_diff(b.to_bits())
}

#[test]
fn the_f32_sigmoid_is_within_three_ulps_of_the_correctly_rounded_value() {
    use kernels::sigmoid_f32;
    let mut worst = 0;
    for i in -2_000_000..=2_000_000 {
        let x = i as f32 * 5e-5;
        let want = sigmoid_reference(f64::from(x)) as f32;
        let got = sigmoid_f32(x);
        if want >= f32::MIN_POSITIVE {
            worst = worst.max(ulps32(got, want));
        }
    }
    assert!(worst <= 3, "worst error {worst} ulps");
    assert_eq!(sigmoid_f32(0.0), 0.5);
    assert_eq!(sigmoid_f32(100.0), 1.0);
    assert_eq!(sigmoid_f32(f32::INFINITY), 1.0);
    // Below −87.34 the floor of its exp, the smallest normal f32: zero to any sum.
    let floor = kernels::exp_nonpositive_f32(-90.0);
    assert_eq!(sigmoid_f32(-200.0), floor);
    assert_eq!(sigmoid_f32(f32::NEG_INFINITY), floor);
    assert!(floor < 1.2e-38);
    assert!(sigmoid_f32(f32::NAN).is_nan());
}

/// `exp_nonpositive_f32`, the f32 engine's `e^x` (softmax, sigmoid, Question 2's
/// single-precision pass): within 2 ulps of the correctly rounded value (from `f64`) on
/// every 31st float of `[−87.33, 0]` (36 million arguments), exactly 1 at 0, and its floor
/// (within 10⁻⁵ of the smallest normal `f32`), `−∞` and NaN; vectorised, the scalar bits.
#[test]
fn the_f32_nonpositive_exp_is_within_two_ulps_with_its_edges() {
    use kernels::exp_nonpositive_f32;
    let mut worst = 0;
    for bits in (0x8000_0000u32..=(-87.33f32).to_bits()).step_by(31) {
        let x = f32::from_bits(bits);
        worst = worst.max(ulps32(exp_nonpositive_f32(x), f64::from(x).exp() as f32));
    }
    assert!(worst <= 2, "worst error {worst} ulps");
    assert_eq!(exp_nonpositive_f32(0.0), 1.0);
    assert_eq!(exp_nonpositive_f32(-0.0), 1.0);
    let floor = exp_nonpositive_f32(-87.4);
    assert!(floor >= f32::MIN_POSITIVE, "the floor is a normal number");
    assert!(
        floor < f32::MIN_POSITIVE * 1.00001,
        "at the smallest normal"
    );
    assert_eq!(exp_nonpositive_f32(-88.0), floor);
    assert_eq!(exp_nonpositive_f32(f32::NEG_INFINITY), floor);
    assert!(exp_nonpositive_f32(f32::NAN).is_nan());
    let xs: Vec<f32> = (0..40_000).map(|i| -(i as f32) * 2.3e-3).collect();
    let mut ys = vec![0.0f32; xs.len()];
    kernels::vectorize(
        #[inline(always)]
        || {
            for (y, &x) in ys.iter_mut().zip(&xs) {
                *y = exp_nonpositive_f32(x);
            }
        },
    );
    for (&x, &y) in xs.iter().zip(&ys) {
        assert_eq!(y.to_bits(), exp_nonpositive_f32(x).to_bits(), "{x}");
    }
}

/// `ln_f32`, the f32 softmax's logarithm: within 2 ulps of the correctly rounded value (from
/// `f64`) on every 101st positive normal float (21 million arguments), exact at 1, NaN
/// outside its domain; vectorised, the scalar bits.
#[test]
fn the_f32_ln_is_within_two_ulps_on_the_positive_normals() {
    use kernels::ln_f32;
    let mut worst = 0;
    for bits in (f32::MIN_POSITIVE.to_bits()..=f32::MAX.to_bits()).step_by(101) {
        let x = f32::from_bits(bits);
        let want = f64::from(x).ln() as f32;
        worst = worst.max(ulps32(ln_f32(x), want));
    }
    assert!(worst <= 2, "worst error {worst} ulps");
    assert_eq!(ln_f32(1.0), 0.0);
    assert_eq!(ln_f32(f32::MAX), f32::MAX.ln());
    for x in [
        0.0,
        -0.0,
        -1.0,
        1e-40,
        f32::INFINITY,
        f32::NEG_INFINITY,
        f32::NAN,
    ] {
        assert!(ln_f32(x).is_nan(), "{x}");
    }
    let xs: Vec<f32> = (1..40_000).map(|i| i as f32 * 1.3e-4).collect();
    let mut ys = vec![0.0f32; xs.len()];
    kernels::vectorize(
        #[inline(always)]
        || {
            for (y, &x) in ys.iter_mut().zip(&xs) {
                *y = ln_f32(x);
            }
        },
    );
    for (&x, &y) in xs.iter().zip(&ys) {
        assert_eq!(y.to_bits(), ln_f32(x).to_bits(), "{x}");
    }
}
