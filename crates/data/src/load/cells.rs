//! One cell's text as a value: missing markers, numbers and class labels.

use crate::error::Problem;

/// Cell texts (after trimming) that mean "missing", as pandas writes or reads them.
pub const MISSING: [&str; 7] = ["", "NA", "N/A", "NaN", "nan", "null", "None"];

/// True when a trimmed cell marks a missing value.
pub(crate) fn is_missing(trimmed: &[u8]) -> bool {
    MISSING.iter().any(|m| m.as_bytes() == trimmed)
}

/// A numeric cell: a finite number, or `NaN` for a missing marker.
pub(crate) fn parse_number(raw: &[u8]) -> Result<f64, Problem> {
    let trimmed = raw.trim_ascii();
    if is_missing(trimmed) {
        return Ok(f64::NAN);
    }
    let text = std::str::from_utf8(trimmed).map_err(|_| Problem::NotUtf8)?;
    let value: f64 = text.parse().map_err(|_| Problem::NotANumber)?;
    if value.is_finite() {
        Ok(value)
    } else {
        Err(Problem::NotFinite)
    }
}

/// A label cell: an integer in `0..n_classes` written as decimal digits, optionally with a
/// fraction of zeros (`1`, `1.0`: pandas writes an integer column holding a missing value as
/// floats). Anything else (`1.5`, `1e0`, `+1`, `1.0000000000000001`) is refused rather than
/// rounded: a class read as another class would be a silent error.
pub(crate) fn parse_label(raw: &[u8], n_classes: usize) -> Result<u8, Problem> {
    let trimmed = raw.trim_ascii();
    if is_missing(trimmed) {
        return Err(Problem::MissingLabel);
    }
    let bad = Problem::BadLabel { n_classes };
    let (whole, fraction) = match trimmed.iter().position(|&b| b == b'.') {
        Some(dot) => (&trimmed[..dot], &trimmed[dot + 1..]),
        None => (trimmed, &b"0"[..]),
    };
    let digits = |s: &[u8]| !s.is_empty() && s.iter().all(u8::is_ascii_digit);
    if !digits(whole) || !digits(fraction) || fraction.iter().any(|&b| b != b'0') {
        return Err(bad);
    }
    // Leading zeros aside, more than three digits cannot be below 256.
    let first = whole.iter().position(|&b| b != b'0').unwrap_or(whole.len());
    let significant = &whole[first..];
    if significant.len() > 3 {
        return Err(bad);
    }
    let value = significant
        .iter()
        .fold(0usize, |v, &d| v * 10 + usize::from(d - b'0'));
    // `Schema::check` keeps n_classes <= 256, so an in-range value fits in u8.
    u8::try_from(value)
        .ok()
        .filter(|&v| usize::from(v) < n_classes)
        .ok_or(bad)
}
