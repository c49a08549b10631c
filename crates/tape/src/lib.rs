//! tape
#![deny(missing_docs)]
