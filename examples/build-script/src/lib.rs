//! Dialtone's build-script route: `build.rs` generates a typed client for
//! `petstore.yaml` into `OUT_DIR` with `dialtone_codegen::Generator`, and
//! this crate includes it as a module. Nothing generated is committed.

/// The Pet Store client, generated from `petstore.yaml` at build time.
pub mod petstore {
    include!(concat!(env!("OUT_DIR"), "/petstore.rs"));
}
