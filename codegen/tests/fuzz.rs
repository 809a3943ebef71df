//! Property tests: no input makes the generator panic or abort, and every
//! accepted input renders Rust that parses. Two targets:
//!
//! - structural: the repository's own specs and corpus, mutated as JSON
//!   values, plus specs generated from scratch, including structures
//!   nested to and past every depth limit (`$ref` chains, `items`,
//!   properties, composition);
//! - bytes: the same seeds as YAML or JSON text, mutated byte by byte
//!   (flips, deletions, repeated slices, brackets, anchors and aliases,
//!   byte order marks), so the parsers and their limits are exercised.
//!
//! Each target runs in a child process (this test binary again), so that
//! even an abort (a stack overflow cannot be caught) is seen and reported
//! with the seed, the case and the input (written to
//! `target/fuzz-current.txt` before each case).
//!
//! Bounded in count and time: `DIALTONE_FUZZ_CASES` (default 300) cases or
//! `DIALTONE_FUZZ_SECONDS` (default 60) seconds per target, whichever ends
//! first; `DIALTONE_FUZZ_SEED` picks the run. A longer run:
//!
//! ```sh
//! DIALTONE_FUZZ_CASES=1000000 DIALTONE_FUZZ_SECONDS=3600 \
//!   cargo test --release -p dialtone-codegen --test fuzz -- --nocapture
//! ```
//!
//! A failure prints the seed and case number, and the input is written to
//! `target/fuzz-failure.json` (structural) or `target/fuzz-failure.txt`
//! (bytes).

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use dialtone_codegen::{CrateMode, generate};
use serde_json::{Map, Value, json};

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The seeds: every spec in specs/ and tests/corpus/.
fn seeds() -> Vec<Value> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let mut out = Vec::new();
    for dir in ["specs", "tests/corpus"] {
        let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
            continue;
        };
        let mut paths: Vec<_> = entries.flatten().map(|e| e.path()).collect();
        paths.sort();
        for path in paths {
            if path.extension().is_some_and(|e| e == "yaml") {
                let text = std::fs::read_to_string(&path).unwrap();
                // The large generated corpus spec would dominate the time.
                if text.len() < 400_000 {
                    out.push(serde_norway::from_str(&text).unwrap());
                }
            }
        }
    }
    out
}

const WORDS: &[&str] = &[
    "type",
    "self",
    "Self",
    "",
    "0",
    "-",
    "prénom",
    "日本",
    "a b",
    "$ref",
    "items",
    "Error",
    "Result",
    "None",
    "user_id",
    "userId",
    "USER-ID",
    "__",
    "9lives",
    "x-dialtone-envelope",
];

fn random_string(rng: &mut fastrand::Rng) -> String {
    match rng.u8(0..6) {
        0 => WORDS[rng.usize(..WORDS.len())].to_owned(),
        1 => "#/components/schemas/Nope".to_owned(),
        2 => "other.yaml#/components/schemas/X".to_owned(),
        3 => "#/paths/~1a/get/responses/200".to_owned(),
        4 => (0..rng.usize(0..12)).map(|_| rng.char(..)).collect(),
        _ => format!("{}", rng.i64(..)),
    }
}

/// A random schema of bounded depth.
fn random_schema(rng: &mut fastrand::Rng, depth: u32) -> Value {
    let leaf = depth == 0 || rng.u8(0..3) == 0;
    if leaf {
        return match rng.u8(0..9) {
            0 => json!({"type": "string", "enum": ["a", "B", "b", ""]}),
            1 => json!({"type": "integer", "format": "int32", "minimum": -3, "maximum": 9}),
            2 => {
                json!({"type": "string", "format": (["byte", "binary", "date-time", "uuid", "password"][rng.usize(..5)])})
            }
            3 => json!({"$ref": "#/components/schemas/S0"}),
            4 => json!({"$ref": "#/components/schemas/S1"}),
            5 => json!({}),
            6 => json!({"enum": [1, "two", true]}),
            7 => json!({"type": "number", "nullable": true}),
            _ => json!({"type": "boolean"}),
        };
    }
    fn members(rng: &mut fastrand::Rng, depth: u32) -> Value {
        Value::Array(
            (0..rng.usize(0..4))
                .map(|_| random_schema(rng, depth - 1))
                .collect(),
        )
    }
    match rng.u8(0..7) {
        0 => json!({"allOf": members(rng, depth)}),
        1 => json!({"oneOf": members(rng, depth), "discriminator": {"propertyName": "kind"}}),
        2 => json!({"anyOf": members(rng, depth)}),
        3 => json!({"not": random_schema(rng, depth - 1)}),
        4 => json!({"type": "array", "items": random_schema(rng, depth - 1)}),
        5 => json!({"type": "object", "additionalProperties": random_schema(rng, depth - 1)}),
        _ => {
            let mut props = Map::new();
            for _ in 0..rng.usize(0..5) {
                props.insert(random_string(rng), random_schema(rng, depth - 1));
            }
            let required: Vec<Value> = props.keys().take(2).map(|k| json!(k)).collect();
            json!({"type": "object", "required": required, "properties": props})
        }
    }
}

/// A schema nested `depth` deep in one of the ways that recurse.
fn deep_schema(rng: &mut fastrand::Rng, depth: usize) -> Value {
    let mut schema = json!({"type": "string"});
    let shape = rng.u8(0..7);
    for _ in 0..depth {
        schema = match shape {
            0 => json!({"type": "array", "items": schema}),
            1 => json!({"type": "object", "properties": {"a": schema}, "required": ["a"]}),
            2 => {
                json!({"allOf": [schema, {"type": "object", "properties": {"b": {"type": "integer"}}}]})
            }
            3 => json!({"oneOf": [{"type": "integer"}, schema]}),
            4 => json!({"anyOf": [schema]}),
            5 => json!({"type": "object", "additionalProperties": schema}),
            _ => json!({"not": schema}),
        };
    }
    schema
}

/// A spec whose schemas nest near and past the limits: in place, or as a
/// chain of components referring to the next.
fn deep_spec(rng: &mut fastrand::Rng) -> Value {
    let mut schemas = Map::new();
    if rng.bool() {
        // In place: up to past the document's nesting limit.
        let depth = rng.usize(1..80);
        schemas.insert("Deep".into(), deep_schema(rng, depth));
    } else {
        // A chain of components, each one step deeper than the next.
        let n = rng.usize(1..200);
        for i in 0..n {
            let next = json!({"$ref": format!("#/components/schemas/C{}", i + 1)});
            let step = match rng.u8(0..5) {
                0 => next,
                1 => json!({"type": "array", "items": next}),
                2 => {
                    json!({"allOf": [next, {"type": "object", "properties": {(format!("p{i}")): {"type": "string"}}}]})
                }
                3 => json!({"oneOf": [{"type": "integer"}, next]}),
                _ => json!({"type": "object", "properties": {"next": next}}),
            };
            schemas.insert(format!("C{i}"), step);
        }
        schemas.insert(format!("C{n}"), json!({"type": "string"}));
    }
    json!({
        "openapi": "3.0.3",
        "info": {"title": "Deep", "version": "1"},
        "paths": {"/x": {"get": {"operationId": "getX", "responses": {"200": {
            "description": "ok",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/".to_owned() + schemas.keys().next().unwrap()}}}
        }}}}},
        "components": {"schemas": schemas}
    })
}

/// A spec generated from scratch.
fn random_spec(rng: &mut fastrand::Rng) -> Value {
    let mut schemas = Map::new();
    for i in 0..rng.usize(2..6) {
        schemas.insert(format!("S{i}"), random_schema(rng, 3));
    }
    let mut paths = Map::new();
    for i in 0..rng.usize(1..5) {
        let path = format!("/r{i}/{{id}}");
        let media = [
            "application/json",
            "text/plain",
            "multipart/form-data",
            "application/x-www-form-urlencoded",
            "application/octet-stream",
            "application/vnd.x+json",
        ];
        let op = json!({
            "operationId": random_string(rng),
            "parameters": [
                {"name": "id", "in": "path", "required": true, "schema": random_schema(rng, 1)},
                {"name": random_string(rng), "in": (["query", "header", "cookie"][rng.usize(..3)]), "schema": random_schema(rng, 2)}
            ],
            "requestBody": {"content": {(media[rng.usize(..media.len())]): {"schema": random_schema(rng, 2)}}},
            "responses": {
                "200": {"description": "ok", "content": {(media[rng.usize(..media.len())]): {"schema": random_schema(rng, 2)}}},
                "202": {"description": "queued", "content": {"application/json": {"schema": random_schema(rng, 1)}}},
                "default": {"description": "error"}
            }
        });
        let method = ["get", "put", "post", "delete", "patch"][rng.usize(..5)];
        paths.insert(path, json!({ (method): op }));
    }
    json!({
        "openapi": "3.0.3",
        "info": {"title": "Fuzz", "version": "1"},
        "paths": paths,
        "components": {"schemas": schemas}
    })
}

/// Visits a random node of `value` and changes it.
fn mutate(rng: &mut fastrand::Rng, value: &mut Value, depth: u32) {
    // Never the document itself; deeper nodes are likelier.
    let descend = depth < 2 || (depth < 14 && rng.u8(0..5) != 0);
    match value {
        Value::Object(map) if descend && !map.is_empty() => {
            let key = map.keys().nth(rng.usize(..map.len())).unwrap().clone();
            mutate(rng, map.get_mut(&key).unwrap(), depth + 1);
            return;
        }
        Value::Array(items) if descend && !items.is_empty() => {
            let i = rng.usize(..items.len());
            mutate(rng, &mut items[i], depth + 1);
            return;
        }
        _ => {}
    }
    match rng.u8(0..9) {
        0 => *value = Value::Null,
        1 => *value = json!(rng.i64(..)),
        2 => *value = json!(random_string(rng)),
        3 => *value = random_schema(rng, 3),
        4 => *value = json!({"$ref": random_string(rng)}),
        5 => {
            if let Value::Object(map) = value
                && !map.is_empty()
            {
                let key = map.keys().nth(rng.usize(..map.len())).unwrap().clone();
                map.remove(&key);
            }
        }
        6 => {
            if let Value::Object(map) = value {
                map.insert(random_string(rng), random_schema(rng, 2));
            }
        }
        7 => *value = json!([random_schema(rng, 1), 3, "x"]),
        _ => *value = json!({"oneOf": [value.clone(), random_schema(rng, 2)]}),
    }
}

fn target_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../target")
}

/// Runs `target` in a child process (this binary, filtered to the same
/// test, with `DIALTONE_FUZZ_CHILD` set) and fails with the case it was
/// on if the child ends in any way but success, an abort included.
fn supervise(test: &str, target: fn()) {
    if std::env::var_os("DIALTONE_FUZZ_CHILD").is_some() {
        target();
        return;
    }
    let current = target_dir().join(format!("fuzz-current-{test}.txt"));
    let _ = std::fs::remove_file(&current);
    let status = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", test, "--nocapture", "--test-threads", "1"])
        .env("DIALTONE_FUZZ_CHILD", "1")
        .env("DIALTONE_FUZZ_CURRENT", &current)
        .status()
        .unwrap();
    if !status.success() {
        let case = std::fs::read_to_string(&current).unwrap_or_default();
        let (head, input) = case.split_once('\n').unwrap_or((&case, ""));
        let out = target_dir().join(format!("fuzz-failure-{test}.txt"));
        let _ = std::fs::write(&out, input);
        panic!(
            "{test} failed ({status}) on {head}; input in {}",
            out.display()
        );
    }
}

/// Records the case about to run, so that a parent sees it after an abort.
fn record(label: &str, input: &str) {
    if let Some(path) = std::env::var_os("DIALTONE_FUZZ_CURRENT") {
        let _ = std::fs::write(path, format!("{label}\n{input}"));
    }
}

/// Generates `text`; panics if the generator panics, or if what it
/// accepts does not parse as Rust, or if a refusal names no pointer.
fn check(file: &str, text: &str, strict: bool, verbose: bool) -> bool {
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        let generated = generate(file, text, "fuzz", &CrateMode::Workspace, strict)?;
        for (name, source) in &generated.files {
            if name.ends_with(".rs") {
                syn::parse_file(source).unwrap_or_else(|e| panic!("{name} does not parse: {e}"));
            }
        }
        Ok::<_, dialtone_codegen::Error>(())
    }));
    match outcome {
        Ok(Ok(())) => true,
        Ok(Err(e)) => {
            // Every refusal names the file and a pointer into it.
            assert_eq!(e.file, file);
            assert!(e.pointer.is_empty() || e.pointer.starts_with('/'), "{e}");
            if verbose {
                eprintln!("refused: {e}");
            }
            false
        }
        Err(panic) => std::panic::resume_unwind(panic),
    }
}

#[test]
fn no_input_panics_and_accepted_output_parses() {
    supervise("no_input_panics_and_accepted_output_parses", structural);
}

fn structural() {
    let cases = env_number("DIALTONE_FUZZ_CASES", 300);
    let budget = Duration::from_secs(env_number("DIALTONE_FUZZ_SECONDS", 60));
    let seed = env_number("DIALTONE_FUZZ_SEED", 0x5eed);
    let verbose = std::env::var_os("DIALTONE_FUZZ_VERBOSE").is_some();
    let seeds = seeds();
    assert!(!seeds.is_empty());
    let mut rng = fastrand::Rng::with_seed(seed);
    let started = Instant::now();
    let (mut run, mut accepted) = (0u64, 0u64);
    while run < cases && started.elapsed() < budget {
        let mut spec = match rng.u8(0..6) {
            0 | 1 => random_spec(&mut rng),
            2 => deep_spec(&mut rng),
            _ => seeds[rng.usize(..seeds.len())].clone(),
        };
        for _ in 0..rng.usize(1..8) {
            // Mostly where specs are rich: paths and components.
            let region = match rng.u8(0..20) {
                0 => None,
                1..=13 => Some("paths"),
                _ => Some("components"),
            };
            match region.and_then(|r| spec.get_mut(r)) {
                Some(target) => mutate(&mut rng, target, 0),
                None => mutate(&mut rng, &mut spec, 0),
            }
        }
        let text = serde_json::to_string(&spec).unwrap();
        let strict = rng.bool();
        record(
            &format!("case {run} of seed {seed:#x} (strict: {strict})"),
            &text,
        );
        if check("fuzz.json", &text, strict, verbose) {
            accepted += 1;
        }
        run += 1;
    }
    eprintln!(
        "fuzz (structural): {run} cases ({accepted} generated, {} refused) in {:.1}s, seed {seed:#x}",
        run - accepted,
        started.elapsed().as_secs_f64()
    );
    assert!(run > 0);
}

/// Mutates spec text byte by byte, in ways that stress the parsers.
fn mutate_bytes(rng: &mut fastrand::Rng, text: &mut Vec<u8>) {
    const INSERTS: &[&[u8]] = &[
        b"[",
        b"{",
        b"]",
        b"}",
        b"&a ",
        b"*a",
        b"\n  ",
        b": ",
        b"- ",
        b"'",
        b"\"",
        b"#",
        b"|",
        b"\xef\xbb\xbf",
        b"~1",
        b"%2e%2e/",
        b"$ref: ",
        b"\t",
        b"\0",
        b"\xff",
    ];
    if text.is_empty() {
        text.extend_from_slice(b"{}");
    }
    match rng.u8(0..7) {
        0 => {
            let i = rng.usize(..text.len());
            text[i] ^= 1 << rng.u8(0..8);
        }
        1 => {
            let i = rng.usize(..text.len());
            let n = rng.usize(0..16).min(text.len() - i);
            text.drain(i..i + n);
        }
        2 => {
            // Repeat a slice many times: deep or wide structures.
            let i = rng.usize(..text.len());
            let n = rng.usize(1..8).min(text.len() - i);
            let slice = text[i..i + n].to_vec();
            let times = rng.usize(1..300);
            let at = rng.usize(..=text.len());
            let repeated: Vec<u8> = slice.iter().copied().cycle().take(n * times).collect();
            text.splice(at..at, repeated);
        }
        3 => {
            let at = rng.usize(..=text.len());
            let insert = INSERTS[rng.usize(..INSERTS.len())];
            text.splice(at..at, insert.iter().copied());
        }
        4 => {
            // Deep flow nesting.
            let at = rng.usize(..=text.len());
            let depth = rng.usize(1..400);
            let open = if rng.bool() { b'[' } else { b'{' };
            text.splice(at..at, std::iter::repeat_n(open, depth));
        }
        5 => text.truncate(rng.usize(..=text.len())),
        _ => {
            // Anchors and aliases: a crude billion laughs.
            let doc = format!(
                "x-a: &a [{}]\nx-b: &b [{}]\nx-c: [{}]\n",
                vec!["a"; 50].join(","),
                vec!["*a"; 50].join(","),
                vec!["*b"; 50].join(",")
            );
            text.extend_from_slice(doc.as_bytes());
        }
    }
}

#[test]
fn no_bytes_panic_or_abort_the_generator() {
    supervise("no_bytes_panic_or_abort_the_generator", bytes);
}

fn bytes() {
    let cases = env_number("DIALTONE_FUZZ_CASES", 300);
    let budget = Duration::from_secs(env_number("DIALTONE_FUZZ_SECONDS", 60));
    let seed = env_number("DIALTONE_FUZZ_SEED", 0x5eed);
    let verbose = std::env::var_os("DIALTONE_FUZZ_VERBOSE").is_some();
    let texts: Vec<(String, Vec<u8>)> = seeds()
        .iter()
        .flat_map(|spec| {
            [
                (
                    "fuzz.yaml".to_owned(),
                    serde_norway::to_string(spec).unwrap().into_bytes(),
                ),
                (
                    "fuzz.json".to_owned(),
                    serde_json::to_vec_pretty(spec).unwrap(),
                ),
            ]
        })
        .collect();
    let mut rng = fastrand::Rng::with_seed(seed);
    let started = Instant::now();
    let (mut run, mut accepted) = (0u64, 0u64);
    while run < cases && started.elapsed() < budget {
        let (file, seed_text) = &texts[rng.usize(..texts.len())];
        let mut text = seed_text.clone();
        for _ in 0..rng.usize(1..6) {
            mutate_bytes(&mut rng, &mut text);
        }
        let text = String::from_utf8_lossy(&text).into_owned();
        let strict = rng.bool();
        record(
            &format!("case {run} of seed {seed:#x} (strict: {strict}, {file})"),
            &text,
        );
        if check(file, &text, strict, verbose) {
            accepted += 1;
        }
        run += 1;
    }
    eprintln!(
        "fuzz (bytes): {run} cases ({accepted} generated, {} refused) in {:.1}s, seed {seed:#x}",
        run - accepted,
        started.elapsed().as_secs_f64()
    );
    assert!(run > 0);
}
