//! Retry policy. (to be written)

/// How failed calls are retried.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Most attempts per call, the first included.
    pub max_attempts: u32,
}

impl RetryPolicy {
    /// No retries: one attempt per call.
    pub fn disabled() -> Self {
        RetryPolicy { max_attempts: 1 }
    }
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy { max_attempts: 3 }
    }
}
