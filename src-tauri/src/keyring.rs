//! The SMTP password in the operating system's keyring, through the
//! freedesktop Secret Service on the session bus (GNOME Keyring, KWallet
//! and KeePassXC offer it).
//!
//! Each call opens its own connection and a "plain" session: the secret
//! travels over the local session bus only. Items carry the attributes
//! `application=leadbench`, `service=smtp`, `username` and `host`, so one
//! password is kept per server and account. When the keyring would show
//! an unlock prompt, the call reports [`KeyringError::Locked`] instead of
//! waiting for the user.

use std::collections::HashMap;
use std::time::Duration;

use dbus::arg::{PropMap, RefArg, Variant};
use dbus::blocking::{Connection, Proxy};
use dbus::Path;

const SERVICE: &str = "org.freedesktop.secrets";
const SERVICE_PATH: &str = "/org/freedesktop/secrets";
const SERVICE_IFACE: &str = "org.freedesktop.Secret.Service";
const COLLECTION_IFACE: &str = "org.freedesktop.Secret.Collection";
const ITEM_IFACE: &str = "org.freedesktop.Secret.Item";
const TIMEOUT: Duration = Duration::from_secs(5);

/// A secret as the Secret Service sends it: session, parameters, value and
/// content type.
type Secret = (Path<'static>, Vec<u8>, Vec<u8>, String);

/// Reason the keyring could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyringError {
    /// No session bus or no Secret Service on it.
    Unavailable(String),
    /// The keyring is locked and only the user can unlock it.
    Locked,
    /// Error reply from the Secret Service.
    Failed(String),
}

impl std::fmt::Display for KeyringError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeyringError::Unavailable(reason) => write!(f, "no keyring found: {reason}"),
            KeyringError::Locked => write!(f, "the keyring is locked: unlock it and try again"),
            KeyringError::Failed(reason) => write!(f, "the keyring request failed: {reason}"),
        }
    }
}

impl std::error::Error for KeyringError {}

/// The account a password belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// The SMTP user name.
    pub username: String,
    /// The SMTP server.
    pub host: String,
}

impl Account {
    fn attributes(&self) -> HashMap<&str, &str> {
        HashMap::from([
            ("application", "leadbench"),
            ("service", "smtp"),
            ("username", self.username.as_str()),
            ("host", self.host.as_str()),
        ])
    }
}

/// Stores `password` for `account`, replacing the one stored before.
pub fn store_password(account: &Account, password: &str) -> Result<(), KeyringError> {
    let keyring = Keyring::connect()?;
    let collection = keyring.default_collection()?;
    keyring.unlock(std::slice::from_ref(&collection))?;
    let attributes: HashMap<String, String> = account
        .attributes()
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let mut properties = PropMap::new();
    let label = format!("Leadbench SMTP {}@{}", account.username, account.host);
    properties.insert(
        format!("{ITEM_IFACE}.Label"),
        Variant(Box::new(label) as Box<dyn RefArg>),
    );
    properties.insert(
        format!("{ITEM_IFACE}.Attributes"),
        Variant(Box::new(attributes) as Box<dyn RefArg>),
    );
    let secret: Secret = (
        keyring.session.clone(),
        Vec::new(),
        password.as_bytes().to_vec(),
        "text/plain".to_string(),
    );
    let (_item, prompt): (Path<'static>, Path<'static>) = keyring
        .proxy(collection)
        .method_call(COLLECTION_IFACE, "CreateItem", (properties, secret, true))
        .map_err(failed)?;
    no_prompt(&prompt)
}

/// Returns the password stored for `account`, if any.
pub fn load_password(account: &Account) -> Result<Option<String>, KeyringError> {
    let keyring = Keyring::connect()?;
    let Some(item) = keyring.find(account)? else {
        return Ok(None);
    };
    let (secret,): (Secret,) = keyring
        .proxy(item)
        .method_call(ITEM_IFACE, "GetSecret", (keyring.session.clone(),))
        .map_err(failed)?;
    let password = String::from_utf8(secret.2)
        .map_err(|_| KeyringError::Failed("the stored password is not UTF-8".into()))?;
    Ok(Some(password))
}

/// Removes the password stored for `account`; nothing stored is fine.
pub fn delete_password(account: &Account) -> Result<(), KeyringError> {
    let keyring = Keyring::connect()?;
    while let Some(item) = keyring.find(account)? {
        let (prompt,): (Path<'static>,) = keyring
            .proxy(item)
            .method_call(ITEM_IFACE, "Delete", ())
            .map_err(failed)?;
        no_prompt(&prompt)?;
    }
    Ok(())
}

/// A connection with an open "plain" session.
struct Keyring {
    connection: Connection,
    session: Path<'static>,
}

impl Keyring {
    fn connect() -> Result<Self, KeyringError> {
        // The address is read on every call: libdbus keeps the first one
        // it saw, and the bus may start after the app.
        let opened = match std::env::var("DBUS_SESSION_BUS_ADDRESS") {
            Ok(address) if !address.is_empty() => Connection::new_address(&address),
            _ => Connection::new_session(),
        };
        let connection = opened.map_err(|error| KeyringError::Unavailable(describe(&error)))?;
        let service = Proxy::new(SERVICE, SERVICE_PATH, TIMEOUT, &connection);
        let opened: Result<(Variant<Box<dyn RefArg>>, Path<'static>), _> = service.method_call(
            SERVICE_IFACE,
            "OpenSession",
            ("plain", Variant(Box::new(String::new()) as Box<dyn RefArg>)),
        );
        let (_, session) = opened.map_err(|error| KeyringError::Unavailable(describe(&error)))?;
        Ok(Keyring {
            connection,
            session,
        })
    }

    fn proxy<'a>(&'a self, path: Path<'a>) -> Proxy<'a, &'a Connection> {
        Proxy::new(SERVICE, path, TIMEOUT, &self.connection)
    }

    fn service(&self) -> Proxy<'_, &Connection> {
        self.proxy(Path::from(SERVICE_PATH))
    }

    fn default_collection(&self) -> Result<Path<'static>, KeyringError> {
        let (collection,): (Path<'static>,) = self
            .service()
            .method_call(SERVICE_IFACE, "ReadAlias", ("default",))
            .map_err(failed)?;
        if is_none(&collection) {
            return Err(KeyringError::Locked);
        }
        Ok(collection)
    }

    /// Finds the item of `account`, unlocking it when the keyring allows
    /// that without a prompt.
    fn find(&self, account: &Account) -> Result<Option<Path<'static>>, KeyringError> {
        let (unlocked, locked): (Vec<Path<'static>>, Vec<Path<'static>>) = self
            .service()
            .method_call(SERVICE_IFACE, "SearchItems", (account.attributes(),))
            .map_err(failed)?;
        if let Some(item) = unlocked.into_iter().next() {
            return Ok(Some(item));
        }
        let Some(item) = locked.into_iter().next() else {
            return Ok(None);
        };
        self.unlock(std::slice::from_ref(&item))?;
        Ok(Some(item))
    }

    fn unlock(&self, objects: &[Path<'static>]) -> Result<(), KeyringError> {
        let (_unlocked, prompt): (Vec<Path<'static>>, Path<'static>) = self
            .service()
            .method_call(SERVICE_IFACE, "Unlock", (objects.to_vec(),))
            .map_err(failed)?;
        no_prompt(&prompt)
    }
}

/// A prompt means the user must act in the keyring's own window.
fn no_prompt(prompt: &Path<'_>) -> Result<(), KeyringError> {
    if is_none(prompt) {
        Ok(())
    } else {
        Err(KeyringError::Locked)
    }
}

fn is_none(path: &Path<'_>) -> bool {
    &**path == "/"
}

fn failed(error: dbus::Error) -> KeyringError {
    if error.name() == Some("org.freedesktop.Secret.Error.IsLocked") {
        return KeyringError::Locked;
    }
    KeyringError::Failed(describe(&error))
}

fn describe(error: &dbus::Error) -> String {
    error
        .message()
        .or(error.name())
        .unwrap_or("unknown D-Bus error")
        .to_string()
}
