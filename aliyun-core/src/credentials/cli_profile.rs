//! Credentials from the aliyun CLI's profile file, `~/.aliyun/config.json`.
//!
//! The profile is `ALIBABA_CLOUD_PROFILE` if set, else the file's `current`, else `default`.
//! Modes: `AK`, `StsToken`, `RamRoleArn`, `ChainableRamRoleArn` (source profile + role),
//! `EcsRamRole` and `OIDC`. `ALIBABA_CLOUD_CLI_PROFILE_DISABLED=true` turns the source off.
//! The role modes read `ram_session_name`, `expired_seconds`, `policy`, `sts_region` and
//! `enable_vpc`, and the `AssumeRole` ones `external_id` (the same options as the ini file's,
//! through one mapping: [`super::profile`]).
//!
//! The file is read each time credentials are fetched (under the default chain's cache, that
//! is once per refresh), so `aliyun configure` changes are picked up.

use std::path::PathBuf;
use std::sync::Arc;

use futures_util::future::BoxFuture;
use serde_json::{Map, Value};

use super::profile::{ProfileSource, RoleSettings};
use super::sts::classify_json_error;
use super::{Credentials, CredentialsError, ProvideCredentials};
use crate::env::Environment;
use crate::transport::HttpTransport;

const PROVIDER: &str = "cli_profile";
/// Longest `ChainableRamRoleArn` chain followed, to stop cycles.
const MAX_CHAIN_DEPTH: usize = 5;

/// The profile file's path: `<home>/.aliyun/config.json`.
pub fn cli_config_path(env: &Environment) -> Option<PathBuf> {
    env.home_dir()
        .map(|home| home.join(".aliyun").join("config.json"))
}

/// The selected profile's `region_id`, if the file, the profile and the field exist (for
/// `Config::from_env`). Never fails: an unreadable file simply has no region.
pub fn cli_profile_region(env: &Environment) -> Option<String> {
    let file = CliFile::load(env).ok()?;
    let name = file.selected_name(env, None);
    let profile = file.profile(&name)?;
    field(profile, "region_id")
}

/// Reads credentials from the aliyun CLI profile file.
#[derive(Debug, Clone)]
pub struct CliProfileProvider {
    env: Environment,
    transport: Arc<dyn HttpTransport>,
    profile: Option<String>,
}

impl CliProfileProvider {
    /// Reads `~/.aliyun/config.json` through `env`; STS and metadata calls (for role modes)
    /// go through `transport`.
    pub fn new(env: Environment, transport: Arc<dyn HttpTransport>) -> Self {
        CliProfileProvider {
            env,
            transport,
            profile: None,
        }
    }

    /// Uses profile `name` instead of `ALIBABA_CLOUD_PROFILE` / `current`.
    pub fn with_profile(mut self, name: impl Into<String>) -> Self {
        self.profile = Some(name.into());
        self
    }

    /// Resolves the selected profile into the provider that yields its credentials.
    pub fn resolve(&self) -> Result<Arc<dyn ProvideCredentials>, CredentialsError> {
        if self
            .env
            .var("ALIBABA_CLOUD_CLI_PROFILE_DISABLED")
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
        {
            return Err(CredentialsError::not_configured(
                PROVIDER,
                "disabled by ALIBABA_CLOUD_CLI_PROFILE_DISABLED=true",
            ));
        }
        let file = CliFile::load(&self.env)?;
        let name = file.selected_name(&self.env, self.profile.as_deref());
        if file.profile(&name).is_none() {
            return Err(CredentialsError::not_configured(
                PROVIDER,
                format!("{} has no profile named {name:?}", file.path.display()),
            ));
        }
        file.provider_for(&name, &self.env, &self.transport, 0)
    }
}

impl ProvideCredentials for CliProfileProvider {
    fn provide_credentials(&self) -> BoxFuture<'_, Result<Credentials, CredentialsError>> {
        Box::pin(async move {
            let provider = self.resolve()?;
            provider.provide_credentials().await
        })
    }
}

/// The parsed file. Fields are read from untyped JSON one by one, so a wrongly typed value
/// gives an error naming the field, never quoting its (possibly secret) value.
struct CliFile {
    path: PathBuf,
    root: Map<String, Value>,
}

impl Drop for CliFile {
    // The tree holds every profile's secrets as parsed text; the file's text itself is already
    // zeroized, and `Credentials` keep their own zeroized copies.
    fn drop(&mut self) {
        for value in self.root.values_mut() {
            super::zeroize_json(value);
        }
    }
}

impl CliFile {
    fn load(env: &Environment) -> Result<CliFile, CredentialsError> {
        let Some(path) = cli_config_path(env) else {
            return Err(CredentialsError::not_configured(
                PROVIDER,
                "home directory unknown",
            ));
        };
        let text = match env.read_file(&path) {
            Ok(text) => zeroize::Zeroizing::new(text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(CredentialsError::not_configured(
                    PROVIDER,
                    format!("{} does not exist", path.display()),
                ));
            }
            Err(e) => {
                return Err(CredentialsError::invalid_configuration(
                    PROVIDER,
                    format!("cannot read {}: {e}", path.display()),
                ));
            }
        };
        let root = match serde_json::from_str::<Value>(&text) {
            Ok(Value::Object(root)) => root,
            Ok(_) => {
                return Err(CredentialsError::invalid_configuration(
                    PROVIDER,
                    format!("{} is not a JSON object", path.display()),
                ));
            }
            Err(e) => {
                return Err(CredentialsError::invalid_configuration(
                    PROVIDER,
                    format!(
                        "{} is not valid: {} at line {} column {}",
                        path.display(),
                        classify_json_error(&e),
                        e.line(),
                        e.column()
                    ),
                ));
            }
        };
        Ok(CliFile { path, root })
    }

    fn selected_name(&self, env: &Environment, explicit: Option<&str>) -> String {
        explicit
            .map(str::to_owned)
            .or_else(|| env.var("ALIBABA_CLOUD_PROFILE"))
            .or_else(|| field(&self.root, "current"))
            .unwrap_or_else(|| "default".to_owned())
    }

    fn profile(&self, name: &str) -> Option<&Map<String, Value>> {
        self.root
            .get("profiles")?
            .as_array()?
            .iter()
            .filter_map(Value::as_object)
            .find(|p| field(p, "name").as_deref() == Some(name))
    }

    fn provider_for(
        &self,
        name: &str,
        env: &Environment,
        transport: &Arc<dyn HttpTransport>,
        depth: usize,
    ) -> Result<Arc<dyn ProvideCredentials>, CredentialsError> {
        let profile = self.profile(name).ok_or_else(|| {
            self.invalid(format!(
                "{} has no profile named {name:?}",
                self.path.display()
            ))
        })?;
        let mode = field(profile, "mode").unwrap_or_else(|| "AK".to_owned());
        let require = |key: &str| {
            field(profile, key).ok_or_else(|| {
                self.invalid(format!(
                    "{}: profile {name:?} (mode {mode}) has no {key} (a non-empty string)",
                    self.path.display()
                ))
            })
        };
        tracing::debug!(profile = name, mode = %mode, "credentials from the aliyun CLI profile");
        let source = match mode.as_str() {
            "AK" => ProfileSource::Static(Credentials::new(
                require("access_key_id")?,
                require("access_key_secret")?,
            )),
            "StsToken" => ProfileSource::Static(Credentials::new_sts(
                require("access_key_id")?,
                require("access_key_secret")?,
                require("sts_token")?,
                None,
            )),
            "RamRoleArn" => ProfileSource::RamRoleArn {
                source: Arc::new(Credentials::new(
                    require("access_key_id")?,
                    require("access_key_secret")?,
                )),
                role_arn: require("ram_role_arn")?,
                role: role_settings(profile),
                external_id: field(profile, "external_id"),
            },
            "ChainableRamRoleArn" => {
                let source_name = require("source_profile")?;
                if depth >= MAX_CHAIN_DEPTH {
                    return Err(self.invalid(format!(
                        "{}: profile {name:?} chains source profiles more than {MAX_CHAIN_DEPTH} deep (a cycle?)",
                        self.path.display()
                    )));
                }
                ProfileSource::RamRoleArn {
                    source: self.provider_for(&source_name, env, transport, depth + 1)?,
                    role_arn: require("ram_role_arn")?,
                    role: role_settings(profile),
                    external_id: field(profile, "external_id"),
                }
            }
            "EcsRamRole" => ProfileSource::EcsRamRole {
                role_name: field(profile, "ram_role_name"),
            },
            "OIDC" => ProfileSource::Oidc {
                role_arn: require("ram_role_arn")?,
                oidc_provider_arn: require("oidc_provider_arn")?,
                token_file: require("oidc_token_file")?.into(),
                role: role_settings(profile),
            },
            other => {
                return Err(self.invalid(format!(
                    "{}: profile {name:?} has mode {other:?}, which aliyun-rs does not support (supported: AK, StsToken, RamRoleArn, ChainableRamRoleArn, EcsRamRole, OIDC)",
                    self.path.display()
                )));
            }
        };
        Ok(source.into_provider(PROVIDER, env, transport))
    }

    fn invalid(&self, message: String) -> CredentialsError {
        CredentialsError::invalid_configuration(PROVIDER, message)
    }
}

/// The role keys of a `RamRoleArn`, `ChainableRamRoleArn` or `OIDC` profile.
fn role_settings(profile: &Map<String, Value>) -> RoleSettings {
    RoleSettings {
        session_name: field(profile, "ram_session_name"),
        duration_seconds: field(profile, "expired_seconds").and_then(|s| s.parse().ok()),
        policy: field(profile, "policy"),
        sts_region: field(profile, "sts_region"),
        enable_vpc: matches!(profile.get("enable_vpc"), Some(Value::Bool(true)))
            || field(profile, "enable_vpc").is_some_and(|v| v.eq_ignore_ascii_case("true")),
    }
}

/// A non-empty string field; numbers are accepted as their decimal text (the CLI writes
/// `expired_seconds` as a number).
fn field(object: &Map<String, Value>, key: &str) -> Option<String> {
    match object.get(key)? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credentials::CredentialsErrorKind;
    use crate::credentials::test_support::{FakeTransport, Reply, form_pairs, query_pairs};

    const PATH: &str = "/home/test/.aliyun/config.json";

    const CONFIG: &str = r#"{
        "current": "ak",
        "profiles": [
            {"name": "ak", "mode": "AK", "access_key_id": "cli-id", "access_key_secret": "cli-s3cr3t", "region_id": "cn-shanghai"},
            {"name": "sts", "mode": "StsToken", "access_key_id": "STS.cli", "access_key_secret": "cli-s3cr3t", "sts_token": "cli-t0ken", "region_id": ""},
            {"name": "role", "mode": "RamRoleArn", "access_key_id": "cli-id", "access_key_secret": "cli-s3cr3t", "ram_role_arn": "acs:ram::1:role/r", "ram_session_name": "cli-session", "expired_seconds": 1800, "sts_region": "cn-hangzhou"},
            {"name": "chain", "mode": "ChainableRamRoleArn", "source_profile": "ak", "ram_role_arn": "acs:ram::1:role/c"},
            {"name": "loop", "mode": "ChainableRamRoleArn", "source_profile": "loop", "ram_role_arn": "acs:ram::1:role/c"},
            {"name": "ecs", "mode": "EcsRamRole", "ram_role_name": "EcsRole"},
            {"name": "narrow", "mode": "RamRoleArn", "access_key_id": "cli-id", "access_key_secret": "cli-s3cr3t", "ram_role_arn": "acs:ram::1:role/r", "policy": "{\"Statement\":[]}", "external_id": "ext-1", "sts_region": "cn-beijing", "enable_vpc": true},
            {"name": "oidc", "mode": "OIDC", "ram_role_arn": "acs:ram::1:role/o", "oidc_provider_arn": "acs:ram::1:oidc-provider/p", "oidc_token_file": "/var/token", "ram_session_name": "oidc-session", "expired_seconds": 1200, "policy": "{\"Statement\":[]}"},
            {"name": "half", "mode": "AK", "access_key_id": "cli-id"},
            {"name": "weird", "mode": "External"}
        ]
    }"#;

    const STS_OK: &str = r#"{"RequestId":"R","Credentials":{"AccessKeyId":"STS.role","AccessKeySecret":"role-s3cr3t","SecurityToken":"role-t0ken","Expiration":"2030-01-01T00:00:00Z"}}"#;

    fn provider(vars: &[(&str, &str)], transport: Arc<FakeTransport>) -> CliProfileProvider {
        let env = Environment::fake(vars.iter().copied()).with_file(PATH, CONFIG);
        CliProfileProvider::new(env, transport)
    }

    #[tokio::test]
    async fn current_profile_ak() {
        let creds = provider(&[], FakeTransport::hanging())
            .provide_credentials()
            .await
            .unwrap();
        assert_eq!(creds.access_key_id(), "cli-id");
        assert_eq!(creds.access_key_secret(), "cli-s3cr3t");
        assert_eq!(creds.provider_name(), "cli_profile");
    }

    #[tokio::test]
    async fn profile_env_var_selects_sts_token() {
        let creds = provider(
            &[("ALIBABA_CLOUD_PROFILE", "sts")],
            FakeTransport::hanging(),
        )
        .provide_credentials()
        .await
        .unwrap();
        assert_eq!(creds.security_token(), Some("cli-t0ken"));
    }

    #[tokio::test]
    async fn ram_role_arn_calls_sts_with_profile_settings() {
        let transport = FakeTransport::new(|_| Reply::Respond(200, STS_OK.into()));
        let creds = provider(&[], transport.clone())
            .with_profile("role")
            .provide_credentials()
            .await
            .unwrap();
        assert_eq!(creds.access_key_id(), "STS.role");
        let request = &transport.requests()[0];
        assert!(
            request
                .url
                .starts_with("https://sts.cn-hangzhou.aliyuncs.com/?")
        );
        let pairs = query_pairs(&request.url);
        assert!(pairs.contains(&("RoleSessionName".into(), "cli-session".into())));
        assert!(pairs.contains(&("DurationSeconds".into(), "1800".into())));
        assert!(pairs.contains(&("AccessKeyId".into(), "cli-id".into())));
    }

    #[tokio::test]
    async fn chainable_role_uses_the_source_profile_and_stops_cycles() {
        let transport = FakeTransport::new(|_| Reply::Respond(200, STS_OK.into()));
        provider(&[], transport.clone())
            .with_profile("chain")
            .provide_credentials()
            .await
            .unwrap();
        let pairs = query_pairs(&transport.requests()[0].url);
        assert!(pairs.contains(&("RoleArn".into(), "acs:ram::1:role/c".into())));
        assert!(pairs.contains(&("AccessKeyId".into(), "cli-id".into())));

        let error = provider(&[], transport)
            .with_profile("loop")
            .provide_credentials()
            .await
            .unwrap_err();
        assert!(error.to_string().contains("cycle"), "{error}");
    }

    #[tokio::test]
    async fn role_policy_external_id_and_vpc_endpoint() {
        let transport = FakeTransport::new(|_| Reply::Respond(200, STS_OK.into()));
        provider(&[], transport.clone())
            .with_profile("narrow")
            .provide_credentials()
            .await
            .unwrap();
        let request = &transport.requests()[0];
        assert!(
            request
                .url
                .starts_with("https://sts-vpc.cn-beijing.aliyuncs.com/?"),
            "{}",
            request.url
        );
        let pairs = query_pairs(&request.url);
        assert!(pairs.contains(&("Policy".into(), r#"{"Statement":[]}"#.into())));
        assert!(pairs.contains(&("ExternalId".into(), "ext-1".into())));
    }

    #[tokio::test]
    async fn role_without_sts_region_takes_the_environment_s() {
        let transport = FakeTransport::new(|_| Reply::Respond(200, STS_OK.into()));
        provider(
            &[("ALIBABA_CLOUD_STS_REGION", "cn-shenzhen")],
            transport.clone(),
        )
        .with_profile("chain")
        .provide_credentials()
        .await
        .unwrap();
        assert!(
            transport.requests()[0]
                .url
                .starts_with("https://sts.cn-shenzhen.aliyuncs.com/?")
        );
    }

    #[tokio::test]
    async fn oidc_mode_takes_session_duration_and_policy() {
        let transport = FakeTransport::new(|_| Reply::Respond(200, STS_OK.into()));
        let env = Environment::fake::<&str, &str>([])
            .with_file(PATH, CONFIG)
            .with_file("/var/token", "eyJ-token");
        CliProfileProvider::new(env, transport.clone())
            .with_profile("oidc")
            .provide_credentials()
            .await
            .unwrap();
        let form = form_pairs(std::str::from_utf8(&transport.requests()[0].body).unwrap());
        for expected in [
            ("RoleArn", "acs:ram::1:role/o"),
            ("OIDCProviderArn", "acs:ram::1:oidc-provider/p"),
            ("OIDCToken", "eyJ-token"),
            ("RoleSessionName", "oidc-session"),
            ("DurationSeconds", "1200"),
            ("Policy", r#"{"Statement":[]}"#),
        ] {
            assert!(
                form.contains(&(expected.0.into(), expected.1.into())),
                "{expected:?} in {form:?}"
            );
        }
    }

    #[test]
    fn ecs_mode_resolves_to_the_metadata_provider() {
        let resolved = provider(&[], FakeTransport::hanging())
            .with_profile("ecs")
            .resolve()
            .unwrap();
        assert!(format!("{resolved:?}").contains("EcsRamRoleProvider"));
        assert!(format!("{resolved:?}").contains("EcsRole"));
    }

    #[tokio::test]
    async fn broken_profiles_are_invalid_configuration() {
        for (name, expect) in [
            ("half", "has no access_key_secret"),
            ("weird", "mode \"External\""),
        ] {
            let error = provider(&[], FakeTransport::hanging())
                .with_profile(name)
                .provide_credentials()
                .await
                .unwrap_err();
            assert_eq!(error.kind(), CredentialsErrorKind::InvalidConfiguration);
            let text = error.to_string();
            assert!(text.contains(expect) && text.contains(PATH), "{text}");
        }
    }

    #[tokio::test]
    async fn skips_with_reasons() {
        let env = Environment::fake::<&str, &str>([]);
        let error = CliProfileProvider::new(env, FakeTransport::hanging())
            .provide_credentials()
            .await
            .unwrap_err();
        assert!(error.is_not_configured());
        assert_eq!(error.message(), format!("{PATH} does not exist"));

        let error = provider(
            &[("ALIBABA_CLOUD_PROFILE", "nope")],
            FakeTransport::hanging(),
        )
        .provide_credentials()
        .await
        .unwrap_err();
        assert!(error.is_not_configured());
        assert!(error.message().contains("no profile named \"nope\""));

        let error = provider(
            &[("ALIBABA_CLOUD_CLI_PROFILE_DISABLED", "true")],
            FakeTransport::hanging(),
        )
        .provide_credentials()
        .await
        .unwrap_err();
        assert!(error.is_not_configured());
    }

    #[tokio::test]
    async fn malformed_json_names_the_file_and_position_without_values() {
        for text in [
            r#"{"profiles": [{"name": "default", "access_key_secret": "s3cr3t-value"#,
            r#"["s3cr3t-value"]"#,
            r#"{"profiles": [{"name": "default", "mode": "AK", "access_key_id": true, "access_key_secret": "s3cr3t-value"}]}"#,
        ] {
            let env = Environment::fake::<&str, &str>([]).with_file(PATH, text);
            let error = CliProfileProvider::new(env, FakeTransport::hanging())
                .provide_credentials()
                .await
                .unwrap_err();
            let shown = format!("{error} {error:?}");
            assert!(shown.contains(PATH), "{shown}");
            assert!(!shown.contains("s3cr3t"), "{shown}");
        }
    }

    #[test]
    fn region_of_the_selected_profile() {
        let env = Environment::fake::<&str, &str>([]).with_file(PATH, CONFIG);
        assert_eq!(cli_profile_region(&env).as_deref(), Some("cn-shanghai"));
        let env = Environment::fake([("ALIBABA_CLOUD_PROFILE", "sts")]).with_file(PATH, CONFIG);
        assert_eq!(cli_profile_region(&env), None);
        assert_eq!(
            cli_profile_region(&Environment::fake::<&str, &str>([])),
            None
        );
        let env = Environment::fake::<&str, &str>([]).with_file(PATH, "garbage");
        assert_eq!(cli_profile_region(&env), None);
    }
}
