//! A scripted HTTP server on loopback, for actions the emulator does not model: each request's
//! query parameters go to a responder, whose status and JSON body go back.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use axum::extract::{Query, State};
use axum::http::StatusCode;

/// The query parameters of one request, decoded.
pub type Params = BTreeMap<String, String>;

/// Answers a request: HTTP status and JSON body.
type Responder = dyn Fn(&Params) -> (u16, String) + Send + Sync;

/// A loopback server answering with a responder; it records every request's parameters.
pub struct Scripted {
    url: String,
    requests: Arc<Mutex<Vec<Params>>>,
}

#[derive(Clone)]
struct Script {
    responder: Arc<Responder>,
    requests: Arc<Mutex<Vec<Params>>>,
}

async fn answer(
    State(script): State<Script>,
    Query(params): Query<Params>,
) -> (StatusCode, String) {
    script.requests.lock().unwrap().push(params.clone());
    let (status, body) = (script.responder)(&params);
    (
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        body,
    )
}

impl Scripted {
    /// Starts serving on a free loopback port.
    pub async fn start(
        responder: impl Fn(&Params) -> (u16, String) + Send + Sync + 'static,
    ) -> Self {
        let requests = Arc::new(Mutex::new(Vec::new()));
        let script = Script {
            responder: Arc::new(responder),
            requests: requests.clone(),
        };
        let app = axum::Router::new().fallback(answer).with_state(script);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let url = format!("http://{}", listener.local_addr().expect("local address"));
        tokio::spawn(async move { axum::serve(listener, app).await });
        Scripted { url, requests }
    }

    /// An SDK configuration sending every product here.
    pub fn config(&self) -> aliyun_core::Config {
        aliyun_core::Config::builder()
            .region("cn-hangzhou")
            .credentials_provider(aliyun_core::Credentials::new("testid", "testsecret"))
            .endpoint_url(&self.url)
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
