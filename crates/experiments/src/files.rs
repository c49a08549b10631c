//! The results folder's file names, in one table shared by the writer (`xtask all`) and the
//! readers (`reporting`), so a renamed file cannot leave one side behind.

/// `summary.json`: the headline numbers.
pub const SUMMARY: &str = "summary.json";
/// `config.json`: the configuration of the run.
pub const CONFIG: &str = "config.json";
/// `eda.json`: Part A's record.
pub const PART_A: &str = "eda.json";
/// `part_b.json`: Part B's record.
pub const PART_B: &str = "part_b.json";
/// `part_c.json`: Part C's record.
pub const PART_C: &str = "part_c.json";
/// `part_d.json`: Part D's record.
pub const PART_D: &str = "part_d.json";
/// `q2.json`: Question 2's record.
pub const Q2: &str = "q2.json";
/// `split.json`: the validation and training row numbers.
pub const SPLIT: &str = "split.json";
/// Folder of the per-step histories (CSV).
pub const HISTORIES: &str = "histories";
/// Folder of the model files.
pub const MODELS: &str = "models";

/// The records the report is drawn from, in the order the report cites them.
pub const RECORDS: [&str; 6] = [SUMMARY, PART_A, PART_B, PART_C, PART_D, Q2];

/// File name of a model file, `models/<stem>.json` relative to the results folder.
pub fn model(stem: &str) -> String {
    format!("{MODELS}/{stem}.json")
}
