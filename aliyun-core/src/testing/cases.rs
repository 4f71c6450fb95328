//! Table-driven tests of one action: the generated test module of every action lists its spec's
//! test cases as data ([`RequestCase`], [`ResponseCase`]) and hands them to three runners shared
//! by every action ([`run_requests`], [`run_responses`], [`run_fuzz`]).
//!
//! Each case drives the real call path (the client's builder method, the setters, validation,
//! wire parameters, signing, the transport) through a [`CaptureTransport`], which records
//! requests and answers canned responses without a socket. A runner runs every case of its
//! table, then panics once, naming each failing case and what was wrong with it.
//!
//! ```
//! use aliyun_core::testing::{ActionUnderTest, RequestCase, ResponseCase};
//! # use aliyun_core::{Config, Error, InvalidInput, Action, ActionMetadata, Params, ProductClient, ServiceError};
//! # #[derive(Debug, Clone, Default)]
//! # struct Builder { client: Option<ProductClient>, name: Option<String> }
//! # impl Builder {
//! #     fn name(mut self, name: &str) -> Self { self.name = Some(name.to_owned()); self }
//! #     fn into_parts(self) -> (ProductClient, Result<Input, InvalidInput>) {
//! #         let input = aliyun_core::__private::validate::required("Name", self.name).map(|name| Input { name });
//! #         (self.client.expect("bound"), input)
//! #     }
//! #     async fn send(self) -> Result<Output, Error> {
//! #         let (client, input) = self.into_parts();
//! #         client.call(&input?).await
//! #     }
//! # }
//! # #[derive(Debug)]
//! # struct Input { name: String }
//! # #[derive(Debug, PartialEq, Default, serde::Deserialize)]
//! # struct Output { #[serde(rename = "RequestId")] request_id: Option<String> }
//! # impl Action for Input {
//! #     type Output = Output;
//! #     const METADATA: ActionMetadata = ActionMetadata {
//! #         action: "RenameThing",
//! #         method: aliyun_core::HttpMethod::Post,
//! #         param_location: aliyun_core::ParamLocation::Query,
//! #         idempotent: true,
//! #         retryable_codes: &[],
//! #     };
//! #     fn validate(&self) -> Result<(), InvalidInput> { Ok(()) }
//! #     fn write_params(&self, params: &mut Params) { params.push("Name", &self.name); }
//! # }
//! # static PRODUCT: aliyun_core::ProductMetadata = aliyun_core::ProductMetadata {
//! #     code: "Thing", env_id: "THING", version: "2020-01-01",
//! #     signature: aliyun_core::SignatureVersion::V1,
//! #     endpoints: aliyun_core::EndpointRules { regional: "thing.{region}.example.com", central: "thing.example.com", exceptions: &[] },
//! #     error_style: aliyun_core::ErrorStyle::Standard,
//! # };
//! struct RenameThing;
//!
//! impl ActionUnderTest for RenameThing {
//!     type Builder = Builder;
//!     type Input = Input;
//!     type Error = Error;
//!     fn builder(config: &Config) -> Builder {
//!         Builder { client: Some(ProductClient::new(config, &PRODUCT)), name: None }
//!     }
//!     async fn send(builder: Builder) -> aliyun_core::testing::Sent<Self> {
//!         builder.send().await
//!     }
//!     fn into_parts(builder: Builder) -> aliyun_core::testing::Parts<Self> {
//!         builder.into_parts()
//!     }
//! }
//!
//! // Aliases name the action, so the closures' argument type is known.
//! type Request = RequestCase<RenameThing>;
//! type Response = ResponseCase<RenameThing>;
//!
//! const REQUESTS: &[Request] = &[
//!     Request::sent("named", |b| b.name("box"), "POST", &[("Name", "box")]),
//!     Request::invalid("unnamed", |b| b, "Name").with_doc("The name is required."),
//! ];
//! const RESPONSES: &[Response] = &[
//!     Response::output("renamed", 200, r#"{"RequestId":"R"}"#, || Output {
//!         request_id: Some("R".to_owned()),
//!     }),
//!     Response::error("busy", 503, r#"{"Code":"Busy","Message":"later"}"#, "Busy", |e| {
//!         matches!(e, Error::Service(_))
//!     }),
//!     Response::unreadable("gateway", 502, "<html>bad gateway</html>"),
//! ];
//!
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! aliyun_core::testing::run_requests(REQUESTS).await;
//! aliyun_core::testing::run_responses(REQUESTS, RESPONSES).await;
//! # });
//! ```

use std::fmt::{self, Debug, Write as _};
use std::future::Future;
use std::panic::AssertUnwindSafe;

use futures_util::FutureExt;

use super::{
    CaptureTransport, fuzz_response_decoding, fuzz_response_decoding_free_form, test_config,
};
use crate::action::Action;
use crate::client::ProductClient;
use crate::config::Config;
use crate::error::{Error, ErrorMetadata, InvalidInput};

/// How the runners reach one action: implemented by a unit type in each generated test module.
pub trait ActionUnderTest {
    /// The builder bound to a client, as the client's method returns it.
    type Builder;
    /// The action's input.
    type Input: Action;
    /// The action's error enum.
    type Error: ErrorMetadata + Into<Error> + Debug;

    /// A fresh builder on a client made from `config` (through the product's `Client`).
    fn builder(config: &Config) -> Self::Builder;

    /// Sends what `builder` holds, as the builder's own `send` does.
    fn send(builder: Self::Builder) -> impl Future<Output = Sent<Self>>;

    /// The client and the built input, as `send` would use them.
    fn into_parts(builder: Self::Builder) -> Parts<Self>;
}

/// Declares what every generated test module starts with: `Action`, the [`ActionUnderTest`]
/// of one action (`builder` bound to a client made by `client::new`, through its method
/// `method`), and `Request`, its [`RequestCase`] type.
///
/// `action_under_test!(DescribeThingsBuilder, DescribeThingsInput, DescribeThingsError,
/// crate::Client, describe_things);`
#[doc(hidden)]
#[macro_export]
macro_rules! action_under_test {
    ($builder:ident, $input:ident, $error:ident, $client:ty, $method:ident $(,)?) => {
        /// How the table runners of `aliyun_core::testing` reach this action.
        struct Action;

        impl $crate::testing::ActionUnderTest for Action {
            type Builder = $builder<$crate::ProductClient>;
            type Input = $input;
            type Error = $error;

            fn builder(config: &$crate::Config) -> Self::Builder {
                <$client>::new(config).$method()
            }

            async fn send(builder: Self::Builder) -> $crate::testing::Sent<Self> {
                builder.send().await
            }

            fn into_parts(builder: Self::Builder) -> $crate::testing::Parts<Self> {
                builder.into_parts()
            }
        }

        type Request = $crate::testing::RequestCase<Action>;
    };
}

/// The decoded output of action `A`.
pub type OutputOf<A> = <<A as ActionUnderTest>::Input as Action>::Output;

/// What sending action `A` ends in.
pub type Sent<A> = Result<OutputOf<A>, <A as ActionUnderTest>::Error>;

/// The client and the built input of action `A`.
pub type Parts<A> = (
    ProductClient,
    Result<<A as ActionUnderTest>::Input, InvalidInput>,
);

/// Sets a case's parameters on a fresh builder.
pub type SetParams<A> = fn(<A as ActionUnderTest>::Builder) -> <A as ActionUnderTest>::Builder;

/// A request test case of action `A`: parameters to set, and what must (or must not) go on the
/// wire.
pub struct RequestCase<A: ActionUnderTest> {
    name: &'static str,
    doc: Option<&'static str>,
    set: SetParams<A>,
    expect: RequestExpectation,
}

#[derive(Debug, Clone, Copy)]
enum RequestExpectation {
    /// Sent with this method and exactly these action parameters (in any order).
    Sent {
        method: &'static str,
        params: &'static [(&'static str, &'static str)],
    },
    /// Refused before sending, as invalid input naming this parameter (its wire name).
    Invalid(&'static str),
}

impl<A: ActionUnderTest> RequestCase<A> {
    /// A case whose request must use `method` and carry exactly the action parameters
    /// `params` (common parameters such as `Action` or `Signature` aside), in any order.
    pub const fn sent(
        name: &'static str,
        set: SetParams<A>,
        method: &'static str,
        params: &'static [(&'static str, &'static str)],
    ) -> Self {
        RequestCase {
            name,
            doc: None,
            set,
            expect: RequestExpectation::Sent { method, params },
        }
    }

    /// A case the SDK must refuse before sending anything, with invalid input naming
    /// `parameter` (its wire name).
    pub const fn invalid(name: &'static str, set: SetParams<A>, parameter: &'static str) -> Self {
        RequestCase {
            name,
            doc: None,
            set,
            expect: RequestExpectation::Invalid(parameter),
        }
    }

    /// What the case shows, named with it when it fails.
    pub const fn with_doc(mut self, doc: &'static str) -> Self {
        self.doc = Some(doc);
        self
    }

    fn is_sent(&self) -> bool {
        matches!(self.expect, RequestExpectation::Sent { .. })
    }
}

impl<A: ActionUnderTest> fmt::Debug for RequestCase<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RequestCase")
            .field("name", &self.name)
            .field("expect", &self.expect)
            .finish_non_exhaustive()
    }
}

/// A response test case: a canned answer to the action, and the typed outcome it must decode
/// to. Its parameters are the first sent [`RequestCase`]'s unless it sets its own.
pub struct ResponseCase<A: ActionUnderTest> {
    name: &'static str,
    doc: Option<&'static str>,
    status: u16,
    body: &'static str,
    set: Option<SetParams<A>>,
    expect: ResponseExpectation<A>,
}

enum ResponseExpectation<A: ActionUnderTest> {
    /// Decodes to exactly this output.
    Output(fn() -> OutputOf<A>),
    /// Decodes to an output the function accepts (it checks some fields, see
    /// [`expect_field`]).
    OutputWhere(fn(&OutputOf<A>) -> Result<(), String>),
    /// Fails with this service error code, sorted into the variant the function accepts.
    Error {
        code: &'static str,
        is_variant: fn(&A::Error) -> bool,
    },
    /// Fails as an unreadable response carrying the case's status.
    Unreadable,
}

impl<A: ActionUnderTest> ResponseCase<A> {
    /// A case whose answer must decode to exactly `expected()`.
    pub const fn output(
        name: &'static str,
        status: u16,
        body: &'static str,
        expected: fn() -> OutputOf<A>,
    ) -> Self {
        ResponseCase::new(name, status, body, ResponseExpectation::Output(expected))
    }

    /// A case whose answer must decode to an output `check` accepts: the fields it names equal
    /// their expected values (see [`expect_field`]), the others are not checked.
    pub const fn output_where(
        name: &'static str,
        status: u16,
        body: &'static str,
        check: fn(&OutputOf<A>) -> Result<(), String>,
    ) -> Self {
        ResponseCase::new(name, status, body, ResponseExpectation::OutputWhere(check))
    }

    /// A case whose answer must fail with the service error `code`, sorted into the variant
    /// `is_variant` accepts.
    pub const fn error(
        name: &'static str,
        status: u16,
        body: &'static str,
        code: &'static str,
        is_variant: fn(&A::Error) -> bool,
    ) -> Self {
        let expect = ResponseExpectation::Error { code, is_variant };
        ResponseCase::new(name, status, body, expect)
    }

    /// A case whose answer must fail as an unreadable response carrying `status`.
    pub const fn unreadable(name: &'static str, status: u16, body: &'static str) -> Self {
        ResponseCase::new(name, status, body, ResponseExpectation::Unreadable)
    }

    const fn new(
        name: &'static str,
        status: u16,
        body: &'static str,
        expect: ResponseExpectation<A>,
    ) -> Self {
        ResponseCase {
            name,
            doc: None,
            status,
            body,
            set: None,
            expect,
        }
    }

    /// Sends the case with these parameters instead of the first sent request case's.
    pub const fn with_params(mut self, set: SetParams<A>) -> Self {
        self.set = Some(set);
        self
    }

    /// What the case shows, named with it when it fails.
    pub const fn with_doc(mut self, doc: &'static str) -> Self {
        self.doc = Some(doc);
        self
    }
}

impl<A: ActionUnderTest> fmt::Debug for ResponseCase<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResponseCase")
            .field("name", &self.name)
            .field("status", &self.status)
            .field("body", &self.body)
            .finish_non_exhaustive()
    }
}

/// Runs every request case of `A`; panics naming each case that failed.
pub async fn run_requests<A: ActionUnderTest>(cases: &[RequestCase<A>])
where
    OutputOf<A>: Debug,
{
    assert!(
        !cases.is_empty(),
        "{}: no request case to run (a test of an empty table cannot fail)",
        A::Input::METADATA.action
    );
    let mut failures = Failures::new::<A>("request");
    for case in cases {
        let transport = CaptureTransport::new();
        let builder = (case.set)(A::builder(&test_config(transport.clone())));
        let problem = match send_caught::<A>(builder).await {
            Ok(result) => check_request(case.expect, &transport, result),
            Err(panic) => Err(panic),
        };
        failures.record(case.name, case.doc, problem);
    }
    failures.panic_if_any();
}

/// Runs every response case of `A`; panics naming each case that failed. `requests` supplies
/// the parameters of cases without their own: those of its first sent case.
pub async fn run_responses<A: ActionUnderTest>(
    requests: &[RequestCase<A>],
    cases: &[ResponseCase<A>],
) where
    OutputOf<A>: PartialEq + Debug,
{
    assert!(
        !cases.is_empty(),
        "{}: no response case to run (a test of an empty table cannot fail)",
        A::Input::METADATA.action
    );
    let default = default_params(requests);
    let mut failures = Failures::new::<A>("response");
    for case in cases {
        let transport = CaptureTransport::responding(case.status, case.body);
        let set = case.set.unwrap_or(default);
        let builder = set(A::builder(&test_config(transport.clone())));
        let problem = match send_caught::<A>(builder).await {
            Ok(result) => check_response(case, result),
            Err(panic) => Err(panic),
        };
        failures.record(case.name, case.doc, problem);
    }
    failures.panic_if_any();
}

/// One field check of [`ResponseCase::output_where`]: `Err` naming the field (its wire name)
/// when `decoded` is not `expected`.
pub fn expect_field<T: PartialEq + Debug>(
    name: &str,
    decoded: &T,
    expected: T,
) -> Result<(), String> {
    if *decoded == expected {
        Ok(())
    } else {
        Err(format!(
            "output field `{name}` differs\n  decoded:  {decoded:?}\n  expected: {expected:?}"
        ))
    }
}

/// Fuzzes the response decoding of `A` ([`fuzz_response_decoding`]), seeded with `examples`
/// (documented success bodies, answered with HTTP 200) and the bodies of `responses`, sent
/// with the parameters of the first sent case of `requests`.
///
/// An action whose spec has no sent request case and whose empty input is invalid cannot be
/// called, so it is not fuzzed.
pub async fn run_fuzz<A: ActionUnderTest>(
    requests: &[RequestCase<A>],
    responses: &[ResponseCase<A>],
    examples: &[&str],
) where
    OutputOf<A>: PartialEq + Debug,
{
    fuzz::<A>(requests, responses, examples, false).await
}

/// As [`run_fuzz`], for an action whose output holds free-form JSON
/// ([`fuzz_response_decoding_free_form`]).
pub async fn run_fuzz_free_form<A: ActionUnderTest>(
    requests: &[RequestCase<A>],
    responses: &[ResponseCase<A>],
    examples: &[&str],
) where
    OutputOf<A>: PartialEq + Debug,
{
    fuzz::<A>(requests, responses, examples, true).await
}

async fn fuzz<A: ActionUnderTest>(
    requests: &[RequestCase<A>],
    responses: &[ResponseCase<A>],
    examples: &[&str],
    free_form: bool,
) where
    OutputOf<A>: PartialEq + Debug,
{
    let transport = CaptureTransport::new();
    let builder = default_params(requests)(A::builder(&test_config(transport.clone())));
    let (client, input) = A::into_parts(builder);
    let input = match input {
        Ok(input) => input,
        Err(invalid) if !requests.iter().any(RequestCase::is_sent) => panic!(
            "{}: nothing to fuzz: no sent request case, and the input with nothing set is \
             invalid ({invalid})",
            A::Input::METADATA.action
        ),
        Err(invalid) => panic!(
            "{}: the first sent request case is invalid: {invalid}",
            A::Input::METADATA.action
        ),
    };
    let mut seeds: Vec<(u16, &str)> = examples.iter().map(|body| (200, *body)).collect();
    for case in responses {
        if !seeds.contains(&(case.status, case.body)) {
            seeds.push((case.status, case.body));
        }
    }
    if free_form {
        fuzz_response_decoding_free_form(&client, &transport, &input, &seeds).await;
    } else {
        fuzz_response_decoding(&client, &transport, &input, &seeds).await;
    }
}

/// The parameters of the first sent case; none if there is none.
fn default_params<A: ActionUnderTest>(requests: &[RequestCase<A>]) -> SetParams<A> {
    requests
        .iter()
        .find(|case| case.is_sent())
        .map_or(|builder| builder, |case| case.set)
}

/// Sends through `A::send`, turning a panic into a problem to report.
async fn send_caught<A: ActionUnderTest>(builder: A::Builder) -> Result<Sent<A>, String> {
    AssertUnwindSafe(A::send(builder))
        .catch_unwind()
        .await
        .map_err(|panic| {
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_default();
            format!("the call panicked: {message}")
        })
}

fn check_request<T: Debug, E: Into<Error> + Debug>(
    expect: RequestExpectation,
    transport: &CaptureTransport,
    result: Result<T, E>,
) -> Result<(), String> {
    match expect {
        RequestExpectation::Sent { method, params } => {
            let Some(request) = transport.last_request() else {
                return Err(format!("nothing was sent: {result:?}"));
            };
            if request.method != method {
                return Err(format!("HTTP method {}, expected {method}", request.method));
            }
            let sent = request.action_params();
            let expected: std::collections::BTreeMap<String, String> = params
                .iter()
                .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
                .collect();
            if sent != expected {
                return Err(format!(
                    "action parameters differ\n  sent:     {sent:?}\n  expected: {expected:?}"
                ));
            }
            Ok(())
        }
        RequestExpectation::Invalid(parameter) => {
            let sent = transport.request_count();
            if sent != 0 {
                return Err(format!("{sent} request(s) sent; nothing may be sent"));
            }
            match result.map_err(Into::into) {
                Err(Error::InvalidInput(invalid)) if invalid.parameter() == parameter => Ok(()),
                other => Err(format!(
                    "expected invalid input naming `{parameter}`, got {other:?}"
                )),
            }
        }
    }
}

fn check_response<A: ActionUnderTest>(case: &ResponseCase<A>, result: Sent<A>) -> Result<(), String>
where
    OutputOf<A>: PartialEq + Debug,
{
    match (&case.expect, result) {
        (ResponseExpectation::Output(expected), Ok(output)) => {
            let expected = expected();
            if output == expected {
                Ok(())
            } else {
                Err(format!(
                    "output differs\n  decoded:  {output:?}\n  expected: {expected:?}"
                ))
            }
        }
        (ResponseExpectation::Error { code, is_variant }, Err(error)) => {
            if error.code() != Some(*code) {
                Err(format!("expected error code `{code}`, got {error:?}"))
            } else if !is_variant(&error) {
                Err(format!("`{code}` sorted into the wrong variant: {error:?}"))
            } else {
                Ok(())
            }
        }
        (ResponseExpectation::Unreadable, Err(error)) => match error.into() {
            Error::Response(response) if response.status() == case.status => Ok(()),
            other => Err(format!(
                "expected an unreadable-response error with HTTP {}, got {other:?}",
                case.status
            )),
        },
        (ResponseExpectation::OutputWhere(check), Ok(output)) => check(&output),
        (ResponseExpectation::Output(_) | ResponseExpectation::OutputWhere(_), Err(error)) => {
            Err(format!("expected an output, got {error:?}"))
        }
        (_, Ok(output)) => Err(format!("expected an error, got {output:?}")),
    }
}

/// The failing cases of one table, reported together.
struct Failures {
    action: &'static str,
    kind: &'static str,
    report: String,
    count: usize,
}

impl Failures {
    fn new<A: ActionUnderTest>(kind: &'static str) -> Self {
        Failures {
            action: A::Input::METADATA.action,
            kind,
            report: String::new(),
            count: 0,
        }
    }

    fn record(&mut self, name: &str, doc: Option<&str>, problem: Result<(), String>) {
        let Err(problem) = problem else { return };
        self.count += 1;
        let _ = write!(self.report, "\n- {} case `{name}`", self.kind);
        if let Some(doc) = doc {
            let _ = write!(self.report, " ({doc})");
        }
        let _ = write!(self.report, ": {problem}");
    }

    fn panic_if_any(self) {
        if self.count > 0 {
            panic!(
                "{}: {} {} case(s) failed:{}",
                self.action, self.count, self.kind, self.report
            );
        }
    }
}
