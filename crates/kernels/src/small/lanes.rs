//! The lane vectors the fused pass is written in: [`LANES`] rows of one quantity per
//! value, a small trait of lane-wise operations ([`Backend`]) and its two backends, pulp's
//! AVX-512 `f64x8` and plain lane arrays (vectorised by LLVM under AVX2 elsewhere).

use super::net::LANES;

/// One value per lane.
pub(super) type Lanes = [f64; LANES];

/// The lanes added in lane order.
pub(super) fn lane_sum(v: &Lanes) -> f64 {
    v.iter().sum()
}

/// A lane vector in memory, aligned for one `zmm` load.
#[derive(Clone, Copy, Debug, PartialEq)]
#[repr(C, align(64))]
pub(super) struct V(pub(super) Lanes);

impl V {
    pub(super) const ZERO: V = V([0.0; LANES]);

    /// Up to [`LANES`] values, padded with `fill`; a full group is one fixed-size copy (a
    /// copy of variable length would be a `memcpy` call).
    #[inline(always)]
    pub(super) fn load(v: &[f64], fill: f64) -> V {
        match v.try_into() {
            Ok(full) => V(full),
            Err(_) => V(std::array::from_fn(|i| v.get(i).copied().unwrap_or(fill))),
        }
    }
}

/// The lane arithmetic the kernel is written in: [`LANES`] rows of one quantity per value,
/// every operation lane-wise IEEE arithmetic (`mul_add` rounded once, as `f64::mul_add`
/// everywhere), so every backend gives the same bits.
///
/// Why explicit vectors: the same loops written over `[f64; 8]` arrays left the choice to
/// LLVM, which vectorised the loops over lane groups instead (gathers, scatters, scalar
/// `vmulsd` in the forward, per perf annotate); values of a vector type keep each lane
/// group in one register.
pub(super) trait Backend: Copy {
    /// One lane vector.
    type V: Copy;
    fn splat(self, v: f64) -> Self::V;
    fn load_lanes(self, v: Lanes) -> Self::V;
    fn to_lanes(self, v: Self::V) -> Lanes;
    fn add(self, a: Self::V, b: Self::V) -> Self::V;
    fn sub(self, a: Self::V, b: Self::V) -> Self::V;
    fn mul(self, a: Self::V, b: Self::V) -> Self::V;
    /// `a · b + c`, rounded once (`f64::mul_add` in every lane).
    fn mul_add(self, a: Self::V, b: Self::V, c: Self::V) -> Self::V;
    fn div(self, a: Self::V, b: Self::V) -> Self::V;
    /// Lane-wise `if a > b { t } else { f }`.
    fn gt_select(self, a: Self::V, b: Self::V, t: Self::V, f: Self::V) -> Self::V;
    /// Lane-wise `if a == b { t } else { f }`.
    fn eq_select(self, a: Self::V, b: Self::V, t: Self::V, f: Self::V) -> Self::V;

    /// `f` of every lane (through lane arrays, for the scalar-written `exp` and
    /// activations, which LLVM vectorises lane by lane).
    #[inline(always)]
    fn map(self, v: Self::V, f: impl Fn(f64) -> f64) -> Self::V {
        let mut lanes = self.to_lanes(v);
        for x in &mut lanes {
            *x = f(*x);
        }
        self.load_lanes(lanes)
    }

    /// The lanes `valid` marks, else `fill`.
    #[inline(always)]
    fn valid_or(self, v: Self::V, valid: &[bool; LANES], fill: f64) -> Self::V {
        let mut lanes = self.to_lanes(v);
        for (x, &ok) in lanes.iter_mut().zip(valid) {
            if !ok {
                *x = fill;
            }
        }
        self.load_lanes(lanes)
    }
}

/// Plain lane arrays: the fallback for CPUs without AVX-512, run under
/// [`crate::vectorize`] (AVX2 where the CPU has it).
#[derive(Clone, Copy)]
pub(super) struct Portable;

impl Backend for Portable {
    type V = Lanes;
    #[inline(always)]
    fn splat(self, v: f64) -> Lanes {
        [v; LANES]
    }
    #[inline(always)]
    fn load_lanes(self, v: Lanes) -> Lanes {
        v
    }
    #[inline(always)]
    fn to_lanes(self, v: Lanes) -> Lanes {
        v
    }
    #[inline(always)]
    fn add(self, a: Lanes, b: Lanes) -> Lanes {
        std::array::from_fn(|i| a[i] + b[i])
    }
    #[inline(always)]
    fn sub(self, a: Lanes, b: Lanes) -> Lanes {
        std::array::from_fn(|i| a[i] - b[i])
    }
    #[inline(always)]
    fn mul(self, a: Lanes, b: Lanes) -> Lanes {
        std::array::from_fn(|i| a[i] * b[i])
    }
    #[inline(always)]
    fn mul_add(self, a: Lanes, b: Lanes, c: Lanes) -> Lanes {
        std::array::from_fn(|i| a[i].mul_add(b[i], c[i]))
    }
    #[inline(always)]
    fn div(self, a: Lanes, b: Lanes) -> Lanes {
        std::array::from_fn(|i| a[i] / b[i])
    }
    #[inline(always)]
    fn gt_select(self, a: Lanes, b: Lanes, t: Lanes, f: Lanes) -> Lanes {
        std::array::from_fn(|i| if a[i] > b[i] { t[i] } else { f[i] })
    }
    #[inline(always)]
    fn eq_select(self, a: Lanes, b: Lanes, t: Lanes, f: Lanes) -> Lanes {
        std::array::from_fn(|i| if a[i] == b[i] { t[i] } else { f[i] })
    }
}

#[cfg(target_arch = "x86_64")]
mod avx512 {
    use pulp::f64x8;
    use pulp::x86::V4;

    use super::{Backend, Lanes};

    impl Backend for V4 {
        type V = f64x8;
        #[inline(always)]
        fn splat(self, v: f64) -> f64x8 {
            self.splat_f64x8(v)
        }
        #[inline(always)]
        fn load_lanes(self, v: Lanes) -> f64x8 {
            pulp::cast(v)
        }
        #[inline(always)]
        fn to_lanes(self, v: f64x8) -> Lanes {
            pulp::cast(v)
        }
        #[inline(always)]
        fn add(self, a: f64x8, b: f64x8) -> f64x8 {
            self.add_f64x8(a, b)
        }
        #[inline(always)]
        fn sub(self, a: f64x8, b: f64x8) -> f64x8 {
            self.sub_f64x8(a, b)
        }
        #[inline(always)]
        fn mul(self, a: f64x8, b: f64x8) -> f64x8 {
            self.mul_f64x8(a, b)
        }
        #[inline(always)]
        fn mul_add(self, a: f64x8, b: f64x8, c: f64x8) -> f64x8 {
            self.mul_add_f64x8(a, b, c)
        }
        #[inline(always)]
        fn div(self, a: f64x8, b: f64x8) -> f64x8 {
            self.div_f64x8(a, b)
        }
        #[inline(always)]
        fn gt_select(self, a: f64x8, b: f64x8, t: f64x8, f: f64x8) -> f64x8 {
            self.select_f64x8(self.cmp_gt_f64x8(a, b), t, f)
        }
        #[inline(always)]
        fn eq_select(self, a: f64x8, b: f64x8, t: f64x8, f: f64x8) -> f64x8 {
            self.select_f64x8(self.cmp_eq_f64x8(a, b), t, f)
        }
    }
}
