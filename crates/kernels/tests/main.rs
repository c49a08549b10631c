//! The crate's tests, one binary linking the library as its users do (the library itself
//! builds no test harness: a second optimised build of its many kernel forms cost more
//! than half a minute of every test run).

mod exp;
mod small;
mod softmax;
mod sums;
