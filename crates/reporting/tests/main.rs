//! The crate's integration tests, one binary: each file is a module, so the tests link
//! the library and its dependencies once instead of once per file.

mod charts;
mod page;
mod part_d;
mod report;
mod snapshot;
mod study;
