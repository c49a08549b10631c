//! The numeric kernels of the workspace, shared by the `tape` autodiff and the hand-written
//! network of the `models` crate: no autodiff here, only arithmetic on faer matrices and
//! slices.
//!
//! - [`matmul_into`], the one matrix product, with its `vzeroupper` (see its docs: without
//!   it every later scalar instruction paid an AVX state-transition penalty).
//! - [`exp`] and [`sigmoid`], branch-free so that loops calling them vectorise; the one
//!   sigmoid of the workspace (an [`Activation`] applies it).
//! - [`vectorize`] / [`vectorize_kernel`]: run a loop compiled for the CPU's widest vectors.
//! - [`sweeps`]: the column-by-column elementwise loops and fused layer kernels the tape's
//!   ops are made of (bias + activation, `δ` + bias gradient).
//! - [`softmax`]: the softmax cross-entropy loops, for the tape's op and the hand-written
//!   output layer alike.
//! - [`Activation`] with its derivative, and [`Saturation`], the one saturation test.
//! - [`Real`]: `f64` (the reference) or `f32`, the types the hand-written engine's kernels
//!   are generic over; each of its methods is the one definition at its precision.
//! - [`small`]: one fused, allocation-free forward + backward of a small two-layer softmax
//!   network (Question 2's) with the rows in SIMD lanes.
//!
//! Every reduction sums in a fixed order, so the bits of a result never depend on the CPU's
//! vector width or on how a caller splits its work.
#![deny(missing_docs)]

mod activation;
mod math;
mod matmul;
mod real;
mod simd;
pub mod small;
pub mod softmax;
pub mod sweeps;

pub use activation::{Activation, Saturation};
pub use math::{exp, exp_fused, exp_nonpositive_f32, ln_f32, sigmoid, sigmoid_f32};
pub use matmul::{clear_upper_state, matmul_into};
pub use real::Real;
pub use simd::{Kernel, vectorize, vectorize_kernel};
