//! The builder methods both role providers ([`RamRoleArnProvider`](super::RamRoleArnProvider)
//! and [`OidcProvider`](super::OidcProvider)) offer, written once.

/// Writes the shared builder methods into a role provider's `impl` block. The provider keeps
/// its [`RoleSession`](super::sts::RoleSession) at `self.params.session` and its
/// [`StsClient`](super::sts::StsClient) at `self.sts`.
macro_rules! role_session_builder {
    () => {
        /// Sets `RoleSessionName` (shows up in ActionTrail).
        pub fn with_session_name(mut self, name: impl Into<String>) -> Self {
            self.params.session.role_session_name = name.into();
            self
        }

        /// Sets `DurationSeconds` (raised to STS's minimum of 900).
        pub fn with_duration_seconds(mut self, seconds: u32) -> Self {
            self.params.session.set_duration_seconds(seconds);
            self
        }

        /// Sets `Policy`, a JSON policy narrowing the role's permissions.
        pub fn with_policy(mut self, policy: impl Into<String>) -> Self {
            self.params.session.policy = Some(policy.into());
            self
        }

        /// Sends to `endpoint` (a host or base URL) instead of `https://sts.aliyuncs.com`.
        pub fn with_sts_endpoint(mut self, endpoint: impl Into<String>) -> Self {
            self.sts = self.sts.with_endpoint(endpoint);
            self
        }

        /// Gives up on an STS call after `timeout` (default 10 s, the read timeout the
        /// official SDKs use).
        pub fn with_sts_timeout(mut self, timeout: std::time::Duration) -> Self {
            self.sts = self.sts.with_timeout(timeout);
            self
        }

        /// Lets `edit` change the role session (the profile sources apply their settings so).
        pub(super) fn edit_session(
            mut self,
            edit: impl FnOnce(&mut super::sts::RoleSession),
        ) -> Self {
            edit(&mut self.params.session);
            self
        }
    };
}

pub(super) use role_session_builder;
