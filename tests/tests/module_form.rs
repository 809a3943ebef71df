//! The single-module form (`Generator::generate_module`, what a build
//! script `include!`s) of the workspace's specs and of corpus specs
//! compiles wherever it is included: at a crate's top, two modules down,
//! in a private module (unused items must not warn). One scratch crate
//! holds them all; `cargo clippy -D warnings` and `cargo doc -D warnings`
//! (so every intra-doc link still resolves) run on it offline, in
//! `target/corpus` like the corpus test.

use std::path::Path;
use std::process::Command;

use dialtone_codegen::Generator;
use dialtone_tests::workspace_root;

/// (spec, module name, where it is included).
const SPECS: &[(&str, &str, Placement)] = &[
    ("specs/kazoo.yaml", "kazoo", Placement::Top),
    ("specs/ringcentral.yaml", "ringcentral", Placement::Nested),
    ("specs/webex.yaml", "webex", Placement::Private),
    ("specs/yeastar.yaml", "yeastar", Placement::Nested),
    (
        "tests/corpus/composition.yaml",
        "composition",
        Placement::Top,
    ),
    ("tests/corpus/media.yaml", "media", Placement::Nested),
    ("tests/corpus/hostile.yaml", "hostile", Placement::Private),
    ("tests/corpus/link-paging.yaml", "paging", Placement::Top),
    (
        "tests/corpus/dropshot-stratus.yaml",
        "stratus",
        Placement::Top,
    ),
];

#[derive(Clone, Copy)]
enum Placement {
    Top,
    Nested,
    Private,
}

fn cargo(dir: &Path, args: &[&str], flags: (&str, &str)) {
    let out = Command::new(env!("CARGO"))
        .args(args)
        .env("CARGO_TARGET_DIR", workspace_root().join("target/corpus"))
        .env(flags.0, flags.1)
        .current_dir(dir)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "cargo {}:\n{}",
        args.join(" "),
        stderr.lines().take(60).collect::<Vec<_>>().join("\n")
    );
}

#[test]
fn the_module_form_compiles_wherever_it_is_included() {
    let root = workspace_root();
    let dir = root.join("target/corpus/module-form");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("src")).unwrap();
    let mut lib = String::from("//! Every module form, included.\n\n");
    for (spec, name, placement) in SPECS {
        let code = Generator::new(root.join(spec))
            .name(*name)
            .generate_module()
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(!code.contains("#!["), "{spec}: an inner attribute");
        assert!(!code.contains("//!"), "{spec}: an inner doc");
        std::fs::write(dir.join(format!("src/{name}.rs")), code).unwrap();
        let include = format!("include!(\"{name}.rs\");");
        lib.push_str(&match placement {
            Placement::Top => format!("/// {name}\npub mod {name} {{ {include} }}\n"),
            Placement::Nested => format!(
                "/// {name}\npub mod nested_{name} {{\n    /// two down\n    pub mod inner {{ {include} }}\n}}\n"
            ),
            Placement::Private => format!("mod {name} {{ {include} }}\n"),
        });
    }
    std::fs::write(dir.join("src/lib.rs"), lib).unwrap();
    std::fs::write(
        dir.join("Cargo.toml"),
        format!(
            "[package]\nname = \"module-form\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n\
             [dependencies]\ndialtone-runtime = {{ path = {:?} }}\n\
             serde = {{ version = \"1\", features = [\"derive\"] }}\nserde_json = \"1\"\n\n[workspace]\n",
            root.join("crates/runtime").display().to_string()
        ),
    )
    .unwrap();
    std::fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
    cargo(
        &dir,
        &["clippy", "--quiet", "--offline", "--", "-D", "warnings"],
        ("RUSTFLAGS", "-D warnings"),
    );
    cargo(
        &dir,
        &["doc", "--quiet", "--offline", "--no-deps"],
        ("RUSTDOCFLAGS", "-D warnings"),
    );
}
