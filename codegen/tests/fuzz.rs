//! Property test: no input makes the generator panic, and every accepted
//! input renders Rust that parses. Inputs are the repository's own specs
//! and corpus, mutated, plus specs generated from scratch.
//!
//! Bounded in count and time: `DIALTONE_FUZZ_CASES` (default 300) cases or
//! `DIALTONE_FUZZ_SECONDS` (default 60) seconds, whichever ends first;
//! `DIALTONE_FUZZ_SEED` picks the run. A failure prints the seed and case
//! number, and the input is written to `target/fuzz-failure.json`.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
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

#[test]
fn no_input_panics_and_accepted_output_parses() {
    let cases = env_number("DIALTONE_FUZZ_CASES", 300);
    let budget = Duration::from_secs(env_number("DIALTONE_FUZZ_SECONDS", 60));
    let seed = env_number("DIALTONE_FUZZ_SEED", 0x5eed);
    let seeds = seeds();
    assert!(!seeds.is_empty());
    let mut rng = fastrand::Rng::with_seed(seed);
    std::panic::set_hook(Box::new(|_| {}));
    let started = Instant::now();
    let (mut run, mut accepted, mut refused) = (0u64, 0u64, 0u64);
    while run < cases && started.elapsed() < budget {
        let mut spec = if rng.u8(0..3) == 0 {
            random_spec(&mut rng)
        } else {
            seeds[rng.usize(..seeds.len())].clone()
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
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            let generated = generate("fuzz.json", &text, "fuzz", &CrateMode::Workspace, strict)?;
            for (name, source) in &generated.files {
                if name.ends_with(".rs") {
                    syn::parse_file(source)
                        .unwrap_or_else(|e| panic!("{name} does not parse: {e}"));
                }
            }
            Ok::<_, dialtone_codegen::Error>(())
        }));
        match outcome {
            Ok(Ok(())) => accepted += 1,
            Ok(Err(e)) => {
                // Every refusal names the file and a pointer into it.
                assert_eq!(e.file, "fuzz.json");
                assert!(e.pointer.is_empty() || e.pointer.starts_with('/'), "{e}");
                refused += 1;
                if std::env::var_os("DIALTONE_FUZZ_VERBOSE").is_some() {
                    eprintln!("refused: {e}");
                }
            }
            Err(_) => {
                let out = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/fuzz-failure.json");
                let _ = std::fs::write(&out, &text);
                let _ = std::panic::take_hook();
                panic!(
                    "case {run} of seed {seed:#x} (strict: {strict}) panicked; input in {}",
                    out.display()
                );
            }
        }
        run += 1;
    }
    let _ = std::panic::take_hook();
    eprintln!(
        "fuzz: {run} cases ({accepted} generated, {refused} refused) in {:.1}s, seed {seed:#x}",
        started.elapsed().as_secs_f64()
    );
    assert!(run > 0);
}
