//! Property test of the escaping layer (`dialtone_codegen::escape`): text
//! from a spec stays text. Arbitrary Unicode mixed with adversarial
//! Markdown (fences of every kind and length, indentation after list
//! markers, block quotes and footnotes, HTML, links, CR, bidi and other
//! control characters) goes through each escaper, and the result is parsed
//! by pulldown-cmark, the parser rustdoc uses, with rustdoc's options and
//! with every extension but math (which rustdoc does not enable, and whose
//! `$$` would take precedence over code spans):
//!
//! - no code block but the `text` blocks the escaper writes (rustdoc would
//!   run any other as a doctest);
//! - no HTML, no image, no link but absolute `http(s)`/`mailto` ones, no
//!   footnote, and nothing rustdoc would try as an intra-doc link;
//! - no bare URL (rustdoc's `bare_urls` lint);
//! - no control, bidi or invisible character;
//! - a code span shows the text exactly; TOML and Rust string literals
//!   decode to the text.
//!
//! Bounded: `DIALTONE_ESCAPE_CASES` (default 5000) cases or 30 seconds,
//! whichever ends first; `DIALTONE_ESCAPE_SEED` picks the run.

use std::time::{Duration, Instant};

use dialtone_codegen::escape::{self, is_unsafe};
use pulldown_cmark::{BrokenLink, CodeBlockKind, CowStr, Event, Options, Parser, Tag, TagEnd};

/// What rustdoc passes to pulldown-cmark for doc comments.
fn rustdoc_options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_SMART_PUNCTUATION
}

const FRAGMENTS: &[&str] = &[
    "```",
    "````",
    "```rust",
    "```compile_fail",
    "```should_panic",
    "``` rust,no_run",
    "```ignore",
    "```text",
    "```{.rust}",
    "~~~",
    "~~~~rust",
    "`",
    "``",
    "    ",
    "     ",
    "\t",
    "\n",
    "\n\n",
    "\r",
    "\r\n",
    "> ",
    ">",
    ">>     ",
    "- ",
    "-     ",
    "* ",
    "+\t",
    "1. ",
    "12)      ",
    "[^1]: ",
    "[^1]",
    ": ",
    "    - ",
    "- [ ] ",
    "| a | b |\n|---|---|\n",
    "<pre>",
    "</pre>",
    "<script>",
    "<!--",
    "-->",
    "<div>",
    "<https://example.com/x>",
    "<a@b.example>",
    "<mailto:a@b.example>",
    "[",
    "]",
    "(",
    ")",
    "[Policy]",
    "[0]",
    "[x][y]",
    "[y]: https://example.com",
    "[text](https://example.com/a)",
    "[text](Policy)",
    "![img](https://example.com/p.png)",
    "[[Policy]]",
    "https://example.com/a_(b).",
    "http://x.example",
    "www.example.com",
    "&#8238;",
    "&#x202E;",
    "&amp;",
    "&",
    "\\",
    "\\`",
    "\\[",
    "fn main() { std::fs::write(\"pwned\", \"\").unwrap(); }",
    "std::process::Command::new(\"sh\")",
    "\u{202e}",
    "\u{2066}",
    "\u{200f}",
    "\u{7f}",
    "\0",
    "\u{85}",
    "\u{1b}[2J",
    "\u{2028}",
    "\u{feff}",
    "\u{e0041}",
    "\u{a0}    ",
    "|",
    "---",
    "===",
    "# ",
    "*/",
    "/*",
    "\"#",
    "\"\"\"",
    "$$",
    ":::",
    "{",
    "}",
    "#![doc = \"x\"]",
];

fn random_text(rng: &mut fastrand::Rng) -> String {
    let mut out = String::new();
    for _ in 0..rng.usize(0..24) {
        match rng.u8(0..10) {
            0..=5 => out.push_str(FRAGMENTS[rng.usize(..FRAGMENTS.len())]),
            6 => out.push(rng.char(..)),
            7 => out.push(rng.char('\0'..'\u{a0}')),
            8 => out.push_str(&"`".repeat(rng.usize(1..8))),
            _ => out.push_str(["word ", "a", " ", "x_y", "日本", "é"][rng.usize(..6)]),
        }
    }
    out
}

/// What is wrong with `markdown` as rustdoc would read it, if anything.
fn problems(markdown: &str, options: Options) -> Vec<String> {
    let mut found = Vec::new();
    if let Some(c) = markdown.chars().find(|&c| c != '\n' && is_unsafe(c)) {
        found.push(format!("raw {c:?}"));
    }
    let mut broken = Vec::new();
    let mut callback = |link: BrokenLink<'_>| {
        broken.push(link.reference.to_string());
        None::<(CowStr<'_>, CowStr<'_>)>
    };
    let mut parser = Parser::new_with_broken_link_callback(markdown, options, Some(&mut callback));
    let mut in_link = 0usize;
    let mut in_code = false;
    for event in parser.by_ref() {
        match event {
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info))) if &*info == "text" => {
                in_code = true;
            }
            Event::End(TagEnd::CodeBlock) => in_code = false,
            Event::Start(Tag::CodeBlock(kind)) => found.push(format!("code block {kind:?}")),
            Event::Html(h) | Event::InlineHtml(h) => found.push(format!("HTML {h:?}")),
            Event::Start(Tag::Image { dest_url, .. }) => found.push(format!("image {dest_url}")),
            Event::Start(Tag::Link { dest_url, .. }) => {
                if !["http://", "https://", "mailto:"]
                    .iter()
                    .any(|s| dest_url.starts_with(s))
                {
                    found.push(format!("link to {dest_url:?}"));
                }
                in_link += 1;
            }
            Event::End(TagEnd::Link) => in_link = in_link.saturating_sub(1),
            Event::FootnoteReference(r) => found.push(format!("footnote {r}")),
            Event::Start(Tag::FootnoteDefinition(r)) => found.push(format!("footnote {r}")),
            Event::Text(t)
                if in_link == 0
                    && !in_code
                    && (t.contains("http://") || t.contains("https://")) =>
            {
                found.push(format!("bare URL in {t:?}"))
            }
            _ => {}
        }
    }
    drop(parser);
    found.extend(broken.into_iter().map(|b| format!("link candidate [{b}]")));
    found
}

/// The value of a TOML basic string, read strictly by the TOML 1.0 rules.
fn toml_value(literal: &str) -> Result<String, String> {
    let inner = literal
        .strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .ok_or("not quoted")?;
    let mut out = String::new();
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => return Err("raw quote".into()),
            '\\' => match chars.next().ok_or("lone backslash")? {
                'b' => out.push('\u{8}'),
                't' => out.push('\t'),
                'n' => out.push('\n'),
                'f' => out.push('\u{c}'),
                'r' => out.push('\r'),
                '"' => out.push('"'),
                '\\' => out.push('\\'),
                e @ ('u' | 'U') => {
                    let n = if e == 'u' { 4 } else { 8 };
                    let hex: String = chars.by_ref().take(n).collect();
                    let code = u32::from_str_radix(&hex, 16).map_err(|e| e.to_string())?;
                    out.push(char::from_u32(code).ok_or("not a scalar")?);
                }
                other => return Err(format!("bad escape \\{other}")),
            },
            c if c != '\t' && (c < ' ' || c == '\u{7f}') => {
                return Err(format!("raw control {c:?}"));
            }
            c => out.push(c),
        }
    }
    Ok(out)
}

#[test]
fn escaped_spec_text_is_never_code_markup_or_a_control_character() {
    let cases: u64 = std::env::var("DIALTONE_ESCAPE_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5000);
    let seed: u64 = std::env::var("DIALTONE_ESCAPE_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0x5eed_7e47);
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut ran = 0;
    for case in 0..cases {
        if Instant::now() > deadline {
            break;
        }
        ran += 1;
        let text = random_text(&mut rng);
        let name = random_text(&mut rng);
        let context = format!("seed {seed}, case {case}: {text:?} / {name:?}");

        let prose = escape::markdown(&text);
        let line = escape::markdown_line(&text);
        assert!(!line.contains('\n'), "{context}: {line:?}");
        // As the generator composes them: prose, then a sentence with a
        // name as code and a one-line fragment right before the
        // generator's own markup (which the fragment must leave alone).
        let composed = format!(
            "{prose}\n\nThe {} property of {line}<https://generator.example>.\n\n{}",
            escape::code(&name),
            escape::table_cell(&escape::code(&name))
        );
        for options in [rustdoc_options(), Options::all() - Options::ENABLE_MATH] {
            for md in [&prose, &line, &composed] {
                let found = problems(md, options);
                assert!(found.is_empty(), "{context}\n{md}\n{found:?}");
            }
        }
        let generator_link = Parser::new_ext(&composed, rustdoc_options())
            .filter(|e| {
                matches!(e, Event::Start(Tag::Link { dest_url, .. })
                    if &**dest_url == "https://generator.example")
            })
            .count();
        assert_eq!(generator_link, 1, "{context}\n{composed}");

        // A code span shows the name exactly, unsafe characters as escapes.
        let span = format!("a {} b", escape::code(&name));
        let codes: Vec<String> = Parser::new_ext(&span, rustdoc_options())
            .filter_map(|e| match e {
                Event::Code(c) => Some(c.to_string()),
                _ => None,
            })
            .collect();
        let shown = escape::visible(&name);
        let expected = if shown.is_empty() { " " } else { &*shown };
        assert_eq!(codes, [expected], "{context}: {span:?}");

        // Terminal and comments: one line, nothing raw.
        for shown in [escape::visible(&text).into_owned(), escape::comment(&text)] {
            assert!(!shown.chars().any(is_unsafe), "{context}: {shown:?}");
        }
        assert!(!escape::comment(&text).contains("-->"), "{context}");

        // Cargo.toml and Rust literals decode to the text itself.
        let toml = escape::toml_string(&text);
        assert_eq!(toml_value(&toml).as_deref(), Ok(text.as_str()), "{context}");
        assert!(!toml.chars().any(is_unsafe), "{context}: {toml:?}");
        let rust = escape::rust_string(&text);
        assert!(!rust.chars().any(is_unsafe), "{context}: {rust:?}");
        let lit: syn::LitStr = syn::parse_str(&rust).unwrap_or_else(|e| panic!("{context}: {e}"));
        assert_eq!(lit.value(), text, "{context}");
    }
    eprintln!("{ran} cases (seed {seed})");
    assert!(ran >= 100, "only {ran} cases ran in the time allowed");
}

#[test]
fn ordinary_descriptions_read_as_written() {
    // What vendor specs write stays as it is.
    for text in [
        "Lists the groups of an account.",
        "Returns `{data: [...]}`; see [the guide](https://developer.example.com/guide).",
        "- one\n- two\n\n1. first\n2. second",
        "**Required scope**: `ReadAccounts`. Rate limit group: *Light*.",
        "A JSON body:\n\n```text\n{\"a\": 1}\n```",
        "<https://example.com/docs>",
    ] {
        assert_eq!(escape::markdown(text), text);
    }
}
