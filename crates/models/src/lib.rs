//! models
#![deny(missing_docs)]
