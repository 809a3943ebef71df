//! Conformance over the corpus (issue 17, item 8): for each corpus spec,
//! the generated crate calls every operation, with arguments built from
//! the spec (a valid example, else a value the mock writes from the
//! schema, honouring its constraints), against the spec-driven mock in
//! this process. The mock checks every request against the spec; the
//! client decodes every answer. The test fails on any violation or any
//! call that does not succeed, and prints a table: operations, called,
//! succeeded, violations, not called (and why).
//!
//! The calls are a program this test writes and runs (`cargo run
//! --offline`, bounded in time) in `target/corpus`, the corpus test's
//! target directory, so the runtime is built once for both. A bounded
//! subset of the corpus runs in every `cargo test`; all of it with
//! `DIALTONE_CONFORMANCE_ALL=1` (CI).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use dialtone_codegen::ir::{Api, AuthKind, Media, Operation, Success, TypeRef};
use dialtone_codegen::{Generator, escape};
use dialtone_fakes::mock::{self, Mock, MockOptions};
use dialtone_fakes::spec::{Direction, Location};
use dialtone_tests::{CargoError, corpus_cargo, workspace_root};
use serde_json::Value;

/// Specs run in every `cargo test` (small, and between them every paging
/// style, forms, tri-state fields and examples).
const QUICK: &[&str] = &["paging", "link-paging", "nullable", "examples"];

/// The most one program may take to build and run.
const RUN_TIMEOUT: Duration = Duration::from_secs(900);

/// What became of one operation.
#[derive(Default)]
struct Row {
    operations: usize,
    /// Calls written into the program (one or two per operation).
    made: usize,
    called: usize,
    succeeded: usize,
    violations: usize,
    not_called: Vec<(String, String)>,
    failures: Vec<String>,
}

/// A valid example of `schema` when `examples` holds one, else a value the
/// mock writes from it.
fn value_for(mock: &Mock, schema: &Value, examples: &[&Value]) -> Result<Value, String> {
    let compiled = mock
        .spec()
        .schema(schema, Direction::Request)
        .map_err(|e| e.to_string())?;
    if let Some(example) = examples.iter().find(|e| compiled.is_valid(e)) {
        return Ok((*example).clone());
    }
    mock.value(schema, Direction::Request)
}

/// A Rust expression of an argument whose type is `ty`, holding `value`:
/// JSON text in a string literal (data, never tokens), decoded into the
/// parameter's type (named where the method takes `impl Into<..>`).
fn argument(ty: &TypeRef, value: &Value) -> String {
    let json = escape::rust_string(&value.to_string());
    match ty {
        TypeRef::String(_) | TypeRef::Secret(_) => {
            format!("serde_json::from_str::<String>({json}).unwrap()")
        }
        _ => format!("serde_json::from_str({json}).unwrap()"),
    }
}

/// The examples a media type object or a schema gives.
fn examples_of(raw: &Value) -> Vec<&Value> {
    let mut out: Vec<&Value> = raw.get("example").into_iter().collect();
    if let Some(Value::Object(named)) = raw.get("examples") {
        out.extend(named.values().filter_map(|e| e.get("value")));
    }
    out
}

/// The calls of `op` as statements of the program (one with the required
/// arguments only, one with every parameter and body set), or why they
/// are not made.
fn call(api: &Api, op: &Operation, mock: &Mock) -> Result<String, String> {
    if matches!(op.success, Success::Batch { .. }) {
        return Err("a batch form".to_owned());
    }
    let target = mock
        .spec()
        .operations
        .iter()
        .find(|m| {
            m.method.eq_ignore_ascii_case(op.http_method.as_upper()) && m.path == op.path_template
        })
        .ok_or_else(|| "the mock has no such operation".to_owned())?;
    let mut args = Vec::new();
    let mut setters = String::new();
    for param in &op.params {
        let location = match param.location() {
            dialtone_codegen::ir::ParamLocation::Path => Location::Path,
            dialtone_codegen::ir::ParamLocation::Query => Location::Query,
            dialtone_codegen::ir::ParamLocation::Header => Location::Header,
            dialtone_codegen::ir::ParamLocation::Cookie => Location::Cookie,
        };
        let spec_param = target
            .params
            .iter()
            .find(|p| p.location == location && p.name == param.wire_name)
            .ok_or_else(|| format!("the mock has no parameter {}", param.wire_name))?;
        let value = value_for(mock, &spec_param.raw, &examples_of(&spec_param.raw))?;
        if param.required {
            args.push(argument(&param.ty, &value));
        } else {
            write!(
                setters,
                ".{}({})",
                param.rust_name,
                argument(&param.ty, &value)
            )
            .unwrap();
        }
    }
    if let Some(body) = &op.body {
        match &body.media {
            // A multipart body's struct decodes from the JSON object the
            // mock writes (its files as text).
            Media::Json | Media::Form | Media::Multipart(_) => {
                let media = target
                    .body
                    .as_ref()
                    .and_then(|b| b.media.first())
                    .ok_or_else(|| "the mock has no request body".to_owned())?;
                let schema = media.raw.get("schema").cloned().unwrap_or(Value::Null);
                let value = value_for(mock, &schema, &examples_of(&media.raw))?;
                let value = argument(&body.ty, &value);
                if body.required {
                    args.push(value);
                } else {
                    write!(setters, ".body({value})").unwrap();
                }
            }
            Media::Text | Media::Bytes => {
                let value = if matches!(body.media, Media::Text) {
                    "String::from(\"conformance\")"
                } else {
                    "b\"conformance\".to_vec()"
                };
                if body.required {
                    args.push(value.to_owned());
                } else {
                    write!(setters, ".body({value})").unwrap();
                }
            }
        }
    }
    let _ = api;
    let (method, args) = (&op.method_name, args.join(", "));
    let mut out = format!(
        "    report({}, Box::pin(client.{method}({args}).send()).await.map(|_| ()));\n",
        escape::rust_string(&op.id),
    );
    if !setters.is_empty() {
        writeln!(
            out,
            "    report({}, Box::pin(client.{method}({args}){setters}.send()).await.map(|_| ()));",
            escape::rust_string(&format!("{} (every parameter)", op.id)),
        )
        .unwrap();
    }
    Ok(out)
}

/// The program: one client with every credential set, every call made in
/// turn (each future boxed: hundreds inline overflow the stack of a debug
/// build), one line of outcome per call on stdout.
fn program(api: &Api, krate: &str, calls: &str) -> String {
    let mut auth = String::new();
    for scheme in &api.auth {
        if scheme.lifecycle.is_some() {
            continue;
        }
        match scheme.kind {
            AuthKind::Basic => {
                writeln!(auth, "        .{}(\"user\", \"password\")", scheme.method).unwrap()
            }
            _ => writeln!(auth, "        .{}(\"t0ken\")", scheme.method).unwrap(),
        }
    }
    format!(
        "//! Calls every operation of `{krate}` against the mock whose URL is\n\
         //! the first argument (written by tests/tests/conformance.rs).\n\n\
         #![allow(deprecated)]\n\n\
         fn report(id: &str, outcome: Result<(), {krate}::Error>) {{\n    \
             match outcome {{\n        \
                 Ok(()) => println!(\"{{id}}\\tok\"),\n        \
                 Err(err) => println!(\"{{id}}\\terr\\t{{}}\", err.to_string().replace(['\\n', '\\t'], \" \")),\n    \
             }}\n\
         }}\n\n\
         #[tokio::main]\n\
         async fn main() {{\n    \
             let base = std::env::args().nth(1).expect(\"the mock's URL\");\n    \
             let client = {krate}::Client::builder(base)\n{auth}        .no_retries()\n        .build()\n        .expect(\"a client\");\n\
         {calls}}}\n"
    )
}

/// Runs `cargo ARGS` in `dir` in the corpus target directory; its
/// stdout, or why it failed.
fn cargo(dir: &Path, args: &[&str]) -> Result<String, String> {
    match corpus_cargo(dir, args, RUN_TIMEOUT) {
        Ok((out, _)) => Ok(out),
        Err(CargoError::Failed(err)) => Err(err.lines().take(60).collect::<Vec<_>>().join("\n")),
        Err(CargoError::TimedOut) => Err(format!(
            "cargo ran past {RUN_TIMEOUT:?} in {}",
            dir.display()
        )),
    }
}

/// Generates `spec`'s crate and the program, serves the mock, runs the
/// program against it.
async fn conform(spec: &Path) -> Row {
    let root = workspace_root();
    let name = spec.file_stem().unwrap().to_string_lossy().into_owned();
    let package = format!("conformance-{name}");
    let krate = package.replace('-', "_");
    let dir = root.join("target/conformance").join(&name);
    let _ = std::fs::remove_dir_all(&dir);
    let generator = Generator::new(spec)
        .package_name(&package)
        .runtime_path(root.join("crates/runtime").to_string_lossy());
    let generated = generator.generate().unwrap_or_else(|e| panic!("{e}"));
    let doc = generator.bundle().unwrap_or_else(|e| panic!("{e}"));
    for (rel, text) in &generated.files {
        let path = dir.join("crate").join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let server = mock::serve(doc, 0, MockOptions::default())
        .await
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    let api = &generated.api;
    let mut row = Row {
        operations: api.operations.len(),
        ..Row::default()
    };
    let mut calls = String::new();
    for op in &api.operations {
        match call(api, op, server.mock()) {
            Ok(statements) => {
                row.made += statements.lines().count();
                calls.push_str(&statements);
            }
            Err(why) => row.not_called.push((op.id.clone(), why)),
        }
    }
    let program_dir = dir.join("program");
    std::fs::create_dir_all(program_dir.join("src")).unwrap();
    std::fs::write(
        program_dir.join("Cargo.toml"),
        format!(
            "[package]\nname = \"run-{package}\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n\
             [dependencies]\n{package} = {{ path = \"../crate\" }}\nserde_json = \"1\"\n\
             tokio = {{ version = \"1\", features = [\"macros\", \"rt-multi-thread\"] }}\n\n[workspace]\n"
        ),
    )
    .unwrap();
    std::fs::write(
        program_dir.join("src/main.rs"),
        program(api, &krate, &calls),
    )
    .unwrap();
    let base = server.base_url().to_owned();
    let out = tokio::task::spawn_blocking(move || {
        cargo(
            &program_dir,
            &["run", "--quiet", "--offline", "--", base.as_str()],
        )
    })
    .await
    .unwrap();
    let out = match out {
        Ok(out) => out,
        Err(e) => {
            row.failures
                .push(format!("the program does not build or run:\n{e}"));
            String::new()
        }
    };
    let mut outcomes: BTreeMap<String, String> = BTreeMap::new();
    for line in out.lines() {
        let mut parts = line.splitn(3, '\t');
        let (Some(id), Some(outcome)) = (parts.next(), parts.next()) else {
            continue;
        };
        row.called += 1;
        if outcome == "ok" {
            row.succeeded += 1;
        } else {
            outcomes.insert(id.to_owned(), parts.next().unwrap_or_default().to_owned());
        }
    }
    for (id, err) in outcomes {
        row.failures.push(format!("{id}: {err}"));
    }
    let violations = server.take_violations();
    row.violations = violations.len();
    // The mock was listening and counts: a request to no operation is one
    // violation.
    let probe = format!("{}/dialtone/conformance/no-such-path", server.base_url());
    let status = dialtone_runtime::reqwest::get(&probe)
        .await
        .map(|r| r.status().as_u16());
    if !matches!(status, Ok(404)) || server.take_violations().len() != 1 {
        row.failures.push(format!(
            "the mock did not count a stray request ({status:?})"
        ));
    }
    for v in violations.iter().take(20) {
        row.failures.push(format!("violation: {v}"));
    }
    for err in server.errors().iter().take(20) {
        row.failures.push(format!("mock could not answer: {err}"));
    }
    row
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_of_the_corpus_conforms_to_its_spec() {
    let all = std::env::var_os("DIALTONE_CONFORMANCE_ALL").is_some();
    let mut specs: Vec<PathBuf> = std::fs::read_dir(workspace_root().join("tests/corpus"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .filter(|p| {
            let stem = p.file_stem().unwrap().to_string_lossy();
            all || QUICK.contains(&stem.as_ref())
        })
        .collect();
    specs.sort();
    let mut table = String::from(
        "| spec | operations | calls | succeeded | violations | operations not called |\n|---|---|---|---|---|---|\n",
    );
    let mut failures = Vec::new();
    for spec in &specs {
        let name = spec.file_stem().unwrap().to_string_lossy().into_owned();
        let row = conform(spec).await;
        let reasons: BTreeMap<&str, usize> =
            row.not_called
                .iter()
                .fold(BTreeMap::new(), |mut m, (_, why)| {
                    *m.entry(why.as_str()).or_default() += 1;
                    m
                });
        let not_called = if reasons.is_empty() {
            "0".to_owned()
        } else {
            reasons
                .iter()
                .map(|(why, n)| format!("{n} ({why})"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        writeln!(
            table,
            "| `{name}.yaml` | {} | {} | {} | {} | {not_called} |",
            row.operations, row.called, row.succeeded, row.violations
        )
        .unwrap();
        if row.called != row.made {
            failures.push(format!(
                "{name}: {} calls reported of {} made",
                row.called, row.made
            ));
        }
        failures.extend(row.failures.into_iter().map(|f| format!("{name}: {f}")));
    }
    eprintln!("{table}");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
