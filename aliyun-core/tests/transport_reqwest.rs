//! The default reqwest transport end to end against loopback servers: success, connection
//! reuse, the body cap, connection failures before and after sending, proxies.

mod executor_support;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aliyun_core::env::Environment;
use aliyun_core::retry::{Backoff, Jitter};
use aliyun_core::{Config, ConfigBuilder, Credentials, Error, RetryPolicy, ProductClient};
use executor_support::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What the server does with each request.
#[derive(Clone, Copy)]
enum Behaviour {
    /// Answers 200 with this JSON body, keeping the connection open.
    Json(&'static str),
    /// Answers 200 with `len` bytes of a JSON-looking body, declaring the length or not.
    Huge { len: usize, declare_length: bool },
    /// Reads the request, then closes the connection without answering.
    CloseAfterRequest,
}

struct Server {
    addr: SocketAddr,
    connections: Arc<AtomicUsize>,
    requests: Arc<Mutex<Vec<String>>>,
}

impl Server {
    async fn start(behaviour: Behaviour) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let connections = Arc::new(AtomicUsize::new(0));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let (c, r) = (connections.clone(), requests.clone());
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                c.fetch_add(1, Ordering::SeqCst);
                tokio::spawn(serve_connection(stream, behaviour, r.clone()));
            }
        });
        Server {
            addr,
            connections,
            requests,
        }
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }
}

/// Reads one request head and body; `None` when the peer closed.
async fn read_request(stream: &mut TcpStream) -> Option<String> {
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
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
            return Some(head);
        }
        let n = stream.read(&mut buf).await.ok()?;
        if n == 0 {
            return None;
        }
        data.extend_from_slice(&buf[..n]);
    }
}

async fn serve_connection(
    mut stream: TcpStream,
    behaviour: Behaviour,
    requests: Arc<Mutex<Vec<String>>>,
) {
    while let Some(head) = read_request(&mut stream).await {
        requests.lock().unwrap().push(head);
        match behaviour {
            Behaviour::Json(body) => {
                let response = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
                    body.len()
                );
                if stream.write_all(response.as_bytes()).await.is_err() {
                    return;
                }
            }
            Behaviour::Huge {
                len,
                declare_length,
            } => {
                let head = if declare_length {
                    format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len}\r\n\r\n"
                    )
                } else {
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n"
                        .to_owned()
                };
                let _ = stream.write_all(head.as_bytes()).await;
                let _ = stream
                    .write_all(br#"{"RequestId":"R-HUGE","Value":""#)
                    .await;
                let chunk = vec![b'x'; 16 * 1024];
                let mut sent = 0;
                while sent < len {
                    if stream.write_all(&chunk).await.is_err() {
                        return; // the client stopped reading: expected
                    }
                    sent += chunk.len();
                }
                return;
            }
            Behaviour::CloseAfterRequest => return,
        }
    }
}

fn fast_retries() -> RetryPolicy {
    let quick = Backoff::new(
        Duration::from_millis(1),
        Duration::from_millis(5),
        Jitter::None,
    );
    RetryPolicy::default()
        .with_transient_backoff(quick)
        .with_throttling_backoff(quick)
}

fn builder(endpoint: &str) -> ConfigBuilder {
    Config::builder()
        .region("cn-hangzhou")
        .credentials_provider(Credentials::new("testid", "testsecret"))
        .endpoint_url(endpoint)
        .no_proxy()
        .retry_policy(fast_retries())
}

#[tokio::test]
async fn calls_go_end_to_end_and_share_one_connection_pool() {
    let server = Server::start(Behaviour::Json(OK)).await;
    let config = builder(&server.url()).build().unwrap();
    let ecs = ProductClient::new(&config, &ECS);
    let cms = ProductClient::new(&config, &CMS);

    let output = ecs.call(&Write::new("i-1")).await.unwrap();
    assert_eq!(output.value.as_deref(), Some("done"));
    cms.call(&Read::new("i-2")).await.unwrap();
    ecs.call(&Read::new("i-3")).await.unwrap();

    let requests = server.requests();
    assert_eq!(requests.len(), 3);
    assert!(requests[0].starts_with("POST /?"), "{}", requests[0]);
    assert!(requests[0].contains("Action=InstallThing"));
    assert!(requests[0].contains("InstanceId=i-1"));
    assert!(requests[1].starts_with("GET /?"), "{}", requests[1]);
    let lower = requests[0].to_ascii_lowercase();
    assert!(
        lower.contains("\r\nuser-agent: aliyun-rs/"),
        "{}",
        requests[0]
    );
    assert!(lower.contains(&format!("\r\nhost: {}", server.addr)));
    assert_eq!(
        server.connections.load(Ordering::SeqCst),
        1,
        "one pool, kept alive"
    );
}

#[tokio::test]
async fn bodies_beyond_the_cap_stop_with_status_and_snippet() {
    for declare_length in [true, false] {
        let server = Server::start(Behaviour::Huge {
            len: 4 * 1024 * 1024,
            declare_length,
        })
        .await;
        let config = builder(&server.url())
            .max_response_body_size(64 * 1024)
            .build()
            .unwrap();
        let err = ProductClient::new(&config, &ECS)
            .call(&Read::new("i-1"))
            .await
            .unwrap_err();
        let Error::Response(response) = &err else {
            panic!("{err:?}")
        };
        assert_eq!(response.status(), 200);
        assert!(response.reason().contains("65536-byte cap"), "{err}");
        assert!(
            response.snippet().starts_with(r#"{"RequestId":"R-HUGE""#),
            "{}",
            response.snippet()
        );
        assert_eq!(err.attempts(), 1, "not retried");
    }
}

#[tokio::test]
async fn refused_connections_are_retried_and_did_not_take_effect() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let config = builder(&format!("http://{addr}")).build().unwrap();
    let err = ProductClient::new(&config, &ECS)
        .call(&Write::new("i-1"))
        .await
        .unwrap_err();
    let Error::Dispatch(dispatch) = &err else {
        panic!("{err:?}")
    };
    assert!(!dispatch.may_have_taken_effect);
    assert_eq!(err.attempts(), 3);
    let text = err.to_string();
    assert!(text.contains("could not connect"), "{text}");
    for leak in ["Signature", "AccessKeyId", "Action=", "?"] {
        assert!(!text.contains(leak), "{leak} in {text}");
    }
}

#[tokio::test]
async fn a_connection_closed_after_sending_a_write_is_not_resent() {
    let server = Server::start(Behaviour::CloseAfterRequest).await;
    let config = builder(&server.url()).build().unwrap();
    let client = ProductClient::new(&config, &ECS);

    let err = client.call(&Write::new("i-1")).await.unwrap_err();
    assert!(matches!(err, Error::Dispatch(_)), "{err:?}");
    assert!(err.may_have_taken_effect());
    assert_eq!(err.attempts(), 1);
    assert_eq!(server.requests().len(), 1);
    assert!(!err.to_string().contains("Signature"), "{err}");

    // The same failure on an idempotent action is retried.
    let err = client.call(&Read::new("i-1")).await.unwrap_err();
    assert_eq!(err.attempts(), 3);
    assert_eq!(server.requests().len(), 4);
}

#[tokio::test]
async fn requests_to_remote_hosts_go_through_the_proxy_and_loopback_bypasses_it() {
    let proxy = Server::start(Behaviour::Json(OK)).await;
    let config = builder("http://ecs.example.invalid")
        .proxy(proxy.url())
        .build()
        .unwrap();
    ProductClient::new(&config, &ECS)
        .call(&Write::new("i-1"))
        .await
        .unwrap();
    let seen = proxy.requests();
    assert_eq!(seen.len(), 1);
    assert!(
        seen[0].starts_with("POST http://ecs.example.invalid/?"),
        "{}",
        seen[0]
    );

    // Proxy variables come from the injected environment; loopback never uses the proxy.
    let direct = Server::start(Behaviour::Json(OK)).await;
    let env = Environment::fake([("HTTP_PROXY", proxy.url())]);
    let config = builder(&direct.url()).environment(env.clone());
    let config = ConfigBuilder::proxy_config(
        config,
        aliyun_core::transport::ProxyConfig::from_environment(&env),
    )
    .build()
    .unwrap();
    ProductClient::new(&config, &ECS)
        .call(&Write::new("i-1"))
        .await
        .unwrap();
    assert_eq!(direct.requests().len(), 1);
    assert_eq!(proxy.requests().len(), 1);

    let env = Environment::fake([("HTTP_PROXY", proxy.url())]);
    let config = Config::builder()
        .credentials_provider(Credentials::new("testid", "testsecret"))
        .endpoint_url("http://cms.example.invalid")
        .environment(env)
        .build()
        .unwrap();
    ProductClient::new(&config, &CMS)
        .call(&Read::new("i-1"))
        .await
        .unwrap();
    assert_eq!(proxy.requests().len(), 2);
}

#[test]
fn a_bad_proxy_url_is_a_config_error_without_its_password() {
    let err = Config::builder()
        .proxy("http://user:hunter2@[bad")
        .build()
        .unwrap_err();
    assert!(err.message().contains("proxy"), "{err}");
    assert!(!err.to_string().contains("hunter2"), "{err}");
}
