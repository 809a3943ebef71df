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
    files.insert(
        "src/operations.rs".to_owned(),
        rust_file(api, operation::render(api)),
    );
    files.insert(
        "src/types.rs".to_owned(),
        rust_file(api, types::render(api)),
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
    let file: syn::File =
        syn::parse2(tokens).expect("rendered tokens always form a valid Rust file");
    let [a, b] = header_lines(api);
    format!(
        "// {a}\n// {b}\n\n{}",
        space_items(&prettyplease::unparse(&file))
    )
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
