//! The report's text: the assignment's sections in order, each with its figures, tables
//! and a short text whose every number is quoted from the results (see [`Quote`]).

mod findings;
mod part_a;
mod part_b;
mod part_c;
pub mod part_d;
mod q2;

use experiments::files;
use serde::{Deserialize, Serialize};

use crate::Results;
use crate::figures::class_names;

/// A number stated in the report's prose, with where it comes from, so a test can check
/// that the text says what the results hold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Quote {
    /// Results file the number is read from (`part_d.json`).
    pub file: String,
    /// JSON pointer into that file (`/model/test_acc`).
    pub pointer: String,
    /// The value used.
    pub value: f64,
    /// How it reads in the text (`35.2%`).
    pub text: String,
}

const OPEN: char = '\u{E000}';
const CLOSE: char = '\u{E001}';

/// Builds Markdown; prose numbers go through [`Writer::quote`] and are marked so that a
/// test can find any number that did not.
#[derive(Debug, Default)]
pub struct Writer {
    md: String,
    quotes: Vec<Quote>,
    prose: Vec<String>,
}

/// `value` with `decimals` decimals, without a minus sign on a value that rounds to zero
/// (`-0.0004` reads `0.0`, not `-0.0`).
fn fixed(value: f64, decimals: usize) -> String {
    let text = format!("{value:.decimals$}");
    match text.strip_prefix('-') {
        Some(rest) if rest.bytes().all(|b| b == b'0' || b == b'.') => rest.to_string(),
        _ => text,
    }
}

impl Writer {
    fn quote(
        &mut self,
        text: String,
        value: f64,
        file: &str,
        pointer: impl Into<String>,
    ) -> String {
        self.quotes.push(Quote {
            file: file.to_string(),
            pointer: pointer.into(),
            value,
            text: text.clone(),
        });
        format!("{OPEN}{text}{CLOSE}")
    }

    /// A fraction as a percentage with one decimal.
    fn pct(&mut self, value: f64, file: &str, pointer: impl Into<String>) -> String {
        self.quote(
            format!("{}%", fixed(100.0 * value, 1)),
            value,
            file,
            pointer,
        )
    }

    /// A difference of two accuracies (fractions) in percentage points.
    fn points(&mut self, value: f64, file: &str, pointer: impl Into<String>) -> String {
        self.quote(
            format!("{} points", fixed(100.0 * value, 1)),
            value,
            file,
            pointer,
        )
    }

    /// A difference of two accuracies in points, without the unit (an interval's end,
    /// after a mean that carries it).
    fn bare_points(&mut self, value: f64, file: &str, pointer: impl Into<String>) -> String {
        self.quote(fixed(100.0 * value, 1), value, file, pointer)
    }

    /// A number with `decimals` decimals.
    fn num(
        &mut self,
        value: f64,
        decimals: usize,
        file: &str,
        pointer: impl Into<String>,
    ) -> String {
        self.quote(fixed(value, decimals), value, file, pointer)
    }

    /// A number in scientific notation.
    fn sci(&mut self, value: f64, file: &str, pointer: impl Into<String>) -> String {
        self.quote(format!("{value:.2e}"), value, file, pointer)
    }

    /// An interval's mean, low and high, each written by `quote` (e.g. [`Writer::pct`]) and
    /// quoted from `{pointer}/mean`, `/low` and `/high` of `file`: the one place the parts
    /// turn an interval's three numbers into quoted text.
    fn interval_ends(
        &mut self,
        i: &experiments::interval::Interval,
        file: &str,
        pointer: &str,
        quote: impl Fn(&mut Self, f64, &str, String) -> String,
    ) -> [String; 3] {
        [
            quote(self, i.mean, file, format!("{pointer}/mean")),
            quote(self, i.low, file, format!("{pointer}/low")),
            quote(self, i.high, file, format!("{pointer}/high")),
        ]
    }

    /// Text taken verbatim from a record (it may hold numbers; they come from the results).
    fn record_text(&mut self, text: &str) -> String {
        format!("{OPEN}{text}{CLOSE}")
    }

    /// A string from the data (a column name, a level, an encoded feature): escaped for
    /// Markdown and HTML (see [`code`]) and marked, since its digits are the data's.
    fn name(&mut self, text: &str) -> String {
        format!("{OPEN}{}{CLOSE}", code(text))
    }

    /// A count with thousands separators.
    fn count(&mut self, value: usize, file: &str, pointer: impl Into<String>) -> String {
        self.quote(thousands(value), value as f64, file, pointer)
    }

    /// A bulleted list of generated prose, one item a finding.
    fn bullets(&mut self, items: Vec<String>) {
        let mut list = String::new();
        for item in items {
            self.prose.push(item.clone());
            list.push_str("- ");
            list.push_str(&item);
            list.push('\n');
        }
        self.md.push_str(&list);
        self.md.push('\n');
    }

    /// A paragraph of generated prose.
    fn para(&mut self, text: String) {
        self.prose.push(text.clone());
        self.md.push_str(&text);
        self.md.push_str("\n\n");
    }

    /// Headings, tables, figure links, included documents: not prose.
    fn raw(&mut self, text: &str) {
        self.md.push_str(text);
        self.md.push_str("\n\n");
    }

    /// A Markdown table under its caption (`Table: …`, numbered when the report is
    /// rendered; a trailing `{#tab:name}` lets the prose cite it as `@tab:name`).
    fn table(&mut self, caption: &str, table: &str) {
        self.raw(&format!("Table: {caption}"));
        self.raw(table);
    }

    fn figure(&mut self, name: &str, alt: &str) {
        self.raw(&format!("![{alt}](figures/{name}.svg)"));
    }

    /// The Markdown with quote marks removed, the quotes, and the marked prose paragraphs.
    pub fn finish(self) -> (String, Vec<Quote>, Vec<String>) {
        let md = self.md.replace([OPEN, CLOSE], "");
        (md, self.quotes, self.prose)
    }
}

/// Removes quoted numbers from a marked prose paragraph: what remains must hold no digit.
pub fn unquoted(paragraph: &str) -> String {
    let mut out = String::new();
    let mut inside = false;
    for ch in paragraph.chars() {
        match ch {
            OPEN => inside = true,
            CLOSE => inside = false,
            c if !inside => out.push(c),
            _ => {}
        }
    }
    out
}

/// Checks a rendered report against the records it quotes (`files`: file name → its JSON):
/// every quote's value equals the number at its JSON pointer and its text is in the
/// Markdown, and no prose paragraph holds a digit outside a quote. Returns every problem
/// found, one line each (empty: the report says what the results hold).
pub fn verify(
    quotes: &[Quote],
    prose: &[String],
    markdown: &str,
    files: &std::collections::BTreeMap<String, serde_json::Value>,
) -> Vec<String> {
    let mut problems = Vec::new();
    for q in quotes {
        let at = files.get(&q.file).and_then(|json| json.pointer(&q.pointer));
        match at.map(|v| v.as_f64()) {
            None => problems.push(format!("{}#{} does not exist", q.file, q.pointer)),
            Some(None) => problems.push(format!("{}#{} is not a number", q.file, q.pointer)),
            Some(Some(saved)) if saved != q.value => problems.push(format!(
                "{}#{} holds {saved}, the text says {}",
                q.file, q.pointer, q.text
            )),
            Some(Some(_)) => {}
        }
        if !markdown.contains(&q.text) {
            problems.push(format!("{:?} is not in the report", q.text));
        }
    }
    for paragraph in prose {
        // Figure and table numbers come from the numbering, not from the results.
        let (rest, _) = crate::numbering::without_citations(&unquoted(paragraph));
        if rest.chars().any(|c| c.is_ascii_digit()) {
            problems.push(format!("a number in the prose is not quoted: {rest}"));
        }
    }
    problems
}

/// Escapes a string from the data for Markdown and the HTML made from it: every ASCII
/// punctuation character gets a backslash (CommonMark reads `\\<` as a literal `<`, `\\|`
/// as a literal `|` even in a table cell), and line breaks and other control characters
/// become spaces, so a level cannot open a tag, end a table cell, start a list or a
/// heading, or emphasise the text around it.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        if ch.is_control() {
            out.push(' ');
        } else {
            if ch.is_ascii_punctuation() {
                out.push('\\');
            }
            out.push(ch);
        }
    }
    out
}

/// A name from the data as inline code when it is safe there (no backtick, pipe, angle
/// bracket, ampersand, backslash or control character: a code span shows every character
/// literally, so none of these could be escaped inside one), else as escaped text.
pub fn code(text: &str) -> String {
    let unsafe_in_code =
        |c: char| matches!(c, '`' | '|' | '<' | '>' | '&' | '\\') || c.is_control();
    if text.is_empty() || text.chars().any(unsafe_in_code) {
        escape(text)
    } else {
        format!("`{text}`")
    }
}

/// `41348` as `41,348`.
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

fn fmt(value: f64, decimals: usize) -> String {
    if value.is_finite() {
        format!("{value:.decimals$}")
    } else {
        "—".to_string()
    }
}

fn pct_cell(value: f64) -> String {
    if value.is_finite() {
        format!("{:.1}%", 100.0 * value)
    } else {
        "—".to_string()
    }
}

/// A difference of accuracies over seeds (the interval at `pointer` in `file`) in points,
/// with what its 95 % interval says: higher, lower, or no difference detected.
fn difference(
    w: &mut Writer,
    d: &experiments::interval::Interval,
    file: &str,
    pointer: &str,
) -> String {
    use experiments::interval::Direction;
    let mean = w.points(d.mean, file, format!("{pointer}/mean"));
    let low = w.points(d.low, file, format!("{pointer}/low"));
    let high = w.points(d.high, file, format!("{pointer}/high"));
    let direction = match d.direction() {
        Direction::Higher => "higher",
        Direction::Lower => "lower",
        Direction::NotDetected => "no difference detected",
    };
    format!("{mean} ({direction}; confidence interval {low} to {high})")
}

/// A ratio in words a student reads at a glance, to stand before a possessive: "about half
/// of" (0.55), "about a ninth of" (0.115), "about as much as" (0.9), "about twice" (2.1).
/// Wording only: the ratio and its interval are quoted beside it.
fn proportion(ratio: f64) -> &'static str {
    const PARTS: [&str; 19] = [
        "about half of",
        "about a third of",
        "about a quarter of",
        "about a fifth of",
        "about a sixth of",
        "about a seventh of",
        "about an eighth of",
        "about a ninth of",
        "about a tenth of",
        "about an eleventh of",
        "about a twelfth of",
        "about a thirteenth of",
        "about a fourteenth of",
        "about a fifteenth of",
        "about a sixteenth of",
        "about a seventeenth of",
        "about an eighteenth of",
        "about a nineteenth of",
        "about a twentieth of",
    ];
    const TIMES: [&str; 9] = [
        "about twice",
        "about three times",
        "about four times",
        "about five times",
        "about six times",
        "about seven times",
        "about eight times",
        "about nine times",
        "about ten times",
    ];
    if !(ratio.is_finite() && ratio > 0.0) {
        return "not comparable with";
    }
    if ratio < 1.0 {
        match (1.0 / ratio).round() as usize {
            0 | 1 => "about as much as",
            n => PARTS
                .get(n - 2)
                .copied()
                .unwrap_or("less than a twentieth of"),
        }
    } else {
        match ratio.round() as usize {
            0 | 1 => "about as much as",
            n => TIMES.get(n - 2).copied().unwrap_or("more than ten times"),
        }
    }
}

/// A difference of accuracies over seeds, quoted from `{pointer}/mean`, `/low` and `/high`:
/// `4.8 points (4.4 to 5.3)`.
fn points_interval(
    w: &mut Writer,
    i: &experiments::interval::Interval,
    file: &str,
    pointer: &str,
) -> String {
    let mean = w.points(i.mean, file, format!("{pointer}/mean"));
    let low = w.bare_points(i.low, file, format!("{pointer}/low"));
    let high = w.bare_points(i.high, file, format!("{pointer}/high"));
    format!("{mean} ({low} to {high})")
}

/// JSON-pointer escaping of one key.
fn key(k: &str) -> String {
    k.replace('~', "~0").replace('/', "~1")
}

/// The data set's name for the title: the schema's, or a neutral one.
fn title_name(schema: &data::Schema) -> &str {
    schema
        .names
        .title
        .as_deref()
        .unwrap_or("A classification table")
}

/// The report's title: the data set's name with the study's subtitle.
pub fn title(schema: &data::Schema) -> String {
    format!("{}: a verified study", title_name(schema))
}

/// Writes the whole report: the findings first, then the assignment's parts in order, then
/// the appendix (the derivations in full, with the tests that check them, and the tables
/// the text does not need).
pub fn write(r: &Results, derivations: &str) -> Writer {
    let mut w = Writer::default();
    w.raw(&format!(
        "# {}: a verified study",
        escape(title_name(&r.part_a.schema))
    ));
    if r.summary.data.source == experiments::Source::Synthetic {
        w.raw(
            "**These results were computed on SYNTHETIC data** (no data files were given); run \
             `cargo xtask all --data DIR` for the real files.",
        );
    }
    findings::write(&mut w, r);
    w.raw(crate::page::CONTENTS_MARKER);
    w.raw(
        "Every number here is read from the results files beside this report; `cargo xtask report` redraws it \
         from them. Intervals are ninety-five per cent intervals over seeds unless a table says otherwise.",
    );
    part_a::write(&mut w, r);
    part_b::write(&mut w, r);
    part_c::write_input_gradient(&mut w);
    part_c::write(&mut w, r);
    part_d::write(&mut w, r);
    q2::write(&mut w, r);
    appendix(&mut w, r, derivations);
    w
}

/// The heading that ends the main text: everything before it is what a reader needs, and
/// what its word count measures.
pub const APPENDIX: &str = "## Appendix A: derivations {.unnumbered}";

/// The appendix: the derivations document in full (its headings one level down, under
/// the appendix's own), then the tables the main text cites but does not need.
fn appendix(w: &mut Writer, r: &Results, derivations: &str) {
    w.raw(APPENDIX);
    let body: Vec<String> = derivations
        .lines()
        .skip_while(|l| !l.starts_with("## "))
        .map(|l| {
            if l.starts_with('#') {
                format!("#{l}")
            } else {
                l.to_string()
            }
        })
        .collect();
    w.raw(&body.join("\n"));
    w.raw("## Appendix B: further tables {.unnumbered}");
    part_a::appendix(w, r);
    part_b::appendix(w, r);
    part_c::appendix(w, r);
    part_d::appendix(w, r);
    q2::appendix(w, r);
}

/// The words of the report's main text (before the appendix), as `wc -w` counts them:
/// tables and captions included.
pub fn main_text_words(markdown: &str) -> usize {
    let main = markdown.split(APPENDIX).next().unwrap_or(markdown);
    main.split_whitespace().count()
}

#[cfg(test)]
mod tests {
    use super::fixed;

    #[test]
    fn a_value_that_rounds_to_zero_has_no_minus_sign() {
        assert_eq!(fixed(-0.0004, 1), "0.0");
        assert_eq!(fixed(-0.0, 2), "0.00");
        assert_eq!(fixed(-0.06, 1), "-0.1");
        assert_eq!(fixed(-10.0, 0), "-10");
        assert_eq!(fixed(0.25, 1), "0.2");
    }
}
