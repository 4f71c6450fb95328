//! Reliability suite, part 6: secrets. With STS credentials (so a SecurityToken is signed and
//! sent), succeeding and failing calls run against the emulator over loopback with every
//! tracing event of the process captured at TRACE (the SDK's, the emulator's, and the HTTP
//! stack's `log` records). Neither the captured output, nor any error's `Display` or `Debug`
//! (and `{:#?}`), nor the message of a panic from `unwrap()`/`expect()` on a failed call, holds
//! the AccessKeySecret, the SecurityToken, or any signature that went on the wire (captured by
//! a wrapping transport: the emulator's log deliberately omits them).
//!
//! This binary installs a global subscriber and a quiet panic hook: it holds this one test.

mod reliability_support;

use std::panic::AssertUnwindSafe;

use aliyun_core::Credentials;
use aliyun_core::signer::encoding::percent_encode;
use aliyun_core::testing::support::LogCapture;
use aliyun_emulator::{Emulator, Fault};
use reliability_support::{WireTap, instance, policy};

const KEY_ID: &str = "STS.ReliabilityKey";
const SECRET: &str = "Sec+ret/Kx7q=Zs0123456789Secret";
const TOKEN: &str = "CAIS+Tk/Mv5r=Zt9876543210Token";
const WRONG_TOKEN: &str = "CAIS+Wr/Ng0=Zw1357924680Wrong";

/// Every form a secret could take in text: raw, percent-encoded once and twice (a
/// string-to-sign), and its distinctive core (the longest run without a character any encoding
/// would change), which survives every encoding.
fn forms(secret: &str) -> Vec<String> {
    let once = percent_encode(secret);
    let twice = percent_encode(&once);
    let core = secret
        .split(['+', '/', '='])
        .max_by_key(|piece| piece.len())
        .unwrap_or(secret);
    vec![secret.to_owned(), once, twice, core.to_owned()]
}

fn assert_clean(what: &str, text: &str, forbidden: &[String]) {
    for secret in forbidden {
        assert!(
            !text.contains(secret.as_str()),
            "{what} leaks {secret:?}:\n{text}"
        );
    }
}

/// The message of the panic `f` raises.
fn panic_message(f: impl FnOnce()) -> String {
    let payload = std::panic::catch_unwind(AssertUnwindSafe(f)).expect_err("it panics");
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
        .expect("a text payload")
}

/// A call result as user code holds it.
#[allow(clippy::result_large_err)] // The very type the SDK returns.
fn failed_call(error: aliyun_core::Error) -> Result<(), aliyun_core::Error> {
    Err(error)
}

#[tokio::test]
async fn no_secret_token_or_signature_in_logs_errors_or_panics() {
    let sink = LogCapture::new();
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(sink.writer())
        .with_ansi(false)
        .try_init()
        .expect("the only subscriber of this binary");

    let emulator = Emulator::builder()
        .sts_key(KEY_ID, SECRET, TOKEN)
        .start()
        .await
        .unwrap();
    let tap = WireTap::new();
    let client = |credentials: Credentials| {
        let config = emulator
            .sdk_config_builder()
            .retry_policy(policy())
            .credentials_provider(credentials)
            .transport(tap.clone())
            .build()
            .unwrap();
        (
            aliyun_ecs::Client::new(&config),
            aliyun_cms::v20170301::Client::new(&config),
        )
    };
    let (ecs, cms) = client(Credentials::new_sts(KEY_ID, SECRET, TOKEN, None));

    // Succeeding calls, one after throttling and retries.
    emulator.add_fault(Fault::throttling().action("InstallCloudAssistant").times(2));
    ecs.install_cloud_assistant()
        .instance_ids(instance(1))
        .send()
        .await
        .unwrap();
    cms.node_status()
        .instance_id(instance(1))
        .send()
        .await
        .unwrap();

    // Failing calls of every kind, kept as runtime errors.
    let mut errors = Vec::new();
    emulator.add_fault(Fault::internal_error().action("RebootInstance"));
    errors.push(
        ecs.reboot_instance()
            .instance_id(instance(1))
            .send()
            .await
            .unwrap_err()
            .into_core(),
    );
    emulator.add_fault(Fault::close_connection().action("NodeUninstall"));
    errors.push(
        cms.node_uninstall()
            .instance_id(instance(1))
            .send()
            .await
            .unwrap_err()
            .into_core(),
    );
    emulator.add_fault(Fault::html_gateway().action("NodeStatusList"));
    errors.push(
        cms.node_status_list()
            .instance_ids(instance(1))
            .send()
            .await
            .unwrap_err()
            .into_core(),
    );
    // A wrong secret: the refusal quotes the server's string-to-sign, which holds the token.
    let (wrong_secret, _) = client(Credentials::new_sts(KEY_ID, "not-it", TOKEN, None));
    let mismatch = wrong_secret
        .describe_cloud_assistant_status()
        .send()
        .await
        .unwrap_err();
    assert_eq!(mismatch.code(), Some("SignatureDoesNotMatch"));
    // The same through a re-encoding proxy: the diagnosis shows both strings-to-sign.
    // (It un-escapes only the account's `+`: the token holds one too, and a mangled token is
    // refused before the signature is checked.)
    let proxy = WireTap::rewriting(|request| {
        request.url = request
            .url
            .replace("OwnerAccount=ops%2Bteam", "OwnerAccount=ops+team")
    });
    let proxied = emulator
        .sdk_config_builder()
        .retry_policy(policy())
        .credentials_provider(Credentials::new_sts(KEY_ID, SECRET, TOKEN, None))
        .transport(proxy.clone())
        .build()
        .unwrap();
    let encoding = aliyun_ecs::Client::new(&proxied)
        .install_cloud_assistant()
        .instance_ids(instance(2))
        .owner_account("ops+team@example.com")
        .send()
        .await
        .unwrap_err();
    assert!(
        encoding.to_string().contains("encoding differs"),
        "{encoding}"
    );
    errors.push(mismatch.into_core());
    errors.push(encoding.into_core());
    let (wrong_token, _) = client(Credentials::new_sts(KEY_ID, SECRET, WRONG_TOKEN, None));
    errors.push(
        wrong_token
            .describe_cloud_assistant_status()
            .send()
            .await
            .unwrap_err()
            .into_core(),
    );
    let codes: Vec<Option<&str>> = errors.iter().map(|e| e.code()).collect();
    assert_eq!(
        codes,
        [
            Some("InternalError"),
            None,
            None,
            Some("SignatureDoesNotMatch"),
            Some("SignatureDoesNotMatch"),
            Some("InvalidSecurityToken.MismatchWithAccessKey"),
        ]
    );

    // What must never appear: the secret and both tokens in every form, and every signature
    // that was sent, through either transport.
    let mut forbidden = forms(SECRET);
    forbidden.extend(forms(TOKEN));
    forbidden.extend(forms(WRONG_TOKEN));
    let signatures: Vec<String> = tap
        .signatures()
        .into_iter()
        .chain(proxy.signatures())
        .collect();
    assert!(signatures.len() >= 2 * 9, "{} signatures", signatures.len());
    // Control: a token went on the wire with every request, in a form the check looks for.
    let (token_sent, wrong_sent) = (forms(TOKEN)[1].clone(), forms(WRONG_TOKEN)[1].clone());
    assert!(
        tap.sent()
            .iter()
            .all(|r| r.url.contains(&token_sent) || r.url.contains(&wrong_sent))
    );
    forbidden.extend(signatures);

    // Errors: Display, Debug, pretty Debug, and every source.
    for error in &errors {
        assert_clean("Display", &error.to_string(), &forbidden);
        assert_clean("Debug", &format!("{error:?}"), &forbidden);
        assert_clean("pretty Debug", &format!("{error:#?}"), &forbidden);
        let mut source = std::error::Error::source(error);
        while let Some(inner) = source {
            assert_clean("source", &format!("{inner} / {inner:?}"), &forbidden);
            source = inner.source();
        }
    }

    // Panics from unwrapping failed calls (the hook is silenced; the payload is the message).
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    for error in errors {
        let message = panic_message(move || failed_call(error).unwrap());
        assert!(message.contains("called `Result::unwrap()`"), "{message}");
        assert_clean("unwrap panic", &message, &forbidden);
    }
    let generated = ecs.reboot_instance().instance_id(instance(1)).send().await;
    let message = panic_message(move || {
        generated.expect("reboot failed");
    });
    assert!(message.starts_with("reboot failed: "), "{message}");
    assert_clean("expect panic", &message, &forbidden);
    std::panic::set_hook(hook);

    // Everything logged, by every component, at TRACE.
    let logs = sink.text();
    assert!(
        logs.contains("retrying"),
        "TRACE output was captured:\n{logs}"
    );
    assert!(logs.contains("sending request"), "{logs}");
    assert!(
        logs.contains("hyper_util"),
        "the HTTP stack's records too:\n{logs}"
    );
    assert_clean("TRACE logs", &logs, &forbidden);

    // The emulator's request log (served by its admin API) holds none either.
    let log = serde_json::to_string(&emulator.requests()).unwrap();
    assert_clean("emulator request log", &log, &forbidden);
}
