//! Rust names derived from wire names, in one place so validation (which rejects collisions)
//! and emission (which uses the names) always agree.

use heck::{ToSnakeCase, ToUpperCamelCase};

use crate::spec::{EnumValue, ErrorCode, Member};

/// Rust keywords that can be used as raw identifiers (`r#type`).
const RAW_OK_KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "do", "dyn",
    "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl", "in", "let",
    "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref", "return",
    "static", "struct", "trait", "true", "try", "type", "typeof", "unsafe", "unsized", "use",
    "virtual", "where", "while", "yield",
];

/// Keywords that cannot be identifiers at all, even raw.
const FORBIDDEN: &[&str] = &["self", "Self", "super", "crate", "_"];

/// The snake_case name of a member (its `rust_name`, or its wire name converted).
pub fn member_name(member: &Member) -> String {
    member
        .rust_name
        .clone()
        .unwrap_or_else(|| member.name.to_snake_case())
}

/// Whether a member named `wire_name` holds a secret by its name alone: a password
/// (`Password`, `VncPassword`; not `PasswordInherit` or `WindowsPasswordName`), a private key
/// body, a secret key or an activation code. The SDK's `Debug` output and the emulator's
/// request log hide such values; a spec's `sensitive` overrides the rule.
///
/// ```
/// use aliyun_spec::names::is_sensitive_name;
/// assert!(is_sensitive_name("VncPassword") && is_sensitive_name("password"));
/// assert!(is_sensitive_name("PrivateKeyBody") && is_sensitive_name("SecretKey"));
/// assert!(!is_sensitive_name("PasswordInherit") && !is_sensitive_name("KeyPairName"));
/// ```
pub fn is_sensitive_name(wire_name: &str) -> bool {
    const SECRETS: [&str; 4] = [
        "privatekeybody",
        "secretkey",
        "accesskeysecret",
        "activationcode",
    ];
    let name = wire_name.to_ascii_lowercase();
    name.ends_with("password") || SECRETS.contains(&name.as_str())
}

/// The snake_case module/method name of an action.
pub fn action_snake(action: &str) -> String {
    action.to_snake_case()
}

/// The enum variant of an enum value.
pub fn enum_variant(value: &EnumValue) -> String {
    value.rust_name.clone().unwrap_or_else(|| {
        let camel = value
            .value
            .replace(['.', '-', ' ', '/', ':'], "_")
            .to_upper_camel_case();
        if camel.starts_with(|c: char| c.is_ascii_digit()) {
            format!("V{camel}")
        } else {
            camel
        }
    })
}

/// The error-enum variant of an error code (`InvalidInstance.NotFound` → `InvalidInstanceNotFound`).
pub fn error_variant(error: &ErrorCode) -> String {
    error.rust_name.clone().unwrap_or_else(|| {
        let camel = error
            .code
            .replace(['.', '-', ' ', '/', ':'], "_")
            .to_upper_camel_case();
        if camel.starts_with(|c: char| c.is_ascii_digit()) {
            format!("E{camel}")
        } else {
            camel
        }
    })
}

/// Why `name` cannot be a snake_case Rust identifier, if it cannot.
pub fn check_snake_ident(name: &str) -> Option<String> {
    if FORBIDDEN.contains(&name) {
        return Some(format!("`{name}` is reserved in Rust: set `rust_name`"));
    }
    let mut chars = name.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_');
    if !first_ok
        || !name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    {
        return Some(format!(
            "`{name}` is not a snake_case identifier (lowercase ASCII letters, digits, `_`)"
        ));
    }
    None
}

/// Why `name` cannot be an UpperCamelCase Rust type or variant name, if it cannot.
pub fn check_camel_ident(name: &str) -> Option<String> {
    if FORBIDDEN.contains(&name) {
        return Some(format!("`{name}` is reserved in Rust"));
    }
    let first_ok = name.chars().next().is_some_and(|c| c.is_ascii_uppercase());
    if !first_ok || !name.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Some(format!(
            "`{name}` is not an UpperCamelCase identifier (ASCII letters and digits, starting upper-case)"
        ));
    }
    None
}

/// Whether `name` must be written as a raw identifier.
pub fn needs_raw(name: &str) -> bool {
    RAW_OK_KEYWORDS.contains(&name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(v: &str) -> EnumValue {
        EnumValue {
            value: v.into(),
            rust_name: None,
            doc: None,
        }
    }

    #[test]
    fn conversions() {
        assert_eq!(
            action_snake("InstallCloudAssistant"),
            "install_cloud_assistant"
        );
        assert_eq!(
            action_snake("DescribeCloudAssistantStatus"),
            "describe_cloud_assistant_status"
        );
        assert_eq!(enum_variant(&value("install_faild")), "InstallFaild");
        assert_eq!(enum_variant(&value("Windows")), "Windows");
        assert_eq!(enum_variant(&value("2xx")), "V2xx");
        let code = ErrorCode {
            code: "InvalidInstance.NotFound".into(),
            status: crate::spec::OneOrMany::One(404),
            message: None,
            doc: None,
            retryable: false,
            rust_name: None,
        };
        assert_eq!(error_variant(&code), "InvalidInstanceNotFound");
    }

    #[test]
    fn identifier_checks() {
        assert!(check_snake_ident("instance_ids").is_none());
        assert!(check_snake_ident("self").is_some());
        assert!(check_snake_ident("Bad").is_some());
        assert!(check_snake_ident("").is_some());
        assert!(check_camel_ident("NodeStatus").is_none());
        assert!(check_camel_ident("node").is_some());
        assert!(needs_raw("type"));
    }
}
