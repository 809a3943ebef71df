//! Generates the client of `corpus/paging.yaml` into `OUT_DIR` (the
//! build-script route), for the paging wire tests in `tests/paging.rs`:
//! paging found by convention, exercised over loopback.

fn main() {
    println!("cargo::rerun-if-changed=corpus/paging.yaml");
    let code = dialtone_codegen::Generator::new("corpus/paging.yaml")
        .strict(true)
        .generate_module()
        .unwrap_or_else(|e| panic!("{e}"));
    let out = std::path::PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    std::fs::write(out.join("paging.rs"), code).expect("OUT_DIR is writable");
}
