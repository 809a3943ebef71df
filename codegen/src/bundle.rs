//! Bundling: every `$ref` that does not name a component directly (a
//! pointer into `paths`, deep into a component, or into another file) is
//! rewritten to a component of its own, so that lowering only ever follows
//! `#/components/<kind>/<name>`.
//!
//! References are confined. A reference to another file is followed only
//! when, after canonicalisation (symlinks resolved), it names a regular
//! file inside the spec's own folder (or a folder the user allowed), of at
//! most [`MAX_FILE_BYTES`], and all files together stay under
//! [`MAX_TOTAL_BYTES`]; remote references are never fetched. Anything else
//! is one error naming the file and the pointer of the `$ref`, which never
//! quotes the referenced file.
//!
//! Every target has one canonical key (the canonical file, the decoded
//! JSON pointer), so however a reference is spelled (`x.yaml`,
//! `./x.yaml`, `a/../x.yaml`, `%7E0` or `~0`) it becomes one component, and
//! cycles across files end. The work is done in two passes: discovery
//! (every reachable reference resolved, files read once) and
//! materialisation (targets moved into `components`, deepest first, each
//! leaving a reference behind), so no target is copied twice.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::Read;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use crate::error::{Error, push_pointer};
use crate::limits::{MAX_FILE_BYTES, MAX_FILES, MAX_TOTAL_BYTES};
use crate::names::{Scope, camel};

/// Where a spec lives, which decides which files its `$ref`s may read.
#[derive(Debug, Clone, Default)]
pub struct SpecSource {
    /// The folder relative references start from; `None`: references to
    /// other files are left as written (and lowering refuses them).
    pub dir: Option<PathBuf>,
    /// The spec file itself, so that a reference back to it by name is
    /// a reference into this document.
    pub file: Option<PathBuf>,
    /// Further folders whose files references may read
    /// (`--allow-refs-from`); the spec's own folder always may.
    pub allow: Vec<PathBuf>,
}

impl SpecSource {
    /// A spec read from `path`: references are read relative to its folder
    /// and confined to it.
    pub fn file(path: &Path) -> Self {
        let dir = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
            _ => PathBuf::from("."),
        };
        SpecSource {
            dir: Some(dir),
            file: Some(path.to_owned()),
            allow: Vec::new(),
        }
    }

    /// References may also read files under `dir`.
    pub fn allow(mut self, dir: impl Into<PathBuf>) -> Self {
        self.allow.push(dir.into());
        self
    }
}

/// The documents references are resolved in: 0 is the spec, the others
/// files read on the way.
const ROOT: usize = 0;

/// A `$ref` as found: the pointer of the object holding it, the reference
/// as written, and the kind of component its place calls for.
type Found = (String, String, &'static str);

/// One target: a document and a canonical (escaped) JSON pointer into it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct Key {
    doc: usize,
    pointer: String,
}

/// A `$ref` found in a document: where its object is, and the kind of
/// component its place calls for.
struct Site {
    doc: usize,
    holder: String,
    /// What the reference becomes (`None`: left as written).
    target: Option<Key>,
}

struct Loaded {
    /// The canonical path.
    path: PathBuf,
    /// How errors name it: relative to the spec's folder when inside it.
    label: String,
    value: Value,
}

struct Bundler<'s> {
    label: &'s str,
    /// The canonical folder of the spec, and the folders files may be read from.
    dir: Option<PathBuf>,
    roots: Vec<PathBuf>,
    /// The canonical spec file.
    spec: Option<PathBuf>,
    files: Vec<Loaded>,
    by_path: HashMap<PathBuf, usize>,
    total: u64,
}

/// Rewrites `raw` in place; `label` names the spec in errors.
pub(crate) fn bundle(raw: &mut Value, source: &SpecSource, label: &str) -> Result<(), Error> {
    let canonical = |p: &Path| std::fs::canonicalize(p).ok();
    let dir = source.dir.as_deref().and_then(canonical);
    if source.dir.is_some() && dir.is_none() {
        return Err(Error::new(
            label,
            "",
            "a spec in a readable folder",
            source.dir.as_ref().map(|d| format!("\"{}\"", d.display())),
        ));
    }
    let mut roots: Vec<PathBuf> = dir.iter().cloned().collect();
    for extra in &source.allow {
        match canonical(extra) {
            Some(p) if p.is_dir() => roots.push(p),
            _ => {
                return Err(Error::new(
                    label,
                    "",
                    "a folder to allow references from that exists",
                    Some(format!("\"{}\"", extra.display())),
                ));
            }
        }
    }
    let mut bundler = Bundler {
        label,
        dir,
        roots,
        spec: source.file.as_deref().and_then(canonical),
        files: Vec::new(),
        by_path: HashMap::new(),
        total: 0,
    };
    bundler.run(raw)
}

impl Bundler<'_> {
    fn doc<'v>(&'v self, raw: &'v Value, doc: usize) -> &'v Value {
        if doc == ROOT {
            raw
        } else {
            &self.files[doc - 1].value
        }
    }

    fn doc_mut<'v>(&'v mut self, raw: &'v mut Value, doc: usize) -> &'v mut Value {
        if doc == ROOT {
            raw
        } else {
            &mut self.files[doc - 1].value
        }
    }

    fn doc_label(&self, doc: usize) -> &str {
        if doc == ROOT {
            self.label
        } else {
            &self.files[doc - 1].label
        }
    }

    fn run(&mut self, raw: &mut Value) -> Result<(), Error> {
        // Discovery: every reference reachable from the spec, resolved.
        let mut sites: Vec<Site> = Vec::new();
        let mut found = Vec::new();
        collect(raw, "", "schemas", &mut found);
        let mut targets: Vec<(Key, &'static str)> = Vec::new();
        let mut known: BTreeSet<Key> = BTreeSet::new();
        let mut scanned: BTreeSet<(usize, String)> = BTreeSet::new();
        let mut queue: Vec<(usize, Vec<Found>)> = vec![(ROOT, found)];
        while let Some((doc, found)) = queue.pop() {
            for (holder, reference, kind) in found {
                if !scanned.insert((doc, holder.clone())) {
                    continue;
                }
                let target = self.resolve(raw, doc, &holder, &reference)?;
                if let Some(key) = &target
                    && !is_component(key)
                    && known.insert(key.clone())
                {
                    targets.push((key.clone(), kind));
                    if key.doc != ROOT {
                        let mut inner = Vec::new();
                        if let Some(node) = self.doc(raw, key.doc).pointer(&key.pointer) {
                            collect(node, &key.pointer, kind, &mut inner);
                        }
                        queue.push((key.doc, inner));
                    }
                }
                sites.push(Site {
                    doc,
                    holder,
                    target,
                });
            }
        }
        if targets.is_empty() && sites.iter().all(|s| s.target.is_none()) {
            return Ok(());
        }
        // Names, in discovery order (so they are stable).
        let mut scopes: BTreeMap<&'static str, Scope> = BTreeMap::new();
        let mut final_ref: HashMap<Key, (&'static str, String)> = HashMap::new();
        for (key, kind) in &targets {
            let scope = scopes.entry(kind).or_insert_with(|| {
                let mut scope = Scope::default();
                if let Some(Value::Object(taken)) = raw.pointer(&format!("/components/{kind}")) {
                    for name in taken.keys() {
                        scope.claim(name.clone());
                    }
                }
                scope
            });
            let node = self.doc(raw, key.doc).pointer(&key.pointer);
            let name = match node.and_then(|n| n.get("name")).and_then(Value::as_str) {
                Some(param) if *kind == "parameters" => camel(param),
                _ => {
                    let file = if key.doc == ROOT {
                        ""
                    } else {
                        &self.files[key.doc - 1].label
                    };
                    name_for(raw, &format!("{file}#{}", key.pointer), kind)
                }
            };
            let name = scope.claim(name);
            final_ref.insert(key.clone(), (kind, name));
        }
        let reference_of = |key: &Key| -> String {
            match final_ref.get(key) {
                Some((kind, name)) => format!("#/components/{kind}/{}", escape(name)),
                // A component of the spec itself, in its canonical spelling.
                None => format!("#{}", key.pointer),
            }
        };
        // Every reference is rewritten to its component.
        for site in &sites {
            let Some(key) = &site.target else { continue };
            let new = reference_of(key);
            if let Some(Value::Object(holder)) =
                self.doc_mut(raw, site.doc).pointer_mut(&site.holder)
            {
                holder.insert("$ref".to_owned(), Value::String(new));
            }
        }
        // Targets move into components, deepest first, each leaving a
        // reference behind, so every use names one component.
        let mut order: Vec<usize> = (0..targets.len()).collect();
        order.sort_by_key(|&i| std::cmp::Reverse(depth(&targets[i].0.pointer)));
        let mut moved: Vec<Option<Value>> = vec![None; targets.len()];
        for i in order {
            let key = &targets[i].0;
            let new = reference_of(key);
            // The spec's top-level sections (`#/paths/~1a`) are copied.
            let copy = key.doc == ROOT && depth(&key.pointer) < 3;
            let Some(node) = self.doc_mut(raw, key.doc).pointer_mut(&key.pointer) else {
                continue;
            };
            moved[i] = Some(if copy {
                node.clone()
            } else {
                std::mem::replace(node, serde_json::json!({ "$ref": new }))
            });
        }
        let Some(root) = raw.as_object_mut() else {
            return Ok(());
        };
        let components = root
            .entry("components")
            .or_insert_with(|| Value::Object(Map::new()));
        let Some(components) = components.as_object_mut() else {
            return Err(Error::new(
                self.label,
                "/components",
                "a mapping",
                Some(crate::parse::kind_of(components).to_owned()),
            ));
        };
        for ((key, _), value) in targets.iter().zip(moved) {
            let (Some(value), Some((kind, name))) = (value, final_ref.get(key)) else {
                continue;
            };
            let entries = components
                .entry(*kind)
                .or_insert_with(|| Value::Object(Map::new()));
            match entries.as_object_mut() {
                Some(entries) => {
                    entries.insert(name.clone(), value);
                }
                None => {
                    return Err(Error::new(
                        self.label,
                        format!("/components/{kind}"),
                        "a mapping",
                        Some(crate::parse::kind_of(entries).to_owned()),
                    ));
                }
            }
        }
        Ok(())
    }

    /// The target of `reference`, written in document `doc` at `holder`.
    /// `Ok(None)`: not followed here (no such node, not a JSON pointer, or
    /// no folder to read other files from); lowering reports it.
    fn resolve(
        &mut self,
        raw: &Value,
        doc: usize,
        holder: &str,
        reference: &str,
    ) -> Result<Option<Key>, Error> {
        let at = push_pointer(holder, "$ref");
        let refuse = |this: &Self, expected: &str, found: String| {
            Error::new(this.doc_label(doc), at.clone(), expected, Some(found))
        };
        let quoted = format!("\"{reference}\"");
        let (file, fragment) = reference.split_once('#').unwrap_or((reference, ""));
        let pointer = percent_decode(fragment);
        if !(pointer.is_empty() || pointer.starts_with('/')) {
            return Ok(None);
        }
        let pointer = canonical_pointer(&pointer);
        let target_doc = if file.is_empty() {
            doc
        } else {
            if is_remote(file) {
                return Err(refuse(
                    self,
                    "a reference to a file in the spec's folder (remote references are not fetched)",
                    quoted,
                ));
            }
            if self.dir.is_none() {
                return Ok(None);
            }
            self.load(doc, file).map_err(|(expected, found)| {
                refuse(self, &expected, format!("{quoted} ({found})"))
            })?
        };
        if target_doc == ROOT && depth(&pointer) < 2 {
            return Err(refuse(
                self,
                "a reference to a node inside the document, not the document or one of its sections",
                quoted,
            ));
        }
        match self.doc(raw, target_doc).pointer(&pointer) {
            None => Ok(None),
            Some(Value::Object(_)) => Ok(Some(Key {
                doc: target_doc,
                pointer,
            })),
            Some(other) => Err(refuse(
                self,
                "a reference to a mapping (a schema, parameter, response...)",
                format!("{quoted}, which names {}", crate::parse::kind_of(other)),
            )),
        }
    }

    /// Reads the file `file` names from document `doc` (once), within the
    /// limits. Errors are (expected, found) and never quote the file.
    fn load(&mut self, doc: usize, file: &str) -> Result<usize, (String, String)> {
        let base = if doc == ROOT {
            self.dir.clone()
        } else {
            self.files[doc - 1].path.parent().map(Path::to_owned)
        };
        let Some(base) = base else {
            return Err(("a readable folder".into(), "none".into()));
        };
        let path = base.join(percent_decode(file));
        let inside = "a file inside the spec's folder (or one given with --allow-refs-from)";
        let canonical = std::fs::canonicalize(&path)
            .map_err(|_| ("a file that exists".to_owned(), "no such file".to_owned()))?;
        if !self.roots.iter().any(|r| canonical.starts_with(r)) {
            return Err((inside.into(), "outside".into()));
        }
        if self.spec.as_ref() == Some(&canonical) {
            return Ok(ROOT);
        }
        if let Some(&loaded) = self.by_path.get(&canonical) {
            return Ok(loaded);
        }
        if self.files.len() >= MAX_FILES {
            return Err((
                format!("at most {MAX_FILES} files referenced"),
                "more".into(),
            ));
        }
        let text = read_capped(&canonical, MAX_FILE_BYTES.min(MAX_TOTAL_BYTES - self.total))?;
        self.total += text.len() as u64;
        let value = crate::read::read(&text).map_err(|e| {
            let (expected, found) = e.describe(false);
            (expected, found.unwrap_or_default())
        })?;
        let label = match self
            .dir
            .as_ref()
            .and_then(|d| canonical.strip_prefix(d).ok())
        {
            Some(rel) => rel.to_string_lossy().replace('\\', "/"),
            None => canonical.to_string_lossy().into_owned(),
        };
        self.files.push(Loaded {
            path: canonical.clone(),
            label,
            value,
        });
        self.by_path.insert(canonical, self.files.len());
        Ok(self.files.len())
    }
}

/// Reads a regular file of at most `cap` bytes as UTF-8 text. Devices,
/// FIFOs and folders are refused before they are opened, so nothing
/// blocks or reads forever. Errors are (expected, found).
pub(crate) fn read_capped(path: &Path, cap: u64) -> Result<String, (String, String)> {
    let meta = std::fs::metadata(path)
        .map_err(|e| ("a readable file".to_owned(), e.kind().to_string()))?;
    if !meta.is_file() {
        let what = if meta.is_dir() {
            "a folder"
        } else {
            "a device, FIFO or socket"
        };
        return Err(("a regular file".into(), what.into()));
    }
    let too_big = || {
        (
            format!(
                "a file of at most {} MiB (all files together at most {} MiB)",
                MAX_FILE_BYTES >> 20,
                MAX_TOTAL_BYTES >> 20
            ),
            "a larger one".to_owned(),
        )
    };
    if meta.len() > cap {
        return Err(too_big());
    }
    let file =
        open_nonblocking(path).map_err(|e| ("a readable file".to_owned(), e.kind().to_string()))?;
    // The file may have changed since (a FIFO put in its place opens
    // without blocking): check what was opened, and read at most `cap`
    // bytes whatever it claims.
    if !file.metadata().is_ok_and(|m| m.is_file()) {
        return Err(("a regular file".into(), "something else".into()));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(cap + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| ("a readable file".to_owned(), e.kind().to_string()))?;
    if bytes.len() as u64 > cap {
        return Err(too_big());
    }
    String::from_utf8(bytes).map_err(|e| {
        (
            "UTF-8 text".to_owned(),
            format!("invalid UTF-8 at byte {}", e.utf8_error().valid_up_to()),
        )
    })
}

/// Opens `path` for reading without waiting for a writer: a FIFO that
/// replaced a checked regular file opens at once (and is then refused)
/// instead of blocking. A regular file reads as usual.
fn open_nonblocking(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    options.open(path)
}

/// Whether a reference names something on the network or under another
/// scheme (`https://`, `//host/x`, `file:`), which is never followed.
fn is_remote(file: &str) -> bool {
    if file.starts_with("//") {
        return true;
    }
    match file.split_once(':') {
        Some((scheme, _)) => {
            scheme.starts_with(|c: char| c.is_ascii_alphabetic())
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        }
        None => false,
    }
}

/// Whether a key names `#/components/<kind>/<name>` of the spec itself.
fn is_component(key: &Key) -> bool {
    key.doc == ROOT && depth(&key.pointer) == 3 && key.pointer.starts_with("/components/")
}

/// The number of tokens in a JSON pointer.
fn depth(pointer: &str) -> usize {
    pointer.matches('/').count()
}

/// A JSON pointer in one spelling: every token decoded (`~1`, `~0`) and
/// escaped again.
fn canonical_pointer(pointer: &str) -> String {
    let mut out = String::new();
    for token in pointer.split('/').skip(1) {
        out = push_pointer(&out, &token.replace("~1", "/").replace("~0", "~"));
    }
    out
}

/// A component name as a JSON pointer token.
fn escape(name: &str) -> String {
    name.replace('~', "~0").replace('/', "~1")
}

/// Every `$ref` under `value` (at pointer `at`): the pointer of the object
/// holding it, the reference, and the kind of component its place calls
/// for. Values that are data, not schemas (`example`, `default`, `enum`,
/// `const`, extensions), are not searched.
fn collect(
    value: &Value,
    at: &str,
    kind: &'static str,
    out: &mut Vec<(String, String, &'static str)>,
) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(reference)) = map.get("$ref") {
                out.push((at.to_owned(), reference.clone(), kind));
            }
            let named = is_named_map(at);
            for (key, child) in map {
                if !named && is_data(at, key, child) {
                    continue;
                }
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

/// Whether the mapping at `at` is keyed by names (of properties,
/// components, media types...) rather than by keywords.
fn is_named_map(at: &str) -> bool {
    matches!(
        at.rsplit('/').next(),
        Some(
            "properties"
                | "patternProperties"
                | "schemas"
                | "responses"
                | "parameters"
                | "requestBodies"
                | "headers"
                | "examples"
                | "links"
                | "callbacks"
                | "securitySchemes"
                | "paths"
                | "content"
                | "encoding"
                | "definitions"
                | "$defs"
                | "variables"
        )
    )
}

/// Whether `key` of the keyword mapping at `at` holds data rather than
/// schemas: example values, defaults, enumerations and extensions.
fn is_data(at: &str, key: &str, child: &Value) -> bool {
    key.starts_with("x-")
        || matches!(key, "example" | "default" | "enum" | "const")
        || (key == "examples" && child.is_array())
        // An Example object's literal value.
        || (key == "value" && at.rsplit('/').nth(1) == Some("examples"))
}

/// Whether `at` is the map of `kind` itself (`.../responses`), whose
/// values are of that kind.
fn at_map(at: &str, kind: &str) -> bool {
    at.rsplit('/').next() == Some(kind)
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
        bundle(&mut doc, &SpecSource::default(), "x.yaml").unwrap();
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
    fn files_are_read_only_inside_the_allowed_folders_and_once_per_target() {
        let root = std::env::temp_dir().join(format!("dialtone-bundle-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(root.join("spec/sub")).unwrap();
        std::fs::create_dir_all(root.join("shared")).unwrap();
        std::fs::write(root.join("shared/x.yaml"), "type: object\n").unwrap();
        std::fs::write(root.join("spec/pet.yaml"), "type: object\n").unwrap();
        let doc = |reference: &str| {
            json!({"components": {"schemas": {
                "A": {"$ref": reference},
                "B": {"$ref": "./sub/../pet.yaml"},
                "C": {"$ref": "%70et.yaml#"},
            }}})
        };
        let source = SpecSource::file(&root.join("spec/spec.yaml"));
        let mut refused = doc("../shared/x.yaml");
        let e = bundle(&mut refused, &source, "spec.yaml").unwrap_err();
        assert_eq!(e.pointer, "/components/schemas/A/$ref");
        assert!(e.expected.contains("inside the spec's folder"), "{e}");
        let mut allowed = doc("../shared/x.yaml");
        bundle(
            &mut allowed,
            &source.clone().allow(root.join("shared")),
            "spec.yaml",
        )
        .unwrap();
        let schemas = &allowed["components"]["schemas"];
        assert_eq!(schemas["A"]["$ref"], "#/components/schemas/X");
        // Three spellings of pet.yaml: one component.
        assert_eq!(schemas["B"]["$ref"], "#/components/schemas/Pet");
        assert_eq!(schemas["C"]["$ref"], "#/components/schemas/Pet");
        assert_eq!(schemas.as_object().unwrap().len(), 5);
        for remote in [
            "https://example.com/x.yaml",
            "//host/x.yaml",
            "file:///etc/passwd",
        ] {
            let e = bundle(&mut doc(remote), &source, "spec.yaml").unwrap_err();
            assert!(
                e.expected.contains("remote references are not fetched"),
                "{e}"
            );
        }
        std::fs::remove_dir_all(&root).unwrap();
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

    /// A FIFO swapped in after the check must not hang the open: it opens
    /// at once and the check on what was opened refuses it.
    #[cfg(unix)]
    #[test]
    fn a_fifo_opens_without_waiting_for_a_writer() {
        let dir = std::env::temp_dir().join(format!("dialtone-fifo-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let fifo = dir.join("spec.yaml");
        let status = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(status.success());
        let (tx, rx) = std::sync::mpsc::channel();
        let path = fifo.clone();
        std::thread::spawn(move || {
            let opened = open_nonblocking(&path).map(|f| f.metadata().unwrap().is_file());
            let _ = tx.send(opened.map_err(|e| e.kind()));
        });
        // A blocking open would never answer (no writer ever comes).
        let opened = rx
            .recv_timeout(std::time::Duration::from_secs(30))
            .expect("the open returned");
        assert_eq!(opened, Ok(false));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
