//! Symmetric encryption of everything the vault stores: XChaCha20-Poly1305 with associated data,
//! over plaintexts padded to size buckets, under keys derived from the vault key.
//!
//! Must never: write anything, log anything, or hand out key bytes outside `SecretKey`.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore;
use zeroize::Zeroizing;

/// Length of the random nonce stored in front of every ciphertext.
pub const NONCE_LEN: usize = 24;
/// Length of the Poly1305 tag appended to every ciphertext.
pub const TAG_LEN: usize = 16;
/// Smallest padded plaintext: tiny records all look alike.
const MIN_PADDED: usize = 256;

/// A 32-byte secret key, wiped from memory when dropped.
#[derive(Clone, zeroize::ZeroizeOnDrop)]
pub struct SecretKey([u8; 32]);

impl SecretKey {
    /// A fresh key from the OS random generator.
    pub fn random() -> Self {
        let mut k = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut k);
        SecretKey(k)
    }

    /// Wraps existing key bytes (the caller zeroizes its copy).
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        SecretKey(bytes)
    }

    /// The raw key bytes, for serialising into the encrypted keyring only.
    pub(crate) fn expose(&self) -> &[u8; 32] {
        &self.0
    }

    /// Derives an independent subkey for one purpose (BLAKE3 key derivation).
    pub fn derive(&self, context: &str) -> SecretKey {
        SecretKey(blake3::derive_key(context, &self.0))
    }

    /// Encrypts `plaintext` padded to its size bucket; output is nonce || ciphertext || tag.
    pub fn seal(&self, aad: &[u8], plaintext: &[u8]) -> Vec<u8> {
        let padded = pad(plaintext);
        let cipher = XChaCha20Poly1305::new(chacha20poly1305::Key::from_slice(&self.0));
        let mut nonce = [0u8; NONCE_LEN];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let ct = cipher
            .encrypt(XNonce::from_slice(&nonce), Payload { msg: &padded, aad })
            // Encryption only fails for plaintexts beyond 256 GiB, which the callers bound.
            .unwrap_or_default();
        let mut out = Vec::with_capacity(NONCE_LEN + ct.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ct);
        out
    }

    /// Decrypts and unpads what `seal` produced with the same `aad`; `None` if anything fails.
    pub fn open(&self, aad: &[u8], sealed: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
        if sealed.len() < NONCE_LEN + TAG_LEN {
            return None;
        }
        let cipher = XChaCha20Poly1305::new(chacha20poly1305::Key::from_slice(&self.0));
        let (nonce, ct) = sealed.split_at(NONCE_LEN);
        let padded = Zeroizing::new(cipher.decrypt(XNonce::from_slice(nonce), Payload { msg: ct, aad }).ok()?);
        unpad(&padded)
    }

    /// A keyed hash (BLAKE3 keyed mode) for identifiers that must not reveal what they name.
    pub fn keyed_hash(&self, data: &[u8]) -> [u8; 32] {
        *blake3::keyed_hash(&self.0, data).as_bytes()
    }
}

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretKey(..)")
    }
}

/// The padded length for a plaintext of `len` bytes (plus its 4-byte length prefix).
///
/// Padmé (Nikitin et al., PETS 2019): sizes leak O(log log n) bits and overhead stays under 12%,
/// with a floor so that every small record has the same size.
pub fn padded_len(len: usize) -> usize {
    let l = (len + 4).max(MIN_PADDED);
    let e = usize::BITS - 1 - l.leading_zeros(); // floor(log2 l)
    let s = usize::BITS - 1 - (e as usize).leading_zeros() + 1; // floor(log2 e) + 1
    let last_bits = e.saturating_sub(s);
    let mask = (1usize << last_bits) - 1;
    (l + mask) & !mask
}

fn pad(plaintext: &[u8]) -> Zeroizing<Vec<u8>> {
    let total = padded_len(plaintext.len());
    let mut out = Zeroizing::new(Vec::with_capacity(total));
    out.extend_from_slice(&(plaintext.len() as u32).to_le_bytes());
    out.extend_from_slice(plaintext);
    out.resize(total, 0);
    out
}

fn unpad(padded: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
    let len_bytes: [u8; 4] = padded.get(..4)?.try_into().ok()?;
    let len = u32::from_le_bytes(len_bytes) as usize;
    let body = padded.get(4..4 + len)?;
    Some(Zeroizing::new(body.to_vec()))
}

/// Fills a buffer with random bytes from the OS.
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    rand::rngs::OsRng.fill_bytes(&mut b);
    b
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_open_round_trip_and_aad_binding() {
        let k = SecretKey::random();
        let ct = k.seal(b"row-1", b"hello");
        assert_eq!(&**k.open(b"row-1", &ct).unwrap(), b"hello");
        assert!(k.open(b"row-2", &ct).is_none(), "ciphertext must be bound to its row");
        let mut flipped = ct.clone();
        flipped[30] ^= 1;
        assert!(k.open(b"row-1", &flipped).is_none());
        assert!(k.open(b"row-1", &ct[..10]).is_none());
    }

    #[test]
    fn padding_hides_small_sizes_and_bounds_overhead() {
        assert_eq!(padded_len(0), padded_len(200));
        for len in [1000usize, 5000, 70_000, 1_000_000] {
            let p = padded_len(len);
            assert!(p >= len + 4);
            assert!((p as f64) <= (len as f64) * 1.12 + 300.0, "{len} -> {p}");
        }
        let k = SecretKey::random();
        assert_eq!(k.seal(b"", b"a").len(), k.seal(b"", &[7u8; 200]).len());
    }

    #[test]
    fn derived_keys_differ_by_context() {
        let k = SecretKey::random();
        assert_ne!(k.derive("a").expose(), k.derive("b").expose());
    }
}
