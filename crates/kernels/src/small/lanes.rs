//! The lane vectors the fused pass is written in: `L` rows of one quantity per value (one
//! AVX-512 register: eight `f64` or sixteen `f32`), the scalar of a lane ([`Lane`]), a
//! small trait of lane-wise operations ([`Backend`]) and its backends, pulp's AVX-512
//! `f64x8` and `f32x16` and plain lane arrays (vectorised by LLVM under AVX2 elsewhere).

use crate::real::Real;

use super::exp::exp_nonpositive;
use crate::math::exp_nonpositive_f32;

/// The scalar of a lane: `f64` (the reference) or `f32`.
pub(super) trait Lane: Real {
    /// `self · a + b`, rounded once.
    fn mul_add(self, a: Self, b: Self) -> Self;
    /// `e^self` for `self ≤ 0`: [`exp_nonpositive`] or [`exp_nonpositive_f32`].
    fn exp_nonpositive(self) -> Self;
}

impl Lane for f64 {
    #[inline(always)]
    fn mul_add(self, a: f64, b: f64) -> f64 {
        f64::mul_add(self, a, b)
    }
    #[inline(always)]
    fn exp_nonpositive(self) -> f64 {
        exp_nonpositive(self)
    }
}

impl Lane for f32 {
    #[inline(always)]
    fn mul_add(self, a: f32, b: f32) -> f32 {
        f32::mul_add(self, a, b)
    }
    #[inline(always)]
    fn exp_nonpositive(self) -> f32 {
        exp_nonpositive_f32(self)
    }
}

/// The lanes added in lane order, in `f64`.
pub(super) fn lane_sum<S: Lane, const L: usize>(v: &[S; L]) -> f64 {
    v.iter().map(|x| x.to_f64()).sum()
}

/// A lane vector in memory, aligned for one `zmm` load.
#[derive(Clone, Copy, Debug, PartialEq)]
#[repr(C, align(64))]
pub(super) struct V<S, const L: usize>(pub(super) [S; L]);

impl<S: Lane, const L: usize> V<S, L> {
    pub(super) const ZERO: Self = V([S::ZERO; L]);

    /// Up to `L` values, padded with `fill`; a full group is one fixed-size copy (a copy of
    /// variable length would be a `memcpy` call).
    #[inline(always)]
    pub(super) fn load(v: &[S], fill: S) -> Self {
        match v.try_into() {
            Ok(full) => V(full),
            Err(_) => V(std::array::from_fn(|i| v.get(i).copied().unwrap_or(fill))),
        }
    }
}

/// The lane arithmetic the kernel is written in: `L` rows of one quantity per value, every
/// operation lane-wise IEEE arithmetic (`mul_add` rounded once, as `f64::mul_add`
/// everywhere), so every backend of one scalar gives the same bits.
///
/// Why explicit vectors: the same loops written over `[f64; 8]` arrays left the choice to
/// LLVM, which vectorised the loops over lane groups instead (gathers, scatters, scalar
/// `vmulsd` in the forward, per perf annotate); values of a vector type keep each lane
/// group in one register.
pub(super) trait Backend<const L: usize>: Copy {
    /// The scalar of a lane.
    type S: Lane;
    /// One lane vector.
    type V: Copy;
    fn splat(self, v: Self::S) -> Self::V;
    fn load_lanes(self, v: [Self::S; L]) -> Self::V;
    fn to_lanes(self, v: Self::V) -> [Self::S; L];
    fn add(self, a: Self::V, b: Self::V) -> Self::V;
    fn sub(self, a: Self::V, b: Self::V) -> Self::V;
    fn mul(self, a: Self::V, b: Self::V) -> Self::V;
    /// `a · b + c`, rounded once (`mul_add` in every lane).
    fn mul_add(self, a: Self::V, b: Self::V, c: Self::V) -> Self::V;
    fn div(self, a: Self::V, b: Self::V) -> Self::V;
    /// Lane-wise `if a > b { t } else { f }`.
    fn gt_select(self, a: Self::V, b: Self::V, t: Self::V, f: Self::V) -> Self::V;
    /// Lane-wise `if a == b { t } else { f }`.
    fn eq_select(self, a: Self::V, b: Self::V, t: Self::V, f: Self::V) -> Self::V;

    /// `f` of every lane (through lane arrays, for the scalar-written `exp` and
    /// activations, which LLVM vectorises lane by lane).
    #[inline(always)]
    fn map(self, v: Self::V, f: impl Fn(Self::S) -> Self::S) -> Self::V {
        let mut lanes = self.to_lanes(v);
        for x in &mut lanes {
            *x = f(*x);
        }
        self.load_lanes(lanes)
    }

    /// The lanes `valid` marks, else `fill`.
    #[inline(always)]
    fn valid_or(self, v: Self::V, valid: &[bool; L], fill: Self::S) -> Self::V {
        let mut lanes = self.to_lanes(v);
        for (x, &ok) in lanes.iter_mut().zip(valid) {
            if !ok {
                *x = fill;
            }
        }
        self.load_lanes(lanes)
    }
}

/// Plain lane arrays of `S`: the fallback for CPUs without AVX-512, run under
/// [`crate::vectorize`] (AVX2 where the CPU has it).
#[derive(Clone, Copy)]
pub(super) struct Portable<S>(std::marker::PhantomData<S>);

impl<S> Portable<S> {
    pub(super) const NEW: Self = Portable(std::marker::PhantomData);
}

impl<S: Lane, const L: usize> Backend<L> for Portable<S> {
    type S = S;
    type V = [S; L];
    #[inline(always)]
    fn splat(self, v: S) -> [S; L] {
        [v; L]
    }
    #[inline(always)]
    fn load_lanes(self, v: [S; L]) -> [S; L] {
        v
    }
    #[inline(always)]
    fn to_lanes(self, v: [S; L]) -> [S; L] {
        v
    }
    #[inline(always)]
    fn add(self, a: [S; L], b: [S; L]) -> [S; L] {
        std::array::from_fn(|i| a[i] + b[i])
    }
    #[inline(always)]
    fn sub(self, a: [S; L], b: [S; L]) -> [S; L] {
        std::array::from_fn(|i| a[i] - b[i])
    }
    #[inline(always)]
    fn mul(self, a: [S; L], b: [S; L]) -> [S; L] {
        std::array::from_fn(|i| a[i] * b[i])
    }
    #[inline(always)]
    fn mul_add(self, a: [S; L], b: [S; L], c: [S; L]) -> [S; L] {
        std::array::from_fn(|i| a[i].mul_add(b[i], c[i]))
    }
    #[inline(always)]
    fn div(self, a: [S; L], b: [S; L]) -> [S; L] {
        std::array::from_fn(|i| a[i] / b[i])
    }
    #[inline(always)]
    fn gt_select(self, a: [S; L], b: [S; L], t: [S; L], f: [S; L]) -> [S; L] {
        std::array::from_fn(|i| if a[i] > b[i] { t[i] } else { f[i] })
    }
    #[inline(always)]
    fn eq_select(self, a: [S; L], b: [S; L], t: [S; L], f: [S; L]) -> [S; L] {
        std::array::from_fn(|i| if a[i] == b[i] { t[i] } else { f[i] })
    }
}

#[cfg(target_arch = "x86_64")]
mod avx512 {
    use pulp::x86::V4;
    use pulp::{f32x16, f64x8};

    use super::Backend;

    /// One AVX-512 backend per scalar: `V4` with `L = 8` is `f64x8`, with `L = 16`
    /// `f32x16`.
    macro_rules! backend {
        ($l:literal, $s:ty, $v:ty, $splat:ident, $add:ident, $sub:ident, $mul:ident,
         $fma:ident, $div:ident, $select:ident, $gt:ident, $eq:ident) => {
            impl Backend<$l> for V4 {
                type S = $s;
                type V = $v;
                #[inline(always)]
                fn splat(self, v: $s) -> $v {
                    self.$splat(v)
                }
                #[inline(always)]
                fn load_lanes(self, v: [$s; $l]) -> $v {
                    pulp::cast(v)
                }
                #[inline(always)]
                fn to_lanes(self, v: $v) -> [$s; $l] {
                    pulp::cast(v)
                }
                #[inline(always)]
                fn add(self, a: $v, b: $v) -> $v {
                    self.$add(a, b)
                }
                #[inline(always)]
                fn sub(self, a: $v, b: $v) -> $v {
                    self.$sub(a, b)
                }
                #[inline(always)]
                fn mul(self, a: $v, b: $v) -> $v {
                    self.$mul(a, b)
                }
                #[inline(always)]
                fn mul_add(self, a: $v, b: $v, c: $v) -> $v {
                    self.$fma(a, b, c)
                }
                #[inline(always)]
                fn div(self, a: $v, b: $v) -> $v {
                    self.$div(a, b)
                }
                #[inline(always)]
                fn gt_select(self, a: $v, b: $v, t: $v, f: $v) -> $v {
                    self.$select(self.$gt(a, b), t, f)
                }
                #[inline(always)]
                fn eq_select(self, a: $v, b: $v, t: $v, f: $v) -> $v {
                    self.$select(self.$eq(a, b), t, f)
                }
            }
        };
    }

    backend!(
        8,
        f64,
        f64x8,
        splat_f64x8,
        add_f64x8,
        sub_f64x8,
        mul_f64x8,
        mul_add_f64x8,
        div_f64x8,
        select_f64x8,
        cmp_gt_f64x8,
        cmp_eq_f64x8
    );
    backend!(
        16,
        f32,
        f32x16,
        splat_f32x16,
        add_f32x16,
        sub_f32x16,
        mul_f32x16,
        mul_add_f32x16,
        div_f32x16,
        select_f32x16,
        cmp_gt_f32x16,
        cmp_eq_f32x16
    );
}
