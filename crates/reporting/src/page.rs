//! Markdown → one self-contained HTML page.
//!
//! The report is written in Markdown with figure references such as
//! `![Loss curves](figures/loss.svg)`. [`markdown_to_html`] renders it with pulldown-cmark
//! (tables, footnotes, strikethrough, heading ids, math) and replaces every image
//! reference by the inline SVG text, so the result is a single file that opens offline:
//! no JavaScript, no network request, no external stylesheet. Math (`$…$`, `$$…$$`)
//! becomes MathML through pulldown-latex, which browsers typeset natively. Headings get
//! stable ids and a contents list; numbered figures and table captions (see
//! [`crate::numbering`]) get anchors; a print stylesheet lays the page out on A4.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use pulldown_cmark::{CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd, html};
use pulldown_latex::config::DisplayMode;
use pulldown_latex::{RenderConfig, Storage, push_mathml};

/// Embedded stylesheet: a readable ~900 px column, styled tables, figures scaled to the
/// column width; the MathML rules are those of pulldown-latex's `styles.css` (MIT) that
/// its matrices and alignments need, without its web fonts; for print, A4 pages on which no
/// figure, table, equation or caption is split from what it belongs to, tables shrink to the
/// page width, and links read as what they name (section links are written `§N`, so a
/// printed page shows where they lead).
const STYLE: &str = r#"
:root { color-scheme: light; }
body { max-width: 900px; margin: 2rem auto; padding: 0 1rem; font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; line-height: 1.55; color: #1a1a1a; background: #fff; }
h1, h2, h3, h4 { line-height: 1.25; margin-top: 1.8em; }
h1 { font-size: 1.9rem; border-bottom: 2px solid #ddd; padding-bottom: .3em; }
h2 { font-size: 1.45rem; border-bottom: 1px solid #e5e5e5; padding-bottom: .2em; }
nav.contents { background: #f7f8fa; border: 1px solid #e3e6ea; border-radius: 4px; padding: .6em 1.2em; margin: 1.5em 0; font-size: .95rem; }
nav.contents .contents-title { font-size: 1.1rem; border: none; margin: .3em 0; }
nav.contents ul { margin: .2em 0; padding-left: 1.2em; list-style: none; }
nav.contents a { text-decoration: none; }
table { border-collapse: collapse; margin: .4em 0 1em; font-size: .92rem; display: block; overflow-x: auto; }
th, td { border: 1px solid #ccc; padding: .35em .7em; text-align: left; vertical-align: top; }
th { background: #f0f3f6; }
tbody tr:nth-child(even) { background: #fafafa; }
td[style*="right"], th[style*="right"] { font-variant-numeric: tabular-nums; }
.table-caption { font-size: .92rem; color: #444; margin: 1.2em 0 .2em; }
code { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: .9em; background: #f3f3f3; padding: .1em .3em; border-radius: 3px; }
pre { background: #f6f8fa; padding: .8em 1em; overflow-x: auto; border-radius: 4px; }
pre code { background: none; padding: 0; }
math { font-family: "Latin Modern Math", "STIX Two Math", "Cambria Math", math; font-size: 1.05em; }
math[display="block"] { margin: .8em 0; padding: .5em 1em; overflow-x: auto; background: #faf9f5; border-radius: 4px; }
mtd { padding-left: 0; padding-right: 0; }
mtable { border-spacing: 0; border-collapse: collapse; }
mtable.menv-arraylike > mtr > mtd { padding-left: .4em; padding-right: .4em; }
mtable.menv-matrix > mtr > mtd:first-child { padding-left: 0; }
mtable.menv-matrix > mtr > mtd:last-child { padding-right: 0; }
mtable.menv-alignlike > mtr > mtd:nth-child(odd), mtd.cell-right { text-align: right; text-align: -webkit-right; }
mtable.menv-alignlike > mtr > mtd:nth-child(even), mtd.cell-left { text-align: left; }
mtable.menv-align > mtr > mtd:nth-child(2n + 3) { padding-left: 1em; }
mtable.menv-cases > mtr > mtd:first-child { padding-right: 1em; }
mo.small { font-size: 70%; }
.math-error { color: #b00; }
figure { margin: 1.5em 0; text-align: center; }
figure svg, .inline-figure svg { width: 100%; max-width: 100%; height: auto; }
figcaption { font-size: .92rem; color: #444; margin-top: .4em; }
.missing-figure { display: inline-block; border: 1px dashed #b00; color: #b00; padding: .5em 1em; }
blockquote { border-left: 4px solid #ddd; margin-left: 0; padding-left: 1em; color: #444; }
.footnote-definition { font-size: .9rem; }
.footnote-definition p { display: inline; }
@page { size: A4; margin: 16mm 14mm; }
@media print {
  body { max-width: none; margin: 0; padding: 0; font-size: 10pt; line-height: 1.4; }
  h1, h2, h3, h4, .table-caption { break-after: avoid; page-break-after: avoid; }
  figure, table, math[display="block"], pre, blockquote, tr, li { break-inside: avoid; page-break-inside: avoid; }
  figure svg { max-height: 125mm; }
  table { display: table; width: 100%; table-layout: auto; font-size: 7.5pt; overflow: visible; }
  thead { display: table-header-group; }
  th, td { padding: .2em .35em; overflow-wrap: break-word; }
  code { font-size: .85em; overflow-wrap: anywhere; }
  math[display="block"] { overflow: visible; background: none; }
  nav.contents { break-after: page; background: none; }
  a { color: inherit; text-decoration: none; }
}
"#;

/// Escapes text for HTML element content and attribute values.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Parser options used for the report (shared with [`crate::numbering`]).
pub(crate) fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_HEADING_ATTRIBUTES
        | Options::ENABLE_MATH
}

/// Finds the SVG for an image destination: by the full path (`figures/loss.svg`), by the
/// file name (`loss.svg`) or by the stem (`loss`), in that order.
fn lookup<'a>(dest: &str, svgs: &'a BTreeMap<String, String>) -> Option<&'a String> {
    let file = dest.rsplit('/').next().unwrap_or(dest);
    let stem = file.strip_suffix(".svg").unwrap_or(file);
    svgs.get(dest)
        .or_else(|| svgs.get(file))
        .or_else(|| svgs.get(stem))
}

/// Image destinations in `markdown` that have no SVG in `svgs` (and would therefore be
/// shown as placeholders): lets the caller fail loudly before writing the page.
pub fn missing_figures(markdown: &str, svgs: &BTreeMap<String, String>) -> Vec<String> {
    Parser::new_ext(markdown, options())
        .filter_map(|e| match e {
            Event::Start(Tag::Image { dest_url, .. }) if lookup(&dest_url, svgs).is_none() => {
                Some(dest_url.to_string())
            }
            _ => None,
        })
        .collect()
}

/// Prepares an SVG document for inlining: drops an XML prolog or doctype and labels the
/// root element for screen readers.
fn inline_svg(svg: &str, alt: &str) -> String {
    let mut body = svg.trim();
    while body.starts_with("<?") || body.starts_with("<!") {
        match body.find('>') {
            Some(end) => body = body[end + 1..].trim_start(),
            None => break,
        }
    }
    match body.strip_prefix("<svg") {
        Some(rest) => format!("<svg role=\"img\" aria-label=\"{}\"{rest}", escape(alt)),
        None => body.to_owned(),
    }
}

/// HTML for one image reference: the inline SVG, or a visible placeholder when the SVG
/// is unknown (never an `<img>` pointing outside the file). A block figure whose alt text
/// starts `Figure N.` gets the anchor `figure-N` and the number in bold.
fn figure_html(dest: &str, alt: &str, svgs: &BTreeMap<String, String>, block: bool) -> String {
    let inner = match lookup(dest, svgs) {
        Some(svg) => inline_svg(svg, alt),
        None => format!(
            "<span class=\"missing-figure\">missing figure: {}</span>",
            escape(dest)
        ),
    };
    if !block {
        return format!("<span class=\"inline-figure\">{inner}</span>");
    }
    let numbered = alt.strip_prefix("Figure ").and_then(|rest| {
        let (n, caption) = rest.split_once(". ")?;
        Some((n.parse::<usize>().ok()?, caption))
    });
    let (id, caption) = match numbered {
        Some((n, caption)) => (
            format!(" id=\"figure-{n}\""),
            format!(
                "<figcaption><strong>Figure {n}.</strong> {}</figcaption>",
                escape(caption)
            ),
        ),
        None if alt.is_empty() => (String::new(), String::new()),
        None => (
            String::new(),
            format!("<figcaption>{}</figcaption>", escape(alt)),
        ),
    };
    format!("<figure{id}>\n{inner}\n{caption}</figure>\n")
}

/// Renders `markdown` as a complete HTML document titled `title`, inlining the SVG for
/// every image reference.
///
/// `svgs` maps a figure's path as written in the Markdown (`figures/loss.svg`), its file
/// name (`loss.svg`) or its stem (`loss`) to the SVG text. An image alone in its paragraph
/// becomes a `<figure>` whose caption is the alt text; an unknown image becomes a visible
/// "missing figure" note (see [`missing_figures`] to check beforehand). An alt text
/// `Figure N. …` and a caption paragraph `**Table N.** …` before a table (see
/// [`crate::numbering`]) get the anchors `figure-N` and `table-N`. Every heading gets a
/// stable id (its text as a slug) and a contents list after the title links to each one.
/// Math becomes MathML (see [`tex_to_mathml`]); TeX that does not parse is shown as code
/// (see [`math_errors`] to check beforehand).
pub fn markdown_to_html(title: &str, markdown: &str, svgs: &BTreeMap<String, String>) -> String {
    let events: Vec<Event<'_>> = Parser::new_ext(markdown, options()).collect();
    let mut out_events: Vec<Event<'_>> = Vec::with_capacity(events.len());
    let mut slugs = Slugs::default();
    let mut i = 0;
    while i < events.len() {
        // A paragraph holding exactly one image becomes a figure block.
        if let (Event::Start(Tag::Paragraph), Some(Event::Start(Tag::Image { dest_url, .. }))) =
            (&events[i], events.get(i + 1))
            && let Some(end) = image_end(&events, i + 1)
            && matches!(events.get(end + 1), Some(Event::End(TagEnd::Paragraph)))
        {
            let alt = alt_text(&events[i + 2..end]);
            out_events.push(Event::Html(CowStr::from(figure_html(
                dest_url, &alt, svgs, true,
            ))));
            i = end + 2;
            continue;
        }
        if let Event::Start(Tag::Image { dest_url, .. }) = &events[i]
            && let Some(end) = image_end(&events, i)
        {
            let alt = alt_text(&events[i + 1..end]);
            out_events.push(Event::InlineHtml(CowStr::from(figure_html(
                dest_url, &alt, svgs, false,
            ))));
            i = end + 1;
            continue;
        }
        // A `**Table N.** …` paragraph right before a table is its caption and anchor.
        if let Some((n, end)) = table_caption(&events, i) {
            out_events.push(Event::Html(CowStr::from(format!(
                "<p class=\"table-caption\" id=\"table-{n}\">"
            ))));
            out_events.extend(events[i + 1..end].iter().map(|e| math_event(e.clone())));
            out_events.push(Event::Html(CowStr::from("</p>\n")));
            i = end + 1;
            continue;
        }
        match &events[i] {
            Event::Start(Tag::Heading {
                level,
                id,
                classes,
                attrs,
            }) => {
                let id = match id {
                    Some(id) => slugs.claim(id),
                    None => slugs.claim(&slug(&heading_text(&events[i + 1..]))),
                };
                out_events.push(Event::Start(Tag::Heading {
                    level: *level,
                    id: Some(CowStr::from(id)),
                    classes: classes.clone(),
                    attrs: attrs.clone(),
                }));
            }
            e => out_events.push(math_event(e.clone())),
        }
        i += 1;
    }
    insert_contents(&mut out_events);
    let mut body = String::with_capacity(markdown.len() * 2);
    html::push_html(&mut body, out_events.into_iter());
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n{body}</body>\n</html>\n",
        escape(title)
    )
}

/// An inline or display math event as MathML; any other event unchanged.
fn math_event(event: Event<'_>) -> Event<'_> {
    match event {
        Event::InlineMath(tex) => Event::InlineHtml(CowStr::from(math_html(&tex, false))),
        Event::DisplayMath(tex) => Event::InlineHtml(CowStr::from(math_html(&tex, true))),
        e => e,
    }
}

/// If the paragraph starting at `start` begins with a bold `Table N.` and a table follows
/// it, the number and the index of the paragraph's end.
fn table_caption(events: &[Event<'_>], start: usize) -> Option<(usize, usize)> {
    let (Event::Start(Tag::Paragraph), Some(Event::Start(Tag::Strong)), Some(Event::Text(t))) =
        (&events[start], events.get(start + 1), events.get(start + 2))
    else {
        return None;
    };
    let n: usize = t.strip_prefix("Table ")?.strip_suffix('.')?.parse().ok()?;
    let end = start
        + events[start..]
            .iter()
            .position(|e| matches!(e, Event::End(TagEnd::Paragraph)))?;
    matches!(events.get(end + 1), Some(Event::Start(Tag::Table(_)))).then_some((n, end))
}

/// The plain text of a heading (math left out), from its first inner event.
fn heading_text(events: &[Event<'_>]) -> String {
    let mut s = String::new();
    for e in events {
        match e {
            Event::End(TagEnd::Heading(_)) => break,
            Event::Text(t) | Event::Code(t) => s.push_str(t),
            _ => {}
        }
    }
    s
}

/// `1.1 Softmax with cross-entropy:` → `11-softmax-with-cross-entropy`: lower-case letters
/// and digits, words joined by single hyphens.
pub(crate) fn slug(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            out.push(c);
        } else if (c.is_whitespace() || c == '-') && !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    let out = out.trim_end_matches('-').to_owned();
    if out.is_empty() {
        "section".to_owned()
    } else {
        out
    }
}

/// Heading ids handed out so far, so that a repeated heading gets `-2`, `-3`, ….
#[derive(Debug, Default)]
struct Slugs(BTreeMap<String, usize>);

impl Slugs {
    fn claim(&mut self, base: &str) -> String {
        let seen = self.0.entry(base.to_owned()).or_insert(0);
        *seen += 1;
        if *seen == 1 {
            base.to_owned()
        } else {
            format!("{base}-{seen}")
        }
    }
}

/// Inserts a nested contents list linking every section and subsection (levels 2 and 3;
/// deeper headings would make it longer than the page it guides): in place of the
/// [`CONTENTS_MARKER`] when the Markdown holds one, else right after the first level-1
/// heading (or at the top when there is none).
fn insert_contents(events: &mut Vec<Event<'_>>) {
    let mut entries: Vec<(usize, String, String)> = Vec::new();
    let mut k = 0;
    while k < events.len() {
        if let Event::Start(Tag::Heading { level, id, .. }) = &events[k]
            && matches!(level, HeadingLevel::H2 | HeadingLevel::H3)
        {
            let end = k + events[k..]
                .iter()
                .position(|e| matches!(e, Event::End(TagEnd::Heading(_))))
                .unwrap_or(events.len() - k);
            let mut inner = String::new();
            html::push_html(&mut inner, events[k + 1..end].iter().cloned());
            entries.push((
                *level as usize,
                id.as_deref().unwrap_or_default().to_owned(),
                inner,
            ));
            k = end;
        }
        k += 1;
    }
    if entries.is_empty() {
        return;
    }
    let top = entries.iter().map(|e| e.0).min().unwrap_or(2);
    let mut nav = String::from(
        "<nav class=\"contents\" aria-label=\"Contents\">\n<h2 class=\"contents-title\">Contents</h2>\n",
    );
    let mut depth = top - 1;
    for (level, id, inner) in &entries {
        let level = (*level).max(top);
        if level > depth {
            for _ in depth..level {
                nav.push_str("<ul>\n<li>");
            }
        } else {
            nav.push_str("</li>\n");
            for _ in level..depth {
                nav.push_str("</ul>\n</li>\n");
            }
            nav.push_str("<li>");
        }
        depth = level;
        let _ = write!(nav, "<a href=\"#{}\">{inner}</a>", escape(id));
    }
    for _ in top - 1..depth {
        nav.push_str("</li>\n</ul>\n");
    }
    nav.push_str("</nav>\n");
    let marker = events
        .iter()
        .position(|e| matches!(e, Event::Html(h) if h.trim() == CONTENTS_MARKER));
    if let Some(at) = marker {
        events[at] = Event::Html(CowStr::from(nav));
        return;
    }
    let at = events
        .iter()
        .position(|e| matches!(e, Event::End(TagEnd::Heading(HeadingLevel::H1))))
        .map_or(0, |p| p + 1);
    events.insert(at, Event::Html(CowStr::from(nav)));
}

/// Where the report wants its contents list (an HTML comment, so `report.md` shows
/// nothing there): after the findings, which must be the first thing a reader sees.
pub const CONTENTS_MARKER: &str = "<!-- contents -->";

/// Plain alt text of an image's inner events.
fn alt_text(events: &[Event<'_>]) -> String {
    let mut s = String::new();
    for e in events {
        match e {
            Event::Text(t) | Event::Code(t) | Event::InlineMath(t) => s.push_str(t),
            Event::SoftBreak | Event::HardBreak => s.push(' '),
            _ => {}
        }
    }
    s
}

/// TeX as MathML Core (`<math>…</math>`, `display="block"` when `display`), or the parser's
/// first error. pulldown-latex does the work; the browser typesets MathML natively, so
/// nothing is fetched and no script runs.
pub fn tex_to_mathml(tex: &str, display: bool) -> Result<String, String> {
    let storage = Storage::new();
    let events: Vec<_> = pulldown_latex::Parser::new(tex, &storage).collect();
    if let Some(Err(e)) = events.iter().find(|e| e.is_err()) {
        return Err(e.to_string());
    }
    let config = RenderConfig {
        display_mode: if display {
            DisplayMode::Block
        } else {
            DisplayMode::Inline
        },
        ..RenderConfig::default()
    };
    let mut out = String::new();
    push_mathml(&mut out, events.into_iter(), config).map_err(|e| e.to_string())?;
    Ok(out)
}

/// Every math span of `markdown` whose TeX does not parse, as `TeX: error`, so that the
/// caller can refuse to write a page with raw TeX in it.
pub fn math_errors(markdown: &str) -> Vec<String> {
    Parser::new_ext(markdown, options())
        .filter_map(|e| match e {
            Event::InlineMath(tex) => Some((tex, false)),
            Event::DisplayMath(tex) => Some((tex, true)),
            _ => None,
        })
        .filter_map(|(tex, display)| {
            tex_to_mathml(&tex, display)
                .err()
                .map(|e| format!("{}: {e}", tex.trim()))
        })
        .collect()
}

/// HTML for a math span: MathML, or the TeX as code when it does not parse.
fn math_html(tex: &str, display: bool) -> String {
    match tex_to_mathml(tex, display) {
        Ok(mathml) => mathml,
        Err(e) => format!(
            "<code class=\"math-error\" title=\"{}\">{}</code>",
            escape(&e),
            escape(tex)
        ),
    }
}

/// Index of the `End(Image)` matching the `Start(Image)` at `start` (the event at position
/// `start` of `events`); shared with the numbering, which walks events paired with their offsets.
pub(crate) fn image_end<'a, 'e: 'a>(
    events: impl IntoIterator<Item = &'a Event<'e>>,
    start: usize,
) -> Option<usize> {
    let mut depth = 0usize;
    for (k, e) in events.into_iter().enumerate().skip(start) {
        match e {
            Event::Start(Tag::Image { .. }) => depth += 1,
            Event::End(TagEnd::Image) => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return Some(k);
                }
            }
            _ => {}
        }
    }
    None
}
