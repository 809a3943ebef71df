//! The workspace is publishable and its versions hold together: every
//! crate meant for users carries complete metadata, the licence files, a
//! changelog entry for its version and versioned workspace dependencies;
//! every crate that depends on the runtime asks for a version the runtime
//! in this repository satisfies, as generated crates do. (`.ci/run`
//! packages them and builds each from its `.crate` file.)

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use dialtone_tests::workspace_root;
use serde_json::Value;

/// The crates published for users; any other crate must say `publish = false`.
const PUBLISHED: &[&str] = &[
    "dialtone-cli",
    "dialtone-codegen",
    "dialtone-fakes",
    "dialtone-kazoo",
    "dialtone-ringcentral",
    "dialtone-runtime",
    "dialtone-webex",
    "dialtone-yeastar",
];

fn metadata() -> Value {
    let out = Command::new(env!("CARGO"))
        .args([
            "metadata",
            "--no-deps",
            "--format-version",
            "1",
            "--offline",
        ])
        .current_dir(workspace_root())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn packages() -> Vec<Value> {
    metadata()["packages"].as_array().unwrap().clone()
}

fn dir_of(package: &Value) -> PathBuf {
    Path::new(package["manifest_path"].as_str().unwrap())
        .parent()
        .unwrap()
        .to_owned()
}

fn str_of<'a>(package: &'a Value, key: &str) -> &'a str {
    package[key].as_str().unwrap_or("")
}

#[test]
fn the_published_crates_are_these_and_carry_complete_metadata() {
    let root = workspace_root();
    let mut published = BTreeSet::new();
    for package in packages() {
        let name = str_of(&package, "name").to_owned();
        // `publish: null` is publishable anywhere; `[]` is `publish = false`.
        if !package["publish"].is_null() {
            assert!(
                !PUBLISHED.contains(&name.as_str()),
                "{name} is not publishable"
            );
            continue;
        }
        published.insert(name.clone());
        for key in [
            "description",
            "license",
            "repository",
            "homepage",
            "documentation",
            "readme",
            "rust_version",
        ] {
            assert!(!str_of(&package, key).is_empty(), "{name}: no {key}");
        }
        assert_eq!(
            str_of(&package, "documentation"),
            format!("https://docs.rs/{name}")
        );
        for key in ["keywords", "categories"] {
            let items = package[key].as_array().unwrap();
            assert!(
                (1..=5).contains(&items.len()),
                "{name}: {} {key}",
                items.len()
            );
        }
        let dir = dir_of(&package);
        assert!(
            dir.join(str_of(&package, "readme")).is_file(),
            "{name}: no readme"
        );
        for licence in ["LICENSE-MIT", "LICENSE-APACHE"] {
            assert_eq!(
                fs::read(dir.join(licence)).ok(),
                Some(fs::read(root.join(licence)).unwrap()),
                "{name}: {licence} is missing or not the workspace's"
            );
        }
        let changelog = fs::read_to_string(dir.join("CHANGELOG.md"))
            .unwrap_or_else(|_| panic!("{name}: no CHANGELOG.md"));
        let version = str_of(&package, "version");
        assert!(
            changelog
                .lines()
                .any(|l| l.starts_with(&format!("## {version}"))),
            "{name}: CHANGELOG.md has no `## {version}` section"
        );
        // Dependencies on workspace crates carry a version (a path alone
        // cannot be published).
        for dep in package["dependencies"].as_array().unwrap() {
            if dep["path"].is_string() && dep["kind"].is_null() {
                assert_ne!(
                    dep["req"], "*",
                    "{name} depends on {} by path only",
                    dep["name"]
                );
            }
        }
    }
    let expected: BTreeSet<String> = PUBLISHED.iter().map(|s| (*s).to_owned()).collect();
    assert_eq!(published, expected);
    for licence in ["LICENSE-MIT", "LICENSE-APACHE"] {
        let text = fs::read_to_string(root.join(licence)).unwrap();
        assert!(text.contains("The Dialtone developers"), "{licence}");
    }
}

#[test]
fn every_crate_asks_for_a_runtime_this_runtime_satisfies() {
    let packages = packages();
    let runtime = packages
        .iter()
        .find(|p| p["name"] == "dialtone-runtime")
        .unwrap();
    let version = semver::Version::parse(str_of(runtime, "version")).unwrap();
    // What the generator writes into standalone crates.
    let generated = semver::VersionReq::parse(dialtone_codegen::RUNTIME_VERSION).unwrap();
    assert!(
        generated.matches(&version),
        "dialtone-codegen writes dialtone-runtime = \"{}\", which the runtime {version} does not satisfy",
        dialtone_codegen::RUNTIME_VERSION
    );
    let mut dependents = 0;
    for package in &packages {
        for dep in package["dependencies"].as_array().unwrap() {
            if dep["name"] != "dialtone-runtime" {
                continue;
            }
            dependents += 1;
            let req = semver::VersionReq::parse(dep["req"].as_str().unwrap()).unwrap();
            assert!(
                req.matches(&version),
                "{} asks for dialtone-runtime {req}, the runtime is {version}",
                package["name"]
            );
        }
    }
    assert!(dependents >= 4, "the vendor crates depend on the runtime");
    // The workspace's crates and generated ones ask for the same version.
    let manifest = fs::read_to_string(workspace_root().join("Cargo.toml")).unwrap();
    let line = manifest
        .lines()
        .find(|l| l.starts_with("dialtone-runtime = "))
        .unwrap();
    assert!(
        line.contains(&format!(
            "version = \"{}\"",
            dialtone_codegen::RUNTIME_VERSION
        )),
        "{line}"
    );
    // Generated crates declare the runtime's rust-version.
    assert_eq!(
        str_of(runtime, "rust_version"),
        dialtone_codegen::RUST_VERSION
    );
}

#[test]
fn generated_files_hold_no_path_of_this_machine() {
    let root = workspace_root();
    let home = std::env::var("HOME").unwrap_or_default();
    let machine: Vec<String> = [root.display().to_string()]
        .into_iter()
        .chain((home.len() > 1).then_some(home))
        .collect();
    let planned = dialtone_codegen::workspace::plan_workspace(&root).unwrap();
    let mut files = 0;
    for crate_ in &planned {
        for (rel, text) in &crate_.files {
            files += 1;
            for path in &machine {
                assert!(
                    !text.contains(path.as_str()),
                    "{}/{rel} holds {path}",
                    crate_.dir.display()
                );
            }
        }
    }
    // And the module form, from a spec named by its absolute path.
    let spec = root.join("specs/kazoo.yaml");
    let module = dialtone_codegen::Generator::new(&spec)
        .generate_module()
        .unwrap();
    for path in &machine {
        assert!(!module.contains(path.as_str()), "the module holds {path}");
    }
    assert!(module.contains("from kazoo.yaml"));
    assert!(files > 40);
}
