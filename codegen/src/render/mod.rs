//! Rendering: [`Api`] -> the files of a crate. Infallible: everything that
//! could be wrong was refused by lowering.

mod auth;
#[cfg(test)]
mod auth_tests;
mod client;
#[cfg(test)]
mod form_tests;
mod meta;
mod operation;
mod rust;
mod servers;
mod surface;
#[cfg(test)]
mod tests;
mod types;
mod validate;

pub use surface::surface;

use std::collections::BTreeMap;

use proc_macro2::TokenStream;
use quote::quote;

use crate::escape;
use crate::ir::Api;
use crate::workspace::MARKER;
use rust::{arg_type, error_type, mentions_named, rust_type, takes_into};
use validate::{needs_checks, validate_stmts};

/// What kind of crate is generated: it decides the Cargo.toml.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CrateMode {
    /// A member of the Dialtone workspace (`crates/<vendor>`): edition,
    /// rust-version, licence, repository and dependencies come from the
    /// workspace; the version, keywords and categories from the spec's
    /// `x-dialtone-crate` extension. The generator renders it as
    /// [`CrateMode::WorkspaceMember`] once it has read the spec.
    Workspace,
    /// [`CrateMode::Workspace`] with its package fields given; the fields
    /// left unset are filled from the spec's `x-dialtone-crate`.
    WorkspaceMember(crate::Package),
    /// A crate of its own anywhere on disk, depending on the runtime by
    /// version (the default) or by path.
    Standalone(crate::Standalone),
}

/// Renders every file of the crate, keyed by path relative to the crate root.
pub fn render(api: &Api, mode: &CrateMode) -> BTreeMap<String, String> {
    let mut files = BTreeMap::new();
    files.insert("Cargo.toml".to_owned(), meta::cargo_toml(api, mode));
    files.insert("README.md".to_owned(), meta::readme(api));
    files.insert("src/lib.rs".to_owned(), rust_file(api, meta::lib_rs(api)));
    files.insert(
        "src/client.rs".to_owned(),
        rust_file(api, client::render(api)),
    );
    // The two files that grow with the spec are rendered and formatted
    // an item at a time, on both cores.
    files.insert(
        "src/operations.rs".to_owned(),
        rust_file_items(api, operation::head(api), api.operations.len(), |i| {
            operation::render_op(api, &api.operations[i])
        }),
    );
    files.insert(
        "src/types.rs".to_owned(),
        rust_file_items(api, types::head(), api.types.len(), |i| {
            types::render_type(api, &api.types[i])
        }),
    );
    if !api.patterns.is_empty() {
        files.insert(
            "src/patterns.rs".to_owned(),
            rust_file(api, meta::patterns(api)),
        );
    }
    if !api.skipped.is_empty() {
        files.insert("SKIPPED.md".to_owned(), meta::skipped(api));
    }
    if !api.examples.is_empty() {
        files.insert(
            "tests/examples.rs".to_owned(),
            rust_file(api, meta::examples_test(api)),
        );
    }
    files
}

/// The header every generated file starts with, in `prefix` comments.
pub(crate) fn header_lines(api: &Api) -> [String; 2] {
    [
        format!("{MARKER} from {}.", escape::comment(&api.spec_file)),
        "Do not edit: change the spec or the generator, then regenerate.".to_owned(),
    ]
}

fn rust_file(api: &Api, tokens: TokenStream) -> String {
    with_header(api, &format_tokens(tokens))
}

fn with_header(api: &Api, text: &str) -> String {
    let [a, b] = header_lines(api);
    format!("// {a}\n// {b}\n\n{}", space_items(text))
}

/// Parses and formats a file, or some items of one.
fn format_tokens(tokens: TokenStream) -> String {
    let file: syn::File =
        syn::parse2(tokens).expect("rendered tokens always form a valid Rust file");
    prettyplease::unparse(&file)
}

/// Items rendered in parallel below this count gain less than a thread costs.
const PARALLEL_FROM: usize = 64;
/// Rendering uses at most this many threads.
const MAX_THREADS: usize = 2;

/// A file of `head` (inner docs, imports) then `count` items, item `i`
/// rendered by `item(i)`. Each item is parsed and formatted on its own and
/// its trees dropped before the next, so that memory holds the text, not
/// the syntax trees, of the file; prettyplease formats a file as its items
/// one after the other, so the text is the same as formatting the whole.
/// Items are split into contiguous runs, one per thread (at most
/// [`MAX_THREADS`], on threads with the generator's stack size), and the
/// runs joined in order: the output does not depend on the threads.
fn rust_file_items(
    api: &Api,
    head: TokenStream,
    count: usize,
    item: impl Fn(usize) -> TokenStream + Sync,
) -> String {
    let run = |range: std::ops::Range<usize>| -> String {
        range.map(|i| format_tokens(item(i))).collect()
    };
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(MAX_THREADS);
    let mut text = format_tokens(head);
    if threads < 2 || count < PARALLEL_FROM {
        text.push_str(&run(0..count));
    } else {
        let chunk = count.div_ceil(threads);
        let run = &run;
        let parts: Vec<String> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..threads)
                .map(|t| {
                    let range = (t * chunk).min(count)..((t + 1) * chunk).min(count);
                    std::thread::Builder::new()
                        .name("dialtone-render".to_owned())
                        .stack_size(crate::limits::STACK_BYTES)
                        .spawn_scoped(scope, {
                            let range = range.clone();
                            move || run(range)
                        })
                        .map_err(|_| range)
                })
                .collect();
            handles
                .into_iter()
                .map(|h| match h {
                    Ok(h) => h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)),
                    // No thread to be had: this run on this one.
                    Err(range) => run(range),
                })
                .collect()
        });
        text.extend(parts);
    }
    with_header(api, &text)
}

/// prettyplease puts no blank line between items; add one after every
/// closing brace that is followed by another item or statement at the same
/// indentation, so that generated files read like hand-written ones.
fn space_items(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 16);
    let mut previous: Option<&str> = None;
    for line in text.lines() {
        if let Some(prev) = previous {
            let indent = |l: &str| l.len() - l.trim_start().len();
            let closes = matches!(prev.trim(), "}" | "};")
                || (prev.starts_with("pub type ") && prev.ends_with(';'));
            let continues =
                line.trim_start().starts_with(['}', ')', ']']) || line.trim().is_empty();
            if closes && !continues && indent(prev) == indent(line) {
                out.push('\n');
            }
        }
        out.push_str(line);
        out.push('\n');
        previous = Some(line);
    }
    out
}

/// `#[doc]` attributes, one per line of `markdown`: Markdown the generator
/// composed, in which every piece of spec text went through
/// [`escape`](crate::escape) ([`escape::markdown`] for prose,
/// [`escape::code`] for names). Unsafe characters are escaped once more
/// here, so that no doc comment can hold a bare CR or a bidi control.
pub(crate) fn doc_attrs(markdown: &str) -> TokenStream {
    let mut out = TokenStream::new();
    for line in markdown.trim().lines() {
        let line = escape::visible(line);
        let line = if line.trim().is_empty() {
            String::new()
        } else {
            format!(" {line}")
        };
        out.extend(quote!(#[doc = #line]));
    }
    out
}

/// Docs from a spec's description (escaped), or a fallback the generator
/// wrote (Markdown).
pub(crate) fn docs_or(spec_text: Option<&str>, fallback: &str) -> TokenStream {
    match spec_text {
        Some(t) if !t.trim().is_empty() => doc_attrs(&escape::markdown(t)),
        _ => doc_attrs(fallback),
    }
}
