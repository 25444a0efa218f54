//! The device keyring: Ed25519 device key, age X25519 identity, random vault key and the id of the
//! personal space. On disk it exists only as an age scrypt-encrypted blob, written crash-safely,
//! with a second copy that heals the first.
//!
//! Must never: write the keyring in clear, auto-calibrate the work factor, or log anything secret.

use std::path::{Path, PathBuf};

use age::secrecy::{ExposeSecret, SecretString};
use zeroize::Zeroizing;

use crate::atomic_file::write_atomic;
use crate::crypto::SecretKey;
use crate::error::{Error, Result};
use crate::model::SpaceId;

/// File name of the primary keyring copy inside the vault folder.
pub const KEYRING_FILE: &str = "keyring.age";
/// File name of the second copy.
pub const KEYRING_BACKUP: &str = "keyring.age.bak";
/// scrypt work factor (log2 N) used for every keyring written: pinned, never calibrated.
pub const WORK_FACTOR: u8 = 18;
/// Highest scrypt work factor accepted when decrypting (bounds a hostile file's cost).
pub const MAX_WORK_FACTOR: u8 = 20;
/// Keyring plaintext format this build writes and the highest it reads.
pub const KEYRING_FORMAT: u16 = 1;
/// Shortest passphrase accepted for a new vault or a change.
pub const MIN_PASSPHRASE_CHARS: usize = 8;

const MAGIC: &[u8; 4] = b"CNKR";

/// The unlocked device keys. Every secret in here is wiped when the keyring is dropped.
pub struct Keyring {
    /// Signs every change this device makes; its public half names the device.
    pub(crate) device: ed25519_dalek::SigningKey,
    /// Receives space keys sent as age envelopes.
    pub(crate) age_identity: age::x25519::Identity,
    /// Root of the keys that encrypt the local store.
    pub(crate) vault_key: SecretKey,
    /// The id of this device's personal space (where local changes are sealed).
    pub(crate) personal_space: SpaceId,
}

impl Keyring {
    /// A fresh keyring with new random keys.
    pub fn generate() -> Self {
        Keyring {
            device: ed25519_dalek::SigningKey::generate(&mut rand::rngs::OsRng),
            age_identity: age::x25519::Identity::generate(),
            vault_key: SecretKey::random(),
            personal_space: SpaceId(crate::crypto::random_bytes()),
        }
    }

    /// The device's public key (Ed25519), which names it to peers.
    pub fn device_public(&self) -> [u8; 32] {
        self.device.verifying_key().to_bytes()
    }

    /// The age recipient other members encrypt space keys to.
    pub fn age_recipient(&self) -> String {
        self.age_identity.to_public().to_string()
    }

    fn encode(&self) -> Zeroizing<Vec<u8>> {
        let identity = self.age_identity.to_string();
        let id = identity.expose_secret().as_bytes();
        let mut out = Zeroizing::new(Vec::with_capacity(100 + id.len()));
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&KEYRING_FORMAT.to_le_bytes());
        out.extend_from_slice(self.device.as_bytes());
        out.extend_from_slice(self.vault_key.expose());
        out.extend_from_slice(&self.personal_space.0);
        out.extend_from_slice(&(id.len() as u16).to_le_bytes());
        out.extend_from_slice(id);
        out
    }

    fn decode(bytes: &[u8]) -> Result<Self> {
        let damaged = || Error::KeyringDamaged;
        if bytes.get(..4) != Some(MAGIC.as_slice()) {
            return Err(damaged());
        }
        let version = u16::from_le_bytes(bytes.get(4..6).ok_or_else(damaged)?.try_into().map_err(|_| damaged())?);
        if version > KEYRING_FORMAT {
            return Err(Error::NewerVersion { found: version.into(), supported: KEYRING_FORMAT.into() });
        }
        let take32 = |at: usize| -> Result<Zeroizing<[u8; 32]>> {
            let s = bytes.get(at..at + 32).ok_or_else(damaged)?;
            let mut a = Zeroizing::new([0u8; 32]);
            a.copy_from_slice(s);
            Ok(a)
        };
        let seed = take32(6)?;
        let vault_key = take32(38)?;
        let space: [u8; 16] = bytes.get(70..86).ok_or_else(damaged)?.try_into().map_err(|_| damaged())?;
        let id_len =
            u16::from_le_bytes(bytes.get(86..88).ok_or_else(damaged)?.try_into().map_err(|_| damaged())?) as usize;
        let id_bytes = bytes.get(88..88 + id_len).ok_or_else(damaged)?;
        let id_str = Zeroizing::new(std::str::from_utf8(id_bytes).map_err(|_| damaged())?.to_owned());
        let age_identity: age::x25519::Identity = id_str.parse().map_err(|_| damaged())?;
        Ok(Keyring {
            device: ed25519_dalek::SigningKey::from_bytes(&seed),
            age_identity,
            vault_key: SecretKey::from_bytes(*vault_key),
            personal_space: SpaceId(space),
        })
    }
}

/// Where the two keyring copies of a vault folder live.
pub struct KeyringFiles {
    primary: PathBuf,
    backup: PathBuf,
}

impl KeyringFiles {
    /// The keyring paths inside `dir`.
    pub fn in_dir(dir: &Path) -> Self {
        KeyringFiles { primary: dir.join(KEYRING_FILE), backup: dir.join(KEYRING_BACKUP) }
    }

    /// True if either copy exists.
    pub fn exist(&self) -> bool {
        self.primary.exists() || self.backup.exists()
    }

    /// Encrypts the keyring under `passphrase` and writes both copies, crash-safely, primary first.
    pub fn write(&self, keyring: &Keyring, passphrase: &SecretString, work_factor: u8) -> Result<()> {
        check_passphrase_strength(passphrase)?;
        let mut recipient = age::scrypt::Recipient::new(passphrase.clone());
        recipient.set_work_factor(work_factor);
        let blob = age::encrypt(&recipient, &keyring.encode()).map_err(|e| Error::Crypto(e.to_string()))?;
        write_atomic(&self.primary, &blob)?;
        write_atomic(&self.backup, &blob)
    }

    /// Decrypts the keyring with `passphrase`, from the primary copy or else the backup, and
    /// rewrites whichever copy is damaged or stale from the one that opened.
    pub fn read(&self, passphrase: &SecretString) -> Result<Keyring> {
        let primary = std::fs::read(&self.primary).ok();
        let backup = std::fs::read(&self.backup).ok();
        if primary.is_none() && backup.is_none() {
            return Err(Error::NoVault(self.primary.parent().map(|p| p.display().to_string()).unwrap_or_default()));
        }
        let first = primary.as_deref().map(|b| decrypt(b, passphrase));
        let (keyring, good, other, other_path) = match first {
            Some(Ok(k)) => (k, primary.as_deref(), backup.as_deref(), &self.backup),
            Some(Err(e @ Error::NewerVersion { .. })) => return Err(e),
            first_err => {
                // The backup is only worth a second scrypt when it differs from the primary.
                let Some(b) = backup.as_deref().filter(|b| Some(*b) != primary.as_deref()) else {
                    return Err(first_err.and_then(|r| r.err()).unwrap_or(Error::KeyringDamaged));
                };
                match decrypt(b, passphrase) {
                    Ok(k) => (k, backup.as_deref(), primary.as_deref(), &self.primary),
                    Err(Error::KeyringDamaged) => {
                        return Err(first_err.and_then(|r| r.err()).unwrap_or(Error::KeyringDamaged))
                    }
                    Err(e) => return Err(e),
                }
            }
        };
        if let Some(good) = good {
            if other != Some(good) {
                // Heal: a lost, damaged or stale copy is replaced by the one that opened.
                if let Err(e) = write_atomic(other_path, good) {
                    tracing::warn!(code = e.code(), "could not repair the second keyring copy");
                }
            }
        }
        Ok(keyring)
    }
}

fn decrypt(blob: &[u8], passphrase: &SecretString) -> Result<Keyring> {
    use age::DecryptError as D;
    let mut identity = age::scrypt::Identity::new(passphrase.clone());
    identity.set_max_work_factor(MAX_WORK_FACTOR);
    let plain = Zeroizing::new(age::decrypt(&identity, blob).map_err(|e| match e {
        D::DecryptionFailed | D::KeyDecryptionFailed | D::NoMatchingKeys => Error::WrongPassphrase,
        _ => Error::KeyringDamaged,
    })?);
    Keyring::decode(&plain)
}

/// Refuses passphrases too short to resist guessing even behind scrypt.
pub fn check_passphrase_strength(passphrase: &SecretString) -> Result<()> {
    if passphrase.expose_secret().chars().count() < MIN_PASSPHRASE_CHARS {
        return Err(Error::WeakPassphrase(MIN_PASSPHRASE_CHARS));
    }
    Ok(())
}
