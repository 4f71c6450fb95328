//! Test doubles for the credential providers: a scripted [`HttpTransport`], a loopback HTTP/1.1
//! server on tokio's `TcpListener`, and a minimal HTTP/1.1 client transport to reach it (so
//! these tests do not depend on the production transport).

use std::fmt;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use futures_util::future::BoxFuture;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::transport::{
    HttpRequest, HttpResponse, HttpTransport, TransportError, TransportErrorKind,
};

/// What a [`FakeTransport`] does with a request.
pub enum Reply {
    /// Answer with this status and body.
    Respond(u16, String),
    /// Fail with this kind.
    Fail(TransportErrorKind),
    /// Never answer.
    Hang,
}

type Handler = Box<dyn Fn(&HttpRequest) -> Reply + Send + Sync>;

/// A transport that answers from a closure and records every request.
pub struct FakeTransport {
    handler: Handler,
    requests: Mutex<Vec<HttpRequest>>,
}

impl FakeTransport {
    pub fn new(handler: impl Fn(&HttpRequest) -> Reply + Send + Sync + 'static) -> Arc<Self> {
        Arc::new(FakeTransport {
            handler: Box::new(handler),
            requests: Mutex::new(Vec::new()),
        })
    }

    pub fn hanging() -> Arc<Self> {
        Self::new(|_| Reply::Hang)
    }

    pub fn failing(kind: TransportErrorKind) -> Arc<Self> {
        Self::new(move |_| Reply::Fail(kind))
    }

    pub fn requests(&self) -> Vec<HttpRequest> {
        self.requests.lock().unwrap().clone()
    }
}

impl fmt::Debug for FakeTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("FakeTransport")
    }
}

impl HttpTransport for FakeTransport {
    fn send(&self, request: HttpRequest) -> BoxFuture<'_, Result<HttpResponse, TransportError>> {
        let reply = (self.handler)(&request);
        self.requests.lock().unwrap().push(request);
        Box::pin(async move {
            match reply {
                Reply::Respond(status, body) => Ok(HttpResponse {
                    status,
                    headers: http::HeaderMap::new(),
                    body: Bytes::from(body),
                }),
                Reply::Fail(kind) => Err(TransportError {
                    kind,
                    request_sent: false,
                    message: format!("fake {kind:?} failure"),
                    source: None,
                }),
                Reply::Hang => std::future::pending().await,
            }
        })
    }
}

/// Decodes the query string of `url` into pairs.
pub fn query_pairs(url: &str) -> Vec<(String, String)> {
    let query = url.split_once('?').map(|(_, q)| q).unwrap_or_default();
    form_pairs(query)
}

/// Decodes `a=b&c=d` (percent-encoded) into pairs.
pub fn form_pairs(text: &str) -> Vec<(String, String)> {
    let decode = |s: &str| {
        percent_encoding::percent_decode_str(s)
            .decode_utf8()
            .unwrap()
            .into_owned()
    };
    text.split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(k), decode(v))
        })
        .collect()
}

/// A request as the loopback server saw it.
#[derive(Debug, Clone)]
pub struct Received {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    #[allow(dead_code)]
    pub body: Vec<u8>,
}

impl Received {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

type ServerHandler = Arc<dyn Fn(&Received) -> Option<(u16, String)> + Send + Sync>;

/// An HTTP/1.1 server on 127.0.0.1 answering from a closure (`None`: never answer).
pub struct LoopbackServer {
    pub base_url: String,
    pub received: Arc<Mutex<Vec<Received>>>,
    task: tokio::task::JoinHandle<()>,
}

impl LoopbackServer {
    pub async fn start(
        handler: impl Fn(&Received) -> Option<(u16, String)> + Send + Sync + 'static,
    ) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base_url = format!("http://{}", listener.local_addr().unwrap());
        let received = Arc::new(Mutex::new(Vec::new()));
        let handler: ServerHandler = Arc::new(handler);
        let log = received.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let handler = handler.clone();
                let log = log.clone();
                tokio::spawn(async move {
                    let _ = serve_one(stream, handler, log).await;
                });
            }
        });
        LoopbackServer {
            base_url,
            received,
            task,
        }
    }

    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }
}

impl Drop for LoopbackServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn serve_one(
    mut stream: TcpStream,
    handler: ServerHandler,
    log: Arc<Mutex<Vec<Received>>>,
) -> std::io::Result<()> {
    let (head, mut body) = read_head(&mut stream).await?;
    let mut lines = head.split("\r\n");
    let mut request_line = lines.next().unwrap_or_default().split(' ');
    let method = request_line.next().unwrap_or_default().to_owned();
    let path = request_line.next().unwrap_or_default().to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let length = content_length(&headers);
    while body.len() < length {
        let mut buf = [0u8; 4096];
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&buf[..n]);
    }
    let request = Received {
        method,
        path,
        headers,
        body,
    };
    let reply = handler(&request);
    log.lock().unwrap().push(request);
    match reply {
        Some((status, body)) => {
            let response = format!(
                "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            stream.write_all(response.as_bytes()).await?;
            stream.shutdown().await
        }
        None => {
            std::future::pending::<()>().await;
            Ok(())
        }
    }
}

/// Reads up to the blank line; returns the head and any body bytes already read.
async fn read_head(stream: &mut TcpStream) -> std::io::Result<(String, Vec<u8>)> {
    let mut data = Vec::new();
    loop {
        let mut buf = [0u8; 4096];
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            break;
        }
        data.extend_from_slice(&buf[..n]);
        if let Some(end) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            let rest = data.split_off(end + 4);
            data.truncate(end);
            return Ok((String::from_utf8_lossy(&data).into_owned(), rest));
        }
    }
    Ok((String::from_utf8_lossy(&data).into_owned(), Vec::new()))
}

fn content_length(headers: &[(String, String)]) -> usize {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0)
}

/// A bare HTTP/1.1 client over `TcpStream`, `http://` only, one request per connection.
#[derive(Debug, Default)]
pub struct TcpTransport;

impl HttpTransport for TcpTransport {
    fn send(&self, request: HttpRequest) -> BoxFuture<'_, Result<HttpResponse, TransportError>> {
        Box::pin(async move {
            let error = |kind, message: String| TransportError {
                kind,
                request_sent: kind != TransportErrorKind::Connect,
                message,
                source: None,
            };
            let rest = request
                .url
                .strip_prefix("http://")
                .ok_or_else(|| error(TransportErrorKind::Other, "http only".into()))?;
            let (authority, path) = match rest.find('/') {
                Some(i) => (&rest[..i], &rest[i..]),
                None => (rest, "/"),
            };
            let mut stream = TcpStream::connect(authority)
                .await
                .map_err(|e| error(TransportErrorKind::Connect, e.to_string()))?;
            let mut head = format!(
                "{} {path} HTTP/1.1\r\nHost: {authority}\r\nContent-Length: {}\r\nConnection: close\r\n",
                request.method,
                request.body.len()
            );
            for (name, value) in &request.headers {
                head.push_str(&format!(
                    "{name}: {}\r\n",
                    value.to_str().unwrap_or_default()
                ));
            }
            head.push_str("\r\n");
            let io = |e: std::io::Error| error(TransportErrorKind::Io, e.to_string());
            stream.write_all(head.as_bytes()).await.map_err(io)?;
            stream.write_all(&request.body).await.map_err(io)?;
            let mut data = Vec::new();
            stream.read_to_end(&mut data).await.map_err(io)?;
            let end = data
                .windows(4)
                .position(|w| w == b"\r\n\r\n")
                .ok_or_else(|| error(TransportErrorKind::Io, "no response head".into()))?;
            let head = String::from_utf8_lossy(&data[..end]).into_owned();
            let status = head
                .split(' ')
                .nth(1)
                .and_then(|s| s.parse().ok())
                .ok_or_else(|| error(TransportErrorKind::Io, "bad status line".into()))?;
            Ok(HttpResponse {
                status,
                headers: http::HeaderMap::new(),
                body: Bytes::copy_from_slice(&data[end + 4..]),
            })
        })
    }
}
