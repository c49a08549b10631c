//! The crate's integration tests, one binary: each file is a module, so the tests link
//! the library and its dependencies once instead of once per file.

mod common;
mod gradients;
mod model_file;
mod real_data;
mod single_precision;
mod training;
