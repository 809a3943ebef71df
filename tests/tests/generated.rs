//! The committed crates are exactly what specs/ generates (drift), and each
//! crate's public surface is snapshotted for review.

use dialtone_codegen::workspace;
use dialtone_tests::workspace_root;

#[test]
fn committed_crates_match_the_specs() {
    let root = workspace_root();
    let planned = workspace::plan_workspace(&root).unwrap_or_else(|errors| {
        let shown: Vec<String> = errors.iter().map(ToString::to_string).collect();
        panic!("specs/ does not generate:\n{}", shown.join("\n"))
    });
    assert!(!planned.is_empty(), "specs/ holds no spec");
    let mut drift = Vec::new();
    for crate_ in &planned {
        drift.extend(workspace::diff(crate_).expect("crates/ is readable"));
    }
    let shown: Vec<String> = drift
        .iter()
        .map(|c| c.to_string().replace(&format!("{}/", root.display()), ""))
        .collect();
    assert!(
        drift.is_empty(),
        "crates/ differs from what specs/ generates (run `cargo xtask generate`):\n{}",
        shown.join("\n")
    );
}

#[test]
fn api_surface() {
    let root = workspace_root();
    for spec in workspace::spec_files(&root).unwrap() {
        let stem = spec.file_stem().unwrap().to_str().unwrap().to_owned();
        let label = format!("specs/{}", spec.file_name().unwrap().to_str().unwrap());
        let text = std::fs::read_to_string(&spec).unwrap();
        let api = dialtone_codegen::lower_spec(&label, &text, &stem, true).unwrap();
        insta::assert_snapshot!(
            format!("{stem}_api_surface"),
            dialtone_codegen::render::surface(&api)
        );
    }
}

#[test]
fn generation_is_deterministic() {
    let root = workspace_root();
    let first = workspace::plan_workspace(&root).unwrap();
    let second = workspace::plan_workspace(&root).unwrap();
    for (a, b) in first.iter().zip(&second) {
        assert_eq!(a.files, b.files, "{} differs between two runs", a.vendor);
    }
}

#[test]
fn specs_pass_the_linter() {
    let findings = workspace::lint_workspace(&workspace_root()).unwrap_or_else(|errors| {
        let shown: Vec<String> = errors.iter().map(ToString::to_string).collect();
        panic!("{}", shown.join("\n"))
    });
    let shown: Vec<String> = findings.iter().map(ToString::to_string).collect();
    assert!(
        findings.is_empty(),
        "cargo xtask lint:\n{}",
        shown.join("\n")
    );
}
