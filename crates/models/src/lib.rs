//! The models of the study: a multilayer perceptron with hand-written backpropagation
//! (Part B) and the same network through the `tape` autodiff (Part C), training by full-batch
//! or minibatch gradient descent with Part D's mitigations, the shared-bias network of
//! Question 2, and the serde model file.
//!
//! The one design decision worth knowing: the hand-written pass ([`Backprop`]) works on
//! blocks of rows small enough to stay in cache, carrying each block through the whole
//! forward *and* backward pass. Blocks are fixed (256 rows, `blocks::CHUNK`) and each writes
//! its own partial gradients, summed in block order, so threads (a count the caller passes,
//! [`TrainConfig::threads`]) share the work and the result is bit-identical whatever the
//! thread count. Every elementwise step is fused
//! into one sweep and the matrix buffers are allocated once per run (an iteration only
//! spawns its scoped threads). The tape engine computes the same numbers (the tests check
//! tape == hand-written == finite differences) on the same blocks, building one graph per
//! block per step on its thread's reused tape.
//!
//! This crate does no I/O: it takes matrices, labels and seeds, and returns numbers.
//! Randomness comes from `data::rng` streams only (initialisation from the caller's RNG,
//! shuffles from `Stream::Shuffle`, dropout masks from `Stream::Dropout`), so the same seed
//! gives bit-identical weights and histories.
#![deny(missing_docs)]

mod autodiff;
mod backprop;
mod batch;
mod bias_net;
mod blocks;
mod checks;
mod dropout;
mod error;
mod evaluate;
pub mod file;
mod forward;
mod gradients;
mod many;
mod mlp;
mod parallel;
mod precision;
mod train;

pub use autodiff::tape_gradients;
pub use backprop::Backprop;
pub use bias_net::{
    BiasMode, BiasNet, BiasNetGrads, Biases, LossHistory, train_bias_net, train_bias_net_losses,
};
pub use error::{Invalid, NetworkProblem, Parameter, Quantity, TrainError};
pub use gradients::Gradients;
pub use kernels::Saturation;
pub use many::{TrainJob, train_many};
pub use mlp::{Activation, Dense, Init, LossOptions, Mlp, class_weights};
pub use parallel::{default_threads, map_in_parallel};
pub use precision::Precision;
pub use train::{Engine, Evaluate, Record, TrainConfig, train};
