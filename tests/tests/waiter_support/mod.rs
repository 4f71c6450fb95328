//! A scripted HTTP server on loopback, for actions the emulator does not model: each request's
//! query parameters go to a responder, whose status and JSON body go back.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// The parameters of one request (query string and form body), decoded.
pub type Params = BTreeMap<String, String>;

/// Answers a request: HTTP status and JSON body.
pub type Responder = dyn Fn(&Params) -> (u16, String) + Send + Sync;

/// A loopback server answering with a responder; it records every request's parameters.
pub struct Scripted {
    addr: SocketAddr,
    requests: Arc<Mutex<Vec<Params>>>,
}

impl Scripted {
    /// Starts serving on a free loopback port.
    pub async fn start(
        responder: impl Fn(&Params) -> (u16, String) + Send + Sync + 'static,
    ) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let addr = listener.local_addr().expect("local address");
        let requests = Arc::new(Mutex::new(Vec::new()));
        let responder: Arc<Responder> = Arc::new(responder);
        let log = requests.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(serve(stream, responder.clone(), log.clone()));
            }
        });
        Scripted { addr, requests }
    }

    /// An SDK configuration sending every product here.
    pub fn config(&self) -> aliyun_core::Config {
        aliyun_core::Config::builder()
            .region("cn-hangzhou")
            .credentials_provider(aliyun_core::Credentials::new("testid", "testsecret"))
            .endpoint_url(format!("http://{}", self.addr))
            .no_proxy()
            .retry_policy(aliyun_tests::quick_retries())
            .build()
            .expect("loopback config")
    }

    /// The parameters of every request so far, in arrival order.
    pub fn requests(&self) -> Vec<Params> {
        self.requests.lock().unwrap().clone()
    }
}

/// The values of a repeated parameter (`InstanceId.1`, `InstanceId.2`, ...), in order.
pub fn repeated(params: &Params, name: &str) -> Vec<String> {
    (1..)
        .map_while(|n| params.get(&format!("{name}.{n}")).cloned())
        .collect()
}

async fn serve(mut stream: TcpStream, responder: Arc<Responder>, log: Arc<Mutex<Vec<Params>>>) {
    while let Some((target, body)) = read_request(&mut stream).await {
        let mut params = Params::new();
        let query = target.split_once('?').map(|(_, q)| q).unwrap_or_default();
        for text in [query, body.as_str()] {
            for pair in text.split('&').filter(|p| !p.is_empty()) {
                let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
                params.insert(decode(name), decode(value));
            }
        }
        log.lock().unwrap().push(params.clone());
        let (status, body) = responder(&params);
        let response = format!(
            "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        if stream.write_all(response.as_bytes()).await.is_err() {
            return;
        }
    }
}

/// Reads one request: its target and body; `None` when the peer closed.
async fn read_request(stream: &mut TcpStream) -> Option<(String, String)> {
    let mut data = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        if let Some(end) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&data[..end]).into_owned();
            let length = head
                .lines()
                .find_map(|l| {
                    let (name, value) = l.split_once(':')?;
                    name.eq_ignore_ascii_case("content-length")
                        .then(|| value.trim().parse::<usize>().ok())?
                })
                .unwrap_or(0);
            while data.len() < end + 4 + length {
                let n = stream.read(&mut buf).await.ok()?;
                if n == 0 {
                    return None;
                }
                data.extend_from_slice(&buf[..n]);
            }
            let target = head.split(' ').nth(1).unwrap_or_default().to_owned();
            let body = String::from_utf8_lossy(&data[end + 4..end + 4 + length]).into_owned();
            return Some((target, body));
        }
        let n = stream.read(&mut buf).await.ok()?;
        if n == 0 {
            return None;
        }
        data.extend_from_slice(&buf[..n]);
    }
}

/// Percent-decoding of one query component (`+` is a space in forms).
fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
                match u8::from_str_radix(hex, 16) {
                    Ok(byte) => {
                        out.push(byte);
                        i += 3;
                        continue;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            b'+' => out.push(b' '),
            byte => out.push(byte),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
