//! On-premises servers that join the cloud assistant as managed instances (`mi-…`): what a
//! test says to register one, as the agent would with an activation from `CreateActivation`.

/// A server registering with an activation, as the cloud assistant agent does with
/// `aliyun-service --register`: [`Emulator::register_managed_instance`](crate::Emulator::register_managed_instance),
/// or `POST /_emulator/managed-instances` with the same fields in JSON.
///
/// ```
/// use aliyun_emulator::ManagedInstanceRegistration;
/// let server = ManagedInstanceRegistration::new("4ECEEE12-56F1-4FBC-9AB1-890F12340001", "a-secret")
///     .hostname("build-01")
///     .intranet_ip("10.0.3.7");
/// // The activation code is a credential: it never shows in `Debug`.
/// assert!(!format!("{server:?}").contains("a-secret"));
/// ```
#[derive(Clone, PartialEq, Eq, serde::Deserialize)]
pub struct ManagedInstanceRegistration {
    /// `ActivationId` from `CreateActivation`.
    pub activation_id: String,
    /// `ActivationCode` from `CreateActivation`.
    pub activation_code: String,
    /// The server's host name (`Hostname`); `managed-host` when not set.
    #[serde(default)]
    pub hostname: Option<String>,
    /// Its private address (`IntranetIp`), checked against the activation's address range;
    /// `10.0.0.1` when not set.
    #[serde(default)]
    pub intranet_ip: Option<String>,
    /// `Linux` or `Windows` (`OsType`); Linux when not set.
    #[serde(default)]
    pub os_type: Option<String>,
}

impl ManagedInstanceRegistration {
    /// A registration with the activation's id and code.
    pub fn new(activation_id: impl Into<String>, activation_code: impl Into<String>) -> Self {
        ManagedInstanceRegistration {
            activation_id: activation_id.into(),
            activation_code: activation_code.into(),
            hostname: None,
            intranet_ip: None,
            os_type: None,
        }
    }

    /// Sets the host name.
    pub fn hostname(mut self, hostname: impl Into<String>) -> Self {
        self.hostname = Some(hostname.into());
        self
    }

    /// Sets the private address.
    pub fn intranet_ip(mut self, ip: impl Into<String>) -> Self {
        self.intranet_ip = Some(ip.into());
        self
    }

    /// Sets the operating system type (`Linux`, `Windows`).
    pub fn os_type(mut self, os_type: impl Into<String>) -> Self {
        self.os_type = Some(os_type.into());
        self
    }
}

impl std::fmt::Debug for ManagedInstanceRegistration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ManagedInstanceRegistration")
            .field("activation_id", &self.activation_id)
            .field("activation_code", &"<redacted>")
            .field("hostname", &self.hostname)
            .field("intranet_ip", &self.intranet_ip)
            .field("os_type", &self.os_type)
            .finish()
    }
}

/// Why a registration was refused (the agent would print the same reasons).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RegistrationError {
    /// No activation has this id.
    #[error("no activation {0}")]
    UnknownActivation(String),
    /// The code is not the activation's.
    #[error("the activation code does not match activation {0}")]
    WrongCode(String),
    /// `DisableActivation` stopped the activation.
    #[error("activation {0} is disabled")]
    Disabled(String),
    /// The activation's time to live has passed.
    #[error("activation {0} has expired")]
    Expired(String),
    /// As many servers as the activation allows have registered with it.
    #[error("activation {0} has registered all the instances it allows")]
    Exhausted(String),
    /// The server's address is not a valid IPv4 address, or outside the activation's range.
    #[error("address {address} may not register with activation {activation}")]
    AddressNotAllowed {
        /// The activation.
        activation: String,
        /// The address the server gave.
        address: String,
    },
}
