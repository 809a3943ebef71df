//! The hostile-spec corpus (`tests/hostile/<case>/`, see its README): each
//! case is run through the real generator binary (`cargo xtask generate
//! --spec ... --out ...`, built here if needed) as a subprocess, in a
//! scratch copy of its folder, with a 10 s timeout and a 1 GiB
//! address-space limit. Every case must end by itself (never by a
//! signal), do what its `expect` says (`generates`, or `refuses <pointer
//! prefix>` with one error naming the file and the pointer, and nothing
//! written), and never let the canary file placed beside the case's folder
//! (which `../canary.yaml` and `@CANARY@` name) appear in stdout, stderr or
//! any generated file.
//!
//! With `DIALTONE_HOSTILE_BUILD=1` (as `.ci/run` does), the crates of the
//! `generates` cases are then put into one Cargo workspace and checked
//! with one `cargo clippy --all-targets -D warnings` and one `cargo test`,
//! offline, in the workspace's target directory.

use std::collections::BTreeMap;
use std::fs;
use std::io::Read;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use dialtone_tests::workspace_root;

/// The most one generate may take.
const TIMEOUT: Duration = Duration::from_secs(10);
/// The address space one generate may use.
const MEMORY: u64 = 1 << 30;

/// What a case's `expect` file says.
#[derive(Debug, Default)]
struct Expect {
    /// `None`: generates; `Some(prefix)`: refused at a pointer starting so.
    refuses: Option<String>,
    args: Vec<String>,
    setup: Vec<Vec<String>>,
    /// Texts that must appear nowhere in the output.
    absent: Vec<String>,
    /// Texts that must appear exactly once in the generated Rust files.
    once: Vec<String>,
}

fn read_expect(path: &Path) -> Expect {
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut lines = text.lines();
    let first = lines.next().unwrap_or_default();
    let mut expect = Expect::default();
    if let Some(rest) = first.strip_prefix("refuses") {
        expect.refuses = Some(rest.trim().to_owned());
    } else {
        assert_eq!(
            first,
            "generates",
            "{}: the first line is `generates` or `refuses <pointer prefix>`",
            path.display()
        );
    }
    for line in lines {
        if let Some(args) = line.strip_prefix("args: ") {
            expect.args = args.split_whitespace().map(str::to_owned).collect();
        } else if let Some(setup) = line.strip_prefix("setup: ") {
            expect
                .setup
                .push(setup.split_whitespace().map(str::to_owned).collect());
        } else if let Some(text) = line.strip_prefix("absent: ") {
            expect.absent.push(text.to_owned());
        } else if let Some(text) = line.strip_prefix("once: ") {
            expect.once.push(text.to_owned());
        }
    }
    expect
}

/// Copies the case's files (substituting `@CANARY@`) and does its setup.
fn prepare(case: &Path, into: &Path, canary: &Path, expect: &Expect) {
    let mut stack = vec![case.to_owned()];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let rel = path.strip_prefix(case).unwrap();
            let target = into.join(rel);
            if path.is_dir() {
                fs::create_dir_all(&target).unwrap();
                stack.push(path);
            } else if rel != Path::new("expect") {
                let bytes = fs::read(&path).unwrap();
                let bytes = match String::from_utf8(bytes) {
                    Ok(text) => text
                        .replace("@CANARY@", canary.to_str().unwrap())
                        .into_bytes(),
                    Err(e) => e.into_bytes(),
                };
                fs::write(&target, bytes).unwrap();
            }
        }
    }
    for step in &expect.setup {
        match step
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .as_slice()
        {
            ["symlink", link, target] => {
                std::os::unix::fs::symlink(target, into.join(link)).unwrap();
            }
            ["fifo", name] => {
                let status = Command::new("mkfifo")
                    .arg(into.join(name))
                    .status()
                    .unwrap();
                assert!(status.success(), "mkfifo");
            }
            ["sparse", name, bytes] => {
                let file = fs::File::create(into.join(name)).unwrap();
                file.set_len(bytes.parse().unwrap()).unwrap();
            }
            other => panic!("{}: unknown setup {other:?}", case.display()),
        }
    }
}

/// The xtask binary of this build, built if missing or stale.
fn xtask() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    // target/<profile>/deps/hostile-<hash>
    let profile_dir = exe.parent().unwrap().parent().unwrap().to_owned();
    let mut build = Command::new(env!("CARGO"));
    build
        .args(["build", "--quiet", "-p", "xtask"])
        .current_dir(workspace_root());
    if profile_dir.file_name().is_some_and(|n| n == "release") {
        build.arg("--release");
    }
    if let Some(target) = profile_dir.parent() {
        build.env("CARGO_TARGET_DIR", target);
    }
    assert!(build.status().unwrap().success(), "cargo build -p xtask");
    profile_dir.join("xtask")
}

struct Outcome {
    status: std::process::ExitStatus,
    stdout: String,
    stderr: String,
    elapsed: Duration,
}

/// Runs the generator on one case, bounded in time and memory.
fn run(xtask: &Path, spec: &Path, out: &Path, name: &str, args: &[String]) -> Outcome {
    let mut command = Command::new(xtask);
    command
        .arg("generate")
        .arg("--spec")
        .arg(spec)
        .arg("--out")
        .arg(out);
    if !args.iter().any(|a| a == "--name") {
        command.args(["--name", name]);
    }
    command
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    // SAFETY: setrlimit is async-signal-safe, and nothing else runs
    // between fork and exec.
    unsafe {
        command.pre_exec(|| {
            let limit = libc::rlimit {
                rlim_cur: MEMORY,
                rlim_max: MEMORY,
            };
            if libc::setrlimit(libc::RLIMIT_AS, &limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let started = Instant::now();
    let mut child = command.spawn().unwrap();
    // Read both pipes on threads so a chatty child never blocks.
    let mut out_pipe = child.stdout.take().unwrap();
    let mut err_pipe = child.stderr.take().unwrap();
    let stdout = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = out_pipe.read_to_end(&mut s);
        s
    });
    let stderr = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = err_pipe.read_to_end(&mut s);
        s
    });
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > TIMEOUT {
            let _ = child.kill();
            break child.wait().unwrap();
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let elapsed = started.elapsed();
    Outcome {
        status,
        stdout: String::from_utf8_lossy(&stdout.join().unwrap()).into_owned(),
        stderr: String::from_utf8_lossy(&stderr.join().unwrap()).into_owned(),
        elapsed,
    }
}

/// Every file under `dir` with its text.
fn files_under(dir: &Path) -> BTreeMap<PathBuf, String> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = fs::read_dir(&d) else {
            continue;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.insert(
                    path.clone(),
                    String::from_utf8_lossy(&fs::read(&path).unwrap()).into_owned(),
                );
            }
        }
    }
    out
}

fn cases() -> Vec<PathBuf> {
    let mut cases: Vec<PathBuf> = fs::read_dir(workspace_root().join("tests/hostile"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("expect").is_file())
        .collect();
    cases.sort();
    cases
}

/// Checks one case; returns its generated crate's folder when it generates.
fn check_case(xtask: &Path, case: &Path, scratch: &Path) -> Result<Option<PathBuf>, String> {
    let name = case.file_name().unwrap().to_str().unwrap().to_owned();
    let expect = read_expect(&case.join("expect"));
    let root = scratch.join(&name);
    let folder = root.join("case");
    fs::create_dir_all(&folder).unwrap();
    let nonce = format!("canary{:016x}", fastrand_u64(&name));
    let canary = root.join("canary.yaml");
    fs::write(
        &canary,
        format!("type: object\ndescription: {nonce}\nproperties:\n  {nonce}: {{type: string}}\n"),
    )
    .unwrap();
    prepare(case, &folder, &canary, &expect);
    let spec = ["spec.yaml", "spec.json"]
        .iter()
        .map(|s| folder.join(s))
        .find(|p| p.exists())
        .ok_or_else(|| format!("{name}: no spec.yaml or spec.json"))?;
    let out = root.join("out");
    let outcome = run(xtask, &spec, &out, &name, &expect.args);
    let shown = format!(
        "{name} ({:.1}s, {:?}):\n--- stdout\n{}\n--- stderr\n{}",
        outcome.elapsed.as_secs_f64(),
        outcome.status,
        tail(&outcome.stdout),
        tail(&outcome.stderr)
    );
    if let Some(signal) = outcome.status.signal() {
        return Err(format!("ended by signal {signal}: {shown}"));
    }
    if outcome.elapsed > TIMEOUT {
        return Err(format!("ran past {TIMEOUT:?}: {shown}"));
    }
    let generated = files_under(&out);
    let mut everything = vec![outcome.stdout.clone(), outcome.stderr.clone()];
    everything.extend(generated.values().cloned());
    let mut forbidden = expect.absent.clone();
    forbidden.push(nonce);
    for text in &forbidden {
        if everything.iter().any(|t| t.contains(text.as_str())) {
            return Err(format!("`{text}` appears in the output: {shown}"));
        }
    }
    match &expect.refuses {
        Some(prefix) => {
            if outcome.status.success() {
                return Err(format!("expected a refusal: {shown}"));
            }
            let errors: Vec<&str> = outcome
                .stderr
                .lines()
                .filter(|l| l.starts_with("error: "))
                .collect();
            if errors.len() != 1 {
                return Err(format!("expected one error line: {shown}"));
            }
            // The spec is named by its file name (it was given by its
            // absolute path, which no output repeats) or, for a `$ref`ed
            // file, by that file's name.
            let file = spec.file_name().unwrap().to_string_lossy();
            let named = errors[0].contains(&format!("#{prefix}"))
                && (errors[0].contains(&format!("{file}#")) || errors[0].contains(".yaml#"));
            if !named {
                return Err(format!(
                    "expected an error naming a file and a pointer starting with `{prefix}`: {shown}"
                ));
            }
            if !generated.is_empty() {
                return Err(format!("a refused spec wrote files: {shown}"));
            }
            Ok(None)
        }
        None => {
            if !outcome.status.success() {
                return Err(format!("expected a crate: {shown}"));
            }
            let rust: String = generated
                .iter()
                .filter(|(p, _)| p.extension().is_some_and(|e| e == "rs"))
                .map(|(_, t)| t.as_str())
                .collect();
            for text in &expect.once {
                let n = rust.matches(text.as_str()).count();
                if n != 1 {
                    return Err(format!("`{text}` appears {n} times, not once: {shown}"));
                }
            }
            Ok(Some(out))
        }
    }
}

fn tail(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(12)..].join("\n")
}

/// A number from a name, so canaries differ between cases.
fn fastrand_u64(name: &str) -> u64 {
    name.bytes().fold(0xcbf29ce484222325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100000001b3)
    }) ^ u64::from(std::process::id())
}

#[test]
fn every_hostile_spec_generates_safely_or_is_refused_with_its_pointer() {
    let xtask = xtask();
    let scratch = workspace_root().join("target/hostile");
    let _ = fs::remove_dir_all(&scratch);
    fs::create_dir_all(&scratch).unwrap();
    let cases = cases();
    assert!(cases.len() >= 40, "the corpus holds {} cases", cases.len());
    let mut failures = Vec::new();
    let mut crates = Vec::new();
    let started = Instant::now();
    for case in &cases {
        match check_case(&xtask, case, &scratch) {
            Ok(Some(out)) => crates.push(out),
            Ok(None) => {}
            Err(e) => failures.push(e),
        }
    }
    eprintln!(
        "hostile: {} cases ({} generate) in {:.1}s",
        cases.len(),
        crates.len(),
        started.elapsed().as_secs_f64()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    if std::env::var_os("DIALTONE_HOSTILE_BUILD").is_some() {
        build(&scratch, &crates);
    }
}

/// One workspace of every generated crate: one clippy, one test.
fn build(scratch: &Path, crates: &[PathBuf]) {
    let ws = scratch;
    let mut members = Vec::new();
    for out in crates {
        let name = out.parent().unwrap().file_name().unwrap().to_str().unwrap();
        // A standalone crate declares a workspace of its own; here it is
        // a member of one.
        let manifest = out.join("Cargo.toml");
        let text = fs::read_to_string(&manifest).unwrap();
        let text = match text.find("[workspace]") {
            Some(i) => text[..i].to_owned(),
            None => text,
        };
        fs::write(&manifest, text).unwrap();
        members.push(format!("\"{name}/out\""));
    }
    // The crates depend on dialtone-runtime by version: this checkout's
    // runtime stands in for the registry's.
    fs::write(
        ws.join("Cargo.toml"),
        format!(
            "[workspace]\nresolver = \"3\"\nmembers = [{}]\n\n\
             [patch.crates-io]\ndialtone-runtime = {{ path = {:?} }}\n",
            members.join(", "),
            workspace_root()
                .join("crates/runtime")
                .display()
                .to_string()
        ),
    )
    .unwrap();
    fs::copy(workspace_root().join("Cargo.lock"), ws.join("Cargo.lock")).unwrap();
    let target = workspace_root().join("target");
    for args in [
        &[
            "clippy",
            "--offline",
            "--quiet",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ][..],
        &["test", "--offline", "--quiet"][..],
    ] {
        let status = Command::new(env!("CARGO"))
            .args(args)
            .env("CARGO_TARGET_DIR", &target)
            .current_dir(ws)
            .status()
            .unwrap();
        assert!(
            status.success(),
            "cargo {} over the generated crates",
            args[0]
        );
    }
}
