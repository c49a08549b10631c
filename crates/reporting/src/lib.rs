//! Figures and the HTML report, drawn from saved experiment records.
//!
//! Two layers: [`charts`] turns plain numbers into SVG text (generic; no experiment types),
//! and [`page`] turns the report's Markdown plus those SVGs into one self-contained HTML
//! file (no JavaScript, no network, no external CSS). Because this crate only reads
//! records, a report can be redrawn without retraining anything.
#![deny(missing_docs)]

pub mod charts;
pub mod page;
