//! Bundling: every `$ref` that does not name a component directly (a
//! pointer into `paths`, deep into a component, or into another file) is
//! rewritten to a component of its own, so that lowering only ever follows
//! `#/components/<kind>/<name>`. The target is copied into `components`
//! under a name taken from its location; targets in other files are read
//! relative to the spec's directory, and their own references are followed
//! the same way.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use crate::error::push_pointer;
use crate::names::{Scope, camel};

/// How many rounds of hoisting (each may reveal references inside the
/// copied targets) before giving up; what is left is reported by lowering.
const MAX_ROUNDS: usize = 16;

/// A reference found in the document.
struct Found {
    /// The reference as written.
    reference: String,
    /// The component kind its context calls for (`schemas`, `parameters`...).
    kind: &'static str,
}

/// Rewrites `raw` in place. `base` is the directory of the spec file, for
/// references to other files (`None`: such references are left as they
/// are, and lowering refuses them with their pointer).
pub(crate) fn bundle(raw: &mut Value, base: Option<&Path>) {
    let mut files: BTreeMap<PathBuf, Option<Value>> = BTreeMap::new();
    for _ in 0..MAX_ROUNDS {
        let mut found = Vec::new();
        collect(raw, "", "schemas", &mut found);
        let pending: Vec<&Found> = found
            .iter()
            .filter(|f| needs_hoisting(&f.reference))
            .collect();
        if pending.is_empty() {
            return;
        }
        let mut mapping: BTreeMap<String, String> = BTreeMap::new();
        let mut scopes: BTreeMap<&'static str, Scope> = BTreeMap::new();
        let mut copies: Vec<(&'static str, String, Value)> = Vec::new();
        for f in pending {
            if mapping.contains_key(&f.reference) {
                continue;
            }
            let Some(target) = resolve(raw, &f.reference, base, &mut files) else {
                continue;
            };
            let scope = scopes.entry(f.kind).or_insert_with(|| {
                let taken: Vec<String> = raw
                    .pointer(&format!("/components/{}", f.kind))
                    .and_then(Value::as_object)
                    .map(|m| m.keys().cloned().collect())
                    .unwrap_or_default();
                let mut scope = Scope::default();
                for name in taken {
                    scope.claim(name);
                }
                scope
            });
            let name = match target.get("name").and_then(Value::as_str) {
                Some(param) if f.kind == "parameters" => camel(param),
                _ => name_for(raw, &f.reference, f.kind),
            };
            let name = scope.claim(name);
            mapping.insert(
                f.reference.clone(),
                format!("#/components/{}/{}", f.kind, name),
            );
            copies.push((f.kind, name, target));
        }
        if mapping.is_empty() {
            return;
        }
        rewrite(raw, &mapping);
        // A target in this document is moved, leaving a reference behind,
        // so that every use names the same component (and type).
        for (reference, new) in &mapping {
            if let Some(fragment) = reference.strip_prefix('#') {
                let pointer = percent_decode(fragment);
                if pointer.matches('/').count() >= 3
                    && let Some(node) = raw.pointer_mut(&pointer)
                {
                    *node = serde_json::json!({ "$ref": new });
                }
            }
        }
        let Some(root) = raw.as_object_mut() else {
            return;
        };
        let components = root
            .entry("components")
            .or_insert_with(|| Value::Object(Map::new()));
        let Some(components) = components.as_object_mut() else {
            return;
        };
        for (kind, name, mut target) in copies {
            rewrite(&mut target, &mapping);
            if let Some(entries) = components
                .entry(kind)
                .or_insert_with(|| Value::Object(Map::new()))
                .as_object_mut()
            {
                entries.insert(name, target);
            }
        }
    }
}

/// Whether a reference must be hoisted: anything but `#/components/<kind>/<name>`.
fn needs_hoisting(reference: &str) -> bool {
    let Some(local) = reference.strip_prefix("#/") else {
        return true;
    };
    let parts: Vec<&str> = local.split('/').collect();
    !(parts.len() == 3 && parts[0] == "components")
}

/// Every `$ref` under `value`, with the kind of component its place calls for.
fn collect(value: &Value, at: &str, kind: &'static str, out: &mut Vec<Found>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(reference)) = map.get("$ref") {
                out.push(Found {
                    reference: reference.clone(),
                    kind,
                });
            }
            for (key, child) in map {
                let child_kind = match key.as_str() {
                    "parameters" => "parameters",
                    "responses" => "responses",
                    "requestBody" => "requestBodies",
                    "headers" => "headers",
                    "examples" => "examples",
                    "links" => "links",
                    "callbacks" => "callbacks",
                    _ => "schemas",
                };
                // Maps of named things (responses by status, headers by
                // name) hold the kind one level down.
                let here = if at_map(at, "properties") {
                    // A property named `parameters` is still a schema.
                    "schemas"
                } else if matches!(kind, "responses" | "headers" | "examples" | "links")
                    && at_map(at, kind)
                {
                    kind
                } else {
                    child_kind
                };
                collect(child, &push_pointer(at, key), here, out);
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                collect(item, &push_pointer(at, &i.to_string()), kind, out);
            }
        }
        _ => {}
    }
}

/// Whether `at` is the map of `kind` itself (`.../responses`), whose
/// values are of that kind.
fn at_map(at: &str, kind: &str) -> bool {
    at.rsplit('/').next() == Some(kind)
}

/// The value a reference points at, read from this document or another
/// file (whose own local references are made relative to it).
fn resolve(
    raw: &Value,
    reference: &str,
    base: Option<&Path>,
    files: &mut BTreeMap<PathBuf, Option<Value>>,
) -> Option<Value> {
    let (file, fragment) = reference.split_once('#').unwrap_or((reference, ""));
    let pointer = percent_decode(fragment);
    if file.is_empty() {
        return raw.pointer(&pointer).cloned();
    }
    let base = base?;
    let path = base.join(percent_decode(file));
    let doc = files
        .entry(path.clone())
        .or_insert_with(|| {
            let text = std::fs::read_to_string(&path).ok()?;
            if text.trim_start().starts_with('{') {
                serde_json::from_str(&text).ok()
            } else {
                serde_norway::from_str(&text).ok()
            }
        })
        .as_ref()?;
    let mut target = if pointer.is_empty() {
        doc.clone()
    } else {
        doc.pointer(&pointer)?.clone()
    };
    // `#/x` inside the other file means that file's `#/x`.
    let dir = Path::new(file).parent().unwrap_or(Path::new(""));
    relocate(&mut target, file, dir);
    Some(target)
}

/// Makes the references of a value copied out of `file` relative to the
/// spec: local ones name `file`, relative file names are joined to `dir`.
fn relocate(value: &mut Value, file: &str, dir: &Path) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(reference)) = map.get_mut("$ref") {
                if reference.starts_with('#') {
                    *reference = format!("{file}{reference}");
                } else if !dir.as_os_str().is_empty() {
                    *reference = dir.join(&*reference).to_string_lossy().replace('\\', "/");
                }
            }
            for child in map.values_mut() {
                relocate(child, file, dir);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| relocate(v, file, dir)),
        _ => {}
    }
}

fn rewrite(value: &mut Value, mapping: &BTreeMap<String, String>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(reference)) = map.get_mut("$ref")
                && let Some(new) = mapping.get(reference.as_str())
            {
                *reference = new.clone();
            }
            for child in map.values_mut() {
                rewrite(child, mapping);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| rewrite(v, mapping)),
        _ => {}
    }
}

/// A component name for what a reference points at, from its last
/// meaningful tokens (`#/paths/~1v2~1droplets/get/.../droplets/items` ->
/// `DropletsItem`; `common.yaml#/Error` -> `Error`).
fn name_for(raw: &Value, reference: &str, kind: &str) -> String {
    const STRUCTURAL: &[&str] = &[
        "paths",
        "components",
        "schemas",
        "schema",
        "properties",
        "content",
        "allOf",
        "oneOf",
        "anyOf",
        "not",
        "additionalProperties",
        "parameters",
        "responses",
        "requestBody",
        "requestBodies",
        "headers",
        "get",
        "put",
        "post",
        "delete",
        "patch",
        "head",
        "options",
        "trace",
        "definitions",
        "$defs",
    ];
    let (file, fragment) = reference.split_once('#').unwrap_or((reference, ""));
    let decoded = percent_decode(fragment);
    let tokens: Vec<String> = decoded
        .split('/')
        .filter(|t| !t.is_empty())
        .map(|t| t.replace("~1", "/").replace("~0", "~"))
        .collect();
    let mut picked: Vec<String> = Vec::new();
    let mut item = false;
    for token in tokens.iter().rev() {
        if token == "items" {
            item = picked.is_empty() || item;
            continue;
        }
        if STRUCTURAL.contains(&token.as_str())
            || token.contains('/')
            || token.chars().all(|c| c.is_ascii_digit())
        {
            continue;
        }
        picked.push(token.clone());
        if picked.len() == 2 {
            break;
        }
    }
    picked.reverse();
    // Inside an operation, its operationId says what the thing is for.
    if let [paths, path, method, rest @ ..] = tokens.as_slice()
        && paths == "paths"
        && file.is_empty()
        && let Some(id) = raw
            .get("paths")
            .and_then(|p| p.get(path))
            .and_then(|p| p.get(method))
            .and_then(|op| op.get("operationId"))
            .and_then(Value::as_str)
    {
        let role = if rest.iter().any(|t| t == "requestBody") {
            "body"
        } else if rest.iter().any(|t| t == "parameters") {
            "parameter"
        } else {
            "response"
        };
        picked.insert(0, format!("{id} {role}"));
        picked.truncate(2);
    }
    let mut name = picked.join(" ");
    if name.is_empty() {
        name = Path::new(file)
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| kind.trim_end_matches('s').to_owned());
    }
    if item {
        name.push_str(" item");
    }
    camel(&name)
}

fn percent_decode(text: &str) -> String {
    percent_encoding::percent_decode_str(text)
        .decode_utf8_lossy()
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn references_into_paths_become_components() {
        let mut doc = json!({
            "paths": {"/a": {"get": {"responses": {"200": {"content": {"application/json": {"schema": {
                "type": "object", "properties": {"things": {"type": "array", "items": {"type": "object", "properties": {"id": {"type": "string"}}}}}
            }}}}}}},
            "/b": {"get": {
                "parameters": [{"$ref": "#/paths/~1a/get/parameters/0"}],
                "responses": {
                    "200": {"content": {"application/json": {"schema": {"$ref": "#/paths/~1a/get/responses/200/content/application~1json/schema/properties/things/items"}}}},
                    "401": {"$ref": "#/paths/~1a/get/responses/200"}
                }
            }}}
        });
        doc["paths"]["/a"]["get"]["parameters"] =
            json!([{"name": "q", "in": "query", "schema": {"type": "string"}}]);
        bundle(&mut doc, None);
        let b = &doc["paths"]["/b"]["get"];
        assert_eq!(b["parameters"][0]["$ref"], "#/components/parameters/Q");
        assert_eq!(
            b["responses"]["200"]["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/ThingsItem"
        );
        assert_eq!(
            b["responses"]["401"]["$ref"],
            "#/components/responses/Response"
        );
        assert_eq!(
            doc["components"]["schemas"]["ThingsItem"]["properties"]["id"]["type"],
            "string"
        );
    }

    #[test]
    fn names_are_stable_and_unique() {
        let raw = json!({"paths": {"/v2/droplets": {"get": {"operationId": "listDroplets"}}}});
        let name = |r: &str| name_for(&raw, r, "schemas");
        assert_eq!(name("common.yaml#/components/schemas/Error"), "Error");
        assert_eq!(name("common.yaml"), "Common");
        let list = "#/paths/~1v2~1droplets/get/responses/200/content/application~1json/schema";
        assert_eq!(name(list), "ListDropletsResponse");
        assert_eq!(
            name(&format!("{list}/allOf/0/properties/droplets/items")),
            "ListDropletsResponseDropletsItem"
        );
        assert_eq!(percent_decode("/a~1%7Bid%7D"), "/a~1{id}");
    }
}
