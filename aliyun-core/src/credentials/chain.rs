//! Chains of credential sources, and the default chain in the official order. The skip/stop
//! rule is on [`CredentialsChain`].

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::future::BoxFuture;

use super::{
    CliProfileProvider, Credentials, CredentialsCache, CredentialsError, CredentialsErrorKind,
    EcsRamRoleProvider, EnvironmentProvider, IniFileProvider, OidcProvider, ProvideCredentials,
    SkippedSource,
};
use crate::env::Environment;
use crate::transport::HttpTransport;

/// Tries providers in order. Does not cache: wrap it in a [`CredentialsCache`], as
/// [`DefaultCredentialsChain`] does.
///
/// # How a chain decides
///
/// Sources are tried in order. A source that is **not configured** (its variables unset, its
/// file absent, disabled) is skipped, and the reason recorded. A source that **is configured
/// but fails** (a malformed file, STS refusing the role, a half-set variable pair) stops the
/// chain with its own error: the official SDKs do the same, and it is what a user wants, since
/// silently falling through to another identity would hide the mistake and may sign requests
/// as someone else. When every source is skipped the error lists each one with its reason.
#[derive(Debug, Clone, Default)]
pub struct CredentialsChain {
    providers: Vec<Arc<dyn ProvideCredentials>>,
}

impl CredentialsChain {
    /// An empty chain (it finds nothing).
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends `provider`.
    pub fn with(mut self, provider: impl ProvideCredentials + 'static) -> Self {
        self.providers.push(Arc::new(provider));
        self
    }

    /// Appends an already shared provider.
    pub fn with_arc(mut self, provider: Arc<dyn ProvideCredentials>) -> Self {
        self.providers.push(provider);
        self
    }

    async fn resolve(&self) -> Result<Credentials, CredentialsError> {
        let mut skipped: Vec<SkippedSource> = Vec::new();
        for provider in &self.providers {
            match provider.provide_credentials().await {
                Ok(credentials) => {
                    tracing::debug!(
                        provider = credentials.provider_name(),
                        skipped = skipped.len(),
                        "credentials found"
                    );
                    return Ok(credentials);
                }
                Err(error) if error.is_not_configured() => {
                    tracing::debug!(reason = %error, "credentials source skipped");
                    if error.sources_tried().is_empty() {
                        skipped.push(SkippedSource {
                            source: error.provider().unwrap_or("unnamed"),
                            reason: error.message().to_owned(),
                        });
                    } else {
                        skipped.extend(error.sources_tried().iter().cloned());
                    }
                }
                Err(error) => return Err(error),
            }
        }
        Err(CredentialsError::not_found(skipped))
    }
}

impl ProvideCredentials for CredentialsChain {
    fn provide_credentials(&self) -> BoxFuture<'_, Result<Credentials, CredentialsError>> {
        Box::pin(self.resolve())
    }
}

/// The default chain, in the official SDKs' order, behind a [`CredentialsCache`], with the
/// skip/stop rule of [`CredentialsChain`]:
///
/// 1. environment variables ([`EnvironmentProvider`]);
/// 2. OIDC / RRSA ([`OidcProvider::from_env`]);
/// 3. the aliyun CLI profile `~/.aliyun/config.json` ([`CliProfileProvider`]);
/// 4. the ini file `~/.alibabacloud/credentials` ([`IniFileProvider`]);
/// 5. the ECS instance RAM role ([`EcsRamRoleProvider::from_env`]). When no role is named
///    (`ALIBABA_CLOUD_ECS_METADATA`), an unreachable metadata service counts as "not
///    configured", so off ECS the chain ends with a list of skipped sources, not a timeout.
///
/// Configuration is read when credentials are first needed and again at each refresh of
/// temporary credentials; long-lived AccessKeys found once are kept for the chain's life.
///
/// When **no** source has credentials, that outcome is remembered for
/// [`NOTHING_FOUND_RETRY_AFTER`]: off ECS, asking the metadata service takes up to a second or
/// two (its timeouts), and without the memory every call would pay it again before failing
/// with the same error. Calls in that window fail at once with the remembered error; the first
/// call after it looks again (so credentials provided meanwhile are found within seconds).
/// Errors of a configured source (a broken file, STS refusing a role) are not remembered.
#[derive(Debug)]
pub struct DefaultCredentialsChain {
    cache: CredentialsCache,
}

impl DefaultCredentialsChain {
    /// The default chain reading `env`, calling STS and the metadata service through
    /// `transport`.
    pub fn new(env: Environment, transport: Arc<dyn HttpTransport>) -> Self {
        let oidc = FromEnv {
            name: "oidc",
            build: {
                let env = env.clone();
                let transport = transport.clone();
                Box::new(move || {
                    OidcProvider::from_env(&env, transport.clone())
                        .map(|p| Arc::new(p) as Arc<dyn ProvideCredentials>)
                })
            },
        };
        let ecs = FromEnv {
            name: "ecs_ram_role",
            build: {
                let env = env.clone();
                let transport = transport.clone();
                Box::new(move || {
                    EcsRamRoleProvider::from_env(&env, transport.clone()).map(|p| {
                        let implicit = p.role_name().is_none();
                        Arc::new(p.with_unreachable_as_not_configured(implicit))
                            as Arc<dyn ProvideCredentials>
                    })
                })
            },
        };
        let chain = CredentialsChain::new()
            .with(EnvironmentProvider::new(env.clone()))
            .with(oidc)
            .with(CliProfileProvider::new(env.clone(), transport.clone()))
            .with(IniFileProvider::new(env, transport))
            .with(ecs);
        DefaultCredentialsChain {
            cache: CredentialsCache::new(RememberNothingFound {
                chain,
                last: Mutex::new(None),
            }),
        }
    }

    /// The default chain over the process environment and file system.
    pub fn from_process_env(transport: Arc<dyn HttpTransport>) -> Self {
        Self::new(Environment::process(), transport)
    }

    /// The cache in front of the chain (e.g. to [`CredentialsCache::invalidate`] it).
    pub fn cache(&self) -> &CredentialsCache {
        &self.cache
    }
}

impl ProvideCredentials for DefaultCredentialsChain {
    fn provide_credentials(&self) -> BoxFuture<'_, Result<Credentials, CredentialsError>> {
        self.cache.provide_credentials()
    }
}

/// How long [`DefaultCredentialsChain`] remembers that no source had credentials.
pub const NOTHING_FOUND_RETRY_AFTER: Duration = Duration::from_secs(10);

/// A chain that remembers a "nothing found" outcome for [`NOTHING_FOUND_RETRY_AFTER`] (tokio
/// time, so a paused test clock moves it).
#[derive(Debug)]
struct RememberNothingFound {
    chain: CredentialsChain,
    last: Mutex<Option<(tokio::time::Instant, CredentialsError)>>,
}

impl RememberNothingFound {
    fn remembered(&self) -> Option<CredentialsError> {
        let last = self.last.lock().unwrap_or_else(|e| e.into_inner());
        last.as_ref()
            .filter(|(at, _)| at.elapsed() < NOTHING_FOUND_RETRY_AFTER)
            .map(|(_, error)| error.clone())
    }
}

impl ProvideCredentials for RememberNothingFound {
    fn provide_credentials(&self) -> BoxFuture<'_, Result<Credentials, CredentialsError>> {
        Box::pin(async move {
            if let Some(error) = self.remembered() {
                tracing::trace!("no credentials source had credentials moments ago");
                return Err(error);
            }
            let outcome = self.chain.provide_credentials().await;
            let remember = match &outcome {
                Err(error) if error.kind() == CredentialsErrorKind::NotFound => {
                    Some((tokio::time::Instant::now(), error.clone()))
                }
                _ => None,
            };
            *self.last.lock().unwrap_or_else(|e| e.into_inner()) = remember;
            outcome
        })
    }
}

type Build = Box<dyn Fn() -> Result<Arc<dyn ProvideCredentials>, CredentialsError> + Send + Sync>;

/// A provider configured from the environment at each fetch, so the chain sees the
/// environment as it is when credentials are needed rather than when it was built.
struct FromEnv {
    name: &'static str,
    build: Build,
}

impl fmt::Debug for FromEnv {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("FromEnv").field(&self.name).finish()
    }
}

impl ProvideCredentials for FromEnv {
    fn provide_credentials(&self) -> BoxFuture<'_, Result<Credentials, CredentialsError>> {
        Box::pin(async move {
            let provider = (self.build)()?;
            provider.provide_credentials().await
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credentials::CredentialsErrorKind;
    use crate::credentials::test_support::{FakeTransport, LoopbackServer, Reply, TcpTransport};
    use crate::transport::TransportErrorKind;

    const CLI_PATH: &str = "/home/test/.aliyun/config.json";
    const INI_PATH: &str = "/home/test/.alibabacloud/credentials";
    const CLI: &str = r#"{"current":"default","profiles":[{"name":"default","mode":"AK","access_key_id":"cli-id","access_key_secret":"cli-s3cr3t"}]}"#;
    const INI: &str =
        "[default]\ntype = access_key\naccess_key_id = ini-id\naccess_key_secret = ini-s3cr3t\n";

    fn refused() -> Arc<FakeTransport> {
        FakeTransport::failing(TransportErrorKind::Connect)
    }

    async fn id_from(env: Environment, transport: Arc<FakeTransport>) -> String {
        DefaultCredentialsChain::new(env, transport)
            .provide_credentials()
            .await
            .unwrap()
            .access_key_id()
            .to_owned()
    }

    #[tokio::test]
    async fn environment_wins_over_files() {
        let env = Environment::fake([
            ("ALIBABA_CLOUD_ACCESS_KEY_ID", "env-id"),
            ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "env-s3cr3t"),
        ])
        .with_file(CLI_PATH, CLI)
        .with_file(INI_PATH, INI);
        assert_eq!(id_from(env, refused()).await, "env-id");
    }

    #[tokio::test]
    async fn cli_profile_wins_over_ini_file() {
        let env = Environment::fake::<&str, &str>([])
            .with_file(CLI_PATH, CLI)
            .with_file(INI_PATH, INI);
        assert_eq!(id_from(env, refused()).await, "cli-id");
    }

    #[tokio::test]
    async fn ini_file_is_used_when_alone() {
        let env = Environment::fake::<&str, &str>([]).with_file(INI_PATH, INI);
        assert_eq!(id_from(env, refused()).await, "ini-id");
    }

    #[tokio::test]
    async fn oidc_wins_over_profile_files() {
        let ok = r#"{"Credentials":{"AccessKeyId":"STS.oidc","AccessKeySecret":"x","SecurityToken":"y","Expiration":"2030-01-01T00:00:00Z"}}"#;
        let transport = FakeTransport::new(move |_| Reply::Respond(200, ok.into()));
        let env = Environment::fake([
            ("ALIBABA_CLOUD_ROLE_ARN", "acs:ram::1:role/r"),
            (
                "ALIBABA_CLOUD_OIDC_PROVIDER_ARN",
                "acs:ram::1:oidc-provider/p",
            ),
            ("ALIBABA_CLOUD_OIDC_TOKEN_FILE", "/token"),
        ])
        .with_file("/token", "jwt")
        .with_file(CLI_PATH, CLI);
        assert_eq!(id_from(env, transport.clone()).await, "STS.oidc");
        assert!(transport.requests()[0].url.contains("AssumeRoleWithOIDC"));
    }

    #[tokio::test]
    async fn ecs_metadata_is_the_last_resort() {
        let server = LoopbackServer::start(|r| match r.path.as_str() {
            "/latest/api/token" => Some((200, "tok".into())),
            "/latest/meta-data/ram/security-credentials/" => Some((200, "Role".into())),
            _ => Some((
                200,
                r#"{"Code":"Success","AccessKeyId":"STS.ecs","AccessKeySecret":"x","SecurityToken":"y","Expiration":"2030-01-01T00:00:00Z"}"#
                    .into(),
            )),
        })
        .await;
        // The default chain uses the real metadata address; point a hand-built chain with the
        // same sources at the loopback server instead.
        let env = Environment::fake::<&str, &str>([]);
        let transport: Arc<dyn HttpTransport> = Arc::new(TcpTransport);
        let chain = CredentialsChain::new()
            .with(EnvironmentProvider::new(env.clone()))
            .with(CliProfileProvider::new(env.clone(), transport.clone()))
            .with(IniFileProvider::new(env, transport.clone()))
            .with(EcsRamRoleProvider::new(transport).with_endpoint(&server.base_url));
        let creds = chain.provide_credentials().await.unwrap();
        assert_eq!(creds.access_key_id(), "STS.ecs");
    }

    #[tokio::test]
    async fn nothing_found_lists_every_source_and_reason() {
        let env = Environment::fake([("ALIBABA_CLOUD_ROLE_ARN", "acs:ram::1:role/r")]);
        let error = DefaultCredentialsChain::new(env, refused())
            .provide_credentials()
            .await
            .unwrap_err();
        assert_eq!(error.kind(), CredentialsErrorKind::NotFound);
        let sources: Vec<&str> = error.sources_tried().iter().map(|s| s.source).collect();
        assert_eq!(
            sources,
            [
                "environment",
                "oidc",
                "cli_profile",
                "ini_file",
                "ecs_ram_role"
            ]
        );
        let text = error.to_string();
        for expected in [
            "environment: ALIBABA_CLOUD_ACCESS_KEY_ID is not set",
            "oidc: ALIBABA_CLOUD_OIDC_PROVIDER_ARN, ALIBABA_CLOUD_OIDC_TOKEN_FILE are not set",
            "cli_profile: /home/test/.aliyun/config.json does not exist",
            "ini_file: /home/test/.alibabacloud/credentials does not exist",
            "ecs_ram_role: not on ECS?",
        ] {
            assert!(text.contains(expected), "missing {expected:?} in {text}");
        }
    }

    #[tokio::test(start_paused = true)]
    async fn nothing_found_is_remembered_briefly() {
        // Off ECS: every metadata request waits out its timeout.
        let transport = FakeTransport::hanging();
        let chain =
            DefaultCredentialsChain::new(Environment::fake::<&str, &str>([]), transport.clone());
        let started = tokio::time::Instant::now();
        let first = chain.provide_credentials().await.unwrap_err();
        assert_eq!(first.kind(), CredentialsErrorKind::NotFound);
        let asked = transport.requests().len();
        assert!(asked > 0);
        assert!(
            started.elapsed() >= Duration::from_millis(900),
            "{:?}",
            started.elapsed()
        );

        // Within the window: the same error at once, nothing asked.
        let again = tokio::time::Instant::now();
        let second = chain.provide_credentials().await.unwrap_err();
        assert_eq!(second.to_string(), first.to_string());
        assert_eq!(again.elapsed(), Duration::ZERO);
        assert_eq!(transport.requests().len(), asked);

        // After it: the sources are asked again.
        tokio::time::advance(NOTHING_FOUND_RETRY_AFTER).await;
        chain.provide_credentials().await.unwrap_err();
        assert_eq!(transport.requests().len(), 2 * asked);
    }

    #[tokio::test]
    async fn disabled_metadata_is_listed_as_skipped() {
        let transport = FakeTransport::hanging();
        let env = Environment::fake([("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true")]);
        let error = DefaultCredentialsChain::new(env, transport.clone())
            .provide_credentials()
            .await
            .unwrap_err();
        assert!(
            error.to_string().contains("ecs_ram_role: disabled by"),
            "{error}"
        );
        assert!(transport.requests().is_empty());
    }

    /// The CI backstop (`.ci/run` exports `ALIBABA_CLOUD_ECS_METADATA_DISABLED=true`) holds for
    /// the chain every config gets by default: with nothing else configured it ends at once,
    /// listing the metadata source as disabled, and nothing is sent anywhere.
    #[tokio::test]
    async fn the_default_chain_of_a_config_sends_nothing_when_metadata_is_disabled() {
        for value in ["true", "TRUE", "True"] {
            let env = Environment::fake([("ALIBABA_CLOUD_ECS_METADATA_DISABLED", value)]);
            let transport = crate::testing::CaptureTransport::new();
            let config = crate::ConfigBuilder::from_environment(&env)
                .expect("builder")
                .region("cn-hangzhou")
                .transport(transport.clone())
                .build()
                .expect("config");
            let error = config
                .credentials_provider()
                .provide_credentials()
                .await
                .unwrap_err();
            assert_eq!(error.kind(), CredentialsErrorKind::NotFound, "{value}");
            assert!(
                error
                    .to_string()
                    .contains("ecs_ram_role: disabled by ALIBABA_CLOUD_ECS_METADATA_DISABLED=true"),
                "{error}"
            );
            assert_eq!(transport.request_count(), 0, "{value}");
        }
    }

    #[tokio::test]
    async fn configured_but_broken_source_stops_the_chain() {
        let env =
            Environment::fake([("ALIBABA_CLOUD_ACCESS_KEY_ID", "env-id")]).with_file(INI_PATH, INI);
        let error = DefaultCredentialsChain::new(env, refused())
            .provide_credentials()
            .await
            .unwrap_err();
        assert_eq!(error.kind(), CredentialsErrorKind::InvalidConfiguration);
        assert!(error.to_string().starts_with("environment:"), "{error}");

        let env = Environment::fake::<&str, &str>([])
            .with_file(CLI_PATH, "{oops")
            .with_file(INI_PATH, INI);
        let error = DefaultCredentialsChain::new(env, refused())
            .provide_credentials()
            .await
            .unwrap_err();
        assert!(error.to_string().contains(CLI_PATH), "{error}");
    }

    #[tokio::test]
    async fn results_are_cached() {
        let transport = FakeTransport::new(|_| {
            Reply::Respond(
                200,
                r#"{"Credentials":{"AccessKeyId":"STS.r","AccessKeySecret":"x","SecurityToken":"y","Expiration":"2099-01-01T00:00:00Z"}}"#
                    .into(),
            )
        });
        let env = Environment::fake::<&str, &str>([]).with_file(
            INI_PATH,
            "[default]\ntype = ram_role_arn\naccess_key_id = a\naccess_key_secret = b\nrole_arn = r\n",
        );
        let chain = DefaultCredentialsChain::new(env, transport.clone());
        for _ in 0..5 {
            assert_eq!(
                chain.provide_credentials().await.unwrap().access_key_id(),
                "STS.r"
            );
        }
        assert_eq!(transport.requests().len(), 1);
    }

    #[tokio::test]
    async fn debug_and_errors_hold_no_secret() {
        let env = Environment::fake([
            ("ALIBABA_CLOUD_ACCESS_KEY_ID", "env-id"),
            ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "env-s3cr3t"),
            ("ALIBABA_CLOUD_SECURITY_TOKEN", "env-t0ken"),
        ]);
        let chain = DefaultCredentialsChain::new(env, refused());
        let creds = chain.provide_credentials().await.unwrap();
        for text in [format!("{chain:?}"), format!("{creds:?}")] {
            assert!(
                !text.contains("env-s3cr3t") && !text.contains("env-t0ken"),
                "{text}"
            );
        }
    }
}
