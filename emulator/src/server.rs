//! The HTTP server: a hyper HTTP/1 accept loop (so a fault can drop a connection without an
//! answer, and shutdown can drain connections) in front of an axum router: the admin API under
//! `/_emulator/`, and the RPC [`pipeline`](crate::pipeline) for everything else.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body as AxumBody;
use http::{HeaderValue, header};
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinSet;
use tower::ServiceExt;

use crate::pipeline::CloseConnection;
use crate::state::Shared;

/// The HTTP layer's own cap on a request head; above [`crate::request::MAX_QUERY_BYTES`] (the `http` crate caps URIs at 64 KiB anyway), so long query
/// strings get the JSON refusal, not hyper's bare 431.
const MAX_HEAD_BYTES: usize = 1024 * 1024;
/// How long a graceful shutdown waits for open connections.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(5);

/// The admin API and the RPC pipeline over `shared`.
pub(crate) fn router(shared: Arc<Shared>) -> Router {
    crate::admin::routes()
        .fallback(crate::pipeline::rpc)
        .with_state(shared)
}

/// Serves `listener` until `shutdown` turns true, then drains connections.
pub(crate) async fn serve(
    listener: TcpListener,
    shared: Arc<Shared>,
    mut shutdown: watch::Receiver<bool>,
) {
    let router = router(Arc::clone(&shared));
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    // Answers are small: waiting to coalesce them only adds latency.
                    let _ = stream.set_nodelay(true);
                    let router = router.clone();
                    let shared = Arc::clone(&shared);
                    let shutdown = shutdown.clone();
                    connections.spawn(serve_connection(stream, router, shared, shutdown));
                }
                Err(e) => {
                    // Out of file descriptors and the like: back off instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            },
            _ = shutdown.changed() => break,
        }
        while connections.try_join_next().is_some() {}
    }
    drop(listener);
    let drain = async { while connections.join_next().await.is_some() {} };
    if tokio::time::timeout(DRAIN_TIMEOUT, drain).await.is_err() {
        connections.abort_all();
    }
}

async fn serve_connection(
    stream: tokio::net::TcpStream,
    router: Router,
    shared: Arc<Shared>,
    mut shutdown: watch::Receiver<bool>,
) {
    let service =
        hyper::service::service_fn(move |request: http::Request<hyper::body::Incoming>| {
            let router = router.clone();
            let shared = Arc::clone(&shared);
            async move {
                let mut response = match router.oneshot(request.map(AxumBody::new)).await {
                    Ok(response) => response,
                    Err(never) => match never {},
                };
                if response.extensions().get::<CloseConnection>().is_some() {
                    // hyper closes the connection without writing anything when the service fails.
                    return Err(std::io::Error::other("fault: close the connection"));
                }
                if let Ok(date) = HeaderValue::from_str(&shared.clock.http_date()) {
                    response.headers_mut().insert(header::DATE, date);
                }
                Ok::<_, std::io::Error>(response)
            }
        });
    let mut builder = http1::Builder::new();
    builder.max_buf_size(MAX_HEAD_BYTES);
    let connection = builder.serve_connection(TokioIo::new(stream), service);
    tokio::pin!(connection);
    tokio::select! {
        _ = connection.as_mut() => {}
        _ = shutdown.changed() => {
            connection.as_mut().graceful_shutdown();
            let _ = connection.await;
        }
    }
}
