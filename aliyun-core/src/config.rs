//! Shared configuration that product clients are built from.
//!
//! A [`Config`] holds the region, the credentials provider, endpoint overrides, timeouts, the
//! retry policy, the user agent and the HTTP transport (one connection pool). It is cheap to
//! clone (one `Arc`), and every product client built from it shares the same pool, credentials
//! cache and learned clock offset.
//!
//! ```
//! use std::time::Duration;
//! use aliyun_core::{Config, Credentials};
//!
//! let config = Config::builder()
//!     .region("cn-shanghai")
//!     .credentials_provider(Credentials::new("my-access-key-id", "my-secret"))
//!     .read_timeout(Duration::from_secs(20))
//!     .build()
//!     .unwrap();
//! assert_eq!(config.region(), Some("cn-shanghai"));
//! assert!(!format!("{config:?}").contains("my-secret"));
//! ```

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use http::HeaderValue;

use crate::clock::{SkewedClock, SystemClock, TimeSource};
use crate::credentials::{CredentialsCache, ProvideCredentials};
use crate::endpoint::{Endpoint, is_valid_region, redact_userinfo};
use crate::env::Environment;
use crate::error::ConfigError;
use crate::retry::RetryPolicy;
use crate::transport::{HttpTransport, ProxyConfig, ReqwestTransport};

/// Default time allowed to open a connection.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Default time allowed for one attempt's response, from sending to the last body byte.
pub const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// Default cap on a response body.
pub const DEFAULT_MAX_RESPONSE_BODY_SIZE: usize = 8 * 1024 * 1024;

/// Region variables, in order of preference (`aliyun` CLI also reads the last two).
const REGION_VARS: [&str; 3] = ["ALIBABA_CLOUD_REGION_ID", "ALICLOUD_REGION_ID", "REGION"];
/// The endpoint override for every product; `<VAR>_<ENV_ID>` overrides one product.
pub const ENDPOINT_URL_VAR: &str = "ALIBABA_CLOUD_ENDPOINT_URL";

/// Configuration shared by product clients. Cheap to clone.
///
/// Build one with [`Config::builder`] (explicit settings) or [`Config::from_env`] (the
/// standard environment variables and the `aliyun` CLI profile), then create product clients
/// from it.
#[derive(Clone)]
pub struct Config {
    pub(crate) inner: Arc<ConfigInner>,
}

pub(crate) struct ConfigInner {
    pub(crate) region: Option<String>,
    pub(crate) credentials: Arc<dyn ProvideCredentials>,
    pub(crate) endpoints: EndpointOverrides,
    pub(crate) connect_timeout: Duration,
    pub(crate) read_timeout: Duration,
    pub(crate) call_timeout: Option<Duration>,
    pub(crate) retry_policy: RetryPolicy,
    pub(crate) user_agent: HeaderValue,
    pub(crate) max_response_body_size: usize,
    pub(crate) clock_skew_correction: bool,
    pub(crate) transport: Arc<dyn HttpTransport>,
    pub(crate) clock: SkewedClock,
    proxy: Option<ProxyConfig>,
}

/// Endpoint overrides, most specific first: explicit per product, explicit for all, from the
/// environment per product, from the environment for all.
#[derive(Debug, Clone, Default)]
pub(crate) struct EndpointOverrides {
    pub(crate) explicit_products: Vec<(String, Endpoint)>,
    pub(crate) explicit_all: Option<Endpoint>,
    /// Where to look up `ALIBABA_CLOUD_ENDPOINT_URL_<ENV_ID>` (only for configs loaded from the
    /// environment).
    pub(crate) environment: Option<Environment>,
    pub(crate) environment_all: Option<Endpoint>,
}

impl EndpointOverrides {
    /// The override for the product with `env_id`, if any.
    pub(crate) fn for_product(&self, env_id: &str) -> Result<Option<Endpoint>, ConfigError> {
        if let Some((_, endpoint)) = self
            .explicit_products
            .iter()
            .find(|(id, _)| id.eq_ignore_ascii_case(env_id))
        {
            return Ok(Some(endpoint.clone()));
        }
        if let Some(endpoint) = &self.explicit_all {
            return Ok(Some(endpoint.clone()));
        }
        if let Some(env) = &self.environment {
            let var = format!("{ENDPOINT_URL_VAR}_{}", env_id.to_ascii_uppercase());
            if let Some(url) = env.var(&var) {
                return Endpoint::parse(&url)
                    .map(Some)
                    .map_err(|e| ConfigError::new(format!("{var}: {}", e.message())));
            }
        }
        Ok(self.environment_all.clone())
    }
}

impl Config {
    /// A builder with the defaults: no region (central endpoints), the default credentials
    /// chain, connect timeout 5 s, read timeout 10 s, no call deadline, the default retry
    /// policy, proxies from the standard variables, an 8 MiB response cap, clock-skew
    /// correction on.
    pub fn builder() -> ConfigBuilder {
        ConfigBuilder::default()
    }

    /// Loads configuration from the process environment; see [`Config::from_environment`].
    pub fn from_env() -> Result<Config, ConfigError> {
        Config::from_environment(&Environment::process())
    }

    /// Loads configuration from `env`: the region from `ALIBABA_CLOUD_REGION_ID` (or
    /// `ALICLOUD_REGION_ID`, `REGION`), else the `aliyun` CLI profile's region; the endpoint
    /// override from `ALIBABA_CLOUD_ENDPOINT_URL` (all products) or
    /// `ALIBABA_CLOUD_ENDPOINT_URL_<PRODUCT>` (one product, e.g. `_ECS`; wins over the former);
    /// proxies from `HTTPS_PROXY`/`HTTP_PROXY`/`NO_PROXY`; credentials from the default chain
    /// reading the same environment. Use [`ConfigBuilder::from_environment`] to change settings
    /// on top.
    ///
    /// ```
    /// use aliyun_core::Config;
    /// use aliyun_core::env::Environment;
    ///
    /// let env = Environment::fake([
    ///     ("ALIBABA_CLOUD_REGION_ID", "cn-beijing"),
    ///     ("ALIBABA_CLOUD_ENDPOINT_URL", "http://127.0.0.1:9000"),
    /// ]);
    /// let config = Config::from_environment(&env).unwrap();
    /// assert_eq!(config.region(), Some("cn-beijing"));
    /// ```
    pub fn from_environment(env: &Environment) -> Result<Config, ConfigError> {
        ConfigBuilder::from_environment(env)?.build()
    }

    /// The region, if one is configured (else products use their central endpoint).
    pub fn region(&self) -> Option<&str> {
        self.inner.region.as_deref()
    }

    /// The credentials provider.
    pub fn credentials_provider(&self) -> &Arc<dyn ProvideCredentials> {
        &self.inner.credentials
    }

    /// The endpoint override for every product, if set explicitly or by
    /// `ALIBABA_CLOUD_ENDPOINT_URL`.
    pub fn endpoint_url(&self) -> Option<&Endpoint> {
        let endpoints = &self.inner.endpoints;
        endpoints
            .explicit_all
            .as_ref()
            .or(endpoints.environment_all.as_ref())
    }

    /// The time allowed to open a connection.
    pub fn connect_timeout(&self) -> Duration {
        self.inner.connect_timeout
    }

    /// The time allowed for one attempt, from sending the request to the last body byte.
    pub fn read_timeout(&self) -> Duration {
        self.inner.read_timeout
    }

    /// The deadline for a whole call, retries and backoff included, if set.
    pub fn call_timeout(&self) -> Option<Duration> {
        self.inner.call_timeout
    }

    /// The retry policy.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.inner.retry_policy
    }

    /// The `User-Agent` sent with every request.
    pub fn user_agent(&self) -> &str {
        self.inner.user_agent.to_str().unwrap_or_default()
    }

    /// The cap on response bodies, in bytes.
    pub fn max_response_body_size(&self) -> usize {
        self.inner.max_response_body_size
    }

    /// Whether a timestamp refused as skewed corrects the clock offset and is retried.
    pub fn clock_skew_correction(&self) -> bool {
        self.inner.clock_skew_correction
    }

    /// The clock offset learned from the service (server time minus local time), in
    /// milliseconds; 0 until a skewed timestamp was refused.
    pub fn clock_offset_millis(&self) -> i64 {
        self.inner.clock.offset_millis()
    }

    /// The HTTP transport every client built from this config shares.
    pub fn transport(&self) -> &Arc<dyn HttpTransport> {
        &self.inner.transport
    }
}

impl fmt::Debug for Config {
    // Every field is either not secret or has a redacting `Debug` (credentials providers show
    // at most the AccessKeyId; proxies hide their user info).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &self.inner;
        f.debug_struct("Config")
            .field("region", &inner.region)
            .field("endpoint_url", &self.endpoint_url())
            .field("credentials", &inner.credentials)
            .field("connect_timeout", &inner.connect_timeout)
            .field("read_timeout", &inner.read_timeout)
            .field("call_timeout", &inner.call_timeout)
            .field("retry_policy", &inner.retry_policy)
            .field("user_agent", &inner.user_agent)
            .field("max_response_body_size", &inner.max_response_body_size)
            .field("clock_skew_correction", &inner.clock_skew_correction)
            .field("proxy", &inner.proxy)
            .field("transport", &inner.transport)
            .finish()
    }
}

/// How the proxy is chosen.
#[derive(Debug, Clone)]
enum ProxySetting {
    FromEnvironment,
    Explicit(ProxyConfig),
}

/// Builds a [`Config`]. Settings made explicitly win over ones loaded from the environment,
/// whatever the order of the calls.
#[derive(Clone)]
pub struct ConfigBuilder {
    region: Option<String>,
    environment_region: Option<String>,
    credentials: Option<Arc<dyn ProvideCredentials>>,
    endpoint_url: Option<String>,
    product_endpoint_urls: Vec<(String, String)>,
    environment_endpoint_url: Option<Endpoint>,
    endpoints_from_environment: bool,
    environment: Environment,
    connect_timeout: Duration,
    read_timeout: Duration,
    call_timeout: Option<Duration>,
    retry_policy: RetryPolicy,
    app_name: Option<String>,
    proxy: ProxySetting,
    max_response_body_size: usize,
    clock_skew_correction: bool,
    transport: Option<Arc<dyn HttpTransport>>,
    time_source: Option<Arc<dyn TimeSource>>,
}

impl Default for ConfigBuilder {
    fn default() -> Self {
        ConfigBuilder {
            region: None,
            environment_region: None,
            credentials: None,
            endpoint_url: None,
            product_endpoint_urls: Vec::new(),
            environment_endpoint_url: None,
            endpoints_from_environment: false,
            environment: Environment::process(),
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            read_timeout: DEFAULT_READ_TIMEOUT,
            call_timeout: None,
            retry_policy: RetryPolicy::default(),
            app_name: None,
            proxy: ProxySetting::FromEnvironment,
            max_response_body_size: DEFAULT_MAX_RESPONSE_BODY_SIZE,
            clock_skew_correction: true,
            transport: None,
            time_source: None,
        }
    }
}

impl fmt::Debug for ConfigBuilder {
    // Endpoint URLs are shown as given but with any user info hidden (they are not checked
    // until `build`, and one with a password is refused there).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let products: Vec<_> = self
            .product_endpoint_urls
            .iter()
            .map(|(id, url)| (id, redact_userinfo(url)))
            .collect();
        f.debug_struct("ConfigBuilder")
            .field("region", &self.region)
            .field("environment_region", &self.environment_region)
            .field("credentials", &self.credentials)
            .field(
                "endpoint_url",
                &self.endpoint_url.as_deref().map(redact_userinfo),
            )
            .field("product_endpoint_urls", &products)
            .field("environment_endpoint_url", &self.environment_endpoint_url)
            .field("environment", &self.environment)
            .field("connect_timeout", &self.connect_timeout)
            .field("read_timeout", &self.read_timeout)
            .field("call_timeout", &self.call_timeout)
            .field("retry_policy", &self.retry_policy)
            .field("app_name", &self.app_name)
            .field("proxy", &self.proxy)
            .field("max_response_body_size", &self.max_response_body_size)
            .field("clock_skew_correction", &self.clock_skew_correction)
            .field("transport", &self.transport)
            .finish_non_exhaustive()
    }
}

impl ConfigBuilder {
    /// A builder loaded from `env` (see [`Config::from_environment`]); explicit settings made
    /// on it afterwards win.
    pub fn from_environment(env: &Environment) -> Result<ConfigBuilder, ConfigError> {
        let environment_region = env
            .first_var(&REGION_VARS)
            .map(|(_, region)| region.trim().to_owned())
            .or_else(|| cli_profile_region(env));
        let environment_endpoint_url = env
            .var(ENDPOINT_URL_VAR)
            .map(|url| {
                Endpoint::parse(&url)
                    .map_err(|e| ConfigError::new(format!("{ENDPOINT_URL_VAR}: {}", e.message())))
            })
            .transpose()?;
        Ok(ConfigBuilder {
            environment_region,
            environment_endpoint_url,
            endpoints_from_environment: true,
            environment: env.clone(),
            ..ConfigBuilder::default()
        })
    }

    /// Sets the region (e.g. `cn-hangzhou`). Without one, products use their central endpoint.
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }

    /// Sets the credentials provider: fixed [`Credentials`](crate::Credentials), or any
    /// provider. Default: the default chain (environment, OIDC, CLI profile, credentials file,
    /// ECS RAM role), consulted on the first call.
    ///
    /// This crate's providers that fetch on every request (STS `AssumeRole`, the metadata
    /// service, OIDC, the CLI profile and the credentials file) are put behind a
    /// [`CredentialsCache`] here, as the default chain is, so that a call does not cost a
    /// round trip to STS. Other providers are used as given: wrap one in a
    /// [`CredentialsCache`] yourself if it should be cached.
    pub fn credentials_provider(mut self, provider: impl ProvideCredentials + 'static) -> Self {
        self.credentials = Some(cached_if_fetching(provider));
        self
    }

    /// Sets a credentials provider shared with other code.
    pub fn shared_credentials_provider(mut self, provider: Arc<dyn ProvideCredentials>) -> Self {
        self.credentials = Some(provider);
        self
    }

    /// Sets the endpoint for every product: `https://host`, `http://host:port` (the local
    /// emulator), or a bare host (meaning `https`). Checked by [`ConfigBuilder::build`].
    pub fn endpoint_url(mut self, url: impl Into<String>) -> Self {
        self.endpoint_url = Some(url.into());
        self
    }

    /// Sets the endpoint for one product, named by its
    /// [`ProductMetadata::env_id`](crate::ProductMetadata::env_id) (e.g. `ECS`). Wins over
    /// [`ConfigBuilder::endpoint_url`].
    pub fn product_endpoint_url(
        mut self,
        env_id: impl Into<String>,
        url: impl Into<String>,
    ) -> Self {
        self.product_endpoint_urls.push((env_id.into(), url.into()));
        self
    }

    /// Sets the time allowed to open a connection (default 5 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Sets the time allowed for one attempt, from sending the request to the last body byte
    /// (default 10 s).
    pub fn read_timeout(mut self, timeout: Duration) -> Self {
        self.read_timeout = timeout;
        self
    }

    /// Sets a deadline for a whole call, retries and backoff included (default none).
    pub fn call_timeout(mut self, timeout: Duration) -> Self {
        self.call_timeout = Some(timeout);
        self
    }

    /// Sets the retry policy (default [`RetryPolicy::default`]).
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry_policy = policy;
        self
    }

    /// Appends `app` to the user agent: `aliyun-rs/<version> <app>`.
    pub fn app_name(mut self, app: impl Into<String>) -> Self {
        self.app_name = Some(app.into());
        self
    }

    /// Sends every request through the proxy at `url` (instead of the one the standard
    /// variables name). Loopback hosts never use a proxy.
    pub fn proxy(mut self, url: impl Into<String>) -> Self {
        self.proxy = ProxySetting::Explicit(ProxyConfig::all(url));
        self
    }

    /// Sets the proxies in detail.
    pub fn proxy_config(mut self, proxy: ProxyConfig) -> Self {
        self.proxy = ProxySetting::Explicit(proxy);
        self
    }

    /// Uses no proxy, whatever the environment says.
    pub fn no_proxy(mut self) -> Self {
        self.proxy = ProxySetting::Explicit(ProxyConfig::none());
        self
    }

    /// Sets the cap on response bodies, in bytes (default 8 MiB). A larger body fails the call
    /// with a response error instead of filling memory.
    pub fn max_response_body_size(mut self, bytes: usize) -> Self {
        self.max_response_body_size = bytes;
        self
    }

    /// Turns clock-skew correction on or off (default on). When on, a timestamp refused as
    /// expired makes the client learn the offset from the response's `Date` header and send
    /// the request once more at once; when off, the error reports the skew.
    pub fn clock_skew_correction(mut self, enabled: bool) -> Self {
        self.clock_skew_correction = enabled;
        self
    }

    /// Sends requests through `transport` instead of the default reqwest one (tests, custom
    /// HTTP stacks). Proxy, connect timeout and body cap settings are then the transport's
    /// business; the body cap is still checked on what it returns.
    pub fn transport(mut self, transport: impl HttpTransport + 'static) -> Self {
        self.transport = Some(Arc::new(transport));
        self
    }

    /// Sends requests through a transport shared with other code.
    pub fn shared_transport(mut self, transport: Arc<dyn HttpTransport>) -> Self {
        self.transport = Some(transport);
        self
    }

    /// Reads proxy variables and the default credentials chain's sources from `env` instead
    /// of the process environment.
    pub fn environment(mut self, env: Environment) -> Self {
        self.environment = env;
        self
    }

    /// Takes the current time from `source` instead of the system clock (tests).
    pub fn time_source(mut self, source: impl TimeSource + 'static) -> Self {
        self.time_source = Some(Arc::new(source));
        self
    }

    /// Checks the settings and builds the config (and, unless a transport was given, the HTTP
    /// client with its connection pool).
    pub fn build(self) -> Result<Config, ConfigError> {
        let region = self.region.or(self.environment_region);
        if let Some(region) = &region {
            if !is_valid_region(region) {
                return Err(ConfigError::new(format!(
                    "region {region:?} is invalid: use a region id such as `cn-hangzhou`"
                )));
            }
        }
        for (name, duration) in [
            ("connect timeout", Some(self.connect_timeout)),
            ("read timeout", Some(self.read_timeout)),
            ("call timeout", self.call_timeout),
        ] {
            if duration == Some(Duration::ZERO) {
                return Err(ConfigError::new(format!("the {name} must not be zero")));
            }
        }
        if self.max_response_body_size == 0 {
            return Err(ConfigError::new("the response body cap must not be zero"));
        }
        let endpoints = EndpointOverrides {
            explicit_products: self
                .product_endpoint_urls
                .iter()
                .map(|(id, url)| {
                    Endpoint::parse(url).map(|e| (id.clone(), e)).map_err(|e| {
                        ConfigError::new(format!("endpoint for {id}: {}", e.message()))
                    })
                })
                .collect::<Result<_, _>>()?,
            explicit_all: self
                .endpoint_url
                .as_deref()
                .map(Endpoint::parse)
                .transpose()?,
            environment: self
                .endpoints_from_environment
                .then(|| self.environment.clone()),
            environment_all: self.environment_endpoint_url,
        };

        let user_agent = user_agent(self.app_name.as_deref())?;
        let (transport, proxy): (Arc<dyn HttpTransport>, _) = match self.transport {
            Some(transport) => (transport, None),
            None => {
                let proxy = match self.proxy {
                    ProxySetting::FromEnvironment => {
                        ProxyConfig::from_environment(&self.environment)
                    }
                    ProxySetting::Explicit(proxy) => proxy,
                };
                let transport = ReqwestTransport::builder()
                    .connect_timeout(self.connect_timeout)
                    .max_body_size(self.max_response_body_size)
                    .proxy(proxy.clone())
                    .user_agent(user_agent.to_str().unwrap_or_default())
                    .build()?;
                (Arc::new(transport), Some(proxy))
            }
        };
        let credentials = match self.credentials {
            Some(credentials) => credentials,
            None => default_credentials_chain(self.environment.clone(), transport.clone()),
        };
        let clock = SkewedClock::new(self.time_source.unwrap_or_else(|| Arc::new(SystemClock)));
        Ok(Config {
            inner: Arc::new(ConfigInner {
                region,
                credentials,
                endpoints,
                connect_timeout: self.connect_timeout,
                read_timeout: self.read_timeout,
                call_timeout: self.call_timeout,
                retry_policy: self.retry_policy,
                user_agent,
                max_response_body_size: self.max_response_body_size,
                clock_skew_correction: self.clock_skew_correction,
                transport,
                clock,
                proxy,
            }),
        })
    }
}

/// `aliyun-rs/<version>`, plus the app name.
fn user_agent(app_name: Option<&str>) -> Result<HeaderValue, ConfigError> {
    let base = concat!("aliyun-rs/", env!("CARGO_PKG_VERSION"));
    match app_name.map(str::trim).filter(|a| !a.is_empty()) {
        None => Ok(HeaderValue::from_static(base)),
        Some(app) => HeaderValue::from_str(&format!("{base} {app}")).map_err(|_| {
            ConfigError::new(format!(
                "app name {app:?} cannot go in a User-Agent header (use visible ASCII)"
            ))
        }),
    }
}

/// The region of the `aliyun` CLI profile in `env`, if any.
fn cli_profile_region(env: &Environment) -> Option<String> {
    crate::credentials::cli_profile_region(env)
        .map(|region| region.trim().to_owned())
        .filter(|region| !region.is_empty())
}

/// `provider`, behind a [`CredentialsCache`] when it is one of this crate's providers that
/// fetch anew on every call (a type known here, so user providers keep their own semantics).
fn cached_if_fetching<P: ProvideCredentials + 'static>(provider: P) -> Arc<dyn ProvideCredentials> {
    use crate::credentials::{
        CliProfileProvider, EcsRamRoleProvider, IniFileProvider, OidcProvider, RamRoleArnProvider,
    };
    use std::any::TypeId;
    let fetching = [
        TypeId::of::<RamRoleArnProvider>(),
        TypeId::of::<EcsRamRoleProvider>(),
        TypeId::of::<OidcProvider>(),
        TypeId::of::<CliProfileProvider>(),
        TypeId::of::<IniFileProvider>(),
    ];
    if fetching.contains(&TypeId::of::<P>()) {
        Arc::new(CredentialsCache::new(provider))
    } else {
        Arc::new(provider)
    }
}

/// The default credentials chain reading `env`, with `transport` for the metadata service and
/// STS. Building it reads nothing: sources are consulted on the first call.
fn default_credentials_chain(
    env: Environment,
    transport: Arc<dyn HttpTransport>,
) -> Arc<dyn ProvideCredentials> {
    Arc::new(crate::credentials::DefaultCredentialsChain::new(
        env, transport,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Credentials;

    #[test]
    fn fetching_providers_are_cached_and_others_kept() {
        let transport: Arc<dyn HttpTransport> = Arc::new(crate::testing::CaptureTransport::new());
        let ecs = crate::credentials::EcsRamRoleProvider::new(transport);
        let config = Config::builder()
            .credentials_provider(ecs)
            .transport(crate::testing::CaptureTransport::new())
            .build()
            .unwrap();
        assert!(
            format!("{:?}", config.credentials_provider()).starts_with("CredentialsCache"),
            "{config:?}"
        );
        let config = Config::builder()
            .credentials_provider(Credentials::new("id", "s3cr3t-value"))
            .transport(crate::testing::CaptureTransport::new())
            .build()
            .unwrap();
        assert!(format!("{:?}", config.credentials_provider()).starts_with("Credentials {"));
    }

    #[test]
    fn debug_of_builder_and_config_hides_secrets_and_passwords() {
        let builder = Config::builder()
            .credentials_provider(Credentials::new("id", "s3cr3t-value"))
            .endpoint_url("https://user:hunter2@host")
            .product_endpoint_url("ECS", "http://u:pw2@h")
            .proxy("http://proxyuser:proxypass@proxy:3128");
        let text = format!("{builder:?}");
        for secret in ["s3cr3t-value", "hunter2", "pw2", "proxypass"] {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
        let config = Config::builder()
            .credentials_provider(Credentials::new("id", "s3cr3t-value"))
            .proxy("http://proxyuser:proxypass@proxy:3128")
            .build()
            .unwrap();
        let text = format!("{config:?}");
        for secret in ["s3cr3t-value", "proxypass"] {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
    }

    #[test]
    fn zero_limits_are_refused() {
        let zero = Duration::ZERO;
        assert!(Config::builder().read_timeout(zero).build().is_err());
        assert!(Config::builder().connect_timeout(zero).build().is_err());
        assert!(Config::builder().call_timeout(zero).build().is_err());
        assert!(Config::builder().max_response_body_size(0).build().is_err());
    }

    #[test]
    fn defaults_match_the_documentation() {
        let config = Config::builder().no_proxy().build().unwrap();
        assert_eq!(config.connect_timeout(), Duration::from_secs(5));
        assert_eq!(config.read_timeout(), Duration::from_secs(10));
        assert_eq!(config.call_timeout(), None);
        assert_eq!(config.retry_policy(), &RetryPolicy::default());
        assert_eq!(config.max_response_body_size(), 8 * 1024 * 1024);
        assert!(config.clock_skew_correction());
        assert_eq!(config.region(), None);
        assert_eq!(config.clock_offset_millis(), 0);
    }
}
