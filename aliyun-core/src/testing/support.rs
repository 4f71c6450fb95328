//! Small helpers the workspace's integration tests share: a retry policy with millisecond
//! waits, and a log sink to read back what a tracing subscriber wrote.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use crate::retry::{Backoff, Jitter, RetryPolicy};

/// The default retry policy with 1 ms waits and no jitter, so retried tests stay fast and
/// deterministic.
pub fn quick_retries() -> RetryPolicy {
    let quick = Backoff::new(
        Duration::from_millis(1),
        Duration::from_millis(1),
        Jitter::None,
    );
    RetryPolicy::default()
        .with_throttling_backoff(quick)
        .with_transient_backoff(quick)
}

/// A log sink that keeps everything written to it, for reading back.
///
/// Clones share one buffer. Give [`LogCapture::writer`] to a `tracing_subscriber` formatter
/// (`.with_writer(capture.writer())`), then read [`LogCapture::text`].
#[derive(Clone, Default)]
pub struct LogCapture(Arc<Mutex<Vec<u8>>>);

impl LogCapture {
    /// A new, empty sink.
    pub fn new() -> Self {
        Self::default()
    }

    /// Everything written so far (invalid UTF-8 replaced).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.buffer()).into_owned()
    }

    /// A function making writers into this sink: what a subscriber's `with_writer` takes
    /// (any `Fn() -> impl Write` is a `MakeWriter`).
    pub fn writer(&self) -> impl Fn() -> LogCapture + Send + Sync + 'static {
        let capture = self.clone();
        move || capture.clone()
    }

    fn buffer(&self) -> std::sync::MutexGuard<'_, Vec<u8>> {
        // A test that panicked mid-write leaves the bytes it wrote: still worth reading.
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl std::io::Write for LogCapture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.buffer().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl std::fmt::Debug for LogCapture {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LogCapture")
            .field("bytes", &self.buffer().len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write as _;

    #[test]
    fn clones_and_writers_share_one_buffer() {
        let capture = LogCapture::new();
        let make = capture.writer();
        make().write_all(b"one ").unwrap();
        capture.clone().write_all(b"two").unwrap();
        assert_eq!(capture.text(), "one two");
        assert_eq!(format!("{capture:?}"), "LogCapture { bytes: 7 }");
    }
}
