//! The worked example in `specs/README.md` stays true: its YAML, merged into the ECS spec,
//! validates and generates the module the README names.

use serde_yaml::{Mapping, Value};

fn readme_example() -> Value {
    let readme = include_str!("../../specs/README.md");
    let start = readme
        .find("## Worked example")
        .expect("worked example section");
    let block = readme[start..]
        .split("```yaml\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("the example's yaml block");
    // The block is indented inside a numbered list item.
    let text: String = block
        .lines()
        .map(|l| l.strip_prefix("   ").unwrap_or(l))
        .collect::<Vec<_>>()
        .join("\n");
    serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

fn merge_section(spec: &mut Value, example: &Value, section: &str) {
    let Some(Value::Mapping(add)) = example.get(section) else {
        panic!("no {section}")
    };
    let target = spec
        .as_mapping_mut()
        .and_then(|m| m.get_mut(section))
        .and_then(Value::as_mapping_mut)
        .unwrap_or_else(|| panic!("spec has no {section}"));
    for (key, value) in add {
        target.insert(key.clone(), value.clone());
    }
}

#[test]
fn worked_example_generates() {
    let mut spec: Value =
        serde_yaml::from_str(include_str!("../../specs/ecs.yaml")).expect("ecs spec");
    let example = readme_example();
    merge_section(&mut spec, &example, "types");
    merge_section(&mut spec, &example, "actions");
    let _: &Mapping = spec.as_mapping().expect("mapping");
    let text = serde_yaml::to_string(&spec).expect("yaml");
    let product = codegen::parse_product("specs/ecs.yaml", &text).unwrap_or_else(|e| panic!("{e}"));
    assert!(product.action("DescribeRegions").is_some());
    let files = codegen::emit::generate(&product, "specs/ecs.yaml").expect("generates");
    let module = files
        .iter()
        .find(|f| f.path.ends_with("action/describe_regions.rs"))
        .expect("describe_regions.rs");
    assert!(
        module
            .contents
            .contains("Request::sent(\n            \"english\"")
    );
    assert!(
        module
            .contents
            .contains("Response::output(\n            \"two_regions\"")
    );
    assert!(module.contents.contains("pub regions: Vec<Region>"));
}
