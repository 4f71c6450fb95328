//! `cargo xtask <command>`: see `cargo xtask help`.

use std::process::ExitCode;

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  codegen           regenerate every product crate's src/generated/ from specs/
  codegen --check   change nothing; exit 1 listing stale generated files
  import FILE... [--out SPEC]
                    write or update specs/<code>.yaml from API metadata files
                    (api-docs.json), merging specs/overlays/<code>.yaml; files of one
                    product and API version are layered, oldest first (a newer
                    requests-only file over a full one); a product without a crate
                    gets one (Cargo.toml, src/lib.rs, README.md, registered in the
                    root Cargo.toml): then run codegen
  product-checks    cargo check each product crate with no API group, then with each
                    group its hand-written code names (or its first group), alone
  package-check     cargo package every publishable crate (verified: each builds from its
                    tarball), print their sizes, and test a scratch project outside the
                    workspace that uses the packaged aliyun-ecs and aliyun-emulator
  bench [options]   run every benchmark (benches/) and print the ratio table
                      --quick          criterion --quick and a short e2e run (smoke test)
                      --build-cost     instead: what each product crate costs to build
                                       (unit times, per action, peak memory, check,
                                       doc, generated lines, size of a one-action binary)
                      --calls N        e2e calls per round (20000)
                      --concurrency C  e2e concurrency (64)
                      --rounds R       e2e rounds per client, medians reported (5)
                      --inflight K     calls in flight at once in the scale run (10000)
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let root = xtask::workspace_root();
    match args.as_slice() {
        ["codegen"] => match xtask::sync(&root, xtask::Mode::Write) {
            Ok(changed) if changed.is_empty() => {
                println!("generated code is up to date");
                ExitCode::SUCCESS
            }
            Ok(changed) => {
                for file in &changed {
                    println!("{}", file.applied());
                }
                ExitCode::SUCCESS
            }
            Err(error) => {
                eprintln!("error: {error}");
                ExitCode::FAILURE
            }
        },
        ["codegen", "--check"] => match xtask::sync(&root, xtask::Mode::Check) {
            Ok(stale) if stale.is_empty() => {
                println!("generated code is up to date");
                ExitCode::SUCCESS
            }
            Ok(stale) => {
                eprintln!("generated code is stale:");
                for file in &stale {
                    eprintln!("  {file}");
                }
                eprintln!("run `cargo xtask codegen` and commit the result");
                ExitCode::FAILURE
            }
            Err(error) => {
                eprintln!("error: {error}");
                ExitCode::FAILURE
            }
        },
        ["import", rest @ ..] => import(&root, rest),
        ["product-checks"] => product_checks(&root),
        ["package-check"] => match xtask::package_check::run(&root) {
            Ok(_) => {
                println!("packages are complete: the scratch project built and passed");
                ExitCode::SUCCESS
            }
            Err(error) => {
                eprintln!("error: {error}");
                ExitCode::FAILURE
            }
        },
        ["bench", options @ ..] => match xtask::bench::BenchOptions::parse(options) {
            Ok(options) => match xtask::bench::run(&root, &options) {
                Ok(_) => ExitCode::SUCCESS,
                Err(error) => {
                    eprintln!("error: {error}");
                    ExitCode::FAILURE
                }
            },
            Err(error) => {
                eprintln!("{error}\n\n{USAGE}");
                ExitCode::from(2)
            }
        },
        ["help"] | ["--help"] | ["-h"] | [] => {
            print!("{USAGE}");
            ExitCode::SUCCESS
        }
        other => {
            eprintln!("unknown command: {}\n\n{USAGE}", other.join(" "));
            ExitCode::from(2)
        }
    }
}

/// `cargo xtask import FILE... [--out SPEC]`: prints what it wrote and the defect table.
fn import(root: &std::path::Path, args: &[&str]) -> ExitCode {
    let mut files = Vec::new();
    let mut out = None;
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match *arg {
            "--out" => match args.next() {
                Some(path) => out = Some(std::path::PathBuf::from(path)),
                None => {
                    eprintln!("--out needs a path\n\n{USAGE}");
                    return ExitCode::from(2);
                }
            },
            file => files.push(std::path::PathBuf::from(file)),
        }
    }
    if files.is_empty() {
        eprintln!("import needs at least one api-docs file\n\n{USAGE}");
        return ExitCode::from(2);
    }
    match xtask::import::run(root, &files, out.as_deref()) {
        Ok(done) => {
            for imported in &done {
                let state = if imported.changed {
                    "updated"
                } else {
                    "unchanged"
                };
                println!("{state}: {}", imported.path.display());
                println!("{}", imported.report);
            }
            // A spec written elsewhere (--out) is not a product of this workspace.
            let specs: Vec<std::path::PathBuf> = match out {
                Some(_) => Vec::new(),
                None => done.into_iter().map(|imported| imported.path).collect(),
            };
            match xtask::products::scaffold(root, &specs) {
                Ok(created) => {
                    for path in &created {
                        println!("crate: {}", path.display());
                    }
                    if !created.is_empty() {
                        println!("run `cargo xtask codegen` to generate its code");
                    }
                    ExitCode::SUCCESS
                }
                Err(error) => {
                    eprintln!("error: {error}");
                    ExitCode::FAILURE
                }
            }
        }
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

/// `cargo xtask product-checks`: `cargo check` of each product crate of the specs with no API
/// group and with each group its hand-written code needs (or its first), stopping at the first
/// failure.
fn product_checks(root: &std::path::Path) -> ExitCode {
    let table = match xtask::products::table(root) {
        Ok(table) => table,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::FAILURE;
        }
    };
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let commands = match xtask::products::check_commands(root, &table) {
        Ok(commands) => commands,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::FAILURE;
        }
    };
    for args in commands {
        println!("cargo {}", args.join(" "));
        let status = std::process::Command::new(&cargo)
            .current_dir(root)
            .args(&args)
            .status();
        match status {
            Ok(status) if status.success() => {}
            Ok(status) => {
                eprintln!("error: cargo {} failed: {status}", args.join(" "));
                return ExitCode::FAILURE;
            }
            Err(error) => {
                eprintln!("error: cargo: {error}");
                return ExitCode::FAILURE;
            }
        }
    }
    ExitCode::SUCCESS
}
