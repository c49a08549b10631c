//! The study's parts, each a function from data and configuration to a plain serde record.
//! Nothing here writes files or draws: `xtask` saves the records and `reporting` draws them.
#![deny(missing_docs)]

pub mod part_a;
