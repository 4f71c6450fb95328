//! The committed generated code matches the specs: a spec edited without `cargo xtask codegen`
//! fails the ordinary test run, not only CI's `--check`.

#[test]
fn generated_code_matches_specs() {
    let stale = xtask::check(&xtask::workspace_root()).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        stale.is_empty(),
        "generated code is stale:\n{}\nrun `cargo xtask codegen` and commit the result",
        stale
            .iter()
            .map(|s| format!("  {s}"))
            .collect::<Vec<_>>()
            .join("\n")
    );
}
