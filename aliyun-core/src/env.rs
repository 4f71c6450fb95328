//! The process environment as configuration sees it: variables, the home directory, and files.
//!
//! Credential providers and `Config::from_env` read through an [`Environment`] instead of
//! `std::env` and `std::fs`, so tests can give them a made-up environment with in-memory files
//! and never touch the real home directory.

use std::collections::HashMap;
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Where environment variables and files come from.
#[derive(Clone)]
pub struct Environment {
    source: Arc<Source>,
}

enum Source {
    Process,
    Fake {
        vars: HashMap<String, String>,
        home: Option<PathBuf>,
        files: HashMap<PathBuf, String>,
    },
}

impl Environment {
    /// The real process environment and file system.
    pub fn process() -> Self {
        Environment {
            source: Arc::new(Source::Process),
        }
    }

    /// A made-up environment for tests: these variables, home directory `/home/test`, and no
    /// files until added with [`Environment::with_file`].
    pub fn fake<K, V>(vars: impl IntoIterator<Item = (K, V)>) -> Self
    where
        K: Into<String>,
        V: Into<String>,
    {
        Environment {
            source: Arc::new(Source::Fake {
                vars: vars
                    .into_iter()
                    .map(|(k, v)| (k.into(), v.into()))
                    .collect(),
                home: Some(PathBuf::from("/home/test")),
                files: HashMap::new(),
            }),
        }
    }

    /// Adds an in-memory file to a fake environment (no effect on the process environment).
    pub fn with_file(mut self, path: impl Into<PathBuf>, contents: impl Into<String>) -> Self {
        if let Some(Source::Fake { files, .. }) = Arc::get_mut(&mut self.source) {
            files.insert(path.into(), contents.into());
        } else if let Source::Fake { vars, home, files } = &*self.source {
            let mut files = files.clone();
            files.insert(path.into(), contents.into());
            self.source = Arc::new(Source::Fake {
                vars: vars.clone(),
                home: home.clone(),
                files,
            });
        }
        self
    }

    /// The value of variable `name`, if set and not empty.
    pub fn var(&self, name: &str) -> Option<String> {
        let value = match &*self.source {
            Source::Process => std::env::var(name).ok(),
            Source::Fake { vars, .. } => vars.get(name).cloned(),
        };
        value.filter(|v| !v.is_empty())
    }

    /// The first of `names` that is set and not empty, with its name.
    pub fn first_var<'n>(&self, names: &[&'n str]) -> Option<(&'n str, String)> {
        names
            .iter()
            .find_map(|name| self.var(name).map(|value| (*name, value)))
    }

    /// The user's home directory (`HOME`, or `USERPROFILE` on Windows).
    pub fn home_dir(&self) -> Option<PathBuf> {
        match &*self.source {
            Source::Process => self
                .var("HOME")
                .or_else(|| self.var("USERPROFILE"))
                .map(PathBuf::from),
            Source::Fake { home, .. } => home.clone(),
        }
    }

    /// Reads a whole file as UTF-8.
    pub fn read_file(&self, path: &Path) -> io::Result<String> {
        match &*self.source {
            Source::Process => std::fs::read_to_string(path),
            Source::Fake { files, .. } => files.get(path).cloned().ok_or_else(|| {
                io::Error::new(
                    io::ErrorKind::NotFound,
                    format!("{} not found", path.display()),
                )
            }),
        }
    }
}

impl fmt::Debug for Environment {
    // Variables may hold secrets: show only which kind of environment this is.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &*self.source {
            Source::Process => f.write_str("Environment::Process"),
            Source::Fake { vars, files, .. } => f
                .debug_struct("Environment::Fake")
                .field("vars", &vars.len())
                .field("files", &files.len())
                .finish(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fake_environment_serves_vars_and_files() {
        let env = Environment::fake([("A", "1"), ("SECRET", "s3cr3t-value"), ("EMPTY", "")])
            .with_file("/home/test/.aliyun/config.json", "{}");
        assert_eq!(env.var("A").as_deref(), Some("1"));
        assert_eq!(env.var("EMPTY"), None);
        assert_eq!(env.first_var(&["EMPTY", "A"]), Some(("A", "1".to_owned())));
        assert_eq!(env.home_dir(), Some(PathBuf::from("/home/test")));
        assert_eq!(
            env.read_file(Path::new("/home/test/.aliyun/config.json"))
                .unwrap(),
            "{}"
        );
        assert!(env.read_file(Path::new("/nope")).is_err());
        assert!(!format!("{env:?}").contains("s3cr3t"));
    }
}
