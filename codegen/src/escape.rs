//! Text from a spec, made safe for each place it lands. A spec is written by
//! a stranger: its titles, descriptions, names, examples and URLs are text,
//! and stay text wherever the generator writes them. One escaper per
//! destination:
//!
//! | destination | function |
//! |---|---|
//! | rustdoc and README prose (descriptions, summaries, titles) | [`markdown`], [`markdown_line`] |
//! | a name, path or value shown as code in rustdoc or Markdown | [`code`] |
//! | a GFM table cell | [`table_cell`] |
//! | Cargo.toml | [`toml_string`] |
//! | Rust string literals written as text (README example) | [`rust_string`] |
//! | comments in generated files (`//`, `#`, `<!-- -->`) | [`comment`] |
//! | the terminal (errors, summaries, lint findings) | [`visible`] |
//!
//! Rust string literals inside token streams need nothing more:
//! `proc_macro2::Literal::string` (what `quote!` uses for a `&str`) writes
//! control, bidi and other invisible characters as escapes. Identifiers are
//! ASCII by construction (`names.rs`).
//!
//! Control characters (C0, DEL, C1), bidi controls, line and paragraph
//! separators and invisible format characters ([`is_unsafe`]) never reach
//! any output raw: rustc refuses a bare CR in a doc comment and bidi
//! controls in comments and literals, TOML refuses DEL, and a terminal
//! would obey them.

use std::borrow::Cow;
use std::fmt::Write as _;

/// Whether `c` is never written raw: a control character (C0, DEL, C1), a
/// bidi control, a line or paragraph separator, or an invisible format
/// character that can hide text (zero-width space, word joiners, BOM, tag
/// characters, interlinear annotations). Zero-width joiners, which scripts
/// and emoji need, are not among them.
pub fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061C}'
                | '\u{200B}'
                | '\u{200E}'
                | '\u{200F}'
                | '\u{2028}'..='\u{202E}'
                | '\u{2060}'..='\u{2064}'
                | '\u{2066}'..='\u{2069}'
                | '\u{FEFF}'
                | '\u{FFF9}'..='\u{FFFB}'
                | '\u{E0000}'..='\u{E007F}'
        )
}

fn push_escaped(out: &mut String, c: char) {
    match c {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        '\0' => out.push_str("\\0"),
        c => {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        }
    }
}

/// `text` with every [unsafe](is_unsafe) character shown as an escape
/// (`\n`, `\t`, `\u{202e}`), for the terminal and for one-line comments.
pub fn visible(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if is_unsafe(c) {
            push_escaped(&mut out, c);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// `text` for a one-line comment of a generated file: a Rust `//`
/// comment, a TOML `#` comment or an HTML `<!-- -->` comment (which `-->`
/// would close).
pub fn comment(text: &str) -> String {
    visible(text).replace("-->", "--\\u{3e}")
}

/// A TOML basic string (quotes included) whose value is exactly `text`.
pub fn toml_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if is_unsafe(c) && (c as u32) <= 0xFFFF => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c if is_unsafe(c) => {
                let _ = write!(out, "\\U{:08X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A Rust string literal (quotes included) whose value is exactly `text`,
/// for Rust written as text (the README example). Control, bidi and other
/// invisible characters are escapes.
pub fn rust_string(text: &str) -> String {
    proc_macro2::Literal::string(text).to_string()
}

/// `text` shown exactly as an inline code span: one line, with
/// [unsafe](is_unsafe) characters (line breaks included) as escapes, and
/// delimited by more backticks than it contains.
pub fn code(text: &str) -> String {
    let shown = visible(text);
    if shown.is_empty() {
        return "` `".to_owned();
    }
    let mut longest = 0;
    let mut run = 0;
    for c in shown.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let ticks = "`".repeat(longest + 1);
    // A leading or trailing backtick would merge with the delimiter, and a
    // space at both ends would be stripped: pad with one space each side.
    let pad = shown.starts_with('`')
        || shown.ends_with('`')
        || (shown.starts_with(' ') && shown.ends_with(' ') && !shown.chars().all(|c| c == ' '));
    let pad = if pad { " " } else { "" };
    format!("{ticks}{pad}{shown}{pad}{ticks}")
}

/// A GFM table cell from Markdown made by [`markdown_line`] or [`code`]:
/// a `|` would end the cell, even inside a code span.
pub fn table_cell(markdown: &str) -> String {
    markdown.replace('|', "\\|")
}

/// Prose from a spec (a description, a summary) as Markdown that rustdoc
/// and a README render as the author meant, but in which nothing is code
/// or markup:
///
/// - a fenced block (```` ``` ```` or `~~~`, any info string) that starts a
///   line becomes a `text` block whose fence no line inside can close;
/// - everywhere else, lines lose their indentation and runs of spaces, so
///   that no indented code block can start, not even inside a list item,
///   block quote or footnote; runs of three or more backticks or tildes
///   are escaped, so that no other fence can open;
/// - `<` is escaped (no HTML, which could also swallow what follows), and
///   so are `[` and `]` (no intra-doc links, reference definitions or
///   footnotes), but for `[text](https://...)` links (whose text may hold
///   code spans); bare URLs become `<https://...>` autolinks; character
///   references are escaped;
/// - code spans (`` `x` ``) are kept as they are, on one line (but for
///   those with a `|`, which a table would split), and so are the spec's
///   own backslash escapes (`\[`, `\|` in a table row); a backslash that
///   ends the text is escaped, so that it escapes nothing the generator
///   writes after it;
/// - [unsafe](is_unsafe) characters are shown as escapes (a bare CR is a
///   line break).
pub fn markdown(text: &str) -> String {
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    let lines: Vec<&str> = text
        .trim_end()
        .lines()
        .skip_while(|l| l.trim().is_empty())
        .collect();
    let mut out: Vec<String> = Vec::new();
    let mut prose: Vec<&str> = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let Some(fence) = Fence::open(lines[i]) else {
            prose.push(lines[i]);
            i += 1;
            continue;
        };
        flush_prose(&mut prose, &mut out);
        let start = i + 1;
        let mut end = start;
        while end < lines.len() && !fence.closes(lines[end]) {
            end += 1;
        }
        push_fence(&mut out, &lines[start..end], fence.indent);
        i = end + 1;
    }
    flush_prose(&mut prose, &mut out);
    out.join("\n")
}

/// One line of prose from a spec (a title, a reason) as Markdown, for a
/// sentence, a heading or a table cell: line breaks become spaces, and the
/// rest is as in [`markdown`] (no fence is kept).
pub fn markdown_line(text: &str) -> String {
    inline(&normalize(text.replace(['\r', '\n'], " ").as_str()))
}

/// A fence that opens a code block in the spec's Markdown.
struct Fence {
    ch: char,
    len: usize,
    indent: usize,
}

impl Fence {
    fn open(line: &str) -> Option<Fence> {
        let rest = line.trim_start();
        let indent = line.len() - rest.len();
        let ch = rest.chars().next().filter(|c| matches!(c, '`' | '~'))?;
        let len = rest.chars().take_while(|&c| c == ch).count();
        let info = &rest[len..];
        (len >= 3 && !(ch == '`' && info.contains('`'))).then_some(Fence { ch, len, indent })
    }

    fn closes(&self, line: &str) -> bool {
        let t = line.trim();
        t.chars().all(|c| c == self.ch) && t.chars().count() >= self.len
    }
}

/// A `text` block with `content` as it is, but for unsafe characters;
/// its fence is longer than any run of backticks inside.
fn push_fence(out: &mut Vec<String>, content: &[&str], indent: usize) {
    let lines: Vec<String> = content
        .iter()
        .map(|line| {
            let strip = line.len() - line.trim_start_matches(' ').len();
            let line = &line[strip.min(indent)..];
            let mut shown = String::with_capacity(line.len());
            for c in line.chars() {
                match c {
                    '\t' => shown.push_str("    "),
                    c if is_unsafe(c) => push_escaped(&mut shown, c),
                    c => shown.push(c),
                }
            }
            shown.trim_end().to_owned()
        })
        .collect();
    let longest = lines
        .iter()
        .flat_map(|l| l.split(|c| c != '`').map(str::len))
        .max()
        .unwrap_or(0);
    let ticks = "`".repeat((longest + 1).max(3));
    out.push(format!("{ticks}text"));
    out.extend(lines);
    out.push(ticks);
}

/// Unsafe characters as escapes, tabs as spaces, runs of spaces as one,
/// no indentation.
fn normalize(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    for c in line.chars() {
        match c {
            '\t' | ' ' => {
                if !out.is_empty() && !out.ends_with(' ') {
                    out.push(' ');
                }
            }
            c if is_unsafe(c) => push_escaped(&mut out, c),
            c => out.push(c),
        }
    }
    out.trim_end().to_owned()
}

/// Whether a normalized line opens a list item or a block quote.
fn opens_container(line: &str) -> bool {
    let digits = line.chars().take_while(char::is_ascii_digit).count();
    let after = |n: usize| matches!(line.as_bytes().get(n), None | Some(b' '));
    line.starts_with('>')
        || (line.starts_with(['-', '+', '*']) && after(1))
        || ((1..=9).contains(&digits)
            && matches!(line.as_bytes().get(digits), Some(b'.' | b')'))
            && after(digits + 1))
}

fn flush_prose(prose: &mut Vec<&str>, out: &mut Vec<String>) {
    if prose.is_empty() {
        return;
    }
    // Lines lost their indentation: a line that continued a list item or
    // block quote would now continue it lazily (which clippy flags), so it
    // joins the line before, as Markdown would render it.
    let mut lines: Vec<String> = Vec::new();
    let mut in_container = false;
    for line in prose.iter().map(|l| normalize(l)) {
        if line.is_empty() {
            in_container = false;
        } else if opens_container(&line) {
            in_container = true;
        } else if in_container && !line.starts_with('#') {
            let last = lines.last_mut().expect("a container line came before");
            last.push(' ');
            last.push_str(&line);
            continue;
        } else {
            in_container = false;
        }
        lines.push(line);
    }
    let joined = lines.join("\n");
    out.extend(inline(&joined).split('\n').map(str::to_owned));
    prose.clear();
}

/// Inline escaping of normalized lines (see [`markdown`]).
fn inline(text: &str) -> String {
    let c: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    let mut i = 0;
    while i < c.len() {
        match c[i] {
            '`' => {
                let run = run_of(&c, i, '`');
                match (run <= 2)
                    .then(|| code_span_end(&c, i + run, run))
                    .flatten()
                {
                    Some(close) => {
                        // Kept as written, on one line: a code span never
                        // holds the start of a line.
                        out.extend(c[i..close + run].iter().map(|&ch| match ch {
                            '\n' => ' ',
                            ch => ch,
                        }));
                        i = close + run;
                    }
                    None => {
                        out.push_str(&"\\`".repeat(run));
                        i += run;
                    }
                }
            }
            '~' => {
                let run = run_of(&c, i, '~');
                out.push_str(&if run >= 3 { "\\~" } else { "~" }.repeat(run));
                i += run;
            }
            '\\' => match c.get(i + 1) {
                // A Markdown escape (`\[`, `\|` in a table, `\*`): kept,
                // as the character it escapes is shown as it is and can
                // open nothing.
                Some(&next) if next.is_ascii_punctuation() => {
                    out.push('\\');
                    out.push(next);
                    i += 2;
                }
                // Last, or before a bare URL (written as `<...>`): escaped,
                // so that it shows as a backslash and escapes nothing the
                // generator writes after it.
                None => {
                    out.push_str("\\\\");
                    i += 1;
                }
                Some(_) if bare_url_end(&c, i + 1).is_some() => {
                    out.push_str("\\\\");
                    i += 1;
                }
                // A line break, or a backslash shown as it is.
                Some(_) => {
                    out.push('\\');
                    i += 1;
                }
            },
            '<' => match autolink_end(&c, i) {
                Some(end) => {
                    out.extend(&c[i..end]);
                    i = end;
                }
                None => {
                    out.push_str("\\<");
                    i += 1;
                }
            },
            '[' => match link_end(&c, i) {
                Some(end) => {
                    out.extend(&c[i..end]);
                    i = end;
                }
                None => {
                    out.push_str("\\[");
                    i += 1;
                }
            },
            ']' => {
                out.push_str("\\]");
                i += 1;
            }
            // `![..](..)` would load an image.
            '!' if c.get(i + 1) == Some(&'[') && link_end(&c, i + 1).is_some() => {
                out.push_str("\\!");
                i += 1;
            }
            '&' if is_reference(&c, i) => {
                out.push_str("\\&");
                i += 1;
            }
            'h' if bare_url_end(&c, i).is_some() => {
                let end = bare_url_end(&c, i).unwrap_or(i);
                out.push('<');
                out.extend(&c[i..end]);
                out.push('>');
                i = end;
            }
            ch => {
                out.push(ch);
                i += 1;
            }
        }
    }
    out
}

fn run_of(c: &[char], i: usize, ch: char) -> usize {
    c[i..].iter().take_while(|&&x| x == ch).count()
}

/// Where the code span opened by `run` backticks before `from` closes: the
/// next run of exactly `run` backticks in the same paragraph. A span with
/// a `|` is not kept: in a table row the `|` would split it into cells,
/// and its inside would be read as Markdown after all.
fn code_span_end(c: &[char], from: usize, run: usize) -> Option<usize> {
    let mut j = from;
    while j < c.len() {
        match c[j] {
            '\n' if c.get(j + 1) == Some(&'\n') => return None,
            '|' => return None,
            '`' => {
                let len = run_of(c, j, '`');
                if len == run {
                    return Some(j);
                }
                j += len;
            }
            _ => j += 1,
        }
    }
    None
}

fn starts_with(c: &[char], i: usize, s: &str) -> bool {
    (i..).zip(s.chars()).all(|(k, ch)| c.get(k) == Some(&ch))
}

/// The length of an absolute `http(s)://` or `mailto:` URL scheme at `i`.
fn scheme_len(c: &[char], i: usize) -> Option<usize> {
    ["https://", "http://", "mailto:"]
        .into_iter()
        .find(|s| starts_with(c, i, s))
        .map(str::len)
}

/// `<https://...>` at `i`: the index after its `>`.
fn autolink_end(c: &[char], i: usize) -> Option<usize> {
    let start = i + 1 + scheme_len(c, i + 1)?;
    let len = c[start..]
        .iter()
        .take_while(|&&ch| !ch.is_whitespace() && !matches!(ch, '<' | '>' | '`'))
        .count();
    (len > 0 && c.get(start + len) == Some(&'>')).then_some(start + len + 1)
}

/// `[text](https://...)` at `i`, with plain text and code spans on its
/// line: the index after its `)`.
fn link_end(c: &[char], i: usize) -> Option<usize> {
    let mut close = i + 1;
    loop {
        match *c.get(close)? {
            ']' => break,
            // A code span binds tighter than the link: a `]` inside it
            // does not close the text.
            '`' => {
                let run = run_of(c, close, '`');
                let end = (run <= 2)
                    .then(|| code_span_end(c, close + run, run))
                    .flatten()?;
                if c[close..end].contains(&'\n') {
                    return None;
                }
                close = end + run;
            }
            '[' | '<' | '>' | '\\' | '&' | '\n' => return None,
            _ => close += 1,
        }
    }
    if close == i + 1 || c.get(close + 1) != Some(&'(') {
        return None;
    }
    let shown: String = c[i + 1..close].iter().collect();
    if shown.contains("://") {
        return None;
    }
    let url = close + 2;
    let scheme = scheme_len(c, url)?;
    let len = c[url + scheme..]
        .iter()
        .take_while(|&&ch| {
            !ch.is_whitespace() && !matches!(ch, '(' | ')' | '<' | '>' | '`' | '\\' | '"')
        })
        .count();
    let end = url + scheme + len;
    (len > 0 && c.get(end) == Some(&')')).then_some(end + 1)
}

/// A bare `http(s)://` URL at `i`: the index after it (trailing
/// punctuation is not part of it).
fn bare_url_end(c: &[char], i: usize) -> Option<usize> {
    let scheme = ["https://", "http://"]
        .into_iter()
        .find(|s| starts_with(c, i, s))?
        .len();
    let mut end = i + scheme;
    while end < c.len()
        && !c[end].is_whitespace()
        && !matches!(
            c[end],
            '<' | '>' | '"' | '`' | '\\' | '[' | ']' | '{' | '}' | '|' | '^'
        )
    {
        end += 1;
    }
    loop {
        let last = c[end - 1];
        let unbalanced_paren = last == ')'
            && c[i..end].iter().filter(|&&x| x == ')').count()
                > c[i..end].iter().filter(|&&x| x == '(').count();
        if end > i + scheme && (".,:;!?'*_~".contains(last) || unbalanced_paren) {
            end -= 1;
        } else {
            break;
        }
    }
    (end > i + scheme).then_some(end)
}

/// An HTML character reference at `i` (`&amp;`, `&#8238;`, `&#x202E;`).
fn is_reference(c: &[char], i: usize) -> bool {
    let body = &c[i + 1..];
    let (digits, max): (usize, usize) = match body {
        ['#', 'x' | 'X', rest @ ..] => (
            rest.iter().take_while(|ch| ch.is_ascii_hexdigit()).count() + 2,
            8,
        ),
        ['#', rest @ ..] => (
            rest.iter().take_while(|ch| ch.is_ascii_digit()).count() + 1,
            8,
        ),
        [first, ..] if first.is_ascii_alphabetic() => (
            body.iter()
                .take_while(|ch| ch.is_ascii_alphanumeric())
                .count(),
            32,
        ),
        _ => return false,
    };
    let named_or_numbered = match body.first() {
        Some('#') => digits > 1 + usize::from(matches!(body.get(1), Some('x' | 'X'))),
        _ => digits > 0,
    };
    named_or_numbered && digits <= max && body.get(digits) == Some(&';')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsafe_characters_are_shown_as_escapes() {
        assert_eq!(visible("plain ünïcode 日本"), "plain ünïcode 日本");
        assert_eq!(
            visible(
                "a\nb\r\tc\0\u{1b}[31m\u{7f}\u{85}\u{202e}\u{2066}\u{200f}\u{2028}\u{feff}\u{e0041}"
            ),
            "a\\nb\\r\\tc\\0\\u{1b}[31m\\u{7f}\\u{85}\\u{202e}\\u{2066}\\u{200f}\\u{2028}\\u{feff}\\u{e0041}"
        );
        // Joiners that scripts and emoji need stay.
        assert_eq!(visible("\u{200d}\u{200c}"), "\u{200d}\u{200c}");
        assert_eq!(comment("x --> y\nz"), "x --\\u{3e} y\\nz");
    }

    #[test]
    fn toml_strings_escape_quotes_controls_and_bidi() {
        assert_eq!(toml_string("Kazoo API"), "\"Kazoo API\"");
        assert_eq!(
            toml_string("a\"b\\c\nd\u{7f}\u{202e}\u{8}\u{e0041}"),
            "\"a\\\"b\\\\c\\nd\\u007F\\u202E\\b\\U000E0041\""
        );
    }

    #[test]
    fn rust_strings_escape_quotes_controls_and_bidi() {
        assert_eq!(rust_string("https://x.example"), "\"https://x.example\"");
        let lit = rust_string("\"#\r\u{202e}\u{2066}\u{7f}\0");
        assert!(!lit.chars().any(is_unsafe), "{lit}");
        let parsed: syn::LitStr = syn::parse_str(&lit).unwrap();
        assert_eq!(parsed.value(), "\"#\r\u{202e}\u{2066}\u{7f}\0");
    }

    #[test]
    fn code_spans_show_text_exactly() {
        assert_eq!(code("GET /groups"), "`GET /groups`");
        assert_eq!(code("a`b"), "``a`b``");
        assert_eq!(code("`x"), "`` `x ``");
        assert_eq!(code(" x "), "`  x  `");
        assert_eq!(code(""), "` `");
        assert_eq!(code("a\n```rust"), "````a\\n```rust````");
        assert_eq!(table_cell(&code("a|b")), "`a\\|b`");
    }

    #[test]
    fn ordinary_prose_is_unchanged() {
        let text = "Lists the groups of an account.\n\n- one `item`\n- *two* **items**\n\n1. first\n2. second\n\n> quoted\n\n# Heading\n\nSee [the docs](https://docs.example.com/x) or <https://example.com>.";
        assert_eq!(markdown(text), text);
        assert_eq!(
            markdown("`{<validator>: {message}}` and `[0]`"),
            "`{<validator>: {message}}` and `[0]`"
        );
    }

    #[test]
    fn fences_become_text_blocks() {
        assert_eq!(
            markdown("a\n```\nfn main() {}\n```\nb"),
            "a\n```text\nfn main() {}\n```\nb"
        );
        assert_eq!(
            markdown("  ~~~~rust,should_panic\n  x\n    y\n  ~~~~"),
            "```text\nx\n  y\n```"
        );
        assert_eq!(
            markdown("~~~json\n```\nunclosed"),
            "````text\n```\nunclosed\n````"
        );
    }

    #[test]
    fn no_indented_code_and_no_nested_fence() {
        assert_eq!(markdown("a\n\n    indented()\n\tx"), "a\n\nindented()\nx");
        assert_eq!(markdown("-     code()"), "- code()");
        assert_eq!(markdown(">     code()"), "> code()");
        assert_eq!(
            markdown("> ```\n> code()\n> ```"),
            "> \\`\\`\\`\n> code()\n> \\`\\`\\`"
        );
        assert_eq!(markdown("- ~~~rust"), "- \\~\\~\\~rust");
        assert_eq!(markdown("[^1]: ```"), "\\[^1\\]: \\`\\`\\`");
    }

    #[test]
    fn markup_links_and_html_are_escaped() {
        assert_eq!(markdown("[Policy] and [0]"), "\\[Policy\\] and \\[0\\]");
        assert_eq!(
            markdown("<script>alert(1)</script>"),
            "\\<script>alert(1)\\</script>"
        );
        assert_eq!(
            markdown("see https://x.example/a."),
            "see <https://x.example/a>."
        );
        assert_eq!(markdown("&#x202E; &amp; a & b"), "\\&#x202E; \\&amp; a & b");
        assert_eq!(
            markdown("![img](https://x.example/p.png)"),
            "\\![img](https://x.example/p.png)"
        );
        assert_eq!(markdown("[x](Policy)"), "\\[x\\](Policy)");
    }

    #[test]
    fn rustdoc_bait_reads_as_text() {
        // Each class of spec prose that rustdoc or clippy would read as
        // something else: what the escaper writes for it.
        for (text, expected) in [
            ("slot [0] of [Policy]", "slot \\[0\\] of \\[Policy\\]"),
            ("[guide](docs/guide.md)", "\\[guide\\](docs/guide.md)"),
            (
                "[Policy](#policy), [x][y]",
                "\\[Policy\\](#policy), \\[x\\]\\[y\\]",
            ),
            ("[y]: https://x.example", "\\[y\\]: <https://x.example>"),
            ("Footnote[^1]", "Footnote\\[^1\\]"),
            ("<b>bold</b> <br/>", "\\<b>bold\\</b> \\<br/>"),
            ("a List<SomeType>", "a List\\<SomeType>"),
            ("<!-- x -->", "\\<!-- x -->"),
            (
                "see https://x.example/a?b=1&c=2.",
                "see <https://x.example/a?b=1&c=2>.",
            ),
            ("`unclosed [0]", "\\`unclosed \\[0\\]"),
            ("```python\nprint(1)\n```", "```text\nprint(1)\n```"),
            ("~~~sh\nrm -rf /\n~~~", "```text\nrm -rf /\n```"),
            ("# Heading\n## [0]", "# Heading\n## \\[0\\]"),
            (
                "| a | b |\n|---|---|\n| [0] | <T> |",
                "| a | b |\n|---|---|\n| \\[0\\] | \\<T> |",
            ),
            ("C:\\Temp\\", "C:\\Temp\\\\"),
        ] {
            assert_eq!(markdown(text), expected, "{text:?}");
        }
        assert_eq!(markdown_line("a [0] \\"), "a \\[0\\] \\\\");
    }

    #[test]
    fn backslash_escapes_are_the_specs() {
        // `\[` already shows a `[`; `\|` keeps a cell whole.
        assert_eq!(
            markdown("a \\[b\\] \\<i> \\*c\\*"),
            "a \\[b\\] \\<i> \\*c\\*"
        );
        assert_eq!(markdown("| a\\|b | c |"), "| a\\|b | c |");
        assert_eq!(markdown("\\```\n\\# x"), "\\`\\`\\`\n\\# x");
        // A line break stays one; a backslash before a bare URL or at the
        // end shows as one, whatever follows.
        assert_eq!(markdown("a\\\nb"), "a\\\nb");
        assert_eq!(markdown("\\https://x.example"), "\\\\<https://x.example>");
        let line = markdown_line("Temp\\");
        assert_eq!(
            format!("{line}<https://x.example>"),
            "Temp\\\\<https://x.example>"
        );
    }

    #[test]
    fn links_may_show_code() {
        for text in [
            "[`GET /items`](https://x.example/items)",
            "[the `[0]` slot](https://x.example/#slot)",
            "[*`a`* b](https://x.example)",
        ] {
            assert_eq!(markdown(text), text);
        }
        assert_eq!(
            markdown("[`a\nb`](https://x.example)"),
            "\\[`a b`\\](<https://x.example>)"
        );
        assert_eq!(
            markdown("[`unclosed](https://x.example)"),
            "\\[\\`unclosed\\](<https://x.example>)"
        );
        assert_eq!(
            markdown("[`https://x.example`](https://x.example)"),
            "\\[`https://x.example`\\](<https://x.example>)"
        );
    }

    #[test]
    fn continuation_lines_join_their_list_item_or_quote() {
        assert_eq!(
            markdown("- item\n  continued\n- next\n\n> quote\nmore\n\n1. x\n# Heading\ntext"),
            "- item continued\n- next\n\n> quote more\n\n1. x\n# Heading\ntext"
        );
        assert_eq!(markdown("-x\ny"), "-x\ny");
    }

    #[test]
    fn code_spans_stay_on_one_line() {
        assert_eq!(markdown("a `b\nc` d"), "a `b c` d");
        assert_eq!(markdown("a `b\n\nc` d"), "a \\`b\n\nc\\` d");
    }

    #[test]
    fn control_characters_never_pass() {
        let out = markdown("a\rb\u{202e}c\u{7f}\u{0}\u{1b}[2J");
        assert_eq!(out, "a\nb\\u{202e}c\\u{7f}\\0\\u{1b}\\[2J");
        assert_eq!(markdown_line("x\ny\r```z"), "x y \\`\\`\\`z");
    }
}
