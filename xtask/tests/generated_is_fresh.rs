//! The drift check, run once in CI as part of the ordinary test run: the committed generated
//! code (and each product crate's `[features]` table) is what the specs generate today. Like
//! rust-analyzer's `ensure_file_contents`, a stale file is rewritten and the test fails, so the
//! fix is there to review and commit.

#[test]
fn generated_code_matches_specs() {
    let stale =
        xtask::sync(&xtask::workspace_root(), xtask::Mode::Write).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        stale.is_empty(),
        "generated code was stale and has been regenerated; review and commit:\n{}",
        stale
            .iter()
            .map(|s| format!("  {}", s.applied()))
            .collect::<Vec<_>>()
            .join("\n")
    );
}
