//! The dependency rules of ARCHITECTURE.md, read from `cargo metadata`:
//!
//! - a generated vendor crate depends on `dialtone-runtime` and on no other
//!   workspace crate (so on no other vendor crate);
//! - `dialtone-codegen`, `dialtone-runtime` and `dialtone-fakes` depend on
//!   no other workspace crate, but as dev-dependencies;
//! - the CLI (`crates/cli`) depends on `dialtone-codegen` and
//!   `dialtone-fakes` only; `xtask` on `dialtone-cli` and
//!   `dialtone-codegen` only;
//! - the build-script example depends on `dialtone-runtime` and
//!   `dialtone-codegen` (and on the fakes to test itself);
//! - `dialtone-tests` may depend on anything; any other workspace crate is
//!   a failure until the rules (and this test) say where it stands.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_owned()
}

/// A workspace crate and its dependencies on other workspace crates.
struct Member {
    name: String,
    dir: PathBuf,
    /// (dependency, kind: "normal", "dev" or "build").
    deps: Vec<(String, String)>,
}

fn members() -> Vec<Member> {
    let output = Command::new(env!("CARGO"))
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .current_dir(root())
        .output()
        .expect("cargo metadata runs");
    assert!(
        output.status.success(),
        "cargo metadata: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: Value = serde_json::from_slice(&output.stdout).expect("metadata is JSON");
    let packages = metadata["packages"].as_array().expect("packages");
    let names: Vec<&str> = packages.iter().filter_map(|p| p["name"].as_str()).collect();
    packages
        .iter()
        .map(|p| {
            let manifest = PathBuf::from(p["manifest_path"].as_str().expect("manifest_path"));
            Member {
                name: p["name"].as_str().expect("name").to_owned(),
                dir: manifest.parent().expect("a folder").to_owned(),
                deps: p["dependencies"]
                    .as_array()
                    .expect("dependencies")
                    .iter()
                    .filter_map(|d| {
                        let name = d["name"].as_str()?;
                        names.contains(&name).then(|| {
                            let kind = d["kind"].as_str().unwrap_or("normal").to_owned();
                            (name.to_owned(), kind)
                        })
                    })
                    .collect(),
            }
        })
        .collect()
}

/// What a workspace crate may depend on, among workspace crates.
enum Rule {
    /// These, as any kind of dependency.
    Only(&'static [&'static str]),
    /// None, but as dev-dependencies.
    DevOnly,
    /// These, as dev-dependencies only.
    DevOnlyOf(&'static [&'static str]),
    /// Anything (the workspace tests).
    Any,
}

/// The rule of a workspace crate; `None` for a crate no rule covers.
fn rule(member: &Member, root: &Path) -> Option<Rule> {
    // Generated crates carry Dialtone's manifest.
    if member.dir.join(".dialtone-manifest").is_file() {
        return Some(Rule::Only(&["dialtone-runtime"]));
    }
    if member.dir == root.join("crates/cli") {
        return Some(Rule::Only(&["dialtone-codegen", "dialtone-fakes"]));
    }
    match member.name.as_str() {
        "dialtone-codegen" | "dialtone-runtime" | "dialtone-fakes" => Some(Rule::DevOnly),
        "xtask" => Some(Rule::Only(&["dialtone-cli", "dialtone-codegen"])),
        "dialtone-example-build-script" => Some(Rule::Only(&[
            "dialtone-runtime",
            "dialtone-codegen",
            "dialtone-fakes",
        ])),
        "dialtone-benches" => Some(Rule::DevOnlyOf(&[
            "dialtone-codegen",
            "dialtone-cli",
            "dialtone-kazoo",
        ])),
        "dialtone-tests" => Some(Rule::Any),
        _ => None,
    }
}

#[test]
fn workspace_crates_depend_only_as_the_architecture_says() {
    let root = root();
    let members = members();
    let mut broken = Vec::new();
    for member in &members {
        let Some(rule) = rule(member, &root) else {
            broken.push(format!(
                "{}: a workspace crate no dependency rule covers (add it to ARCHITECTURE.md and to this test)",
                member.name
            ));
            continue;
        };
        for (dep, kind) in &member.deps {
            let ok = match rule {
                Rule::Only(may) => may.contains(&dep.as_str()),
                Rule::DevOnly => kind == "dev",
                Rule::DevOnlyOf(may) => kind == "dev" && may.contains(&dep.as_str()),
                Rule::Any => true,
            };
            if !ok {
                broken.push(format!("{} -> {dep} ({kind})", member.name));
            }
        }
    }
    assert!(
        broken.is_empty(),
        "dependency rules broken:\n{}",
        broken.join("\n")
    );
}

/// The rules above mean something only if the crates they name are there.
#[test]
fn the_rules_cover_the_workspace_as_it_is() {
    let root = root();
    let members = members();
    let vendors: Vec<&Member> = members
        .iter()
        .filter(|m| m.dir.join(".dialtone-manifest").is_file())
        .collect();
    // One generated crate per spec in specs/.
    let specs = std::fs::read_dir(root.join("specs"))
        .unwrap()
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "yaml"))
        .count();
    assert_eq!(vendors.len(), specs, "one vendor crate per spec");
    for vendor in vendors {
        assert!(
            vendor
                .deps
                .iter()
                .any(|(d, k)| d == "dialtone-runtime" && k == "normal"),
            "{} calls the runtime",
            vendor.name
        );
    }
    for name in [
        "dialtone-codegen",
        "dialtone-runtime",
        "dialtone-fakes",
        "dialtone-cli",
        "xtask",
    ] {
        assert!(members.iter().any(|m| m.name == name), "{name} is a member");
    }
}
