//! Section, figure and table numbers, and the cross-references that cite them.
//!
//! Numbers are assigned in the Markdown itself, so `report.md` and `report.html` carry the
//! same ones. [`number`] walks the Markdown in reading order:
//!
//! - every level-2 heading is a section, numbered `N. ` and given the anchor `section-N`,
//!   unless it carries the class `unnumbered` (`## Findings {.unnumbered}`); its label is
//!   `sec:` and the slug of its text before the first colon (`## Part D: the held-out
//!   test` is `sec:part-d`), and a citation of it reads `§N`, which a printed page shows
//!   as well as a screen;
//! - an image alone in its paragraph (`![alt](figures/loss.svg)`) is a figure: its alt text
//!   becomes `Figure N. alt` and its label is `fig:` and the file stem (`fig:loss`);
//! - every table is numbered: a paragraph `Table: caption` right before it becomes
//!   `**Table N.** caption` (a trailing `{#tab:name}` gives it a label), and a table without
//!   one gets a bare `**Table N.**` line.
//!
//! The prose cites them as `@fig:loss` or `@tab:name`; [`Numbers::resolve`] turns each
//! citation into a link `[Figure N](#figure-N)`, and [`crate::page`] gives the figure or the
//! caption that anchor. A citation of an unknown label is an error, not a silent gap.

use std::collections::BTreeMap;
use std::ops::Range;

use pulldown_cmark::{Event, HeadingLevel, Parser, Tag, TagEnd};

/// What a label names: a section, a figure or a table, and its number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// `§N`.
    Section(usize),
    /// `Figure N`.
    Figure(usize),
    /// `Table N`.
    Table(usize),
}

impl Target {
    /// The text and anchor of a citation: `[Figure 3](#figure-3)`, `[§2](#section-2)`.
    pub fn link(self) -> String {
        match self {
            Target::Section(n) => format!("[§{n}](#section-{n})"),
            Target::Figure(n) => format!("[Figure {n}](#figure-{n})"),
            Target::Table(n) => format!("[Table {n}](#table-{n})"),
        }
    }
}

/// The numbered Markdown and the labels it defines.
#[derive(Debug, Clone, Default)]
pub struct Numbers {
    /// The Markdown with figure alt texts and table captions numbered (citations not yet
    /// resolved; see [`Numbers::resolve`]).
    pub markdown: String,
    /// Label (`fig:loss`, `tab:shapes`) → what it names.
    pub labels: BTreeMap<String, Target>,
    /// How many sections, figures and tables were numbered.
    pub sections: usize,
    /// See `sections`.
    pub figures: usize,
    /// See `figures`.
    pub tables: usize,
}

/// A citation whose label no figure or table defines.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the report cites @{0}, which no figure or table defines")]
pub struct UnknownLabel(pub String);

/// The prefix that marks a table caption paragraph.
const CAPTION: &str = "Table:";

/// Numbers every figure and table of `markdown` (see the module documentation).
pub fn number(markdown: &str) -> Numbers {
    let mut edits: Vec<(Range<usize>, String)> = Vec::new();
    let mut labels = BTreeMap::new();
    let (mut sections, mut figures, mut tables) = (0, 0, 0);
    let events: Vec<(Event<'_>, Range<usize>)> = Parser::new_ext(markdown, crate::page::options())
        .into_offset_iter()
        .collect();
    // The last top-level paragraph, if nothing but blank lines followed it.
    let mut last_paragraph: Option<Range<usize>> = None;
    let mut depth = 0usize;
    let mut i = 0;
    while i < events.len() {
        let (event, range) = &events[i];
        match event {
            Event::Start(Tag::Heading {
                level: HeadingLevel::H2,
                id,
                classes,
                ..
            }) if depth == 0 => {
                let end = events[i..]
                    .iter()
                    .position(|(e, _)| matches!(e, Event::End(TagEnd::Heading(_))))
                    .map_or(events.len(), |k| i + k);
                if !classes.iter().any(|c| c.as_ref() == "unnumbered") {
                    sections += 1;
                    let text = heading_text(events[i + 1..end].iter().map(|(e, _)| e));
                    let name = text.split(':').next().unwrap_or_default();
                    let source = &markdown[range.clone()];
                    let hashes = source.len() - source.trim_start_matches(['#', ' ']).len();
                    edits.push((
                        range.start + hashes..range.start + hashes,
                        format!("{sections}. "),
                    ));
                    if id.is_none() {
                        let line = range.start + source.trim_end().len();
                        edits.push((line..line, format!(" {{#section-{sections}}}")));
                        labels.insert(
                            format!("sec:{}", crate::page::slug(name)),
                            Target::Section(sections),
                        );
                    }
                }
                last_paragraph = None;
                i = end + 1;
                continue;
            }
            Event::Start(Tag::Paragraph) if depth == 0 => {
                if let Some((Event::Start(Tag::Image { dest_url, .. }), image)) = events.get(i + 1)
                    && let Some(end) = crate::page::image_end(events.iter().map(|(e, _)| e), i + 1)
                    && matches!(
                        events.get(end + 1),
                        Some((Event::End(TagEnd::Paragraph), _))
                    )
                    && markdown[image.clone()].starts_with("![")
                {
                    figures += 1;
                    edits.push((
                        image.start + 2..image.start + 2,
                        format!("Figure {figures}. "),
                    ));
                    labels.insert(format!("fig:{}", stem(dest_url)), Target::Figure(figures));
                    last_paragraph = None;
                    i = end + 2;
                    continue;
                }
                last_paragraph = Some(range.clone());
                depth += 1;
            }
            Event::Start(Tag::Table(_)) if depth == 0 => {
                tables += 1;
                let caption = last_paragraph
                    .take()
                    .filter(|p| markdown[p.clone()].starts_with(CAPTION));
                match caption {
                    Some(p) => {
                        // The paragraph's range may include its line ending: keep it.
                        let p = p.start..p.start + markdown[p.clone()].trim_end().len();
                        let text = markdown[p.start + CAPTION.len()..p.end].trim();
                        let (text, label) = split_label(text);
                        if let Some(label) = label {
                            labels.insert(label.to_owned(), Target::Table(tables));
                        }
                        edits.push((p, format!("**Table {tables}.** {text}")));
                    }
                    None => {
                        edits.push((range.start..range.start, format!("**Table {tables}.**\n\n")))
                    }
                }
                depth += 1;
            }
            Event::Start(_) => {
                if depth == 0 {
                    last_paragraph = None;
                }
                depth += 1;
            }
            Event::End(_) => depth = depth.saturating_sub(1),
            _ if depth == 0 => last_paragraph = None,
            _ => {}
        }
        i += 1;
    }
    let mut out = markdown.to_owned();
    for (range, text) in edits.into_iter().rev() {
        out.replace_range(range, &text);
    }
    Numbers {
        markdown: out,
        labels,
        sections,
        figures,
        tables,
    }
}

impl Numbers {
    /// Replaces every `@sec:name`, `@fig:name` and `@tab:name` in `text` by its link (see
    /// [`Target::link`]).
    pub fn resolve(&self, text: &str) -> Result<String, UnknownLabel> {
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(at) = rest.find('@') {
            out.push_str(&rest[..at]);
            let after = &rest[at + 1..];
            let is_citation = ["sec:", "fig:", "tab:"]
                .iter()
                .any(|p| after.starts_with(p));
            if !is_citation {
                out.push('@');
                rest = after;
                continue;
            }
            let len = after[4..]
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
                .map_or(after.len(), |k| k + 4);
            let label = &after[..len];
            let target = self
                .labels
                .get(label)
                .ok_or_else(|| UnknownLabel(label.to_owned()))?;
            out.push_str(&target.link());
            rest = &after[len..];
        }
        out.push_str(rest);
        Ok(out)
    }
}

/// Takes the citation links ([`Target::link`]) out of resolved text: the text without them
/// and what they cite. The prose check uses it, since a figure number is a digit that
/// comes from the numbering, not from the results.
pub fn without_citations(text: &str) -> (String, Vec<Target>) {
    let mut out = String::with_capacity(text.len());
    let mut cited = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('[') {
        out.push_str(&rest[..open]);
        let after = &rest[open..];
        let parsed = [
            ("§", "section", Target::Section as fn(usize) -> Target),
            ("Figure ", "figure", Target::Figure),
            ("Table ", "table", Target::Table),
        ]
        .into_iter()
        .find_map(|(word, anchor, make)| {
            let body = after.strip_prefix('[')?.strip_prefix(word)?;
            let digits = body.find(|c: char| !c.is_ascii_digit())?;
            let n: usize = body[..digits].parse().ok()?;
            let link = format!("]({anchor}-{n})").replacen('(', "(#", 1);
            let tail = body[digits..].strip_prefix(&link)?;
            Some((make(n), after.len() - tail.len()))
        });
        match parsed {
            Some((target, len)) => {
                cited.push(target);
                rest = &after[len..];
            }
            None => {
                out.push('[');
                rest = &after[1..];
            }
        }
    }
    out.push_str(rest);
    (out, cited)
}

/// The plain text of a heading's inner events (math and attributes left out).
fn heading_text<'a, 'e: 'a>(events: impl IntoIterator<Item = &'a Event<'e>>) -> String {
    let mut s = String::new();
    for e in events {
        if let Event::Text(t) | Event::Code(t) = e {
            s.push_str(t);
        }
    }
    s
}

/// `figures/loss.svg` → `loss`.
fn stem(dest: &str) -> &str {
    let file = dest.rsplit('/').next().unwrap_or(dest);
    file.strip_suffix(".svg").unwrap_or(file)
}

/// `caption {#tab:name}` → (`caption`, `Some("tab:name")`).
fn split_label(text: &str) -> (&str, Option<&str>) {
    if let Some(open) = text.rfind("{#")
        && text.ends_with('}')
    {
        let label = &text[open + 2..text.len() - 1];
        return (text[..open].trim_end(), Some(label));
    }
    (text, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MD: &str = "# T\n\n## Findings {.unnumbered}\n\n## Part A: data\n\n\
                      See @fig:loss and @tab:classes.\n\n![Loss](figures/loss.svg)\n\n\
                      Table: Classes {#tab:classes}\n\n| a | b |\n| --- | --- |\n| 1 | 2 |\n\n\
                      Text.\n\n## Part B(a): more\n\n| c |\n| --- |\n| 3 |\n\n![Second](figures/two.svg)\n";

    #[test]
    fn figures_and_tables_are_numbered_in_reading_order() {
        let n = number(MD);
        assert_eq!((n.sections, n.figures, n.tables), (2, 2, 2));
        assert!(n.markdown.contains("## Findings {.unnumbered}\n"));
        assert!(n.markdown.contains("## 1. Part A: data {#section-1}\n"));
        assert!(n.markdown.contains("## 2. Part B(a): more {#section-2}\n"));
        assert_eq!(n.labels["sec:part-ba"], Target::Section(2));
        assert_eq!(n.resolve("(@sec:part-a)").unwrap(), "([§1](#section-1))");
        assert!(n.markdown.contains("![Figure 1. Loss](figures/loss.svg)"));
        assert!(n.markdown.contains("![Figure 2. Second](figures/two.svg)"));
        assert!(n.markdown.contains("**Table 1.** Classes\n\n| a | b |"));
        assert!(
            n.markdown
                .contains("more {#section-2}\n\n**Table 2.**\n\n| c |")
        );
        assert_eq!(n.labels["fig:two"], Target::Figure(2));
        assert_eq!(n.labels["tab:classes"], Target::Table(1));
        assert_eq!(
            n.resolve("See @fig:loss and @tab:classes. Mail a@b.")
                .unwrap(),
            "See [Figure 1](#figure-1) and [Table 1](#table-1). Mail a@b."
        );
    }

    #[test]
    fn citations_are_taken_out_for_the_prose_check() {
        let (rest, cited) = without_citations(
            "as [Figure 12](#figure-12) and [Table 3](#table-3) show (see [§4](#section-4)); [x](y) [Figure 2](#figure-9)",
        );
        assert_eq!(rest, "as  and  show (see ); [x](y) [Figure 2](#figure-9)");
        assert_eq!(
            cited,
            vec![Target::Figure(12), Target::Table(3), Target::Section(4)]
        );
    }

    #[test]
    fn an_unknown_citation_is_an_error() {
        let n = number(MD);
        assert_eq!(
            n.resolve("as @fig:nowhere shows"),
            Err(UnknownLabel("fig:nowhere".into()))
        );
    }
}
