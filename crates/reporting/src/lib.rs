//! reporting
#![deny(missing_docs)]
