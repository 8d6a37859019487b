//! Checked little-endian reads from untrusted bytes, shared by the container
//! parsers and the key-blob decoders: `None` where the bytes run out, never a
//! panic or a wrapped offset.

/// Read a little-endian `u32` at `off`, if the bytes are there.
pub(crate) fn le_u32(bytes: &[u8], off: usize) -> Option<u32> {
    let b = bytes.get(off..off.checked_add(4)?)?;
    Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

/// Read a little-endian `u64` at `off`, if the bytes are there.
pub(crate) fn le_u64(bytes: &[u8], off: usize) -> Option<u64> {
    let b = bytes.get(off..off.checked_add(8)?)?;
    let mut a = [0u8; 8];
    a.copy_from_slice(b);
    Some(u64::from_le_bytes(a))
}
