//! A cache in front of a credentials provider: temporary credentials are refreshed before they
//! expire, once, however many callers ask at the same moment. The rules are on
//! [`CredentialsCache`].

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use arc_swap::ArcSwapOption;
use futures_util::future::BoxFuture;

use super::{Credentials, CredentialsError, ProvideCredentials};

/// The smallest refresh window: refresh at least this long before expiry.
pub const MIN_REFRESH_WINDOW: Duration = Duration::from_secs(5 * 60);
/// Credentials closer than this to expiry are no longer handed out.
pub const EXPIRY_MARGIN: Duration = Duration::from_secs(10);
/// After a failed refresh with usable credentials left, wait this long before trying again.
pub const RETRY_AFTER_FAILURE: Duration = Duration::from_secs(10);

type Clock = Arc<dyn Fn() -> SystemTime + Send + Sync>;

/// Caches the credentials of a provider.
///
/// # When credentials are refreshed
///
/// For credentials that expire at `E` and were fetched at `F` (lifetime `L = E - F`):
/// - they are **fresh** until `E - W`, where the refresh window `W = max(5 min, L / 5)`, but never
///   more than `L / 2`, so even short-lived credentials are used for half their life;
/// - they stay **usable** until `E - 10 s` (a margin for the request to reach the service).
///
/// Credentials without an expiry (AccessKey pairs) are fresh forever.
///
/// # Concurrency
///
/// Reading fresh credentials takes no lock: one atomic load of an `ArcSwap` and an `Arc`
/// clone. Refreshing is single-flight: the first caller to find the credentials stale fetches
/// while the others either keep using the stale-but-usable credentials (without waiting) or,
/// when there are none, wait for that one fetch and share its result, error included. If a
/// refresh fails while the old credentials are still usable, they keep being served (with a
/// warning) and the refresh is retried after 10 s rather than on every call.
pub struct CredentialsCache {
    provider: Arc<dyn ProvideCredentials>,
    current: ArcSwapOption<Cached>,
    refresh: tokio::sync::Mutex<RefreshState>,
    /// Counts fetches finished (not cancelled), so a caller that waited for the lock can tell
    /// whether someone else's fetch ended meanwhile.
    completed: AtomicU64,
    clock: Clock,
}

struct Cached {
    credentials: Credentials,
    /// `None`: never stale.
    refresh_at: Option<SystemTime>,
    /// `None`: never expires.
    usable_until: Option<SystemTime>,
}

impl Cached {
    fn new(credentials: Credentials, now: SystemTime) -> Self {
        let Some(expiration) = credentials.expiration() else {
            return Cached {
                credentials,
                refresh_at: None,
                usable_until: None,
            };
        };
        let lifetime = expiration.duration_since(now).unwrap_or_default();
        let window = MIN_REFRESH_WINDOW.max(lifetime / 5).min(lifetime / 2);
        Cached {
            refresh_at: Some(expiration.checked_sub(window).unwrap_or(expiration)),
            usable_until: Some(expiration.checked_sub(EXPIRY_MARGIN).unwrap_or(expiration)),
            credentials,
        }
    }

    fn is_fresh(&self, now: SystemTime) -> bool {
        self.refresh_at.is_none_or(|at| now < at)
    }

    fn is_usable(&self, now: SystemTime) -> bool {
        self.usable_until.is_none_or(|until| now < until)
    }
}

#[derive(Default)]
struct RefreshState {
    /// The outcome of the latest fetch, if it failed: shared with callers that waited for it.
    last_error: Option<CredentialsError>,
}

impl CredentialsCache {
    /// Caches `provider`'s credentials, using the system clock.
    pub fn new(provider: impl ProvideCredentials + 'static) -> Self {
        Self::from_arc(Arc::new(provider))
    }

    /// Like [`CredentialsCache::new`] with an already shared provider.
    pub fn from_arc(provider: Arc<dyn ProvideCredentials>) -> Self {
        CredentialsCache {
            provider,
            current: ArcSwapOption::empty(),
            refresh: tokio::sync::Mutex::new(RefreshState::default()),
            completed: AtomicU64::new(0),
            clock: Arc::new(SystemTime::now),
        }
    }

    /// Uses `clock` instead of the system clock to judge expiry (for tests).
    pub fn with_clock(mut self, clock: impl Fn() -> SystemTime + Send + Sync + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// The cached credentials if they are fresh, without fetching, waiting or locking.
    pub fn fresh_credentials(&self) -> Option<Credentials> {
        let now = (self.clock)();
        let current = self.current.load();
        current
            .as_ref()
            .filter(|cached| cached.is_fresh(now))
            .map(|cached| cached.credentials.clone())
    }

    /// Drops the cached credentials, so the next call fetches (e.g. after the service said
    /// the AccessKey is invalid).
    pub fn invalidate(&self) {
        self.current.store(None);
    }

    fn usable(&self, now: SystemTime) -> Option<Credentials> {
        let current = self.current.load();
        current
            .as_ref()
            .filter(|cached| cached.is_usable(now))
            .map(|cached| cached.credentials.clone())
    }

    async fn refresh(&self) -> Result<Credentials, CredentialsError> {
        let seen = self.completed.load(Ordering::Acquire);
        let mut state = match self.refresh.try_lock() {
            Ok(guard) => guard,
            Err(_) => {
                // Someone is fetching already: rather than queue behind a slow STS call, keep
                // using credentials that still work.
                if let Some(credentials) = self.usable((self.clock)()) {
                    return Ok(credentials);
                }
                self.refresh.lock().await
            }
        };

        let now = (self.clock)();
        if let Some(credentials) = self.fresh_credentials() {
            return Ok(credentials);
        }
        if self.completed.load(Ordering::Acquire) != seen {
            if let Some(error) = &state.last_error {
                // The fetch we waited for failed: share its outcome instead of every waiter
                // hammering the source in turn.
                return self.usable(now).ok_or_else(|| error.clone());
            }
        }

        let outcome = self.provider.provide_credentials().await;
        // Counted only once the fetch has ended, under the lock: a fetch cancelled midway
        // leaves the count alone, and the next caller fetches itself.
        self.completed.fetch_add(1, Ordering::AcqRel);
        match outcome {
            Ok(credentials) => {
                let now = (self.clock)();
                self.current
                    .store(Some(Arc::new(Cached::new(credentials.clone(), now))));
                state.last_error = None;
                tracing::debug!(
                    provider = credentials.provider_name(),
                    expires = ?credentials.expiration(),
                    "credentials refreshed"
                );
                Ok(credentials)
            }
            Err(error) => {
                state.last_error = Some(error.clone());
                let now = (self.clock)();
                let old = self.current.load_full();
                match old.filter(|cached| cached.is_usable(now)) {
                    Some(old) => {
                        tracing::warn!(
                            error = %error,
                            "refreshing credentials failed; using the current ones until they expire"
                        );
                        let retry_at = now + RETRY_AFTER_FAILURE;
                        self.current.store(Some(Arc::new(Cached {
                            credentials: old.credentials.clone(),
                            refresh_at: Some(match old.usable_until {
                                Some(until) => retry_at.min(until),
                                None => retry_at,
                            }),
                            usable_until: old.usable_until,
                        })));
                        Ok(old.credentials.clone())
                    }
                    None => Err(error),
                }
            }
        }
    }
}

impl ProvideCredentials for CredentialsCache {
    fn provide_credentials(&self) -> BoxFuture<'_, Result<Credentials, CredentialsError>> {
        if let Some(credentials) = self.fresh_credentials() {
            return Box::pin(std::future::ready(Ok(credentials)));
        }
        Box::pin(self.refresh())
    }
}

impl fmt::Debug for CredentialsCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let current = self.current.load();
        f.debug_struct("CredentialsCache")
            .field("provider", &self.provider)
            .field(
                "cached_access_key_id",
                &current.as_ref().map(|c| c.credentials.access_key_id()),
            )
            .field("refresh_at", &current.as_ref().and_then(|c| c.refresh_at))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, AtomicUsize};
    use std::time::UNIX_EPOCH;

    const T0: u64 = 1_700_000_000;

    /// A clock the test moves by hand.
    #[derive(Debug, Clone)]
    struct ManualClock(Arc<AtomicU64>);

    impl ManualClock {
        fn new() -> Self {
            ManualClock(Arc::new(AtomicU64::new(T0)))
        }
        fn now(&self) -> SystemTime {
            UNIX_EPOCH + Duration::from_secs(self.0.load(Ordering::SeqCst))
        }
        fn advance(&self, secs: u64) {
            self.0.fetch_add(secs, Ordering::SeqCst);
        }
    }

    /// Hands out numbered credentials valid for `lifetime` from the clock's now, after a
    /// delay (one second of paused clock by default); fails while `fail` is set.
    #[derive(Debug)]
    struct Counting {
        fetches: AtomicUsize,
        lifetime: Option<Duration>,
        clock: ManualClock,
        fail: AtomicBool,
        /// Zero: yield to the scheduler instead of sleeping (for real-time runtimes).
        delay: Duration,
    }

    impl Counting {
        fn new(clock: &ManualClock, lifetime: Option<Duration>) -> Arc<Self> {
            Arc::new(Counting {
                fetches: AtomicUsize::new(0),
                lifetime,
                clock: clock.clone(),
                fail: false.into(),
                delay: Duration::from_secs(1),
            })
        }
        fn fetches(&self) -> usize {
            self.fetches.load(Ordering::SeqCst)
        }
    }

    impl ProvideCredentials for Counting {
        fn provide_credentials(&self) -> BoxFuture<'_, Result<Credentials, CredentialsError>> {
            Box::pin(async move {
                let n = self.fetches.fetch_add(1, Ordering::SeqCst) + 1;
                if self.delay.is_zero() {
                    for _ in 0..10 {
                        tokio::task::yield_now().await;
                    }
                } else {
                    tokio::time::sleep(self.delay).await;
                }
                if self.fail.load(Ordering::SeqCst) {
                    return Err(CredentialsError::transient(format!("fetch {n} failed")));
                }
                let now = self.clock.now();
                Ok(Credentials::new_sts(
                    format!("id-{n}"),
                    "cache-s3cr3t",
                    "cache-t0ken",
                    self.lifetime.map(|l| now + l),
                ))
            })
        }
    }

    fn cache(provider: &Arc<Counting>, clock: &ManualClock) -> Arc<CredentialsCache> {
        let clock = clock.clone();
        Arc::new(CredentialsCache::from_arc(provider.clone()).with_clock(move || clock.now()))
    }

    #[tokio::test(start_paused = true)]
    async fn hundred_concurrent_callers_cause_one_fetch() {
        let clock = ManualClock::new();
        let provider = Counting::new(&clock, Some(Duration::from_secs(3600)));
        let cache = cache(&provider, &clock);
        let calls = (0..100).map(|_| {
            let cache = cache.clone();
            async move { cache.provide_credentials().await }
        });
        let results = futures_util::future::join_all(calls).await;
        assert_eq!(provider.fetches(), 1);
        assert!(
            results
                .iter()
                .all(|r| r.as_ref().unwrap().access_key_id() == "id-1")
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn concurrent_callers_on_threads_cause_one_fetch() {
        // Whatever the interleaving, credentials stay fresh after the first fetch, so exactly
        // one fetch may happen.
        let clock = ManualClock::new();
        let provider = Arc::new(Counting {
            delay: Duration::ZERO,
            ..Arc::into_inner(Counting::new(&clock, Some(Duration::from_secs(3600)))).unwrap()
        });
        let cache = cache(&provider, &clock);
        let tasks: Vec<_> = (0..100)
            .map(|_| {
                let cache = cache.clone();
                tokio::spawn(async move {
                    cache
                        .provide_credentials()
                        .await
                        .map(|c| c.access_key_id().to_owned())
                })
            })
            .collect();
        for task in tasks {
            assert_eq!(task.await.unwrap().unwrap(), "id-1");
        }
        assert_eq!(provider.fetches(), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn refreshes_inside_the_window_and_not_before() {
        let clock = ManualClock::new();
        let provider = Counting::new(&clock, Some(Duration::from_secs(3600)));
        let cache = cache(&provider, &clock);
        assert_eq!(
            cache.provide_credentials().await.unwrap().access_key_id(),
            "id-1"
        );
        // One hour lifetime: window max(5 min, 12 min) = 12 min, so fresh for 48 minutes.
        clock.advance(47 * 60);
        assert_eq!(
            cache.provide_credentials().await.unwrap().access_key_id(),
            "id-1"
        );
        assert_eq!(provider.fetches(), 1);
        clock.advance(2 * 60);
        assert_eq!(
            cache.provide_credentials().await.unwrap().access_key_id(),
            "id-2"
        );
        assert_eq!(provider.fetches(), 2);
    }

    #[test]
    fn window_rules() {
        let now = UNIX_EPOCH + Duration::from_secs(T0);
        let at = |lifetime: u64| {
            let c = Credentials::new_sts("a", "b", "c", Some(now + Duration::from_secs(lifetime)));
            let cached = Cached::new(c, now);
            cached
                .refresh_at
                .unwrap()
                .duration_since(now)
                .unwrap()
                .as_secs()
        };
        assert_eq!(at(3600), 3600 - 720); // L/5
        assert_eq!(at(900), 900 - 300); // 5 min floor
        assert_eq!(at(6 * 3600), 6 * 3600 - 6 * 720); // L/5
        assert_eq!(at(120), 60); // capped at L/2
        let forever = Cached::new(Credentials::new("a", "b"), now);
        assert!(forever.is_fresh(now + Duration::from_secs(1 << 40)));
    }

    #[tokio::test(start_paused = true)]
    async fn static_credentials_are_fetched_once() {
        let clock = ManualClock::new();
        let provider = Counting::new(&clock, None);
        let cache = cache(&provider, &clock);
        cache.provide_credentials().await.unwrap();
        clock.advance(365 * 24 * 3600);
        cache.provide_credentials().await.unwrap();
        assert_eq!(provider.fetches(), 1);
        assert!(cache.fresh_credentials().is_some());
        cache.invalidate();
        assert!(cache.fresh_credentials().is_none());
        cache.provide_credentials().await.unwrap();
        assert_eq!(provider.fetches(), 2);
    }

    #[tokio::test(start_paused = true)]
    async fn failed_refresh_keeps_serving_usable_credentials() {
        let clock = ManualClock::new();
        let provider = Counting::new(&clock, Some(Duration::from_secs(3600)));
        let cache = cache(&provider, &clock);
        cache.provide_credentials().await.unwrap();
        provider.fail.store(true, Ordering::SeqCst);
        clock.advance(50 * 60);
        // Stale but usable: the refresh fails, the old credentials are served.
        assert_eq!(
            cache.provide_credentials().await.unwrap().access_key_id(),
            "id-1"
        );
        assert_eq!(provider.fetches(), 2);
        // No new attempt for 10 s.
        clock.advance(5);
        cache.provide_credentials().await.unwrap();
        assert_eq!(provider.fetches(), 2);
        clock.advance(6);
        cache.provide_credentials().await.unwrap();
        assert_eq!(provider.fetches(), 3);
        // Past expiry (minus margin) the error surfaces.
        clock.advance(10 * 60);
        let error = cache.provide_credentials().await.unwrap_err();
        assert!(error.message().contains("failed"));
        provider.fail.store(false, Ordering::SeqCst);
        assert!(
            cache
                .provide_credentials()
                .await
                .unwrap()
                .access_key_id()
                .starts_with("id-")
        );
    }

    #[tokio::test(start_paused = true)]
    async fn waiters_share_a_failed_fetch() {
        let clock = ManualClock::new();
        let provider = Counting::new(&clock, Some(Duration::from_secs(3600)));
        provider.fail.store(true, Ordering::SeqCst);
        let cache = cache(&provider, &clock);
        let calls = (0..20).map(|_| {
            let cache = cache.clone();
            async move { cache.provide_credentials().await }
        });
        let results = futures_util::future::join_all(calls).await;
        assert!(results.iter().all(Result::is_err));
        assert_eq!(provider.fetches(), 1);
        // A later call tries again.
        let _ = cache.provide_credentials().await;
        assert_eq!(provider.fetches(), 2);
    }

    #[tokio::test(start_paused = true)]
    async fn stale_usable_credentials_do_not_wait_for_a_refresh() {
        let clock = ManualClock::new();
        let provider = Counting::new(&clock, Some(Duration::from_secs(3600)));
        let cache = cache(&provider, &clock);
        cache.provide_credentials().await.unwrap();
        clock.advance(50 * 60);
        let refresher = {
            let cache = cache.clone();
            tokio::spawn(async move { cache.provide_credentials().await })
        };
        tokio::task::yield_now().await;
        // The refresher holds the lock and sleeps in the provider; this call answers at once.
        let started = tokio::time::Instant::now();
        assert_eq!(
            cache.provide_credentials().await.unwrap().access_key_id(),
            "id-1"
        );
        assert_eq!(started.elapsed(), Duration::ZERO);
        assert_eq!(refresher.await.unwrap().unwrap().access_key_id(), "id-2");
    }

    #[tokio::test]
    async fn debug_shows_no_secret() {
        let cache = CredentialsCache::new(Credentials::new_sts(
            "id",
            "cache-s3cr3t",
            "cache-t0ken",
            None,
        ));
        cache.provide_credentials().await.unwrap();
        let text = format!("{cache:?}");
        assert!(text.contains("id"));
        assert!(
            !text.contains("cache-s3cr3t") && !text.contains("cache-t0ken"),
            "{text}"
        );
    }
}
