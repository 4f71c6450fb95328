//! Reading a response: success, service error (standard or legacy shape), or unreadable.
//!
//! Pure functions of status, headers and body, so each shape is unit-testable without a client.

use std::borrow::Cow;

use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::action::{ActionMetadata, ErrorStyle};
use crate::error::{ResponseError, ServiceError, SignatureDiagnosis};

/// The header some gateways put the request id in, when the body has none.
const REQUEST_ID_HEADER: &str = "x-acs-request-id";

/// What a response turned out to be.
#[derive(Debug)]
pub(crate) enum ResponseClass {
    /// A 2xx answer that is not an error: decode the action's output from the body.
    Success,
    /// The service answered with an error code.
    Service(ServiceError),
    /// The answer could not be read as an error.
    Unreadable(ResponseError),
}

/// The fields of an error body, in the standard shape (`Code`, `Message`, ...) and the legacy
/// CloudMonitor one (`ErrorCode`, `ErrorMessage`, `Success`). Every field is optional and read
/// leniently: `ErrorCode` arrives as a number or a string.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ErrorBody {
    #[serde(
        rename = "Code",
        alias = "code",
        deserialize_with = "crate::__private::de::lenient_opt"
    )]
    code: Option<String>,
    #[serde(
        rename = "Message",
        alias = "message",
        deserialize_with = "crate::__private::de::lenient_opt"
    )]
    message: Option<String>,
    #[serde(
        rename = "RequestId",
        alias = "requestId",
        deserialize_with = "crate::__private::de::lenient_opt"
    )]
    request_id: Option<String>,
    #[serde(
        rename = "HostId",
        alias = "hostId",
        deserialize_with = "crate::__private::de::lenient_opt"
    )]
    host_id: Option<String>,
    #[serde(
        rename = "Recommend",
        alias = "recommend",
        deserialize_with = "crate::__private::de::lenient_opt"
    )]
    recommend: Option<String>,
    #[serde(
        rename = "ErrorCode",
        deserialize_with = "crate::__private::de::lenient_opt"
    )]
    error_code: Option<String>,
    #[serde(
        rename = "ErrorMessage",
        deserialize_with = "crate::__private::de::lenient_opt"
    )]
    error_message: Option<String>,
    #[serde(
        rename = "Success",
        deserialize_with = "crate::__private::de::lenient_opt"
    )]
    success: Option<bool>,
}

/// Classifies a response. `action` supplies the documented error codes (which may mark a
/// code transient).
pub(crate) fn classify(
    status: u16,
    headers: &http::HeaderMap,
    body: &[u8],
    style: ErrorStyle,
    action: &ActionMetadata,
) -> ResponseClass {
    if (200..300).contains(&status) {
        let failure = match style {
            ErrorStyle::LegacySuccessFlag => legacy_failure(status, headers, body, action),
            ErrorStyle::Envelope => envelope_failure(status, headers, body, action),
            _ => None,
        };
        return match failure {
            Some(error) => ResponseClass::Service(error),
            None => ResponseClass::Success,
        };
    }
    let parsed = serde_json::from_slice::<ErrorBody>(body)
        .ok()
        .filter(|b| b.code.is_some() || b.error_code.is_some())
        .or_else(|| xml_error_body(body));
    match parsed {
        Some(parsed) => {
            let code = parsed.code.or(parsed.error_code).unwrap_or_default();
            let message = parsed.message.or(parsed.error_message).unwrap_or_default();
            let request_id = parsed.request_id.or_else(|| request_id_header(headers));
            ResponseClass::Service(
                service_error(code, message, status, action)
                    .with_request_id(request_id)
                    .with_host_id(parsed.host_id)
                    .with_recommend(parsed.recommend),
            )
        }
        None => ResponseClass::Unreadable(
            ResponseError::new(status, body, unreadable_reason(status, headers, body))
                .with_request_id(request_id_header(headers)),
        ),
    }
}

/// A 2xx legacy body that says it failed: `"Success": false`, or an `ErrorCode` other than 200.
fn legacy_failure(
    status: u16,
    headers: &http::HeaderMap,
    body: &[u8],
    action: &ActionMetadata,
) -> Option<ServiceError> {
    // A body that is not even JSON is left to output decoding, which reports it as unreadable.
    let parsed = serde_json::from_slice::<ErrorBody>(body).ok()?;
    let bad_code = parsed
        .error_code
        .as_deref()
        .is_some_and(|code| code.trim() != "200");
    if parsed.success != Some(false) && !bad_code {
        return None;
    }
    let code = parsed
        .error_code
        .filter(|code| code.trim() != "200")
        .or(parsed.code)
        .unwrap_or_else(|| "Unknown".to_owned());
    let message = parsed.error_message.or(parsed.message).unwrap_or_default();
    let request_id = parsed.request_id.or_else(|| request_id_header(headers));
    Some(service_error(code, message, status, action).with_request_id(request_id))
}

/// A 2xx envelope body that says it failed: `"Success": false`, or no `Success` and a `Code`
/// other than `200`/empty.
fn envelope_failure(
    status: u16,
    headers: &http::HeaderMap,
    body: &[u8],
    action: &ActionMetadata,
) -> Option<ServiceError> {
    // A body that is not even JSON is left to output decoding, which reports it as unreadable.
    let parsed = serde_json::from_slice::<ErrorBody>(body).ok()?;
    let is_ok_code = |code: &str| matches!(code.trim(), "" | "200");
    let failed = match parsed.success {
        Some(success) => !success,
        None => parsed.code.as_deref().is_some_and(|code| !is_ok_code(code)),
    };
    if !failed {
        return None;
    }
    let code = parsed
        .code
        .filter(|code| !is_ok_code(code))
        .unwrap_or_else(|| "Unknown".to_owned());
    let message = parsed.message.unwrap_or_default();
    let request_id = parsed.request_id.or_else(|| request_id_header(headers));
    Some(service_error(code, message, status, action).with_request_id(request_id))
}

fn service_error(
    code: String,
    message: String,
    status: u16,
    action: &ActionMetadata,
) -> ServiceError {
    let spec_retryable = action.retryable_codes.contains(&code.as_str());
    // A `SignatureDoesNotMatch` message quotes the server's string-to-sign, which holds the
    // security token of STS credentials.
    let message = match redact_security_token(&message) {
        Cow::Borrowed(_) => message,
        Cow::Owned(redacted) => redacted,
    };
    ServiceError::classified(code, message, status, spec_retryable)
}

fn unreadable_reason(status: u16, headers: &http::HeaderMap, body: &[u8]) -> String {
    let content_type = headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("none");
    if body.is_empty() {
        format!("HTTP {status} with an empty body")
    } else {
        format!(
            "HTTP {status} with a body that is not a JSON or XML error (content type {content_type})"
        )
    }
}

/// Decodes a success body into the action's output.
pub(crate) fn decode_output<T: DeserializeOwned>(
    status: u16,
    headers: &http::HeaderMap,
    body: &[u8],
    action: &str,
) -> Result<T, ResponseError> {
    serde_json::from_slice(body).map_err(|err| {
        // A fault inside a nested value reaches here as a data error naming its path: whether
        // the body is whole JSON at all is asked of the body itself.
        let err = match serde_json::from_slice::<serde::de::IgnoredAny>(body) {
            Err(syntax) if err.is_data() => syntax,
            _ => err,
        };
        let reason = if body.is_empty() {
            format!("{action}: the body is empty")
        } else if err.is_eof() {
            format!("{action}: the JSON body is truncated ({err})")
        } else if err.is_syntax() {
            format!("{action}: the body is not JSON ({err})")
        } else {
            format!("{action}: the body does not match the output shape ({err})")
        };
        let request_id = serde_json::from_slice::<ErrorBody>(body)
            .ok()
            .and_then(|b| b.request_id)
            .or_else(|| request_id_header(headers));
        ResponseError::new(status, body, reason).with_request_id(request_id)
    })
}

/// The request id from the response headers.
pub(crate) fn request_id_header(headers: &http::HeaderMap) -> Option<String> {
    headers
        .get(REQUEST_ID_HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

/// The XML error shape: `<Error><Code>…</Code><Message>…</Message>…</Error>`.
fn xml_error_body(body: &[u8]) -> Option<ErrorBody> {
    let text = std::str::from_utf8(body).ok()?;
    let [code, message, request_id, host_id, recommend] = xml_elements(
        text,
        ["Code", "Message", "RequestId", "HostId", "Recommend"],
    );
    Some(ErrorBody {
        code: Some(code?),
        message,
        request_id,
        host_id,
        recommend,
        ..ErrorBody::default()
    })
}

/// The text of the first element named each of `names` (by local name, anywhere in the
/// document), trimmed, with entities and CDATA resolved and the text of nested elements
/// included. Reading stops at the first syntax error, keeping what was found before it: an
/// error body is read for its fields, not validated.
fn xml_elements<const N: usize>(text: &str, names: [&str; N]) -> [Option<String>; N] {
    use quick_xml::events::Event;

    let mut found: [Option<String>; N] = std::array::from_fn(|_| None);
    let mut reader = quick_xml::Reader::from_str(text);
    // The element being read: its index in `names`, how deep inside it the reader is, and
    // its text so far.
    let mut open: Option<(usize, usize, String)> = None;
    while let Ok(event) = reader.read_event() {
        match (event, &mut open) {
            (Event::Eof, _) => break,
            (Event::Start(_), Some((_, depth, _))) => *depth += 1,
            (Event::Start(start), None) => {
                let name = start.local_name();
                if let Some(index) = names.iter().position(|n| *n == name.as_ref()) {
                    if found[index].is_none() {
                        open = Some((index, 0, String::new()));
                    }
                }
            }
            (Event::End(_), Some((index, 0, content))) => {
                found[*index] = Some(content.trim().to_owned());
                open = None;
            }
            (Event::End(_), Some((_, depth, _))) => *depth -= 1,
            (Event::Text(t), Some((_, _, content))) => content.push_str(&t.xml10_content()),
            (Event::CData(c), Some((_, _, content))) => content.push_str(&c),
            (Event::GeneralRef(r), Some((_, _, content))) => {
                match r.resolve_char_ref() {
                    Ok(Some(c)) => content.push(c),
                    _ => match quick_xml::escape::resolve_predefined_entity(&r) {
                        Some(resolved) => content.push_str(resolved),
                        // An entity XML does not define: kept as written.
                        None => {
                            content.push('&');
                            content.push_str(&r);
                            content.push(';');
                        }
                    },
                }
            }
            _ => {}
        }
    }
    found
}

/// The server's string-to-sign quoted in a `SignatureDoesNotMatch` message.
pub(crate) fn server_string_to_sign(message: &str) -> Option<&str> {
    const MARKER: &str = "server string to sign is:";
    let start = message.to_ascii_lowercase().find(MARKER)? + MARKER.len();
    let quoted = message.get(start..)?.trim();
    (!quoted.is_empty()).then_some(quoted)
}

/// Compares the server's string-to-sign (from the message) with the ones signed locally (V1:
/// the string-to-sign; V3: also the canonical request, whichever the server quotes).
pub(crate) fn diagnose_signature(message: &str, local: &[&str]) -> SignatureDiagnosis {
    match server_string_to_sign(message) {
        None => SignatureDiagnosis::Unknown,
        Some(server) if local.iter().any(|l| l.trim() == server) => SignatureDiagnosis::WrongSecret,
        Some(server) => SignatureDiagnosis::EncodingDiffers {
            local: redact_security_token(local.first().copied().unwrap_or_default()).into_owned(),
            server: redact_security_token(server).into_owned(),
        },
    }
}

/// `text` with the value of any signed `SecurityToken` parameter hidden. A string-to-sign (and a
/// `SignatureDoesNotMatch` message quoting one) holds the token, encoded once or twice.
pub(crate) fn redact_security_token(text: &str) -> Cow<'_, str> {
    // Encoded inside a string-to-sign (`SecurityToken%3D…%26`), in a query string
    // (`SecurityToken=…&`), and in a V3 canonical request (`x-acs-security-token:…\n`).
    const FORMS: [(&str, &[&str]); 3] = [
        ("SecurityToken%3D", &["%26"]),
        ("SecurityToken=", &["&"]),
        ("x-acs-security-token:", &["\n", "\\n"]),
    ];
    if !FORMS.iter().any(|(start, _)| text.contains(start)) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    loop {
        let next = FORMS
            .iter()
            .filter_map(|(start, ends)| rest.find(start).map(|i| (i, *start, *ends)))
            .min_by_key(|(i, _, _)| *i);
        let Some((at, start, ends)) = next else {
            out.push_str(rest);
            return Cow::Owned(out);
        };
        let value_start = at + start.len();
        out.push_str(&rest[..value_start]);
        out.push_str("***");
        let value_end = ends
            .iter()
            .filter_map(|end| rest[value_start..].find(end))
            .min()
            .map_or(rest.len(), |i| value_start + i);
        rest = &rest[value_end..];
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::action::{HttpMethod, ParamLocation};

    const OP: ActionMetadata = ActionMetadata {
        action: "DoThing",
        method: HttpMethod::Post,
        param_location: ParamLocation::Query,
        idempotent: false,
        retryable_codes: &["InternalError.Dispatch", "Busy.Later"],
    };

    fn classify_json(status: u16, body: &str, style: ErrorStyle) -> ResponseClass {
        classify(status, &http::HeaderMap::new(), body.as_bytes(), style, &OP)
    }

    #[test]
    fn standard_error_body_becomes_a_service_error_with_every_field() {
        let body = r#"{"RequestId":"R1","HostId":"ecs.aliyuncs.com","Code":"InvalidInstance.NotFound","Message":"not found","Recommend":"https://api.aliyun.com/troubleshoot?q=x"}"#;
        let ResponseClass::Service(err) = classify_json(404, body, ErrorStyle::Standard) else {
            panic!()
        };
        assert_eq!(err.code(), "InvalidInstance.NotFound");
        assert_eq!(err.message(), "not found");
        assert_eq!(err.request_id(), Some("R1"));
        assert_eq!(err.host_id(), Some("ecs.aliyuncs.com"));
        assert_eq!(
            err.recommend(),
            Some("https://api.aliyun.com/troubleshoot?q=x")
        );
        assert_eq!(err.http_status(), 404);
        assert!(!err.is_retryable());
    }

    #[test]
    fn spec_marks_codes_retryable() {
        let ResponseClass::Service(err) =
            classify_json(409, r#"{"Code":"Busy.Later"}"#, ErrorStyle::Standard)
        else {
            panic!()
        };
        assert!(err.is_retryable());
        let ResponseClass::Service(err) =
            classify_json(409, r#"{"Code":"Other"}"#, ErrorStyle::Standard)
        else {
            panic!()
        };
        assert!(!err.is_retryable());
    }

    #[test]
    fn xml_error_body_is_accepted() {
        let body = "<?xml version='1.0' encoding='UTF-8'?><Error><RequestId>R2</RequestId>\
                    <HostId>h</HostId><Code>Throttling.User</Code>\
                    <Message>Request was denied &amp; throttled</Message></Error>";
        let ResponseClass::Service(err) = classify_json(400, body, ErrorStyle::Standard) else {
            panic!()
        };
        assert_eq!(err.code(), "Throttling.User");
        assert_eq!(err.message(), "Request was denied & throttled");
        assert_eq!(err.request_id(), Some("R2"));
        assert!(err.is_retryable());
    }

    #[test]
    fn xml_error_fields_take_entities_cdata_and_nested_elements() {
        let body = "<?xml version=\"1.0\"?>\n<Error xmlns=\"urn:x\">\
                    <Details><RequestId>first</RequestId></Details>\
                    <RequestId>second</RequestId>\
                    <Code> <![CDATA[Bad<Code>]]> </Code>\
                    <Message>a &lt;b&gt; &#x263A; &#65; &quot;q&quot; &apos;s&apos; <i>in <b>side</b></i> &unknown;</Message>\
                    <Recommend><![CDATA[https://x/?a=1&b=2]]></Recommend></Error>";
        let parsed = xml_error_body(body.as_bytes()).unwrap();
        assert_eq!(parsed.code.as_deref(), Some("Bad<Code>"));
        assert_eq!(
            parsed.message.as_deref(),
            Some("a <b> \u{263A} A \"q\" 's' in side &unknown;")
        );
        assert_eq!(parsed.request_id.as_deref(), Some("first"));
        assert_eq!(parsed.recommend.as_deref(), Some("https://x/?a=1&b=2"));
        assert_eq!(parsed.host_id, None);

        // No code, not XML, or broken before the code: not an XML error body.
        assert!(xml_error_body(b"<Error><Message>m</Message></Error>").is_none());
        assert!(xml_error_body(b"{\"Code\": 1}").is_none());
        assert!(xml_error_body(b"<Error><Message>m</Mess></Error><Code>C</Code>").is_none());
        assert!(xml_error_body(&[0xff, 0xfe]).is_none());
        // Broken after the code: what came before is kept.
        let parsed = xml_error_body(b"<Error><Code>C</Code><Message>m</Oops>").unwrap();
        assert_eq!(parsed.code.as_deref(), Some("C"));
        assert_eq!(parsed.message, None);
    }

    #[test]
    fn legacy_failure_shapes_become_service_errors_with_status_200() {
        for body in [
            r#"{"ErrorCode":500,"ErrorMessage":"agent failed","Success":false,"RequestId":"R3"}"#,
            r#"{"ErrorCode":"500","ErrorMessage":"agent failed","Success":false,"RequestId":"R3"}"#,
            r#"{"ErrorCode":"500","ErrorMessage":"agent failed","RequestId":"R3"}"#,
        ] {
            let ResponseClass::Service(err) =
                classify_json(200, body, ErrorStyle::LegacySuccessFlag)
            else {
                panic!("{body}")
            };
            assert_eq!(err.code(), "500");
            assert_eq!(err.message(), "agent failed");
            assert_eq!(err.request_id(), Some("R3"));
            assert_eq!(err.http_status(), 200);
        }
        let ResponseClass::Service(err) = classify_json(
            200,
            r#"{"Success":"false","Code":"NotReady","Message":"m"}"#,
            ErrorStyle::LegacySuccessFlag,
        ) else {
            panic!()
        };
        assert_eq!((err.code(), err.message()), ("NotReady", "m"));
        let ResponseClass::Service(err) = classify_json(
            200,
            r#"{"ErrorCode":200,"Success":false}"#,
            ErrorStyle::LegacySuccessFlag,
        ) else {
            panic!()
        };
        assert_eq!(err.code(), "Unknown");
    }

    #[test]
    fn legacy_success_and_standard_2xx_are_successes() {
        for (body, style) in [
            (
                r#"{"ErrorCode":200,"Success":true,"RequestId":"R"}"#,
                ErrorStyle::LegacySuccessFlag,
            ),
            (
                r#"{"ErrorCode":"200","Success":"true"}"#,
                ErrorStyle::LegacySuccessFlag,
            ),
            (r#"{"RequestId":"R"}"#, ErrorStyle::LegacySuccessFlag),
            ("<html>", ErrorStyle::LegacySuccessFlag),
            (r#"{"Success":false}"#, ErrorStyle::Standard),
        ] {
            assert!(
                matches!(classify_json(200, body, style), ResponseClass::Success),
                "{body}"
            );
        }
    }

    #[test]
    fn envelope_failures_become_service_errors_with_status_200() {
        for body in [
            r#"{"Success":false,"Code":"ResourceNotFound","Message":"m","RequestId":"R"}"#,
            r#"{"Success":"false","Code":"ResourceNotFound","Message":"m","RequestId":"R"}"#,
            r#"{"Code":"ResourceNotFound","Message":"m","RequestId":"R"}"#,
        ] {
            let ResponseClass::Service(err) = classify_json(200, body, ErrorStyle::Envelope) else {
                panic!("{body}")
            };
            assert_eq!(
                (err.code(), err.message(), err.request_id()),
                ("ResourceNotFound", "m", Some("R"))
            );
            assert_eq!(err.http_status(), 200);
            assert!(!err.is_retryable());
        }
        let ResponseClass::Service(err) =
            classify_json(200, r#"{"Success":false,"Code":200}"#, ErrorStyle::Envelope)
        else {
            panic!()
        };
        assert_eq!(err.code(), "Unknown");
        let ResponseClass::Service(err) =
            classify_json(200, r#"{"Code":"Throttling.User"}"#, ErrorStyle::Envelope)
        else {
            panic!()
        };
        assert!(err.is_retryable(), "transient codes keep the usual rules");
        for body in [
            r#"{"Success":true,"Code":"200","RequestId":"R"}"#,
            r#"{"Code":200,"RequestId":"R"}"#,
            r#"{"Code":"","RequestId":"R"}"#,
            r#"{"RequestId":"R"}"#,
            r#"{"Success":true,"Code":"Whatever"}"#,
            "<html>",
        ] {
            assert!(
                matches!(
                    classify_json(200, body, ErrorStyle::Envelope),
                    ResponseClass::Success
                ),
                "{body}"
            );
        }
        // The standard shape still applies to 4xx/5xx.
        assert!(matches!(
            classify_json(404, r#"{"Code":"NotFound"}"#, ErrorStyle::Envelope),
            ResponseClass::Service(_)
        ));
    }

    #[test]
    fn unreadable_error_bodies_keep_status_snippet_and_header_request_id() {
        let mut headers = http::HeaderMap::new();
        headers.insert("x-acs-request-id", "HDR-1".parse().unwrap());
        headers.insert("content-type", "text/html".parse().unwrap());
        let html = b"<html><body><h1>502 Bad Gateway</h1></body></html>";
        let ResponseClass::Unreadable(err) =
            classify(502, &headers, html, ErrorStyle::Standard, &OP)
        else {
            panic!()
        };
        assert_eq!(err.status(), 502);
        assert_eq!(err.request_id(), Some("HDR-1"));
        assert!(err.snippet().contains("502 Bad Gateway"));
        assert!(err.reason().contains("text/html"), "{}", err.reason());

        let ResponseClass::Unreadable(err) =
            classify(500, &http::HeaderMap::new(), b"", ErrorStyle::Standard, &OP)
        else {
            panic!()
        };
        assert!(err.reason().contains("empty"));
        // JSON without a code is not an error body.
        assert!(matches!(
            classify_json(500, r#"{"RequestId":"R"}"#, ErrorStyle::Standard),
            ResponseClass::Unreadable(_)
        ));
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Out {
        #[serde(rename = "RequestId")]
        request_id: String,
        #[serde(rename = "TotalCount")]
        total: i64,
    }

    #[test]
    fn decode_failures_name_the_problem_and_keep_the_request_id() {
        let headers = http::HeaderMap::new();
        let empty = decode_output::<Out>(200, &headers, b"", "DoThing").unwrap_err();
        assert!(empty.reason().contains("empty"), "{}", empty.reason());
        let truncated =
            decode_output::<Out>(200, &headers, br#"{"RequestId":"R9","Tot"#, "DoThing")
                .unwrap_err();
        assert!(
            truncated.reason().contains("truncated"),
            "{}",
            truncated.reason()
        );
        assert_eq!(truncated.snippet(), r#"{"RequestId":"R9","Tot"#);
        let html = decode_output::<Out>(200, &headers, b"<html>", "DoThing").unwrap_err();
        assert!(html.reason().contains("not JSON"), "{}", html.reason());
        let shape =
            decode_output::<Out>(200, &headers, br#"{"RequestId":"R9"}"#, "DoThing").unwrap_err();
        assert!(
            shape.reason().contains("output shape"),
            "{}",
            shape.reason()
        );
        assert_eq!(shape.request_id(), Some("R9"));
        assert_eq!(shape.status(), 200);
    }

    #[test]
    fn signature_diagnosis_compares_strings_to_sign() {
        let local = "GET&%2F&AccessKeyId%3Dtestid%26Action%3DX";
        let msg = format!(
            "Specified signature is not matched with our calculation. server string to sign is:{local}"
        );
        assert_eq!(
            diagnose_signature(&msg, &[local]),
            SignatureDiagnosis::WrongSecret
        );
        let other = "Specified signature is not matched. server string to sign is:GET&%2F&AccessKeyId%3Dtestid%26Action%3DY";
        assert!(matches!(
            diagnose_signature(other, &[local]),
            SignatureDiagnosis::EncodingDiffers { .. }
        ));
        assert_eq!(
            diagnose_signature("Specified signature is not matched.", &[local]),
            SignatureDiagnosis::Unknown
        );
    }

    #[test]
    fn security_tokens_are_redacted_in_every_form() {
        let sts = "GET&%2F&AccessKeyId%3DSTS.x%26SecurityToken%3DCAIS%252Bsecret%26Timestamp%3D1";
        assert_eq!(
            redact_security_token(sts),
            "GET&%2F&AccessKeyId%3DSTS.x%26SecurityToken%3D***%26Timestamp%3D1"
        );
        assert_eq!(
            redact_security_token("a=1&SecurityToken=CAIS%2Bsecret&b=2"),
            "a=1&SecurityToken=***&b=2"
        );
        assert_eq!(
            redact_security_token("host:h\nx-acs-security-token:CAISsecret\nx-acs-version:1"),
            "host:h\nx-acs-security-token:***\nx-acs-version:1"
        );
        assert_eq!(
            redact_security_token("end SecurityToken%3Dsecret"),
            "end SecurityToken%3D***"
        );
        assert!(matches!(redact_security_token("nothing"), Cow::Borrowed(_)));
    }
}
