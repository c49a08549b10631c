//! Part A: exploratory statistics (being written).
