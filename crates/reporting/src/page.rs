//! Markdown → one self-contained HTML page.
//!
//! The report is written in Markdown with figure references such as
//! `![Loss curves](figures/loss.svg)`. [`markdown_to_html`] renders it with pulldown-cmark
//! (tables, footnotes, strikethrough, heading ids, math) and replaces every image
//! reference by the inline SVG text, so the result is a single file that opens offline:
//! no JavaScript, no network request, no external stylesheet. Math (`$…$`, `$$…$$`) is
//! not typeset by a CDN script: a small converter writes it as text (Unicode symbols,
//! `<sub>`/`<sup>`, `a/b` fractions) and keeps the TeX source in the span's tooltip.

use std::collections::BTreeMap;

use pulldown_cmark::{CowStr, Event, Options, Parser, Tag, TagEnd, html};

/// Embedded stylesheet: a readable ~900 px column, styled tables, figures scaled to the
/// column width.
const STYLE: &str = r#"
:root { color-scheme: light; }
body { max-width: 900px; margin: 2rem auto; padding: 0 1rem; font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; line-height: 1.55; color: #1a1a1a; background: #fff; }
h1, h2, h3, h4 { line-height: 1.25; margin-top: 1.8em; }
h1 { font-size: 1.9rem; border-bottom: 2px solid #ddd; padding-bottom: .3em; }
h2 { font-size: 1.45rem; border-bottom: 1px solid #e5e5e5; padding-bottom: .2em; }
table { border-collapse: collapse; margin: 1em 0; font-size: .92rem; display: block; overflow-x: auto; }
th, td { border: 1px solid #ccc; padding: .35em .7em; text-align: left; vertical-align: top; }
th { background: #f0f3f6; }
tbody tr:nth-child(even) { background: #fafafa; }
td[style*="right"], th[style*="right"] { font-variant-numeric: tabular-nums; }
code { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: .9em; background: #f3f3f3; padding: .1em .3em; border-radius: 3px; }
pre { background: #f6f8fa; padding: .8em 1em; overflow-x: auto; border-radius: 4px; }
pre code { background: none; padding: 0; }
.math { font-family: "Cambria Math", "STIX Two Math", "Latin Modern Math", "DejaVu Serif", Georgia, serif; font-size: 1.02em; }
.math sub, .math sup { font-size: .72em; white-space: nowrap; }
.math-display { display: block; margin: .8em 0; padding: .5em 1em; overflow-x: auto; text-align: center; background: #faf9f5; border-radius: 4px; }
figure { margin: 1.5em 0; text-align: center; }
figure svg, .inline-figure svg { width: 100%; max-width: 100%; height: auto; }
figcaption { font-size: .92rem; color: #444; margin-top: .4em; }
.missing-figure { display: inline-block; border: 1px dashed #b00; color: #b00; padding: .5em 1em; }
blockquote { border-left: 4px solid #ddd; margin-left: 0; padding-left: 1em; color: #444; }
.footnote-definition { font-size: .9rem; }
.footnote-definition p { display: inline; }
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

/// Parser options used for the report.
fn options() -> Options {
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
/// is unknown (never an `<img>` pointing outside the file).
fn figure_html(dest: &str, alt: &str, svgs: &BTreeMap<String, String>, block: bool) -> String {
    let inner = match lookup(dest, svgs) {
        Some(svg) => inline_svg(svg, alt),
        None => format!(
            "<span class=\"missing-figure\">missing figure: {}</span>",
            escape(dest)
        ),
    };
    if block {
        let caption = if alt.is_empty() {
            String::new()
        } else {
            format!("<figcaption>{}</figcaption>", escape(alt))
        };
        format!("<figure>\n{inner}\n{caption}</figure>\n")
    } else {
        format!("<span class=\"inline-figure\">{inner}</span>")
    }
}

/// Renders `markdown` as a complete HTML document titled `title`, inlining the SVG for
/// every image reference.
///
/// `svgs` maps a figure's path as written in the Markdown (`figures/loss.svg`), its file
/// name (`loss.svg`) or its stem (`loss`) to the SVG text. An image alone in its paragraph
/// becomes a `<figure>` whose caption is the alt text; an unknown image becomes a visible
/// "missing figure" note (see [`missing_figures`] to check beforehand).
pub fn markdown_to_html(title: &str, markdown: &str, svgs: &BTreeMap<String, String>) -> String {
    let events: Vec<Event<'_>> = Parser::new_ext(markdown, options()).collect();
    let mut out_events: Vec<Event<'_>> = Vec::with_capacity(events.len());
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
        match &events[i] {
            Event::InlineMath(tex) => {
                out_events.push(Event::InlineHtml(CowStr::from(math_html(tex, false))));
            }
            Event::DisplayMath(tex) => {
                out_events.push(Event::InlineHtml(CowStr::from(math_html(tex, true))));
            }
            e => out_events.push(e.clone()),
        }
        i += 1;
    }
    let mut body = String::with_capacity(markdown.len() * 2);
    html::push_html(&mut body, out_events.into_iter());
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n{body}</body>\n</html>\n",
        escape(title)
    )
}

/// Index of the `End(Image)` matching the `Start(Image)` at `start`.
fn image_end(events: &[Event<'_>], start: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (k, e) in events.iter().enumerate().skip(start) {
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

/// HTML for a math span: the TeX made readable as text (Greek letters and operators as
/// Unicode, sub- and superscripts as `<sub>`/`<sup>`, fractions as `a/b`), with the TeX
/// source kept in the `title` attribute. Nothing is fetched, so the page stays offline.
fn math_html(tex: &str, display: bool) -> String {
    let class = if display {
        "math math-display"
    } else {
        "math math-inline"
    };
    let chars: Vec<char> = tex.chars().collect();
    let mut pos = 0;
    let body = tex_seq(&chars, &mut pos, false);
    format!(
        "<span class=\"{class}\" title=\"{}\">{}</span>",
        escape(tex.trim()),
        body.trim()
    )
}

/// Unicode for a TeX command that stands for one symbol.
fn tex_symbol(name: &str) -> Option<&'static str> {
    Some(match name {
        "alpha" => "α",
        "beta" => "β",
        "gamma" => "γ",
        "delta" => "δ",
        "epsilon" | "varepsilon" => "ε",
        "zeta" => "ζ",
        "eta" => "η",
        "theta" => "θ",
        "lambda" => "λ",
        "mu" => "μ",
        "nu" => "ν",
        "xi" => "ξ",
        "pi" => "π",
        "rho" => "ρ",
        "sigma" => "σ",
        "tau" => "τ",
        "phi" | "varphi" => "φ",
        "chi" => "χ",
        "psi" => "ψ",
        "omega" => "ω",
        "Gamma" => "Γ",
        "Delta" => "Δ",
        "Theta" => "Θ",
        "Lambda" => "Λ",
        "Sigma" => "Σ",
        "Phi" => "Φ",
        "Psi" => "Ψ",
        "Omega" => "Ω",
        "ell" => "ℓ",
        "partial" => "∂",
        "nabla" => "∇",
        "times" => "×",
        "cdot" => "·",
        "odot" => "⊙",
        "circ" => "∘",
        "top" => "⊤",
        "in" => "∈",
        "notin" => "∉",
        "subset" => "⊂",
        "subseteq" => "⊆",
        "le" | "leq" => "≤",
        "ge" | "geq" => "≥",
        "ne" | "neq" => "≠",
        "approx" => "≈",
        "equiv" => "≡",
        "propto" => "∝",
        "pm" => "±",
        "to" | "rightarrow" => "→",
        "leftarrow" | "gets" => "←",
        "Rightarrow" | "implies" | "Longrightarrow" => "⟹",
        "mapsto" => "↦",
        "sum" => "∑",
        "prod" => "∏",
        "infty" => "∞",
        "sqrt" => "√",
        "lbrace" | "{" => "{",
        "rbrace" | "}" => "}",
        "vert" | "lvert" | "rvert" | "mid" | "|" => "|",
        "Vert" | "lVert" | "rVert" => "‖",
        "langle" => "⟨",
        "rangle" => "⟩",
        "ldots" | "dots" => "…",
        "cdots" => "⋯",
        "forall" => "∀",
        "exists" => "∃",
        "log" => "log\u{2009}",
        "ln" => "ln\u{2009}",
        "exp" => "exp\u{2009}",
        "max" => "max\u{2009}",
        "min" => "min\u{2009}",
        "arg" => "arg\u{2009}",
        "quad" => "\u{2003}",
        "qquad" => "\u{2003}\u{2003}",
        "," | ":" | ">" => "\u{2009}",
        ";" | " " => " ",
        "!" => "",
        "_" => "_",
        "%" => "%",
        "&" => "&amp;",
        "#" => "#",
        "$" => "$",
        _ => return None,
    })
}

/// Reads a command name after a backslash: letters, or one other character.
fn tex_name(chars: &[char], pos: &mut usize) -> String {
    let start = *pos;
    while *pos < chars.len() && chars[*pos].is_ascii_alphabetic() {
        *pos += 1;
    }
    if *pos == start && *pos < chars.len() {
        *pos += 1;
    }
    chars[start..*pos].iter().collect()
}

/// Renders one argument: a `{…}` group, a command, or a single character.
fn tex_arg(chars: &[char], pos: &mut usize) -> String {
    while *pos < chars.len() && chars[*pos] == ' ' {
        *pos += 1;
    }
    match chars.get(*pos) {
        Some('{') => {
            *pos += 1;
            tex_seq(chars, pos, true)
        }
        Some('\\') => {
            *pos += 1;
            let name = tex_name(chars, pos);
            tex_command(&name, chars, pos)
        }
        Some(&c) => {
            *pos += 1;
            escape(&c.to_string())
        }
        None => String::new(),
    }
}

/// Raw text of a `{…}` argument (for `\text`), or "" when none follows.
fn tex_raw_arg(chars: &[char], pos: &mut usize) -> String {
    if chars.get(*pos) != Some(&'{') {
        return tex_arg(chars, pos);
    }
    let mut depth = 0usize;
    let start = *pos + 1;
    while *pos < chars.len() {
        match chars[*pos] {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    let text: String = chars[start..*pos].iter().collect();
                    *pos += 1;
                    return escape(&text);
                }
            }
            _ => {}
        }
        *pos += 1;
    }
    escape(&chars[start.min(chars.len())..].iter().collect::<String>())
}

/// Wraps a fraction part in parentheses unless it is a single symbol or word.
fn frac_part(s: &str) -> String {
    let plain = s.chars().all(|c| c.is_alphanumeric() || c == '.')
        || s.chars().count() == 1
        || (s.starts_with('(') && s.ends_with(')'));
    if plain {
        s.to_owned()
    } else {
        format!("({s})")
    }
}

/// Renders the command `\name` (its arguments read from `chars`).
fn tex_command(name: &str, chars: &[char], pos: &mut usize) -> String {
    match name {
        "frac" | "tfrac" | "dfrac" => {
            let num = tex_arg(chars, pos);
            let den = tex_arg(chars, pos);
            format!("{}/{}", frac_part(&num), frac_part(&den))
        }
        "text" | "textrm" | "textit" | "mbox" => tex_raw_arg(chars, pos),
        "mathrm" | "operatorname" | "mathit" | "mathsf" | "boldsymbol" | "bm" => {
            tex_arg(chars, pos)
        }
        "mathbf" => {
            let inner = tex_arg(chars, pos);
            if inner == "1" {
                "𝟏".to_owned()
            } else {
                format!("<b>{inner}</b>")
            }
        }
        "mathbb" => {
            let inner = tex_arg(chars, pos);
            match inner.as_str() {
                "R" => "ℝ".to_owned(),
                "N" => "ℕ".to_owned(),
                "Z" => "ℤ".to_owned(),
                "Q" => "ℚ".to_owned(),
                "C" => "ℂ".to_owned(),
                "E" => "𝔼".to_owned(),
                _ => inner,
            }
        }
        "hat" | "widehat" => format!("{}\u{302}", tex_arg(chars, pos)),
        "tilde" | "widetilde" => format!("{}\u{303}", tex_arg(chars, pos)),
        "bar" | "overline" => format!("{}\u{305}", tex_arg(chars, pos)),
        "dot" => format!("{}\u{307}", tex_arg(chars, pos)),
        "left" | "right" | "big" | "Big" | "bigg" | "Bigg" | "bigl" | "bigr" | "Bigl" | "Bigr"
        | "biggl" | "biggr" | "displaystyle" | "limits" | "nolimits" => String::new(),
        "\\" => "<br>".to_owned(),
        _ => match tex_symbol(name) {
            Some(sym) => sym.to_owned(),
            // Unknown: shown as written, braces and all, rather than guessed at.
            None if chars.get(*pos) == Some(&'{') => {
                *pos += 1;
                format!("\\{name}{{{}}}", tex_seq(chars, pos, true))
            }
            None => escape(&format!("\\{name}")),
        },
    }
}

/// Renders TeX from `pos` to the end, or to the closing brace when `group`.
fn tex_seq(chars: &[char], pos: &mut usize, group: bool) -> String {
    let mut out = String::new();
    while *pos < chars.len() {
        let c = chars[*pos];
        *pos += 1;
        match c {
            '}' if group => return out,
            '{' => out.push_str(&tex_seq(chars, pos, true)),
            '\\' => {
                let name = tex_name(chars, pos);
                out.push_str(&tex_command(&name, chars, pos));
            }
            '^' => {
                let arg = tex_arg(chars, pos);
                out.push_str(&format!("<sup>{arg}</sup>"));
            }
            '_' => {
                let arg = tex_arg(chars, pos);
                out.push_str(&format!("<sub>{arg}</sub>"));
            }
            '&' => out.push(' '),
            '~' => out.push('\u{a0}'),
            '-' => out.push('−'),
            '\n' => out.push(' '),
            _ => out.push_str(&escape(&c.to_string())),
        }
    }
    out
}
