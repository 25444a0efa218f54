//! A bounds-checked reader for the binary layouts the core decodes (record rows, space
//! operations): every read past the end is the caller's "malformed" error, never a panic.

/// Reads fields in order from a byte slice.
pub(crate) struct Reader<'a, E: Copy> {
    b: &'a [u8],
    at: usize,
    malformed: E,
}

impl<'a, E: Copy> Reader<'a, E> {
    /// A reader over `b` that fails with `malformed`.
    pub fn new(b: &'a [u8], malformed: E) -> Self {
        Reader { b, at: 0, malformed }
    }

    /// The next `n` bytes.
    pub fn take(&mut self, n: usize) -> Result<&'a [u8], E> {
        let end = self.at.checked_add(n).ok_or(self.malformed)?;
        let s = self.b.get(self.at..end).ok_or(self.malformed)?;
        self.at = end;
        Ok(s)
    }

    /// The next `N` bytes as an array.
    pub fn array<const N: usize>(&mut self) -> Result<[u8; N], E> {
        self.take(N)?.try_into().map_err(|_| self.malformed)
    }

    /// One byte.
    pub fn u8(&mut self) -> Result<u8, E> {
        Ok(self.take(1)?[0])
    }

    /// A little-endian u32.
    pub fn u32(&mut self) -> Result<u32, E> {
        Ok(u32::from_le_bytes(self.array()?))
    }

    /// A byte string prefixed by its little-endian u32 length.
    pub fn bytes(&mut self) -> Result<&'a [u8], E> {
        let n = self.u32()? as usize;
        self.take(n)
    }

    /// Everything not read yet.
    pub fn rest(&mut self) -> &'a [u8] {
        let r = &self.b[self.at.min(self.b.len())..];
        self.at = self.b.len();
        r
    }

    /// True when every byte was read.
    pub fn is_done(&self) -> bool {
        self.at == self.b.len()
    }
}
