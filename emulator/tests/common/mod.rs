//! Helpers shared by the emulator's integration tests: SDK configurations with quick retries,
//! raw HTTP over loopback (for requests no SDK would send), and hand signing.

#![allow(dead_code)]

use std::io::{Read as _, Write as _};
use std::net::SocketAddr;
use std::time::{Duration, SystemTime};

use aliyun_core::Credentials;
use aliyun_core::signer::{encoding::percent_encode, new_nonce, v1};
use aliyun_emulator::Emulator;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

pub use aliyun_core::testing::support::quick_retries;

pub fn config(emulator: &Emulator) -> aliyun_core::Config {
    emulator
        .sdk_config_builder()
        .retry_policy(quick_retries())
        .read_timeout(Duration::from_secs(5))
        .build()
        .expect("config")
}

pub fn ecs(emulator: &Emulator) -> aliyun_ecs::Client {
    aliyun_ecs::Client::new(&config(emulator))
}

pub fn cms(emulator: &Emulator) -> aliyun_cms::v20170301::Client {
    aliyun_cms::v20170301::Client::new(&config(emulator))
}

/// A response read off a raw connection.
#[derive(Debug, Clone)]
pub struct Raw {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Raw {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): status {} {}", self.status, self.text()))
    }

    /// The `Code` of a standard error body.
    pub fn code(&self) -> String {
        self.json()["Code"].as_str().unwrap_or_default().to_owned()
    }
}

fn parse(bytes: &[u8]) -> Option<Raw> {
    let split = bytes.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = String::from_utf8_lossy(&bytes[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines.next()?.split(' ').nth(1)?.parse().ok()?;
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    Some(Raw {
        status,
        headers,
        body: bytes[split + 4..].to_vec(),
    })
}

/// Sends `request` (a whole HTTP/1.1 request; use `Connection: close`) and reads to EOF.
/// `None` when the connection closed without a response.
pub async fn raw(addr: SocketAddr, request: &[u8]) -> Option<Raw> {
    let work = async {
        let mut stream = tokio::net::TcpStream::connect(addr).await.ok()?;
        // The server may answer (and close) before reading everything; a failed write is fine.
        let _ = stream.write_all(request).await;
        let mut out = Vec::new();
        let _ = stream.read_to_end(&mut out).await;
        parse(&out)
    };
    tokio::time::timeout(Duration::from_secs(10), work)
        .await
        .expect("the emulator did not answer within 10 s")
}

/// The blocking twin of [`raw`], for property tests.
pub fn raw_blocking(addr: SocketAddr, request: &[u8]) -> Option<Raw> {
    let mut stream = std::net::TcpStream::connect(addr).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .ok()?;
    let _ = stream.write_all(request);
    let mut out = Vec::new();
    match stream.read_to_end(&mut out) {
        Err(e)
            if e.kind() == std::io::ErrorKind::WouldBlock
                || e.kind() == std::io::ErrorKind::TimedOut =>
        {
            panic!("the emulator did not answer within 10 s")
        }
        _ => {}
    }
    parse(&out)
}

/// Like [`raw_blocking`], but closes the sending side after `request`, for input that is not a
/// whole HTTP request (the server then sees the end of the stream instead of waiting).
pub fn raw_blocking_then_eof(addr: SocketAddr, request: &[u8]) -> Option<Raw> {
    let mut stream = std::net::TcpStream::connect(addr).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .ok()?;
    let _ = stream.write_all(request);
    let _ = stream.shutdown(std::net::Shutdown::Write);
    let mut out = Vec::new();
    if let Err(e) = stream.read_to_end(&mut out) {
        assert!(
            !matches!(
                e.kind(),
                std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
            ),
            "the emulator did not answer within 10 s"
        );
    }
    parse(&out)
}

/// `GET /?query`.
pub fn get(query: &str) -> Vec<u8> {
    format!("GET /?{query} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").into_bytes()
}

/// `POST /?query` with a form body.
pub fn post_form(query: &str, body: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "POST /?{query} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    out.extend_from_slice(body);
    out
}

/// A V1-signed query string for `params` (action parameters plus Action/Version/Format).
pub fn signed_query(
    method: &str,
    params: &[(&str, &str)],
    key: (&str, &str),
    token: Option<&str>,
    timestamp: SystemTime,
) -> String {
    let credentials = match token {
        Some(token) => Credentials::new_sts(key.0, key.1, token, None),
        None => Credentials::new(key.0, key.1),
    };
    let nonce = new_nonce();
    v1::sign(&v1::V1Request {
        method,
        params,
        credentials: &credentials,
        timestamp,
        nonce: &nonce,
    })
    .query_string()
}

/// A query string from raw pairs, each name and value percent-encoded.
pub fn encode_query(params: &[(&str, &str)]) -> String {
    params
        .iter()
        .map(|(k, v)| format!("{}={}", percent_encode(k), percent_encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// The default development key.
pub fn dev_key() -> (&'static str, &'static str) {
    (
        aliyun_emulator::DEFAULT_ACCESS_KEY_ID,
        aliyun_emulator::DEFAULT_ACCESS_KEY_SECRET,
    )
}
