//! Lowering: `openapiv3::OpenAPI` -> [`crate::ir::Api`]. The only stage that can
//! fail; every error names the spec file and the JSON pointer of the node.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use openapiv3::OpenAPI;
use serde_json::Value;

use crate::error::Error;
use crate::ir::*;
use crate::names::Scope;

mod auth;
mod batch;
mod body;
mod compose;
mod cycles;
mod digest;
mod examples;
mod extensions;
pub(crate) use extensions::EXT_PAGINATION;
pub(crate) mod members;
mod operation;
mod paging;
mod params;
mod refs;
mod response;
mod schema;
mod servers;

use extensions::*;
use refs::component_key;
use schema::any_is_empty;

/// Lowers a parsed spec into the IR. With `strict`, anything that would
/// be skipped (an operation, a parameter, a schema decoded as JSON) is an
/// error instead. Merging `allOf` members may produce at most
/// `merge_budget` fields in all (the rest are decoded as JSON values), so
/// that chains and diamonds of `allOf` cannot multiply the output.
pub fn lower(
    file: &str,
    vendor: &str,
    doc: &OpenAPI,
    strict: bool,
    merge_budget: usize,
    overlaid: &[String],
) -> Result<Api, Error> {
    let mut lowerer = Lowerer {
        file,
        doc,
        strict,
        skipped: Vec::new(),
        types: Vec::new(),
        type_slots: Default::default(),
        type_names: members::types(),
        components: BTreeMap::new(),
        resolving: BTreeSet::new(),
        patterns: schema::Patterns::default(),
        envelope: EnvelopeConfig::default(),
        inline: BTreeMap::new(),
        depth: 0,
        reported: HashSet::new(),
        merge_budget,
        overlaid: overlaid.iter().cloned().collect(),
    };
    lowerer.envelope = lowerer.envelope_config()?;
    lowerer.name_components();
    lowerer.lower_components()?;
    let operation::Lowered {
        operations,
        examples,
        shared_errors,
        mut methods,
    } = lowerer.operations()?;
    let servers = lowerer.servers(&mut methods)?;
    lowerer.break_alias_cycles();
    lowerer.box_cycles();
    lowerer.box_deep_nesting();
    members::name_setters(&mut lowerer.types);
    let auth = lowerer.security_schemes(&operations)?;
    let error_type = lowerer.error_type()?;
    let request_id_header = lowerer.request_id_header()?;
    let errcode = lowerer.errcode()?;
    let rate_groups = lowerer.rate_groups(&operations)?;
    let digests = lowerer.digests()?;
    let example_operation = lowerer.example_operation(&operations)?;
    let common_response_headers = response::common_response_headers(&operations);
    Ok(Api {
        vendor: vendor.to_owned(),
        crate_name: format!("dialtone-{vendor}"),
        spec_file: file.to_owned(),
        title: doc.info.title.clone(),
        version: doc.info.version.clone(),
        description: doc.info.description.clone(),
        default_server: doc.servers.first().map(|server| {
            let mut url = server.url.clone();
            for (name, var) in server.variables.iter().flatten() {
                url = url.replace(&format!("{{{name}}}"), &var.default);
            }
            url
        }),
        servers,
        auth,
        operations,
        shared_errors,
        types: lowerer.types,
        patterns: lowerer.patterns.list,
        error_type,
        request_id_header,
        common_response_headers,
        rate_groups,
        errcode,
        example_operation,
        examples,
        skipped: lowerer.skipped,
        digests,
        type_index: TypeIndex::default(),
    })
}

struct Lowerer<'a> {
    file: &'a str,
    doc: &'a OpenAPI,
    /// Refuse instead of skipping.
    strict: bool,
    /// What was skipped or ignored so far.
    skipped: Vec<Skipped>,
    types: Vec<TypeDef>,
    /// How many of `types` are indexed, and the index: name -> slot.
    type_slots: std::cell::RefCell<(usize, HashMap<String, usize>)>,
    type_names: Scope,
    /// Component schema key -> Rust name, for components that are named types.
    components: BTreeMap<String, String>,
    /// Components being inlined right now (to refuse alias cycles).
    resolving: BTreeSet<String>,
    patterns: schema::Patterns,
    envelope: EnvelopeConfig,
    /// Inline named types already lowered, by pointer, so that a schema
    /// met twice (a shared response) yields one type.
    inline: BTreeMap<String, TypeRef>,
    /// How many schemas deep lowering is now.
    depth: usize,
    /// (pointer, reason) of every skip and note, so each is listed once.
    reported: HashSet<(String, String)>,
    /// How many more fields merging `allOf` members may produce.
    merge_budget: usize,
    /// Pointers of the operations whose `x-dialtone-pagination` the
    /// overlay file set: a problem there fails, never skips.
    overlaid: HashSet<String>,
}

impl<'a> Lowerer<'a> {
    /// Records `err` as a skip of `unit` and goes on, or (strict) fails.
    fn soften(&mut self, err: Error, unit: SkipUnit) -> Result<(), Error> {
        if self.strict {
            return Err(err);
        }
        let reason = match &err.found {
            Some(found) => format!("expected {}, found {found}", err.expected),
            None => format!("expected {}", err.expected),
        };
        // A schema inlined at several uses reports once.
        if self.reported.insert((err.pointer.clone(), reason.clone())) {
            self.skipped.push(Skipped {
                unit,
                pointer: err.pointer,
                reason,
            });
        }
        Ok(())
    }

    /// Records a keyword that is ignored (never an error).
    fn note(&mut self, pointer: impl Into<String>, reason: impl Into<String>) {
        let (pointer, reason) = (pointer.into(), reason.into());
        if self.reported.insert((pointer.clone(), reason.clone())) {
            self.skipped.push(Skipped {
                unit: SkipUnit::Ignored,
                pointer,
                reason,
            });
        }
    }

    /// "expected X, found <the kind of `found`>".
    fn wrong_kind(
        &self,
        pointer: impl Into<String>,
        expected: impl Into<String>,
        found: &Value,
    ) -> Error {
        self.err(
            pointer,
            expected,
            Some(crate::parse::kind_of(found).to_owned()),
        )
    }

    fn err(
        &self,
        pointer: impl Into<String>,
        expected: impl Into<String>,
        found: Option<String>,
    ) -> Error {
        Error::new(self.file, pointer, expected, found)
    }
}

/// Header names must be lower-case tokens (checked so that rendering, which
/// uses `HeaderName::from_static`, can never produce a panicking crate).
pub(super) fn reqwest_header_ok(name: &str) -> Result<(), ()> {
    let ok = !name.is_empty()
        && name.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || b"!#$%&'*+-.^_`|~".contains(&b)
        });
    if ok { Ok(()) } else { Err(()) }
}
