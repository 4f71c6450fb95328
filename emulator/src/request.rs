//! Reading an RPC request off the wire: query and form-body parameters decoded strictly (bad
//! percent-escapes, invalid UTF-8, duplicates and oversized input are refused in the real
//! error shape, never a panic), plus the headers and body the V3 signature covers.

use bytes::Bytes;

use crate::error::ApiError;

/// Longest query string accepted (bytes). Longer ones get HTTP 414 in the JSON error shape;
/// the HTTP layer itself stops at a larger limit (see `server`).
pub const MAX_QUERY_BYTES: usize = 32 * 1024;
/// Largest request body accepted (bytes); larger ones get HTTP 413.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;
/// Most parameters accepted in one request.
pub const MAX_PARAMS: usize = 2_000;

/// A request as received, decoded.
#[derive(Debug, Clone, Default)]
pub(crate) struct Incoming {
    pub(crate) method: String,
    /// The decoded path (signed by V3).
    pub(crate) path: String,
    /// Query parameters, decoded, in arrival order.
    pub(crate) query: Vec<(String, String)>,
    /// Form-body parameters, decoded, in arrival order.
    pub(crate) form: Vec<(String, String)>,
    /// Headers with UTF-8 values, names lowercase.
    pub(crate) headers: Vec<(String, String)>,
    /// The raw body (hashed by V3).
    pub(crate) body: Bytes,
}

impl Incoming {
    /// Query then form parameters.
    pub(crate) fn params(&self) -> impl Iterator<Item = (&str, &str)> {
        self.query
            .iter()
            .chain(&self.form)
            .map(|(k, v)| (k.as_str(), v.as_str()))
    }

    pub(crate) fn param(&self, name: &str) -> Option<&str> {
        self.params().find(|(k, _)| *k == name).map(|(_, v)| v)
    }

    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Decodes the request. `body` was already read under [`MAX_BODY_BYTES`].
pub(crate) fn parse(parts: &http::request::Parts, body: Bytes) -> Result<Incoming, ApiError> {
    let raw_query = parts.uri.query().unwrap_or_default();
    if raw_query.len() > MAX_QUERY_BYTES {
        return Err(ApiError::new(
            414,
            "InvalidParameter",
            format!(
                "The query string ({} bytes) is longer than the {MAX_QUERY_BYTES}-byte limit.",
                raw_query.len()
            ),
        ));
    }
    let path = decode(parts.uri.path().as_bytes(), false)
        .map_err(|e| ApiError::malformed_request(format_args!("the path {e}")))?;
    let query = decode_pairs(raw_query.as_bytes(), "query string")?;

    let is_form = parts
        .headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim()
                .to_ascii_lowercase()
                .starts_with("application/x-www-form-urlencoded")
        });
    let form = if is_form {
        decode_pairs(&body, "form body")?
    } else {
        Vec::new()
    };
    if query.len() + form.len() > MAX_PARAMS {
        return Err(ApiError::malformed_request(format_args!(
            "more than {MAX_PARAMS} parameters"
        )));
    }
    // The service cannot tell which of two values was meant; refusing beats guessing.
    let mut names: Vec<&str> = query.iter().chain(&form).map(|(k, _)| k.as_str()).collect();
    names.sort_unstable();
    if let Some(pair) = names.windows(2).find(|w| w[0] == w[1]) {
        return Err(ApiError::new(
            400,
            "InvalidParameter",
            format!("The parameter \"{}\" is duplicated.", printable(pair[0])),
        ));
    }

    let headers = parts
        .headers
        .iter()
        .filter_map(|(name, value)| {
            let value = std::str::from_utf8(value.as_bytes()).ok()?;
            Some((name.as_str().to_ascii_lowercase(), value.to_owned()))
        })
        .collect();
    Ok(Incoming {
        method: parts.method.as_str().to_owned(),
        path,
        query,
        form,
        headers,
        body,
    })
}

/// `name=value&...` pairs; `+` is a space (what servlet containers do), empty segments are
/// skipped.
fn decode_pairs(raw: &[u8], what: &str) -> Result<Vec<(String, String)>, ApiError> {
    let mut pairs = Vec::new();
    for segment in raw.split(|&b| b == b'&') {
        if segment.is_empty() {
            continue;
        }
        let (name, value) = match segment.iter().position(|&b| b == b'=') {
            Some(i) => (&segment[..i], &segment[i + 1..]),
            None => (segment, &b""[..]),
        };
        let name = decode(name, true).map_err(|e| {
            ApiError::malformed_request(format_args!("a {what} parameter name {e}"))
        })?;
        if name.is_empty() {
            return Err(ApiError::malformed_request(format_args!(
                "the {what} holds a parameter without a name"
            )));
        }
        let value = decode(value, true).map_err(|e| {
            ApiError::malformed_request(format_args!(
                "the value of {what} parameter \"{}\" {e}",
                printable(&name)
            ))
        })?;
        pairs.push((name, value));
    }
    Ok(pairs)
}

/// Percent-decodes `raw` strictly: every `%` starts two hex digits and the result is UTF-8.
fn decode(raw: &[u8], plus_is_space: bool) -> Result<String, &'static str> {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        match raw[i] {
            b'%' => {
                let hi = raw.get(i + 1).and_then(|b| hex_value(*b));
                let lo = raw.get(i + 2).and_then(|b| hex_value(*b));
                match (hi, lo) {
                    (Some(hi), Some(lo)) => out.push(hi << 4 | lo),
                    _ => return Err("holds a '%' not followed by two hex digits"),
                }
                i += 3;
            }
            b'+' if plus_is_space => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).map_err(|_| "is not valid UTF-8 once decoded")
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// A name safe to quote in a message: control characters replaced, long names cut.
pub(crate) fn printable(name: &str) -> String {
    let mut out: String = name
        .chars()
        .take(64)
        .map(|c| if c.is_control() { '?' } else { c })
        .collect();
    if name.chars().count() > 64 {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(uri: &str, content_type: Option<&str>) -> http::request::Parts {
        let mut builder = http::Request::builder().method("POST").uri(uri);
        if let Some(ct) = content_type {
            builder = builder.header("content-type", ct);
        }
        builder.body(()).unwrap().into_parts().0
    }

    #[test]
    fn decodes_query_and_form() {
        let p = parts(
            "/?A=1&B=x%20y+z&Empty=&Flag",
            Some("application/x-www-form-urlencoded; charset=utf-8"),
        );
        let incoming = parse(&p, Bytes::from_static(b"C=%E6%B5%8B&D=a%2Bb")).unwrap();
        assert_eq!(incoming.param("B"), Some("x y z"));
        assert_eq!(incoming.param("Empty"), Some(""));
        assert_eq!(incoming.param("Flag"), Some(""));
        assert_eq!(incoming.param("C"), Some("测"));
        assert_eq!(incoming.param("D"), Some("a+b"));
        assert_eq!(incoming.path, "/");
    }

    #[test]
    fn body_without_form_type_is_not_parameters() {
        let p = parts("/?A=1", None);
        let incoming = parse(&p, Bytes::from_static(b"B=2")).unwrap();
        assert_eq!(incoming.param("B"), None);
    }

    #[test]
    fn refuses_malformed_input() {
        for uri in ["/?A=%zz", "/?A=%E6", "/?A=1&A=2", "/?=x", "/?A=%"] {
            let err = parse(&parts(uri, None), Bytes::new()).unwrap_err();
            assert_eq!(err.status, 400, "{uri}: {err}");
        }
        let ct = Some("application/x-www-form-urlencoded");
        let err = parse(&parts("/?A=1", ct), Bytes::from_static(b"A=2")).unwrap_err();
        assert!(err.message.contains("duplicated"), "{err}");
        let err = parse(&parts("/", ct), Bytes::from_static(b"A=\xff\xfe")).unwrap_err();
        assert!(err.message.contains("UTF-8"), "{err}");
        let long = format!("/?A={}", "x".repeat(MAX_QUERY_BYTES));
        assert_eq!(
            parse(&parts(&long, None), Bytes::new()).unwrap_err().status,
            414
        );
    }
}
