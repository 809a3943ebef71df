//! Generates the Pet Store client from `petstore.yaml` into `OUT_DIR`,
//! the way a crate of yours would (see `src/lib.rs` for the `include!`).

fn main() {
    println!("cargo::rerun-if-changed=petstore.yaml");
    let code = dialtone_codegen::Generator::new("petstore.yaml")
        .strict(true)
        .generate_module()
        .unwrap_or_else(|e| panic!("{e}"));
    let out = std::path::PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    std::fs::write(out.join("petstore.rs"), code).expect("OUT_DIR is writable");
}
