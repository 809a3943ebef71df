//! Where a client keeps its tokens between runs: the [`TokenStore`] trait,
//! an in-memory store ([`MemoryTokenStore`]) and a file
//! ([`FileTokenStore`]: replaced atomically, readable by its owner only).
//!
//! A [`crate::RefreshingToken`] whose source has a store (an OAuth grant
//! made with [`crate::tokens::Grant::with_store`] or
//! [`crate::tokens::Grant::from_store`]) loads it once, before its first
//! token request, and saves what it holds after every token it obtains —
//! while it is still the one token request in flight, so saves never
//! overlap and the last one saved is the newest — and clears it when the
//! credential is revoked. A rotated refresh token is therefore on disk
//! before any call uses the access token that came with it: a client
//! started later from the same store goes on without a new login.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::auth::BoxFuture;
use crate::secret::Secret;

/// The credentials a store keeps. `Debug` shows no token.
#[derive(Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct StoredTokens {
    /// The access token, if any.
    pub access_token: Option<Secret>,
    /// When the access token expires, if known.
    pub access_expires_at: Option<SystemTime>,
    /// The refresh token, if any.
    pub refresh_token: Option<Secret>,
    /// When the refresh token expires, if known.
    pub refresh_expires_at: Option<SystemTime>,
}

impl fmt::Debug for StoredTokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoredTokens")
            .field("access_token", &self.access_token)
            .field("access_expires_at", &self.access_expires_at)
            .field("refresh_token", &self.refresh_token)
            .field("refresh_expires_at", &self.refresh_expires_at)
            .finish()
    }
}

impl StoredTokens {
    /// Tokens to store: an access token and a refresh token, expiries
    /// unknown.
    pub fn new(access_token: Option<Secret>, refresh_token: Option<Secret>) -> Self {
        StoredTokens {
            access_token,
            refresh_token,
            ..StoredTokens::default()
        }
    }

    /// Sets when the access token expires.
    pub fn access_expires_at(mut self, at: Option<SystemTime>) -> Self {
        self.access_expires_at = at;
        self
    }

    /// Sets when the refresh token expires.
    pub fn refresh_expires_at(mut self, at: Option<SystemTime>) -> Self {
        self.refresh_expires_at = at;
        self
    }
}

/// Why a store could not load, save or clear. Its message names the store
/// and what went wrong, never a token.
#[derive(Debug)]
pub struct StoreError {
    message: String,
    source: Option<std::io::Error>,
}

impl StoreError {
    /// An error with `message` (which must not hold a token).
    pub fn new(message: impl Into<String>) -> Self {
        StoreError {
            message: message.into(),
            source: None,
        }
    }

    /// An I/O error while doing `what`.
    pub fn io(what: impl Into<String>, source: std::io::Error) -> Self {
        StoreError {
            message: what.into(),
            source: Some(source),
        }
    }
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        match &self.source {
            Some(source) => write!(f, ": {source}"),
            None => Ok(()),
        }
    }
}

impl std::error::Error for StoreError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_ref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

/// Loads and saves a credential's tokens. Implementations must be safe to
/// call from any task; the client never calls `save` twice at once for
/// one credential.
pub trait TokenStore: Send + Sync + fmt::Debug + 'static {
    /// The tokens saved last, or `None` when nothing was saved (or it was
    /// cleared).
    fn load(&self) -> BoxFuture<'_, Result<Option<StoredTokens>, StoreError>>;

    /// Replaces what is stored with `tokens`.
    fn save<'a>(&'a self, tokens: &'a StoredTokens) -> BoxFuture<'a, Result<(), StoreError>>;

    /// Forgets what is stored (after a revoke).
    fn clear(&self) -> BoxFuture<'_, Result<(), StoreError>>;
}

/// Tokens kept in memory, shared by its clones: for tests, and for an
/// application that persists them its own way (read them with
/// [`MemoryTokenStore::get`]).
#[derive(Clone, Default)]
pub struct MemoryTokenStore {
    tokens: Arc<Mutex<Option<StoredTokens>>>,
}

impl fmt::Debug for MemoryTokenStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryTokenStore")
            .field("holds_tokens", &self.get().is_some())
            .finish()
    }
}

impl MemoryTokenStore {
    /// An empty store.
    pub fn new() -> Self {
        MemoryTokenStore::default()
    }

    /// A store that starts with `tokens`.
    pub fn with(tokens: StoredTokens) -> Self {
        MemoryTokenStore {
            tokens: Arc::new(Mutex::new(Some(tokens))),
        }
    }

    /// What it holds now.
    pub fn get(&self) -> Option<StoredTokens> {
        self.tokens
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn set(&self, tokens: Option<StoredTokens>) {
        *self.tokens.lock().unwrap_or_else(PoisonError::into_inner) = tokens;
    }
}

impl TokenStore for MemoryTokenStore {
    fn load(&self) -> BoxFuture<'_, Result<Option<StoredTokens>, StoreError>> {
        Box::pin(async move { Ok(self.get()) })
    }

    fn save<'a>(&'a self, tokens: &'a StoredTokens) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            self.set(Some(tokens.clone()));
            Ok(())
        })
    }

    fn clear(&self) -> BoxFuture<'_, Result<(), StoreError>> {
        Box::pin(async move {
            self.set(None);
            Ok(())
        })
    }
}

/// The largest token file read (a bigger one is refused, not read).
const MAX_FILE_BYTES: u64 = 64 * 1024;
/// The format tag of a token file.
const FORMAT: &str = "dialtone-tokens/1";

/// Tokens in a JSON file the user names. Each save writes a new file
/// beside it (owner-only permissions on Unix, `0600`), flushes it to disk
/// and renames it over the old one, so a crash leaves either the old
/// tokens or the new ones, never half of either. On Unix a file that
/// others can read or write is refused on load, as `ssh` refuses such a
/// key.
#[derive(Debug, Clone)]
pub struct FileTokenStore {
    path: PathBuf,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct TokenFile {
    format: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    access_token: Option<Secret>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    access_expires_at: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    refresh_token: Option<Secret>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    refresh_expires_at: Option<u64>,
}

fn to_unix(at: Option<SystemTime>) -> Option<u64> {
    at.map(|t| t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs()))
}

fn from_unix(secs: Option<u64>) -> Option<SystemTime> {
    secs.and_then(|s| UNIX_EPOCH.checked_add(Duration::from_secs(s)))
}

impl FileTokenStore {
    /// Tokens at `path` (created on the first save; its folder must exist).
    pub fn new(path: impl Into<PathBuf>) -> Self {
        FileTokenStore { path: path.into() }
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn shown(&self) -> String {
        self.path.display().to_string()
    }

    async fn read(&self) -> Result<Option<StoredTokens>, StoreError> {
        let file = match tokio::fs::File::open(&self.path).await {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(StoreError::io(format!("cannot open {}", self.shown()), e)),
        };
        let meta = file
            .metadata()
            .await
            .map_err(|e| StoreError::io(format!("cannot read {}", self.shown()), e))?;
        if !meta.is_file() {
            return Err(StoreError::new(format!(
                "{} is not a regular file",
                self.shown()
            )));
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = meta.permissions().mode();
            if mode & 0o077 != 0 {
                return Err(StoreError::new(format!(
                    "{} can be read or written by others (mode {:o}); it holds credentials: chmod 600 it",
                    self.shown(),
                    mode & 0o777
                )));
            }
        }
        if meta.len() > MAX_FILE_BYTES {
            return Err(StoreError::new(format!(
                "{} is larger than {MAX_FILE_BYTES} bytes: not a token file",
                self.shown()
            )));
        }
        use tokio::io::AsyncReadExt as _;
        let mut text = Vec::new();
        file.take(MAX_FILE_BYTES + 1)
            .read_to_end(&mut text)
            .await
            .map_err(|e| StoreError::io(format!("cannot read {}", self.shown()), e))?;
        if text.len() as u64 > MAX_FILE_BYTES {
            return Err(StoreError::new(format!(
                "{} grew past {MAX_FILE_BYTES} bytes while read",
                self.shown()
            )));
        }
        // serde_json's own message could quote the file: only its position
        // is kept.
        let parsed: TokenFile = serde_json::from_slice(&text).map_err(|e| {
            StoreError::new(format!(
                "{} is not a token file (line {}, column {})",
                self.shown(),
                e.line(),
                e.column()
            ))
        })?;
        if parsed.format != FORMAT {
            return Err(StoreError::new(format!(
                "{} is not a {FORMAT} token file",
                self.shown()
            )));
        }
        Ok(Some(StoredTokens {
            access_token: parsed.access_token.filter(|t| !t.expose().is_empty()),
            access_expires_at: from_unix(parsed.access_expires_at),
            refresh_token: parsed.refresh_token.filter(|t| !t.expose().is_empty()),
            refresh_expires_at: from_unix(parsed.refresh_expires_at),
        }))
    }

    async fn write(&self, tokens: &StoredTokens) -> Result<(), StoreError> {
        let body = serde_json::to_vec_pretty(&TokenFile {
            format: FORMAT.to_owned(),
            access_token: tokens.access_token.clone(),
            access_expires_at: to_unix(tokens.access_expires_at),
            refresh_token: tokens.refresh_token.clone(),
            refresh_expires_at: to_unix(tokens.refresh_expires_at),
        })
        .map_err(|e| StoreError::new(format!("cannot encode the tokens: {e}")))?;
        let dir = match self.path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir.to_owned(),
            _ => PathBuf::from("."),
        };
        let name = self
            .path
            .file_name()
            .ok_or_else(|| StoreError::new(format!("{} names no file", self.shown())))?;
        let suffix = crate::oauth::random_text(9).map_err(|e| StoreError::new(e.to_string()))?;
        let mut temp_name = std::ffi::OsString::from(".");
        temp_name.push(name);
        temp_name.push(format!(".{suffix}.tmp"));
        let temp = dir.join(temp_name);
        let result = async {
            let mut options = tokio::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            options.mode(0o600);
            let mut file = options.open(&temp).await.map_err(|e| {
                StoreError::io(format!("cannot create a file beside {}", self.shown()), e)
            })?;
            use tokio::io::AsyncWriteExt as _;
            file.write_all(&body)
                .await
                .map_err(|e| StoreError::io(format!("cannot write beside {}", self.shown()), e))?;
            file.sync_all()
                .await
                .map_err(|e| StoreError::io(format!("cannot flush beside {}", self.shown()), e))?;
            drop(file);
            tokio::fs::rename(&temp, &self.path)
                .await
                .map_err(|e| StoreError::io(format!("cannot replace {}", self.shown()), e))?;
            Ok(())
        }
        .await;
        if result.is_err() {
            let _ = tokio::fs::remove_file(&temp).await;
            return result;
        }
        // The rename itself reaches the disk with the folder's entry.
        #[cfg(unix)]
        if let Ok(folder) = tokio::fs::File::open(&dir).await {
            let _ = folder.sync_all().await;
        }
        Ok(())
    }
}

impl TokenStore for FileTokenStore {
    fn load(&self) -> BoxFuture<'_, Result<Option<StoredTokens>, StoreError>> {
        Box::pin(self.read())
    }

    fn save<'a>(&'a self, tokens: &'a StoredTokens) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(self.write(tokens))
    }

    fn clear(&self) -> BoxFuture<'_, Result<(), StoreError>> {
        Box::pin(async move {
            match tokio::fs::remove_file(&self.path).await {
                Ok(()) => Ok(()),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
                Err(e) => Err(StoreError::io(format!("cannot remove {}", self.shown()), e)),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch() -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "dialtone-store-{}-{}",
            std::process::id(),
            crate::oauth::random_text(6).unwrap()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[tokio::test]
    async fn a_file_round_trips_atomically_and_privately() {
        let dir = scratch();
        let store = FileTokenStore::new(dir.join("tokens.json"));
        assert_eq!(store.load().await.unwrap(), None);
        let at = UNIX_EPOCH + Duration::from_secs(1_900_000_000);
        let tokens = StoredTokens::new(Some(Secret::new("a1")), Some(Secret::new("r1")))
            .access_expires_at(Some(at))
            .refresh_expires_at(Some(at + Duration::from_secs(60)));
        store.save(&tokens).await.unwrap();
        assert_eq!(store.load().await.unwrap(), Some(tokens.clone()));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(store.path())
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let newer = StoredTokens::new(None, Some(Secret::new("r2")));
        store.save(&newer).await.unwrap();
        assert_eq!(store.load().await.unwrap(), Some(newer));
        // Nothing but the file is left in the folder.
        let names: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("tokens.json")]);
        store.clear().await.unwrap();
        assert_eq!(store.load().await.unwrap(), None);
        store.clear().await.unwrap();
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[tokio::test]
    async fn a_bad_file_is_refused_without_showing_it() {
        let dir = scratch();
        let path = dir.join("tokens.json");
        let store = FileTokenStore::new(&path);
        std::fs::write(
            &path,
            "{\"format\": \"dialtone-tokens/1\", \"refresh_token\": \"canary7f3a\"",
        )
        .unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        let err = store.load().await.unwrap_err().to_string();
        assert!(err.contains("not a token file"), "{err}");
        assert!(!err.contains("canary"), "{err}");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            std::fs::write(&path, "{\"format\": \"dialtone-tokens/1\"}").unwrap();
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
            let err = store.load().await.unwrap_err().to_string();
            assert!(err.contains("chmod 600"), "{err}");
        }
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn debug_shows_no_token() {
        let tokens = StoredTokens::new(Some(Secret::new("canary7f3a")), None);
        assert!(!format!("{tokens:?}").contains("canary"));
        let store = MemoryTokenStore::with(tokens);
        assert!(!format!("{store:?}").contains("canary"));
    }
}
