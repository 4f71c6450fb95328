//! A new product from nothing to a compiling crate, end to end: in a scratch copy of the
//! workspace, `import` of a small RAM fixture (4 actions, cut down from the API metadata: facts
//! only) creates and registers `aliyun-ram`, `codegen` writes its code and the emulator's copy
//! of its spec, a second run changes nothing, and `cargo test -p aliyun-ram` builds the crate and
//! passes its generated tests and doc examples plus a test calling it on the emulator.
//!
//! The compile takes minutes, so the test is ignored by `cargo test`; CI runs it as its own
//! timed step (`.ci/run`, "a new product end to end"). RAM is a global product (one host): until
//! the spec format can say so, its endpoints are imported as for any regional product.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

const FIXTURE: &str = "tests/fixtures/ram-2015-05-01.json";

/// Copies the workspace (without `target` and `.git`) into `to`.
fn copy_workspace(from: &Path, to: &Path) {
    let entries = fs::read_dir(from).unwrap_or_else(|e| panic!("{}: {e}", from.display()));
    for entry in entries {
        let entry = entry.expect("entry");
        let name = entry.file_name();
        if name == "target" || name == ".git" {
            continue;
        }
        let path = entry.path();
        let dest = to.join(&name);
        if path.is_dir() {
            fs::create_dir_all(&dest).expect("mkdir");
            copy_workspace(&path, &dest);
        } else {
            fs::copy(&path, &dest).expect("copy");
        }
    }
}

/// Import plus scaffold plus codegen, as `cargo xtask import FILE` then `cargo xtask codegen`
/// do; returns whether anything changed.
fn import_and_generate(root: &Path, fixture: &Path) -> bool {
    let done = xtask::import::run(root, &[fixture.to_path_buf()], None).expect("import");
    let specs: Vec<PathBuf> = done.iter().map(|d| d.path.clone()).collect();
    let created = xtask::products::scaffold(root, &specs).expect("scaffold");
    let generated = xtask::sync(root, xtask::Mode::Write).expect("codegen");
    done.iter().any(|d| d.changed) || !created.is_empty() || !generated.is_empty()
}

const EMULATOR_TEST: &str = r#"//! The new crate against the emulator, which serves its spec.

#[tokio::test]
async fn list_users_on_the_emulator() {
    let emulator = aliyun_emulator::Emulator::start().await.expect("emulator");
    let config = emulator.sdk_config_builder().build().expect("config");
    let ram = aliyun_ram::Client::new(&config);
    let output = ram.list_users().send().await.expect("ListUsers");
    assert!(output.request_id.is_some());
    assert_eq!(emulator.requests_for("ListUsers").len(), 1);
}
"#;

#[test]
#[ignore = "compiles a new crate and the emulator (minutes): CI runs it as its own step"]
fn a_new_product_in_one_command() {
    let workspace = xtask::workspace_root();
    let scratch = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("new-product");
    let _ = fs::remove_dir_all(&scratch);
    fs::create_dir_all(&scratch).expect("scratch");
    copy_workspace(&workspace, &scratch);
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join(FIXTURE);

    assert!(!scratch.join("aliyun-ram").exists());
    assert!(import_and_generate(&scratch, &fixture));
    for file in [
        "specs/ram.yaml",
        "aliyun-ram/Cargo.toml",
        "aliyun-ram/src/lib.rs",
        "aliyun-ram/README.md",
        "aliyun-ram/src/generated/mod.rs",
        "emulator/specs/ram.yaml",
    ] {
        assert!(scratch.join(file).is_file(), "{file} not written");
    }
    let manifest = fs::read_to_string(scratch.join("Cargo.toml")).expect("root manifest");
    assert_eq!(
        manifest.matches("    \"aliyun-ram\",\n").count(),
        2,
        "{manifest}"
    );
    assert!(manifest.contains("aliyun-ram = { path = \"aliyun-ram\""));
    let table = xtask::products::table(&scratch).expect("table");
    let names: Vec<&str> = table.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["aliyun-cms", "aliyun-ecs", "aliyun-ram"]);
    assert!(
        !import_and_generate(&scratch, &fixture),
        "a second run changed something"
    );

    // A user's test of the new crate on the emulator (the crate itself depends on aliyun-core only).
    let crate_manifest = scratch.join("aliyun-ram/Cargo.toml");
    let text = fs::read_to_string(&crate_manifest).expect("crate manifest");
    let text = text.replace(
        "[dev-dependencies]\n",
        "[dev-dependencies]\naliyun-emulator = { path = \"../emulator\" }\n",
    );
    fs::write(&crate_manifest, text).expect("write manifest");
    fs::create_dir_all(scratch.join("aliyun-ram/tests")).expect("tests dir");
    fs::write(scratch.join("aliyun-ram/tests/emulator.rs"), EMULATOR_TEST).expect("test");

    // A target directory of its own: the outer `cargo test` holds the lock of its own.
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace.join("target"))
        .join("new-product");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let status = Command::new(cargo)
        .current_dir(&scratch)
        .args(["test", "--offline", "-p", "aliyun-ram"])
        .env("CARGO_TARGET_DIR", &target)
        .status()
        .expect("cargo runs");
    assert!(
        status.success(),
        "cargo test -p aliyun-ram failed in {}",
        scratch.display()
    );
}
