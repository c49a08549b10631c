//! The crate's integration tests, one binary: each file is a module, so the tests link
//! the library and its dependencies once instead of once per file.

mod behaviour;
mod common;
mod fan_out;
mod gradients;
mod single_precision;
