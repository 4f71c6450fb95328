//! End-to-end benchmark on loopback: the SDK against raw reqwest, same server, same requests,
//! same run.
//!
//! `e2e all` (what `cargo xtask bench` runs) starts a minimal HTTP/1.1 server (hyper, a fixed
//! success body, no signature checking) in a child process, then runs each client in its own
//! child process, alternating raw and SDK rounds so that load from elsewhere on the machine
//! falls on both alike:
//!
//! - `raw`: reqwest sends pre-signed `InstallCloudAssistant` requests (20 instance ids, signed
//!   by the SDK before timing starts) and reads the body;
//! - `sdk`: the generated ECS client builds, validates, signs, sends and decodes the same call.
//!
//! Separate processes make each client's peak RSS (`VmHWM`) its own, not the server's or the
//! other client's. Each client prints one JSON line; `all` prints one JSON line per round and a
//! summary with medians over rounds.
//!
//! `e2e scale` starts 10,000 SDK calls at once through one client and reports errors, time and
//! memory per in-flight call.
//!
//! Setting `E2E_CURRENT_THREAD` runs the clients on a current-thread runtime instead of the
//! multi-thread one (a diagnostic: it removes work stealing and cross-thread frees from the
//! comparison).
//!
//! Every loop is bounded by a call count, and the server exits when its parent closes its
//! standard input (or after an hour at most); traffic goes to 127.0.0.1 only.

use std::io::{BufRead as _, Read as _, Write as _};
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aliyun_benches::{
    ACCESS_KEY_ID, ACCESS_KEY_SECRET, REGION, SUCCESS_BODY, instance_ids, memory_kib,
};
use aliyun_core::transport::{HttpRequest, HttpResponse, HttpTransport, TransportError};
use aliyun_core::{Config, Credentials, RetryPolicy};
use bytes::Bytes;
use futures_util::future::BoxFuture;

/// How many distinct pre-signed requests the raw client cycles through (the server checks no
/// nonce, and a few hundred keep the raw client's memory from growing with the call count).
const PRESIGNED: usize = 256;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(command) = args.first() else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    let options = match Options::parse(&args[1..]) {
        Ok(options) => options,
        Err(error) => {
            eprintln!("{error}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let result = match command.as_str() {
        "server" => server(),
        "client" => client(&options),
        "scale" => scale(&options),
        "all" => all(&options),
        _ => Err(format!("unknown command {command:?}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("e2e: {error}");
            ExitCode::FAILURE
        }
    }
}

const USAGE: &str = "\
usage: e2e all    [--calls N] [--concurrency C] [--rounds R] [--inflight K]
       e2e server
       e2e client --mode raw|transport|sdk_input|sdk --port P [--calls N] [--concurrency C]
       e2e scale  --port P [--inflight K]";

#[derive(Debug, Clone)]
struct Options {
    calls: usize,
    concurrency: usize,
    rounds: usize,
    inflight: usize,
    port: u16,
    mode: String,
}

impl Options {
    fn parse(args: &[String]) -> Result<Self, String> {
        let mut options = Options {
            calls: 20_000,
            concurrency: 64,
            rounds: 3,
            inflight: 10_000,
            port: 0,
            mode: String::new(),
        };
        let mut args = args.iter();
        while let Some(flag) = args.next() {
            let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
            let number = || {
                value
                    .parse::<usize>()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or_else(|| format!("{flag} needs a positive number, got {value:?}"))
            };
            match flag.as_str() {
                "--calls" => options.calls = number()?,
                "--concurrency" => options.concurrency = number()?,
                "--rounds" => options.rounds = number()?,
                "--inflight" => options.inflight = number()?,
                "--port" => {
                    options.port = u16::try_from(number()?).map_err(|_| "--port: too large")?
                }
                "--mode" => options.mode = value.clone(),
                _ => return Err(format!("unknown option {flag}")),
            }
        }
        Ok(options)
    }
}

fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("runtime: {e}"))
}

// ---------------------------------------------------------------------------------------------
// The server.

/// Serves `200 SUCCESS_BODY` to every request on an ephemeral loopback port, printed as
/// `PORT <n>` on stdout; stops when stdin closes.
fn server() -> Result<(), String> {
    let runtime = runtime()?;
    runtime.block_on(async {
        let socket = tokio::net::TcpSocket::new_v4().map_err(|e| e.to_string())?;
        socket.set_reuseaddr(true).map_err(|e| e.to_string())?;
        socket
            .bind(([127, 0, 0, 1], 0).into())
            .map_err(|e| e.to_string())?;
        // A deep accept queue: the scale run opens thousands of connections at once.
        let listener = socket.listen(4096).map_err(|e| e.to_string())?;
        let port = listener.local_addr().map_err(|e| e.to_string())?.port();
        println!("PORT {port}");
        std::io::stdout().flush().map_err(|e| e.to_string())?;

        // The parent closing stdin (or dying) ends the server; an hour is the hard limit.
        let (stop_tx, mut stop_rx) = tokio::sync::oneshot::channel::<()>();
        std::thread::spawn(move || {
            let mut sink = Vec::new();
            let _ = std::io::stdin().read_to_end(&mut sink);
            let _ = stop_tx.send(());
        });
        let connections = Arc::new(AtomicUsize::new(0));
        let deadline = tokio::time::sleep(Duration::from_secs(3600));
        tokio::pin!(deadline);
        loop {
            tokio::select! {
                _ = &mut stop_rx => break,
                _ = &mut deadline => break,
                accepted = listener.accept() => {
                    let Ok((stream, _)) = accepted else { continue };
                    let _ = stream.set_nodelay(true);
                    connections.fetch_add(1, Ordering::Relaxed);
                    tokio::spawn(async move {
                        let service = hyper::service::service_fn(|_request| async {
                            Ok::<_, std::convert::Infallible>(
                                hyper::Response::builder()
                                    .header("content-type", "application/json;charset=utf-8")
                                    .body(http_body_util::Full::new(Bytes::from_static(
                                        SUCCESS_BODY.as_bytes(),
                                    )))
                                    .unwrap_or_default(),
                            )
                        });
                        let _ = hyper::server::conn::http1::Builder::new()
                            .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                            .await;
                    });
                }
            }
        }
        eprintln!(
            "server: {} connections accepted",
            connections.load(Ordering::Relaxed)
        );
        Ok(())
    })
}

/// A server child process and its port.
struct ServerProcess {
    child: Child,
    port: u16,
}

impl ServerProcess {
    fn start() -> Result<Self, String> {
        let mut child = Command::new(current_exe()?)
            .arg("server")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| format!("starting the server: {e}"))?;
        let stdout = child.stdout.take().ok_or("server stdout")?;
        let mut line = String::new();
        std::io::BufReader::new(stdout)
            .read_line(&mut line)
            .map_err(|e| format!("reading the server's port: {e}"))?;
        let port = line
            .trim()
            .strip_prefix("PORT ")
            .and_then(|p| p.parse().ok())
            .ok_or_else(|| format!("the server said {line:?}, not its port"))?;
        Ok(ServerProcess { child, port })
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        // Closing stdin stops the server; wait for it so no process outlives the run.
        drop(self.child.stdin.take());
        let _ = self.child.wait();
    }
}

fn current_exe() -> Result<std::path::PathBuf, String> {
    std::env::current_exe().map_err(|e| format!("own path: {e}"))
}

// ---------------------------------------------------------------------------------------------
// The clients.

fn sdk_config(port: u16) -> Result<Config, String> {
    Config::builder()
        .region(REGION)
        .credentials_provider(Credentials::new(ACCESS_KEY_ID, ACCESS_KEY_SECRET))
        .endpoint_url(format!("http://127.0.0.1:{port}"))
        .retry_policy(RetryPolicy::disabled())
        .build()
        .map_err(|e| format!("config: {e}"))
}

/// Records the requests the SDK would send, answering each at once.
#[derive(Debug, Clone, Default)]
struct Recorder(Arc<Mutex<Vec<HttpRequest>>>);

impl HttpTransport for Recorder {
    fn send(&self, request: HttpRequest) -> BoxFuture<'_, Result<HttpResponse, TransportError>> {
        if let Ok(mut requests) = self.0.lock() {
            requests.push(request);
        }
        Box::pin(std::future::ready(Ok(HttpResponse {
            status: 200,
            headers: http::HeaderMap::new(),
            body: Bytes::from_static(SUCCESS_BODY.as_bytes()),
        })))
    }
}

/// `count` requests exactly as the SDK signs them for `port` (fresh nonce and time each).
async fn presign(port: u16, count: usize) -> Result<Vec<HttpRequest>, String> {
    let recorder = Recorder::default();
    let config = Config::builder()
        .region(REGION)
        .credentials_provider(Credentials::new(ACCESS_KEY_ID, ACCESS_KEY_SECRET))
        .endpoint_url(format!("http://127.0.0.1:{port}"))
        .retry_policy(RetryPolicy::disabled())
        .transport(recorder.clone())
        .build()
        .map_err(|e| format!("config: {e}"))?;
    let client = aliyun_ecs::Client::new(&config);
    let ids = instance_ids(20);
    for _ in 0..count {
        client
            .install_cloud_assistant()
            .set_instance_ids(Some(ids.clone()))
            .send()
            .await
            .map_err(|e| format!("presigning: {e}"))?;
    }
    let requests = std::mem::take(&mut *recorder.0.lock().map_err(|_| "recorder lock")?);
    Ok(requests)
}

/// What one client run measured.
#[derive(Debug, Default)]
struct RunReport {
    calls: usize,
    errors: usize,
    seconds: f64,
    p50_us: f64,
    p99_us: f64,
    rss_start_kib: u64,
    peak_rss_kib: u64,
}

impl RunReport {
    fn calls_per_second(&self) -> f64 {
        self.calls as f64 / self.seconds.max(1e-9)
    }

    fn json(&self, mode: &str) -> String {
        format!(
            r#"{{"mode":"{mode}","calls":{},"errors":{},"seconds":{:.4},"calls_per_sec":{:.1},"p50_us":{:.1},"p99_us":{:.1},"rss_start_kib":{},"peak_rss_kib":{}}}"#,
            self.calls,
            self.errors,
            self.seconds,
            self.calls_per_second(),
            self.p50_us,
            self.p99_us,
            self.rss_start_kib,
            self.peak_rss_kib
        )
    }

    fn parse(line: &str) -> Option<Self> {
        let value: serde_json::Value = serde_json::from_str(line).ok()?;
        let number = |key: &str| value.get(key).and_then(serde_json::Value::as_f64);
        Some(RunReport {
            calls: number("calls")? as usize,
            errors: number("errors")? as usize,
            seconds: number("seconds")?,
            p50_us: number("p50_us")?,
            p99_us: number("p99_us")?,
            rss_start_kib: number("rss_start_kib")? as u64,
            peak_rss_kib: number("peak_rss_kib")? as u64,
        })
    }
}

/// Runs `calls` calls of `one` at `concurrency`, timing each.
async fn drive<F, Fut>(calls: usize, concurrency: usize, one: F) -> RunReport
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = bool> + Send,
{
    let one = Arc::new(one);
    let next = Arc::new(AtomicUsize::new(0));
    let errors = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(concurrency);
    for _ in 0..concurrency {
        let (one, next, errors) = (one.clone(), next.clone(), errors.clone());
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::with_capacity(calls / concurrency + 1);
            loop {
                let index = next.fetch_add(1, Ordering::Relaxed);
                if index >= calls {
                    break;
                }
                let start = Instant::now();
                if !one(index).await {
                    errors.fetch_add(1, Ordering::Relaxed);
                }
                latencies.push(start.elapsed().as_nanos() as u64);
            }
            latencies
        }));
    }
    let mut latencies = Vec::with_capacity(calls);
    for task in tasks {
        latencies.extend(task.await.unwrap_or_default());
    }
    let seconds = started.elapsed().as_secs_f64();
    latencies.sort_unstable();
    let percentile = |p: f64| {
        let index = ((latencies.len() as f64 * p).ceil() as usize).saturating_sub(1);
        latencies.get(index).copied().unwrap_or(0) as f64 / 1000.0
    };
    RunReport {
        calls,
        errors: errors.load(Ordering::Relaxed),
        seconds,
        p50_us: percentile(0.50),
        p99_us: percentile(0.99),
        ..RunReport::default()
    }
}

/// One client run in this process; prints its report as one JSON line.
fn client(options: &Options) -> Result<(), String> {
    if options.port == 0 {
        return Err("client needs --port".into());
    }
    let runtime = if std::env::var_os("E2E_CURRENT_THREAD").is_some() {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| format!("runtime: {e}"))?
    } else {
        runtime()?
    };
    let (calls, concurrency, port) = (options.calls, options.concurrency, options.port);
    let warmup = (calls / 10).clamp(concurrency, 2_000);
    let mut report = match options.mode.as_str() {
        "raw" => runtime.block_on(async {
            // The same TLS provider the SDK uses (no TLS on loopback, but reqwest wants one).
            let _ = rustls::crypto::ring::default_provider().install_default();
            let http = reqwest::Client::builder()
                .no_proxy()
                .tcp_nodelay(true)
                .redirect(reqwest::redirect::Policy::none())
                .pool_idle_timeout(Duration::from_secs(60))
                .build()
                .map_err(|e| format!("reqwest: {e}"))?;
            let requests = Arc::new(presign(port, PRESIGNED).await?);
            let send = move |index: usize| {
                let http = http.clone();
                let requests = requests.clone();
                async move {
                    let request = &requests[index % requests.len()];
                    let sent = http
                        .request(request.method.clone(), request.url.as_str())
                        .headers(request.headers.clone())
                        .body(request.body.clone())
                        .send()
                        .await;
                    match sent {
                        Ok(response) => {
                            let ok = response.status() == 200;
                            response.bytes().await.is_ok() && ok
                        }
                        Err(_) => false,
                    }
                }
            };
            let send = Arc::new(send);
            let warm = send.clone();
            drive(warmup, concurrency, move |i| warm(i)).await;
            let rss_start = memory_kib().1;
            let mut report = drive(calls, concurrency, move |i| send(i)).await;
            report.rss_start_kib = rss_start;
            Ok::<_, String>(report)
        })?,
        "transport" => runtime.block_on(async {
            // The SDK's transport alone, sending the pre-signed requests: splits the SDK's
            // cost into the transport's and the executor's.
            let transport = aliyun_core::ReqwestTransport::new().map_err(|e| e.to_string())?;
            let requests = Arc::new(presign(port, PRESIGNED).await?);
            let send = move |index: usize| {
                let transport = transport.clone();
                let requests = requests.clone();
                async move {
                    let request = requests[index % requests.len()].clone();
                    transport
                        .send(request)
                        .await
                        .is_ok_and(|response| response.status == 200)
                }
            };
            let send = Arc::new(send);
            let warm = send.clone();
            drive(warmup, concurrency, move |i| warm(i)).await;
            let rss_start = memory_kib().1;
            let mut report = drive(calls, concurrency, move |i| send(i)).await;
            report.rss_start_kib = rss_start;
            Ok::<_, String>(report)
        })?,
        "sdk_input" => runtime.block_on(async {
            // The executor alone: one validated input, built once and sent again and again
            // (no fluent builder, no owned ids per call).
            let client = aliyun_ecs::Client::new(&sdk_config(port)?);
            let input = aliyun_ecs::action::install_cloud_assistant::InstallCloudAssistantInput::builder()
                .region_id(REGION)
                .set_instance_ids(Some(instance_ids(20)))
                .build()
                .map_err(|e| e.to_string())?;
            let input = Arc::new(input);
            let call = move |_index: usize| {
                let client = client.clone();
                let input = input.clone();
                async move {
                    client
                        .product_client()
                        .call(input.as_ref())
                        .await
                        .is_ok_and(|output| output.request_id.is_some())
                }
            };
            let call = Arc::new(call);
            let warm = call.clone();
            drive(warmup, concurrency, move |i| warm(i)).await;
            let rss_start = memory_kib().1;
            let mut report = drive(calls, concurrency, move |i| call(i)).await;
            report.rss_start_kib = rss_start;
            Ok::<_, String>(report)
        })?,
        "sdk" => runtime.block_on(async {
            let client = aliyun_ecs::Client::new(&sdk_config(port)?);
            let ids = Arc::new(instance_ids(20));
            let call = move |_index: usize| {
                let client = client.clone();
                let ids = ids.clone();
                async move {
                    client
                        .install_cloud_assistant()
                        .set_instance_ids(Some(ids.as_ref().clone()))
                        .send()
                        .await
                        .is_ok_and(|output| output.request_id.is_some())
                }
            };
            let call = Arc::new(call);
            let warm = call.clone();
            drive(warmup, concurrency, move |i| warm(i)).await;
            let rss_start = memory_kib().1;
            let mut report = drive(calls, concurrency, move |i| call(i)).await;
            report.rss_start_kib = rss_start;
            Ok::<_, String>(report)
        })?,
        other => {
            return Err(format!(
                "--mode must be raw, transport, sdk_input or sdk, got {other:?}"
            ));
        }
    };
    report.peak_rss_kib = memory_kib().0;
    println!("{}", report.json(&options.mode));
    Ok(())
}

/// `inflight` SDK calls started at once through one client.
fn scale(options: &Options) -> Result<(), String> {
    if options.port == 0 {
        return Err("scale needs --port".into());
    }
    let runtime = runtime()?;
    let report = runtime.block_on(async {
        let client = aliyun_ecs::Client::new(&sdk_config(options.port)?);
        let ids = instance_ids(20);
        // One warm call, so the measured memory is the calls', not the first connection's.
        client
            .install_cloud_assistant()
            .set_instance_ids(Some(ids.clone()))
            .send()
            .await
            .map_err(|e| format!("warm-up call: {e}"))?;
        let rss_start = memory_kib().1;
        let started = Instant::now();
        let tasks: Vec<_> = (0..options.inflight)
            .map(|_| {
                let client = client.clone();
                let ids = ids.clone();
                tokio::spawn(async move {
                    client
                        .install_cloud_assistant()
                        .set_instance_ids(Some(ids))
                        .send()
                        .await
                })
            })
            .collect();
        let mut errors = 0;
        let mut first_error = None;
        for task in tasks {
            match task.await {
                Ok(Ok(_)) => {}
                Ok(Err(error)) => {
                    errors += 1;
                    first_error.get_or_insert_with(|| error.to_string());
                }
                Err(error) => {
                    errors += 1;
                    first_error.get_or_insert_with(|| error.to_string());
                }
            }
        }
        let seconds = started.elapsed().as_secs_f64();
        Ok::<_, String>((errors, first_error, seconds, rss_start))
    })?;
    let (errors, first_error, seconds, rss_start) = report;
    let peak = memory_kib().0;
    let per_call = (peak.saturating_sub(rss_start) as f64 * 1024.0) / options.inflight as f64;
    println!(
        r#"{{"mode":"scale","inflight":{},"errors":{errors},"seconds":{seconds:.3},"rss_start_kib":{rss_start},"peak_rss_kib":{peak},"bytes_per_inflight_call":{per_call:.0},"first_error":{}}}"#,
        options.inflight,
        serde_json::Value::from(first_error.unwrap_or_default())
    );
    Ok(())
}

/// Runs one child process of this binary and returns its last stdout line.
fn child_line(args: &[String]) -> Result<String, String> {
    let output = Command::new(current_exe()?)
        .args(args)
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("running {args:?}: {e}"))?;
    if !output.status.success() {
        return Err(format!("{args:?} failed with {}", output.status));
    }
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .last()
        .map(str::to_owned)
        .ok_or_else(|| format!("{args:?} printed nothing"))
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(0.0)
}

/// The whole end-to-end benchmark: alternating raw and SDK rounds against one server, then
/// the scale run. Prints one JSON line per run and a `summary` line.
fn all(options: &Options) -> Result<(), String> {
    let server = ServerProcess::start()?;
    let port = server.port.to_string();
    let mut reports: [Vec<RunReport>; 2] = [Vec::new(), Vec::new()];
    for round in 0..options.rounds {
        // Alternate which goes first, so a drift in machine load favours neither.
        let order: [usize; 2] = if round % 2 == 0 { [0, 1] } else { [1, 0] };
        for side in order {
            let mode = ["raw", "sdk"][side];
            let line = child_line(&[
                "client".into(),
                "--mode".into(),
                mode.into(),
                "--port".into(),
                port.clone(),
                "--calls".into(),
                options.calls.to_string(),
                "--concurrency".into(),
                options.concurrency.to_string(),
            ])?;
            println!("{line}");
            reports[side]
                .push(RunReport::parse(&line).ok_or_else(|| format!("bad report {line:?}"))?);
        }
    }
    let scale_line = child_line(&[
        "scale".into(),
        "--port".into(),
        port,
        "--inflight".into(),
        options.inflight.to_string(),
    ])?;
    println!("{scale_line}");
    drop(server);

    let summary = |side: usize| {
        let runs = &reports[side];
        let pick = |f: fn(&RunReport) -> f64| median(runs.iter().map(f).collect());
        (
            pick(RunReport::calls_per_second),
            pick(|r| r.p50_us),
            pick(|r| r.p99_us),
            pick(|r| r.peak_rss_kib as f64),
            runs.iter().map(|r| r.errors).sum::<usize>(),
        )
    };
    let (raw, sdk) = (summary(0), summary(1));
    println!(
        r#"{{"mode":"summary","rounds":{},"calls":{},"concurrency":{},"raw_calls_per_sec":{:.1},"sdk_calls_per_sec":{:.1},"raw_p50_us":{:.1},"sdk_p50_us":{:.1},"raw_p99_us":{:.1},"sdk_p99_us":{:.1},"raw_peak_rss_kib":{:.0},"sdk_peak_rss_kib":{:.0},"raw_errors":{},"sdk_errors":{}}}"#,
        options.rounds,
        options.calls,
        options.concurrency,
        raw.0,
        sdk.0,
        raw.1,
        sdk.1,
        raw.2,
        sdk.2,
        raw.3,
        sdk.3,
        raw.4,
        sdk.4
    );
    Ok(())
}
