//! experiments
#![deny(missing_docs)]
