//! The crate's integration tests, one binary: each file is a module, so the tests link
//! the library and its dependencies once instead of once per file.

mod any_table;
mod identifier;
mod part_a;
mod part_b_models;
mod part_b_sweep;
mod planted;
mod q2_models;
mod run_all;
mod split;
