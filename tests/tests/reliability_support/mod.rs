//! Shared pieces of the reliability suite (`reliability_*.rs`): SDK configurations with exact
//! retry settings, a transport wrapper that records (and optionally rewrites) what goes on the
//! wire, and helpers over the emulator's request log (the log sink is
//! `aliyun_core::testing::support::LogCapture`).

#![allow(dead_code)]

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aliyun_core::retry::{Backoff, Jitter, RetryPolicy};
use aliyun_core::transport::{
    HttpRequest, HttpResponse, HttpTransport, ProxyConfig, ReqwestTransport, TransportError,
};
use aliyun_emulator::{Emulator, LoggedRequest};
use futures_util::future::BoxFuture;

/// Instance ids of the emulator's default world, in `cn-hangzhou`.
pub fn instance(n: u32) -> String {
    format!("i-emu{n:06}")
}

/// The default policy (3 attempts, server errors of writes not retried) with 1 ms waits.
pub fn policy() -> RetryPolicy {
    let quick = Backoff::new(
        Duration::from_millis(1),
        Duration::from_millis(1),
        Jitter::None,
    );
    RetryPolicy::default()
        .with_throttling_backoff(quick)
        .with_transient_backoff(quick)
}

/// An SDK configuration for `emulator` with [`policy`] and a generous read timeout.
pub fn config(emulator: &Emulator) -> aliyun_core::Config {
    config_with(emulator, policy())
}

/// An SDK configuration for `emulator` with `policy`.
pub fn config_with(emulator: &Emulator, policy: RetryPolicy) -> aliyun_core::Config {
    emulator
        .sdk_config_builder()
        .retry_policy(policy)
        .read_timeout(Duration::from_secs(5))
        .build()
        .expect("emulator config")
}

/// The distinct nonces of `log`; every entry must carry one.
pub fn nonces(log: &[LoggedRequest]) -> HashSet<String> {
    log.iter()
        .map(|r| r.nonce.clone().expect("every request carries a nonce"))
        .collect()
}

/// The error code of each entry (`None` for a success), in arrival order.
pub fn codes(log: &[LoggedRequest]) -> Vec<Option<String>> {
    log.iter()
        .map(|r| r.error_code().map(str::to_owned))
        .collect()
}

/// Hits of the emulator's only fault so far.
pub fn fault_hits(emulator: &Emulator) -> u64 {
    let faults = emulator.faults();
    assert_eq!(faults.len(), 1, "{faults:?}");
    faults[0].hits
}

type Rewrite = dyn Fn(&mut HttpRequest) + Send + Sync;

/// A transport that records every outgoing request (URL with its query, so the `Signature`, and
/// the headers, so a V3 `Authorization`) and can rewrite it before it leaves: a stand-in for a
/// proxy that re-encodes requests. Sends through a real reqwest transport over loopback.
#[derive(Clone)]
pub struct WireTap {
    inner: Arc<ReqwestTransport>,
    rewrite: Option<Arc<Rewrite>>,
    sent: Arc<Mutex<Vec<HttpRequest>>>,
}

impl WireTap {
    /// Records and sends requests unchanged.
    pub fn new() -> Self {
        WireTap {
            inner: Arc::new(
                ReqwestTransport::builder()
                    .proxy(ProxyConfig::none())
                    .build()
                    .expect("reqwest transport"),
            ),
            rewrite: None,
            sent: Arc::default(),
        }
    }

    /// Rewrites each request with `rewrite` before recording and sending it.
    pub fn rewriting(rewrite: impl Fn(&mut HttpRequest) + Send + Sync + 'static) -> Self {
        WireTap {
            rewrite: Some(Arc::new(rewrite)),
            ..WireTap::new()
        }
    }

    /// Every request sent so far, as it went on the wire.
    pub fn sent(&self) -> Vec<HttpRequest> {
        self.sent.lock().unwrap().clone()
    }

    /// Every `Signature` sent, as sent (percent-encoded) and decoded, plus every V3
    /// `Authorization` signature.
    pub fn signatures(&self) -> Vec<String> {
        let mut out = Vec::new();
        for request in self.sent() {
            let query = request.url.split_once('?').map(|(_, q)| q).unwrap_or("");
            for pair in query.split('&') {
                if let Some(raw) = pair.strip_prefix("Signature=") {
                    out.push(raw.to_owned());
                    out.push(decode(raw));
                }
            }
            if let Some(auth) = request.headers.get("authorization") {
                let auth = auth.to_str().unwrap_or_default();
                if let Some((_, signature)) = auth.split_once("Signature=") {
                    out.push(signature.to_owned());
                }
            }
        }
        out.retain(|s| !s.is_empty());
        out
    }
}

impl std::fmt::Debug for WireTap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WireTap").finish_non_exhaustive()
    }
}

impl HttpTransport for WireTap {
    fn send(
        &self,
        mut request: HttpRequest,
    ) -> BoxFuture<'_, Result<HttpResponse, TransportError>> {
        if let Some(rewrite) = &self.rewrite {
            rewrite(&mut request);
        }
        self.sent.lock().unwrap().push(request.clone());
        self.inner.send(request)
    }
}

/// Percent-decodes `text` (`%XY` escapes only; `+` stays).
pub fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}
