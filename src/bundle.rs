//! USB bundles: a space's items (membership operations and sealed changes) in one age file, to
//! carry between devices that never meet on a network.
//!
//! Layout of the plaintext inside age:
//! ```text
//! "CNBU" | version u8 | space [16] | item count u32 | (length u32 | item)* | BLAKE3 of all before [32]
//! ```
//! age authenticates every 64 KiB chunk and the end of the stream, so a cut or altered file fails
//! to decrypt; the inner hash and exact lengths are a second check. A passphrase bundle has one
//! scrypt stanza and nothing else (age refuses to mix them). Reading is bounded and never panics;
//! importing goes through `Vault::ingest`, which verifies every item and stores all or nothing.

use std::io::Read;

use age::secrecy::SecretString;

use crate::error::{Error, Result};
use crate::keyring::{MAX_WORK_FACTOR, WORK_FACTOR};
use crate::model::SpaceId;
use crate::sync_item::MAX_ITEM_LEN;

const MAGIC: &[u8; 4] = b"CNBU";
const VERSION: u8 = 1;
/// Largest bundle plaintext accepted (bounds memory for a hostile file).
pub const MAX_BUNDLE_LEN: u64 = 1 << 30;
const MAX_ITEMS: u32 = 10_000_000;

/// Why a bundle could not be read (each has a stable code).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BundleProblem {
    /// The file ends too early.
    #[error("This bundle was cut short: ask for it again. Nothing was imported.")]
    CutShort,
    /// A byte of the file was changed, or it was cut inside its encrypted body (age cannot tell
    /// these apart), or it is not a bundle.
    #[error("This bundle was cut short or altered: ask for it again. Nothing was imported.")]
    Damaged,
    /// Encrypted to other recipients.
    #[error("This bundle was not made for this device (or its header is damaged): ask the sender to make it for your card's age recipient. Nothing was imported.")]
    NotForThisDevice,
    /// Wrong passphrase (or a damaged passphrase header).
    #[error("Wrong passphrase for this bundle, or the bundle is damaged. Nothing was imported.")]
    WrongPassphrase,
    /// Needs a passphrase but none was given, or the other way round.
    #[error(
        "This bundle is protected by a passphrase: give it with --bundle-passphrase-file or CARENET_BUNDLE_PASSPHRASE."
    )]
    NeedsPassphrase,
    /// Written by a newer Carenet.
    #[error("This bundle was made by a newer version of Carenet: update Carenet to import it. Nothing was imported.")]
    NewerVersion,
    /// Over the size bounds.
    #[error("This bundle is too large to import. Nothing was imported.")]
    TooLarge,
}

impl BundleProblem {
    /// Stable machine code.
    pub fn code(self) -> &'static str {
        match self {
            BundleProblem::CutShort => "bundle_cut_short",
            BundleProblem::Damaged => "bundle_damaged",
            BundleProblem::NotForThisDevice => "bundle_not_for_this_device",
            BundleProblem::WrongPassphrase => "bundle_wrong_passphrase",
            BundleProblem::NeedsPassphrase => "bundle_needs_passphrase",
            BundleProblem::NewerVersion => "bundle_newer_version",
            BundleProblem::TooLarge => "bundle_too_large",
        }
    }
}

fn problem(p: BundleProblem) -> Error {
    Error::Bundle(p)
}

/// How a bundle is encrypted.
pub enum BundleLock {
    /// To these age recipients (e.g. the `age1...` of the receiving device's card).
    Recipients(Vec<age::x25519::Recipient>),
    /// To a passphrase (age scrypt, work factor 2^18, the file's only stanza).
    Passphrase(SecretString),
}

/// A bundle's content: one space and its items.
pub struct Bundle {
    /// The space the items belong to.
    pub space: SpaceId,
    /// The items, as `Vault::ingest` takes them.
    pub items: Vec<Vec<u8>>,
}

/// Serialises and encrypts a bundle.
pub fn write(space: SpaceId, items: &[Vec<u8>], lock: &BundleLock) -> Result<Vec<u8>> {
    let total: u64 = 64 + items.iter().map(|i| i.len() as u64 + 4).sum::<u64>();
    if total > MAX_BUNDLE_LEN || items.len() > crate::vault::MAX_BATCH_ITEMS {
        // An import refuses bundles over this size: say so now rather than at the other end.
        return Err(Error::invalid(format!(
            "This space holds more than a bundle carries ({} MB at most; its files make it larger). Make the bundle with --have (from `carenet bundle have` on the receiving laptop) so it holds only what is missing there, or sync over the network.",
            MAX_BUNDLE_LEN / (1024 * 1024)
        )));
    }
    let mut plain = zeroize::Zeroizing::new(Vec::with_capacity(64 + items.iter().map(|i| i.len() + 4).sum::<usize>()));
    plain.extend_from_slice(MAGIC);
    plain.push(VERSION);
    plain.extend_from_slice(&space.0);
    plain.extend_from_slice(&(items.len() as u32).to_le_bytes());
    for item in items {
        plain.extend_from_slice(&(item.len() as u32).to_le_bytes());
        plain.extend_from_slice(item);
    }
    let hash = blake3::hash(&plain);
    plain.extend_from_slice(hash.as_bytes());
    let crypto = |e: &dyn std::fmt::Display| Error::Crypto(e.to_string());
    match lock {
        BundleLock::Passphrase(p) => {
            let mut r = age::scrypt::Recipient::new(p.clone());
            r.set_work_factor(WORK_FACTOR);
            age::encrypt(&r, &plain).map_err(|e| crypto(&e))
        }
        BundleLock::Recipients(rs) => {
            if rs.is_empty() {
                return Err(Error::invalid("Give at least one recipient (age1...)."));
            }
            let enc =
                age::Encryptor::with_recipients(rs.iter().map(|r| r as &dyn age::Recipient)).map_err(|e| crypto(&e))?;
            let mut out = Vec::with_capacity(plain.len() + 512);
            let mut w = enc.wrap_output(&mut out).map_err(|e| crypto(&e))?;
            std::io::Write::write_all(&mut w, &plain).map_err(|e| crypto(&e))?;
            w.finish().map_err(|e| crypto(&e))?;
            Ok(out)
        }
    }
}

/// Writes a bundle file crash-safely (temp file, fsync, rename).
pub fn save(path: &std::path::Path, bytes: &[u8]) -> Result<()> {
    // A bare file name has an empty parent folder, which cannot be synced: name it in full.
    let full = std::path::absolute(path).map_err(|e| Error::io("write", path, e))?;
    crate::atomic_file::write_atomic(&full, bytes)
}

/// Decrypts and parses a bundle with this device's age identity or a passphrase; never panics.
pub fn read(file: &[u8], identity: &age::x25519::Identity, passphrase: Option<&SecretString>) -> Result<Bundle> {
    let decryptor = decryptor(file, header_complete(file))?;
    if decryptor.is_scrypt() {
        return finish(with_passphrase(decryptor, passphrase)?);
    }
    finish(for_device(decryptor, identity)?)
}

/// Decrypts and parses a passphrase bundle without any of the vault's keys, so that the slow
/// part (scrypt, about a second) can run while the vault is not held. `Ok(None)`: the bundle is
/// encrypted to devices' keys, not to a passphrase; open it with [`unwrap_for_device`] (through
/// `Vault::unwrap_bundle`) or [`read`]. Errors as [`read`]'s for a passphrase bundle; never panics.
pub fn read_with_passphrase(file: &[u8], passphrase: Option<&SecretString>) -> Result<Option<Bundle>> {
    let decryptor = decryptor(file, header_complete(file))?;
    if !decryptor.is_scrypt() {
        return Ok(None);
    }
    finish(with_passphrase(decryptor, passphrase)?).map(Some)
}

/// A bundle whose file key this device has unwrapped: its body is decrypted, checked and parsed
/// by [`Unwrapped::read`], which needs no key of the vault (so it can run while the vault is not
/// held: the body can be up to 1 GiB).
pub struct Unwrapped(Box<dyn Read + Send>);

impl Unwrapped {
    /// Decrypts the body (bounded), checks it and parses it; errors as [`read`]'s.
    pub fn read(self) -> Result<Bundle> {
        finish(self.0)
    }
}

/// Unwraps the file key of a bundle made for `identity` (X25519, quick); the body is left for
/// [`Unwrapped::read`]. A passphrase bundle is refused with `NeedsPassphrase` (see
/// [`read_with_passphrase`]).
pub fn unwrap_for_device(file: Vec<u8>, identity: &age::x25519::Identity) -> Result<Unwrapped> {
    let header_complete = header_complete(&file);
    let decryptor = decryptor(std::io::Cursor::new(file), header_complete)?;
    if decryptor.is_scrypt() {
        return Err(problem(BundleProblem::NeedsPassphrase));
    }
    Ok(Unwrapped(Box::new(for_device(decryptor, identity)?)))
}

fn header_complete(file: &[u8]) -> bool {
    file.windows(4).any(|w| w == b"\n---")
}

/// The age header, read and checked (`complete`: the file holds a whole header, so a failure is
/// damage rather than a file cut short).
fn decryptor<R: std::io::BufRead>(input: R, complete: bool) -> Result<age::Decryptor<R>> {
    age::Decryptor::new_buffered(input).map_err(|e| match e {
        age::DecryptError::InvalidHeader | age::DecryptError::Io(_) if !complete => problem(BundleProblem::CutShort),
        age::DecryptError::UnknownFormat => problem(BundleProblem::NewerVersion),
        _ => problem(BundleProblem::Damaged),
    })
}

/// The plaintext stream of a passphrase bundle (scrypt, bounded by `MAX_WORK_FACTOR`).
fn with_passphrase<R: Read>(
    decryptor: age::Decryptor<R>,
    passphrase: Option<&SecretString>,
) -> Result<age::stream::StreamReader<R>> {
    let pass = passphrase.ok_or_else(|| problem(BundleProblem::NeedsPassphrase))?;
    let mut id = age::scrypt::Identity::new(pass.clone());
    id.set_max_work_factor(MAX_WORK_FACTOR);
    decryptor.decrypt(std::iter::once(&id as &dyn age::Identity)).map_err(|e| match e {
        age::DecryptError::ExcessiveWork { .. } => problem(BundleProblem::TooLarge),
        _ => problem(BundleProblem::WrongPassphrase),
    })
}

/// The plaintext stream of a bundle made for this device's age identity.
fn for_device<R: Read>(
    decryptor: age::Decryptor<R>,
    identity: &age::x25519::Identity,
) -> Result<age::stream::StreamReader<R>> {
    decryptor.decrypt(std::iter::once(identity as &dyn age::Identity)).map_err(|e| match e {
        age::DecryptError::NoMatchingKeys => problem(BundleProblem::NotForThisDevice),
        _ => problem(BundleProblem::Damaged),
    })
}

/// Reads the plaintext (bounded) and parses it.
fn finish(reader: impl Read) -> Result<Bundle> {
    let mut plain = zeroize::Zeroizing::new(Vec::new());
    reader.take(MAX_BUNDLE_LEN + 1).read_to_end(&mut plain).map_err(|e| match e.kind() {
        std::io::ErrorKind::UnexpectedEof => problem(BundleProblem::CutShort),
        _ if e.to_string().contains("last chunk") || e.to_string().contains("truncated") => {
            problem(BundleProblem::CutShort)
        }
        _ => problem(BundleProblem::Damaged),
    })?;
    if plain.len() as u64 > MAX_BUNDLE_LEN {
        return Err(problem(BundleProblem::TooLarge));
    }
    parse(&plain)
}

fn parse(plain: &[u8]) -> Result<Bundle> {
    if plain.len() < 4 + 1 + 16 + 4 + 32 {
        return Err(problem(BundleProblem::CutShort));
    }
    let (body, hash) = plain.split_at(plain.len() - 32);
    let mut r = crate::wire::Reader::new(body, BundleProblem::CutShort);
    if r.take(4).map_err(problem)? != MAGIC {
        return Err(problem(BundleProblem::Damaged));
    }
    if r.u8().map_err(problem)? != VERSION {
        return Err(problem(BundleProblem::NewerVersion));
    }
    if blake3::hash(body).as_bytes() != hash {
        return Err(problem(BundleProblem::Damaged));
    }
    let space = SpaceId(r.array().map_err(problem)?);
    let n = r.u32().map_err(problem)?;
    if n > MAX_ITEMS {
        return Err(problem(BundleProblem::TooLarge));
    }
    let mut items = Vec::with_capacity(n.min(4096) as usize);
    for _ in 0..n {
        let item = r.bytes().map_err(problem)?;
        if item.len() > MAX_ITEM_LEN {
            return Err(problem(BundleProblem::TooLarge));
        }
        items.push(item.to_vec());
    }
    if !r.is_done() {
        return Err(problem(BundleProblem::Damaged));
    }
    Ok(Bundle { space, items })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bundle_an_import_would_refuse_is_not_written() {
        // Three untouched 512 MiB items (zeroed pages are not allocated until written).
        let items: Vec<Vec<u8>> = (0..3).map(|_| vec![0u8; 1 << 29]).collect();
        let lock = BundleLock::Passphrase(SecretString::from("a long enough bundle passphrase".to_owned()));
        let e = write(SpaceId([1; 16]), &items, &lock).unwrap_err();
        assert_eq!(e.code(), "invalid_input");
        assert!(e.to_string().contains("--have"), "{e}");
    }
}
