//! Credentials from the shared ini file of the official SDKs, `~/.alibabacloud/credentials`
//! (or the file named by `ALIBABA_CLOUD_CREDENTIALS_FILE`).
//!
//! The section is `ALIBABA_CLOUD_PROFILE` if set, else `default`. Types: `access_key`, `sts`,
//! `ecs_ram_role`, `ram_role_arn` and `oidc_role_arn`. A section with `enable = false` is
//! skipped. The role types read `role_session_name`, `role_session_expiration` and `policy`,
//! and `ram_role_arn` also `external_id` (the same options as the CLI profile's, through one
//! mapping: [`super::profile`]); the STS endpoint comes from `ALIBABA_CLOUD_STS_REGION`.
//!
//! ```ini
//! [default]
//! type = access_key
//! access_key_id = LTAI...
//! access_key_secret = ...
//!
//! [deploy]
//! type = ram_role_arn
//! access_key_id = LTAI...
//! access_key_secret = ...
//! role_arn = acs:ram::123456789012:role/deploy
//! role_session_name = ci
//! ```

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use futures_util::future::BoxFuture;
use zeroize::Zeroizing;

use super::profile::{ProfileSource, RoleSettings};
use super::{Credentials, CredentialsError, ProvideCredentials};
use crate::env::Environment;
use crate::transport::HttpTransport;

const PROVIDER: &str = "ini_file";
/// The variable naming another credentials file.
pub const CREDENTIALS_FILE_VAR: &str = "ALIBABA_CLOUD_CREDENTIALS_FILE";

/// Reads credentials from the shared ini file.
#[derive(Debug, Clone)]
pub struct IniFileProvider {
    env: Environment,
    transport: Arc<dyn HttpTransport>,
    section: Option<String>,
}

impl IniFileProvider {
    /// Reads the file through `env`; STS and metadata calls go through `transport`.
    pub fn new(env: Environment, transport: Arc<dyn HttpTransport>) -> Self {
        IniFileProvider {
            env,
            transport,
            section: None,
        }
    }

    /// Uses section `name` instead of `ALIBABA_CLOUD_PROFILE` / `default`.
    pub fn with_section(mut self, name: impl Into<String>) -> Self {
        self.section = Some(name.into());
        self
    }

    /// Resolves the selected section into the provider that yields its credentials.
    pub fn resolve(&self) -> Result<Arc<dyn ProvideCredentials>, CredentialsError> {
        let (path, explicit) = match self.env.var(CREDENTIALS_FILE_VAR) {
            Some(path) => (PathBuf::from(path.trim()), true),
            None => match self.env.home_dir() {
                Some(home) => (home.join(".alibabacloud").join("credentials"), false),
                None => {
                    return Err(CredentialsError::not_configured(
                        PROVIDER,
                        "home directory unknown",
                    ));
                }
            },
        };
        let text = match self.env.read_file(&path) {
            Ok(text) => Zeroizing::new(text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !explicit => {
                return Err(CredentialsError::not_configured(
                    PROVIDER,
                    format!("{} does not exist", path.display()),
                ));
            }
            Err(e) => {
                return Err(CredentialsError::invalid_configuration(
                    PROVIDER,
                    format!(
                        "cannot read {} ({CREDENTIALS_FILE_VAR}): {e}",
                        path.display()
                    ),
                ));
            }
        };
        let mut sections = parse_ini(&text).map_err(|e| {
            CredentialsError::invalid_configuration(
                PROVIDER,
                format!("{} line {}: {}", path.display(), e.line, e.message),
            )
        })?;
        let name = self
            .section
            .clone()
            .or_else(|| self.env.var("ALIBABA_CLOUD_PROFILE"))
            .unwrap_or_else(|| "default".to_owned());
        let Some(section) = sections.remove(&name) else {
            return Err(CredentialsError::not_configured(
                PROVIDER,
                format!("{} has no [{name}] section", path.display()),
            ));
        };
        if section
            .get("enable")
            .is_some_and(|v| v.eq_ignore_ascii_case("false"))
        {
            return Err(CredentialsError::not_configured(
                PROVIDER,
                format!("[{name}] in {} has enable = false", path.display()),
            ));
        }
        let section = Section {
            path: &path,
            name: &name,
            values: section,
        };
        section.provider(&self.env, &self.transport)
    }
}

impl ProvideCredentials for IniFileProvider {
    fn provide_credentials(&self) -> BoxFuture<'_, Result<Credentials, CredentialsError>> {
        Box::pin(async move {
            let provider = self.resolve()?;
            provider.provide_credentials().await
        })
    }
}

struct Section<'a> {
    path: &'a Path,
    name: &'a str,
    values: HashMap<String, Zeroizing<String>>,
}

impl Section<'_> {
    fn get(&self, key: &str) -> Option<String> {
        self.values
            .get(key)
            .filter(|v| !v.is_empty())
            .map(|v| v.as_str().to_owned())
    }

    fn require(&self, key: &str) -> Result<String, CredentialsError> {
        self.get(key).ok_or_else(|| {
            CredentialsError::invalid_configuration(
                PROVIDER,
                format!("[{}] in {} has no {key}", self.name, self.path.display()),
            )
        })
    }

    /// The role keys of a `ram_role_arn` or `oidc_role_arn` section (the STS endpoint comes
    /// from the environment: the format has no key for it).
    fn role_settings(&self) -> RoleSettings {
        RoleSettings {
            session_name: self.get("role_session_name"),
            duration_seconds: self
                .get("role_session_expiration")
                .and_then(|v| v.parse().ok()),
            policy: self.get("policy"),
            ..RoleSettings::default()
        }
    }

    fn provider(
        &self,
        env: &Environment,
        transport: &Arc<dyn HttpTransport>,
    ) -> Result<Arc<dyn ProvideCredentials>, CredentialsError> {
        let kind = self.require("type")?;
        tracing::debug!(section = self.name, r#type = %kind, "credentials from the ini file");
        let source = match kind.as_str() {
            "access_key" => ProfileSource::Static(Credentials::new(
                self.require("access_key_id")?,
                self.require("access_key_secret")?,
            )),
            "sts" => ProfileSource::Static(Credentials::new_sts(
                self.require("access_key_id")?,
                self.require("access_key_secret")?,
                self.require("security_token")?,
                None,
            )),
            "ecs_ram_role" => ProfileSource::EcsRamRole {
                role_name: self.get("role_name"),
            },
            "ram_role_arn" => ProfileSource::RamRoleArn {
                source: Arc::new(Credentials::new(
                    self.require("access_key_id")?,
                    self.require("access_key_secret")?,
                )),
                role_arn: self.require("role_arn")?,
                role: self.role_settings(),
                external_id: self.get("external_id"),
            },
            "oidc_role_arn" => ProfileSource::Oidc {
                role_arn: self.require("role_arn")?,
                oidc_provider_arn: self.require("oidc_provider_arn")?,
                token_file: self.require("oidc_token_file_path")?.into(),
                role: self.role_settings(),
            },
            other => {
                return Err(CredentialsError::invalid_configuration(
                    PROVIDER,
                    format!(
                        "[{}] in {} has type {other:?}, which aliyun-rs does not support (supported: access_key, sts, ecs_ram_role, ram_role_arn, oidc_role_arn)",
                        self.name,
                        self.path.display()
                    ),
                ));
            }
        };
        Ok(source.into_provider(PROVIDER, env, transport))
    }
}

/// A syntax error in the ini file (never quotes the line: it may hold a secret).
#[derive(Debug, PartialEq, Eq)]
struct IniError {
    line: usize,
    message: &'static str,
}

type Sections = HashMap<String, HashMap<String, Zeroizing<String>>>;

/// Parses the subset of ini the official SDKs write: `[section]` headers, `key = value` lines
/// (`:` also separates), `#`/`;` comment lines, optional quotes around values. Keys before
/// the first section belong to no section and are ignored. Later duplicates win.
fn parse_ini(text: &str) -> Result<Sections, IniError> {
    let mut sections: Sections = HashMap::new();
    let mut current: Option<String> = None;
    for (index, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(rest) = line.strip_prefix('[') {
            let Some(name) = rest.strip_suffix(']') else {
                return Err(IniError {
                    line: index + 1,
                    message: "section header without closing `]`",
                });
            };
            let name = name.trim().to_owned();
            sections.entry(name.clone()).or_default();
            current = Some(name);
            continue;
        }
        let Some(split) = line.find(['=', ':']) else {
            return Err(IniError {
                line: index + 1,
                message: "expected `key = value` or `[section]`",
            });
        };
        let key = line[..split].trim();
        if key.is_empty() {
            return Err(IniError {
                line: index + 1,
                message: "empty key before `=`",
            });
        }
        let mut value = line[split + 1..].trim();
        for quote in ['"', '\''] {
            if value.len() >= 2 && value.starts_with(quote) && value.ends_with(quote) {
                value = &value[1..value.len() - 1];
            }
        }
        if let Some(section) = &current {
            sections
                .entry(section.clone())
                .or_default()
                .insert(key.to_owned(), Zeroizing::new(value.to_owned()));
        }
    }
    Ok(sections)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credentials::CredentialsErrorKind;
    use crate::credentials::test_support::{FakeTransport, Reply, form_pairs, query_pairs};

    const PATH: &str = "/home/test/.alibabacloud/credentials";

    const FILE: &str = "\
# shared credentials
[default]
enable = true
type = access_key
access_key_id = ini-id
access_key_secret = \"ini-s3cr3t\"

[sts]
type = sts
access_key_id = STS.ini
access_key_secret = ini-s3cr3t
security_token = ini-t0ken

[ecs]
type = ecs_ram_role
role_name = EcsRole

[role]
type = ram_role_arn
access_key_id = ini-id
access_key_secret = ini-s3cr3t
role_arn = acs:ram::1:role/r
role_session_name = ini-session
role_session_expiration = 1200

[narrow]
type = ram_role_arn
access_key_id = ini-id
access_key_secret = ini-s3cr3t
role_arn = acs:ram::1:role/r
policy = {\"Statement\":[]}
external_id = ext-2

[oidc]
type = oidc_role_arn
role_arn = acs:ram::1:role/o
oidc_provider_arn = acs:ram::1:oidc-provider/p
oidc_token_file_path = /var/token
role_session_name = oidc-session
role_session_expiration = 1500
policy = {\"Statement\":[]}

[off]
enable = false
type = access_key

[broken]
type = access_key
access_key_id = ini-id

[odd]
type = rsa_key_pair
";

    fn provider(vars: &[(&str, &str)], transport: Arc<FakeTransport>) -> IniFileProvider {
        let env = Environment::fake(vars.iter().copied()).with_file(PATH, FILE);
        IniFileProvider::new(env, transport)
    }

    #[tokio::test]
    async fn default_section_access_key() {
        let creds = provider(&[], FakeTransport::hanging())
            .provide_credentials()
            .await
            .unwrap();
        assert_eq!(creds.access_key_id(), "ini-id");
        assert_eq!(creds.access_key_secret(), "ini-s3cr3t");
        assert_eq!(creds.provider_name(), "ini_file");
    }

    #[tokio::test]
    async fn profile_var_selects_sts_section() {
        let creds = provider(
            &[("ALIBABA_CLOUD_PROFILE", "sts")],
            FakeTransport::hanging(),
        )
        .provide_credentials()
        .await
        .unwrap();
        assert_eq!(creds.security_token(), Some("ini-t0ken"));
    }

    #[tokio::test]
    async fn ram_role_arn_section_calls_sts() {
        let ok = r#"{"Credentials":{"AccessKeyId":"STS.r","AccessKeySecret":"x","SecurityToken":"y","Expiration":"2030-01-01T00:00:00Z"}}"#;
        let transport = FakeTransport::new(move |_| Reply::Respond(200, ok.into()));
        let creds = provider(&[], transport.clone())
            .with_section("role")
            .provide_credentials()
            .await
            .unwrap();
        assert_eq!(creds.access_key_id(), "STS.r");
        let pairs = query_pairs(&transport.requests()[0].url);
        assert!(pairs.contains(&("RoleSessionName".into(), "ini-session".into())));
        assert!(pairs.contains(&("DurationSeconds".into(), "1200".into())));
        assert!(
            transport.requests()[0]
                .url
                .starts_with("https://sts.aliyuncs.com/?")
        );
    }

    #[tokio::test]
    async fn ram_role_arn_section_sends_policy_and_external_id() {
        let ok = r#"{"Credentials":{"AccessKeyId":"STS.r","AccessKeySecret":"x","SecurityToken":"y","Expiration":"2030-01-01T00:00:00Z"}}"#;
        let transport = FakeTransport::new(move |_| Reply::Respond(200, ok.into()));
        provider(
            &[("ALIBABA_CLOUD_STS_REGION", "cn-beijing")],
            transport.clone(),
        )
        .with_section("narrow")
        .provide_credentials()
        .await
        .unwrap();
        let request = &transport.requests()[0];
        assert!(
            request
                .url
                .starts_with("https://sts.cn-beijing.aliyuncs.com/?")
        );
        let pairs = query_pairs(&request.url);
        assert!(pairs.contains(&("Policy".into(), r#"{"Statement":[]}"#.into())));
        assert!(pairs.contains(&("ExternalId".into(), "ext-2".into())));
    }

    #[tokio::test]
    async fn oidc_section_takes_session_duration_and_policy() {
        let ok = r#"{"Credentials":{"AccessKeyId":"STS.o","AccessKeySecret":"x","SecurityToken":"y","Expiration":"2030-01-01T00:00:00Z"}}"#;
        let transport = FakeTransport::new(move |_| Reply::Respond(200, ok.into()));
        let env = Environment::fake::<&str, &str>([])
            .with_file(PATH, FILE)
            .with_file("/var/token", "eyJ-token");
        let creds = IniFileProvider::new(env, transport.clone())
            .with_section("oidc")
            .provide_credentials()
            .await
            .unwrap();
        assert_eq!(creds.access_key_id(), "STS.o");
        let form = form_pairs(std::str::from_utf8(&transport.requests()[0].body).unwrap());
        for expected in [
            ("RoleArn", "acs:ram::1:role/o"),
            ("OIDCProviderArn", "acs:ram::1:oidc-provider/p"),
            ("OIDCToken", "eyJ-token"),
            ("RoleSessionName", "oidc-session"),
            ("DurationSeconds", "1500"),
            ("Policy", r#"{"Statement":[]}"#),
        ] {
            assert!(
                form.contains(&(expected.0.into(), expected.1.into())),
                "{expected:?} in {form:?}"
            );
        }
    }

    #[test]
    fn ecs_section_resolves_to_metadata_provider() {
        let resolved = provider(&[], FakeTransport::hanging())
            .with_section("ecs")
            .resolve()
            .unwrap();
        assert!(format!("{resolved:?}").contains("EcsRole"));
    }

    #[tokio::test]
    async fn skip_reasons_and_errors() {
        let skip = |vars: Vec<(&'static str, &'static str)>,
                    files: Vec<(&'static str, &'static str)>| async move {
            let mut env = Environment::fake(vars);
            for (path, text) in files {
                env = env.with_file(path, text);
            }
            IniFileProvider::new(env, FakeTransport::hanging())
                .provide_credentials()
                .await
                .unwrap_err()
        };
        let error = skip(vec![], vec![]).await;
        assert!(error.is_not_configured());
        assert_eq!(error.message(), format!("{PATH} does not exist"));

        let error = skip(vec![("ALIBABA_CLOUD_PROFILE", "off")], vec![(PATH, FILE)]).await;
        assert!(error.is_not_configured());
        assert!(error.message().contains("enable = false"));

        let error = skip(vec![("ALIBABA_CLOUD_PROFILE", "none")], vec![(PATH, FILE)]).await;
        assert!(error.is_not_configured());
        assert!(error.message().contains("no [none] section"));

        // An explicitly named file that is missing is an error, not a skip.
        let error = skip(vec![(CREDENTIALS_FILE_VAR, "/etc/creds")], vec![]).await;
        assert_eq!(error.kind(), CredentialsErrorKind::InvalidConfiguration);
        assert!(error.to_string().contains("/etc/creds"));

        let error = skip(
            vec![("ALIBABA_CLOUD_PROFILE", "broken")],
            vec![(PATH, FILE)],
        )
        .await;
        assert_eq!(error.kind(), CredentialsErrorKind::InvalidConfiguration);
        assert!(
            error.to_string().contains("has no access_key_secret"),
            "{error}"
        );

        let error = skip(vec![("ALIBABA_CLOUD_PROFILE", "odd")], vec![(PATH, FILE)]).await;
        assert!(error.to_string().contains("rsa_key_pair"), "{error}");
    }

    #[tokio::test]
    async fn explicit_file_is_used() {
        let env = Environment::fake([(CREDENTIALS_FILE_VAR, "/etc/alibaba/creds")])
            .with_file("/etc/alibaba/creds", FILE);
        let creds = IniFileProvider::new(env, FakeTransport::hanging())
            .provide_credentials()
            .await
            .unwrap();
        assert_eq!(creds.access_key_id(), "ini-id");
    }

    #[tokio::test]
    async fn syntax_errors_name_file_and_line_not_content() {
        let env = Environment::fake::<&str, &str>([]).with_file(
            PATH,
            "[default]\ntype = access_key\naccess_key_secret s3cr3t-value\n",
        );
        let error = IniFileProvider::new(env, FakeTransport::hanging())
            .provide_credentials()
            .await
            .unwrap_err();
        let text = format!("{error} {error:?}");
        assert!(text.contains(&format!("{PATH} line 3")), "{text}");
        assert!(!text.contains("s3cr3t"), "{text}");
    }

    #[test]
    fn parser_details() {
        let parsed =
            parse_ini("top = ignored\n[a]\nk: v\n; c\n[ b ]\nk = 'q'\nk = later\n").unwrap();
        assert_eq!(parsed["a"]["k"].as_str(), "v");
        assert_eq!(parsed["b"]["k"].as_str(), "later");
        assert_eq!(parsed.len(), 2);
        assert_eq!(
            parse_ini("[a\n").unwrap_err(),
            IniError {
                line: 1,
                message: "section header without closing `]`"
            }
        );
        assert_eq!(parse_ini("[a]\n= v\n").unwrap_err().line, 2);
    }
}
