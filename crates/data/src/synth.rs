//! Synthetic listings with the real data's shape (being written).
