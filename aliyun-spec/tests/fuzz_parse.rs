//! The spec parser never panics: arbitrary text, and the fixture spec with random lines
//! deleted, duplicated or garbled, all give either a spec or located errors.

use proptest::prelude::*;

const FIXTURE: &str = include_str!("../../codegen/fixture/spec.yaml");

fn parse(source: &str) {
    if let Err(errors) = aliyun_spec::parse_spec("fuzz.yaml", source) {
        assert!(!errors.0.is_empty());
        for error in &errors.0 {
            assert!(error.to_string().starts_with("fuzz.yaml"));
        }
    }
}

/// 128 cases by default; `PROPTEST_CASES=N` runs N (the long run in `RELIABILITY.md`).
fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(128)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text(source in "\\PC{0,400}") {
        parse(&source);
    }

    #[test]
    fn yaml_shaped_text(source in "([a-z_]{1,8}: (\\[|\\{|-|[a-z0-9\"']{0,6})\n {0,6}){0,40}") {
        parse(&source);
    }

    #[test]
    fn mutated_fixture(line in 0usize..600, op in 0u8..4, junk in "[ -~]{0,12}") {
        let mut lines: Vec<String> = FIXTURE.lines().map(str::to_owned).collect();
        let index = line % lines.len();
        match op {
            0 => { lines.remove(index); }
            1 => { let copy = lines[index].clone(); lines.insert(index, copy); }
            2 => lines[index].push_str(&junk),
            _ => lines[index] = junk,
        }
        parse(&lines.join("\n"));
    }
}
