//! The two endpoint forms of `product.endpoints` (regional and global, each with exceptions)
//! and what a mix of them is refused with.

mod support;

use aliyun_spec::parse_product;
use support::{edit, line_of, refused};

const REGIONAL: &str =
    "    regional: \"demo.{region}.aliyuncs.com\"\n    central: demo.aliyuncs.com\n";

fn with_endpoints(text: &str) -> String {
    edit(REGIONAL, text)
}

#[test]
fn a_global_product_has_one_host_for_every_region_and_none() {
    let source = with_endpoints(
        "    global: demo.aliyuncs.com\n    exceptions:\n      cn-shanghai-finance-1: demo-finance.aliyuncs.com\n",
    );
    let product = parse_product("specs/demo.yaml", &source).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(product.regional_endpoint, "demo.aliyuncs.com");
    assert_eq!(product.central_endpoint, "demo.aliyuncs.com");
    assert_eq!(
        product.endpoint_exceptions,
        [(
            "cn-shanghai-finance-1".to_owned(),
            "demo-finance.aliyuncs.com".to_owned()
        )]
    );
}

#[test]
fn a_regional_product_keeps_its_pattern_and_central_host() {
    let product =
        parse_product("specs/demo.yaml", support::VALID).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(product.regional_endpoint, "demo.{region}.aliyuncs.com");
    assert_eq!(product.central_endpoint, "demo.aliyuncs.com");
}

#[test]
fn mixed_or_missing_forms_are_refused_with_their_place() {
    let source = with_endpoints(
        "    regional: \"demo.{region}.aliyuncs.com\"\n    global: demo.aliyuncs.com\n",
    );
    refused(
        &source,
        line_of(&source, "global:"),
        "product.endpoints.global",
        "not with `regional` or `central`",
    );
    let source = with_endpoints("    global: \"demo.{region}.aliyuncs.com\"\n");
    refused(
        &source,
        line_of(&source, "global:"),
        "product.endpoints.global",
        "has no `{region}`",
    );
    let source =
        with_endpoints("    regional: demo.aliyuncs.com\n    central: demo.aliyuncs.com\n");
    refused(
        &source,
        line_of(&source, "regional:"),
        "product.endpoints.regional",
        "says `global`",
    );
    let source = with_endpoints("    regional: \"demo.{region}.aliyuncs.com\"\n");
    refused(
        &source,
        line_of(&source, "endpoints:"),
        "product.endpoints",
        "`central` is required",
    );
    let source = with_endpoints("    exceptions: {}\n");
    refused(
        &source,
        line_of(&source, "endpoints:"),
        "product.endpoints",
        "or `global`",
    );
}
